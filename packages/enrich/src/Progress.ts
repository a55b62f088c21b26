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
 * Milliseconds left, when the total is known and a lead has had its result from lemlist: the
 * leads still to come at the rate of such results since the start. Outcomes that took no wait
 * (refused locally, re-emitted from the journal) come at once, so they are left out of the rate
 * (a run whose first second refuses 700 rows would otherwise promise the rest at 700 a second),
 * and the leads not read yet count at the share of such outcomes among those read.
 *
 * @example
 * ```ts
 * import { Progress } from "@lemlist-effect/enrich"
 *
 * // 10 s in: 600 of 1,000 leads read, 100 refused locally, 50 with lemlist's result.
 * const p: Progress.Progress = {
 *   ...Progress.initial(0, 1_000),
 *   read: 600,
 *   rejectedLocally: 100,
 *   outcomes: { ...Progress.initial(0).outcomes, RejectedLocally: 100, Enriched: 50 },
 *   updatedAt: 10_000
 * }
 * Progress.etaMillis(p) // 450 read and waiting, 400 × 5/6 unread: 783 leads at 5 a second, 156,667 ms
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const etaMillis = (p: Progress): number | undefined => {
  if (p.total === undefined) return undefined
  const finished = done(p)
  if (finished >= p.total) return 0
  const atOnce = p.rejectedLocally + p.resumed
  const waited = finished - atOnce
  const seconds = (p.updatedAt - p.startedAt) / 1000
  if (waited <= 0 || seconds <= 0) return undefined
  const unread = Math.max(0, p.total - p.read)
  const left = Math.max(0, p.read - finished) + unread * (p.read > 0 ? 1 - Math.min(1, atOnce / p.read) : 1)
  return (left / (waited / seconds)) * 1000
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
