/**
 * The mock's options: what a test or the command line may change, their defaults, and how a
 * partial update merges into the current set.
 *
 * @since 0.1.0
 */
import { EnrichmentType } from "@lemlist-effect/contract"
import type { Bulk } from "@lemlist-effect/contract"
import type { MockClock } from "./Clock.js"

/**
 * Completion latency of an enrichment in milliseconds: a constant (0 = done at once) or a
 * uniform range drawn from the seeded random source.
 *
 * @since 0.1.0
 * @category models
 */
export type Latency = number | { readonly minMs: number; readonly maxMs: number }

/**
 * How generated results are distributed.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResultMix {
  /** Probability that a workflow finds something (verify always answers a status). Defaults: find_email 0.7, find_phone 0.4, linkedin_enrichment 0.8. */
  readonly found?: Partial<Record<"find_email" | "find_phone" | "linkedin_enrichment", number>>
  /** Weights of the verify statuses (also used for the status of a found email). Default 0.7 / 0.15 / 0.1 / 0.05. */
  readonly verify?: Partial<Record<"deliverable" | "risky" | "undeliverable" | "unknown", number>>
  /** Probability that an enrichment ends `error` with code `PROVIDER_ERROR`. Default 0. */
  readonly providerErrorRate?: number
}

/**
 * Fault probabilities, each 0..1, drawn from the seeded random source per request (or per
 * webhook delivery). All default to 0.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultOptions {
  /** Answer 500, 502 or 503 without doing anything. */
  readonly serverError?: number
  /** Delay the answer by `slowMs` (on the mock's clock). */
  readonly slow?: number
  /** Delay of a slow answer. Default 15000. */
  readonly slowMs?: number
  /** Drop the connection before the answer: nothing is processed. */
  readonly drop?: number
  /** Process the request (enrichments created and recorded), then drop the connection. */
  readonly lostAnswer?: number
  /** Refuse the connection: nothing processed, nothing counted. */
  readonly refused?: number
  /** A webhook delivery is never sent (no retries). */
  readonly webhookDrop?: number
  /** A successful webhook delivery is sent a second time. */
  readonly webhookDuplicate?: number
  /** A webhook delivery waits `webhookDelayMs` before its first attempt. */
  readonly webhookDelay?: number
  /** Extra delay of a delayed webhook. Default 5000. */
  readonly webhookDelayMs?: number
  /** A webhook delivery is held back and sent after the next one (or after `webhookDelayMs`). */
  readonly webhookReorder?: number
  /** Probability per request that a 429 storm starts for that team. */
  readonly rateLimitStorm?: number
  /** How long a 429 storm lasts. Default 5000. */
  readonly rateLimitStormMs?: number
  /** Limit request faults to these routes (default: every lemlist route). */
  readonly routes?: ReadonlyArray<RouteName>
}

/**
 * The lemlist routes, by name (for fault targeting and request records).
 *
 * @since 0.1.0
 * @category models
 */
export type RouteName = "bulk" | "enrich" | "getEnrichment" | "enrichLead" | "credits" | "hooks" | "hook"

/**
 * A lead of the `/leads/{leadId}/enrich` fixture.
 *
 * @since 0.1.0
 * @category models
 */
export interface LeadFixture {
  /** `lea_…` id. */
  readonly id: string
  /** API key of the team owning the lead (default: the first key). */
  readonly apiKey?: string
  /** The contact's data; `null` gives 404 `CONTACT_NOT_FOUND`. */
  readonly contact: Bulk.EnrichmentInput | null
  /** Workflows whose data the contact already has (409 `ALREADY_ENRICHED` unless `force=true`). */
  readonly enriched?: ReadonlyArray<EnrichmentType.EnrichmentType>
  /** Every enrichment of this lead answers 500 `Failed to enrich lead`. */
  readonly failing?: boolean
}

