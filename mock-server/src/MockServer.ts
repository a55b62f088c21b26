/**
 * `makeMockServer`: the Hono app, an in-process `fetch` that simulates connection faults, and
 * the admin handle.
 *
 * @since 0.1.0
 */
import type { Bulk, EnrichmentType } from "@lemlist-effect/contract"
import { Hono } from "hono"
import { type MockClock, realClock } from "./Clock.js"
import { type Engine, makeEngine, type RecordedRequest } from "./Engine.js"
import { connectionError, connectionFaultHeader, type InjectedFault } from "./Faults.js"
import { unlessAborted } from "./internal/abortable.js"
import { view } from "./internal/view.js"
import { nativeFetch } from "./internal/webhookClient.js"
import { type MockOptions, type OptionsUpdate, resolve, type ResolvedOptions } from "./Options.js"
import { adminRoutes } from "./routes/admin.js"
import { lemlistRoutes } from "./routes/lemlist.js"
import type { EnrichmentStatus, TeamStats } from "./State.js"
import type { Delivery } from "./Webhooks.js"

/**
 * A stored enrichment, as the admin API shows it.
 *
 * @since 0.1.0
 * @category models
 */
export interface EnrichmentView {
  readonly id: string
  readonly teamId: string
  readonly input: Bulk.EnrichmentInput
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  readonly metadata?: Bulk.Metadata
  readonly status: EnrichmentStatus
  readonly errorCode?: string
  readonly createdAt: number
  readonly completesAt: number
  readonly completedAt?: number
  readonly creditsCharged: number
  readonly webhookUrl?: string
  readonly leadId?: string
}

/**
 * Per-team counters (keyed by team id; the key itself never appears, only a fingerprint).
 *
 * @since 0.1.0
 * @category models
 */
export type TeamStatsView = Readonly<TeamStats> & { readonly credits: number }

/**
 * The admin handle: the same operations as the admin HTTP API under `/__mock`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MockHandle {
  /** Back to the start: state cleared, random sources reseeded, construction options restored. */
  readonly reset: () => void
  /** The options in force. */
  readonly options: () => ResolvedOptions
  /** Merges a partial update (nested groups merge field by field). `credits` resets balances. Throws `MockOptionsError` (and changes nothing) for an invalid or unknown field. */
  readonly setOptions: (update: OptionsUpdate) => ResolvedOptions
  /** Sets one key's balance. Throws for an unknown key. */
  readonly setCredits: (apiKey: string, credits: number) => void
  /** One key's balance. Throws for an unknown key. */
  readonly credits: (apiKey: string) => number
  /** Finishes every pending enrichment now and delivers its webhooks (first attempts, delayed and held ones included). */
  readonly completeAll: () => Promise<void>
  /** Recorded requests, oldest first (bounded by `maxRecords`). */
  readonly requests: () => ReadonlyArray<RecordedRequest>
  /** Webhook attempts, oldest first (bounded by `maxRecords`). */
  readonly deliveries: () => ReadonlyArray<Delivery>
  /** Counters per team id. */
  readonly stats: {
    (): Readonly<Record<string, TeamStatsView>>
    (apiKey: string): TeamStatsView
  }
  /** Stored enrichments (of one key, or all), in creation order. Expired ones are gone. */
  readonly enrichments: (apiKey?: string) => ReadonlyArray<EnrichmentView>
  /** The team id standing for a key in records and stats. */
  readonly teamId: (apiKey: string) => string
  /** Queues a one-shot fault for the next matching request(s). */
  readonly injectFault: (fault: InjectedFault) => void
  /** Enrichments still in progress. */
  readonly pending: () => number
  /** Stops every timer; later requests still answer but nothing completes by itself. */
  readonly close: () => Promise<void>
}

/**
 * A mock lemlist.
 *
 * @since 0.1.0
 * @category models
 */
export interface MockServer {
  /** The Hono app: lemlist under `/api`, admin under `/__mock`. */
  readonly app: Hono
  /**
   * In-process `fetch` (no socket), usable as `FetchHttpClient.Fetch`. Connection faults
   * reject like undici: `TypeError("fetch failed")` with `cause.code` `ECONNRESET`
   * (`drop`, `lostAnswer`) or `ECONNREFUSED` (`refused`). Relative URLs are accepted.
   */
  readonly fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  readonly handle: MockHandle
  /** The clock the mock runs on. */
  readonly clock: MockClock
}

