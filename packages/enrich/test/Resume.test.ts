import { Enrichment, type Lead, Progress } from "@lemlist-effect/enrich"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Random, Stream, SubscriptionRef } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { driven } from "./support/drive.js"
import { makeFake } from "./support/FakeLemlist.js"

const leads: ReadonlyArray<Lead.Lead> = Array.from({ length: 600 }, (_, i) => ({
  input: { linkedinUrl: `https://www.linkedin.com/in/lead-${i}` },
  metadata: i
}))

const options: Enrichment.Options = { types: ["find_email"], batchSize: 50, creditCheck: "off" }

describe("interrupted runs resume from the SQLite journal", () => {
  it.scoped("stopping at many random points, then rerunning: every outcome, nothing sent twice", () =>
    Effect.gen(function*() {
      // One fake for the whole test: it is lemlist, and it outlives every run.
      const fake = makeFake({ pollsBeforeDone: 3 })
      const dir = mkdtempSync(join(tmpdir(), "resume-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const filename = join(dir, "run.sqlite")
      const journal = Layer.merge(JournalSqlite.layer({ filename }), fake.layer)
      const interrupted = (after: number) =>
        Enrichment.run(leads, options).pipe(Stream.take(after), Stream.runDrain, driven, Effect.provide(journal))
      // Interruptions after a random number of outcomes, and after a random span of virtual time.
      for (let i = 0; i < 12; i++) {
        yield* interrupted(yield* Random.nextIntBetween(0, leads.length))
        const stopAfter = yield* Random.nextIntBetween(1, 40)
        yield* Enrichment.run(leads, options).pipe(
          Stream.runDrain,
          Effect.timeout(`${stopAfter * 100} millis`),
          Effect.ignore,
          driven,
          Effect.provide(journal)
        )
      }
      const final = yield* Enrichment.run(leads, options).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        driven,
        Effect.provide(journal)
      )
      assert.strictEqual(final.length, leads.length)
      assert.deepStrictEqual(new Set(final.map((o) => o.metadata)).size, leads.length)
      assert.isTrue(final.every((o) => o._tag === "Enriched"), "an interrupt never leaves a lead undetermined")
      assert.strictEqual(fake.submittedKeys.length, new Set(fake.submittedKeys).size, "no lead sent twice")
      assert.strictEqual(new Set(fake.submittedKeys).size, leads.length)
      const summary = yield* JournalSqlite.summarize(filename)
      assert.deepStrictEqual(summary.outcomes, { Enriched: leads.length })
    }))

  it.scoped("a resumed run's progress counts what an earlier run sent and it still awaits", () =>
    Effect.gen(function*() {
      const fake = makeFake({ pollsBeforeDone: 5 })
      const dir = mkdtempSync(join(tmpdir(), "resume-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const journal = Layer.merge(JournalSqlite.layer({ filename: join(dir, "run.sqlite") }), fake.layer)
      // Stopped once every lead is sent and none is done: all 600 await their results.
      yield* Enrichment.run(leads, options).pipe(Stream.runDrain, Effect.timeout("1 second"), Effect.ignore, driven, Effect.provide(journal))
      assert.strictEqual(fake.submittedKeys.length, leads.length)
      const progress = yield* Progress.make(leads.length)
      const seen: Array<number> = []
      const watcher = yield* progress.changes.pipe(
        Stream.runForEach((p) => Effect.sync(() => seen.push(p.pendingFromEarlierRun))),
        Effect.fork
      )
      const outcomes = yield* Enrichment.run(leads, { ...options, progress }).pipe(Stream.runCollect, driven, Effect.provide(journal))
      yield* Fiber.interrupt(watcher)
      assert.strictEqual(Chunk.size(outcomes), leads.length)
      assert.strictEqual(Math.max(...seen), leads.length, "every lead was awaited from the earlier run")
      assert.strictEqual((yield* SubscriptionRef.get(progress)).pendingFromEarlierRun, 0)
      assert.strictEqual(fake.submittedKeys.length, leads.length, "none sent again")
    }))
})
