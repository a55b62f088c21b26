/**
 * The pacer store's contract, run against every store (memory, SQLite, Redis) with the same
 * cases on the TestClock; then what only a SQLite file gives: pruning, and a pacer that
 * restarts on the file of the one before it.
 *
 * Redis reads its own clock (`TIME`) in production; here its scripts get "now" from the
 * caller's clock instead (the internal `clock: "caller"`, `support/redis.ts`), so the same
 * cases assert the same exact times. The one case that runs the pacer with fibers waiting
 * while the store answers over the network runs on the real clock for every store (the
 * `TestClock` would move on while a Redis answer is in flight); `PacerStoreRedis.test.ts`
 * checks that production reads `TIME`. The Redis cases run when `LEMLIST_TEST_REDIS_URL` is set.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Fiber, Layer, TestClock } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { RequestPacer } from "../src/index.js"
import { PacerStoreSqlite } from "../src/sqlite.js"
import { maxInWindow } from "./support/pacing.js"
import { layerOnCallerClock, layerOnRedisClock, noRedis } from "./support/redis.js"

/** A temporary folder for the scope, removed (with the database in it) when the scope closes. */
const tempFile = Effect.acquireRelease(
  Effect.sync(() => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pacer-store-")), "pacer.sqlite")),
  (file) => Effect.sync(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }))
)

const sqliteStore = Layer.unwrapScoped(Effect.map(tempFile, (filename) => PacerStoreSqlite.layerFile({ filename })))

interface Fixture {
  readonly name: string
  readonly layer: Layer.Layer<RequestPacer.PacerStore, RequestPacer.PacerStoreError>
  /** Answers without I/O in flight (a synchronous driver): fibers can wait on the TestClock. */
  readonly synchronous: boolean
  readonly skip?: boolean
  /** The store on its own clock, when `layer` reads the caller's. */
  readonly live?: Layer.Layer<RequestPacer.PacerStore, RequestPacer.PacerStoreError>
  /**
   * Reserves against the planned starts and checks the window on the real ones when a start
   * leaves (`Full`: wait, then depart again), instead of reserving after the real ones.
   */
  readonly checksDepartures?: boolean
}

const stores: ReadonlyArray<Fixture> = [
  { name: "memory", layer: RequestPacer.layerStoreMemory, synchronous: true },
  { name: "sqlite", layer: sqliteStore, synchronous: true },
  {
    name: "redis",
    layer: layerOnCallerClock,
    live: layerOnRedisClock,
    synchronous: false,
    checksDepartures: true,
    skip: noRedis("PacerStore contract: redis")
  }
]

const limits = { key: "k", interval: 10, limit: 5, window: 1000, margin: 0 }
const lemlist = { key: "k", interval: 100, limit: 20, window: 2000, margin: 0 }

const reserveN = (store: RequestPacer.Store, n: number, options = limits) =>
  Effect.forEach(Array.from({ length: n }), () => store.reserve(options))

/**
 * `n` starts reserved at lemlist's limit (0, 100, 200...), then the first one's fiber wakes 500 ms
 * late (a busy event loop) and leaves then: it reaches lemlist at 500.
 */
const firstLeavesLate = (store: RequestPacer.Store, n: number) =>
  Effect.gen(function*() {
    const rs = yield* reserveN(store, n, lemlist)
    assert.deepStrictEqual(rs.map((r) => r.slot), Array.from({ length: n }, (_, i) => i * 100))
    yield* TestClock.adjust("500 millis")
    assert.deepStrictEqual(yield* store.depart({ key: "k", id: rs[0]!.id, interval: 100 }), { _tag: "Departed", at: 500 })
    return rs
  })

