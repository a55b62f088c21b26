/**
 * In-memory request pacing, per API key. See `RequestPacer.ts` for the rules; this file holds
 * the bookkeeping.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { globalValue } from "effect/GlobalValue"
import { createHash } from "node:crypto"
import type { Observation } from "../RequestPacer.js"

/** @internal */
export interface PacingOptions {
  readonly interval: number
  readonly limit: number
  readonly window: number
  readonly margin: number
  readonly defaultPause: number
  readonly maxPause: number
}

/** @internal */
export const defaults: PacingOptions = {
  // 1 per 100 ms = 20 per 2 s with no burst (effect-notes §1.1).
  interval: 100,
  limit: 20,
  window: 2000,
  // lemlist counts arrivals, we count departures: the margin absorbs latency jitter.
  margin: 25,
  defaultPause: 2000,
  maxPause: 60_000
}


/** @internal */
export interface KeyState {
  options: PacingOptions
  /** Sorted start times (sent, reserved or foreign) that may still be inside the window. */
  log: Array<number>
  /** Earliest start allowed by the spacing. */
  nextAt: number
  /** No start before this (a 429 or an exhausted window). */
  pausedUntil: number
  /** The limit lemlist announces, when lower than ours. */
  serverLimit: number | undefined
  /** The latest clock reading seen (bookings in the future excluded). */
  lastNow: number
  /**
   * Added to the window: starts at `options.margin` and doubles on each 429 (up to the
   * window's quarter). A 429 despite our count means lemlist saw our requests closer together
   * than we sent them (its own queues, a proxy): the jitter is larger than assumed, so learn it.
   */
  margin: number
}

/** @internal */
export const stricter = (a: PacingOptions, b: PacingOptions): PacingOptions => ({
  interval: Math.max(a.interval, b.interval),
  limit: Math.min(a.limit, b.limit),
  window: Math.max(a.window, b.window),
  margin: Math.max(a.margin, b.margin),
  defaultPause: Math.max(a.defaultPause, b.defaultPause),
  maxPause: Math.max(a.maxPause, b.maxPause)
})

const newState = (options: PacingOptions, now: number): KeyState => ({
  options,
  log: [],
  nextAt: now,
  pausedUntil: now,
  serverLimit: undefined,
  lastNow: now,
  margin: options.margin
})

const insertSorted = (log: Array<number>, t: number) => {
  let i = log.length
  while (i > 0 && log[i - 1] > t) i--
  log.splice(i, 0, t)
}

const removeOne = (log: Array<number>, t: number) => {
  const i = log.lastIndexOf(t)
  if (i >= 0) log.splice(i, 1)
}

/** @internal */
export class Registry {
  readonly states = new Map<string, KeyState>()
  constructor(readonly options: PacingOptions) {}

  state(key: string, now: number, options?: PacingOptions): KeyState {
    let s = this.states.get(key)
    // A clock that went backwards (a test's TestClock after another's, a resumed VM) makes
    // stored times meaningless: start afresh rather than wait for a slot in the "future".
    if (s !== undefined && now + s.options.window < s.lastNow) s = undefined
    if (s === undefined) {
      // The first client's own options: lemlist's defaults must not override a client that
      // was configured for another plan's limits. Later clients on the key can only tighten.
      s = newState(options ?? this.options, now)
      this.states.set(key, s)
    } else if (options) {
      s.options = stricter(s.options, options)
    }
    s.lastNow = Math.max(s.lastNow, now)
    return s
  }

  /** Books the earliest slot allowed for `key` at `now`; returns it. */
  reserve(key: string, now: number, options?: PacingOptions): number {
    const s = this.state(key, now, options)
    const o = s.options
    const span = o.window + Math.max(o.margin, s.margin)
    const limit = Math.max(1, Math.min(o.limit, s.serverLimit ?? o.limit))
    while (s.log.length > 0 && s.log[0] <= now - span) s.log.shift()
    let slot = Math.max(now, s.nextAt, s.pausedUntil)
    // Sliding window: the `limit`-th most recent start must have left the window.
    if (s.log.length >= limit) slot = Math.max(slot, s.log[s.log.length - limit] + span)
    insertSorted(s.log, slot)
    s.nextAt = slot + o.interval
    return slot
  }

  /**
   * The request left at `at`, after its slot (a busy event loop wakes a sleeping fiber late):
   * book it when it really left, or the requests queued behind it could reach lemlist closer
   * together than the window allows.
   */
  departed(key: string, slot: number, at: number) {
    const s = this.states.get(key)
    if (s === undefined || at <= slot) return
    removeOne(s.log, slot)
    insertSorted(s.log, at)
    s.nextAt = Math.max(s.nextAt, at + s.options.interval)
  }

  /** A reservation that was not used (interrupted, or rescheduled after a pause). */
  release(key: string, slot: number) {
    const s = this.states.get(key)
    if (s) removeOne(s.log, slot)
  }

  pausedUntil(key: string): number {
    return this.states.get(key)?.pausedUntil ?? 0
  }

  observe(key: string, now: number, obs: Observation) {
    const s = this.state(key, now)
    const o = s.options
    if (obs.limit !== undefined && obs.limit > 0 && obs.limit < o.limit) s.serverLimit = obs.limit
    if (obs.status === 429) {
      s.margin = Math.min(o.window / 4, Math.max(2 * s.margin, 50))
      const wait = Math.min(o.maxPause, Math.max(0, obs.retryAfterMillis ?? o.defaultPause))
      s.pausedUntil = Math.max(s.pausedUntil, now + wait)
      return
    }
    if (obs.remaining !== undefined) {
      // lemlist's count for this key, against ours since the window before this request began:
      // anything beyond ours was sent by someone else on the same key (another process), so we
      // book it as if we had sent it, which slows us down until it leaves the window.
      const limit = obs.limit ?? o.limit
      const used = limit - obs.remaining
      const from = obs.startedAt - o.window
      let own = 0
      for (const t of s.log) if (t > from && t <= now) own++
      for (let i = own; i < used; i++) insertSorted(s.log, now)
    }
  }
}

/** @internal */
export const takeWith = (registry: Registry, key: string, options?: PacingOptions): Effect.Effect<number> =>
  Effect.gen(function*() {
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      const slot = registry.reserve(key, now, options)
      if (slot > now) {
        yield* Effect.sleep(slot - now).pipe(Effect.onInterrupt(() => Effect.sync(() => registry.release(key, slot))))
      }
      // A 429 seen while we waited pauses everyone, us included: book again after it.
      const after = yield* Clock.currentTimeMillis
      if (registry.pausedUntil(key) <= after) {
        registry.departed(key, slot, after)
        return after
      }
      registry.release(key, slot)
    }
  })

/** @internal */
export const globalRegistry: Registry = globalValue(
  Symbol.for("@lemlist-effect/enrich/RequestPacer/global"),
  () => new Registry(defaults)
)

/**
 * A stable, non-reversible id for an API key: pacing state is keyed by it, so the key itself
 * is never stored, logged or sent to a shared store.
 *
 * @internal
 */
export const keyId = (apiKey: string): string =>
  "lemlist:" + createHash("sha256").update(apiKey).digest("hex").slice(0, 32)
