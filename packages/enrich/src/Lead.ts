/**
 * A lead: what the user wants enriched. Its key correlates it with its enrichment, its webhook
 * and its journal row, so that every outcome names its lead and a rerun recognises it.
 *
 * @since 0.1.0
 */
import type { Bulk, EnrichmentType } from "@lemlist-effect/contract"
import { createHash } from "node:crypto"

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
  lead.key ??
    createHash("sha256")
      .update(canonicalJson({ input: lead.input, types: sortedTypes(lead.types ?? defaultTypes) }))
      .digest("hex")
      .slice(0, 32)
