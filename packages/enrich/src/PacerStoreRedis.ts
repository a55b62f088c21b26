/**
 * The pacer's store in Redis (over `ioredis` 5): every process, on any machine, that uses the
 * same Redis and prefix shares one budget per API key. lemlist's exact limit holds across all
 * of them: at most 20 starts in any 2 s window per key, spaced, with the margin a 429 taught
 * and any `Retry-After` pause shared. Each store operation is one Lua script, atomic on the
 * server and timed by Redis's own clock (`TIME`), so the processes' clocks need not agree.
 *
 * The shapes follow `@effect/experimental`'s `RateLimiter/Redis` (layer options
 * `RedisOptions & { prefix }`, `layerConfig` over `Config.Wrap`, scripts run server-side), but
 * not its algorithms: its fixed window lets the next 20 start the moment the window resets (up
 * to 40 in one 2 s span), and its token bucket starts 20 at once then refills one per 100 ms
 * (up to 39), and reads the caller's clock; lemlist counts arrivals in any sliding 2 s window.
 * So this store keeps a sliding log of starts per key (a sorted set) beside the spacing, the
 * pause and what lemlist announced (a hash), under `<prefix>{<key id>}`; keys expire once idle.
 *
 * When Redis does not answer within `timeout` (2 s by default), or refuses the connection, the
 * operation fails with a `PacerStoreError`: the pacer retries a few times, then fails closed
 * (no request leaves without a slot). See docs/scaling.md.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { type Cluster, Redis, type RedisOptions } from "ioredis"
import * as internal from "./internal/pacerRedis.js"
import { PacerStore, PacerStoreError, type Store } from "./RequestPacer.js"

/**
 * What the store adds to a client: where its keys live and how long it waits for Redis.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoreOptions {
  /** Prepended to every Redis key the store writes. Default `"lemlist-effect:pacer:"`. */
  readonly prefix?: string | undefined
  /**
   * Longest wait for one answer from Redis; then the operation fails with `PacerStoreError`.
   * Default 2 s.
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Connection options: ioredis's own, plus an optional `url` (`redis://[:password@]host:port/db`,
 * `rediss://` for TLS; the other options override what it says), plus {@link StoreOptions}.
 * Unless given, the connection gets `connectTimeout` and `commandTimeout` equal to `timeout`
 * and `maxRetriesPerRequest: 1`, so a lost Redis fails a command instead of queueing it.
 *
 * @since 0.1.0
 * @category models
 */
export type Options = RedisOptions & StoreOptions & {
  readonly url?: string | Redacted.Redacted<string> | undefined
}

const timeoutMillis = (options: StoreOptions | undefined) =>
  Duration.toMillis(Duration.decode(options?.timeout ?? "2 seconds"))

const resolve = (options: StoreOptions | undefined): internal.Options => ({
  prefix: options?.prefix ?? internal.defaultPrefix,
  timeout: timeoutMillis(options),
  clock: "redis"
})

/**
 * The store over a client you own (a `Redis` or a `Cluster`): it runs its scripts on it and
 * never closes it. Give the client a `commandTimeout`, or rely on the store's `timeout`.
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { PacerStoreRedis } from "@lemlist-effect/enrich/redis"
 * import { Effect } from "effect"
 * import { Redis } from "ioredis"
 *
 * const redis = new Redis("redis://127.0.0.1:6379", { lazyConnect: true })
 * const pacer = Effect.flatMap(PacerStoreRedis.make(redis), (store) =>
 *   Effect.provideService(RequestPacer.makeFromStore(), RequestPacer.PacerStore, store)
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (client: Redis | Cluster, options?: StoreOptions): Effect.Effect<Store> =>
  Effect.sync(() => internal.make(client, resolve(options)))

/**
 * A connection of the store's own, opened before the layer is built (a refused or silent
 * Redis fails the layer with `PacerStoreError`, operation `"connect"`) and closed with its
 * scope.
 */
const connect = (options: Options): Effect.Effect<Redis, PacerStoreError, Scope.Scope> => {
  const { prefix: _prefix, timeout: _timeout, url, ...redisOptions } = options
  const millis = timeoutMillis(options)
  const settings: RedisOptions = {
    connectTimeout: millis,
    commandTimeout: millis,
    maxRetriesPerRequest: 1,
    ...redisOptions,
    lazyConnect: true
  }
  return Effect.acquireRelease(
    Effect.sync(() => {
      const client = url === undefined ? new Redis(settings) : new Redis(Redacted.isRedacted(url) ? Redacted.value(url) : url, settings)
      // Failures reach each command as a rejection; without a listener ioredis also prints them.
      client.on("error", () => {})
      return client
    }),
    (client) =>
      Effect.promise(() =>
        (client.status === "ready" ? internal.deadline(client.quit(), millis) : Promise.resolve()).catch(() => {})
      ).pipe(Effect.ensuring(Effect.sync(() => client.disconnect())))
  ).pipe(
    Effect.tap((client) =>
      Effect.tryPromise({
        try: () => internal.deadline(client.connect(), millis),
        catch: (cause) => new PacerStoreError({ operation: "connect", cause })
      })
    )
  )
}

const connected = (options: Options) => Effect.flatMap(connect(options), (client) => make(client, options))

/**
 * The store on a connection of its own, closed when the layer's scope ends.
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { PacerStoreRedis } from "@lemlist-effect/enrich/redis"
 * import { Layer } from "effect"
 *
 * const Pacer = RequestPacer.layerFromStore().pipe(
 *   Layer.provide(PacerStoreRedis.layer({ url: "redis://127.0.0.1:6379", prefix: "my-app:pacer:" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<PacerStore, PacerStoreError> =>
  Layer.scoped(PacerStore, connected(options))

/**
 * {@link layer} with its options read from `Config` (a URL held as `Redacted`, say).
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { PacerStoreRedis } from "@lemlist-effect/enrich/redis"
 * import { Config, Layer } from "effect"
 *
 * const Pacer = RequestPacer.layerFromStore().pipe(
 *   Layer.provide(PacerStoreRedis.layerConfig({ url: Config.redacted("REDIS_URL") }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config.Wrap<Options>
): Layer.Layer<PacerStore, PacerStoreError | ConfigError.ConfigError> =>
  Layer.scoped(PacerStore, Effect.flatMap(Config.unwrap(options), connected))

/**
 * The store over a client you own, as a layer (the client is never closed by it).
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { PacerStoreRedis } from "@lemlist-effect/enrich/redis"
 * import { Layer } from "effect"
 * import { Redis } from "ioredis"
 *
 * const redis = new Redis({ host: "127.0.0.1", port: 6379, commandTimeout: 1000, lazyConnect: true })
 * const Pacer = RequestPacer.layerFromStore().pipe(Layer.provide(PacerStoreRedis.layerFromClient(redis)))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromClient = (client: Redis | Cluster, options?: StoreOptions): Layer.Layer<PacerStore> =>
  Layer.effect(PacerStore, make(client, options))
