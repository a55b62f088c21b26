/**
 * The in-memory pacer store: one process's bookkeeping, timed by the caller's `Clock`. Each
 * operation runs synchronously, so it is atomic for the fibers of the process; the SQL store
 * (`pacerSql.ts`) does the same bookkeeping in transactions.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Departure, PacerStoreError, Reservation, Store } from "../RequestPacer.js"

interface Entry {
  readonly id: string
  at: number
}

interface KeyState {
  /** Start times (sent, reserved or foreign), sorted by `at`. */
  readonly log: Array<Entry>
  /** Earliest start allowed by the spacing. */
  nextAt: number
  /** No start before this (a 429). */
  pausedUntil: number
  /** The limit lemlist announced last (`X-RateLimit-Limit`). */
  announcedLimit: number | undefined
  /** The margin learned from 429s (0 until the first). */
  learnedMargin: number
  /** The window plus margin, and the limit, the key was last reserved with: `depart` checks them. */
  span: number | undefined
  limit: number
}

const insertSorted = (log: Array<Entry>, entry: Entry) => {
  let i = log.length
  while (i > 0 && log[i - 1].at > entry.at) i--
  log.splice(i, 0, entry)
}

const removeId = (log: Array<Entry>, id: string): Entry | undefined => {
  const i = log.findIndex((e) => e.id === id)
  return i < 0 ? undefined : log.splice(i, 1)[0]
}

/**
 * The rules every store implements (and the SQL store's tests compare against): the span a
 * start occupies, the limit in force, and the margin after one more 429.
 *
 * @internal
 */
export const rules = {
  span: (window: number, margin: number, learnedMargin: number) => window + Math.max(margin, learnedMargin),
  limit: (limit: number, announced: number | null | undefined) =>
    Math.max(1, Math.min(limit, announced ?? limit)),
  /**
   * A 429 despite our count means lemlist saw our requests closer together than we sent them
   * (its queues, a proxy): the jitter is larger than assumed, so double the margin (from 50 ms,
   * at most a quarter of the window).
   */
  grownMargin: (window: number, margin: number, learnedMargin: number) =>
    Math.min(window / 4, Math.max(2 * Math.max(margin, learnedMargin), 50)),
  /**
   * A start leaving at `at` whose window `(at - span, at]` already holds `others` (their times,
   * sorted, itself left out) would overfill it: `Full`, until the oldest start that makes it
   * full has left; else `undefined`.
   */
  full: (others: ReadonlyArray<number>, span: number, limit: number, now: number): Departure | undefined => {
    const over = others.length + 1 - limit
    return over > 0 ? { _tag: "Full", retryIn: Math.max(1, others[over - 1] + span - now) } : undefined
  },
  /** Where `observed`'s `moveStart` puts a start booked at `startedAt`: `by` later, not past now. */
  movedStart: (startedAt: number, by: number, now: number) => Math.max(startedAt, Math.min(now, startedAt + by))
}

/** @internal */
export const make = (): Store => {
  const states = new Map<string, KeyState>()
  let nextId = 0
  const state = (key: string): KeyState => {
    let s = states.get(key)
    if (s === undefined) {
      s = { log: [], nextAt: 0, pausedUntil: 0, announcedLimit: undefined, learnedMargin: 0, span: undefined, limit: 0 }
      states.set(key, s)
    }
    return s
  }
  const withNow = <A>(f: (now: number) => A): Effect.Effect<A, PacerStoreError> =>
    Effect.clockWith((clock) => Effect.sync(() => f(clock.unsafeCurrentTimeMillis())))

  return {
    reserve: (o) =>
      withNow((now): Reservation => {
        const s = state(o.key)
        const span = rules.span(o.window, o.margin, s.learnedMargin)
        const limit = rules.limit(o.limit, s.announcedLimit)
        let pruned = 0
        while (pruned < s.log.length && s.log[pruned].at <= now - span) pruned++
        s.log.splice(0, pruned)
        let slot = Math.max(now, s.nextAt, s.pausedUntil)
        // Sliding window: the `limit`-th most recent start must have left the window.
        if (s.log.length >= limit) slot = Math.max(slot, s.log[s.log.length - limit].at + span)
        const id = String(nextId++)
        insertSorted(s.log, { id, at: slot })
        s.nextAt = slot + o.interval
        s.span = span
        s.limit = limit
        return { id, slot, now }
      }),
    depart: (o) =>
      withNow((now): Departure => {
        const s = state(o.key)
        if (s.pausedUntil > now) {
          removeId(s.log, o.id)
          return { _tag: "Paused", until: s.pausedUntil }
        }
        const at = Math.max(now, s.log.find((e) => e.id === o.id)?.at ?? now)
        // A start that leaves late, or one moved to its answer (`observed`), sits in windows that
        // starts reserved before were counted without it: one that would overfill the window
        // ending when it leaves waits, keeping its slot, until the oldest start that makes it
        // full has left (the SQL and Redis stores do the same).
        if (s.span !== undefined) {
          const from = at - s.span
          const others = s.log.filter((e) => e.id !== o.id && e.at > from && e.at <= at).map((e) => e.at)
          const full = rules.full(others, s.span, s.limit, now)
          if (full !== undefined) return full
        }
        removeId(s.log, o.id)
        insertSorted(s.log, { id: o.id, at })
        s.nextAt = Math.max(s.nextAt, at + o.interval)
        return { _tag: "Departed", at }
      }),
    release: (o) =>
      Effect.sync(() => {
        const s = states.get(o.key)
        if (s) removeId(s.log, o.id)
      }),
    rateLimited: (o) =>
      withNow((now) => {
        const s = state(o.key)
        if (o.announcedLimit !== undefined) s.announcedLimit = o.announcedLimit
        s.learnedMargin = rules.grownMargin(o.window, o.margin, s.learnedMargin)
        s.pausedUntil = Math.max(s.pausedUntil, now + o.pause)
      }),
    observed: (o) =>
      withNow((now) => {
        const s = state(o.key)
        if (o.announcedLimit !== undefined) s.announcedLimit = o.announcedLimit
        if (o.moveStart !== undefined) {
          const to = rules.movedStart(o.startedAt, o.moveStart, now)
          const i = s.log.findIndex((e) => e.at === o.startedAt)
          const start = i < 0 ? { id: String(nextId++), at: to } : s.log.splice(i, 1)[0]
          start.at = Math.max(start.at, to)
          insertSorted(s.log, start)
        }
        if (o.used === undefined) return
        const from = o.startedAt - o.window
        let own = 0
        for (const e of s.log) if (e.at > from && e.at <= now) own++
        for (let i = own; i < o.used; i++) insertSorted(s.log, { id: String(nextId++), at: now })
      })
  }
}