/**
 * Options of `makeMockServer`. Every field is optional.
 *
 * @example
 * ```ts
 * import { makeMockServer } from "@lemlist-effect/mock-server"
 *
 * const server = makeMockServer({
 *   apiKeys: ["key-a", "key-b"],
 *   seed: 7,
 *   latency: { minMs: 200, maxMs: 3000 },
 *   credits: { "key-a": 1000, "key-b": 0 },
 *   faults: { lostAnswer: 0.1 }
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface MockOptions {
  /** API keys; each is its own team (credits, hooks, enrichments, rate-limit window). Default `["test-key"]`. */
  readonly apiKeys?: ReadonlyArray<string>
  /** Seed of every random choice. Default 1. */
  readonly seed?: number
  /** Time source. Default: real time. Use `effectClock` under `it.effect`. */
  readonly clock?: MockClock
  /** Completion latency. Default `{ minMs: 200, maxMs: 3000 }`. */
  readonly latency?: Latency
  /** Result distribution. */
  readonly results?: ResultMix
  /** Starting credits, for every key or per key. Default 100000. */
  readonly credits?: number | Readonly<Record<string, number>>
  /** Out of credits: `fail` (accepted, ends `error` `INSUFFICIENT_CREDITS`) or `reject` (402). Default `fail`. */
  readonly creditMode?: "fail" | "reject"
  /** Credit cost per workflow. Default lemlist's 5 / 20 / 1 / 1. */
  readonly costs?: Partial<EnrichmentType.CreditCosts>
  /** Rate limit: `limit` requests per `windowMs` per key. Default on, 20 per 2000 ms, sliding. */
  readonly rateLimit?: {
    readonly enabled?: boolean
    readonly limit?: number
    readonly windowMs?: number
    readonly algorithm?: "sliding" | "fixed"
  }
  /** Webhook delivery. */
  readonly webhooks?: {
    /** Retries after the first failed attempt. Default 3. */
    readonly retries?: number
    /** First retry delay, doubled each time. Default 1000. */
    readonly baseDelayMs?: number
    /** An attempt fails without a 2xx within this time. Default 10000. */
    readonly timeoutMs?: number
    /** Deliver to non-loopback hosts too. Default false. */
    readonly allowNonLoopback?: boolean
    /** Deliveries in flight at once. Default 32. */
    readonly concurrency?: number
    /** The fetch used to deliver (e.g. an in-process receiver). Default `globalThis.fetch`. */
    readonly fetch?: typeof fetch
  }
  /** Fault injection. */
  readonly faults?: FaultOptions
  /** Completed enrichments are forgotten this long after completion. Default 3600000 (1 h). */
  readonly retentionMs?: number
  /** Leads of `/leads/{leadId}/enrich`. */
  readonly leads?: ReadonlyArray<LeadFixture>
  /** Largest accepted request body; larger ones get 413 before being buffered. Default 5 MiB. */
  readonly maxBodyBytes?: number
  /** Most request and delivery records kept (oldest dropped first). Default 10000. */
  readonly maxRecords?: number
}

/**
 * Options with every default applied.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedOptions {
  readonly apiKeys: ReadonlyArray<string>
  readonly seed: number
  readonly latency: Latency
  readonly results: {
    readonly found: Readonly<Record<"find_email" | "find_phone" | "linkedin_enrichment", number>>
    readonly verify: Readonly<Record<"deliverable" | "risky" | "undeliverable" | "unknown", number>>
    readonly providerErrorRate: number
  }
  readonly credits: number | Readonly<Record<string, number>>
  readonly creditMode: "fail" | "reject"
  readonly costs: EnrichmentType.CreditCosts
  readonly rateLimit: {
    readonly enabled: boolean
    readonly limit: number
    readonly windowMs: number
    readonly algorithm: "sliding" | "fixed"
  }
  readonly webhooks: {
    readonly retries: number
    readonly baseDelayMs: number
    readonly timeoutMs: number
    readonly allowNonLoopback: boolean
    readonly concurrency: number
  }
  readonly faults: Required<Omit<FaultOptions, "routes">> & { readonly routes: ReadonlyArray<RouteName> | undefined }
  readonly retentionMs: number
  readonly leads: ReadonlyArray<LeadFixture>
  readonly maxBodyBytes: number
  readonly maxRecords: number
}

/**
 * The JSON-serialisable part of the options that `PUT /__mock/options` and
 * `handle.setOptions` accept (not the clock, not the webhook fetch).
 *
 * @since 0.1.0
 * @category models
 */
