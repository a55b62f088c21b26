/**
 * Virtual time for the result-collection scenario: the library on Effect's `TestClock`, driven
 * forward in steps, and the in-process mock on the same clock through ONE sleeping fiber
 * (a heap of timers), so that tens of thousands of enrichment timers stay cheap. Also a plain
 * manual clock (a heap too) for the naive poller, which has no Effect in it.
 */
import type { MockClock } from "@lemlist-effect/mock-server"
import { type Duration, Effect, Fiber, Option, Runtime, type Scope, TestClock } from "effect"

interface Timer {
  readonly at: number
  readonly seq: number
  readonly fn: () => void
  cancelled: boolean
}

const before = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.seq < b.seq)

class Heap {
  readonly items: Array<Timer> = []
  push(t: Timer) {
    const h = this.items
    h.push(t)
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1
      if (!before(h[i]!, h[p]!)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
  }
  pop(): Timer {
    const h = this.items
    const top = h[0]!
    const last = h.pop()!
    if (h.length > 0) {
      h[0] = last
      for (let i = 0;;) {
        const l = 2 * i + 1, r = l + 1
        let m = i
        if (l < h.length && before(h[l]!, h[m]!)) m = l
        if (r < h.length && before(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return top
  }
  peek(): Timer | undefined {
    return this.items[0]
  }
}

/** A mock clock on the Effect clock with one sleeping fiber, waking on a `resolutionMs` grid. */
export const batchedClock = (resolutionMs = 50): Effect.Effect<MockClock, never, Scope.Scope> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const heap = new Heap()
    let seq = 0
    let sleeper: { readonly at: number; readonly fiber: Fiber.RuntimeFiber<void> } | undefined
    const runDue = () => {
      sleeper = undefined
      const now = clock.unsafeCurrentTimeMillis()
      while (heap.peek() !== undefined && heap.peek()!.at <= now) {
        const t = heap.pop()
        if (!t.cancelled) {
          try {
            t.fn()
          } catch {
            // never take the clock down
          }
        }
      }
      arm()
    }
    const arm = () => {
      while (heap.peek()?.cancelled) heap.pop()
      const next = heap.peek()
      if (next === undefined) return
      const at = Math.ceil(next.at / resolutionMs) * resolutionMs
      if (sleeper !== undefined && sleeper.at <= at) return
      if (sleeper) runFork(Fiber.interrupt(sleeper.fiber))
      sleeper = { at, fiber: runFork(Effect.sleep(Math.max(0, at - clock.unsafeCurrentTimeMillis())).pipe(Effect.andThen(Effect.sync(runDue)))) }
    }
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        heap.items.length = 0
        return sleeper ? Fiber.interrupt(sleeper.fiber) : Effect.void
      })
    )
    return {
      now: () => clock.unsafeCurrentTimeMillis(),
      setTimeout: (fn, ms) => {
        const t: Timer = { at: clock.unsafeCurrentTimeMillis() + Math.max(0, ms), seq: seq++, fn, cancelled: false }
        heap.push(t)
        arm()
        return () => void (t.cancelled = true)
      }
    }
  })

const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Runs an effect under the TestClock, stepping virtual time and letting real promises settle. */
export const driven = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly step?: Duration.DurationInput; readonly maxSteps?: number } = {}
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < (options.maxSteps ?? 200_000); i++) {
      const exit = yield* Fiber.poll(fiber)
      if (Option.isSome(exit)) return yield* exit.value
      yield* settle
      yield* TestClock.adjust(options.step ?? "100 millis")
    }
    return yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Effect.dieMessage("driven: too many steps")))
  })

/** A manual clock for code without Effect: `advance(ms)` runs what falls due, in order. */
export const manualClock = (start = 0): MockClock & { readonly advance: (ms: number) => void } => {
  let now = start
  let seq = 0
  const heap = new Heap()
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const t: Timer = { at: now + Math.max(0, ms), seq: seq++, fn, cancelled: false }
      heap.push(t)
      return () => void (t.cancelled = true)
    },
    advance: (ms) => {
      const target = now + ms
      while (heap.peek() !== undefined && heap.peek()!.at <= target) {
        const t = heap.pop()
        now = Math.max(now, t.at)
        if (!t.cancelled) t.fn()
      }
      now = target
    }
  }
}
