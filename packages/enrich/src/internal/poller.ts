/**
 * Polling: the ids whose result has not come, each on its own backoff, paced by the client's
 * shared limiter; alone without webhooks, the safety net with them.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as LemlistError from "../LemlistError.js"
import { Failed } from "../Outcome.js"
import * as Outcomes from "./outcomes.js"
import type { Polled, RunState } from "./runState.js"

/** Stops polling an id and settles its lead without a result. */
const giveUp = (
  state: RunState,
  id: string,
  entry: Polled,
  failure: { readonly reason: "Deadline" | "UnknownStatus" | "Expired"; readonly code?: string; readonly description: string }
) => {
  state.stopAwaiting(id)
  state.hub.forget(id)
  const lead = state.active.get(entry.key)
  const who = lead === undefined ? { key: entry.key, metadata: undefined } : Outcomes.identity(lead)
  state.settle(entry.key, new Failed({ ...who, enrichmentId: id, ...failure }))
}

const poll = (state: RunState, id: string): Effect.Effect<void, LemlistError.Unauthorized> =>
  Effect.gen(function*() {
    const { polled, settings } = state
    const entry = polled.get(id)
    if (!entry) return
    const status = yield* Effect.either(state.client.getEnrichment(id, { types: entry.types }))
    if (!polled.has(id)) return // a webhook won the race
    const reschedule = () => {
      entry.attempts++
      const now = state.now()
      if (now < entry.deadlineAt) {
        return state.due.push(id, now + Math.min(settings.polling.maxInterval, settings.polling.initialDelay * 2 ** entry.attempts))
      }
      giveUp(state, id, entry, {
        reason: "Deadline",
        description: `no result within ${Duration.format(Duration.millis(settings.polling.deadline))}`
      })
    }
    if (status._tag === "Left") {
      const error = status.left
      if (error._tag === "Unauthorized") return yield* Effect.fail(error)
      // lemlist forgot the id (expired, or a mock restarted): waiting longer cannot help.
      if (error._tag === "NotFound") {
        return giveUp(state, id, entry, { reason: "Expired", code: "NOT_FOUND", description: `lemlist no longer knows ${id}` })
      }
      return reschedule()
    }
    const s = status.right
    switch (s._tag) {
      case "InProgress":
        return reschedule()
      case "Done":
      case "Failed":
        state.hub.deliver(s)
        return
      case "UnknownStatus":
        return giveUp(state, id, entry, {
          reason: "UnknownStatus",
          code: s.status,
          description: `lemlist answered an unknown status: ${s.status}`
        })
    }
  })

/** Polls what is due, forever (the run interrupts it). @internal */
export const poller = (state: RunState): Effect.Effect<never, LemlistError.Unauthorized> =>
  Effect.gen(function*() {
    const { concurrency } = state.settings.polling
    for (;;) {
      const ids = state.due.takeDue(state.now(), concurrency * 5).filter((id) => state.polled.has(id))
      if (ids.length > 0) {
        yield* Effect.forEach(ids, (id) => poll(state, id), { concurrency, discard: true })
        yield* state.publish
      } else {
        const next = state.due.nextDueAt()
        yield* Effect.sleep(Duration.millis(Math.max(10, Math.min(1000, (next ?? Infinity) - state.now()))))
      }
    }
  })