for (const { checksDepartures, layer, live, name, skip, synchronous } of stores) {
  describe.skipIf(skip)(`PacerStore contract: ${name}`, () => {
    it.effect("reserve spaces starts by the interval and holds the sliding window", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        const slots = (yield* reserveN(store, 12)).map((r) => r.slot)
        assert.deepStrictEqual(slots, [0, 10, 20, 30, 40, 1000, 1010, 1020, 1030, 1040, 2000, 2010])
        assert.strictEqual(maxInWindow(slots, 1000), 5)
      }).pipe(Effect.provide(layer)))

    it.effect("reserve reports the store's now, and the margin widens the window", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        yield* TestClock.adjust("300 millis")
        const rs = yield* reserveN(store, 6, { ...limits, margin: 25 })
        assert.deepStrictEqual(rs.map((r) => r.now), [300, 300, 300, 300, 300, 300])
        assert.deepStrictEqual(rs.map((r) => r.slot), [300, 310, 320, 330, 340, 1325])
      }).pipe(Effect.provide(layer)))

    it.effect("keys are independent", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        yield* reserveN(store, 5)
        const other = yield* store.reserve({ ...limits, key: "other" })
        assert.strictEqual(other.slot, 0)
      }).pipe(Effect.provide(layer)))

    it.effect("release gives an unused slot back", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        const two = { ...limits, limit: 2 }
        yield* store.reserve(two) // 0
        const unused = yield* store.reserve(two) // 10
        yield* TestClock.adjust("5 millis")
        yield* store.release({ key: "k", id: unused.id })
        // without the release the window [0, 10] would be full until t=1000
        assert.strictEqual((yield* store.reserve(two)).slot, 20)
      }).pipe(Effect.provide(layer)))

    it.effect("depart books a late start when it left, so the 20th behind it still respects the window", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        yield* firstLeavesLate(store, 20)
        yield* TestClock.adjust("1400 millis")
        // Arrivals 100..1900 and 500 are 20 in the window (100, 2100]: the 21st may not go before 2100.
        const last = yield* store.reserve(lemlist)
        if (!checksDepartures) return assert.strictEqual(last.slot, 2100)
        // Reserved on the plan (the first at 0), it learns it when it leaves: at 2000 the window
        // (0, 2000] would hold 21; it waits until the start at 100 has left it.
        assert.strictEqual(last.slot, 2000)
        yield* TestClock.adjust("100 millis")
        assert.deepStrictEqual(yield* store.depart({ key: "k", id: last.id, interval: 100 }), { _tag: "Full", retryIn: 100 })
        yield* TestClock.adjust("100 millis")
        assert.deepStrictEqual(yield* store.depart({ key: "k", id: last.id, interval: 100 }), { _tag: "Departed", at: 2100 })
      }).pipe(Effect.provide(layer)))

    it.effect("a start whose window a late start overfilled waits for room, keeping its slot, instead of leaving", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        // The first start leaves at 500 (its own window holds 6)...
        const rs = yield* firstLeavesLate(store, 21)
        // ...but the 21st, reserved at 2000 with the first counted at 0, would make 21 in
        // (0, 2000]: it waits until the start at 100 has left the window, then leaves.
        yield* TestClock.adjust("1500 millis")
        assert.deepStrictEqual(yield* store.depart({ key: "k", id: rs[20].id, interval: 100 }), { _tag: "Full", retryIn: 100 })
        yield* TestClock.adjust("100 millis")
        assert.deepStrictEqual(yield* store.depart({ key: "k", id: rs[20].id, interval: 100 }), { _tag: "Departed", at: 2100 })
        assert.strictEqual(maxInWindow([500, ...rs.slice(1, 20).map((r) => r.slot), 2100], 2000), 20)
      }).pipe(Effect.provide(layer)))

    it.effect("depart on time keeps the slot; depart during a pause releases it", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        const [a, b] = yield* reserveN(store, 2, lemlist)
        assert.deepStrictEqual(yield* store.depart({ key: "k", id: a.id, interval: 100 }), { _tag: "Departed", at: 0 })
        yield* store.rateLimited({ key: "k", pause: 1000, window: 2000, margin: 0, announcedLimit: undefined })
        yield* TestClock.adjust("100 millis")
        assert.deepStrictEqual(yield* store.depart({ key: "k", id: b.id, interval: 100 }), {
          _tag: "Paused",
          until: 1000
        })
        // b's slot is free again; the next start waits for the pause
        const next = yield* store.reserve(lemlist)
        assert.strictEqual(next.slot, 1000)
      }).pipe(Effect.provide(layer)))

    it.effect("rateLimited never shortens a pause, and doubles the learned margin up to a quarter of the window", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        const pause = (ms: number) =>
          store.rateLimited({ key: "k", pause: ms, window: 2000, margin: 25, announcedLimit: undefined })
        yield* pause(3000)
        yield* pause(500)
        assert.strictEqual((yield* store.reserve(lemlist)).slot, 3000)
        // 50, 100, 200, 400, 500 (a quarter of 2,000), 500
        for (let i = 0; i < 5; i++) yield* pause(0)
        yield* reserveN(store, 19, lemlist) // 3100..4900
        assert.strictEqual((yield* store.reserve(lemlist)).slot, 3000 + 2000 + 500)
      }).pipe(Effect.provide(layer)))

    it.effect("a 429 despite the count widens the window: lemlist's own jitter stops costing 429s", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        const o = { ...lemlist, margin: 25 }
        yield* reserveN(store, 20, o)
        yield* TestClock.adjust("1950 millis")
        yield* store.rateLimited({ key: "k", pause: 0, window: 2000, margin: 25, announcedLimit: undefined })
        // The 21st waits for the first to leave a window widened to 2,050 ms (2,025 before).
        assert.strictEqual((yield* store.reserve(o)).slot, 2050)
        yield* TestClock.adjust("150 millis")
        yield* store.rateLimited({ key: "k", pause: 0, window: 2000, margin: 25, announcedLimit: undefined })
        assert.strictEqual((yield* store.reserve(o)).slot, 2200)
      }).pipe(Effect.provide(layer)))

    it.effect("observed books traffic the store did not see, and only that", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        const first = yield* store.reserve(lemlist)
        yield* TestClock.adjust("50 millis")
        // lemlist counted 1 (ours): nothing to add, the next start is the spacing's
        yield* store.observed({ key: "k", startedAt: first.slot, window: 2000, announcedLimit: 20, used: 1 })
        assert.strictEqual((yield* store.reserve(lemlist)).slot, 100)
        // lemlist counted 20 where the store has 1 started (the 100 reservation is in the future):
        // 19 foreign starts at 50
        yield* store.observed({ key: "k", startedAt: first.slot, window: 2000, announcedLimit: 20, used: 20 })
        assert.strictEqual((yield* store.reserve(lemlist)).slot, 2050)
      }).pipe(Effect.provide(layer)))

    // Two starts reserved, the first departed at 0 and answered at 90 with `moveStart: by`; the
    // 21st start after it then waits for it where it moved, `movedTo`: (movedTo, movedTo + 2000]
    // holds it and 19 more. A store that reserves on the plan (Redis) learns it when the start
    // leaves.
    const movedFirst = (store: RequestPacer.Store, by: number, movedTo: number) =>
      Effect.gen(function*() {
        const [first, second] = yield* reserveN(store, 2, lemlist)
        assert.deepStrictEqual(yield* store.depart({ key: "k", id: first.id, interval: 100 }), { _tag: "Departed", at: 0 })
        yield* TestClock.adjust("90 millis")
        yield* store.observed({ key: "k", startedAt: 0, window: 2000, announcedLimit: undefined, used: undefined, moveStart: by })
        yield* TestClock.adjust("10 millis")
        assert.deepStrictEqual(yield* store.depart({ key: "k", id: second.id, interval: 100 }), { _tag: "Departed", at: 100 })
        const last = (yield* reserveN(store, 19, lemlist))[18]
        yield* TestClock.adjust(`${last.slot - 100} millis`)
        let departure = yield* store.depart({ key: "k", id: last.id, interval: 100 })
        if (departure._tag === "Full") {
          assert.isTrue(checksDepartures)
          assert.deepStrictEqual(departure, { _tag: "Full", retryIn: movedTo })
          yield* TestClock.adjust(`${movedTo} millis`)
          departure = yield* store.depart({ key: "k", id: last.id, interval: 100 })
        }
        assert.deepStrictEqual(departure, { _tag: "Departed", at: 2000 + movedTo })
      })

    it.effect("moveStart moves a start at most to now: a cold start to its answer, the 20th start after it keeps the window", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        // Its connection took 90 ms to open: lemlist may have counted it at 90, when it answered.
        yield* movedFirst(store, Number.MAX_SAFE_INTEGER, 90)
        // A start answered after the window has passed is booked at its answer.
        yield* TestClock.adjust("3000 millis")
        yield* store.observed({ key: "k", startedAt: 0, window: 2000, announcedLimit: undefined, used: undefined, moveStart: Number.MAX_SAFE_INTEGER })
        const after = yield* reserveN(store, 20, lemlist)
        assert.strictEqual(after[19].slot, 5090 + 2000)
      }).pipe(Effect.provide(layer)))

    it.effect("moveStart moves a start by as much as it left late, when that is before now", () =>
      Effect.gen(function*() {
        // It left 60 ms after its booking (a busy event loop), and was answered at 90.
        yield* movedFirst(yield* RequestPacer.PacerStore, 60, 60)
      }).pipe(Effect.provide(layer)))

    it.effect("a lower announced limit applies to every later reservation", () =>
      Effect.gen(function*() {
        const store = yield* RequestPacer.PacerStore
        yield* store.observed({ key: "k", startedAt: 0, window: 1000, announcedLimit: 3, used: undefined })
        const slots = (yield* reserveN(store, 4)).map((r) => r.slot)
        assert.deepStrictEqual(slots, [0, 10, 20, 1000])
      }).pipe(Effect.provide(layer)))

    it.effect.skipIf(!synchronous)("the pacer over the store keeps its rules (a 429 pauses requests already waiting)", () =>
      Effect.gen(function*() {
        const pacer = yield* RequestPacer.makeFromStore()
        const first = yield* pacer.take("k")
        const waiting = yield* Effect.fork(Effect.all([pacer.take("k"), pacer.take("k")], { concurrency: 2 }))
        yield* TestClock.adjust("50 millis")
        yield* pacer.observe("k", { startedAt: first, status: 429, retryAfterMillis: 1000 })
        yield* TestClock.adjust("3 seconds")
        const times = [...(yield* Fiber.join(waiting))].sort((a, b) => a - b)
        assert.deepStrictEqual(times, [1050, 1150])
      }).pipe(Effect.provide(layer)))

    it.live("the same on the real clock: a 429 pauses requests already waiting, for every process of the store", () =>
      Effect.gen(function*() {
        const pacer = yield* RequestPacer.makeFromStore()
        const first = yield* pacer.take("k")
        const waiting = yield* Effect.fork(Effect.all([pacer.take("k"), pacer.take("k")], { concurrency: 2 }))
        yield* Effect.sleep("50 millis")
        yield* pacer.observe("k", { startedAt: first, status: 429, retryAfterMillis: 1000 })
        const times = [...(yield* Fiber.join(waiting))].sort((a, b) => a - b).map((t) => t - first)
        // Paused from the 429 (50 ms or a little more after the first) for 1 s, then spaced (a
        // fiber that wakes late leaves later than its slot, never earlier).
        assert.isAtLeast(times[0], 1050)
        assert.isBelow(times[0], 1050 + 250)
        assert.isAtLeast(times[1], 1150)
        assert.isBelow(times[1], 1150 + 250)
      }).pipe(Effect.provide(live ?? layer)))
  })
}

