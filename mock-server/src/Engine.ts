/**
 * The mock's engine: teams, enrichment creation, asynchronous completion (one timer for all
 * pending enrichments, none at all when latency is 0), credits, retention, records and
 * webhooks. Routes call it; the admin handle reads it.
 *
 * @since 0.1.0
 */
import { type Bulk, type EnrichmentType, Result } from "@lemlist-effect/contract"
import type { MockClock } from "./Clock.js"
import { type InjectedFault } from "./Faults.js"
import type { RequestFault } from "./Faults.js"
import { creditsFor, merge, type OptionsUpdate, type ResolvedOptions, type RouteName } from "./Options.js"
import { hash, makeId, makeRng, type Rng } from "./Random.js"
import { costOf, generate, type Generated } from "./ResultGenerator.js"
import { BoundedLog, type EnrichmentRecord, Fifo, makeTeam, PendingHeap, type Team } from "./State.js"
import { type Delivery, makeWebhooks } from "./Webhooks.js"
import type { DirectPost } from "./internal/webhookClient.js"

/**
 * One recorded request (never the API key: the team id stands for it).
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly route: RouteName | undefined
  readonly status: number
  /** Mock clock time when the request arrived. */
  readonly time: number
  readonly teamId: string | undefined
  readonly fault?: RequestFault | undefined
  /** Enrichments the request created (omitted when none), also when its answer was lost. */
  readonly created?: number | undefined
}

const errorMessages = {
  PROVIDER_ERROR: "The enrichment provider failed",
  INSUFFICIENT_CREDITS: "Not enough credits to run this enrichment"
} as const

/**
 * @since 0.1.0
 * @category models
 */
export type Engine = ReturnType<typeof makeEngine>

/**
 * What changed in the mock's state: the dashboard's live feed listens for these (never polls).
 * `closed` is the last one: the mock was closed.
 *
 * @example
 * ```ts
 * import type { Change } from "@lemlist-effect/mock-server/Engine"
 *
 * // What the feed behind GET /__mock/events gives `engine.onChange`.
 * const onChange = (change: Change) => {
 *   if (change === "closed") console.log("the mock closed: end the stream")
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Change = "requests" | "deliveries" | "enrichments" | "teams" | "options" | "reset" | "closed"

/**
 * @since 0.1.0
 * @category constructors
 */
