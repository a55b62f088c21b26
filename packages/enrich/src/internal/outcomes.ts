/**
 * Turning a delivered result into an outcome.
 *
 * @internal
 */
import type { EnrichmentType, Result, Validation } from "@lemlist-effect/contract"
import type { EnrichmentStatus } from "../LemlistClient.js"
import type { Outcome } from "../Outcome.js"
import { Enriched, Failed, NotFound } from "../Outcome.js"

/** A finished enrichment, whichever channel brought it (the poller's statuses, as is). @internal */
export type Delivery = Extract<EnrichmentStatus, { readonly _tag: "Done" | "Failed" }>

/** A copy with other metadata, of the same class (a plain spread would lose the prototype). @internal */
export const withMetadata = (outcome: Outcome, metadata: unknown): Outcome =>
  outcome.metadata === metadata
    ? outcome
    : (Object.assign(Object.create(Object.getPrototypeOf(outcome)), outcome, { metadata }) as Outcome)

/** Keeps only the requested workflows of a result. */
const pick = (result: Result.EnrichmentResult, types: ReadonlyArray<EnrichmentType.EnrichmentType>): Result.EnrichmentResult =>
  Object.fromEntries(types.flatMap((type) => (result[type] === undefined ? [] : [[type, result[type]]])))

/** Whether lemlist found anything: a found value, or a verify status. */
const foundAnything = (result: Result.EnrichmentResult): boolean =>
  result.verify !== undefined ||
  result.find_email?.found === true ||
  result.find_phone?.found === true ||
  result.linkedin_enrichment?.found === true

/** What every outcome of a lead carries: its key, its metadata, and the workflows left out. @internal */
export const identity = (lead: {
  readonly key: string
  readonly metadata: unknown
  readonly skipped?: ReadonlyArray<Validation.SkippedType> | undefined
}) => ({
  key: lead.key,
  metadata: lead.metadata,
  ...(lead.skipped !== undefined && lead.skipped.length > 0 ? { skipped: lead.skipped } : {})
})

/**
 * The delivery was decoded by the result's schema already: validating the outcome built from it
 * again would cost more than the rest of its way through the run.
 */
const trusted = { disableValidation: true }

/** @internal */
export const fromDelivery = (
  delivery: Delivery,
  lead: {
    readonly key: string
    readonly metadata: unknown
    readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
    /** Set by `admit` on the lead's record when some requested workflows were left out. */
    readonly skipped?: ReadonlyArray<Validation.SkippedType> | undefined
  }
): Outcome => {
  const common = { ...identity(lead), enrichmentId: delivery.id }
  if (delivery._tag === "Failed") {
    return new Failed({
      ...common,
      reason: "EnrichmentError",
      code: delivery.code,
      description: delivery.description ?? `lemlist ended the enrichment with ${delivery.code}`
    }, trusted)
  }
  const result = pick(delivery.result, lead.types)
  return foundAnything(result) ? new Enriched({ ...common, result }, trusted) : new NotFound({ ...common, result }, trusted)
}
