/**
 * Polling: alone without webhooks, the safety net with them. The poller owns only its
 * schedule (which id to poll when, from the owner's `PollAt` and `StopPolling` commands); what
 * a poll says goes back to the owner as an event, which decides what comes next (another poll
 * later, a result, giving up). Polls are paced by the client's shared limiter.
 *
 * @internal
 */
import type { EnrichmentType } from "@lemlist-effect/contract"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as LemlistClient from "../LemlistClient.js"
import type * as LemlistError from "../LemlistError.js"
import * as DueQueue from "./dueQueue.js"
import type { PollCommand, RunEvent } from "./events.js"

/** What one poll tells the owner. */
const poll = (client: LemlistClient.Service, id: string, types: ReadonlyArray<EnrichmentType.EnrichmentType>) =>
  Effect.map(Effect.either(client.getEnrichment(id, { types })), (status): RunEvent | LemlistError.Unauthorized => {
    if (status._tag === "Left") {
      const error = status.left
      if (error._tag === "Unauthorized") return error
      // lemlist forgot the id (expired, or a mock restarted): waiting longer cannot help.
      if (error._tag === "NotFound") {
        return { _tag: "PollGaveUp", enrichmentId: id, reason: "Expired", code: "NOT_FOUND", description: `lemlist no longer knows ${id}` }
      }
      return { _tag: "PollFailed", enrichmentId: id }
    }
    const s = status.right
    switch (s._tag) {
      case "InProgress":
        return { _tag: "PollFailed", enrichmentId: id }
      case "Done":
      case "Failed":
        return { _tag: "Delivered", delivery: s }
      case "UnknownStatus":
        return {
          _tag: "PollGaveUp",
          enrichmentId: id,
          reason: "UnknownStatus",
          code: s.status,
          description: `lemlist answered an unknown status: ${s.status}`
        }
    }
  })

/** Polls what is due, forever (the run interrupts it). @internal */
export const poller = (deps: {
  readonly client: LemlistClient.Service
  readonly concurrency: number
  readonly now: () => number
  readonly commands: Queue.Dequeue<PollCommand>
  readonly events: Queue.Enqueue<RunEvent>
}): Effect.Effect<never, LemlistError.Unauthorized> =>
  Effect.gen(function*() {
    const { client, commands, concurrency, events, now } = deps
    const due = DueQueue.make()
    // The ids polled, with their workflows; an id the owner stopped is skipped when due.
    const live = new Map<string, ReadonlyArray<EnrichmentType.EnrichmentType>>()
    const follow = (command: PollCommand) => {
      if (command._tag === "Stop") live.delete(command.id)
      else {
        live.set(command.id, command.types)
        due.push(command.id, command.at)
      }
    }
    // The ids due and still polled: with webhooks most ids are stopped before they are due.
    const takeDue = (max: number): Array<string> => {
      const ids: Array<string> = []
      for (let batch = due.takeDue(now(), max); batch.length > 0; batch = due.takeDue(now(), max)) {
        for (const id of batch) if (live.has(id)) ids.push(id)
        if (ids.length >= max) break
      }
      return ids
    }
    for (;;) {
      Chunk.forEach(yield* Queue.takeAll(commands), follow)
      // Stopped ids stay in the heap until due: past twice the live ones, drop them (memory).
      if (due.size() > 2 * live.size + 10_000) due.retain((id) => live.has(id))
      const ids = takeDue(concurrency * 5)
      if (ids.length > 0) {
        yield* Effect.forEach(ids, (id) =>
          Effect.flatMap(poll(client, id, live.get(id)!), (event) => {
            if (event._tag === "Unauthorized") return Effect.fail(event)
            // A webhook may have won the race meanwhile: the owner ignores what no longer applies.
            if (event._tag !== "PollFailed") live.delete(id)
            return Queue.offer(events, event)
          }), { concurrency, discard: true })
      } else {
        const next = due.nextDueAt()
        yield* Effect.sleep(Duration.millis(Math.max(10, Math.min(1000, (next ?? Infinity) - now()))))
      }
    }
  })
