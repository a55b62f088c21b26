/**
 * Pacing of lemlist requests, per API key: the one limiter every method and every fiber of
 * every client on that key goes through. lemlist allows 20 requests per 2 s per key on all
 * routes; the pacer spaces requests (1 per 100 ms by default, never a burst), keeps a sliding
 * window of starts, adopts what lemlist's `X-RateLimit-*` headers say about traffic it did not
 * send, and after a 429 holds every request of the key until `Retry-After` has passed.
 *
 * The algorithm (when to ask for a slot, how long to wait) sits over a {@link PacerStore}, which
 * books and remembers: in memory ({@link layerStoreMemory}, the default), in a SQLite file
 * shared by the processes of one machine and kept across restarts (`PacerStoreSqlite` in
 * `@lemlist-effect/enrich/sqlite`), or in Redis, shared by any number of machines
 * (`PacerStoreRedis` in `@lemlist-effect/enrich/redis`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as internal from "./internal/pacer.js"
import * as memory from "./internal/pacerMemory.js"

/**
 * What the client tells the pacer after each answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Observation {
  /** When the request started, as returned by `take` (the store's clock, in ms). */
  readonly startedAt: number
  /** The HTTP status; 429 pauses the key. */
  readonly status: number
  /** `X-RateLimit-Limit`, when sent. */
  readonly limit?: number | undefined
  /** `X-RateLimit-Remaining`, when sent. */
  readonly remaining?: number | undefined
  /** How long lemlist asked to wait (`Retry-After`, else `X-RateLimit-Reset`), in ms. */
  readonly retryAfterMillis?: number | undefined
  /**
   * The request may have left well after its start was booked: it may have opened a connection
   * (DNS, TCP, TLS) or, in a fresh process, loaded the HTTP client first. lemlist counted it by
   * its answer at the latest, so the pacer moves its start to now: the 20th start after it then
   * keeps lemlist's window. The client says so for a request that found no idle connection.
   */
  readonly coldStart?: boolean | undefined
  /**
   * When the request was handed to the HTTP client (the `Clock`, in ms). A busy event loop runs
   * the fiber late after its booking (the store's answer read late, other fibers first): when
   * it left more than half the margin after the pacer asked to book it, the pacer moves its
   * start by that much, so that the margin is left for the network.
   */
  readonly sentAt?: number | undefined
}

/**
 * What a request does between its slot coming and its start being booked: `take`'s second
 * argument. A request that writes to a journal before it goes out (the bulk call marks its leads
 * `submitting`) leaves when that write ends, tens of milliseconds after its slot with a remote
 * database; booking the start then, not at the slot, keeps the pacer's log the times lemlist
 * sees, so the margin need not cover the write.
 *
 * @since 0.1.0
 * @category models
 */
export interface Leave<E> {
  /**
   * Runs once the slot has come and the store has booked it (no pause holds the key: a request
   * waiting out a 429 is never prepared), uninterruptible; the start is booked again when it
   * ends, at the time the request really leaves.
   */
  readonly prepare: Effect.Effect<void, E>
  /**
   * Undoes `prepare` when the start cannot be booked after it (a 429 paused the key meanwhile,
   * the window ending then is full, the store failed): the request does not leave, and the
   * pacer books again (and prepares again when that slot comes).
   */
  readonly undo: Effect.Effect<void, E>
}

/**
 * The pacer. `key` is an opaque id of the API key (see {@link keyId}), never the key itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Waits until `key` may start one more request, books that slot and returns its time (ms).
   * With `leave`, runs `leave.prepare` when the slot comes and books the start when it ends.
   */
  readonly take: <E = never>(key: string, leave?: Leave<E>) => Effect.Effect<number, E>
  /** Feeds back what lemlist answered to a request started at `observation.startedAt`. */
  readonly observe: (key: string, observation: Observation) => Effect.Effect<void>
}

