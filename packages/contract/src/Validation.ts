/**
 * lemlist's validation rules for bulk items, written once: the mock enforces them and the
 * library applies them locally, so a lead that lemlist would refuse costs no request.
 * Where lemlist is silent, the rules follow docs/decisions.md #1 to #3.
 *
 * @since 0.1.0
 */
import type { EnrichmentInput, Metadata } from "./Bulk.js"
import { inputFields, maxBatchSize } from "./Bulk.js"
import * as Schema from "effect/Schema"
import * as EnrichmentType from "./EnrichmentType.js"
import { type BatchErrorCode, ItemErrorCode } from "./ErrorCode.js"

type Input = { readonly [K in keyof EnrichmentInput]?: unknown }

const filled = (input: Input, field: keyof EnrichmentInput): boolean => {
  const value = input[field]
  return typeof value === "string" && value.trim().length > 0
}

const requirement: {
  readonly [K in EnrichmentType.EnrichmentType]: {
    readonly code: ItemErrorCode
    readonly needs: string
    readonly ok: (i: Input) => boolean
  }
} = {
  // docs/decisions.md #3: strict, all four name fields or a LinkedIn URL.
  find_email: {
    code: "MISSING_INPUTS",
    needs: "a LinkedIn URL, or first name, last name, company name and company domain",
    ok: (i) =>
      filled(i, "linkedinUrl") ||
      (filled(i, "firstName") && filled(i, "lastName") && filled(i, "companyName") && filled(i, "companyDomain"))
  },
  find_phone: { code: "MISSING_INPUTS", needs: "a LinkedIn URL", ok: (i) => filled(i, "linkedinUrl") },
  verify: { code: "MISSING_EMAIL", needs: "an email", ok: (i) => filled(i, "email") },
  linkedin_enrichment: {
    code: "MISSING_LINKEDIN_URL",
    needs: "a LinkedIn URL, an email, or first and last name with a company name or domain",
    ok: (i) =>
      filled(i, "linkedinUrl") || filled(i, "email") ||
      (filled(i, "firstName") && filled(i, "lastName") && (filled(i, "companyName") || filled(i, "companyDomain")))
  }
}

/**
 * A workflow left out of a lead for lack of inputs: the code lemlist would answer had it been
 * requested, and what it needs, in words.
 *
 * @example
 * ```ts
 * import { Validation } from "@lemlist-effect/contract"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(Validation.SkippedType)({ type: "verify", code: "MISSING_EMAIL", description: "verify needs an email" })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const SkippedType = Schema.Struct({
  type: EnrichmentType.EnrichmentType,
  code: ItemErrorCode,
  description: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export type SkippedType = typeof SkippedType.Type

/**
 * The code lemlist answers when an item lacks the inputs of one workflow, or `undefined` when
 * it has them. The per-workflow rule behind `missingInput`.
 *
 * @example
 * ```ts
 * import { Validation } from "@lemlist-effect/contract"
 *
 * Validation.missingInputFor({ email: "ada@example.com" }, "verify") // undefined
 * Validation.missingInputFor({ email: "ada@example.com" }, "find_phone") // "MISSING_INPUTS"
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const missingInputFor = (input: Input, type: EnrichmentType.EnrichmentType): ItemErrorCode | undefined =>
  requirement[type].ok(input) ? undefined : requirement[type].code

/**
 * Splits the requested workflows into those the input can run and those it cannot (with
 * lemlist's code and what the workflow needs), each in request order, duplicates dropped.
 *
 * @example
 * ```ts
 * import { Validation } from "@lemlist-effect/contract"
 *
 * Validation.runnableTypes({ email: "ada@example.com" }, ["find_email", "verify"])
 * // { runnable: ["verify"], skipped: [{ type: "find_email", code: "MISSING_INPUTS", description: "find_email needs ..." }] }
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const runnableTypes = (
  input: Input,
  types: Iterable<EnrichmentType.EnrichmentType>
): {
  readonly runnable: ReadonlyArray<EnrichmentType.EnrichmentType>
  readonly skipped: ReadonlyArray<SkippedType>
} => {
  const runnable: Array<EnrichmentType.EnrichmentType> = []
  const skipped: Array<SkippedType> = []
  for (const type of new Set(types)) {
    const rule = requirement[type]
    if (rule.ok(input)) runnable.push(type)
    else skipped.push({ type, code: rule.code, description: `${type} needs ${rule.needs}` })
  }
  return { runnable, skipped }
}

/**
 * The missing-input code for an item, or `undefined` when every workflow has what it needs.
 * With several workflows, the first failing one in request order decides (docs/decisions.md #2).
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
    const code = missingInputFor(input, type)
    if (code !== undefined) return code
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
 * The structural fault of one item, or `undefined`. Checks run in docs/decisions.md #1 order:
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
 * Judges a parsed bulk body exactly as lemlist does (first failure wins; docs/decisions.md #1).
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
