/**
 * What the run's fibers tell its owner (`owner.ts`), and what the owner asks of the poller.
 * Producers only send these; the owner alone changes the run's state.
 *
 * @internal
 */
import type { EnrichmentType } from "@lemlist-effect/contract"
import type * as Journal from "../Journal.js"
import type { BulkEntry } from "../LemlistClient.js"
import type * as LemlistError from "../LemlistError.js"
import type { Outcome } from "../Outcome.js"
import type { Received } from "./deliveries.js"
import type * as Lifecycle from "./lifecycle.js"
import type * as Outcomes from "./outcomes.js"

/** A lead as read: to run, or refused by lemlist's rules. */
export interface Admission {
  readonly lead: Lifecycle.Lead
  readonly rejection?: { readonly code: Extract<Outcome, { _tag: "RejectedLocally" }>["code"]; readonly description: string }
}

/** What the run's other fibers tell the owner. */
export type RunEvent =
  | {
    readonly _tag: "Read"
    readonly leads: ReadonlyArray<Admission>
    readonly entries: ReadonlyMap<string, Journal.Entry>
    /** Several workers: the leads this worker holds (the others are held elsewhere). */
    readonly held?: ReadonlySet<string> | undefined
    /** The leads to send. */
    readonly reply: (toSend: Array<Lifecycle.Lead>) => void
  }
  /**
   * A batch is about to be sent: the leads the credits and the budget still allow (and, with
   * several workers, those this worker still holds: `held`).
   */
  | {
    readonly _tag: "Take"
    readonly batch: ReadonlyArray<Lifecycle.Lead>
    readonly held?: ReadonlySet<string> | undefined
    readonly reply: (allowed: Array<Lifecycle.Lead>) => void
  }
  | { readonly _tag: "Answered"; readonly batch: ReadonlyArray<Lifecycle.Lead>; readonly entries: ReadonlyArray<BulkEntry> }
  | {
    readonly _tag: "SubmitFailed"
    readonly batch: ReadonlyArray<Lifecycle.Lead>
    readonly error: LemlistError.LemlistError
    readonly earlier: LemlistError.LemlistError | undefined
  }
  | { readonly _tag: "Delivered"; readonly delivery: Outcomes.Delivery; readonly received?: Received | undefined }
  | { readonly _tag: "PollFailed"; readonly enrichmentId: string }
  | {
    readonly _tag: "PollGaveUp"
    readonly enrichmentId: string
    readonly reason: "Expired" | "UnknownStatus"
    readonly code: string
    readonly description: string
  }
  | { readonly _tag: "InputDone" }
  /** Time passed (every second, with a receiver): the owner answers the early results held too long. */
  | { readonly _tag: "Tick" }
  /** Several workers: the leads whose outcome may come through the journal (awaited, held elsewhere). */
  | { readonly _tag: "Watched"; readonly reply: (watched: Watched) => void }
  /** Several workers: the journal's entries of watched leads, read on a wake-up or a timer. */
  | { readonly _tag: "Found"; readonly entries: ReadonlyMap<string, Journal.Entry> }
  /** Several workers: leads taken over from a dead worker, with their journal entries. */
  | { readonly _tag: "TakenOver"; readonly keys: ReadonlyArray<string>; readonly entries: ReadonlyMap<string, Journal.Entry> }

/** The leads a worker watches in the journal. @internal */
export interface Watched {
  /** Awaited by this worker, or held by another. */
  readonly keys: ReadonlyArray<string>
  /** Of them, how many another worker holds (to take over if it dies). */
  readonly elsewhere: number
}

/** What the owner asks of the poller. @internal */
export type PollCommand =
  | {
    readonly _tag: "At"
    readonly id: string
    readonly at: number
    readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  }
  | { readonly _tag: "Stop"; readonly id: string }
