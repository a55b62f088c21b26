/**
 * Pacing of lemlist requests, per API key: the one limiter every method and every fiber of
 * every client on that key goes through. lemlist allows 20 requests per 2 s per key on all
 * routes; the pacer spaces requests (1 per 100 ms by default, never a burst), keeps a sliding
 * window of its own starts, adopts what lemlist's `X-RateLimit-*` headers say about traffic it
 * did not send, and after a 429 holds every request of the key until `Retry-After` has passed.
 *
 * It is a service of its own so that a store shared by several processes (Redis, SQLite) can
 * replace the in-memory one later without touching the client.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as internal from "./internal/pacer.js"

/**
 * What the client tells the pacer after each answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Observation {
  /** When the request started (the `Clock`'s milliseconds), as returned by `take`. */
  readonly startedAt: number
  /** The HTTP status; 429 pauses the key. */
  readonly status: number
  /** `X-RateLimit-Limit`, when sent. */
  readonly limit?: number | undefined
  /** `X-RateLimit-Remaining`, when sent. */
  readonly remaining?: number | undefined
  /** How long lemlist asked to wait (`Retry-After`, else `X-RateLimit-Reset`), in ms. */
  readonly retryAfterMillis?: number | undefined
}

/**
 * The pacer. `key` is an opaque id of the API key (see {@link keyId}), never the key itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Waits until `key` may start one more request, books that slot and returns its time (ms). */
  readonly take: (key: string) => Effect.Effect<number>
  /** Feeds back what lemlist answered to a request started at `observation.startedAt`. */
  readonly observe: (key: string, observation: Observation) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RequestPacer extends Context.Tag("@lemlist-effect/enrich/RequestPacer")<RequestPacer, Service>() {}

/**
 * Pacing options. The defaults fit lemlist: 20 requests per 2 s, spaced by 100 ms.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Least time between two starts on one key, in ms. Default 100. */
  readonly intervalMillis?: number | undefined
  /** Most starts in any window, per key. Default 20. */
  readonly limit?: number | undefined
  /** The window, in ms. Default 2000. */
  readonly windowMillis?: number | undefined
  /**
   * Added to the window, in ms: lemlist counts arrivals while we count departures, so network
   * jitter could otherwise squeeze 21 requests into its 2 s. Default 25 (costs ~1% throughput).
   * Each 429 doubles the margin in use for the key (from 50 ms, up to a quarter of the window):
   * a 429 despite our count means lemlist saw our requests closer together than we sent them.
   */
  readonly marginMillis?: number | undefined
  /** Pause after a 429 that says nothing about how long to wait, in ms. Default 2000. */
  readonly defaultPauseMillis?: number | undefined
  /** Longest pause a 429 may impose, in ms (guards against absurd headers). Default 60 000. */
  readonly maxPauseMillis?: number | undefined
}

const resolve = (options: Options | undefined): internal.PacingOptions => ({
  interval: options?.intervalMillis ?? internal.defaults.interval,
  limit: options?.limit ?? internal.defaults.limit,
  window: options?.windowMillis ?? internal.defaults.window,
  margin: options?.marginMillis ?? internal.defaults.margin,
  defaultPause: options?.defaultPauseMillis ?? internal.defaults.defaultPause,
  maxPause: options?.maxPauseMillis ?? internal.defaults.maxPause
})

const fromRegistry = (registry: internal.Registry, options?: internal.PacingOptions): Service => ({
  take: (key) => internal.takeWith(registry, key, options),
  observe: (key, observation) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => registry.observe(key, now, observation)))
})

/**
 * A new in-memory pacer, independent of every other: clients that should share a budget must
 * share this instance (provide one layer to all of them).
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const pacer = yield* RequestPacer.make({ intervalMillis: 110 })
 *   const startedAt = yield* pacer.take("my-key-id")
 *   yield* pacer.observe("my-key-id", { startedAt, status: 200, remaining: 19, limit: 20 })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: Options): Effect.Effect<Service> =>
  Effect.sync(() => fromRegistry(new internal.Registry(resolve(options))))

/**
 * The process-wide pacer: one state per API key for the whole process. Clients use it when no
 * `RequestPacer` is provided, so two clients built with the same key share one budget. When
 * clients ask for different options on one key, the stricter of each setting wins.
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 *
 * const pacer = RequestPacer.global({ intervalMillis: 120 })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const global = (options?: Options): Service =>
  fromRegistry(internal.globalRegistry, options === undefined ? undefined : resolve(options))

/**
 * A layer with a fresh in-memory pacer (isolated: use it in tests, or to give a group of
 * clients their own budget).
 *
 * @example
 * ```ts
 * import { LemlistClient, RequestPacer } from "@lemlist-effect/enrich"
 * import { Layer, Redacted } from "effect"
 *
 * const client = LemlistClient.layer({ apiKey: Redacted.make("key") }).pipe(
 *   Layer.provide(RequestPacer.layer({ intervalMillis: 105 }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<RequestPacer> => Layer.effect(RequestPacer, make(options))

/**
 * A layer with the process-wide pacer (what clients use by default).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerGlobal = (options?: Options): Layer.Layer<RequestPacer> =>
  Layer.sync(RequestPacer, () => global(options))

/**
 * The id pacing state is kept under for an API key: a truncated SHA-256, so that neither the
 * pacer nor a shared store ever holds the key.
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 *
 * RequestPacer.keyId("secret") // "lemlist:2bb80d53…"
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const keyId: (apiKey: string) => string = internal.keyId
