/**
 * Parsing of lemlist's rate-limit headers.
 *
 * @internal
 */
import { RateLimitHeaders } from "@lemlist-effect/contract"
import * as Headers from "@effect/platform/Headers"
import * as Option from "effect/Option"

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11
}

// JS `Date.prototype.toString()`: "Tue Feb 16 2021 09:02:42 GMT+0100 (Central European Standard Time)".
const DATE_TO_STRING = /^\s*(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})\s+GMT(?:([+-])(\d{2}):?(\d{2}))?/

/**
 * Parses a date in JS `Date.toString()` form explicitly (the offset decides, the zone name in
 * brackets is ignored), falling back to `Date.parse` for HTTP-dates and ISO strings.
 *
 * @internal
 */
export const parseResetDate = (value: string): number | undefined => {
  const m = DATE_TO_STRING.exec(value)
  if (m !== null) {
    const month = MONTHS[m[1]]
    if (month !== undefined) {
      const utc = Date.UTC(Number(m[3]), month, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]))
      const sign = m[7] === "-" ? -1 : 1
      const offsetMinutes = m[7] === undefined ? 0 : sign * (Number(m[8]) * 60 + Number(m[9]))
      return utc - offsetMinutes * 60_000
    }
  }
  const parsed = Date.parse(value)
  return Number.isNaN(parsed) ? undefined : parsed
}

/**
 * `Retry-After`: delta-seconds (possibly fractional) or an HTTP-date; in ms from `now`.
 *
 * @internal
 */
export const parseRetryAfter = (value: string, now: number): number | undefined => {
  const trimmed = value.trim()
  if (trimmed === "") return undefined
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000)
  const date = parseResetDate(trimmed)
  return date === undefined ? undefined : Math.max(0, date - now)
}

const int = (headers: Headers.Headers, name: string): number | undefined =>
  Option.match(Headers.get(headers, name), {
    onNone: () => undefined,
    onSome: (v) => (/^\s*\d+\s*$/.test(v) ? Number(v) : undefined)
  })

/** @internal */
export interface RateLimitInfo {
  readonly limit: number | undefined
  readonly remaining: number | undefined
  /** ms to wait from now: `Retry-After`, or else `X-RateLimit-Reset`. */
  readonly retryAfterMillis: number | undefined
}

/**
 * Reads the four headers. `Retry-After` wins over `X-RateLimit-Reset` because it is relative:
 * the reset date is absolute, has one-second resolution, and is only as good as the agreement
 * between lemlist's clock and ours.
 *
 * @internal
 */
export const rateLimitInfo = (headers: Headers.Headers, now: number): RateLimitInfo => {
  const retryAfter = Option.flatMapNullable(Headers.get(headers, RateLimitHeaders.retryAfter), (v) =>
    parseRetryAfter(v, now))
  const reset = Option.flatMapNullable(Headers.get(headers, RateLimitHeaders.reset), (v) => {
    const at = parseResetDate(v)
    return at === undefined ? undefined : Math.max(0, at - now)
  })
  return {
    limit: int(headers, RateLimitHeaders.limit),
    remaining: int(headers, RateLimitHeaders.remaining),
    retryAfterMillis: Option.getOrUndefined(Option.orElse(retryAfter, () => reset))
  }
}
