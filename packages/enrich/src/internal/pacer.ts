/**
 * The pacing algorithm over a `PacerStore`: the store books and remembers, this file decides
 * when to ask it and how long to wait. See `RequestPacer.ts` for the rules.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { createHash } from "node:crypto"
import type { Departure, Leave, Observation, Options, PacerStoreError, Service, Store } from "../RequestPacer.js"

/** Options resolved to milliseconds. @internal */
export interface Resolved {
  readonly interval: number
  readonly limit: number
  readonly window: number
  readonly margin: number
  readonly defaultPause: number
  readonly maxPause: number
}

/** @internal */
export const defaults = {
  // 1 per 100 ms = 20 per 2 s with no burst (docs/client.md, "Pacing rules").
  interval: "100 millis",
  limit: 20,
  window: "2 seconds",
  // lemlist counts arrivals, we count departures: the margin absorbs latency jitter.
  margin: "50 millis",
  defaultPause: "2 seconds",
  maxPause: "60 seconds"
} as const satisfies Required<Options>

const millis = (input: Duration.DurationInput) => Duration.toMillis(Duration.decode(input))

/** @internal */
export const resolve = (options: Options | undefined): Resolved => ({
  interval: millis(options?.interval ?? defaults.interval),
  limit: options?.limit ?? defaults.limit,
  window: millis(options?.window ?? defaults.window),
  margin: millis(options?.margin ?? defaults.margin),
  defaultPause: millis(options?.defaultPause ?? defaults.defaultPause),
  maxPause: millis(options?.maxPause ?? defaults.maxPause)
})

/**
 * A store that keeps failing (a SQLite file locked for longer than its busy timeout, a lost
 * connection) fails closed: no request leaves without a slot. A few quick retries cover a
 * passing hiccup; then the fiber dies with the typed `PacerStoreError` as its defect, because
 * the pacer's service, like the client above it, has no error channel for it (`Enrichment.run`
 * fails with it, typed). Each call makes a fresh operation: a retry asks the store again.
 */
const storeRetry = Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(4)))
const orDie = <A>(operation: () => Effect.Effect<A, PacerStoreError>): Effect.Effect<A> =>
  Effect.orDie(Effect.retry(Effect.suspend(operation), storeRetry))

/**
 * An observation the store cannot take is logged, not fatal: its request has been answered,
 * and that answer (ids lemlist gave) must reach the journal. The pacing only misses one hint.
 */
const orWarn = (operation: () => Effect.Effect<void, PacerStoreError>): Effect.Effect<void> =>
  Effect.retry(Effect.suspend(operation), storeRetry).pipe(
    Effect.catchAll((e) => Effect.logWarning(`the pacer's store missed an observation: ${e.message}`))
  )

/**
 * How long the bookings of requests not yet answered are kept (a request that fails on the way
 * is never observed): far longer than any request takes.
 */
const bookingsKept = 5 * 60_000

