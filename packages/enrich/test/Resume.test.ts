import { Enrichment, type Lead } from "@lemlist-effect/enrich"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Random, Stream } from "effect"
import { mkdtempSync } from "node:fs"
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
  it.effect("stopping at many random points, then rerunning: every outcome, nothing sent twice", () =>
    Effect.gen(function*() {
      // One fake for the whole test: it is lemlist, and it outlives every run.
      const fake = makeFake({ pollsBeforeDone: 3 })
      const filename = join(mkdtempSync(join(tmpdir(), "resume-")), "run.sqlite")
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
})
