/**
 * The mock's options: what a test or the command line may change, their defaults, and how a
 * partial update merges into the current set.
 *
 * @since 0.1.0
 */
import { EnrichmentType } from "@lemlist-effect/contract"
import type { Bulk } from "@lemlist-effect/contract"
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { MockClock } from "./Clock.js"
import { Latency as LatencySchema, OptionsUpdate as OptionsUpdateSchema } from "./internal/adminSchemas.js"

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
    /**
     * Forget a completed enrichment as soon as a webhook to its request's `webhookUrl` got a
     * 2xx (GET answers 404 after), instead of keeping it for `retentionMs`. For a mock embedded
     * in one run that reads results by webhook only, so that its memory stays flat however many
     * enrichments the run makes. One that is never delivered is kept for `retentionMs`. Default
     * false.
     */
    readonly forgetDelivered?: boolean
    /**
     * The fetch used to deliver (e.g. an in-process receiver). Default: the mock's own
     * keep-alive HTTP client (undici), or `globalThis.fetch` when that was replaced.
     */
    readonly fetch?: typeof fetch
    /**
     * Delivers without HTTP, e.g. to a receiver in the same process: called with the webhook's
     * URL and JSON body, it resolves with the status the receiver answered (a rejection counts
     * as a network error; `timeoutMs` still applies). Before `fetch` when both are given.
     */
    readonly post?: (url: string, body: string) => Promise<number>
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
    readonly forgetDelivered: boolean
  }
  readonly faults: Required<Omit<FaultOptions, "routes">> & { readonly routes: ReadonlyArray<RouteName> | undefined }
  readonly retentionMs: number
  readonly leads: ReadonlyArray<LeadFixture>
  readonly maxBodyBytes: number
  readonly maxRecords: number
}

