/**
 * A lead: what the user wants enriched. Its key correlates it with its enrichment, its webhook
 * and its journal row, so that every outcome names its lead and a rerun recognises it.
 *
 * @since 0.1.0
 */
import type { Bulk, EnrichmentType, ErrorCode } from "@lemlist-effect/contract"
import { ErrorCode as Codes, Validation } from "@lemlist-effect/contract"
import { sha256Hex } from "./internal/sha256.js"

/**
 * A lead to enrich.
 *
 * @since 0.1.0
 * @category models
 */
export interface Lead {
  /** The person: any of lemlist's input fields. */
  readonly input: Bulk.EnrichmentInput
  /** The workflows for this lead; defaults to the run's `types`. */
  readonly types?: ReadonlyArray<EnrichmentType.EnrichmentType> | undefined
  /** Caller data carried to the outcome (and stored in the journal); never sent to lemlist. */
  readonly metadata?: unknown
  /** A stable, unique key; defaults to a hash of `input` and `types`. */
  readonly key?: string | undefined
}

/**
 * A stable JSON text of a value: object keys sorted, so that equal content gives equal text.
 *
 * @since 0.1.0
 * @category utils
 */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v)

/** Sorted, so that the order of the types does not change the key (a non-array stays as is). */
const sortedTypes = (types: unknown) => (Array.isArray(types) ? [...types].sort() : types)

/**
 * `canonicalJson({ input, types })` written directly when the input is a plain object of strings
 * and the types are strings (what leads hold): the same text for about half the cost, the key of
 * every lead being computed once per pass over a file. `undefined` otherwise (the general path).
 */
const plainKeyText = (input: unknown, types: unknown): string | undefined => {
  if (input === null || typeof input !== "object" || Object.getPrototypeOf(input) !== Object.prototype) return undefined
  if (!Array.isArray(types) || !types.every((t) => typeof t === "string")) return undefined
  let text = "{\"input\":{"
  let first = true
  for (const k of Object.keys(input).sort()) {
    const v = (input as Record<string, unknown>)[k]
    if (v === undefined) continue
    if (typeof v !== "string") return undefined
    text += (first ? "" : ",") + JSON.stringify(k) + ":" + JSON.stringify(v)
    first = false
  }
  return text + "},\"types\":" + JSON.stringify(types) + "}"
}

/**
 * The key of a lead: its own `key`, or the first 32 hex digits of the SHA-256 of its input and
 * types (the same lead read twice gets the same key, across runs and processes).
 *
 * @example
 * ```ts
 * import { Lead } from "@lemlist-effect/enrich"
 *
 * Lead.keyOf({ input: { email: "ada@example.com" } }, ["verify"]) // "9b0c…" (stable)
 * Lead.keyOf({ input: {}, key: "row-7" }, ["verify"]) // "row-7"
 * ```
 *
 * @since 0.1.0
 * @category keys
 */
export const keyOf = (lead: Lead, defaultTypes: ReadonlyArray<EnrichmentType.EnrichmentType>): string =>
  lead.key ?? hashKey(lead.input, sortedTypes(lead.types ?? defaultTypes))

const hashKey = (input: unknown, types: unknown): string =>
  sha256Hex(plainKeyText(input, types) ?? canonicalJson({ input, types })).slice(0, 32)

/**
 * What to do with a lead that lacks the inputs of some requested workflows: `"reject"` the
 * whole lead (`RejectedLocally`, what lemlist itself would answer), or `"skip-type"`: run the
 * workflows it has inputs for and record the others as skipped.
 *
 * @since 0.1.0
 * @category models
 */
export type MissingInputs = "reject" | "skip-type"

/**
 * What a run does with one lead: send it with these workflows (`skipped` lists the ones left
 * out), or refuse it locally with lemlist's code.
 *
 * @since 0.1.0
 * @category models
 */
export type Plan =
  | {
    readonly _tag: "Run"
    readonly key: string
    readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
    readonly skipped: ReadonlyArray<Validation.SkippedType>
  }
  | {
    readonly _tag: "Reject"
    readonly key: string
    readonly code: ErrorCode.BatchErrorCode | ErrorCode.ItemErrorCode
    readonly skipped: ReadonlyArray<Validation.SkippedType>
  }

/**
 * Plans a lead by lemlist's rules (`Validation`): its key, and the workflows it will run. A
 * lead that runs everything it asked for keeps `keyOf`'s key in both modes; one that runs a
 * subset is keyed by that subset (so a journal shared with a `"reject"` run never confuses the
 * two). The key depends only on the lead, the default types and the mode: stable across runs.
 *
 * @example
 * ```ts
 * import { Lead } from "@lemlist-effect/enrich"
 *
 * const lead = { input: { email: "ada@example.com" } }
 * Lead.plan(lead, ["find_email", "verify"], "reject") // { _tag: "Reject", code: "MISSING_INPUTS", ... }
 * Lead.plan(lead, ["find_email", "verify"], "skip-type") // { _tag: "Run", types: ["verify"], skipped: [{ type: "find_email", ... }], ... }
 * ```
 *
 * @since 0.1.0
 * @category keys
 */
export const plan = (
  lead: Lead,
  defaultTypes: ReadonlyArray<EnrichmentType.EnrichmentType>,
  missingInputs: MissingInputs = "reject"
): Plan => {
  // Untyped callers may pass anything: a non-array is lemlist's WRONG_ENRICHMENT_REQUEST_FORMAT.
  const types: ReadonlyArray<EnrichmentType.EnrichmentType> = lead.types === undefined
    ? [...new Set(defaultTypes)]
    : Array.isArray(lead.types)
    ? [...new Set(lead.types)]
    : lead.types
  const key = keyOf(lead, defaultTypes)
  const code = Validation.validateItem({ input: lead.input, enrichmentRequests: types })
  if (code === undefined) return { _tag: "Run", key, types, skipped: [] }
  if (missingInputs === "reject" || !Codes.isItemErrorCode(code)) return { _tag: "Reject", key, code, skipped: [] }
  const { runnable, skipped } = Validation.runnableTypes(lead.input, types)
  return runnable.length === 0
    ? { _tag: "Reject", key, code, skipped }
    : { _tag: "Run", key: keyOf({ ...lead, types: runnable }, defaultTypes), types: runnable, skipped }
}
