/**
 * The admin API under `/__mock` (never behind lemlist auth, no rate limit, no faults).
 */
import * as Either from "effect/Either"
import { Hono } from "hono"
import type { Engine } from "../Engine.js"
import type { InjectedFault } from "../Faults.js"
import { RequestFault } from "../internal/adminSchemas.js"
import { view } from "../internal/view.js"
import type { MockHandle } from "../MockServer.js"
import type { EnrichmentRecord } from "../State.js"
import { openApiDocument } from "../OpenApi.js"
import { decodeUpdate } from "../Options.js"
import { dashboardRoutes } from "./dashboard.js"

const readJson = async (req: Request): Promise<any> => {
  try {
    return await req.json()
  } catch {
    return undefined
  }
}

/** The options as JSON (the webhook `fetch` and the clock are code, not data). */
const optionsJson = (handle: MockHandle) => handle.options()

export const adminRoutes = (engine: Engine, handle: MockHandle) =>
  new Hono({ strict: false })
    .post("/reset", (c) => {
      handle.reset()
      return c.json({ ok: true })
    })
    .get("/options", (c) => c.json(optionsJson(handle)))
    .put("/options", async (c) => {
      const body = await readJson(c.req.raw)
      if (!body || typeof body !== "object" || Array.isArray(body)) return c.json({ error: "expected a JSON object" }, 400)
      const update = decodeUpdate(body)
      if (Either.isLeft(update)) return c.json({ error: update.left.message, issues: update.left.issues }, 400)
      handle.setOptions(update.right)
      return c.json(optionsJson(handle))
    })
    .put("/credits", async (c) => {
      const body = await readJson(c.req.raw)
      const credits = body?.credits
      // By key, or by team id (the dashboard knows teams, never keys).
      const byTeam = typeof body?.teamId === "string" ? engine.teamsById.get(body.teamId) : undefined
      const apiKey = typeof body?.apiKey === "string" ? body.apiKey : byTeam?.apiKey
      if (
        (typeof body?.apiKey !== "string" && typeof body?.teamId !== "string") || typeof credits !== "number" ||
        !Number.isFinite(credits) || credits < 0
      ) {
        return c.json({ error: "expected { apiKey or teamId: string, credits: number >= 0 }" }, 400)
      }
      if (apiKey === undefined || !engine.teamOf(apiKey)) return c.json({ error: `unknown ${body.apiKey === undefined ? "teamId" : "apiKey"}` }, 404)
      handle.setCredits(apiKey, credits)
      return c.json({ teamId: handle.teamId(apiKey), credits: handle.credits(apiKey) })
    })
    .post("/complete", async (c) => {
      const before = engine.pendingCount()
      await handle.completeAll()
      return c.json({ ok: true, completed: before })
    })
    .post("/faults", async (c) => {
      const body = await readJson(c.req.raw) as InjectedFault | undefined
      const known: ReadonlyArray<string> = RequestFault.literals
      if (!body || typeof body !== "object" || !known.includes(body.fault)) {
        return c.json({ error: `expected { fault: ${known.join(" | ")}, route?, times?, status? }` }, 400)
      }
      handle.injectFault(body)
      return c.json({ ok: true })
    })
    .get("/requests", (c) => c.json(handle.requests()))
    .get("/deliveries", (c) => c.json(handle.deliveries()))
    .get("/stats", (c) => c.json(handle.stats()))
    .get("/enrichments", (c) => {
      const apiKey = c.req.query("apiKey")
      if (apiKey !== undefined && !engine.teamOf(apiKey)) return c.json({ error: "unknown apiKey" }, 404)
      const status = c.req.query("status")
      const q = c.req.query("q")?.trim().toLowerCase()
      const limitText = c.req.query("limit")
      const limit = limitText === undefined ? Number.POSITIVE_INFINITY : Number(limitText)
      if (status !== undefined && !["in-progress", "done", "error"].includes(status)) {
        return c.json({ error: "status: in-progress, done or error" }, 400)
      }
      if (!(limit >= 0)) return c.json({ error: "limit: a number >= 0" }, 400)
      // Filtered on the records, and only the newest `limit` matches turned into views: the
      // dashboard asks again whenever enrichments change, with a 100k-record store.
      engine.tick()
      const team = apiKey === undefined ? undefined : engine.teamOf(apiKey)
      const found: Array<EnrichmentRecord> = []
      for (const r of engine.enrichments.values()) {
        if ((team && r.team !== team) || (status !== undefined && r.status !== status)) continue
        if (q && !r.id.toLowerCase().includes(q) && !JSON.stringify([r.metadata, r.input]).toLowerCase().includes(q)) continue
        found.push(r)
      }
      c.header("X-Total-Count", String(found.length))
      return c.json(found.slice(Math.max(0, found.length - limit)).map(view))
    })
    .get("/openapi.json", (c) => c.json(openApiDocument({ serverUrl: new URL(c.req.url).origin })))
    .route("/", dashboardRoutes(engine))
