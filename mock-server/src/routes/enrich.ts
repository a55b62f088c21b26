/**
 * `POST /api/enrich` (one person, inputs in the query string) and `GET /api/enrich/{id}`.
 */
import { Bulk, EnrichmentType, ErrorCode, Messages, Validation } from "@lemlist-effect/contract"
import { Hono } from "hono"
import type { Engine } from "../Engine.js"
import { flag, type LemlistEnv } from "../Http.js"
import { isWebhookUrl } from "../Webhooks.js"

/** The workflows asked for by the query flags, in lemlist's order. */
export const requestedTypes = (query: (name: string) => string | undefined): Array<EnrichmentType.EnrichmentType> =>
  EnrichmentType.all.filter((type) => flag(query(EnrichmentType.queryFlag[type])))

export const enrichRoutes = (engine: Engine) =>
  new Hono<LemlistEnv>({ strict: false })
    .post("/", (c) => {
      const types = requestedTypes((n) => c.req.query(n))
      if (types.length === 0) return c.text(Messages.noEnrichmentRequested, 400)
      const webhookUrl = c.req.query("webhookUrl") || undefined
      if (webhookUrl !== undefined && !isWebhookUrl(webhookUrl)) return c.text(Messages.invalidWebhookUrl, 400)
      const input: Record<string, string> = {}
      for (const field of Bulk.inputFields) {
        const value = c.req.query(field)
        if (value !== undefined && value !== "") input[field] = value
      }
      // Assumption (docs/decisions.md #10): missing inputs on /enrich are lemlist's catch-all "Bad request".
      if (Validation.missingInput(input, types) !== undefined) return c.text(Messages.badRequest, 400)
      const team = c.get("team")
      if (engine.options.creditMode === "reject" && EnrichmentType.maxCost(types, engine.options.costs) > team.credits) {
        return c.json({ error: ErrorCode.insufficientCredits }, 402)
      }
      const r = engine.create(team, input, types, undefined, webhookUrl, undefined, c.get("now"))
      c.set("created", 1)
      return c.json({ id: r.id }, 200)
    })
    .get("/:id", (c) => {
      const r = engine.enrichments.get(c.req.param("id"))
      // docs/decisions.md #9: unknown (or expired) → 404 text; another team's → 400 "Bad team".
      if (!r) return c.text(Messages.enrichmentNotFound, 404)
      if (r.team !== c.get("team")) return c.text(Messages.badTeam, 400)
      // docs/decisions.md #5: 202 with a JSON body while running.
      return c.json(engine.pollingBody(r), r.status === "in-progress" ? 202 : 200)
    })