export const makeEngine = (
  initial: ResolvedOptions,
  clock: MockClock,
  /** `undefined`: deliver with the mock's own keep-alive HTTP client. */
  webhookFetch: () => typeof fetch | undefined,
  /** Delivers without HTTP (option `webhooks.post`), before `webhookFetch`. */
  webhookPost?: DirectPost
) => {
  let options = initial
  // Listeners cost nothing when there are none (the hot paths test the size first).
  const listeners = new Set<(change: Change) => void>()
  const notify = (change: Change): void => {
    if (listeners.size > 0) for (const l of listeners) l(change)
  }
  let epoch = 0
  let closed = false
  let enrichmentsVersion = 0
  const teamsByKey = new Map<string, Team>()
  const teamsById = new Map<string, Team>()
  const enrichments = new Map<string, EnrichmentRecord>()
  const pending = new PendingHeap()
  const retention = new Fifo<EnrichmentRecord>()
  const requests = new BoundedLog<RecordedRequest>(() => options.maxRecords, () => notify("requests"))
  const deliveries = new BoundedLog<Delivery>(() => options.maxRecords, () => notify("deliveries"))
  const injected: Array<{ spec: InjectedFault; left: number }> = []
  // Separate streams, so that e.g. turning a fault on never shifts the ids.
  let rngs: { ids: Rng; latency: Rng; faults: Rng; webhooks: Rng; hooks: Rng } = seedRngs(options.seed)
  let timer: { at: number; cancel: () => void } | undefined

  function seedRngs(seed: number) {
    return {
      ids: makeRng(hash("ids", seed)),
      latency: makeRng(hash("latency", seed)),
      faults: makeRng(hash("faults", seed)),
      webhooks: makeRng(hash("webhooks", seed)),
      hooks: makeRng(hash("hooks", seed))
    }
  }

  const webhooks = makeWebhooks({
    clock,
    options: () => options,
    fetch: webhookFetch,
    post: webhookPost,
    rng: () => rngs.webhooks,
    record: (d) => deliveries.push(d)
  })

  const syncTeams = () => {
    for (const key of options.apiKeys) {
      if (!teamsByKey.has(key)) {
        const team = makeTeam(key, creditsFor(options, key), options.seed)
        teamsByKey.set(key, team)
        teamsById.set(team.id, team)
      }
    }
  }
  syncTeams()

  /** The team of a key that is currently configured. */
  const teamOf = (apiKey: string): Team | undefined =>
    options.apiKeys.includes(apiKey) ? teamsByKey.get(apiKey) : undefined

  const latencyMs = (): number => {
    const l = options.latency
    if (typeof l === "number") return l
    return l.maxMs <= l.minMs ? l.minMs : Math.round(l.minMs + rngs.latency() * (l.maxMs - l.minMs))
  }

  /** `generated`: the record's result when the caller has it already (completion). */
  const webhookBody = (r: EnrichmentRecord, generated?: Generated): Result.WebhookBody => {
    const meta = r.metadata === undefined ? {} : { metadata: r.metadata }
    if (r.status === "error") {
      const code = r.errorCode ?? "PROVIDER_ERROR"
      return { type: "enrichmentError", data: [{ id: r.id, data: {}, error: { code, message: errorMessages[code] }, ...meta }] }
    }
    const g = generated ?? generate(r.input, r.types, r.seed, r.mix)
    const data = g._tag === "Done" ? Result.toWebhookData(g.result) : {}
    return { type: "enrichmentDone", data: [{ id: r.id, data, ...meta }] }
  }

  const complete = (r: EnrichmentRecord, now: number): void => {
    if (r.status !== "in-progress") return
    const team = r.team
    const g = generate(r.input, r.types, r.seed, r.mix)
    if (g._tag === "ProviderError") {
      r.status = "error"
      r.errorCode = "PROVIDER_ERROR"
    } else {
      const cost = costOf(g.result, options.costs)
      if (cost > team.credits) {
        // Assumption (docs/decisions.md #13): an enrichment that cannot be paid ends in error; the
        // balance never goes below zero.
        r.status = "error"
        r.errorCode = "INSUFFICIENT_CREDITS"
      } else {
        team.credits -= cost
        team.stats.creditsSpent += cost
        r.creditsCharged = cost
        r.status = "done"
      }
      if (r.leadId !== undefined) {
        const lead = team.leads.get(r.leadId)
        if (lead && r.status === "done") {
          for (const [type, found] of Object.entries(g.result) as Array<[string, { found?: boolean } | undefined]>) {
            if (found && found.found === false) lead.notFound.add(type)
            else lead.enriched.add(type)
          }
        }
      }
    }
    if (r.leadId !== undefined) {
      const lead = team.leads.get(r.leadId)
      if (lead && lead.running === r) lead.running = undefined
    }
    team.stats.byStatus["in-progress"]--
    team.stats.byStatus[r.status]++
    r.completedAt = now
    // With `forgetDelivered`, kept only until its webhook is delivered, or for the retention if
    // it never is.
    const forget = options.webhooks.forgetDelivered && r.webhookUrl !== undefined
    if (!forget) retention.push(r)
    enrichmentsVersion++
    notify("enrichments")
    // Webhooks: the request's own URL (no secret), then the team's hooks (with their secret).
    let body: Result.WebhookBody | undefined
    if (r.webhookUrl !== undefined) {
      webhooks.send(r.webhookUrl, (body ??= webhookBody(r, g)), forget ? (delivered) => settled(r, delivered) : undefined)
    }
    if (team.hooks.size > 0) {
      for (const hook of team.hooks.values()) {
        body ??= webhookBody(r, g)
        if (hook.type !== undefined && hook.type !== body.type) continue
        webhooks.send(hook.targetUrl, hook.secret === undefined ? body : { ...body, secret: hook.secret })
      }
    }
  }

  /** A forgetting mock's enrichment whose webhook is done: gone if delivered, else kept for the retention. */
  const settled = (r: EnrichmentRecord, delivered: boolean): void => {
    if (!delivered) {
      retention.push(r)
      return
    }
    if (enrichments.get(r.id) !== r) return
    enrichments.delete(r.id)
    enrichmentsVersion++
    notify("enrichments")
  }

  const completeDue = (now: number): void => {
    for (let r = pending.peek(); r !== undefined && r.completesAt <= now; r = pending.peek()) {
      pending.pop()
      complete(r, now)
    }
  }

  const sweep = (now: number): void => {
    const keep = options.retentionMs
    for (let r = retention.peek(); r !== undefined && (r.completedAt ?? 0) + keep <= now; r = retention.peek()) {
      retention.shift()
      if (enrichments.get(r.id) === r) enrichments.delete(r.id)
      enrichmentsVersion++
      notify("enrichments")
    }
  }

  const arm = (): void => {
    const next = pending.peek()
    if (!next) {
      timer?.cancel()
      timer = undefined
      return
    }
    if (timer && timer.at <= next.completesAt) return
    timer?.cancel()
    const at = next.completesAt
    const cancel = clock.setTimeout(() => {
      timer = undefined
      tick()
      arm()
    }, at - clock.now())
    timer = { at, cancel }
  }

  /** Brings the state up to the clock: due enrichments complete, expired ones go. */
  const tick = (): number => {
    const now = clock.now()
    completeDue(now)
    sweep(now)
    return now
  }

  const newId = (): string => {
    for (;;) {
      const id = makeId("enr", rngs.ids)
      if (!enrichments.has(id)) return id
    }
  }

  /**
   * Creates an enrichment. With latency 0 it completes at once (no timer).
   */
  const create = (
    team: Team,
    input: Bulk.EnrichmentInput,
    types: ReadonlyArray<EnrichmentType.EnrichmentType>,
    metadata: Bulk.Metadata | undefined,
    webhookUrl: string | undefined,
    leadId: string | undefined,
    now: number
  ): EnrichmentRecord => {
    const latency = latencyMs()
    const r: EnrichmentRecord = {
      id: newId(),
      team,
      input,
      types,
      metadata,
      webhookUrl,
      leadId,
      createdAt: now,
      completesAt: now + latency,
      seed: options.seed,
      mix: options.results,
      status: "in-progress",
      errorCode: undefined,
      completedAt: undefined,
      creditsCharged: 0
    }
    enrichments.set(r.id, r)
    team.stats.enrichmentsCreated++
    team.stats.byStatus["in-progress"]++
    enrichmentsVersion++
    notify("enrichments")
    if (latency <= 0) complete(r, now)
    else {
      pending.push(r)
      arm()
    }
    return r
  }

  const pollingBody = (r: EnrichmentRecord) => {
    const meta = r.metadata === undefined ? {} : { metadata: r.metadata }
    const base = { enrichmentId: r.id, enrichmentStatus: r.status, input: r.input }
    if (r.status === "in-progress") return { ...base, data: {}, ...meta }
    if (r.status === "error") {
      const code = r.errorCode ?? "PROVIDER_ERROR"
      return { ...base, data: {}, error: { code, message: errorMessages[code] }, ...meta }
    }
    const g = generate(r.input, r.types, r.seed, r.mix)
    return { ...base, data: g._tag === "Done" ? Result.toPollingData(g.result) : {}, ...meta }
  }

  const completeAll = async (): Promise<void> => {
    const now = clock.now()
    for (let r = pending.pop(); r !== undefined; r = pending.pop()) complete(r, now)
    arm()
    await webhooks.flush()
  }

  const reset = (to: ResolvedOptions): void => {
    timer?.cancel()
    timer = undefined
    webhooks.reset()
    options = to
    teamsByKey.clear()
    teamsById.clear()
    enrichments.clear()
    pending.clear()
    retention.clear()
    requests.clear()
    deliveries.clear()
    injected.length = 0
    rngs = seedRngs(options.seed)
    syncTeams()
    epoch++
    enrichmentsVersion++
    notify("reset")
  }

  const setOptions = (update: OptionsUpdate): ResolvedOptions => {
    const before = options
    options = merge(options, update)
    if (options.seed !== before.seed) rngs = seedRngs(options.seed)
    syncTeams()
    if (update.credits !== undefined) for (const t of teamsByKey.values()) t.credits = creditsFor(options, t.apiKey)
    notify("options")
    return options
  }

  return {
    get options() {
      return options
    },
    clock,
    teamOf,
    teamsByKey,
    teamsById,
    enrichments,
    requests,
    deliveries,
    injected,
    get faultRng() {
      return rngs.faults
    },
    hookRng: () => rngs.hooks,
    webhooks,
    tick,
    create,
    pollingBody,
    completeAll,
    reset,
    setOptions,
    pendingCount: () => pending.size,
    /** Bumped by `reset`: a reader holding sequence numbers from before must start over. */
    get epoch() {
      return epoch
    },
    /** Bumped whenever an enrichment is created, completed or forgotten. */
    get enrichmentsVersion() {
      return enrichmentsVersion
    },
    notify,
    get closed() {
      return closed
    },
    /** Calls `listener` after each state change (synchronously: it should only take note). */
    onChange: (listener: (change: Change) => void): (() => void) => {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    close: (): void => {
      closed = true
      timer?.cancel()
      timer = undefined
      webhooks.reset()
      webhooks.close()
      notify("closed")
      listeners.clear()
    }
  }
}
