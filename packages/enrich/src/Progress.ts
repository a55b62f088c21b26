/**
 * Live counters of a run, for progress displays and dashboards. The library prints nothing:
 * it updates a `SubscriptionRef<Progress>` that the caller renders as it likes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type * as Outcome from "./Outcome.js"

/**
 * A snapshot of a run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  /** Leads read from the input. */
  readonly read: number
  /** Leads refused locally (also counted in `outcomes.RejectedLocally`). */
  readonly rejectedLocally: number
  /** Leads sent to lemlist in this run. */
  readonly submitted: number
  /** Leads sent (in this run or an earlier one) whose result has not arrived yet. */
  readonly pending: number
  /**
   * Of `pending`, leads an earlier run sent (a resumed run): their results come by lemlist's
   * webhook retries when the receiver's URL outlived that run (`WebhookReceiver.stable`), else
   * by polling, one request per lead out of lemlist's 10 per second.
   */
  readonly pendingFromEarlierRun: number
  /** Outcomes by tag (including those re-emitted from the journal). */
  readonly outcomes: { readonly [K in Outcome.Tag]: number }
  /** Outcomes re-emitted from the journal without calling lemlist. */
  readonly resumed: number
  /** HTTP requests this run made (credit check, submits and polls), retries included; not other runs' on the same client. */
  readonly requests: number
  /** 429 answers this run received. */
  readonly rateLimited: number
  /** Credits spent, computed from the results with lemlist's published costs. */
  readonly creditsSpent: number
  /** When the run started (epoch ms, from the Effect `Clock`). */
  readonly startedAt: number
  /** When this snapshot was taken (epoch ms). */
  readonly updatedAt: number
  /** Total leads, when the source knows it (a CSV file's row count, an array's length). */
  readonly total: number | undefined
}

/**
 * Outcomes per second since the start.
 *
 * @since 0.1.0
 * @category getters
 */
export const rate = (p: Progress): number => {
  const seconds = (p.updatedAt - p.startedAt) / 1000
  return seconds > 0 ? done(p) / seconds : 0
}

/**
 * Leads with an outcome.
 *
 * @since 0.1.0
 * @category getters
 */
export const done = (p: Progress): number => Object.values(p.outcomes).reduce((a, b) => a + b, 0)

/**
 * Milliseconds left at the current rate, when the total is known and the rate is positive.
 *
 * @since 0.1.0
 * @category getters
 */
export const etaMillis = (p: Progress): number | undefined => {
  const r = rate(p)
  return p.total === undefined || r === 0 ? undefined : Math.max(0, ((p.total - done(p)) / r) * 1000)
}

/**
 * The snapshot before anything happened.
 *
 * @since 0.1.0
 * @category constructors
 */
export const initial = (startedAt: number, total?: number): Progress => ({
  read: 0,
  rejectedLocally: 0,
  submitted: 0,
  pending: 0,
  pendingFromEarlierRun: 0,
  outcomes: { Enriched: 0, NotFound: 0, RejectedLocally: 0, RejectedByLemlist: 0, Failed: 0, Undetermined: 0 },
  resumed: 0,
  requests: 0,
  rateLimited: 0,
  creditsSpent: 0,
  startedAt,
  updatedAt: startedAt,
  total
})

/**
 * A fresh progress reference, to pass to a run and to watch (`ref.changes` is a stream).
 *
 * @example
 * ```ts
 * import { Progress } from "@lemlist-effect/enrich"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const progress = yield* Progress.make()
 *   yield* progress.changes.pipe(
 *     Stream.map((p) => `${Progress.done(p)} done`),
 *     Stream.runForEach(Effect.log),
 *     Effect.fork
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (total?: number): Effect.Effect<SubscriptionRef.SubscriptionRef<Progress>> =>
  Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (now) =>
    SubscriptionRef.make(initial(now, total)))
