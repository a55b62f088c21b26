/**
 * Where results meet the leads that await them. Webhooks and polls both deliver here; the
 * first delivery of an id wins and later ones are ignored, so duplicated and reordered
 * webhooks are harmless. A result may arrive before its id is known (a webhook can beat the
 * bulk answer), so unclaimed results wait, in a bounded buffer.
 *
 * @internal
 */
import type { EnrichmentStatus } from "../LemlistClient.js"

/** A finished enrichment, whichever channel brought it (the poller's statuses, as is). @internal */
export type Delivery = Extract<EnrichmentStatus, { readonly _tag: "Done" | "Failed" }>

/** @internal */
export interface ResultHub {
  /** Calls `onResult` once, with the first delivery of `id` (now, if it already came). */
  readonly expect: (id: string, onResult: (delivery: Delivery) => void | Promise<void>) => void
  /** Stops waiting for `id`. */
  readonly forget: (id: string) => void
  /**
   * Hands over a delivery: the waiter's promise (settled once the result is recorded), or
   * undefined when nobody waited for it (kept for a later `expect`) or the waiter made none.
   */
  readonly deliver: (delivery: Delivery) => Promise<void> | undefined
}

/** @internal */
export const make = (options: { readonly maxUnclaimed?: number } = {}): ResultHub => {
  const maxUnclaimed = options.maxUnclaimed ?? 100_000
  const waiters = new Map<string, (delivery: Delivery) => void | Promise<void>>()
  // Insertion-ordered: the oldest unclaimed result is dropped first when full.
  const unclaimed = new Map<string, Delivery>()
  return {
    expect: (id, onResult) => {
      const early = unclaimed.get(id)
      if (early) {
        unclaimed.delete(id)
        onResult(early)
      } else {
        waiters.set(id, onResult)
      }
    },
    forget: (id) => {
      waiters.delete(id)
    },
    deliver: (delivery) => {
      const waiter = waiters.get(delivery.id)
      if (waiter) {
        waiters.delete(delivery.id)
        return waiter(delivery) ?? undefined
      }
      if (!unclaimed.has(delivery.id)) {
        if (unclaimed.size >= maxUnclaimed) unclaimed.delete(unclaimed.keys().next().value!)
        unclaimed.set(delivery.id, delivery)
      }
      return undefined
    }
  }
}
