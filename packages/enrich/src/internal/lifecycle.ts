/**
 * One lead's life in a run, as a pure function: `transition(lead, state, event, context)` gives
 * its next state and what must be done about it (commands). No fiber, no clock, no I/O: the
 * run's owner (`owner.ts`) applies it to each lead an event concerns and carries the commands
 * out; the property tests (`test/Lifecycle.property.test.ts`) drive it alone.
 *
 * ```text
 * New ─admitted─▶ Checking ─journal: unknown─▶ Queued ─sending─▶ Sending ─accepted─▶ Awaiting
 *  │ rejected       │ done / submitting           │ credits gone,   │ failed, refused   │ delivered,
 *  ▼                │ (submitted ─▶ Awaiting)     │ budget          │ or unreadable     │ poll gave up
 * Settled ◀─────────┴─────────────────────────────┴─────────────────┴───────────────────┘
 * ```
 *
 * @internal
 */
import type { Bulk, EnrichmentType, Validation } from "@lemlist-effect/contract"
import { Result } from "@lemlist-effect/contract"
import * as Duration from "effect/Duration"
import type { Entry } from "../Journal.js"
import type { BulkEntry } from "../LemlistClient.js"
import type * as LemlistError from "../LemlistError.js"
import { Failed, type Outcome, RejectedByLemlist, RejectedLocally, Undetermined } from "../Outcome.js"
import * as Outcomes from "./outcomes.js"
import { fateOf } from "./plan.js"
import type { Settings } from "./settings.js"

/** What a run knows of a lead for its whole life. */
export interface Lead {
  readonly key: string
  readonly metadata: unknown
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  /** The requested workflows left out (`missingInputs: "skip-type"`), for its outcome. */
  readonly skipped?: ReadonlyArray<Validation.SkippedType> | undefined
  readonly input: Bulk.EnrichmentInput
}

/** Where a lead is. `Settled` is final: its one outcome has been emitted. */
export type State =
  | { readonly _tag: "New" }
  | { readonly _tag: "Checking" }
  | { readonly _tag: "Queued" }
  | { readonly _tag: "Sending" }
  | {
    readonly _tag: "Awaiting"
    readonly enrichmentId: string
    /** Sent by an earlier run. */
    readonly earlier: boolean
    readonly attempts: number
    readonly deadlineAt: number
  }
  | {
    readonly _tag: "Settled"
    readonly outcome: Outcome["_tag"]
    /** Re-emitted from the journal, without calling lemlist. */
    readonly resumed: boolean
    /** Sent to lemlist by this run, and answered. */
    readonly submitted: boolean
    /** Not sent because lemlist reported the credits gone. */
    readonly notSubmitted: boolean
    /** Credits its result cost, by lemlist's published costs. */
    readonly credits: number
  }

/** What happens to a lead. A time-dependent event carries the clock's reading as `now`. */
export type Event =
  | { readonly _tag: "Admitted"; readonly rejection?: { readonly code: RejectedLocally["code"]; readonly description: string } }
  | { readonly _tag: "FoundInJournal"; readonly entry: Entry | undefined; readonly now: number }
  | { readonly _tag: "Sending" }
  | { readonly _tag: "NotSent"; readonly reason: "CreditsExhausted" | "BudgetExhausted"; readonly description: string }
  | { readonly _tag: "Submitted"; readonly entry: BulkEntry | undefined; readonly now: number }
  | {
    readonly _tag: "SubmitFailed"
    readonly error: LemlistError.LemlistError
    /** With `resendUndetermined`: the first ambiguous failure of an earlier attempt. */
    readonly earlier: LemlistError.LemlistError | undefined
  }
  | { readonly _tag: "Delivered"; readonly delivery: Outcomes.Delivery }
  | { readonly _tag: "PollFailed"; readonly now: number }
  | { readonly _tag: "PollGaveUp"; readonly reason: "Expired" | "UnknownStatus"; readonly code: string; readonly description: string }

