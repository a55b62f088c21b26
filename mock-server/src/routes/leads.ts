/**
 * `POST /api/leads/{leadId}/enrich`: leads from the fixture (docs/decisions.md #15).
 */
import { EnrichmentType, ErrorCode, Messages } from "@lemlist-effect/contract"
import { Hono } from "hono"
import type { Engine } from "../Engine.js"
import { flag, type LemlistEnv } from "../Http.js"
import { isWebhookUrl } from "../Webhooks.js"
import { requestedTypes } from "./enrich.js"

export const leadsRoutes = (engine: Engine) =>
  new Hono<LemlistEnv>({ strict: false }).post("/:leadId/enrich", (c) => {
    const team = c.get("team")
    const leadId = c.req.param("leadId")
    const types = requestedTypes((n) => c.req.query(n))
    // Assumption (docs/decisions.md #15): no flag → the /enrich 400 text.
    if (types.length === 0) return c.text(Messages.noEnrichmentRequested, 400)
    const lead = engine.options.leads.find((l) => l.id === leadId)
    if (!lead) return c.json({ error: Messages.leadNotFound, code: "LEAD_NOT_FOUND" }, 404)
    const owner = lead.apiKey ?? engine.options.apiKeys[0]
    if (engine.teamOf(owner) !== team) return c.text(Messages.badTeam, 400)
    if (lead.contact === null) return c.json({ error: Messages.contactNotFound, code: "CONTACT_NOT_FOUND" }, 404)
    const webhookUrl = c.req.query("webhookUrl") || undefined
    if (webhookUrl !== undefined && !isWebhookUrl(webhookUrl)) return c.text(Messages.invalidWebhookUrl, 400)
    let state = team.leads.get(leadId)
    if (!state) {
      state = { running: undefined, enriched: new Set(lead.enriched ?? []), notFound: new Set() }
      team.leads.set(leadId, state)
    }
    // Documented: never two runs at once, and `force` does not lift that.
    if (state.running && state.running.status === "in-progress") return c.json({ error: Messages.alreadyBeingEnriched }, 409)
    const force = flag(c.req.query("force"))
    // Documented: a previous not-found of findEmail/findPhone blocks even with force (same inputs).
    const blockedNotFound = types.some((t) => (t === "find_email" || t === "find_phone") && state.notFound.has(t))
    const already = types.some((t) => state.enriched.has(t))
    if (blockedNotFound || (already && !force)) {
      return c.json({ error: Messages.alreadyEnriched, code: "ALREADY_ENRICHED" }, 409)
    }
    if (lead.failing) return c.json({ error: Messages.failedToEnrichLead }, 500)
    if (engine.options.creditMode === "reject" && EnrichmentType.maxCost(types, engine.options.costs) > team.credits) {
      return c.json({ error: ErrorCode.insufficientCredits }, 402)
    }
    const r = engine.create(team, lead.contact, types, undefined, webhookUrl, leadId, c.get("now"))
    c.set("created", 1)
    if (r.status === "in-progress") state.running = r
    return c.json({ id: r.id }, 200)
  })
