/**
 * lemlist's rate limit: `limit` requests per `windowMs` per API key, every route counted
 * (docs/decisions.md #14). Refused requests are not counted: they do nothing.
 *
 * @since 0.1.0
 */

/**
 * The window state of one key. A ring of the last `limit` accepted request times serves both
 * algorithms in O(limit) memory.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateWindow {
  times: Array<number>
  next: number
  fixedStart: number
  fixedCount: number
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const makeWindow = (): RateWindow => ({ times: [], next: 0, fixedStart: Number.NEGATIVE_INFINITY, fixedCount: 0 })

/**
 * The verdict on one request, with what the four headers should say.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateVerdict {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** Epoch ms when the window frees a slot (sliding) or restarts (fixed). */
  readonly resetAt: number
  /** Whole seconds to wait, at least 1. */
  readonly retryAfter: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RateConfig {
  readonly limit: number
  readonly windowMs: number
  readonly algorithm: "sliding" | "fixed"
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000))

/**
 * Counts a request against the window (when allowed) and says what to answer.
 *
 * @example
 * ```ts
 * import { makeWindow, take } from "@lemlist-effect/mock-server/RateLimit"
 *
 * const w = makeWindow()
 * take(w, { limit: 1, windowMs: 2000, algorithm: "sliding" }, 0).allowed // true
 * take(w, { limit: 1, windowMs: 2000, algorithm: "sliding" }, 10).allowed // false
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const take = (w: RateWindow, config: RateConfig, now: number): RateVerdict => {
  const { limit, windowMs } = config
  if (config.algorithm === "fixed") {
    if (now >= w.fixedStart + windowMs) {
      // Assumption (docs/decisions.md #14): a fixed window starts at the first request after the last one ended.
      w.fixedStart = now
      w.fixedCount = 0
    }
    const resetAt = w.fixedStart + windowMs
    if (w.fixedCount >= limit) {
      return { allowed: false, limit, remaining: 0, resetAt, retryAfter: seconds(resetAt - now) }
    }
    w.fixedCount++
    return { allowed: true, limit, remaining: limit - w.fixedCount, resetAt, retryAfter: seconds(windowMs) }
  }
  if (w.times.length !== limit) {
    // The limit changed (or first use): keep the newest times that still fit.
    const kept = w.times.length === 0 ? [] : [...w.times.slice(w.next), ...w.times.slice(0, w.next)].slice(-limit)
    w.times = kept
    while (w.times.length < limit) w.times.push(Number.NEGATIVE_INFINITY)
    w.next = 0
    // ring order: oldest at `next`
    w.times.sort((a, b) => a - b)
  }
  const cutoff = now - windowMs
  let used = 0
  for (const t of w.times) if (t > cutoff) used++
  const oldest = w.times[w.next]
  if (oldest > cutoff) {
    const resetAt = oldest + windowMs
    return { allowed: false, limit, remaining: 0, resetAt, retryAfter: seconds(resetAt - now) }
  }
  w.times[w.next] = now
  w.next = (w.next + 1) % limit
  used++
  const nextOldest = w.times[w.next]
  const resetAt = nextOldest > cutoff ? nextOldest + windowMs : now + windowMs
  return { allowed: true, limit, remaining: limit - used, resetAt, retryAfter: seconds(windowMs) }
}

/**
 * The headers of a verdict. `X-RateLimit-Reset` is a JS `Date.toString()` string, as lemlist
 * sends it. Assumption (docs/decisions.md #14): on an allowed answer `Retry-After` is the window length
 * in seconds, as in lemlist's captured 200 (`retry-after: 2`).
 *
 * @since 0.1.0
 * @category utils
 */
export const headers = (v: RateVerdict): Record<string, string> => ({
  "Retry-After": String(v.retryAfter),
  "X-RateLimit-Limit": String(v.limit),
  "X-RateLimit-Remaining": String(v.remaining),
  "X-RateLimit-Reset": new Date(v.resetAt).toString()
})