/** What the owner must do. */
export type Command =
  /** Add the lead to a batch. */
  | { readonly _tag: "Send" }
  | { readonly _tag: "PollAt"; readonly enrichmentId: string; readonly at: number }
  | { readonly _tag: "StopPolling"; readonly enrichmentId: string }
  /** Emit the lead's outcome; record it in the journal first when `persist`. */
  | { readonly _tag: "Emit"; readonly outcome: Outcome; readonly persist: boolean }
  /** Journal: the attempt surely did nothing; the lead is not sent (a rerun sends it). */
  | { readonly _tag: "Release" }
  /** lemlist reported the team's credits gone: send nothing more. */
  | { readonly _tag: "CreditsGone" }
  /** The run cannot go on. */
  | { readonly _tag: "Fail"; readonly error: LemlistError.Unauthorized }

/** The run's settings the transition needs. */
export type Context = Pick<Settings, "costs" | "polling" | "resendUndetermined" | "firstPoll" | "resumedFirstPoll">

/** The result of one transition. */
export interface Step { readonly state: State; readonly commands: ReadonlyArray<Command> }

export const initial: State = { _tag: "New" }

const stay = (state: State): Step => ({ state, commands: [] })

const settled = (
  outcome: Outcome,
  persist: boolean,
  extra: Partial<Omit<Extract<State, { _tag: "Settled" }>, "_tag" | "outcome">> = {},
  commands: ReadonlyArray<Command> = []
): Step => ({
  state: { _tag: "Settled", outcome: outcome._tag, resumed: false, submitted: false, notSubmitted: false, credits: 0, ...extra },
  commands: [...commands, { _tag: "Emit", outcome, persist }]
})

const awaiting = (enrichmentId: string, earlier: boolean, now: number, context: Context): Step => ({
  state: { _tag: "Awaiting", enrichmentId, earlier, attempts: 0, deadlineAt: now + context.polling.deadline },
  commands: [{ _tag: "PollAt", enrichmentId, at: now + (earlier ? context.resumedFirstPoll : context.firstPoll) }]
})

const undetermined = (lead: Lead, errorTag: string, description: string) =>
  new Undetermined({ ...Outcomes.identity(lead), errorTag, description })

/** A failed submit, sorted by whether the call may have done something. */
const submitFailed = (lead: Lead, error: LemlistError.LemlistError, earlier: LemlistError.LemlistError | undefined): Step => {
  const after = { submitted: false }
  switch (error._tag) {
    case "Unauthorized":
      return { state: { _tag: "Queued" }, commands: [{ _tag: "Release" }, { _tag: "Fail", error }] }
    case "InsufficientCredits":
      if (earlier !== undefined) {
        return settled(undetermined(lead, earlier._tag, `${earlier.message}; the resend was refused: ${error.message}`), true, after, [
          { _tag: "CreditsGone" }
        ])
      }
      return settled(
        new Failed({ ...Outcomes.identity(lead), reason: "CreditsExhausted", description: "lemlist reported the team's credits gone" }),
        false,
        { notSubmitted: true },
        [{ _tag: "CreditsGone" }, { _tag: "Release" }]
      )
    case "BatchRejected":
      return settled(new RejectedByLemlist({ ...Outcomes.identity(lead), code: error.code }), true)
  }
  if (error.mayHaveTakenEffect) return settled(undetermined(lead, error._tag, error.message), true)
  if (earlier !== undefined) return settled(undetermined(lead, earlier._tag, `${earlier.message}; the resend failed: ${error.message}`), true)
  // Surely did nothing: forget the attempt, so that a rerun sends the lead.
  return settled(
    new Failed({ ...Outcomes.identity(lead), reason: "Request", code: error._tag, description: error.message }),
    false,
    after,
    [{ _tag: "Release" }]
  )
}

