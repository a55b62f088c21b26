/**
 * The requests made on behalf of one run. The client's own counters are its lifetime's, shared
 * by every run on it; a run instead puts a count of its own in a `FiberRef` that its fibers (and
 * the client's, forked from them) inherit, so `Progress.requests` is the run's, whatever else
 * uses the client at the same time.
 *
 * @internal
 */
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"

/** @internal */
export interface RequestCount {
  requests: number
  rateLimited: number
}

/** @internal */
export const current: FiberRef.FiberRef<RequestCount | undefined> = globalValue(
  Symbol.for("@lemlist-effect/enrich/internal/requestCount"),
  () => FiberRef.unsafeMake<RequestCount | undefined>(undefined)
)