const makeHandle = (engine: Engine, initial: ResolvedOptions): MockHandle => {
  const teamOrThrow = (apiKey: string) => {
    const team = engine.teamOf(apiKey)
    if (!team) throw new Error("lemlist mock: unknown API key")
    return team
  }
  const statsOf = (team: import("./State.js").Team): TeamStatsView => ({
    ...team.stats,
    byStatus: { ...team.stats.byStatus },
    credits: team.credits
  })
  function stats(): Readonly<Record<string, TeamStatsView>>
  function stats(apiKey: string): TeamStatsView
  function stats(apiKey?: string): Readonly<Record<string, TeamStatsView>> | TeamStatsView {
    if (apiKey !== undefined) return statsOf(teamOrThrow(apiKey))
    const out: Record<string, TeamStatsView> = {}
    for (const team of engine.teamsById.values()) out[team.id] = statsOf(team)
    return out
  }
  return {
    reset: () => engine.reset(initial),
    options: () => engine.options,
    setOptions: (update) => engine.setOptions(update),
    setCredits: (apiKey, credits) => {
      teamOrThrow(apiKey).credits = Math.max(0, Math.floor(credits))
      engine.notify("teams")
    },
    credits: (apiKey) => teamOrThrow(apiKey).credits,
    completeAll: () => engine.completeAll(),
    requests: () => engine.requests.toArray(),
    deliveries: () => engine.deliveries.toArray(),
    stats,
    enrichments: (apiKey) => {
      engine.tick()
      const team = apiKey === undefined ? undefined : teamOrThrow(apiKey)
      const out: Array<EnrichmentView> = []
      for (const r of engine.enrichments.values()) if (!team || r.team === team) out.push(view(r))
      return out
    },
    teamId: (apiKey) => teamOrThrow(apiKey).id,
    injectFault: (fault) => {
      engine.injected.push({ spec: fault, left: Math.max(1, Math.floor(fault.times ?? 1)) })
      engine.notify("options")
    },
    pending: () => engine.pendingCount(),
    close: async () => {
      engine.close()
    }
  }
}

/**
 * Builds a mock lemlist: lemlist's enrichment routes under `/api`, the admin API under
 * `/__mock`, an in-process `fetch` and the admin handle. Throws `MockOptionsError` for an
 * invalid or unknown option, naming each.
 *
 * @example
 * ```ts
 * import { makeMockServer } from "@lemlist-effect/mock-server"
 *
 * const server = makeMockServer({ apiKeys: ["key-a"], latency: 0, seed: 7 })
 * const res = await server.fetch("http://mock/api/v2/enrichments/bulk", {
 *   method: "POST",
 *   headers: { authorization: "Basic " + btoa(":key-a"), "content-type": "application/json" },
 *   body: JSON.stringify([{ input: { email: "ada@acme.com" }, enrichmentRequests: ["verify"] }])
 * })
 * await res.json() // [{ id: "enr_…" }]
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMockServer = (options: MockOptions = {}): MockServer => {
  const clock = options.clock ?? realClock
  const initial = resolve(options)
  // Node's own fetch is replaced by the same client without its WHATWG layer (much cheaper per
  // delivery); a fetch given in the options, or a replaced globalThis.fetch, is used as before.
  const engine = makeEngine(
    initial,
    clock,
    () => options.webhooks?.fetch ?? (globalThis.fetch === nativeFetch ? undefined : globalThis.fetch),
    options.webhooks?.post
  )
  const handle = makeHandle(engine, initial)
  const app = new Hono({ strict: false })
  app.route("/__mock", adminRoutes(engine, handle))
  app.route("/api", lemlistRoutes(engine))
  app.notFound((c) => c.text("Not found", 404))
  // Assumption (ours): whatever a request holds, the mock answers 400, never 500.
  app.onError((_err, c) => c.text("Bad request", 400))

  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = typeof input === "string" && input.startsWith("/")
      ? new Request(`http://lemlist.mock${input}`, init)
      : new Request(input, init)
    const signal = request.signal
    if (signal.aborted) throw signal.reason
    const answer = Promise.resolve(app.fetch(request))
    const res = await (signal
      ? unlessAborted(answer, (onAbort) => {
        signal.addEventListener("abort", onAbort, { once: true })
        return () => signal.removeEventListener("abort", onAbort)
      }, () => signal.reason)
      : answer)
    const fault = res.headers.get(connectionFaultHeader)
    if (fault !== null) throw connectionError(fault === "refused" ? "ECONNREFUSED" : "ECONNRESET")
    return res
  }

  return { app, fetch, handle, clock }
}
