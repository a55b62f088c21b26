/**
 * A min-heap of ids by due time, for the poller: O(log n) to schedule and to take what is
 * due, where scanning every pending id on each tick would cost O(n). Ties come out in the order
 * they were pushed. The heap is `heap-js`'s.
 *
 * @internal
 */
import { Heap } from "heap-js"

/** @internal */
export interface DueQueue {
  readonly push: (id: string, dueAt: number) => void
  /** Removes and returns up to `max` ids due at `now`, earliest first. */
  readonly takeDue: (now: number, max: number) => Array<string>
  /** The earliest due time, if any. */
  readonly nextDueAt: () => number | undefined
  readonly size: () => number
  /** Keeps only the ids `keep` accepts (O(n)): drops the entries of ids no longer polled. */
  readonly retain: (keep: (id: string) => boolean) => void
}

interface Entry {
  readonly id: string
  readonly dueAt: number
  readonly seq: number
}

/** @internal */
export const make = (): DueQueue => {
  const heap = new Heap<Entry>((a, b) => a.dueAt - b.dueAt || a.seq - b.seq)
  let seq = 0
  return {
    push: (id, dueAt) => {
      heap.push({ id, dueAt, seq: seq++ })
    },
    takeDue: (now, max) => {
      const out: Array<string> = []
      while (out.length < max && heap.length > 0 && heap.peek()!.dueAt <= now) out.push(heap.pop()!.id)
      return out
    },
    nextDueAt: () => heap.peek()?.dueAt,
    size: () => heap.length,
    retain: (keep) => {
      const kept = heap.toArray().filter((entry) => keep(entry.id))
      heap.clear()
      heap.init(kept)
    }
  }
}
