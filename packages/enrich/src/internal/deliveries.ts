/**
 * How the webhook receiver hands results to the runs that await them, and knows when it may
 * answer lemlist: each result goes out through a `PubSub` to every subscriber (a run). The
 * answer waits until a subscriber says it recorded the result (then a 200 means "safe": a
 * crash before it leaves lemlist retrying), or until every subscriber present when it arrived
 * let it pass (not theirs) or asked for it again (`retry`: a run that stops before it could
 * record it; then a 503, and lemlist sends it again, to the rerun). A run holds an early result
 * (its bulk call's answer not read yet) while a call is being sent, at most `holdFor` (`owner.ts`).
 * A run with several workers (`workers.ts`) records more than its own leads' results: one for a
 * lead of its journal that another worker awaits is written to the journal, then `recorded`; it
 * is let pass only when no such lead is `submitted` with that id within `holdFor`. A run that ends
 * lets pass what it still holds, one that stops (interrupted, failed) asks for it again, what is
 * still in its queue included. Results that come while nobody subscribes (a restarted process
 * whose run has not started yet gets lemlist's retries) are answered at once and kept, in a
 * bounded buffer, for the next subscriber.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
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
  /**
   * This subscriber stops before it could record the result: unless another records it, lemlist
   * is asked to send it again. Once per subscriber, instead of `pass`.
   */
  readonly retry: () => void
}

/** @internal */
export interface Deliveries {
  /**
   * Publishes a result; the promise settles when the receiver may answer: true when the result
   * is taken (recorded, or nobody's), false when it is to be sent again. Undefined: taken at once.
   */
  readonly publish: (delivery: Delivery) => Promise<boolean> | undefined
  /** The results from now on, while the scope lasts. */
  readonly subscribe: Effect.Effect<Queue.Dequeue<Received>, never, Scope.Scope>
}

/**
 * How long a run may hold a webhook's answer for a result it cannot record yet (its id not
 * known, or another worker's lead not submitted yet): under lemlist's 10 s timeout for a
 * delivery (docs/decisions.md #11), well over a bulk call's answer.
 *
 * @internal
 */
export const holdFor = 5_000

const answered: Received["recorded"] = () => {}

/**
 * A result held back until one subscriber recorded it, or `waiting` subscribers let it pass or
 * asked for it again (then it is to be sent again if any asked).
 */
const ticket = (delivery: Delivery, waiting: number, answer: (taken: boolean) => void): Received => {
  let answered = false
  let again = false
  const done = (taken: boolean) => {
    if (answered) return
    answered = true
    answer(taken)
  }
  const leave = () => --waiting <= 0 && done(!again)
  return {
    delivery,
    recorded: () => done(true),
    pass: leave,
    retry: () => {
      again = true
      leave()
    }
  }
}

/** @internal */
export const make = (options: { readonly remember?: number } = {}): Effect.Effect<Deliveries> =>
  Effect.map(PubSub.unbounded<Received>(), (pubsub) => fromPubSub(pubsub, options.remember ?? 100_000))

const fromPubSub = (pubsub: PubSub.PubSub<Received>, remember: number): Deliveries => {
  let subscribers = 0
  // Ids already published, oldest first: lemlist's retries and duplicates are answered at once,
  // or, while the first is undecided, with it (a 200 for a copy must mean safe too).
  const seen = new Set<string>()
  const undecided = new Map<string, Promise<boolean>>()
  // Results that came while nobody subscribed, oldest first.
  let orphans = new Map<string, Delivery>()
  return {
    publish: (delivery) => {
      if (seen.has(delivery.id)) return undecided.get(delivery.id)
      if (seen.size >= remember) seen.delete(seen.values().next().value!)
      seen.add(delivery.id)
      if (subscribers === 0) {
        if (orphans.size >= remember) orphans.delete(orphans.keys().next().value!)
        orphans.set(delivery.id, delivery)
        return undefined
      }
      const decided = new Promise<boolean>((answer) =>
        pubsub.unsafeOffer(ticket(delivery, subscribers, (taken) => {
          undecided.delete(delivery.id)
          // Sent again by lemlist: not a duplicate then.
          if (!taken) seen.delete(delivery.id)
          answer(taken)
        }))
      )
      undecided.set(delivery.id, decided)
      return decided
    },
    subscribe: Effect.gen(function*() {
      // Counted in the same step as subscribed: a result published meanwhile waits for it.
      const dequeue = yield* Effect.tap(PubSub.subscribe(pubsub), () => Effect.sync(() => subscribers++))
      yield* Effect.addFinalizer((exit) =>
        Effect.map(Queue.takeAll(dequeue), (left) => {
          subscribers--
          for (const received of left) release(received, Exit.isSuccess(exit))
        })
      )
      // The kept results were answered already: they go to whoever subscribes now.
      const kept = [...orphans.values()].map((delivery): Received => ({
        delivery,
        recorded: answered,
        pass: answered,
        retry: answered
      }))
      orphans = new Map()
      if (kept.length > 0) yield* PubSub.publishAll(pubsub, kept)
      return dequeue
    })
  }
}

/**
 * What a subscriber does with a result it holds when it is over: lets it pass when it ended
 * (every lead it awaited has its outcome), asks for it again when it stopped first.
 *
 * @internal
 */
export const release = (received: Received, ended: boolean): void => ended ? received.pass() : received.retry()

/** After the I/O the event loop has waiting (not a timer: a virtual clock would hold it). */
const nextTurn = Effect.async<void>((resume) => void setImmediate(() => resume(Effect.void)))

/**
 * A subscriber's own handle on a result: its first verdict counts, any later one is ignored (a
 * result handed on while the run stops may be released twice: by the hand-over and by what
 * drains the run's queue).
 *
 * @internal
 */
export const once = (received: Received): Received => {
  let given = false
  const first = (verdict: () => void) => () => {
    if (given) return
    given = true
    verdict()
  }
  return { delivery: received.delivery, recorded: first(received.recorded), pass: first(received.pass), retry: first(received.retry) }
}

/**
 * Hands what a subscription holds on, in batches, forever: the first result, then whatever the
 * webhooks already on the sockets add. A run handles a batch in one turn of its owner where one
 * result at a time would cost a turn each (half its CPU at 5,000 results a second); a webhook's
 * answer waits one turn of the event loop more. A result taken is never dropped: only the wait
 * for the first and the hand-over can be interrupted, and a hand-over interrupted releases its
 * results as the run is over (`ended`; `once`: those already handed on keep their first verdict).
 *
 * @internal
 */
export const forward = (
  results: Queue.Dequeue<Received>,
  handOn: (batch: Chunk.Chunk<Received>) => Effect.Effect<void>,
  ended: () => boolean,
  max = 1024
): Effect.Effect<never> =>
  Effect.forever(Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(restore(Queue.take(results)), (first) =>
      Effect.flatMap(Effect.zipRight(nextTurn, Queue.takeUpTo(results, max - 1)), (rest) => {
        const batch = Chunk.map(Chunk.prepend(rest, first), once)
        return restore(handOn(batch)).pipe(Effect.onInterrupt(() => Effect.sync(() => Chunk.forEach(batch, (r) => release(r, ended())))))
      }))
  ))
