/**
 * Errors that stop a whole enrichment run. Everything else about a lead is an outcome.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type { PacerStoreError } from "./RequestPacer.js"

/**
 * The pre-flight credit check found fewer credits than the run may cost.
 *
 * @since 0.1.0
 * @category errors
 */
export class InsufficientCreditsForRun extends Schema.TaggedError<InsufficientCreditsForRun>(
  "@lemlist-effect/enrich/InsufficientCreditsForRun"
)("InsufficientCreditsForRun", {
  available: Schema.Number,
  required: Schema.Number
}) {
  /** @since 0.1.0 */
  override get message() {
    return `the run may cost up to ${this.required} credits but the team has ${this.available}`
  }
}

/**
 * lemlist reported the credits gone in the middle of the run. Every lead was accounted for
 * before this error: those already sent got their outcome, the others `Failed` with reason
 * `CreditsExhausted` (not journaled, so a rerun after a top-up sends them).
 *
 * @since 0.1.0
 * @category errors
 */
export class CreditsExhausted extends Schema.TaggedError<CreditsExhausted>("@lemlist-effect/enrich/CreditsExhausted")(
  "CreditsExhausted",
  { notSubmitted: Schema.Number }
) {
  /** @since 0.1.0 */
  override get message() {
    return `lemlist reports the team's credits gone; ${this.notSubmitted} leads were not sent`
  }
}

/**
 * The journal could not be read or written. The run stops: going on would risk sending a
 * lead twice after a restart.
 *
 * @since 0.1.0
 * @category errors
 */
export class JournalError extends Schema.TaggedError<JournalError>("@lemlist-effect/enrich/JournalError")(
  "JournalError",
  {
    operation: Schema.String,
    cause: Schema.optional(Schema.Defect)
  }
) {
  /** @since 0.1.0 */
  override get message() {
    return `the journal failed during ${this.operation}`
  }
}

/**
 * Every error that stops a run (besides the client's `Unauthorized`). `PacerStoreError`: the
 * pacer's shared store (Redis, a SQLite file) kept failing, and no request leaves without a slot.
 *
 * @since 0.1.0
 * @category errors
 */
export type EnrichmentError = InsufficientCreditsForRun | CreditsExhausted | JournalError | PacerStoreError
