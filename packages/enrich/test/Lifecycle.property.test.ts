/**
 * The lead lifecycle (`internal/lifecycle.ts`) alone: no fiber, no clock, no journal. For any
 * sequence of events over a few leads:
 * - a lead emits at most one outcome, and exactly one once it is settled; and any lead not
 *   settled can still be settled (the events that finish it do finish it);
 * - a lead is sent at most once, and its outcome is left out of the journal only when the
 *   journal already holds it or says "not sent" (a rerun then sends it);
 * - it is polled only while it awaits a result, and polling stops when it leaves that state;
 * - the counters folded transition by transition equal a recount of the states;
 * - several workers: a lead another worker held is sent only once taken over from it, and one
 *   this worker lost its claim to before sending is not sent.
 *
 * Deterministic by default (fixed seed); `FC_SEED=<n>` / `FC_SEED=random` and
 * `FC_RUNS_FACTOR=<x>` explore further.
 */
import { EnrichmentType } from "@lemlist-effect/contract"
import { LemlistError, Outcome } from "@lemlist-effect/enrich"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as Lifecycle from "../src/internal/lifecycle.js"
import * as Tally from "../src/internal/tally.js"

const seed = process.env.FC_SEED === "random" ? undefined : Number(process.env.FC_SEED ?? 20_261_130)
const runs = (n: number) => ({
  numRuns: Math.max(1, Math.round(n * Number(process.env.FC_RUNS_FACTOR ?? 1))),
  ...(seed === undefined ? {} : { seed })
})

const context = (resendUndetermined: boolean): Lifecycle.Context => ({
  costs: EnrichmentType.defaultCosts,
  resendUndetermined,
  firstPoll: 120_000,
  resumedFirstPoll: 0,
  polling: { initialDelay: 2_000, webhookGrace: 120_000, maxInterval: 30_000, deadline: 3_600_000, concurrency: 10 }
})

const leadOf = (i: number): Lifecycle.Lead => ({
  key: `lead-${i}`,
  metadata: i,
  types: ["find_email"],
  input: { email: `lead${i}@acme.example` }
})
const idOf = (i: number) => `enr_${i}`

const done = (i: number) => new Outcome.NotFound({ key: `lead-${i}`, enrichmentId: idOf(i), result: {} })

const errors: ReadonlyArray<LemlistError.LemlistError> = [
  new LemlistError.ServerError({ status: 503 }),
  new LemlistError.Timeout({ afterMillis: 30_000 }),
  new LemlistError.Transport({ connected: false, description: "ECONNREFUSED" }),
  new LemlistError.Transport({ connected: true, description: "ECONNRESET" }),
  new LemlistError.RateLimited({ retryAfterMillis: 90_000 }),
  new LemlistError.InsufficientCredits(),
  new LemlistError.BatchRejected({ code: "TOO_MANY_ENRICHMENTS_REQUESTED" })
]

/** The events that apply to a lead in `state`: mostly what happens next, so every path is walked. */
const applicable = (i: number, state: Lifecycle.State, now: number): ReadonlyArray<Lifecycle.Event> => {
  const delivered = (ok: boolean, id: string): Lifecycle.Event => ({
    _tag: "Delivered",
    delivery: ok
      ? { _tag: "Done", id, result: { find_email: { found: false } }, metadata: undefined }
      : { _tag: "Failed", id, code: "INSUFFICIENT_CREDITS", description: undefined, metadata: undefined }
  })
  switch (state._tag) {
    case "New":
      return [{ _tag: "Admitted" }, { _tag: "Admitted", rejection: { code: "MISSING_EMAIL", description: "verify needs an email" } }]
    case "Checking":
      return ([undefined, "Done", "Submitted", "Submitting"] as const).flatMap((entry): Array<Lifecycle.Event> => [
        { _tag: "FoundInJournal", entry: entryOf(i, entry), now },
        { _tag: "HeldElsewhere", entry: entryOf(i, entry) }
      ])
    case "Elsewhere":
      return [
        { _tag: "FoundDone", outcome: done(i) },
        ...([undefined, "Done", "Submitted", "Submitting"] as const).map((entry): Lifecycle.Event => ({
          _tag: "TakenOver",
          entry: entryOf(i, entry),
          now
        }))
      ]
    case "Queued":
      return [
        { _tag: "Sending" },
        { _tag: "LostClaim" },
        { _tag: "NotSent", reason: "CreditsExhausted", description: "not sent" },
        { _tag: "NotSent", reason: "BudgetExhausted", description: "not sent" }
      ]
    case "Sending":
      return [
        { _tag: "Submitted", now, entry: { _tag: "Accepted", id: idOf(i), metadata: undefined } },
        { _tag: "Submitted", now, entry: { _tag: "MissingInput", code: "MISSING_EMAIL", metadata: undefined } },
        { _tag: "Submitted", now, entry: { _tag: "Undecodable", raw: null, description: "garbled", metadata: undefined } },
        { _tag: "Submitted", now, entry: undefined },
        ...errors.flatMap((error) =>
          [undefined, ...errors.filter((e) => e.mayHaveTakenEffect)].map((earlier): Lifecycle.Event => ({ _tag: "SubmitFailed", error, earlier }))
        )
      ]
    case "Awaiting":
      return [
        delivered(true, state.enrichmentId),
        delivered(false, state.enrichmentId),
        delivered(true, "enr_other"),
        { _tag: "PollFailed", now },
        { _tag: "PollFailed", now: state.deadlineAt + now },
        { _tag: "PollGaveUp", reason: "Expired", code: "NOT_FOUND", description: "gone" },
        { _tag: "PollGaveUp", reason: "UnknownStatus", code: "weird", description: "unknown status" },
        { _tag: "FoundDone", outcome: done(i) }
      ]
    case "Settled":
      return []
  }
}