export type OptionsUpdate = Omit<MockOptions, "clock">

const defaultFaults = {
  serverError: 0,
  slow: 0,
  slowMs: 15_000,
  drop: 0,
  lostAnswer: 0,
  refused: 0,
  webhookDrop: 0,
  webhookDuplicate: 0,
  webhookDelay: 0,
  webhookDelayMs: 5_000,
  webhookReorder: 0,
  rateLimitStorm: 0,
  rateLimitStormMs: 5_000,
  routes: undefined
}

/**
 * The defaults.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: ResolvedOptions = {
  apiKeys: ["test-key"],
  seed: 1,
  // Assumption (ours): lemlist documents no latency; 0.2-3 s looks like a real provider.
  latency: { minMs: 200, maxMs: 3000 },
  results: {
    found: { find_email: 0.7, find_phone: 0.4, linkedin_enrichment: 0.8 },
    verify: { deliverable: 0.7, risky: 0.15, undeliverable: 0.1, unknown: 0.05 },
    providerErrorRate: 0
  },
  credits: 100_000,
  creditMode: "fail",
  costs: EnrichmentType.defaultCosts,
  // Assumption (docs/decisions.md #14): sliding window by default.
  rateLimit: { enabled: true, limit: 20, windowMs: 2000, algorithm: "sliding" },
  // Assumption (docs/decisions.md #11): 3 retries, exponential from 1 s, 10 s timeout.
  webhooks: { retries: 3, baseDelayMs: 1000, timeoutMs: 10_000, allowNonLoopback: false, concurrency: 32 },
  faults: defaultFaults,
  // Assumption (ours): lemlist documents no retention period.
  retentionMs: 3_600_000,
  leads: [],
  maxBodyBytes: 5 * 1024 * 1024,
  maxRecords: 10_000
}

const clamp01 = (n: unknown, fallback: number): number =>
  typeof n === "number" && Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : fallback

const nonNegative = (n: unknown, fallback: number): number =>
  typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : fallback

const normaliseLatency = (latency: unknown, fallback: Latency): Latency => {
  if (typeof latency === "number") return nonNegative(latency, 0)
  if (latency && typeof latency === "object") {
    const { minMs, maxMs } = latency as { minMs?: unknown; maxMs?: unknown }
    const min = nonNegative(minMs, 0)
    const max = nonNegative(maxMs, min)
    return { minMs: Math.min(min, max), maxMs: Math.max(min, max) }
  }
  return fallback
}

/**
 * Merges a (possibly untrusted, e.g. from `PUT /__mock/options`) update into resolved
 * options. Nested groups merge field by field; unknown or ill-typed fields are ignored.
 *
 * @since 0.1.0
 * @category utils
 */
