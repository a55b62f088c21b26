/**
 * The dashboard's view of the mock: one small JSON object (teams with their credits and live
 * rate-limit window, enrichment counts, webhook and request summaries, the knobs in force),
 * cheap enough to rebuild on every push of the live feed.
 *
 * @internal
 */
import type { Engine, RecordedRequest } from "../Engine.js"
import type { ResolvedOptions } from "../Options.js"
import type { EnrichmentStatus, Team, TeamStats } from "../State.js"
import type { Delivery } from "../Webhooks.js"

/** A team's rate-limit window now: `slots` are the times of the requests it still counts. */
export interface WindowSnapshot {
  readonly enabled: boolean
  readonly algorithm: "sliding" | "fixed"
  readonly limit: number
  readonly windowMs: number
  readonly used: number
  readonly slots: ReadonlyArray<number>
  /** When a slot frees (sliding) or the window restarts (fixed); `null` when nothing is counted. */
  readonly resetAt: number | null
  /** End of a 429 storm in progress, else `null`. */
  readonly stormUntil: number | null
}

export interface TeamSnapshot {
  readonly teamId: string
  readonly keyFingerprint: string
  readonly credits: number
  readonly hooks: number
  readonly stats: Omit<TeamStats, "teamId" | "keyFingerprint">
  readonly window: WindowSnapshot
}

export interface Percentiles {
  readonly count: number
  readonly p50: number | null
  readonly p95: number | null
  readonly max: number | null
}

export interface Snapshot {
  /** Bumped by a reset: lists held by a reader are stale. */
  readonly epoch: number
  /** The mock's clock. */
  readonly now: number
  readonly teams: ReadonlyArray<TeamSnapshot>
  readonly enrichments: {
    readonly stored: number
    readonly byStatus: Readonly<Record<EnrichmentStatus, number>>
    readonly created: number
    readonly pending: number
    readonly version: number
  }
  readonly deliveries: {
    readonly seq: number
    readonly retained: number
    readonly delivered: number
    readonly failed: number
    readonly retries: number
    readonly faults: Readonly<Record<string, number>>
    readonly latency: Percentiles
  }
  readonly requests: {
    readonly seq: number
    readonly retained: number
    readonly byClass: Readonly<Record<RequestClass, number>>
  }
  /** The options in force, less the keys themselves (counted; the feed shows fingerprints only). */
  readonly options: Omit<ResolvedOptions, "leads" | "apiKeys" | "credits"> & { readonly leads: number; readonly apiKeys: number }
  readonly injected: ReadonlyArray<{ readonly fault: string; readonly route: string | null; readonly left: number; readonly status: number | null }>
}

export type RequestClass = "2xx" | "4xx" | "429" | "5xx" | "connection"

/** The class a recorded request falls in (the dashboard's status filter uses the same words). */
export const requestClass = (r: RecordedRequest): RequestClass =>
  r.status === 0 ? "connection" : r.status === 429 ? "429" : r.status >= 500 ? "5xx" : r.status >= 400 ? "4xx" : "2xx"

const windowOf = (team: Team, options: ResolvedOptions, now: number): WindowSnapshot => {
  const { enabled, algorithm, limit, windowMs } = options.rateLimit
  const stormUntil = team.stormUntil > now ? team.stormUntil : null
  const w = team.window
  if (algorithm === "fixed") {
    const open = now < w.fixedStart + windowMs
    return {
      enabled,
      algorithm,
      limit,
      windowMs,
      used: open ? w.fixedCount : 0,
      slots: [],
      resetAt: open ? w.fixedStart + windowMs : null,
      stormUntil
    }
  }
  const slots = w.times.filter((t) => t > now - windowMs).sort((a, b) => a - b)
  return {
    enabled,
    algorithm,
    limit,
    windowMs,
    used: slots.length,
    slots,
    resetAt: slots.length > 0 ? slots[0] + windowMs : null,
    stormUntil
  }
}

const percentiles = (values: Array<number>): Percentiles => {
  if (values.length === 0) return { count: 0, p50: null, p95: null, max: null }
  values.sort((a, b) => a - b)
  const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))]
  return { count: values.length, p50: at(0.5), p95: at(0.95), max: values[values.length - 1] }
}

const deliverySummary = (deliveries: ReadonlyArray<Delivery>) => {
  let delivered = 0
  let failed = 0
  let retries = 0
  const faults: Record<string, number> = {}
  const durations: Array<number> = []
  for (const d of deliveries) {
    if (d.ok) delivered++
    else failed++
    if (d.attempt > 1) retries++
    if (d.fault) faults[d.fault] = (faults[d.fault] ?? 0) + 1
    if (d.durationMs !== undefined) durations.push(d.durationMs)
  }
  return { delivered, failed, retries, faults, latency: percentiles(durations) }
}

/** Builds the snapshot (O(teams + retained records)). */
export const snapshot = (engine: Engine): Snapshot => {
  const now = engine.tick()
  const options = engine.options
  const teams: Array<TeamSnapshot> = []
  const byStatus = { "in-progress": 0, done: 0, error: 0 }
  let created = 0
  for (const key of options.apiKeys) {
    const team = engine.teamOf(key)
    if (!team) continue
    const { teamId, keyFingerprint, ...stats } = team.stats
    teams.push({
      teamId,
      keyFingerprint,
      credits: team.credits,
      hooks: team.hooks.size,
      stats: { ...stats, byStatus: { ...stats.byStatus } },
      window: windowOf(team, options, now)
    })
    created += stats.enrichmentsCreated
    for (const s of ["in-progress", "done", "error"] as const) byStatus[s] += stats.byStatus[s]
  }
  const requests = engine.requests.toArray()
  const byClass: Record<RequestClass, number> = { "2xx": 0, "4xx": 0, "429": 0, "5xx": 0, connection: 0 }
  for (const r of requests) byClass[requestClass(r)]++
  const deliveries = engine.deliveries.toArray()
  const { apiKeys, credits: _credits, leads, ...rest } = options
  return {
    epoch: engine.epoch,
    now,
    teams,
    enrichments: { stored: engine.enrichments.size, byStatus, created, pending: engine.pendingCount(), version: engine.enrichmentsVersion },
    deliveries: { seq: engine.deliveries.seq, retained: deliveries.length, ...deliverySummary(deliveries) },
    requests: { seq: engine.requests.seq, retained: requests.length, byClass },
    options: { ...rest, leads: leads.length, apiKeys: apiKeys.length },
    injected: engine.injected.map((q) => ({
      fault: q.spec.fault,
      route: q.spec.route ?? null,
      left: q.left,
      status: q.spec.fault === "serverError" ? q.spec.status ?? 500 : null
    }))
  }
}