/**
 * The JSON-serialisable part of the options that `PUT /__mock/options` and
 * `handle.setOptions` accept (not the clock, not the webhook `fetch` or `post`).
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
  webhooks: { retries: 3, baseDelayMs: 1000, timeoutMs: 10_000, allowNonLoopback: false, concurrency: 32, forgetDelivered: false },
  faults: defaultFaults,
  // Assumption (ours): lemlist documents no retention period.
  retentionMs: 3_600_000,
  leads: [],
  maxBodyBytes: 5 * 1024 * 1024,
  maxRecords: 10_000
}

/**
 * Invalid mock options: each invalid value, with where it is and why. `makeMockServer` and
 * `handle.setOptions` throw it; `PUT /__mock/options` answers it as a 400.
 *
 * @example
 * ```ts
 * import { decodeUpdate } from "@lemlist-effect/mock-server/Options"
 * import { Either } from "effect"
 *
 * const result = decodeUpdate({ faults: { slow: 2 } })
 * if (Either.isLeft(result)) result.left.message
 * // "invalid mock options: faults.slow: Expected a number between 0 and 1, actual 2"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class MockOptionsError extends Data.TaggedError("MockOptionsError")<{
  readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>
}> {
  override get message() {
    return `invalid mock options: ${this.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`
  }
}

const decodeData = Schema.decodeUnknownEither(OptionsUpdateSchema, { errors: "all", onExcessProperty: "error" })

// Every optional field is a union with `undefined`: its "Expected undefined" branch says nothing.
const issuesOf = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).filter((i) => !i.message.startsWith("Expected undefined,")).map((i) => ({
    path: i.path.length === 0 ? "(options)" : i.path.join("."),
    message: i.message
  }))

/**
 * Decodes options (from code, the command line or `PUT /__mock/options`): every field checked,
 * unknown fields refused. The clock and the webhook `fetch` and `post` are code and pass through unchecked.
 *
 * @example
 * ```ts
 * import { decodeUpdate } from "@lemlist-effect/mock-server/Options"
 *
 * decodeUpdate({ latency: { minMs: 10, maxMs: 20 } }) // Either.right({ latency: { minMs: 10, maxMs: 20 } })
 * decodeUpdate({ rateLimit: { limit: 0 } }) // Either.left(MockOptionsError: rateLimit.limit: ...)
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeUpdate = (input: unknown): Either.Either<OptionsUpdate, MockOptionsError> => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return Either.left(new MockOptionsError({ issues: [{ path: "(options)", message: "expected an object" }] }))
  }
  const { clock: _clock, ...data } = input as Record<string, unknown>
  const hooks = data.webhooks
  if (typeof hooks === "object" && hooks !== null) {
    const { fetch: _fetch, post: _post, ...rest } = hooks as Record<string, unknown>
    data.webhooks = rest
  }
  return Either.mapLeft(decodeData(data), (e) => new MockOptionsError({ issues: issuesOf(e) })) as Either.Either<
    OptionsUpdate,
    MockOptionsError
  >
}

/**
 * Parses a latency as the command lines write it: `500` (fixed) or a range `200-3000` (also
 * `200..3000`), in milliseconds. The error says what is expected.
 *
 * @example
 * ```ts
 * import { parseLatency } from "@lemlist-effect/mock-server"
 *
 * parseLatency("200..3000") // Either.right({ minMs: 200, maxMs: 3000 })
 * parseLatency("0") // Either.right(0)
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const parseLatency = (text: string): Either.Either<Latency, string> => {
  const m = /^\s*(\d+)\s*(?:(?:-|\.\.)\s*(\d+)\s*)?$/.exec(text)
  const expected = "expected milliseconds, like 500 or 200-3000"
  if (!m) return Either.left(expected)
  const latency: Latency = m[2] === undefined ? Number(m[1]) : { minMs: Number(m[1]), maxMs: Number(m[2]) }
  return Either.mapLeft(Schema.decodeUnknownEither(LatencySchema)(latency), () => "the maximum is below the minimum")
}

const defined = <A extends object>(update: Partial<A> | undefined): Partial<A> => {
  const out: Partial<A> = {}
  for (const [k, v] of Object.entries(update ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}

/**
 * Merges an update into resolved options: nested groups merge field by field. The update is
 * decoded first (it may come from `PUT /__mock/options`): an invalid or unknown field throws a
 * {@link MockOptionsError} naming each, and nothing changes.
 *
 * @example
 * ```ts
 * import { defaults, merge } from "@lemlist-effect/mock-server/Options"
 *
 * merge(defaults, { rateLimit: { limit: 5 } }).rateLimit // { enabled: true, limit: 5, windowMs: 2000, algorithm: "sliding" }
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const merge = (base: ResolvedOptions, update: OptionsUpdate | undefined): ResolvedOptions => {
  if (update === undefined) return base
  const decoded = decodeUpdate(update)
  if (Either.isLeft(decoded)) throw decoded.left
  const u = decoded.right
  const { routes, ...faults } = u.faults ?? {}
  return {
    apiKeys: u.apiKeys ?? base.apiKeys,
    seed: u.seed ?? base.seed,
    latency: u.latency ?? base.latency,
    results: {
      found: { ...base.results.found, ...defined(u.results?.found) },
      verify: { ...base.results.verify, ...defined(u.results?.verify) },
      providerErrorRate: u.results?.providerErrorRate ?? base.results.providerErrorRate
    },
    credits: u.credits ?? base.credits,
    creditMode: u.creditMode ?? base.creditMode,
    costs: { ...base.costs, ...defined(u.costs) },
    rateLimit: { ...base.rateLimit, ...defined(u.rateLimit) },
    webhooks: { ...base.webhooks, ...defined(u.webhooks) },
    // `routes: null` clears the route filter.
    faults: { ...base.faults, ...defined(faults), routes: routes === undefined ? base.faults.routes : routes ?? undefined },
    retentionMs: u.retentionMs ?? base.retentionMs,
    leads: u.leads ?? base.leads,
    maxBodyBytes: u.maxBodyBytes ?? base.maxBodyBytes,
    maxRecords: u.maxRecords ?? base.maxRecords
  }
}

/**
 * Resolves user options against the defaults. Throws a {@link MockOptionsError} for an invalid
 * or unknown field.
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
