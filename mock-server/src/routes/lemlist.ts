/**
 * lemlist's API under `/api`: the pipeline every request goes through (route match, auth,
 * rate limit, faults, recording), then one sub-app per resource.
 */
import { Messages } from "@lemlist-effect/contract"
import { Hono } from "hono"
import type { Engine } from "../Engine.js"
import { connectionFaultHeader, plan, type RequestFault } from "../Faults.js"
import { type LemlistEnv, parseAuth } from "../Http.js"
import * as RateLimit from "../RateLimit.js"
import { bulkRoutes } from "./bulk.js"
import { enrichRoutes } from "./enrich.js"
import { hooksRoutes } from "./hooks.js"
import { leadsRoutes } from "./leads.js"
import { matchRoute } from "./paths.js"
import { teamRoutes } from "./team.js"

/** The answer standing for a broken connection (see `Faults.connectionFaultHeader`). */
const connectionFault = (fault: "refused" | "drop" | "lostAnswer") =>
  new Response(`lemlist mock: simulated connection fault (${fault}); use server.fetch or a socket to see it as a network error`, {
    status: 599,
    headers: { [connectionFaultHeader]: fault, "content-type": "text/plain; charset=UTF-8" }
  })

export const lemlistRoutes = (engine: Engine): Hono<LemlistEnv> => {
  const api = new Hono<LemlistEnv>({ strict: false })

  api.use("*", async (c, next) => {
    const now = engine.tick()
    const options = engine.options
    const path = c.req.path.replace(/^\/api/, "")
    const match = matchRoute(c.req.method, path)
    let teamId: string | undefined
    let fault: RequestFault | undefined
    const record = () =>
      engine.requests.push({
        method: c.req.method,
        path: c.req.path,
        route: match._tag === "Route" ? match.name : undefined,
        status: fault === "refused" || fault === "drop" || fault === "lostAnswer" ? 0 : c.res.status,
        time: now,
        teamId,
        ...(fault ? { fault } : {}),
        ...(c.get("created") > 0 ? { created: c.get("created") } : {})
      })
    // Headers for answers that touch no window (unknown route, no or wrong key, limit off).
    const idle: RateLimit.RateVerdict = {
      allowed: true,
      limit: options.rateLimit.limit,
      remaining: options.rateLimit.limit,
      resetAt: now + options.rateLimit.windowMs,
      retryAfter: Math.max(1, Math.ceil(options.rateLimit.windowMs / 1000))
    }
    const setRateHeaders = (v: RateLimit.RateVerdict) => {
      for (const [k, val] of Object.entries(RateLimit.headers(v))) c.header(k, val)
    }
    setRateHeaders(idle)

    // Assumption (docs/decisions.md #17): path and method are checked before auth.
    if (match._tag === "NotFound") {
      c.res = c.text(Messages.notFound, 404)
      return record()
    }
    if (match._tag === "MethodNotAllowed") {
      c.header("Allow", match.allow.join(", "))
      c.res = c.text(Messages.methodNotAllowed, 405)
      return record()
    }
    const auth = parseAuth(c.req.header("authorization"))
    const team = auth._tag === "Key" ? engine.teamOf(auth.key) : undefined
    teamId = team?.id
    if (team) team.stats.requests++

    const faults = plan(options.faults, engine.faultRng, match.name, engine.injected)
    if (faults.refused) {
      // Never connected: nothing processed, nothing counted.
      fault = "refused"
      c.res = connectionFault("refused")
      return record()
    }
    if (faults.drop) {
      fault = "drop"
      if (team) team.stats.droppedConnections++
      c.res = connectionFault("drop")
      return record()
    }
    if (auth._tag === "Missing" && match.name === "credits") {
      // Documented for /team/credits only (docs/decisions.md #16).
      c.res = c.text(Messages.noApiKey, 400)
      return record()
    }
    if (!team) {
      c.res = c.text(Messages.unauthorized, 401)
      return record()
    }
    c.set("team", team)
    c.set("now", now)
    c.set("created", 0)

    if (options.rateLimit.enabled || faults.storm || team.stormUntil > now) {
      if (faults.storm && team.stormUntil <= now) team.stormUntil = now + options.faults.rateLimitStormMs
      if (team.stormUntil > now) {
        fault = "rateLimitStorm"
        team.stats.rateLimited++
        setRateHeaders({ allowed: false, limit: options.rateLimit.limit, remaining: 0, resetAt: team.stormUntil, retryAfter: Math.max(1, Math.ceil((team.stormUntil - now) / 1000)) })
        c.res = c.text(Messages.tooManyRequests, 429)
        return record()
      }
      const verdict = options.rateLimit.enabled ? RateLimit.take(team.window, options.rateLimit, now) : idle
      setRateHeaders(verdict)
      if (!verdict.allowed) {
        // The request does nothing (docs/decisions.md #14).
        team.stats.rateLimited++
        c.res = c.text(Messages.tooManyRequests, 429)
        return record()
      }
    }
    if (faults.serverError !== undefined) {
      fault = "serverError"
      // Assumption (ours): fault 5xx answers carry a plain-text reason phrase.
      const text = faults.serverError === 500 ? "Internal Server Error" : faults.serverError === 502 ? "Bad Gateway" : "Service Unavailable"
      c.res = c.text(text, faults.serverError)
      return record()
    }
    await next()
    if (faults.slow) {
      // The request is processed at once, its answer held back: a client that gives up (or
      // dies) meanwhile cannot know what was created, as with lemlist.
      fault = "slow"
      await new Promise<void>((resolve) => engine.clock.setTimeout(resolve, options.faults.slowMs))
    }
    if (faults.lostAnswer) {
      // Processed (enrichments created and recorded), then the connection drops.
      fault = "lostAnswer"
      team.stats.lostAnswers++
      team.stats.enrichmentsInLostAnswers += c.get("created")
      c.res = connectionFault("lostAnswer")
    }
    record()
  })

  api.route("/v2/enrichments", bulkRoutes(engine))
  api.route("/enrich", enrichRoutes(engine))
  api.route("/leads", leadsRoutes(engine))
  api.route("/team", teamRoutes(engine))
  api.route("/hooks", hooksRoutes(engine))
  return api
}