/** Any event for lead `i`, in any state: what does not apply must change nothing. */
const anyEvent = (i: number, now: number): ReadonlyArray<Lifecycle.Event> =>
  (["New", "Checking", "Elsewhere", "Queued", "Sending"] as const).flatMap((_tag) => applicable(i, { _tag }, now)).concat(
    applicable(i, { _tag: "Awaiting", enrichmentId: idOf(i), earlier: false, attempts: 0, deadlineAt: now }, now)
  )

type Journal = "Done" | "Submitted" | "Submitting" | undefined
const entryOf = (i: number, entry: Journal) =>
  entry === "Done"
    ? { _tag: "Done" as const, outcome: done(i) }
    : entry === "Submitted"
    ? { _tag: "Submitted" as const, enrichmentId: idOf(i), types: ["find_email" as const] }
    : entry === "Submitting"
    ? { _tag: "Submitting" as const, types: ["find_email" as const] }
    : undefined

/** Steps over `n` leads: which lead, which event (by index), whether it is noise, when. */
const scenario = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.tuple(
    fc.constant(n),
    fc.array(
      fc.record({ i: fc.nat(n - 1), pick: fc.nat(), noise: fc.nat(9).map((n) => n === 0), now: fc.nat(10_000_000) }),
      { maxLength: 80 }
    ),
    fc.boolean()
  )
)

/** What a lead went through: its state, and what its commands did. */
interface Life {
  state: Lifecycle.State
  emits: Array<{ outcome: Outcome.Outcome; persist: boolean; released: boolean; fromJournal: boolean; notSent: boolean }>
  /** Requests that carried it (transitions into `Sending`). */
  sends: number
  polling: boolean
  /** Another worker held it when read, and it was not taken over (yet). */
  heldElsewhere: boolean
}

const step = (life: Life, lead: Lifecycle.Lead, event: Lifecycle.Event, ctx: Lifecycle.Context, tally: Tally.Tally) => {
  const next = Lifecycle.transition(lead, life.state, event, ctx)
  Tally.count(tally, life.state, -1)
  Tally.count(tally, next.state, 1)
  const released = next.commands.some((c) => c._tag === "Release")
  if (event._tag === "HeldElsewhere" && next.state._tag === "Elsewhere") life.heldElsewhere = true
  if (event._tag === "TakenOver" && life.state._tag === "Elsewhere") life.heldElsewhere = false
  if (next.state._tag === "Sending" && life.state._tag !== "Sending") {
    assert.isFalse(life.heldElsewhere, "a lead another worker holds is sent only once taken over")
    life.sends++
  }
  if (event._tag === "LostClaim" && life.state._tag === "Queued") {
    assert.strictEqual(next.state._tag, "Elsewhere", "a lead whose claim is lost is not sent")
    life.heldElsewhere = true
  }
  for (const command of next.commands) {
    switch (command._tag) {
      case "Send":
        assert.strictEqual(next.state._tag, "Queued", "queued to send only from Queued")
        break
      case "PollAt":
        assert.strictEqual(next.state._tag, "Awaiting", "polled only while awaiting")
        life.polling = true
        break
      case "StopPolling":
        life.polling = false
        break
      case "Emit":
        life.emits.push({
          outcome: command.outcome,
          persist: command.persist,
          released,
          fromJournal: ["FoundInJournal", "HeldElsewhere", "FoundDone", "TakenOver"].includes(event._tag),
          notSent: event._tag === "NotSent"
        })
        break
    }
  }
  if (next.state._tag === "Settled") assert.isFalse(life.polling, "polling stops once settled")
  life.state = next.state
  return next
}

