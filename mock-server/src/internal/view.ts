/**
 * A stored enrichment as the admin API shows it (the handle and the admin routes share it).
 *
 * @internal
 */
import type { EnrichmentView } from "../MockServer.js"
import type { EnrichmentRecord } from "../State.js"

export const view = (r: EnrichmentRecord): EnrichmentView => ({
  id: r.id,
  teamId: r.team.id,
  input: r.input,
  types: r.types,
  ...(r.metadata === undefined ? {} : { metadata: r.metadata }),
  status: r.status,
  ...(r.errorCode === undefined ? {} : { errorCode: r.errorCode }),
  createdAt: r.createdAt,
  completesAt: r.completesAt,
  ...(r.completedAt === undefined ? {} : { completedAt: r.completedAt }),
  creditsCharged: r.creditsCharged,
  ...(r.webhookUrl === undefined ? {} : { webhookUrl: r.webhookUrl }),
  ...(r.leadId === undefined ? {} : { leadId: r.leadId })
})
