/**
 * The library's numbers as Effect metrics, for an app that exports them (OpenTelemetry through
 * `@effect/opentelemetry`, Prometheus, or `Metric.value` in a health route). They count for the
 * whole process, every run and every client together, from the process's start; `Progress` is
 * one run's live view. Counters only, each updated when the run or the client learns the number
 * (a run once per round of events, a client once per request), so they cost next to nothing.
 *
 * @example
 * ```ts
 * import { EnrichmentMetrics } from "@lemlist-effect/enrich"
 * import { Effect, Metric } from "effect"
 *
 * // How many leads were found not to exist, over every run of this process so far.
 * const notFound = Metric.value(Metric.tagged(EnrichmentMetrics.outcomes, "outcome", "NotFound")).pipe(
 *   Effect.map((state) => state.count)
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Metric from "effect/Metric"

/** A counter that only goes up (Effect ignores a negative update to it). */
const counter = (name: string, description: string): Metric.Metric.Counter<number> =>
  Metric.counter(name, { description, incremental: true })

/**
 * Outcomes emitted by runs, tagged `outcome` with the outcome's tag (`Enriched`, `NotFound`,
 * `RejectedLocally`, `RejectedByLemlist`, `Failed`, `Undetermined`). A resumed run's outcomes
 * re-emitted from its journal count again, as in `Progress.outcomes`; `resumed` counts those.
 *
 * @since 0.1.0
 * @category metrics
 */
export const outcomes: Metric.Metric.Counter<number> = counter(
  "lemlist_enrich_outcomes",
  "Outcomes emitted by enrichment runs, by outcome tag (those re-emitted from a journal included)"
)

/**
 * Of `outcomes`, those re-emitted from a journal without calling lemlist (a resumed run, or a
 * worker reading another worker's result).
 *
 * @since 0.1.0
 * @category metrics
 */
export const resumed: Metric.Metric.Counter<number> = counter(
  "lemlist_enrich_resumed",
  "Outcomes re-emitted from a journal without calling lemlist"
)

/**
 * Credits spent, computed from the results with lemlist's published costs (as
 * `Progress.creditsSpent`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const creditsSpent: Metric.Metric.Counter<number> = counter(
  "lemlist_enrich_credits_spent",
  "Credits spent by enrichment runs, computed from the results with lemlist's published costs"
)

/**
 * HTTP requests the lemlist client made, retries included, tagged `route` (`bulkEnrich`,
 * `getEnrichment`, `credits`...: `LemlistClient`'s span names without their prefix) and
 * `status` (the answer's HTTP status, `429` for rate limited, or `none` when no answer came or
 * it could not be read: a transport error, a timeout).
 *
 * @since 0.1.0
 * @category metrics
 */
export const requests: Metric.Metric.Counter<number> = counter(
  "lemlist_client_requests",
  "HTTP requests made to lemlist, retries included, by route and status ('none': no answer)"
)
