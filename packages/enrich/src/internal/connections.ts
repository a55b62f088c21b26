/**
 * Which requests may open a connection. HTTP clients keep connections alive between requests
 * (undici behind `fetch`, Node's agent): a request reuses an idle one when there is one, and
 * opens one otherwise: the process's first request, one more at once than ever before, the
 * first after a quiet spell in which the client or the server closed the idle ones. Opening
 * costs DNS, TCP and TLS before the first byte leaves (and a fresh Node process's first
 * `fetch` loads undici: 90 ms measured, against 10 for the second), so such a request reaches
 * lemlist later than its start was booked, by more than the pacer's margin: the pacer moves its
 * start to its answer (`Observation.coldStart`). Only a model of the pool (the client may close
 * a connection for reasons of its own), erring towards "may open": a request wrongly called
 * cold costs one window the time of its answer, once; one wrongly called warm may cost a 429.
 *
 * @internal
 */

/**
 * How long an idle connection is trusted to stay open: below every common keep-alive timeout
 * (undici's 4 s, a Node server's 5 s, a load balancer's 60 s), so that a connection closed
 * while idle is never counted as one to reuse.
 *
 * @internal
 */
export const trustedIdleMillis = 1_000

/** @internal */
export interface Connections {
  /** A request starts at `now`: `true` if it may have to open a connection. */
  readonly start: (now: number) => boolean
  /** A request ended at `now`; `kept` is false when its connection may be gone (a transport error, a timeout). */
  readonly end: (now: number, kept: boolean) => void
}

/** @internal */
export const make = (idleMillis: number = trustedIdleMillis): Connections => {
  // When each idle connection was last used, oldest first (pushed in time order).
  const idleSince: Array<number> = []
  return {
    start: (now) => {
      while (idleSince.length > 0 && now - idleSince[0] >= idleMillis) idleSince.shift()
      return idleSince.pop() === undefined
    },
    end: (now, kept) => {
      if (kept) idleSince.push(now)
    }
  }
}
