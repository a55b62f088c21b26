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
 *    ▲ found done        │ held elsewhere       ▲ lost its claim
 *    │                   ▼                      │
 *    └──────────────── Elsewhere ◀──────────────┘ ─taken over─▶ (as found in the journal)
 * ```
 *
 * `Elsewhere` (several workers on one run, `worker` option): another worker holds the lead; this
 * one emits its outcome once the journal has it, or takes the lead over when its holder's lease
 * expires.
 *
 * @internal
 */
import type { Bulk, EnrichmentType, Validation } from "@lemlist-effect/contract"
import { Result } from "@lemlist-effect/contract"
import * as Duration from "effect/Duration"
import type { Entry } from "../Journal.js"
import type { BulkEntry } from "../LemlistClient.js"
import type * as LemlistError from "../LemlistError.js"
import { Failed, type Outcome, RejectedByLemlist, RejectedLocally } from "../Outcome.js"
import { awaiting, foundDone, fromJournal, giveUp, settled, stay, stored, submitFailed, undetermined } from "./lifecycleSteps.js"
import * as Outcomes from "./outcomes.js"
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
  /** Held by another worker: its outcome is awaited through the journal. */
  | { readonly _tag: "Elsewhere" }
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
  /** Several workers: another worker held the lead when this one read it (with its journal entry). */
  | { readonly _tag: "HeldElsewhere"; readonly entry: Entry | undefined }
  /** Several workers: about to be sent, the lead is no longer this worker's (it stalled past its lease). */
  | { readonly _tag: "LostClaim" }
  /** Several workers: the journal holds the lead's outcome (recorded by another worker). */
  | { readonly _tag: "FoundDone"; readonly outcome: Outcome }
  /** Several workers: its holder's lease expired; this worker holds it now (with its journal entry). */
  | { readonly _tag: "TakenOver"; readonly entry: Entry | undefined; readonly now: number }

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
      if (event._tag === "HeldElsewhere") {
        return event.entry?._tag === "Done"
          ? settled(stored(event.entry.outcome, lead), false, { resumed: true })
          : stay({ _tag: "Elsewhere" })
      }
      return event._tag === "FoundInJournal" ? fromJournal(lead, event.entry, event.now, context) : stay(state)
    case "Elsewhere":
      if (event._tag === "FoundDone") return settled(stored(event.outcome, lead), false, { resumed: true })
      return event._tag === "TakenOver" ? fromJournal(lead, event.entry, event.now, context, true) : stay(state)
    case "Queued":
      if (event._tag === "Sending") return stay({ _tag: "Sending" })
      if (event._tag === "LostClaim") return stay({ _tag: "Elsewhere" })
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
        case "FoundDone":
          return foundDone(lead, state, event.outcome, context)
        default:
          return stay(state)
      }
    }
    case "Settled":
      return stay(state)
  }
}
