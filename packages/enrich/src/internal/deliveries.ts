/**
 * How the webhook receiver hands results to the runs that await them, and knows when it may
 * answer lemlist: each result goes out through a `PubSub` to every subscriber (a run). The
 * answer waits until a subscriber says it recorded the result (then a 200 means "safe": a
 * crash before it leaves lemlist retrying), or until every subscriber present when it arrived
 * let it pass (not theirs; an early result a run keeps for later). A run with several workers
 * (`workers.ts`) records more than its own leads' results: one for a lead of its journal that
 * another worker awaits is written to the journal, then `recorded`; it is let pass only when no
 * such lead is `submitted` with that id within 10 s, or when the run ends (a run passes what it
 * still holds). A subscriber that leaves lets pass what is still in its queue. Results that come while nobody subscribes (a restarted
 * process whose run has not started yet gets lemlist's retries) are answered at once and kept,
 * in a bounded buffer, for the next subscriber.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type { Delivery } from "./outcomes.js"

/** A result as subscribers see it. @internal */
export interface Received {
  readonly delivery: Delivery
  /** A subscriber recorded the result: the receiver may answer. */
  readonly recorded: () => void
  /** Not this subscriber's to record: it no longer holds the answer back. Once per subscriber. */
  readonly pass: () => void
}

/** @internal */
export interface Deliveries {
  /** Publishes a result; the promise settles when the receiver may answer (undefined: at once). */
  readonly publish: (delivery: Delivery) => Promise<void> | undefined
  /** The results from now on, while the scope lasts. */
  readonly subscribe: Effect.Effect<Queue.Dequeue<Received>, never, Scope.Scope>
}

const answered: Received["recorded"] = () => {}

/** A result held back until `waiting` subscribers let it pass, or one recorded it. */
const ticket = (delivery: Delivery, waiting: number, answer: () => void): Received => {
  let answered = false
  const done = () => {
    if (answered) return
    answered = true
    answer()
  }
  return { delivery, recorded: done, pass: () => --waiting <= 0 && done() }
}

/** @internal */
export const make = (options: { readonly remember?: number } = {}): Effect.Effect<Deliveries> =>
  Effect.map(PubSub.unbounded<Received>(), (pubsub) => fromPubSub(pubsub, options.remember ?? 100_000))

const fromPubSub = (pubsub: PubSub.PubSub<Received>, remember: number): Deliveries => {
  let subscribers = 0
  // Ids already published, oldest first: lemlist's retries and duplicates are answered at once.
  const seen = new Set<string>()
  // Results that came while nobody subscribed, oldest first.
  let orphans = new Map<string, Delivery>()
  return {
    publish: (delivery) => {
      if (seen.has(delivery.id)) return undefined
      if (seen.size >= remember) seen.delete(seen.values().next().value!)
      seen.add(delivery.id)
      if (subscribers === 0) {
        if (orphans.size >= remember) orphans.delete(orphans.keys().next().value!)
        orphans.set(delivery.id, delivery)
        return undefined
      }
      return new Promise<void>((answer) => pubsub.unsafeOffer(ticket(delivery, subscribers, answer)))
    },
    subscribe: Effect.gen(function*() {
      // Counted in the same step as subscribed: a result published meanwhile waits for it.
      const dequeue = yield* Effect.tap(PubSub.subscribe(pubsub), () => Effect.sync(() => subscribers++))
      yield* Effect.addFinalizer(() =>
        Effect.map(Queue.takeAll(dequeue), (left) => {
          subscribers--
          for (const received of left) received.pass()
        })
      )
      // The kept results were answered already: they go to whoever subscribes now.
      const kept = [...orphans.values()].map((delivery): Received => ({ delivery, recorded: answered, pass: answered }))
      orphans = new Map()
      if (kept.length > 0) yield* PubSub.publishAll(pubsub, kept)
      return dequeue
    })
  }
}

/** After the I/O the event loop has waiting (not a timer: a virtual clock would hold it). */
const nextTurn = Effect.async<void>((resume) => void setImmediate(() => resume(Effect.void)))

/**
 * What a subscription holds, in batches: the first result, then whatever the webhooks already
 * on the sockets add. A run handles a batch in one turn of its owner where one result at a time
 * would cost a turn each (half its CPU at 5,000 results a second); a webhook's answer waits one
 * turn of the event loop more.
 *
 * @internal
 */
export const batches = (results: Queue.Dequeue<Received>, max = 1024): Effect.Effect<Chunk.Chunk<Received>> =>
  Effect.flatMap(Queue.take(results), (first) =>
    Effect.map(Effect.zipRight(nextTurn, Queue.takeUpTo(results, max - 1)), (rest) => Chunk.prepend(rest, first)))