const fromJournal = (lead: Lead, entry: Entry | undefined, now: number, context: Context): Step => {
  switch (fateOf(entry, context.resendUndetermined)) {
    case "send":
      return { state: { _tag: "Queued" }, commands: [{ _tag: "Send" }] }
    case "done": {
      const outcome = (entry as Extract<Entry, { _tag: "Done" }>).outcome
      return settled(Outcomes.withMetadata(outcome, lead.metadata), false, { resumed: true })
    }
    case "await":
      // Sent by an earlier run: its webhook may be lost (poll now) or retried to this run's
      // receiver, when its URL outlived that run (poll after the grace).
      return awaiting((entry as Extract<Entry, { _tag: "Submitted" }>).enrichmentId, true, now, context)
    case "undetermined":
      return settled(undetermined(lead, "Interrupted", "an earlier run stopped while sending this lead: lemlist may have enriched it"), true)
  }
}

const giveUp = (enrichmentId: string, submitted: boolean, failure: ConstructorParameters<typeof Failed>[0]) =>
  settled(new Failed({ ...failure, enrichmentId }), true, { submitted }, [{ _tag: "StopPolling", enrichmentId }])

/**
 * The lead's next state and the commands that go with it. An event that does not apply to the
 * state (a second delivery, a late poll answer) changes nothing.
 */
export const transition = (lead: Lead, state: State, event: Event, context: Context): Step => {
  switch (state._tag) {
    case "New":
      if (event._tag !== "Admitted") return stay(state)
      return event.rejection === undefined
        ? stay({ _tag: "Checking" })
        : settled(new RejectedLocally({ ...Outcomes.identity(lead), ...event.rejection }), true)
    case "Checking":
      return event._tag === "FoundInJournal" ? fromJournal(lead, event.entry, event.now, context) : stay(state)
    case "Queued":
      if (event._tag === "Sending") return stay({ _tag: "Sending" })
      if (event._tag !== "NotSent") return stay(state)
      return settled(
        new Failed({ ...Outcomes.identity(lead), reason: event.reason, description: event.description }),
        false,
        { notSubmitted: event.reason === "CreditsExhausted" }
      )
    case "Sending":
      if (event._tag === "SubmitFailed") return submitFailed(lead, event.error, event.earlier)
      if (event._tag !== "Submitted") return stay(state)
      switch (event.entry?._tag) {
        case "Accepted":
          return awaiting(event.entry.id, false, event.now, context)
        case "MissingInput":
          return settled(new RejectedByLemlist({ ...Outcomes.identity(lead), code: event.entry.code }), true, { submitted: true })
        default:
          // An entry we cannot read (or none: a short answer) may still be an enrichment lemlist created.
          return settled(
            undetermined(lead, "DecodeError", event.entry?.description ?? "lemlist's answer had no entry for this lead"),
            true,
            { submitted: true }
          )
      }
    case "Awaiting": {
      const id = state.enrichmentId
      const who = Outcomes.identity(lead)
      const submitted = !state.earlier
      switch (event._tag) {
        case "Delivered": {
          if (event.delivery.id !== id) return stay(state)
          const d = event.delivery
          const credits = d._tag === "Done" ? Result.creditCost(d.result, context.costs) : 0
          const gone: ReadonlyArray<Command> = d._tag === "Failed" && d.code === "INSUFFICIENT_CREDITS" ? [{ _tag: "CreditsGone" }] : []
          return settled(Outcomes.fromDelivery(d, lead), true, { submitted, credits }, [{ _tag: "StopPolling", enrichmentId: id }, ...gone])
        }
        case "PollFailed": {
          const attempts = state.attempts + 1
          const { deadline, initialDelay, maxInterval } = context.polling
          if (event.now < state.deadlineAt) {
            const at = event.now + Math.min(maxInterval, initialDelay * 2 ** attempts)
            return { state: { ...state, attempts }, commands: [{ _tag: "PollAt", enrichmentId: id, at }] }
          }
          return giveUp(id, submitted, {
            ...who,
            reason: "Deadline",
            description: `no result within ${Duration.format(Duration.millis(deadline))}`
          })
        }
        case "PollGaveUp":
          return giveUp(id, submitted, { ...who, reason: event.reason, code: event.code, description: event.description })
        default:
          return stay(state)
      }
    }
    case "Settled":
      return stay(state)
  }
}
