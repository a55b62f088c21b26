/**
 * Which failures may be retried, and when.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import type { LemlistError } from "../LemlistError.js"

/**
 * Safe to resend a request that changes nothing (GET, DELETE): every transient failure.
 *
 * @internal
 */
export const isTransient = (error: LemlistError): boolean => {
  switch (error._tag) {
    case "Timeout":
    case "Transport":
    case "RateLimited":
      return true
    case "ServerError":
      return error.status >= 500 || error.status === 408
    default:
      return false
  }
}

/**
 * Safe to resend a request that spends credits as is: only when it surely did nothing. A 429 is
 * the rate limiter refusing the request; `connected: false` means it never left the machine.
 * Timeouts, resets after sending and 5xx are ambiguous and are never resent here. A rejection
 * such as `BatchRejected` created nothing either, but resending it unchanged would fail again.
 *
 * @internal
 */
export const safeToResend = (error: LemlistError): boolean =>
  error._tag === "RateLimited" || (error._tag === "Transport" && !error.connected)

/** @internal */
export interface RetryScheduleOptions {
  readonly base?: Duration.DurationInput | undefined
  readonly factor?: number | undefined
  readonly times?: number | undefined
  readonly maxDelay?: Duration.DurationInput | undefined
}

/**
 * Exponential, jittered, bounded; after a 429 it waits exactly what lemlist asked (the pacer
 * holds every other request of the key for the same time).
 *
 * @internal
 */
export const retrySchedule = (options: RetryScheduleOptions = {}): Schedule.Schedule<unknown, LemlistError> => {
  const maxDelay = Duration.decode(options.maxDelay ?? "10 seconds")
  return Schedule.exponential(options.base ?? "200 millis", options.factor ?? 2).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(options.times ?? 5)),
    Schedule.intersect(Schedule.identity<LemlistError>()),
    Schedule.modifyDelay(([, error], delay) =>
      error._tag === "RateLimited" ? Duration.millis(error.retryAfterMillis) : Duration.min(delay, maxDelay)
    )
  )
}
