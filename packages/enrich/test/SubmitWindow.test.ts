/**
 * The ambiguous window is only the bytes on the wire (issue 10): a batch is `submitting` in the
 * journal only from the moment its pacer slot is taken until its answer; a 429 puts it back to
 * not-sent before any wait; every wait is interruptible at once, a request in flight is not.
 * Each test asserts that its fault happened where it meant it to, then what the journal holds.
 */
import { Enrichment, Journal, type Lead, type Outcome } from "@lemlist-effect/enrich"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, type Duration, Effect, Fiber, Layer, Option, Stream, TestClock } from "effect"
import { driven, settle } from "./support/drive.js"
import { mockEnv, type MockEnvOptions } from "./support/mockEnv.js"

const leads: ReadonlyArray<Lead.Lead> = Array.from({ length: 40 }, (_, i) => ({
  input: { email: `lead${i}@window.example` },
  metadata: i
}))
const options: Enrichment.Options = { types: ["verify"], creditCheck: "off", batchSize: 20, polling: { initialDelay: "1 second" } }

/** One journal for several runs (a restart of the process, as far as the journal knows). */
const sharedJournal = Effect.map(Effect.provide(Journal.Journal, Journal.layerMemory), (j) => Layer.succeed(Journal.Journal, j))

/** Steps virtual time until `done` holds (real promises settle between steps). */
const stepUntil = <E>(done: Effect.Effect<boolean, E>, step: Duration.DurationInput = "50 millis") =>
  Effect.gen(function*() {
    for (let i = 0; i < 2_000; i++) {
      if (yield* done) return
      yield* settle
      yield* TestClock.adjust(step)
    }
    assert.fail("the awaited moment never came")
  })

/**
 * Interrupts `fiber`: true when the interrupt completed without the clock moving; otherwise
 * drives the clock until it completes, and says false.
 */
const interruptsAtOnce = (fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
  Effect.gen(function*() {
    const interrupter = yield* Effect.fork(Fiber.interrupt(fiber))
    for (let i = 0; i < 20; i++) yield* settle
    const done = Option.isSome(yield* Fiber.poll(interrupter))
    if (!done) yield* driven(Fiber.join(interrupter))
    return done
  })

const setup = (env: Partial<MockEnvOptions> = {}) =>
  Effect.gen(function*() {
    const journalLayer = yield* sharedJournal
    const journal = yield* Effect.provide(Journal.Journal, journalLayer)
    const mock = yield* mockEnv({ webhooks: false, ...env, journal: journalLayer })
    const requests = () => mock.server.handle.requests()
    const bulkStatuses = () => requests().filter((r) => r.route === "bulk").map((r) => r.status)
    const run = Enrichment.run(leads, options).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray), Effect.provide(mock.layer))
    /** The rerun after a stop: every lead one outcome, each created once, none undetermined. */
    const rerunCompletes = Effect.gen(function*() {
      const outcomes: ReadonlyArray<Outcome.Outcome> = yield* driven(run, { step: "500 millis" })
      assert.strictEqual(outcomes.length, leads.length)
      assert.deepStrictEqual(outcomes.filter((o) => o._tag === "Undetermined"), [])
      const created = mock.server.handle.enrichments(mock.apiKey).map((e) => e.metadata)
      assert.strictEqual(created.length, leads.length)
      assert.strictEqual(new Set(created).size, leads.length, "no lead created twice")
    })
    return { journal, mock, run, bulkStatuses, rerunCompletes }
  })

