/**
 * How the webhook receiver hands results to the runs that await them, and knows when it may
 * answer lemlist: each result goes out through a `PubSub` to every subscriber (a run) with a
 * ticket. The answer waits until a subscriber says it recorded the result (then a 200 means
 * "safe": a crash before it leaves lemlist retrying), or until every subscriber present when
 * it arrived let it pass (not theirs; an early result a run keeps for later). A subscriber
 * that leaves lets pass what it still holds, so no answer waits for a run that ended. Results
 * that come while nobody subscribes (a restarted process whose run has not started yet gets
 * lemlist's retries) are answered at once and kept, in a bounded buffer, for the next subscriber.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Delivery } from "./outcomes.js"

/** A result as one subscriber sees it. @internal */
export interface Received {
  readonly delivery: Delivery
  /** This subscriber recorded the result: the receiver may answer. */
  readonly recorded: () => void
  /** Not this subscriber's to record (or it stops): it no longer holds the answer back. */
  readonly pass: () => void
}

interface Ticket {
  readonly delivery: Delivery
  waiting: number
  answered: boolean
  readonly answer: () => void
}

/** @internal */
export interface Deliveries {
  /** Publishes a result; the promise settles when the receiver may answer (undefined: at once). */
  readonly publish: (delivery: Delivery) => Promise<void> | undefined
  /** The results from now on, while the scope lasts. */
  readonly subscribe: Effect.Effect<Stream.Stream<Received>, never, Scope.Scope>
}

/** @internal */
export const make = (options: { readonly remember?: number } = {}): Deliveries => {
  const remember = options.remember ?? 100_000
  const pubsub = Effect.runSync(PubSub.unbounded<Ticket>())
  // Each subscriber's tickets not yet recorded or let pass.
  const subscribers = new Set<Set<Ticket>>()
  // Ids already published, oldest first: lemlist's retries and duplicates are answered at once.
  const seen = new Set<string>()
  // Results that came while nobody subscribed, oldest first.
  let orphans = new Map<string, Delivery>()
  const done = (ticket: Ticket) => {
    if (ticket.answered) return
    ticket.answered = true
    ticket.answer()
  }
  const pass = (owed: Set<Ticket>, ticket: Ticket) => {
    if (!owed.delete(ticket)) return
    if (--ticket.waiting === 0) done(ticket)
  }
  return {
    publish: (delivery) => {
      if (seen.has(delivery.id)) return undefined
      if (seen.size >= remember) seen.delete(seen.values().next().value!)
      seen.add(delivery.id)
      if (subscribers.size === 0) {
        if (orphans.size >= remember) orphans.delete(orphans.keys().next().value!)
        orphans.set(delivery.id, delivery)
        return undefined
      }
      let answer!: () => void
      const answered = new Promise<void>((resolve) => (answer = resolve))
      const ticket: Ticket = { delivery, waiting: subscribers.size, answered: false, answer }
      for (const owed of subscribers) owed.add(ticket)
      pubsub.unsafeOffer(ticket)
      return answered
    },
    subscribe: Effect.gen(function*() {
      const dequeue = yield* PubSub.subscribe(pubsub)
      const owed = new Set<Ticket>()
      subscribers.add(owed)
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          subscribers.delete(owed)
          for (const ticket of [...owed]) pass(owed, ticket)
        })
      )
      const kept = [...orphans.values()].map((delivery): Received => ({ delivery, recorded: () => {}, pass: () => {} }))
      orphans = new Map()
      return Stream.fromQueue(dequeue).pipe(
        Stream.map((ticket): Received => ({
          delivery: ticket.delivery,
          // Recorded answers even a ticket published before this subscriber counted.
          recorded: () => {
            owed.delete(ticket)
            done(ticket)
          },
          pass: () => pass(owed, ticket)
        })),
        Stream.prepend(Chunk.unsafeFromArray(kept))
      )
    })
  }
}
