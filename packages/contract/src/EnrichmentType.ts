/**
 * The four enrichment workflows lemlist runs, under their bulk names, and what each costs.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * An enrichment workflow, as named in the bulk endpoint's `enrichmentRequests`.
 *
 * @example
 * ```ts
 * import { EnrichmentType } from "@lemlist-effect/contract"
 * import { Schema } from "effect"
 *
 * Schema.decodeUnknownSync(EnrichmentType.EnrichmentType)("find_email") // "find_email"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const EnrichmentType = Schema.Literal("find_email", "find_phone", "verify", "linkedin_enrichment")

/**
 * @since 0.1.0
 * @category models
 */
export type EnrichmentType = typeof EnrichmentType.Type

/**
 * Every workflow, in lemlist's documented order.
 *
 * @since 0.1.0
 * @category constants
 */
export const all: ReadonlyArray<EnrichmentType> = EnrichmentType.literals

/**
 * Type guard for a workflow name coming from untrusted input.
 *
 * @example
 * ```ts
 * import { EnrichmentType } from "@lemlist-effect/contract"
 *
 * EnrichmentType.is("verify") // true
 * EnrichmentType.is("find_address") // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const is = (u: unknown): u is EnrichmentType =>
  typeof u === "string" && (all as ReadonlyArray<string>).includes(u)

/**
 * Credits charged per workflow, and when (docs/decisions.md #13; the help centre's figures).
 * `find_email` is charged only for a deliverable or risky email, `find_phone` and
 * `linkedin_enrichment` only when something is found, `verify` always.
 *
 * @since 0.1.0
 * @category models
 */
export type CreditCosts = { readonly [K in EnrichmentType]: number }

/**
 * lemlist's published costs: 5, 20, 1 and 1 credits.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultCosts: CreditCosts = {
  find_email: 5,
  find_phone: 20,
  verify: 1,
  linkedin_enrichment: 1
}

/**
 * The most an enrichment of these workflows can cost: what a credit pre-flight check budgets.
 *
 * @example
 * ```ts
 * import { EnrichmentType } from "@lemlist-effect/contract"
 *
 * EnrichmentType.maxCost(["find_email", "verify"]) // 6
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const maxCost = (types: Iterable<EnrichmentType>, costs: CreditCosts = defaultCosts): number => {
  let total = 0
  for (const type of new Set(types)) total += costs[type]
  return total
}

/**
 * The query flag of `POST /enrich` and `POST /leads/{id}/enrich` for each workflow.
 *
 * @since 0.1.0
 * @category constants
 */
export const queryFlag: { readonly [K in EnrichmentType]: string } = {
  find_email: "findEmail",
  verify: "verifyEmail",
  linkedin_enrichment: "linkedinEnrichment",
  find_phone: "findPhone"
}
