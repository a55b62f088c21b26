/**
 * Schemas of `POST /v2/enrichments/bulk`: the request body, the per-item answer and the
 * whole-batch error body.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { EnrichmentType } from "./EnrichmentType.js"
import { BatchErrorCode, ItemErrorCode } from "./ErrorCode.js"

/**
 * The person to enrich. Every field is optional on the wire; which ones are required depends
 * on the workflows (see `Validation`). `location` is newer than the June 2026 docs.
 *
 * @since 0.1.0
 * @category models
 */
export const EnrichmentInput = Schema.Struct({
  linkedinUrl: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String),
  companyName: Schema.optional(Schema.String),
  companyDomain: Schema.optional(Schema.String),
  firstName: Schema.optional(Schema.String),
  lastName: Schema.optional(Schema.String),
  jobTitle: Schema.optional(Schema.String),
  location: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type EnrichmentInput = typeof EnrichmentInput.Type

/**
 * The input fields lemlist knows, in the order the docs list them.
 *
 * @since 0.1.0
 * @category constants
 */
export const inputFields = [
  "linkedinUrl",
  "email",
  "companyName",
  "companyDomain",
  "firstName",
  "lastName",
  "jobTitle",
  "location"
] as const satisfies ReadonlyArray<keyof EnrichmentInput>

/**
 * Caller data echoed back unchanged: a string or a JSON object (never null or an array).
 *
 * @since 0.1.0
 * @category models
 */
export const Metadata = Schema.Union(
  Schema.String,
  Schema.Record({ key: Schema.String, value: Schema.Unknown }).pipe(
    Schema.filter((u) => !Array.isArray(u), { message: () => "metadata must be a string or an object" })
  )
)

/**
 * @since 0.1.0
 * @category models
 */
export type Metadata = typeof Metadata.Type

/**
 * One item of the bulk body.
 *
 * @since 0.1.0
 * @category models
 */
export const BulkItem = Schema.Struct({
  input: EnrichmentInput,
  enrichmentRequests: Schema.NonEmptyArray(EnrichmentType),
  metadata: Schema.optional(Metadata)
})

/**
 * @since 0.1.0
 * @category models
 */
export type BulkItem = typeof BulkItem.Type

/**
 * The most items one bulk call may carry.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxBatchSize = 500

/**
 * The bulk body: the JSON array itself, 1 to 500 items.
 *
 * @example
 * ```ts
 * import { Bulk } from "@lemlist-effect/contract"
 * import { Schema } from "effect"
 *
 * const body = Schema.decodeUnknownSync(Bulk.BulkRequest)([
 *   { input: { email: "ada@example.com" }, enrichmentRequests: ["verify"], metadata: "row-1" }
 * ])
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const BulkRequest = Schema.Array(BulkItem).pipe(Schema.minItems(1), Schema.maxItems(maxBatchSize))

/**
 * @since 0.1.0
 * @category models
 */
export type BulkRequest = typeof BulkRequest.Type

/**
 * An accepted item: its enrichment id.
 *
 * @since 0.1.0
 * @category models
 */
export const BulkAccepted = Schema.Struct({
  id: Schema.String,
  metadata: Schema.optional(Metadata)
})

/**
 * A refused item: a missing-input code. Clients accept any string, a future code included.
 *
 * @since 0.1.0
 * @category models
 */
export const BulkRefused = Schema.Struct({
  error: Schema.Union(ItemErrorCode, Schema.String),
  metadata: Schema.optional(Metadata)
})

/**
 * One entry of the 200 answer, in the order of the request's items.
 *
 * @since 0.1.0
 * @category models
 */
export const BulkAnswerItem = Schema.Union(BulkAccepted, BulkRefused)

/**
 * @since 0.1.0
 * @category models
 */
export type BulkAnswerItem = typeof BulkAnswerItem.Type

/**
 * The 200 answer: one entry per item, in order.
 *
 * @since 0.1.0
 * @category models
 */
export const BulkAnswer = Schema.Array(BulkAnswerItem)

/**
 * @since 0.1.0
 * @category models
 */
export type BulkAnswer = typeof BulkAnswer.Type

/**
 * The 400 body of a whole-batch error.
 *
 * @since 0.1.0
 * @category models
 */
export const BulkErrorBody = Schema.Struct({ error: BatchErrorCode })

/**
 * @since 0.1.0
 * @category models
 */
export type BulkErrorBody = typeof BulkErrorBody.Type

/**
 * A generic JSON error body `{ error, code? }` (402 credit refusal, lead route 404/409/500).
 *
 * @since 0.1.0
 * @category models
 */
export const JsonErrorBody = Schema.Struct({
  error: Schema.String,
  code: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type JsonErrorBody = typeof JsonErrorBody.Type

/**
 * The answer of `POST /enrich` and `POST /leads/{id}/enrich`.
 *
 * @since 0.1.0
 * @category models
 */
export const EnrichAnswer = Schema.Struct({ id: Schema.String })

/**
 * @since 0.1.0
 * @category models
 */
export type EnrichAnswer = typeof EnrichAnswer.Type
