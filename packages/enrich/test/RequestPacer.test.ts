import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, TestClock } from "effect"
import { RequestPacer } from "../src/index.js"
import { parseResetDate, parseRetryAfter, rateLimitInfo } from "../src/internal/clientHeaders.js"
import * as Headers from "@effect/platform/Headers"
import { maxInWindow } from "./support/pacing.js"

const takeAll = (pacer: RequestPacer.Service, key: string, n: number) =>
  Effect.forEach(Array.from({ length: n }), () => pacer.take(key), { concurrency: "unbounded" })

describe("RequestPacer", () => {
  it.effect("spaces requests by the interval, with no burst at the start", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make()
      const fiber = yield* Effect.fork(takeAll(pacer, "k", 60))
      yield* TestClock.adjust("10 seconds")
      const times = yield* Fiber.join(fiber)
      const sorted = [...times].sort((a, b) => a - b)
      assert.deepStrictEqual(sorted.slice(0, 3), [0, 100, 200])
      for (let i = 1; i < sorted.length; i++) assert.isAtLeast(sorted[i] - sorted[i - 1], 100)
      // the margin keeps 20 starts inside any 2 s window, with room for jitter
      assert.strictEqual(maxInWindow(times, 2000), 20)
      assert.strictEqual(maxInWindow(times, 2025), 20)
    }))

  it.effect("enforces the window even with a short interval", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make({ interval: "10 millis", limit: 5, window: "1 second", margin: 0 })
      const fiber = yield* Effect.fork(takeAll(pacer, "k", 12))
      yield* TestClock.adjust("5 seconds")
      const times = [...(yield* Fiber.join(fiber))].sort((a, b) => a - b)
      assert.deepStrictEqual(times.slice(0, 6), [0, 10, 20, 30, 40, 1000])
      assert.strictEqual(maxInWindow(times, 1000), 5)
    }))

  it.effect("keys are independent", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make()
      const a = yield* pacer.take("a")
      const b = yield* pacer.take("b")
      assert.deepStrictEqual([a, b], [0, 0])
    }))

  it.effect("a 429 pauses every request of the key until Retry-After, including those already waiting", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make()
      const first = yield* pacer.take("k")
      const waiting = yield* Effect.fork(takeAll(pacer, "k", 3))
      yield* TestClock.adjust("50 millis")
      yield* pacer.observe("k", { startedAt: first, status: 429, retryAfterMillis: 1000 })
      const other = yield* pacer.take("other") // another key is not paused
      assert.strictEqual(other, 50)
      yield* TestClock.adjust("3 seconds")
      const times = [...(yield* Fiber.join(waiting))].sort((a, b) => a - b)
      assert.isAtLeast(times[0], 1050)
      assert.deepStrictEqual(times.map((t) => t - times[0]), [0, 100, 200])
    }))

  it.effect("a 429 without a wait pauses for the default", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make({ defaultPause: "700 millis" })
      yield* pacer.observe("k", { startedAt: 0, status: 429 })
      const fiber = yield* Effect.fork(pacer.take("k"))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(fiber), 700)
    }))

  it.effect("an absurd Retry-After is capped", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make({ maxPause: "5 seconds" })
      yield* pacer.observe("k", { startedAt: 0, status: 429, retryAfterMillis: 10 * 86_400_000 })
      const fiber = yield* Effect.fork(pacer.take("k"))
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* Fiber.join(fiber), 5000)
    }))

  it.effect("slows down when lemlist counts requests it did not see (another process on the key)", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make()
      const startedAt = yield* pacer.take("k")
      // We sent 1, lemlist counted 20: 19 came from elsewhere in the last 2 s.
      yield* pacer.observe("k", { startedAt, status: 200, limit: 20, remaining: 0 })
      const fiber = yield* Effect.fork(pacer.take("k"))
      yield* TestClock.adjust("5 seconds")
      const next = yield* Fiber.join(fiber)
      assert.isAtLeast(next, 2000)
    }))

  it.effect("remaining 0 that matches our own count changes nothing (full speed is not slowed)", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make()
      const loop = Effect.gen(function*() {
        const times: Array<number> = []
        for (let i = 0; i < 40; i++) {
          const startedAt = yield* pacer.take("k")
          times.push(startedAt)
          const own = times.filter((t) => t > startedAt - 2000).length
          yield* pacer.observe("k", { startedAt, status: 200, limit: 20, remaining: Math.max(0, 20 - own) })
        }
        return times
      })
      const fiber = yield* Effect.fork(loop)
      yield* TestClock.adjust("10 seconds")
      const times = yield* Fiber.join(fiber)
      // 40 requests: 20 in the first 2 s, then one per window slot
      assert.isAtMost(times[39], 4100)
    }))

  it.effect("adopts a lower X-RateLimit-Limit", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make({ margin: 0 })
      const s = yield* pacer.take("k")
      yield* pacer.observe("k", { startedAt: s, status: 200, limit: 5, remaining: 4 })
      const fiber = yield* Effect.fork(takeAll(pacer, "k", 10))
      yield* TestClock.adjust("10 seconds")
      const times = [s, ...(yield* Fiber.join(fiber))]
      assert.strictEqual(maxInWindow(times, 2000), 5)
    }))

  it.effect("an interrupted wait gives its slot back", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make({ interval: "10 millis", limit: 2, window: "1 second", margin: 0 })
      yield* pacer.take("k") // t=0
      const waiting = yield* Effect.fork(pacer.take("k")) // books t=10
      yield* TestClock.adjust("5 millis")
      yield* Fiber.interrupt(waiting)
      const fiber = yield* Effect.fork(pacer.take("k"))
      yield* TestClock.adjust("2 seconds")
      // without the release the window [0, 10] would be full until t=1000
      assert.strictEqual(yield* Fiber.join(fiber), 20)
    }))

  it.effect("pacers on one store share its budget, each with its own options", () =>
    Effect.gen(function*() {
      const a = yield* RequestPacer.makeFromStore()
      const b = yield* RequestPacer.makeFromStore({ interval: "300 millis" })
      const fiber = yield* Effect.fork(Effect.all([a.take("k"), b.take("k"), a.take("k")], { concurrency: "unbounded" }))
      yield* TestClock.adjust("5 seconds")
      const times = [...(yield* Fiber.join(fiber))].sort((x, y) => x - y)
      // b's spacing applies after b's start, for everyone on the key
      assert.deepStrictEqual(times, [0, 100, 400])
    }).pipe(Effect.provide(RequestPacer.layerStoreMemory)))

  it.effect("a failing store fails closed: a few retries, then no slot and a PacerStoreError defect; observations only warn", () =>
    Effect.gen(function*() {
      let calls = 0
      const failing = (operation: string) =>
        Effect.suspend(() => {
          calls++
          return Effect.fail(new RequestPacer.PacerStoreError({ operation }))
        })
      const store: RequestPacer.Store = {
        reserve: () => failing("reserve"),
        depart: () => failing("depart"),
        release: () => failing("release"),
        rateLimited: () => failing("rateLimited"),
        observed: () => failing("observed")
      }
      const pacer = yield* RequestPacer.makeFromStore().pipe(Effect.provideService(RequestPacer.PacerStore, store))
      const fiber = yield* Effect.fork(pacer.take("k"))
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.await(fiber)
      assert.strictEqual(calls, 5)
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.instanceOf(defect, RequestPacer.PacerStoreError)
      // An answer's observation is not worth the answer: it is logged, never fatal, so the ids
      // lemlist gave still reach the journal.
      calls = 0
      const observing = yield* Effect.fork(Effect.all([
        pacer.observe("k", { startedAt: 0, status: 200, limit: 20, remaining: 10 }),
        pacer.observe("k", { startedAt: 0, status: 429, retryAfterMillis: 1000 })
      ], { concurrency: "unbounded" }))
      yield* TestClock.adjust("5 seconds")
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(observing)))
      assert.strictEqual(calls, 10, "each observation retried, then given up")
    }))

  it.effect("with `leave`, the start is booked when `prepare` ends, and the next start is spaced from it", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make()
      const prepared: Array<number> = []
      // A journal write of 30 ms between the slot and the request on the wire.
      const leave = {
        prepare: Effect.flatMap(Effect.clockWith((c) => c.currentTimeMillis), (t) => Effect.sync(() => void prepared.push(t))).pipe(
          Effect.zipRight(Effect.sleep("30 millis"))
        ),
        undo: Effect.die("not paused, nothing to undo")
      }
      const fiber = yield* Effect.fork(Effect.all([pacer.take("k", leave), pacer.take("k", leave)]))
      yield* TestClock.adjust("1 second")
      // Prepared at their slots, 0 and 130: the second is spaced from the first's real start
      // (30), not from its slot.
      assert.deepStrictEqual(prepared, [0, 130])
      assert.deepStrictEqual(yield* Fiber.join(fiber), [30, 160])
    }))

  it.effect("with `leave`, a 429 seen during `prepare` undoes it, and the request prepares again after the pause", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make()
      const steps: Array<string> = []
      const clock = Effect.clockWith((c) => c.currentTimeMillis)
      const leave = {
        prepare: Effect.gen(function*() {
          steps.push(`prepare ${yield* clock}`)
          yield* Effect.sleep("30 millis")
        }),
        undo: Effect.flatMap(clock, (t) => Effect.sync(() => void steps.push(`undo ${t}`)))
      }
      const first = yield* pacer.take("k")
      const fiber = yield* Effect.fork(pacer.take("k", leave))
      yield* TestClock.adjust("110 millis") // its slot came at 100: preparing
      yield* pacer.observe("k", { startedAt: first, status: 429, retryAfterMillis: 1000 })
      yield* TestClock.adjust("2 seconds")
      const startedAt = yield* Fiber.join(fiber)
      // Prepared again for its new slot, once the pause (to 1110) is over.
      assert.deepStrictEqual(steps, ["prepare 100", "undo 130", "prepare 1110"])
      assert.strictEqual(startedAt, 1140)
    }))

  it.effect("with `leave`, a slot that comes while a 429 pauses the key is not prepared: the request waits out the pause first", () =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.make()
      const prepared: Array<number> = []
      const leave = {
        prepare: Effect.flatMap(Effect.clockWith((c) => c.currentTimeMillis), (t) => Effect.sync(() => void prepared.push(t))),
        undo: Effect.die("nothing was prepared during the pause")
      }
      const first = yield* pacer.take("k")
      const fiber = yield* Effect.fork(pacer.take("k", leave)) // its slot: 100
      yield* TestClock.adjust("50 millis")
      yield* pacer.observe("k", { startedAt: first, status: 429, retryAfterMillis: 1000 })
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* Fiber.join(fiber), 1050)
      assert.deepStrictEqual(prepared, [1050], "prepared once, after the pause: never marked while it waited")
    }))

  it.effect("a store that finds the window full when a start leaves: the pacer waits for room and departs again, keeping what it prepared; interrupted then, it undoes and gives the slot back", () =>
    Effect.gen(function*() {
      const memory = yield* RequestPacer.PacerStore
      // The start is booked twice with `leave`: before `prepare`, then when it ends. The
      // second and third bookings find the window full.
      let departs = 0
      const released: Array<string> = []
      const store: RequestPacer.Store = {
        ...memory,
        depart: (o) => [2, 3].includes(++departs) ? Effect.succeed({ _tag: "Full", retryIn: 40 } as const) : memory.depart(o),
        release: (o) => Effect.zipRight(Effect.sync(() => void released.push(o.id)), memory.release(o))
      }
      const pacer = yield* RequestPacer.makeFromStore().pipe(Effect.provideService(RequestPacer.PacerStore, store))
      const steps: Array<string> = []
      const leave = {
        prepare: Effect.sync(() => void steps.push("prepare")),
        undo: Effect.sync(() => void steps.push("undo"))
      }
      const fiber = yield* Effect.fork(pacer.take("k", leave))
      yield* TestClock.adjust("1 second")
      // Full twice: 40 ms, then 40 ms more; prepared once, left at 80.
      assert.strictEqual(yield* Fiber.join(fiber), 80)
      assert.deepStrictEqual(steps, ["prepare"])
      departs = 0
      const waiting = yield* Effect.fork(pacer.take("k", leave))
      yield* TestClock.adjust("50 millis") // at 1,000 its slot came: prepared, it waits for room
      yield* Fiber.interrupt(waiting)
      assert.deepStrictEqual(steps, ["prepare", "prepare", "undo"])
      assert.strictEqual(released.length, 1, "its slot given back")
    }).pipe(Effect.provide(RequestPacer.layerStoreMemory)))

  it.effect("with `leave`, a store that fails after `prepare` undoes it before the pacer fails closed", () =>
    Effect.gen(function*() {
      const memory = yield* RequestPacer.PacerStore
      const store: RequestPacer.Store = {
        ...memory,
        // Books before `prepare`, then fails when booking again after it.
        depart: (() => {
          let departs = 0
          return (o) => ++departs === 1 ? memory.depart(o) : Effect.fail(new RequestPacer.PacerStoreError({ operation: "depart" }))
        })()
      }
      const pacer = yield* RequestPacer.makeFromStore().pipe(Effect.provideService(RequestPacer.PacerStore, store))
      const steps: Array<string> = []
      const fiber = yield* Effect.fork(pacer.take("k", {
        prepare: Effect.sync(() => void steps.push("prepare")),
        undo: Effect.sync(() => void steps.push("undo"))
      }))
      yield* TestClock.adjust("5 seconds")
      const exit = yield* Fiber.await(fiber)
      assert.instanceOf(Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined, RequestPacer.PacerStoreError)
      assert.deepStrictEqual(steps, ["prepare", "undo"])
    }).pipe(Effect.provide(RequestPacer.layerStoreMemory)))

  // 21 starts on one key, the first reported sent `lateBy` ms after the pacer asked to book it;
  // the slot of the 21st after the first, which lemlist's window must not meet.
  const twentyFirstAfterLate = (lateBy: number) =>
    Effect.gen(function*() {
      const pacer = yield* RequestPacer.makeFromStore()
      const first = yield* pacer.take("k")
      yield* TestClock.adjust("90 millis")
      yield* pacer.observe("k", { startedAt: first, status: 200, sentAt: first + lateBy })
      const fiber = yield* Effect.fork(takeAll(pacer, "k", 20))
      yield* TestClock.adjust("5 seconds")
      const times = [...(yield* Fiber.join(fiber))].sort((a, b) => a - b)
      return times[19] - first
    }).pipe(Effect.provide(RequestPacer.layerStoreMemory))

  it.effect("a request that leaves more than half the margin after its booking has its start moved by that much: the 21st waits for it", () =>
    Effect.gen(function*() {
      // The default margin is 50 ms: 80 ms late moves the start to 80, the 21st to 80 + 2050.
      assert.strictEqual(yield* twentyFirstAfterLate(80), 2130)
      // 20 ms late is within half the margin: left to it.
      assert.strictEqual(yield* twentyFirstAfterLate(20), 2050)
    }))

  it.effect("a store answer read late counts as lateness: the request left when the pacer got it, not when the store booked it", () =>
    Effect.gen(function*() {
      const memory = yield* RequestPacer.PacerStore
      // Its first booking is made at once and answered 80 ms later (the reply waited behind
      // other work); the others at once.
      let calls = 0
      const slow: RequestPacer.Store = {
        ...memory,
        reserve: (o) => calls++ === 0 ? Effect.tap(memory.reserve(o), () => Effect.sleep("80 millis")) : memory.reserve(o)
      }
      const pacer = yield* RequestPacer.makeFromStore().pipe(Effect.provideService(RequestPacer.PacerStore, slow))
      const fiber = yield* Effect.fork(pacer.take("k"))
      yield* TestClock.adjust("80 millis")
      const first = yield* Fiber.join(fiber)
      assert.strictEqual(first, 0, "booked at 0")
      const sentAt = yield* Effect.clockWith((c) => c.currentTimeMillis)
      yield* TestClock.adjust("10 millis")
      yield* pacer.observe("k", { startedAt: first, status: 200, sentAt })
      const rest = yield* Effect.fork(takeAll(pacer, "k", 20))
      yield* TestClock.adjust("5 seconds")
      const times = [...(yield* Fiber.join(rest))].sort((a, b) => a - b)
      assert.strictEqual(times[19], 80 + 2050, "the 21st waits for the start as it left, at 80")
    }).pipe(Effect.provide(RequestPacer.layerStoreMemory)))

  it.effect("a store that fails once is retried: the slot is taken", () =>
    Effect.gen(function*() {
      const memory = yield* RequestPacer.PacerStore
      let failed = false
      const flaky: RequestPacer.Store = {
        ...memory,
        reserve: (o) =>
          failed ? memory.reserve(o) : Effect.suspend(() => {
            failed = true
            return Effect.fail(new RequestPacer.PacerStoreError({ operation: "reserve" }))
          })
      }
      const pacer = yield* RequestPacer.makeFromStore().pipe(Effect.provideService(RequestPacer.PacerStore, flaky))
      const fiber = yield* Effect.fork(pacer.take("k"))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(fiber), 50)
    }).pipe(Effect.provide(RequestPacer.layerStoreMemory)))

  it("keyId is stable and does not contain the key", () => {
    const id = RequestPacer.keyId("super-secret-key")
    assert.strictEqual(id, RequestPacer.keyId("super-secret-key"))
    assert.notInclude(id, "super-secret-key")
    assert.notStrictEqual(id, RequestPacer.keyId("another-key"))
  })
})

