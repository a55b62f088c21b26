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
    /** The leads to send. */
    readonly reply: (toSend: Array<Lifecycle.Lead>) => void
  }
  /** A batch is about to be sent: the leads the credits and the budget still allow. */
  | { readonly _tag: "Take"; readonly batch: ReadonlyArray<Lifecycle.Lead>; readonly reply: (allowed: Array<Lifecycle.Lead>) => void }
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

/** What the owner asks of the poller. @internal */
export type PollCommand =
  | {
    readonly _tag: "At"
    readonly id: string
    readonly at: number
    readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  }
  | { readonly _tag: "Stop"; readonly id: string }
