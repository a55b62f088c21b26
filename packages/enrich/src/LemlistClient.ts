/**
 * The typed lemlist client: one method per enrichment route, paced by one shared limiter per
 * API key, with retries that never charge twice.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type { Bulk, EnrichmentType, Result, Team } from "@lemlist-effect/contract"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import * as internal from "./internal/client.js"
import * as internalRetry from "./internal/clientRetry.js"
import type { LemlistError } from "./LemlistError.js"
import type * as RequestPacer from "./RequestPacer.js"

/**
 * One entry of a bulk answer, in the order of the submitted items: an enrichment id, the
 * missing-input code lemlist gave that item, or (tolerance: docs/decisions.md) an entry of a shape
 * no documented variant matches, reported for that item alone. An `Undecodable` item may have
 * been created and charged: treat it as undetermined, never resend it blindly.
 *
 * @since 0.1.0
 * @category models
 */
export type BulkEntry =
  | { readonly _tag: "Accepted"; readonly id: string; readonly metadata: Bulk.Metadata | undefined }
  | { readonly _tag: "MissingInput"; readonly code: string; readonly metadata: Bulk.Metadata | undefined }
  | {
    readonly _tag: "Undecodable"
    readonly raw: unknown
    readonly description: string
    readonly metadata: Bulk.Metadata | undefined
  }

/**
 * The state of one enrichment, normalised from `GET /enrich/{id}`.
 *
 * @since 0.1.0
 * @category models
 */
export type EnrichmentStatus =
  | { readonly _tag: "InProgress"; readonly id: string }
  | {
    readonly _tag: "Done"
    readonly id: string
    readonly result: Result.EnrichmentResult
    readonly metadata: Bulk.Metadata | undefined
  }
  | {
    readonly _tag: "Failed"
    readonly id: string
    readonly code: string
    readonly description: string | undefined
    readonly metadata: Bulk.Metadata | undefined
  }
  | { readonly _tag: "UnknownStatus"; readonly id: string; readonly status: string; readonly raw: unknown }

/**
 * What a credit-spending call tells its caller about each attempt, so that a journal can
 * record "maybe sent" only while a request is really on the wire.
 *
 * The pacer wait and the waits between retries are interruptible (nothing is in flight then);
 * from `beforeSend` until the answer, the call is not (an interrupt waits for the answer or
 * the timeout). A failing hook fails the call with its own error, and no request leaves.
 *
 * @example
 * ```ts
 * import { LemlistClient } from "@lemlist-effect/enrich"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* LemlistClient.LemlistClient
 *   return yield* client.bulkEnrich([{ input: { email: "ada@example.com" }, enrichmentRequests: ["verify"] }], {
 *     hooks: {
 *       beforeSend: Effect.log("on the wire: a crash from now on leaves this call undetermined"),
 *       didNothing: Effect.log("refused before doing anything (429, never connected): safe to send again")
 *     }
 *   })
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SendHooks<E> {
  /** Runs once the pacer slot is taken, immediately before the request leaves (each attempt). */
  readonly beforeSend: Effect.Effect<void, E>
  /** Runs after an attempt that surely did nothing (429, connection never made), before any wait. */
  readonly didNothing: Effect.Effect<void, E>
}