describe("PacerStoreSqlite", () => {
  it.effect("prunes starts that left the window, and lives beside other tables in one file", () =>
    Effect.gen(function*() {
      const store = yield* RequestPacer.PacerStore
      const sql = yield* SqlClient.SqlClient
      yield* reserveN(store, 5)
      yield* TestClock.adjust("10 seconds")
      yield* store.reserve(limits)
      const [{ n }] = yield* sql<{ n: number }>`SELECT count(*) AS n FROM pacer_log`
      assert.strictEqual(n, 1)
      const tables = (yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
        .map((t) => t.name)
      assert.includeMembers(tables, ["lemlist_enrich_pacer_migrations", "pacer_keys", "pacer_log"])
    }).pipe(
      Effect.provide(
        PacerStoreSqlite.layer.pipe(
          Layer.provideMerge(Layer.unwrapScoped(Effect.map(tempFile, (filename) => SqliteClient.layer({ filename }))))
        )
      )
    ))

  it.effect("refuses a file that is not a SQLite database with a typed error", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      fs.writeFileSync(filename, "not a database, just text")
      const error = yield* Effect.flip(Effect.provide(RequestPacer.PacerStore, PacerStoreSqlite.layerFile({ filename })))
      assert.strictEqual(error._tag, "PacerStoreError")
      assert.strictEqual(error.operation, "open")
    }).pipe(Effect.scoped))

  it.scoped("a pacer restarted on the file of the one before waits for the window (a restart trips no limit)", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      const twentyOn = (until: Duration.DurationInput) =>
        Effect.flatMap(RequestPacer.RequestPacer, (pacer) =>
          Effect.gen(function*() {
            const fiber = yield* Effect.fork(Effect.forEach(Array.from({ length: 20 }), () => pacer.take("k")))
            yield* TestClock.adjust(until)
            return yield* Fiber.join(fiber)
          })).pipe(Effect.provide(RequestPacer.layerFromStore().pipe(Layer.provide(PacerStoreSqlite.layerFile({ filename })))))
      // A books 20 starts at 0..1900, then is dropped (its scope, and the file's connection, closed).
      const a = yield* twentyOn("1900 millis")
      assert.deepStrictEqual(a, Array.from({ length: 20 }, (_, i) => i * 100))
      // B opens the file at 1,900: each of its starts waits for one of A's to leave the window
      // (2,000 + 50 ms of margin). A fresh pacer would have started at 1,900.
      const b = yield* twentyOn("3 seconds")
      assert.deepStrictEqual(b, Array.from({ length: 20 }, (_, i) => 2050 + i * 100))
      assert.strictEqual(maxInWindow([...a, ...b], 2050), 20)
    }))

  it.scoped("a 429's pause and the margin it taught survive the restart", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      const onFile = <A>(use: (pacer: RequestPacer.Service) => Effect.Effect<A>) =>
        Effect.flatMap(RequestPacer.RequestPacer, use).pipe(
          Effect.provide(RequestPacer.layerFromStore().pipe(Layer.provide(PacerStoreSqlite.layerFile({ filename }))))
        )
      // A's only request is answered 429, Retry-After 3 s; then A is killed.
      yield* onFile((pacer) =>
        Effect.flatMap(pacer.take("k"), (startedAt) =>
          pacer.observe("k", { startedAt, status: 429, retryAfterMillis: 3000 })))
      yield* TestClock.adjust("500 millis")
      const b = yield* onFile((pacer) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Effect.forEach(Array.from({ length: 21 }), () => pacer.take("k")))
          yield* TestClock.adjust("10 seconds")
          return yield* Fiber.join(fiber)
        }))
      // B waits out A's pause, then paces 20 per 2,000 + 100 ms (the margin doubled by A's 429).
      assert.strictEqual(b[0], 3000)
      assert.strictEqual(b[20], 3000 + 2100)
    }))
})