describe("the journal says submitting only while a request is on the wire", () => {
  it.scoped("a 429 puts the batch back to not-sent before its wait; Ctrl-C in the wait stops at once, nothing lost", () =>
    Effect.gen(function*() {
      const { bulkStatuses, journal, mock, rerunCompletes, run } = yield* setup({
        mock: { latency: 0, faults: { rateLimitStormMs: 30_000 } }
      })
      mock.server.handle.injectFault({ fault: "rateLimitStorm", route: "bulk" })
      const fiber = yield* Effect.fork(run)
      yield* stepUntil(Effect.sync(() => bulkStatuses().includes(429)))
      // The fault happened where meant: the first bulk call was refused, none was accepted.
      assert.deepStrictEqual(bulkStatuses(), [429])
      yield* settle
      const summary = yield* journal.summary
      assert.strictEqual(summary.submitting, 0, "released before the Retry-After wait")
      assert.strictEqual(summary.total, 0)
      assert.isTrue(yield* interruptsAtOnce(fiber), "the 30 s wait is interruptible at once")
      assert.strictEqual((yield* journal.summary).total, 0)
      // After the storm, a rerun sends every lead, once; none ends Undetermined.
      yield* TestClock.adjust("30 seconds")
      yield* rerunCompletes
    }))

  it.scoped("Ctrl-C while waiting for a pacer slot: nothing marked, nothing sent, a rerun sends all", () =>
    Effect.gen(function*() {
      const { bulkStatuses, journal, rerunCompletes, run } = yield* setup({ pacing: { interval: "5 seconds" } })
      const fiber = yield* Effect.fork(run)
      // The first batch leaves at once; the second waits 5 s for its slot.
      yield* stepUntil(Effect.sync(() => bulkStatuses().length === 1))
      for (let i = 0; i < 10; i++) yield* settle
      yield* TestClock.adjust("1 second")
      for (let i = 0; i < 10; i++) yield* settle
      assert.deepStrictEqual(bulkStatuses(), [200], "the second batch is still waiting for its slot")
      const summary = yield* journal.summary
      assert.strictEqual(summary.submitting, 0, "a batch waiting for its slot is not submitting")
      assert.strictEqual(summary.submitted + summary.done, 20)
      assert.isTrue(yield* interruptsAtOnce(fiber), "the slot wait is interruptible at once")
      assert.strictEqual((yield* journal.summary).submitting, 0)
      yield* rerunCompletes
    }))

  it.scoped("Ctrl-C while a request is in flight waits for its answer and records its ids", () =>
    Effect.gen(function*() {
      const { bulkStatuses, journal, mock, rerunCompletes, run } = yield* setup({
        mock: { latency: 0, faults: { slowMs: 10_000 } }
      })
      mock.server.handle.injectFault({ fault: "slow", route: "bulk" })
      const fiber = yield* Effect.fork(run)
      yield* stepUntil(Effect.map(journal.summary, (s) => s.submitting > 0))
      assert.deepStrictEqual(bulkStatuses(), [], "the answer has not come yet: the request is on the wire")
      assert.isFalse(yield* interruptsAtOnce(fiber), "an interrupt waits for the answer")
      assert.deepStrictEqual(bulkStatuses()[0], 200)
      const summary = yield* journal.summary
      assert.strictEqual(summary.submitting, 0, "the answer was recorded before the run stopped")
      assert.strictEqual(summary.submitted + summary.done, 20)
      yield* rerunCompletes
    }))

  it.scoped("a 429 asking for more than maxRateLimitWait fails the batch, typed, within the cap; nothing sent twice", () =>
    Effect.gen(function*() {
      const { bulkStatuses, journal, mock, rerunCompletes, run } = yield* setup({
        mock: { latency: 0, faults: { rateLimitStormMs: 600_000 } }
      })
      mock.server.handle.injectFault({ fault: "rateLimitStorm", route: "bulk" })
      const start = yield* TestClock.currentTimeMillis
      const outcomes = yield* driven(run)
      const elapsed = (yield* TestClock.currentTimeMillis) - start
      assert.isTrue(bulkStatuses().every((s) => s === 429), "the storm refused every bulk call")
      // The first batch fails at once; the second waits out the pacer's pause, capped at 60 s too.
      assert.isAtMost(elapsed, 61_000, "bounded by the 60 s cap, not the 10-minute Retry-After")
      assert.strictEqual(outcomes.length, leads.length)
      for (const o of outcomes) {
        assert.deepStrictEqual(o._tag === "Failed" && [o.reason, o.code], ["Request", "RateLimited"])
      }
      assert.strictEqual((yield* journal.summary).total, 0, "not journaled: a rerun sends them")
      yield* TestClock.adjust("10 minutes")
      yield* rerunCompletes
    }))
})