/**
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(RequestPacer.RequestPacer, (pacer) => pacer.take("my-key-id")).pipe(
 *   Effect.provide(RequestPacer.layer())
 * )
 * ```
 *
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
  /** Least time between two starts on one key. Default 100 ms. */
  readonly interval?: Duration.DurationInput | undefined
  /** Most starts in any window, per key. Default 20. */
  readonly limit?: number | undefined
  /** The window. Default 2 s. */
  readonly window?: Duration.DurationInput | undefined
  /**
   * Added to the window: lemlist counts arrivals while we count departures, so network jitter
   * could otherwise squeeze 21 requests into its 2 s. Default 50 ms (costs ~2.4% throughput;
   * 25 ms met a 429 in 2 of 3 pacing runs at full rate, 50 ms none in 3). Each 429 doubles the
   * margin in use for the key (from 50 ms, up to a quarter of the window):
   * a 429 despite our count means lemlist saw our requests closer together than we sent them.
   */
  readonly margin?: Duration.DurationInput | undefined
  /** Pause after a 429 that says nothing about how long to wait. Default 2 s. */
  readonly defaultPause?: Duration.DurationInput | undefined
  /** Longest pause a 429 may impose (guards against absurd headers). Default 60 s. */
  readonly maxPause?: Duration.DurationInput | undefined
}

/**
 * A pacer store could not be read or written. The pacer fails closed: no request leaves
 * without a slot.
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 *
 * const error = new RequestPacer.PacerStoreError({ operation: "reserve", cause: new Error("disk full") })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PacerStoreError extends Schema.TaggedError<PacerStoreError>("@lemlist-effect/enrich/PacerStoreError")(
  "PacerStoreError",
  { operation: Schema.String, cause: Schema.optional(Schema.Defect) }
) {
  /** @since 0.1.0 */
  override get message() {
    return `the pacer's store failed during ${this.operation}`
  }
}

/**
 * A booked slot: `slot` and `now` on the store's clock, `id` to release or confirm it.
 *
 * @since 0.1.0
 * @category store
 */
export interface Reservation {
  readonly id: string
  readonly slot: number
  readonly now: number
}

/**
 * What {@link Store.depart} found when the slot came: the request leaves (booked at `at`, later
 * than its slot if it woke late), a 429 paused the key meanwhile (the slot is released), or
 * the window ending now already holds the limit, because starts before it left late or were
 * moved to their answers (the slot stays booked: depart again in `retryIn` ms; the memory,
 * SQLite and Redis stores all check).
 *
 * @since 0.1.0
 * @category store
 */
export type Departure =
  | { readonly _tag: "Departed"; readonly at: number }
  | { readonly _tag: "Paused"; readonly until: number }
  | { readonly _tag: "Full"; readonly retryIn: number }

/**
 * The pacer's store: per key, a sliding log of starts, the spacing's next start, a pause and
 * what was learned from lemlist (its announced limit, a wider margin). Every operation is
 * atomic on the store's side and timed by the store's own clock (the caller's `Clock` in
 * memory and SQLite; a shared server would use its own, so processes need not agree on time).
 * All times and durations are milliseconds; limits come with each call, so one store serves
 * any options.
 *
 * Each operation maps to one transaction or one server-side script: a store shared by several
 * processes implements these five and the pacer holds the budget across all of them.
 *
 * @since 0.1.0
 * @category store
 */
export interface Store {
  /**
   * Books the earliest start allowed for `key` now: not before the spacing's next start, the
   * pause, or the moment the `limit`-th most recent start leaves `window` plus the margin
   * (the larger of `margin` and the learned one). Starts older than that are pruned.
   */
  readonly reserve: (options: {
    readonly key: string
    readonly interval: number
    readonly limit: number
    readonly window: number
    readonly margin: number
  }) => Effect.Effect<Reservation, PacerStoreError>
  /**
   * The slot came: if a 429 paused the key since, releases it (`Paused`); else books it at the
   * later of its slot and now, and pushes the spacing's next start after that (`Departed`),
   * unless the window ending then, on the starts' real times, already holds the limit (`Full`:
   * the caller waits and departs again; a store that never answers it keeps the window only
   * while starts leave on time).
   */
  readonly depart: (options: {
    readonly key: string
    readonly id: string
    readonly interval: number
  }) => Effect.Effect<Departure, PacerStoreError>
  /** Gives back a reservation that will not be used (an interrupted wait). */
  readonly release: (options: { readonly key: string; readonly id: string }) => Effect.Effect<void, PacerStoreError>
  /**
   * A 429: pauses the key for `pause` from now (never shortening a longer pause), and doubles the
   * learned margin (from 50, at most `window / 4`).
   */
  readonly rateLimited: (options: {
    readonly key: string
    readonly pause: number
    readonly window: number
    readonly margin: number
    readonly announcedLimit: number | undefined
  }) => Effect.Effect<void, PacerStoreError>
  /**
   * Any other answer: keeps lemlist's announced limit; with `moveStart`, moves a start booked at
   * `startedAt` that many ms later, at most to now (starts booked at one time are alike; none
   * left, as the window has passed: books one there); and when `used` (lemlist's count in the
   * window) exceeds the starts booked in `(startedAt - window, now]`, books the difference now,
   * as traffic the store did not see (another process or machine on the key).
   */
  readonly observed: (options: {
    readonly key: string
    readonly startedAt: number
    readonly window: number
    readonly announcedLimit: number | undefined
    readonly used: number | undefined
    readonly moveStart?: number | undefined
  }) => Effect.Effect<void, PacerStoreError>
}

