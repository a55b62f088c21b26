/** Outcomes the journal tests store and read back. */
import { Outcome } from "@lemlist-effect/enrich"

/** An `Enriched` outcome of `key`: an email found, deliverable. */
export const enriched = (key: string, metadata: unknown = null): Outcome.Enriched =>
  new Outcome.Enriched({
    key,
    metadata,
    enrichmentId: "enr_AAAAAAAAAAAAAAAAA",
    result: { find_email: { found: true, value: { email: "a@b.co", status: "deliverable" } } }
  })