/** Events that finish a lead from wherever it is (a result, by journal, submit or delivery). */
const finish = (i: number, now: number): ReadonlyArray<Lifecycle.Event> => [
  { _tag: "Admitted" },
  { _tag: "FoundInJournal", entry: undefined, now },
  { _tag: "TakenOver", entry: undefined, now },
  { _tag: "Sending" },
  { _tag: "Submitted", entry: { _tag: "Accepted", id: idOf(i), metadata: undefined }, now },
  { _tag: "Delivered", delivery: { _tag: "Done", id: idOf(i), result: {}, metadata: undefined } }
]

describe("the lead lifecycle, for any sequence of events", () => {
  it("one outcome per lead, sent at most once, journaled unless the journal already knows, counters = a recount", () => {
    fc.assert(
      fc.property(scenario, ([n, events, resend]) => {
        const ctx = context(resend)
        const tally = Tally.empty()
        const lives: Array<Life> = Array.from({ length: n }, () => ({ state: Lifecycle.initial, emits: [], sends: 0, polling: false, heldElsewhere: false }))
        let failed = false
        for (const { i, noise, now, pick } of events) {
          const choices = noise ? anyEvent(i, now) : applicable(i, lives[i]!.state, now)
          if (choices.length === 0) continue
          const event = choices[pick % choices.length]!
          const next = step(lives[i]!, leadOf(i), event, ctx, tally)
          if (next.commands.some((c) => c._tag === "Fail")) failed = true
          assert.isAtMost(lives[i]!.emits.length, 1, "at most one outcome")
          assert.deepStrictEqual(tally, Tally.recount(lives.map((l) => l.state)), "the fold equals a recount")
        }
        if (failed) return
        // Whatever happened, the finishing events settle every lead, with exactly one outcome.
        lives.forEach((life, i) => {
          for (const event of finish(i, 20_000_000)) step(life, leadOf(i), event, ctx, tally)
          assert.strictEqual(life.state._tag, "Settled", `lead ${i} settles`)
          assert.strictEqual(life.emits.length, 1, `lead ${i}: exactly one outcome`)
          assert.isAtMost(life.sends, 1, `lead ${i}: sent at most once`)
          assert.isFalse(life.polling, `lead ${i}: no polling after its outcome`)
          const [emit] = life.emits
          // Left out of the journal only when the journal has it already, or says "not sent".
          if (!emit!.persist) assert.isTrue(emit!.fromJournal || emit!.released || emit!.notSent, `lead ${i}: ${emit!.outcome._tag}`)
          if (emit!.fromJournal && !emit!.persist) assert.deepStrictEqual(emit!.outcome.key, `lead-${i}`)
        })
        assert.deepStrictEqual(tally, Tally.recount(lives.map((l) => l.state)))
        assert.strictEqual(Object.values(tally.outcomes).reduce((a, b) => a + b, 0), n)
      }),
      runs(2_000)
    )
  })

  it("a lead whose request may have reached lemlist is never sent again unless resending is asked", () => {
    const ctx = context(false)
    const ambiguous = errors.filter((e) => e.mayHaveTakenEffect)
    assert.isAbove(ambiguous.length, 0)
    for (const error of ambiguous) {
      const life: Life = { state: Lifecycle.initial, emits: [], sends: 0, polling: false, heldElsewhere: false }
      const tally = Tally.empty()
      for (const event of [...finish(0, 0).slice(0, 4), { _tag: "SubmitFailed", error, earlier: undefined } as const]) {
        step(life, leadOf(0), event, ctx, tally)
      }
      assert.strictEqual(life.emits[0]?.outcome._tag, "Undetermined", error._tag)
      assert.isTrue(life.emits[0]?.persist, "journaled: a rerun does not send it either")
      // A rerun finds it in the journal in this state: undetermined again, not sent.
      const rerun: Life = { state: Lifecycle.initial, emits: [], sends: 0, polling: false, heldElsewhere: false }
      step(rerun, leadOf(0), { _tag: "Admitted" }, ctx, tally)
      step(rerun, leadOf(0), { _tag: "FoundInJournal", entry: { _tag: "Submitting", types: ["find_email"] }, now: 0 }, ctx, tally)
      assert.strictEqual(rerun.sends, 0)
      assert.strictEqual(rerun.emits[0]?.outcome._tag, "Undetermined")
    }
  })
})
