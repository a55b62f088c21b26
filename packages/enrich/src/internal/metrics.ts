/**
 * Feeds `EnrichmentMetrics`: a run's tally is cumulative and the counters take increments, so
 * each run keeps what it has counted already and adds the difference, once per round; the
 * client counts each request as it ends.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as EnrichmentMetrics from "../EnrichmentMetrics.js"
import { type Tag, tags } from "../Outcome.js"
import * as Tally from "./tally.js"

const byTag = Object.fromEntries(tags.map((tag) => [tag, Metric.tagged(EnrichmentMetrics.outcomes, "outcome", tag)])) as Record<
  Tag,
  Metric.Metric.Counter<number>
>

/** The effect that counts a run's new figures (its tally and its duplicates' copies); one per run. @internal */
export const recorder = (): (tally: Tally.Tally, extra: Tally.Extra) => Effect.Effect<void> => {
  const counted = { outcomes: Object.fromEntries(tags.map((tag) => [tag, 0])) as Record<Tag, number>, resumed: 0, creditsSpent: 0 }
  const add = (updates: Array<Effect.Effect<void>>, counter: Metric.Metric.Counter<number>, now: number, before: number) => {
    if (now > before) updates.push(Metric.incrementBy(counter, now - before))
  }
  return (tally, extra) =>
    Effect.suspend(() => {
      const updates: Array<Effect.Effect<void>> = []
      for (const tag of tags) {
        const now = Tally.outcomesWithCopies(tally, extra, tag)
        add(updates, byTag[tag], now, counted.outcomes[tag])
        counted.outcomes[tag] = now
      }
      const resumed = Tally.resumedWithCopies(tally, extra)
      add(updates, EnrichmentMetrics.resumed, resumed, counted.resumed)
      add(updates, EnrichmentMetrics.creditsSpent, tally.creditsSpent, counted.creditsSpent)
      counted.resumed = resumed
      counted.creditsSpent = tally.creditsSpent
      return updates.length === 0 ? Effect.void : Effect.all(updates, { discard: true })
    })
}

/** Counts one request of `route`, answered with `status` (undefined: no answer). @internal */
export const request = (route: string, status: number | undefined): Effect.Effect<void> =>
  Metric.increment(
    Metric.tagged(Metric.tagged(EnrichmentMetrics.requests, "route", route), "status", status === undefined ? "none" : String(status))
  )
