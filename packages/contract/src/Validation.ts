/**
 * lemlist's validation rules for bulk items, written once: the mock enforces them and the
 * library applies them locally, so a lead that lemlist would refuse costs no request.
 * Where lemlist is silent, the rules follow DECISIONS.md #1 to #3.
 *
 * @since 0.1.0
 */
import type { EnrichmentInput, Metadata } from "./Bulk.js"
import { inputFields, maxBatchSize } from "./Bulk.js"
import * as EnrichmentType from "./EnrichmentType.js"
import type { BatchErrorCode, ItemErrorCode } from "./ErrorCode.js"

type Input = { readonly [K in keyof EnrichmentInput]?: unknown }

const filled = (input: Input, field: keyof EnrichmentInput): boolean => {
  const value = input[field]
  return typeof value === "string" && value.trim().length > 0
}

const requirement: {
  readonly [K in EnrichmentType.EnrichmentType]: { readonly code: ItemErrorCode; readonly ok: (i: Input) => boolean }
} = {
  // DECISIONS.md #3: strict, all four name fields or a LinkedIn URL.
  find_email: {
    code: "MISSING_INPUTS",
    ok: (i) =>
      filled(i, "linkedinUrl") ||
      (filled(i, "firstName") && filled(i, "lastName") && filled(i, "companyName") && filled(i, "companyDomain"))
  },
  find_phone: { code: "MISSING_INPUTS", ok: (i) => filled(i, "linkedinUrl") },
  verify: { code: "MISSING_EMAIL", ok: (i) => filled(i, "email") },
  linkedin_enrichment: {
    code: "MISSING_LINKEDIN_URL",
    ok: (i) =>
      filled(i, "linkedinUrl") || filled(i, "email") ||
      (filled(i, "firstName") && filled(i, "lastName") && (filled(i, "companyName") || filled(i, "companyDomain")))
  }
}

/**
 * The missing-input code for an item, or `undefined` when every workflow has what it needs.
 * With several workflows, the first failing one in request order decides (DECISIONS.md #2).
 *
 * @example
 * ```ts
 * import { Validation } from "@lemlist-effect/contract"
 *
 * Validation.missingInput({ firstName: "Ada" }, ["find_email"]) // "MISSING_INPUTS"
 * Validation.missingInput({ email: "ada@example.com" }, ["verify"]) // undefined
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const missingInput = (
  input: Input,
  types: Iterable<EnrichmentType.EnrichmentType>
): ItemErrorCode | undefined => {
  for (const type of types) {
    const rule = requirement[type]
    if (!rule.ok(input)) return rule.code
  }
  return undefined
}

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Whether `metadata` has an accepted shape: absent, a string, or an object (not null, not an array).
 *
 * @since 0.1.0
 * @category validation
 */
export const isValidMetadata = (u: unknown): u is Metadata | undefined =>
  u === undefined || typeof u === "string" || isPlainObject(u)

/**
 * The structural fault of one item, or `undefined`. Checks run in DECISIONS.md #1 order:
 * `enrichmentRequests` (array, non-empty, known types), then `input` (an object with at least
 * one known non-empty string field, and no known field of another type), then `metadata`.
 *
 * @since 0.1.0
 * @category validation
 */
export const itemFault = (item: unknown): BatchErrorCode | undefined => {
  const record = isPlainObject(item) ? item : {}
  const types = record.enrichmentRequests
  if (!Array.isArray(types)) return "WRONG_ENRICHMENT_REQUEST_FORMAT"
  if (types.length === 0) return "NO_WORKFLOW_REQUESTED"
  if (!types.every(EnrichmentType.is)) return "UNAUTHORIZED_WORKFLOW_REQUESTED"
  const input = record.input
  if (!isPlainObject(input)) return "WRONG_INPUT_FORMAT"
  // Our assumption: a known field carrying a non-string is a malformed input, not a missing one.
  if (inputFields.some((field) => input[field] !== undefined && typeof input[field] !== "string")) {
    return "WRONG_INPUT_FORMAT"
  }
  if (!inputFields.some((field) => filled(input, field))) return "WRONG_INPUT_FORMAT"
  if (!isValidMetadata(record.metadata)) return "WRONG_METADATA_FORMAT"
  return undefined
}

/**
 * The verdict on a whole bulk body: either the batch is refused with one code, or each item
 * is accepted or refused with a missing-input code, in order.
 *
 * @since 0.1.0
 * @category models
 */
export type BulkVerdict =
  | { readonly _tag: "BatchRejected"; readonly code: BatchErrorCode }
  | {
    readonly _tag: "Items"
    readonly items: ReadonlyArray<
      | {
        readonly _tag: "Accepted"
        readonly input: EnrichmentInput
        readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
        readonly metadata: Metadata | undefined
      }
      | { readonly _tag: "MissingInput"; readonly code: ItemErrorCode; readonly metadata: Metadata | undefined }
    >
  }

const pickInput = (input: Record<string, unknown>): EnrichmentInput => {
  const out: Record<string, string> = {}
  for (const field of inputFields) {
    const value = input[field]
    if (typeof value === "string") out[field] = value
  }
  return out as EnrichmentInput
}

/**
 * Judges a parsed bulk body exactly as lemlist does (first failure wins; DECISIONS.md #1).
 * Pass `undefined` for a body that is not JSON.
 *
 * @example
 * ```ts
 * import { Validation } from "@lemlist-effect/contract"
 *
 * Validation.validateBulk([]) // { _tag: "BatchRejected", code: "NO_ENRICHMENTS_REQUESTED" }
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const validateBulk = (body: unknown, maxItems: number = maxBatchSize): BulkVerdict => {
  if (!Array.isArray(body)) return { _tag: "BatchRejected", code: "WRONG_BODY_FORMAT" }
  if (body.length === 0) return { _tag: "BatchRejected", code: "NO_ENRICHMENTS_REQUESTED" }
  if (body.length > maxItems) return { _tag: "BatchRejected", code: "TOO_MANY_ENRICHMENTS_REQUESTED" }
  for (const item of body) {
    const fault = itemFault(item)
    if (fault !== undefined) return { _tag: "BatchRejected", code: fault }
  }
  return {
    _tag: "Items",
    items: body.map((item: Record<string, unknown>) => {
      const input = item.input as Record<string, unknown>
      const types = [...new Set(item.enrichmentRequests as ReadonlyArray<EnrichmentType.EnrichmentType>)]
      const metadata = item.metadata as Metadata | undefined
      const code = missingInput(input, types)
      return code === undefined
        ? { _tag: "Accepted" as const, input: pickInput(input), types, metadata }
        : { _tag: "MissingInput" as const, code, metadata }
    })
  }
}

/**
 * A single lead's verdict, as the library checks it before sending: the code lemlist would
 * answer for it (a whole-batch code means the lead would sink its batch), or `undefined`.
 *
 * @example
 * ```ts
 * import { Validation } from "@lemlist-effect/contract"
 *
 * Validation.validateItem({ input: {}, enrichmentRequests: ["verify"] }) // "WRONG_INPUT_FORMAT"
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const validateItem = (item: unknown): BatchErrorCode | ItemErrorCode | undefined => {
  const fault = itemFault(item)
  if (fault !== undefined) return fault
  const record = item as { input: Input; enrichmentRequests: ReadonlyArray<EnrichmentType.EnrichmentType> }
  return missingInput(record.input, record.enrichmentRequests)
}