describe("rate-limit headers", () => {
  it("parses X-RateLimit-Reset in JS Date.toString() form, by its offset", () => {
    assert.strictEqual(
      parseResetDate("Tue Feb 16 2021 09:02:42 GMT+0100 (Central European Standard Time)"),
      Date.UTC(2021, 1, 16, 8, 2, 42)
    )
    assert.strictEqual(
      parseResetDate("Thu Jul 25 2024 14:43:48 GMT+0200 (Central European Summer Time)"),
      Date.UTC(2024, 6, 25, 12, 43, 48)
    )
    assert.strictEqual(parseResetDate("Mon Jan 01 2024 19:00:00 GMT-0500 (Eastern Standard Time)"), Date.UTC(2024, 0, 2, 0, 0, 0))
    // a zone name the engine does not know changes nothing
    assert.strictEqual(parseResetDate("Mon Jan 01 2024 00:00:00 GMT+0000 (Nowhere Time)"), Date.UTC(2024, 0, 1))
    // what the mock (and lemlist) produce, round-tripped
    const at = Date.UTC(2026, 10, 26, 8, 0, 5)
    assert.strictEqual(parseResetDate(new Date(at).toString()), at)
    // HTTP-date and ISO still work; garbage does not
    assert.strictEqual(parseResetDate("Wed, 21 Oct 2015 07:28:00 GMT"), Date.UTC(2015, 9, 21, 7, 28))
    assert.strictEqual(parseResetDate("not a date"), undefined)
  })

  it("parses Retry-After as seconds or a date", () => {
    assert.strictEqual(parseRetryAfter("2", 0), 2000)
    assert.strictEqual(parseRetryAfter("0.5", 0), 500)
    assert.strictEqual(parseRetryAfter("Wed, 21 Oct 2015 07:28:03 GMT", Date.UTC(2015, 9, 21, 7, 28)), 3000)
    assert.strictEqual(parseRetryAfter("soon", 0), undefined)
  })

  it("prefers Retry-After to the reset date, and falls back to it", () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0)
    const reset = new Date(now + 3000).toString()
    const both = rateLimitInfo(
      Headers.fromInput({ "retry-after": "1", "x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }),
      now
    )
    assert.deepStrictEqual(both, { limit: 20, remaining: 0, retryAfterMillis: 1000 })
    const resetOnly = rateLimitInfo(Headers.fromInput({ "X-RateLimit-Reset": reset }), now)
    assert.strictEqual(resetOnly.retryAfterMillis, 3000)
    assert.deepStrictEqual(rateLimitInfo(Headers.empty, now), { limit: undefined, remaining: undefined, retryAfterMillis: undefined })
  })
})
