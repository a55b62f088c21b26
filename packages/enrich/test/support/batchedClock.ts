/**
 * A `MockClock` on the Effect clock with ONE sleeping fiber, whatever the number of timers,
 * waking on a coarse grid. Every TestClock wake-up costs real milliseconds (it re-sorts its
 * sleeps and waits for every fiber to settle), so ten thousand timers, one per enrichment,
 * would make a test crawl; here timers wait in a heap, and one fiber wakes at most once per
 * `resolutionMs` of virtual time to run all that is due (a timer may fire up to that late).
 */
import type { MockClock } from "@lemlist-effect/mock-server"
import { Effect, Fiber, Runtime, type Scope } from "effect"

interface Timer {
  readonly at: number
  readonly seq: number
  readonly fn: () => void
  cancelled: boolean
}

const before = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.seq < b.seq)

export const batchedClock = (resolutionMs = 50): Effect.Effect<MockClock, never, Scope.Scope> => Effect.gen(function*() {
  const clock = yield* Effect.clock
  const runFork = Runtime.runFork(yield* Effect.runtime<never>())
  const heap: Array<Timer> = []
  let seq = 0
  let sleeper: { readonly at: number; readonly fiber: Fiber.RuntimeFiber<void> } | undefined

  const push = (t: Timer) => {
    heap.push(t)
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1
      if (!before(heap[i]!, heap[p]!)) break
      ;[heap[i], heap[p]] = [heap[p]!, heap[i]!]
      i = p
    }
  }
  const pop = (): Timer => {
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      for (let i = 0;;) {
        const l = 2 * i + 1, r = l + 1
        let m = i
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
        i = m
      }
    }
    return top
  }

  const runDue = () => {
    sleeper = undefined
    const now = clock.unsafeCurrentTimeMillis()
    while (heap.length > 0 && heap[0]!.at <= now) {
      const timer = pop()
      if (!timer.cancelled) {
        try {
          timer.fn()
        } catch {
          // A timer callback must never take the clock down.
        }
      }
    }
    arm()
  }

  const arm = () => {
    while (heap.length > 0 && heap[0]!.cancelled) pop()
    const next = heap[0]
    if (next === undefined) return
    const at = Math.ceil(next.at / resolutionMs) * resolutionMs
    if (sleeper !== undefined && sleeper.at <= at) return
    if (sleeper) runFork(Fiber.interrupt(sleeper.fiber))
    const delay = Math.max(0, at - clock.unsafeCurrentTimeMillis())
    sleeper = { at, fiber: runFork(Effect.sleep(delay).pipe(Effect.andThen(Effect.sync(runDue)))) }
  }

  yield* Effect.addFinalizer(() =>
    Effect.suspend(() => {
      heap.length = 0
      return sleeper ? Fiber.interrupt(sleeper.fiber) : Effect.void
    })
  )

  return {
    now: () => clock.unsafeCurrentTimeMillis(),
    setTimeout: (fn, ms) => {
      const timer: Timer = { at: clock.unsafeCurrentTimeMillis() + Math.max(0, ms), seq: seq++, fn, cancelled: false }
      push(timer)
      arm()
      return () => {
        timer.cancelled = true
      }
    }
  }
})
