/**
 * `POST /api/v2/enrichments/bulk`: docs/decisions.md #1-#4 and #13.
 */
import { EnrichmentType, ErrorCode, Messages, Validation } from "@lemlist-effect/contract"
import { Hono } from "hono"
import type { Engine } from "../Engine.js"
import { cappedBody, type LemlistEnv, parseJson } from "../Http.js"
import { isWebhookUrl } from "../Webhooks.js"

export const bulkRoutes = (engine: Engine) =>
  new Hono<LemlistEnv>({ strict: false }).post("/bulk", cappedBody(() => engine.options.maxBodyBytes), async (c) => {
    const verdict = Validation.validateBulk(parseJson(await c.req.text(), c.req.header("content-type")))
    if (verdict._tag === "BatchRejected") return c.json({ error: verdict.code }, 400)
    try {
      // The answer echoes every metadata: one too deep to serialise must fail before anything is created.
      if (verdict.items.some((item) => item.metadata !== undefined)) JSON.stringify(verdict.items.map((item) => item.metadata))
    } catch {
      // Assumption (docs/decisions.md #1): metadata that cannot be echoed is WRONG_METADATA_FORMAT.
      return c.json({ error: "WRONG_METADATA_FORMAT" }, 400)
    }
    const webhookUrl = c.req.query("webhookUrl") || undefined
    // Assumption (docs/decisions.md #10): bulk answers a bad webhookUrl as /enrich does.
    if (webhookUrl !== undefined && !isWebhookUrl(webhookUrl)) return c.text(Messages.invalidWebhookUrl, 400)
    const team = c.get("team")
    const now = c.get("now")
    if (engine.options.creditMode === "reject") {
      // Assumption (docs/decisions.md #13): `reject` refuses a call the balance cannot surely pay.
      let most = 0
      for (const item of verdict.items) if (item._tag === "Accepted") most += EnrichmentType.maxCost(item.types, engine.options.costs)
      if (most > team.credits) return c.json({ error: ErrorCode.insufficientCredits }, 402)
    }
    const answer = new Array(verdict.items.length)
    let created = 0
    for (let i = 0; i < verdict.items.length; i++) {
      const item = verdict.items[i]
      if (item._tag === "Accepted") {
        const r = engine.create(team, item.input, item.types, item.metadata, webhookUrl, undefined, now)
        created++
        // docs/decisions.md #4: metadata key omitted when absent, echoed unchanged otherwise.
        answer[i] = item.metadata === undefined ? { id: r.id } : { id: r.id, metadata: item.metadata }
      } else {
        answer[i] = item.metadata === undefined ? { error: item.code } : { error: item.code, metadata: item.metadata }
      }
    }
    c.set("created", created)
    return c.json(answer, 200)
  })
