/**
 * Turning a result into an outcome, and what a result cost.
 *
 * @internal
 */
import type { EnrichmentType, Result } from "@lemlist-effect/contract"
import { EnrichmentType as Types } from "@lemlist-effect/contract"
import type { Outcome } from "../Outcome.js"
import { Enriched, Failed, NotFound } from "../Outcome.js"
import type { Delivery } from "./resultHub.js"

/** Keeps only the requested workflows of a result. */
const pick = (result: Result.EnrichmentResult, types: ReadonlyArray<EnrichmentType.EnrichmentType>): Result.EnrichmentResult =>
  Object.fromEntries(types.flatMap((type) => (result[type] === undefined ? [] : [[type, result[type]]])))

/** Whether lemlist found anything: a found value, or a verify status. */
const foundAnything = (result: Result.EnrichmentResult): boolean =>
  result.verify !== undefined ||
  result.find_email?.found === true ||
  result.find_phone?.found === true ||
  result.linkedin_enrichment?.found === true

/** @internal */
export const fromDelivery = (
  delivery: Delivery,
  lead: { readonly key: string; readonly metadata: unknown; readonly types: ReadonlyArray<EnrichmentType.EnrichmentType> }
): Outcome => {
  const common = { key: lead.key, metadata: lead.metadata, enrichmentId: delivery.id }
  if (delivery._tag === "Failed") {
    return new Failed({
      ...common,
      reason: "EnrichmentError",
      code: delivery.code,
      description: delivery.description ?? `lemlist ended the enrichment with ${delivery.code}`
    })
  }
  const result = pick(delivery.result, lead.types)
  return foundAnything(result) ? new Enriched({ ...common, result }) : new NotFound({ ...common, result })
}

/**
 * Credits a result cost under DECISIONS.md #13: find_email when deliverable or risky, verify
 * always, find_phone and linkedin_enrichment when found.
 *
 * @internal
 */
export const cost = (result: Result.EnrichmentResult, costs: EnrichmentType.CreditCosts = Types.defaultCosts): number => {
  let total = 0
  const email = result.find_email
  if (email?.found && (email.value.status === "deliverable" || email.value.status === "risky")) total += costs.find_email
  if (result.verify) total += costs.verify
  if (result.find_phone?.found) total += costs.find_phone
  if (result.linkedin_enrichment?.found) total += costs.linkedin_enrichment
  return total
}
