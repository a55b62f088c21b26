/**
 * Fault injection: which faults hit a request, drawn from the seeded random source (or queued
 * one-shot with `handle.injectFault`), and how a dropped connection looks to a client.
 *
 * @since 0.1.0
 */
import type { ResolvedOptions, RouteName } from "./Options.js"
import type { Rng } from "./Random.js"

/**
 * Request faults.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestFault = "refused" | "drop" | "lostAnswer" | "serverError" | "slow" | "rateLimitStorm"

/**
 * Connection-level faults: the answer never reaches the client.
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectionFault = "refused" | "drop" | "lostAnswer"

/**
 * The internal header that marks an answer as "drop this connection". `server.fetch` turns it
 * into a network error and the node adapter destroys the socket; it never reaches a client.
 *
 * @since 0.1.0
 * @category constants
 */
export const connectionFaultHeader = "x-lemlist-mock-connection-fault"

/**
 * The error `fetch` raises when a connection breaks, as undici does: a `TypeError("fetch
 * failed")` whose `cause` carries the errno `code`.
 *
 * @example
 * ```ts
 * import { connectionError } from "@lemlist-effect/mock-server/Faults"
 *
 * const e = connectionError("ECONNRESET")
 * (e.cause as NodeJS.ErrnoException).code // "ECONNRESET"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const connectionError = (code: "ECONNRESET" | "ECONNREFUSED"): TypeError => {
  const cause = Object.assign(
    new Error(code === "ECONNRESET" ? "read ECONNRESET" : "connect ECONNREFUSED 127.0.0.1"),
    { code, errno: code === "ECONNRESET" ? -104 : -111, syscall: code === "ECONNRESET" ? "read" : "connect" }
  )
  return new TypeError("fetch failed", { cause })
}

/**
 * A one-shot fault queued by `handle.injectFault`.
 *
 * @since 0.1.0
 * @category models
 */
export interface InjectedFault {
  readonly fault: RequestFault
  /** Only requests to this route (default: any lemlist route). */
  readonly route?: RouteName | undefined
  /** How many requests it hits. Default 1. */
  readonly times?: number | undefined
  /** For `serverError`: the status. Default 500. */
  readonly status?: 500 | 502 | 503 | undefined
}

/**
 * The faults hitting one request.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultPlan {
  readonly refused: boolean
  readonly drop: boolean
  readonly lostAnswer: boolean
  readonly serverError: 500 | 502 | 503 | undefined
  readonly slow: boolean
  readonly storm: boolean
}

const none: FaultPlan = { refused: false, drop: false, lostAnswer: false, serverError: undefined, slow: false, storm: false }

/**
 * Decides a request's faults. Random draws happen only for faults whose probability is above
 * zero, so switching faults off leaves every other random choice unchanged.
 *
 * @since 0.1.0
 * @category utils
 */
export const plan = (
  faults: ResolvedOptions["faults"],
  rng: Rng,
  route: RouteName,
  injected: Array<{ spec: InjectedFault; left: number }>
): FaultPlan => {
  let out: { -readonly [K in keyof FaultPlan]: FaultPlan[K] } | undefined
  for (let i = 0; i < injected.length; i++) {
    const q = injected[i]
    if (q.spec.route !== undefined && q.spec.route !== route) continue
    out ??= { ...none }
    if (q.spec.fault === "serverError") out.serverError = q.spec.status ?? 500
    else if (q.spec.fault === "rateLimitStorm") out.storm = true
    else out[q.spec.fault] = true
    if (--q.left <= 0) injected.splice(i--, 1)
  }
  if (faults.routes === undefined || faults.routes.includes(route)) {
    const roll = (p: number) => p > 0 && rng() < p
    if (roll(faults.refused)) (out ??= { ...none }).refused = true
    if (roll(faults.drop)) (out ??= { ...none }).drop = true
    if (roll(faults.rateLimitStorm)) (out ??= { ...none }).storm = true
    if (roll(faults.serverError)) (out ??= { ...none }).serverError = ([500, 502, 503] as const)[(rng() * 3) | 0]
    if (roll(faults.slow)) (out ??= { ...none }).slow = true
    if (roll(faults.lostAnswer)) (out ??= { ...none }).lostAnswer = true
  }
  return out ?? none
}