/**
 * Counters of what the client did, for progress displays.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientStats {
  readonly requests: number
  readonly rateLimited: number
  readonly retries: number
}

/**
 * The client: one method per route. Every attempt is paced by the key's `RequestPacer`;
 * failures are typed (`LemlistError`) and retried by safety (see `Options.retry`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * `POST /v2/enrichments/bulk`: 1 to 500 items; one entry per item, in order. With `hooks`,
   * the caller learns the exact moment the request leaves (after its slot) and every attempt
   * that surely did nothing: the window in which a crash leaves the call's fate unknown is
   * then only the bytes on the wire (see {@link SendHooks}).
   */
  readonly bulkEnrich: <H = never>(
    items: NonEmptyReadonlyArray<Bulk.BulkItem>,
    options?: { readonly webhookUrl?: string | undefined; readonly hooks?: SendHooks<H> | undefined }
  ) => Effect.Effect<ReadonlyArray<BulkEntry>, LemlistError | H>
  /** `POST /enrich`: one person, inputs in the query string; the enrichment id. */
  readonly enrich: (
    input: Bulk.EnrichmentInput,
    types: NonEmptyReadonlyArray<EnrichmentType.EnrichmentType>,
    options?: { readonly webhookUrl?: string | undefined }
  ) => Effect.Effect<string, LemlistError>
  /** `POST /leads/{leadId}/enrich`; the enrichment id. */
  readonly enrichLead: (
    leadId: string,
    types: NonEmptyReadonlyArray<EnrichmentType.EnrichmentType>,
    options?: { readonly force?: boolean | undefined; readonly webhookUrl?: string | undefined }
  ) => Effect.Effect<string, LemlistError>
  /** `GET /enrich/{id}`, normalised. Pass the requested types when known (see `Result.fromPollingData`). */
  readonly getEnrichment: (
    id: string,
    options?: { readonly types?: ReadonlyArray<EnrichmentType.EnrichmentType> | undefined }
  ) => Effect.Effect<EnrichmentStatus, LemlistError>
  /** `GET /team/credits`. */
  readonly credits: Effect.Effect<Team.Credits, LemlistError>
  /** `POST /hooks`. */
  readonly createHook: (request: Team.CreateHookRequest) => Effect.Effect<Team.Hook, LemlistError>
  /** `GET /hooks`. */
  readonly listHooks: Effect.Effect<ReadonlyArray<Team.Hook>, LemlistError>
  /** `DELETE /hooks/{id}`. */
  readonly deleteHook: (id: string) => Effect.Effect<Team.Hook, LemlistError>
  /** What the client has done so far. */
  readonly stats: Effect.Effect<ClientStats>
}

/**
 * The lemlist client service.
 *
 * @example
 * ```ts
 * import { LemlistClient } from "@lemlist-effect/enrich"
 * import { Effect } from "effect"
 *
 * const poll = (id: string) =>
 *   Effect.flatMap(LemlistClient.LemlistClient, (client) => client.getEnrichment(id, { types: ["find_email"] }))
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class LemlistClient extends Context.Tag("@lemlist-effect/enrich/LemlistClient")<LemlistClient, Service>() {}

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

/**
 * lemlist's API root.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl: string = internal.defaultBaseUrl

/**
 * Client options.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The lemlist API key. Sent as Basic auth with an empty user; never logged or traced. */
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://api.lemlist.com/api`. */
  readonly baseUrl?: string | undefined
  /** Per attempt: sending the request and reading the answer (not the wait for a slot). Default 30 s. */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * The longest `Retry-After` a 429 may make a call wait before its retry. Beyond it the call
   * fails with `RateLimited` at once (the request did nothing), rather than hang. Default 60 s.
   */
  readonly maxRateLimitWait?: Duration.DurationInput | undefined
  /**
   * Retry schedules. Which failures are retried is fixed by safety and cannot be widened here:
   * `idempotent` (GETs, `deleteHook`) retries timeouts, transport errors, 429 and 5xx;
   * `nonIdempotent` (`bulkEnrich`, `enrich`, `enrichLead`, `createHook`) retries only 429 and
   * never-connected transport errors. Default for both: {@link retrySchedule}`()`. Pass
   * `Schedule.stop` to disable.
   */
  readonly retry?: {
    readonly idempotent?: Schedule.Schedule<unknown, LemlistError> | undefined
    readonly nonIdempotent?: Schedule.Schedule<unknown, LemlistError> | undefined
  } | undefined
  /**
   * Pacing of the client's own in-memory pacer, built when no `RequestPacer` is provided (give
   * clients that share a key one `RequestPacer` layer, so they share one budget). Ignored when
   * a `RequestPacer` service is in the context: that one is configured where it is built.
   */
  readonly pacing?: RequestPacer.Options | undefined
  /** Wraps the underlying `HttpClient` (proxies, extra headers, logging). Applied after auth. */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

