/**
 * lemlist's API under `/api`: the pipeline every request goes through, as small named
 * middlewares in the order they act (record, route match, caller, connection faults, auth,
 * rate limit, server-error fault, answer faults), then one sub-app per resource.
 */
import { Messages } from "@lemlist-effect/contract"
import { Hono, type MiddlewareHandler } from "hono"
import type { Engine } from "../Engine.js"
import { connectionFaultHeader, type FaultPlan, plan, type RequestFault } from "../Faults.js"
import { type Auth, type LemlistEnv, parseAuth } from "../Http.js"
import type { RouteName } from "../Options.js"
import * as RateLimit from "../RateLimit.js"
import type { Team } from "../State.js"
import { bulkRoutes } from "./bulk.js"
import { enrichRoutes } from "./enrich.js"
import { hooksRoutes } from "./hooks.js"
import { leadsRoutes } from "./leads.js"
import { matchRoute } from "./paths.js"
import { teamRoutes } from "./team.js"

/** What the pipeline learns about a request on its way, for the pieces after it and the record. */
type PipelineEnv = {
  Variables: LemlistEnv["Variables"] & {
    route: RouteName
    auth: Auth
    caller: Team | undefined
    faults: FaultPlan
    fault: RequestFault | undefined
  }
}

type Step = MiddlewareHandler<PipelineEnv>

/** The answer standing for a broken connection (see `Faults.connectionFaultHeader`). */
const connectionFault = (fault: "refused" | "drop" | "lostAnswer") =>
  new Response(`lemlist mock: simulated connection fault (${fault}); use server.fetch or a socket to see it as a network error`, {
    status: 599,
    headers: { [connectionFaultHeader]: fault, "content-type": "text/plain; charset=UTF-8" }
  })

const setRateHeaders = (c: Parameters<Step>[0], v: RateLimit.RateVerdict) => {
  for (const [k, val] of Object.entries(RateLimit.headers(v))) c.header(k, val)
}

/** Headers for answers that touch no window (unknown route, no or wrong key, limit off). */
const idleVerdict = (engine: Engine, now: number): RateLimit.RateVerdict => {
  const { limit, windowMs } = engine.options.rateLimit
  return { allowed: true, limit, remaining: limit, resetAt: now + windowMs, retryAfter: Math.max(1, Math.ceil(windowMs / 1000)) }
}

/** Outermost: stamps the request with the mock's time and records it once it is answered. */
const recorded = (engine: Engine): Step => async (c, next) => {
  const now = engine.tick()
  c.set("now", now)
  setRateHeaders(c, idleVerdict(engine, now))
  await next()
  const fault = c.get("fault")
  const created = c.get("created")
  engine.requests.push({
    method: c.req.method,
    path: c.req.path,
    route: c.get("route"),
    status: fault === "refused" || fault === "drop" || fault === "lostAnswer" ? 0 : c.res.status,
    time: now,
    teamId: c.get("caller")?.id,
    ...(fault ? { fault } : {}),
    ...(created > 0 ? { created } : {})
  })
}

/** Assumption (docs/decisions.md #17): path and method are checked before auth. */
const routed: Step = async (c, next) => {
  const match = matchRoute(c.req.method, c.req.path.replace(/^\/api/, ""))
  if (match._tag === "NotFound") return c.text(Messages.notFound, 404)
  if (match._tag === "MethodNotAllowed") {
    c.header("Allow", match.allow.join(", "))
    return c.text(Messages.methodNotAllowed, 405)
  }
  c.set("route", match.name)
  return next()
}

/** Who calls, from the key (checked later, after the connection faults). */
const identified = (engine: Engine): Step => async (c, next) => {
  const auth = parseAuth(c.req.header("authorization"))
  const caller = auth._tag === "Key" ? engine.teamOf(auth.key) : undefined
  if (caller) caller.stats.requests++
  c.set("auth", auth)
  c.set("caller", caller)
  return next()
}