export const merge = (base: ResolvedOptions, update: OptionsUpdate | undefined): ResolvedOptions => {
  if (!update || typeof update !== "object") return base
  const u = update as Record<string, any>
  const results = u.results && typeof u.results === "object" ? u.results : {}
  const faults = u.faults && typeof u.faults === "object" ? u.faults : {}
  const rate = u.rateLimit && typeof u.rateLimit === "object" ? u.rateLimit : {}
  const hooks = u.webhooks && typeof u.webhooks === "object" ? u.webhooks : {}
  const found = results.found && typeof results.found === "object" ? results.found : {}
  const verify = results.verify && typeof results.verify === "object" ? results.verify : {}
  const costs = u.costs && typeof u.costs === "object" ? u.costs : {}
  const mergedFaults: Record<string, unknown> = { ...base.faults }
  for (const key of Object.keys(defaultFaults) as Array<keyof typeof defaultFaults>) {
    if (key === "routes") continue
    const isMs = key.endsWith("Ms")
    if (faults[key] !== undefined) {
      mergedFaults[key] = isMs
        ? nonNegative(faults[key], base.faults[key] as number)
        : clamp01(faults[key], base.faults[key] as number)
    }
  }
  if (faults.routes === null) mergedFaults.routes = undefined
  else if (Array.isArray(faults.routes)) mergedFaults.routes = faults.routes.filter((r: unknown) => typeof r === "string")
  return {
    apiKeys: Array.isArray(u.apiKeys) && u.apiKeys.every((k: unknown) => typeof k === "string" && k.length > 0)
      ? [...u.apiKeys]
      : base.apiKeys,
    seed: typeof u.seed === "number" && Number.isFinite(u.seed) ? u.seed : base.seed,
    latency: u.latency === undefined ? base.latency : normaliseLatency(u.latency, base.latency),
    results: {
      found: {
        find_email: clamp01(found.find_email, base.results.found.find_email),
        find_phone: clamp01(found.find_phone, base.results.found.find_phone),
        linkedin_enrichment: clamp01(found.linkedin_enrichment, base.results.found.linkedin_enrichment)
      },
      verify: {
        deliverable: nonNegative(verify.deliverable, base.results.verify.deliverable),
        risky: nonNegative(verify.risky, base.results.verify.risky),
        undeliverable: nonNegative(verify.undeliverable, base.results.verify.undeliverable),
        unknown: nonNegative(verify.unknown, base.results.verify.unknown)
      },
      providerErrorRate: clamp01(results.providerErrorRate, base.results.providerErrorRate)
    },
    credits: typeof u.credits === "number" && u.credits >= 0
      ? Math.floor(u.credits)
      : u.credits && typeof u.credits === "object"
      ? { ...u.credits }
      : base.credits,
    creditMode: u.creditMode === "fail" || u.creditMode === "reject" ? u.creditMode : base.creditMode,
    costs: {
      find_email: nonNegative(costs.find_email, base.costs.find_email),
      find_phone: nonNegative(costs.find_phone, base.costs.find_phone),
      verify: nonNegative(costs.verify, base.costs.verify),
      linkedin_enrichment: nonNegative(costs.linkedin_enrichment, base.costs.linkedin_enrichment)
    },
    rateLimit: {
      enabled: typeof rate.enabled === "boolean" ? rate.enabled : base.rateLimit.enabled,
      limit: typeof rate.limit === "number" && rate.limit >= 1 ? Math.floor(rate.limit) : base.rateLimit.limit,
      windowMs: typeof rate.windowMs === "number" && rate.windowMs >= 1 ? rate.windowMs : base.rateLimit.windowMs,
      algorithm: rate.algorithm === "fixed" || rate.algorithm === "sliding" ? rate.algorithm : base.rateLimit.algorithm
    },
    webhooks: {
      retries: typeof hooks.retries === "number" && hooks.retries >= 0 ? Math.floor(hooks.retries) : base.webhooks.retries,
      baseDelayMs: nonNegative(hooks.baseDelayMs, base.webhooks.baseDelayMs),
      timeoutMs: typeof hooks.timeoutMs === "number" && hooks.timeoutMs > 0 ? hooks.timeoutMs : base.webhooks.timeoutMs,
      allowNonLoopback: typeof hooks.allowNonLoopback === "boolean"
        ? hooks.allowNonLoopback
        : base.webhooks.allowNonLoopback,
      concurrency: typeof hooks.concurrency === "number" && hooks.concurrency >= 1
        ? Math.floor(hooks.concurrency)
        : base.webhooks.concurrency
    },
    faults: mergedFaults as ResolvedOptions["faults"],
    retentionMs: nonNegative(u.retentionMs, base.retentionMs),
    leads: Array.isArray(u.leads) ? u.leads : base.leads,
    maxBodyBytes: typeof u.maxBodyBytes === "number" && u.maxBodyBytes >= 1 ? u.maxBodyBytes : base.maxBodyBytes,
    maxRecords: typeof u.maxRecords === "number" && u.maxRecords >= 0 ? Math.floor(u.maxRecords) : base.maxRecords
  }
}

/**
 * Resolves user options against the defaults.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: MockOptions | undefined): ResolvedOptions => merge(defaults, options)

/**
 * Starting credits of one key.
 *
 * @since 0.1.0
 * @category utils
 */
export const creditsFor = (options: ResolvedOptions, apiKey: string): number => {
  const c = options.credits
  if (typeof c === "number") return c
  const n = c[apiKey]
  return typeof n === "number" && n >= 0 ? Math.floor(n) : defaults.credits as number
}
