/**
 * Every error code lemlist documents for the enrichment routes, as literal unions.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * Whole-batch errors of `POST /v2/enrichments/bulk`: HTTP 400, JSON `{ "error": CODE }`,
 * nothing created. Listed in the order the checks run (docs/decisions.md #1).
 *
 * @since 0.1.0
 * @category models
 */
export const BatchErrorCode = Schema.Literal(
  "WRONG_BODY_FORMAT",
  "NO_ENRICHMENTS_REQUESTED",
  "TOO_MANY_ENRICHMENTS_REQUESTED",
  "WRONG_ENRICHMENT_REQUEST_FORMAT",
  "NO_WORKFLOW_REQUESTED",
  "UNAUTHORIZED_WORKFLOW_REQUESTED",
  "WRONG_INPUT_FORMAT",
  "WRONG_METADATA_FORMAT"
)

/**
 * @since 0.1.0
 * @category models
 */
export type BatchErrorCode = typeof BatchErrorCode.Type

/**
 * Per-item errors of the bulk answer (inside the 200 array): a required input is missing.
 *
 * @since 0.1.0
 * @category models
 */
export const ItemErrorCode = Schema.Literal("MISSING_INPUTS", "MISSING_EMAIL", "MISSING_LINKEDIN_URL")

/**
 * @since 0.1.0
 * @category models
 */
export type ItemErrorCode = typeof ItemErrorCode.Type

/**
 * Codes of an enrichment that ended with `enrichmentStatus: "error"` (docs/decisions.md #6).
 * lemlist documents none; these are the ones the mock uses.
 *
 * @since 0.1.0
 * @category models
 */
export const EnrichmentErrorCode = Schema.Literal("PROVIDER_ERROR", "INSUFFICIENT_CREDITS")

/**
 * @since 0.1.0
 * @category models
 */
export type EnrichmentErrorCode = typeof EnrichmentErrorCode.Type

/**
 * Codes of `POST /leads/{leadId}/enrich` (404 and 409 JSON bodies).
 *
 * @since 0.1.0
 * @category models
 */
export const LeadErrorCode = Schema.Literal("LEAD_NOT_FOUND", "CONTACT_NOT_FOUND", "ALREADY_ENRICHED")

/**
 * @since 0.1.0
 * @category models
 */
export type LeadErrorCode = typeof LeadErrorCode.Type

/**
 * Every code above, in one union.
 *
 * @since 0.1.0
 * @category models
 */
export const ErrorCode = Schema.Union(BatchErrorCode, ItemErrorCode, EnrichmentErrorCode, LeadErrorCode)

/**
 * @since 0.1.0
 * @category models
 */
export type ErrorCode = typeof ErrorCode.Type

/**
 * The 402 body the mock answers in credit mode `reject` (docs/decisions.md #13, our assumption).
 *
 * @since 0.1.0
 * @category constants
 */
export const insufficientCredits = "INSUFFICIENT_CREDITS" as const

/**
 * @since 0.1.0
 * @category guards
 */
export const isBatchErrorCode = Schema.is(BatchErrorCode)

/**
 * @since 0.1.0
 * @category guards
 */
export const isItemErrorCode = Schema.is(ItemErrorCode)