/** Draws this request's faults; a refused or dropped connection processes nothing. */
const connectionFaults = (engine: Engine): Step => async (c, next) => {
  const faults = plan(engine.options.faults, engine.faultRng, c.get("route"), engine.injected)
  c.set("faults", faults)
  if (faults.refused) {
    // Never connected: nothing processed, nothing counted.
    c.set("fault", "refused")
    return connectionFault("refused")
  }
  if (faults.drop) {
    c.set("fault", "drop")
    const caller = c.get("caller")
    if (caller) caller.stats.droppedConnections++
    return connectionFault("drop")
  }
  return next()
}

const authenticated: Step = async (c, next) => {
  const team = c.get("caller")
  if (c.get("auth")._tag === "Missing" && c.get("route") === "credits") {
    // Documented for /team/credits only (docs/decisions.md #16).
    return c.text(Messages.noApiKey, 400)
  }
  if (!team) return c.text(Messages.unauthorized, 401)
  c.set("team", team)
  c.set("created", 0)
  return next()
}

/** lemlist's window per key, and the 429 storms of the `rateLimitStorm` fault. */
const rateLimited = (engine: Engine): Step => async (c, next) => {
  const { options } = engine
  const team = c.get("team")
  const now = c.get("now")
  const storm = c.get("faults").storm
  if (options.rateLimit.enabled || storm || team.stormUntil > now) {
    if (storm && team.stormUntil <= now) team.stormUntil = now + options.faults.rateLimitStormMs
    if (team.stormUntil > now) {
      c.set("fault", "rateLimitStorm")
      team.stats.rateLimited++
      setRateHeaders(c, { allowed: false, limit: options.rateLimit.limit, remaining: 0, resetAt: team.stormUntil, retryAfter: Math.max(1, Math.ceil((team.stormUntil - now) / 1000)) })
      return c.text(Messages.tooManyRequests, 429)
    }
    const verdict = options.rateLimit.enabled ? RateLimit.take(team.window, options.rateLimit, now) : idleVerdict(engine, now)
    setRateHeaders(c, verdict)
    if (!verdict.allowed) {
      // The request does nothing (docs/decisions.md #14).
      team.stats.rateLimited++
      return c.text(Messages.tooManyRequests, 429)
    }
  }
  return next()
}

/** The `serverError` fault: a 5xx before anything is done. */
const serverErrorFault: Step = async (c, next) => {
  const status = c.get("faults").serverError
  if (status === undefined) return next()
  c.set("fault", "serverError")
  // Assumption (ours): fault 5xx answers carry a plain-text reason phrase.
  return c.text(status === 500 ? "Internal Server Error" : status === 502 ? "Bad Gateway" : "Service Unavailable", status)
}

/** The `slow` and `lostAnswer` faults: the request is processed, then its answer is late or lost. */
const answerFaults = (engine: Engine): Step => async (c, next) => {
  await next()
  const faults = c.get("faults")
  if (faults.slow) {
    // The request is processed at once, its answer held back: a client that gives up (or
    // dies) meanwhile cannot know what was created, as with lemlist.
    c.set("fault", "slow")
    await new Promise<void>((resolve) => engine.clock.setTimeout(resolve, engine.options.faults.slowMs))
  }
  if (faults.lostAnswer) {
    // Processed (enrichments created and recorded), then the connection drops.
    c.set("fault", "lostAnswer")
    const team = c.get("team")
    team.stats.lostAnswers++
    team.stats.enrichmentsInLostAnswers += c.get("created")
    c.res = connectionFault("lostAnswer")
  }
}

export const lemlistRoutes = (engine: Engine): Hono<PipelineEnv> => {
  const api = new Hono<PipelineEnv>({ strict: false })
  api.use(
    "*",
    recorded(engine),
    routed,
    identified(engine),
    connectionFaults(engine),
    authenticated,
    rateLimited(engine),
    serverErrorFault,
    answerFaults(engine)
  )
  api.route("/v2/enrichments", bulkRoutes(engine))
  api.route("/enrich", enrichRoutes(engine))
  api.route("/leads", leadsRoutes(engine))
  api.route("/team", teamRoutes(engine))
  api.route("/hooks", hooksRoutes(engine))
  return api
}