/**
 * Builds a client over the current `HttpClient`. Requests are paced by the `RequestPacer` in
 * the context, or by a pacer of the client's own.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { LemlistClient } from "@lemlist-effect/enrich"
 * import { Effect, Redacted } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* LemlistClient.make({ apiKey: Redacted.make(process.env.LEMLIST_API_KEY!) })
 *   const [entry] = yield* client.bulkEnrich([{ input: { email: "ada@example.com" }, enrichmentRequests: ["verify"] }])
 *   return entry
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => Effect.Effect<Service, never, HttpClient.HttpClient> = internal.make

/**
 * The client as a layer.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { LemlistClient } from "@lemlist-effect/enrich"
 * import { Effect, Layer, Redacted } from "effect"
 *
 * const Lemlist = LemlistClient.layer({ apiKey: Redacted.make("key"), timeout: "10 seconds" }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * const credits = Effect.flatMap(LemlistClient.LemlistClient, (c) => c.credits).pipe(Effect.provide(Lemlist))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<LemlistClient, never, HttpClient.HttpClient> =>
  Layer.effect(LemlistClient, make(options))

/**
 * The client as a layer, configured from `Config`: by default the key from `LEMLIST_API_KEY`
 * (as `Redacted`) and the base URL from `LEMLIST_BASE_URL` (default {@link defaultBaseUrl}).
 *
 * @example
 * ```ts
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { LemlistClient } from "@lemlist-effect/enrich"
 * import { Layer } from "effect"
 *
 * const Lemlist = LemlistClient.layerConfig({ timeout: "20 seconds" }).pipe(Layer.provide(NodeHttpClient.layerUndici))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options?: Omit<Options, "apiKey" | "baseUrl"> & {
    readonly apiKey?: Config.Config<Redacted.Redacted<string>> | undefined
    readonly baseUrl?: Config.Config<string> | undefined
  }
): Layer.Layer<LemlistClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    LemlistClient,
    Effect.gen(function*() {
      const apiKey = yield* (options?.apiKey ?? Config.redacted("LEMLIST_API_KEY"))
      const baseUrl = yield* (options?.baseUrl ??
        Config.string("LEMLIST_BASE_URL").pipe(Config.withDefault(internal.defaultBaseUrl)))
      return yield* make({ ...options, apiKey, baseUrl })
    })
  )

/**
 * The default retry schedule: exponential from `base` (200 ms) by `factor` (2), jittered,
 * capped at `maxDelay` (10 s), at most `times` (5) retries; after a 429 it waits exactly the
 * `Retry-After` lemlist sent. Build overrides from it to keep the `Retry-After` behaviour.
 *
 * @example
 * ```ts
 * import { LemlistClient } from "@lemlist-effect/enrich"
 * import { Redacted } from "effect"
 *
 * const layer = LemlistClient.layer({
 *   apiKey: Redacted.make("key"),
 *   retry: { idempotent: LemlistClient.retrySchedule({ times: 10, base: "500 millis" }) }
 * })
 * ```
 *
 * @since 0.1.0
 * @category retries
 */
export const retrySchedule: (options?: {
  readonly base?: Duration.DurationInput | undefined
  readonly factor?: number | undefined
  readonly times?: number | undefined
  readonly maxDelay?: Duration.DurationInput | undefined
}) => Schedule.Schedule<unknown, LemlistError> = internalRetry.retrySchedule

/**
 * Whether the client would retry this error for an idempotent request (GET, DELETE).
 *
 * @since 0.1.0
 * @category retries
 */
export const isTransient: (error: LemlistError) => boolean = internalRetry.isTransient

/**
 * Whether a credit-spending request that failed with this error is safe to resend as is: it
 * surely did nothing (429, or never connected), so resending it cannot charge twice. False for
 * rejections (`BatchRejected`...) too: they created nothing, but would fail the same way again.
 *
 * @example
 * import { LemlistClient, LemlistError } from "@lemlist-effect/enrich"
 *
 * LemlistClient.safeToResend(new LemlistError.Timeout({ afterMillis: 30_000 })) // false
 *
 * @since 0.1.0
 * @category retries
 */
export const safeToResend: (error: LemlistError) => boolean = internalRetry.safeToResend
