/**
 * Several workers on one journal: claims are exclusive, renewed by their holder, and a dead
 * worker's leads not done are taken over once its lease expires, by one worker each. The same
 * cases against memory, SQLite and PostgreSQL; on PostgreSQL also with each worker on its own
 * connection pool, claiming at the same moment.
 */
import { Journal } from "@lemlist-effect/enrich"
import { JournalPg } from "@lemlist-effect/enrich/pg"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, TestClock } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Pg from "./support/postgres.js"
import { enriched } from "./support/outcomes.js"

const dir = mkdtempSync(join(tmpdir(), "journal-claims-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

const keys = Array.from({ length: 1_000 }, (_, i) => `k${i}`)
const suite = (name: string, layer: () => Layer.Layer<Journal.Journal, unknown>, skip = false) =>
  describe.skipIf(skip)(name, () => {
    it.effect("a lead has one holder until its lease expires; the holder renews it", () =>
      Effect.gen(function*() {
        const journal = yield* Journal.Journal
        assert.deepStrictEqual(yield* journal.claim("a", ["y", "x", "y"], "10 seconds"), new Set(["x", "y"]))
        assert.deepStrictEqual(yield* journal.claim("b", ["x", "y", "z"], "10 seconds"), new Set(["z"]))
        yield* TestClock.adjust("8 seconds")
        yield* journal.renew("a", "10 seconds")
        yield* TestClock.adjust("8 seconds") // a's renewed lease still runs, b's has expired
        assert.deepStrictEqual(yield* journal.claim("b", ["x", "y"], "10 seconds"), new Set())
        assert.deepStrictEqual(yield* journal.claim("a", ["z"], "10 seconds"), new Set(["z"]))
        yield* TestClock.adjust("11 seconds")
        assert.deepStrictEqual(yield* journal.claim("b", ["x", "y", "z"], "10 seconds"), new Set(["x", "y", "z"]))
      }).pipe(Effect.provide(layer())))

    it.effect("a dead worker's leads not done are taken over once, in lease order, up to the limit", () =>
      Effect.gen(function*() {
        const journal = yield* Journal.Journal
        yield* journal.claim("dead", ["s1", "s2", "s3"], "5 seconds")
        yield* journal.claim("dead", ["d1", "u1", "u2"], "6 seconds")
        yield* journal.recordOutcomes([enriched("d1")])
        yield* journal.recordSubmitted([{ key: "s1", enrichmentId: "enr_1", types: ["find_email"] }])
        assert.deepStrictEqual(yield* journal.takeOver("live", "10 seconds", 100), [], "leases still run")
        yield* TestClock.adjust("7 seconds")
        const first = yield* journal.takeOver("live", "10 seconds", 3)
        assert.deepStrictEqual(first, ["s1", "s2", "s3"], "the oldest leases first")
        const rest = yield* journal.takeOver("other", "10 seconds", 100)
        assert.deepStrictEqual([...rest].sort(), ["u1", "u2"], "never a done lead, never one taken already")
        assert.deepStrictEqual(yield* journal.claim("dead", ["s1", "u1", "d1"], "5 seconds"), new Set(["d1"]))
        assert.strictEqual((yield* journal.lookup(["s1"])).get("s1")?._tag, "Submitted", "a takeover changes no state")
      }).pipe(Effect.provide(layer())))

    it.effect("workers claiming overlapping leads together: each lead has exactly one holder", () =>
      Effect.gen(function*() {
        const journal = yield* Journal.Journal
        const workers = ["w0", "w1", "w2", "w3"]
        const held = yield* Effect.forEach(
          workers,
          (worker, i) => journal.claim(worker, keys.slice(i * 150, i * 150 + 550), "1 minute"),
          { concurrency: "unbounded" }
        )
        const all = held.flatMap((set) => [...set])
        assert.strictEqual(all.length, new Set(all).size, "no lead held twice")
        assert.strictEqual(all.length, 1_000)
      }).pipe(Effect.provide(layer())))
  })

suite("Journal.layerMemory claims", () => Journal.layerMemory)
suite("JournalSqlite claims", () => JournalSqlite.layer({ filename: join(dir, `claims-${files++}.sqlite`) }))
suite("JournalPg claims", () => Pg.freshJournal().layer, Pg.skipped !== undefined)

describe.skipIf(Pg.skipped !== undefined)("JournalPg claims, one pool per worker", () => {
  it.scoped("four workers claiming, then taking over, at the same moment: disjoint and complete", () =>
    Effect.gen(function*() {
      const { layer, schema } = Pg.freshJournal()
      yield* Layer.build(layer) // migrates the schema, and drops it when the test ends
      // Each worker with its own pool, opened before the race starts.
      const workers = yield* Effect.forEach(["w0", "w1", "w2", "w3"], (name) =>
        Layer.build(JournalPg.layer({ url: Pg.databaseUrl(), schema })).pipe(
          Effect.map((context) => ({ name, journal: Context.get(context, Journal.Journal) }))
        ))
      const held = yield* Effect.forEach(workers, (w) => w.journal.claim(w.name, keys, "1 minute"), { concurrency: "unbounded" })
      const all = held.flatMap((set) => [...set])
      assert.deepStrictEqual([all.length, new Set(all).size], [1_000, 1_000])
      // Every lease expires; the four take over 25 at a time, together, until none is left.
      yield* TestClock.adjust("2 minutes")
      const taken = yield* Effect.forEach(workers, (w) =>
        Effect.gen(function*() {
          const mine: Array<string> = []
          for (let round = 0; round < 40; round++) mine.push(...(yield* w.journal.takeOver(`t${w.name}`, "1 minute", 25)))
          return mine
        }), { concurrency: "unbounded" })
      const takenAll = taken.flat()
      assert.strictEqual(takenAll.length, new Set(takenAll).size, "no lead taken over twice")
      assert.strictEqual(takenAll.length, 1_000, `taken over: ${taken.map((t) => t.length)}`)
      assert.isTrue(taken.filter((t) => t.length > 0).length > 1, `taken over by several: ${taken.map((t) => t.length)}`)
    }), { timeout: 30_000 })
})
