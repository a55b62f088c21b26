/**
 * What became of each lead: exactly one outcome per lead, as a tagged union. Outcomes are
 * schemas, so the journal stores them and a rerun re-emits them without calling lemlist.
 *
 * @since 0.1.0
 */
import { ErrorCode, Result, Validation } from "@lemlist-effect/contract"
import * as Schema from "effect/Schema"

const common = {
  /** The lead's key. */
  key: Schema.String,
  /** The lead's metadata, as given. */
  metadata: Schema.optional(Schema.Unknown),
  /**
   * The requested workflows left out for lack of inputs, and why (`missingInputs: "skip-type"`;
   * see `Validation.runnableTypes`). Absent when none was, and in journals written before it.
   */
  skipped: Schema.optional(Schema.Array(Validation.SkippedType))
}

const FoundResult = Result.EnrichmentResultSchema

/**
 * lemlist found at least one requested value. `result` holds one entry per workflow.
 *
 * @since 0.1.0
 * @category models
 */
export class Enriched extends Schema.TaggedClass<Enriched>()("Enriched", {
  ...common,
  enrichmentId: Schema.String,
  result: FoundResult
}) {}

/**
 * Every requested workflow ran and found nothing (`verify` always answers a status, so a lead
 * with `verify` is never `NotFound`).
 *
 * @since 0.1.0
 * @category models
 */
export class NotFound extends Schema.TaggedClass<NotFound>()("NotFound", {
  ...common,
  enrichmentId: Schema.String,
  result: FoundResult
}) {}

/**
 * Refused before sending, by lemlist's own rules applied locally: no request, no credit.
 * `code` is what lemlist would have answered.
 *
 * @since 0.1.0
 * @category models
 */
export class RejectedLocally extends Schema.TaggedClass<RejectedLocally>()("RejectedLocally", {
  ...common,
  code: Schema.Union(ErrorCode.BatchErrorCode, ErrorCode.ItemErrorCode),
  description: Schema.String
}) {}

/**
 * lemlist refused the lead in the bulk answer (a missing-input code).
 *
 * @since 0.1.0
 * @category models
 */
export class RejectedByLemlist extends Schema.TaggedClass<RejectedByLemlist>()("RejectedByLemlist", {
  ...common,
  code: Schema.String
}) {}

/**
 * Why a lead failed.
 *
 * - `EnrichmentError`: the enrichment ended in `error` (`code`: `PROVIDER_ERROR`,
 *   `INSUFFICIENT_CREDITS`...).
 * - `UnknownStatus`: lemlist answered a status this library does not know (`code` holds it).
 * - `Deadline`: no result arrived before the collection deadline.
 * - `Expired`: lemlist answered 404 for the enrichment id (expired, or never known).
 * - `CreditsExhausted` / `BudgetExhausted`: never submitted, because the run stopped spending.
 * - `Request`: the submit failed in a way known to have done nothing, after the retries
 *   allowed (`code` holds the error tag).
 *
 * @since 0.1.0
 * @category models
 */
export const FailureReason = Schema.Literal(
  "EnrichmentError",
  "UnknownStatus",
  "Deadline",
  "Expired",
  "CreditsExhausted",
  "BudgetExhausted",
  "Request"
)

/**
 * @since 0.1.0
 * @category models
 */
export type FailureReason = typeof FailureReason.Type

/**
 * The lead did not get a result, for a typed reason.
 *
 * @since 0.1.0
 * @category models
 */
export class Failed extends Schema.TaggedClass<Failed>()("Failed", {
  ...common,
  reason: FailureReason,
  enrichmentId: Schema.optional(Schema.String),
  code: Schema.optional(Schema.String),
  description: Schema.String
}) {}

/**
 * The submit of this lead's batch failed ambiguously (timeout after sending, connection reset,
 * 5xx): lemlist may or may not have created (and charged) the enrichment. Not resent by
 * default, since a resend could charge twice; `resendUndetermined` resends them.
 *
 * @since 0.1.0
 * @category models
 */
export class Undetermined extends Schema.TaggedClass<Undetermined>()("Undetermined", {
  ...common,
  errorTag: Schema.String,
  description: Schema.String
}) {}

/**
 * Exactly one per lead.
 *
 * @example
 * ```ts
 * import { Outcome } from "@lemlist-effect/enrich"
 *
 * const describe = (outcome: Outcome.Outcome) => {
 *   switch (outcome._tag) {
 *     case "Enriched": return `${outcome.key}: ${outcome.result.find_email?.found ? "email found" : "enriched"}`
 *     case "Failed": return `${outcome.key}: failed (${outcome.reason})`
 *     default: return `${outcome.key}: ${outcome._tag}`
 *   }
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const Outcome = Schema.Union(Enriched, NotFound, RejectedLocally, RejectedByLemlist, Failed, Undetermined)

/**
 * @since 0.1.0
 * @category models
 */
export type Outcome = typeof Outcome.Type

/**
 * Every outcome tag, for counters and tables.
 *
 * @since 0.1.0
 * @category constants
 */
export const tags = ["Enriched", "NotFound", "RejectedLocally", "RejectedByLemlist", "Failed", "Undetermined"] as const

/**
 * @since 0.1.0
 * @category models
 */
export type Tag = (typeof tags)[number]

/**
 * JSON encoding of an outcome (what the journal stores).
 *
 * @since 0.1.0
 * @category codecs
 */
export const OutcomeJson = Schema.parseJson(Outcome)
