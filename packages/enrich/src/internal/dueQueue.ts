/**
 * A min-heap of ids by due time, for the poller: O(log n) to schedule and to take what is
 * due, where scanning every pending id on each tick would cost O(n).
 *
 * @internal
 */

/** @internal */
export interface DueQueue {
  readonly push: (id: string, dueAt: number) => void
  /** Removes and returns up to `max` ids due at `now`, earliest first. */
  readonly takeDue: (now: number, max: number) => Array<string>
  /** The earliest due time, if any. */
  readonly nextDueAt: () => number | undefined
  readonly size: () => number
}

/** @internal */
export const make = (): DueQueue => {
  const ids: Array<string> = []
  const due: Array<number> = []
  const swap = (i: number, j: number) => {
    ;[ids[i], ids[j]] = [ids[j]!, ids[i]!]
    ;[due[i], due[j]] = [due[j]!, due[i]!]
  }
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (due[parent]! <= due[i]!) return
      swap(i, parent)
      i = parent
    }
  }
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1
      let min = i
      if (l < due.length && due[l]! < due[min]!) min = l
      if (r < due.length && due[r]! < due[min]!) min = r
      if (min === i) return
      swap(i, min)
      i = min
    }
  }
  const pop = (): string => {
    const top = ids[0]!
    const lastId = ids.pop()!
    const lastDue = due.pop()!
    if (ids.length > 0) {
      ids[0] = lastId
      due[0] = lastDue
      down(0)
    }
    return top
  }
  return {
    push: (id, dueAt) => {
      ids.push(id)
      due.push(dueAt)
      up(ids.length - 1)
    },
    takeDue: (now, max) => {
      const out: Array<string> = []
      while (out.length < max && due.length > 0 && due[0]! <= now) out.push(pop())
      return out
    },
    nextDueAt: () => due[0],
    size: () => ids.length
  }
}