/**
 * The store the pacer books slots in.
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(RequestPacer.PacerStore, (store) =>
 *   store.reserve({ key: "k", interval: 100, limit: 20, window: 2000, margin: 25 })
 * ).pipe(Effect.provide(RequestPacer.layerStoreMemory))
 * ```
 *
 * @since 0.1.0
 * @category store
 */
export class PacerStore extends Context.Tag("@lemlist-effect/enrich/RequestPacer/PacerStore")<PacerStore, Store>() {}

/**
 * A fresh in-memory store: one process, forgotten on exit.
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { Layer } from "effect"
 *
 * const Pacer = RequestPacer.layerFromStore({ interval: "110 millis" }).pipe(Layer.provide(RequestPacer.layerStoreMemory))
 * ```
 *
 * @since 0.1.0
 * @category store
 */
export const layerStoreMemory: Layer.Layer<PacerStore> = Layer.sync(PacerStore, memory.make)

/**
 * The pacer over the `PacerStore` in the context. Pacers on one store share its budget: give
 * several clients, or several processes (with a shared store), one store.
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const pacer = yield* RequestPacer.makeFromStore({ interval: "110 millis" })
 *   return yield* pacer.take("my-key-id")
 * }).pipe(Effect.provide(RequestPacer.layerStoreMemory))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeFromStore = (options?: Options): Effect.Effect<Service, never, PacerStore> =>
  Effect.map(PacerStore, (store) => internal.make(store, internal.resolve(options)))

/**
 * A new pacer over its own in-memory store, independent of every other: clients that should
 * share a budget must share this instance (provide one layer to all of them).
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { Clock, Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const pacer = yield* RequestPacer.make({ interval: "110 millis" })
 *   const startedAt = yield* pacer.take("my-key-id")
 *   // Just before the request goes: a start that left late is moved by the pacer.
 *   const sentAt = yield* Clock.currentTimeMillis
 *   // ... send the request, read its answer ...
 *   yield* pacer.observe("my-key-id", { startedAt, sentAt, status: 200, remaining: 19, limit: 20 })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: Options): Effect.Effect<Service> =>
  Effect.sync(() => internal.make(memory.make(), internal.resolve(options)))

/**
 * A layer with the pacer over the `PacerStore` in the context.
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { PacerStoreSqlite } from "@lemlist-effect/enrich/sqlite"
 * import { Layer } from "effect"
 *
 * const Pacer = RequestPacer.layerFromStore().pipe(Layer.provide(PacerStoreSqlite.layerFile({ filename: "pacer.sqlite" })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromStore = (options?: Options): Layer.Layer<RequestPacer, never, PacerStore> =>
  Layer.effect(RequestPacer, makeFromStore(options))

/**
 * A layer with a fresh in-memory pacer (isolated: use it in tests, or to give a group of
 * clients their own budget). A client with no `RequestPacer` in its context builds one of
 * these for itself.
 *
 * @example
 * ```ts
 * import { LemlistClient, RequestPacer } from "@lemlist-effect/enrich"
 * import { Layer, Redacted } from "effect"
 *
 * const client = LemlistClient.layer({ apiKey: Redacted.make("key") }).pipe(
 *   Layer.provide(RequestPacer.layer({ interval: "105 millis" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<RequestPacer> => Layer.effect(RequestPacer, make(options))

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