/** @internal */
export const make = (store: Store, o: Resolved): Service => {
  // When each start not yet answered was asked to be booked, on this process's clock, by key
  // and start (the store's clock): `observe` sees how long after it the request really left.
  const booked = new Map<string, number>()
  const bookingOf = (key: string, startedAt: number) => `${key}\u0000${startedAt}`
  const remember = (key: string, at: number, asked: number) => {
    // Kept in the order asked: the oldest first, dropped once no answer can come.
    for (const [id, t] of booked) {
      if (t > asked - bookingsKept) break
      booked.delete(id)
    }
    booked.set(bookingOf(key, at), asked)
  }

  const attempt = <E>(key: string, leave: Leave<E> | undefined): Effect.Effect<Departure, E> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        // Each booking is asked at `asked`: whatever delays the request after it (the store's
        // answer read late, a busy event loop) counts as lateness in `observe`.
        let asked = yield* Clock.currentTimeMillis
        const r = yield* orDie(() =>
          store.reserve({ key, interval: o.interval, limit: o.limit, window: o.window, margin: o.margin })
        )
        // Booked now, on the store's clock: nothing can have paused the key since.
        if (r.slot <= r.now && leave === undefined) {
          remember(key, r.slot, asked)
          return { _tag: "Departed", at: r.slot } as const
        }
        const release = Effect.ignore(store.release({ key, id: r.id }))
        // The wait is the only interruptible part; an interrupted wait gives its slot back.
        if (r.slot > r.now) yield* restore(Effect.sleep(r.slot - r.now)).pipe(Effect.onInterrupt(() => release))
        // Books the start now (a busy event loop wakes a fiber late): a 429 seen meanwhile pauses
        // everyone, us included, and the store says so; a window full after all (starts before
        // this one left late) is waited out, keeping the slot (an interrupt gives it back and
        // runs `cleanup`).
        const depart = (cleanup: Effect.Effect<void>) =>
          Effect.gen(function*() {
            const once = Effect.flatMap(Clock.currentTimeMillis, (now) => {
              asked = now
              return orDie(() => store.depart({ key, id: r.id, interval: o.interval })).pipe(Effect.onError(() => cleanup))
            })
            let departure = yield* once
            while (departure._tag === "Full") {
              yield* restore(Effect.sleep(departure.retryIn)).pipe(Effect.onInterrupt(() => Effect.zipRight(cleanup, release)))
              departure = yield* once
            }
            return departure
          })
        const departure = yield* depart(Effect.void)
        if (leave === undefined || departure._tag === "Paused") {
          if (departure._tag === "Departed") remember(key, departure.at, asked)
          return departure
        }
        // `prepare` only once the key may go (a batch waiting out a 429 is never marked), then
        // the start booked again when it ends: the time lemlist will see.
        const undo = Effect.ignore(leave.undo)
        yield* Effect.onError(leave.prepare, () => release)
        const left = yield* depart(undo)
        if (left._tag === "Paused") yield* leave.undo
        else remember(key, left.at, asked)
        return left
      })
    )

  const take = <E = never>(key: string, leave?: Leave<E>): Effect.Effect<number, E> =>
    Effect.gen(function*() {
      for (;;) {
        const departure = yield* attempt(key, leave)
        if (departure._tag === "Departed") return departure.at
      }
    })

  /**
   * How far to move a start answered `now`, booked when asked at `asked` (this process's clock):
   * a cold start to its answer (lemlist counted it by then at the latest); a request that left
   * more than half the margin after it was asked, by that much (the rest of the margin is the
   * network's). Durations on one clock, so the store's clock may differ from ours.
   */
  const lateness = (obs: Observation, asked: number | undefined, now: number): number | undefined => {
    if (asked === undefined) return obs.coldStart === true ? Number.MAX_SAFE_INTEGER : undefined
    if (obs.coldStart === true) return now - asked
    const late = obs.sentAt === undefined ? 0 : obs.sentAt - asked
    return late > o.margin / 2 ? late : undefined
  }

  return {
    take,
    observe: (key, obs) => Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const booking = bookingOf(key, obs.startedAt)
      const asked = booked.get(booking)
      booked.delete(booking)
      const announcedLimit = obs.limit !== undefined && obs.limit > 0 ? obs.limit : undefined
      if (obs.status === 429) {
        const pause = Math.min(o.maxPause, Math.max(0, obs.retryAfterMillis ?? o.defaultPause))
        return orWarn(() => store.rateLimited({ key, pause, window: o.window, margin: o.margin, announcedLimit }))
      }
      // lemlist's count for this key, against the store's starts since the window before this
      // request began: anything beyond is someone else's traffic on the key, booked as ours.
      const used = obs.remaining === undefined ? undefined : (obs.limit ?? o.limit) - obs.remaining
      const moveStart = lateness(obs, asked, now)
      if (used === undefined && announcedLimit === undefined && moveStart === undefined) return Effect.void
      return orWarn(() => store.observed({ key, startedAt: obs.startedAt, window: o.window, announcedLimit, used, moveStart }))
    })
  }
}

/**
 * A stable, non-reversible id for an API key: pacing state is keyed by it, so the key itself
 * is never stored, logged or sent to a shared store.
 *
 * @internal
 */
export const keyId = (apiKey: string): string =>
  "lemlist:" + createHash("sha256").update(apiKey).digest("hex").slice(0, 32)
