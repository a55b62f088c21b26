/**
 * The mock's sense of time. Everything time-based (completion latency, webhook retries and
 * timeouts, rate-limit windows, retention, slow answers) reads this clock, so tests can drive
 * the mock with Effect's `TestClock` and never sleep for real.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import { Heap } from "heap-js"

/**
 * A clock: the current time in epoch milliseconds, and a cancellable timer.
 *
 * @since 0.1.0
 * @category models
 */
export interface MockClock {
  /** Epoch milliseconds. */
  readonly now: () => number
  /** Runs `fn` after `ms` milliseconds; the returned function cancels it. */
  readonly setTimeout: (fn: () => void, ms: number) => () => void
}

/**
 * Wall-clock time and Node timers (the default). Timers are `unref`ed so a forgotten mock
 * never keeps a process alive.
 *
 * @since 0.1.0
 * @category constructors
 */
export const realClock: MockClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, Math.max(0, ms))
    timer.unref?.()
    return () => clearTimeout(timer)
  }
}

/**
 * Timers in a binary heap (`heap-js`) by due time, ties in creation order: one structure for
 * both clocks below, O(log n) per timer however many are pending.
 */
const makeTimerQueue = () => {
  interface Timer {
    readonly at: number
    readonly seq: number
    readonly fn: () => void
    cancelled: boolean
  }
  const heap = new Heap<Timer>((a, b) => a.at - b.at || a.seq - b.seq)
  let seq = 0
  const dropCancelled = () => {
    while (heap.length > 0 && heap.peek()!.cancelled) heap.pop()
  }
  return {
    add: (at: number, fn: () => void): (() => void) => {
      const timer: Timer = { at, seq: seq++, fn, cancelled: false }
      heap.push(timer)
      return () => {
        timer.cancelled = true
      }
    },
    /** The due time of the earliest live timer. */
    nextAt: (): number | undefined => {
      dropCancelled()
      return heap.peek()?.at
    },
    /** Removes and returns the earliest live timer due at or before `at`. */
    takeDue: (at: number): { readonly at: number; readonly fn: () => void } | undefined => {
      dropCancelled()
      return heap.length > 0 && heap.peek()!.at <= at ? heap.pop() : undefined
    },
    clear: () => {
      heap.clear()
    }
  }
}

const runSafely = (fn: () => void) => {
  try {
    fn()
  } catch {
    // A timer callback must never take the clock down.
  }
}

/**
 * A `MockClock` backed by the Effect `Clock` of the calling fiber, with ONE sleeping fiber
 * whatever the number of pending timers: timers wait in a heap and a single fiber sleeps until
 * the earliest. Under `it.effect` that is the `TestClock`, so `TestClock.adjust` drives the
 * mock; pending timers are dropped when the scope closes.
 *
 * Each TestClock wake-up costs real time (it waits for every fiber to settle), so a mock with
 * thousands of enrichments in flight is faster on a coarser grid: with `resolutionMs: 50` the
 * fiber wakes at most once per 50 ms of virtual time and runs everything due (a timer may fire
 * up to that much late). The default, 1, is exact.
 *
 * @example
 * ```ts
 * import { it } from "@effect/vitest"
 * import { Effect, TestClock } from "effect"
 * import { effectClockWith, makeMockServer } from "@lemlist-effect/mock-server"
 *
 * it.scoped("completes on virtual time", () =>
 *   Effect.gen(function*() {
 *     const server = makeMockServer({ clock: yield* effectClockWith({ resolutionMs: 50 }), latency: 1000 })
 *     // ... submit, then
 *     yield* TestClock.adjust("1 second")
 *   }))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const effectClockWith = (
  options: { readonly resolutionMs?: number } = {}
): Effect.Effect<MockClock, never, Scope.Scope> =>
  Effect.gen(function*() {
    const resolution = Math.max(1, options.resolutionMs ?? 1)
    const clock = yield* Effect.clock
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const timers = makeTimerQueue()
    let sleeper: { readonly at: number; readonly fiber: Fiber.RuntimeFiber<void> } | undefined

    const runDue = () => {
      sleeper = undefined
      const now = clock.unsafeCurrentTimeMillis()
      for (let t = timers.takeDue(now); t !== undefined; t = timers.takeDue(now)) runSafely(t.fn)
      arm()
    }
    const arm = () => {
      const next = timers.nextAt()
      if (next === undefined) return
      const at = Math.ceil(next / resolution) * resolution
      if (sleeper !== undefined && sleeper.at <= at) return
      if (sleeper !== undefined) runFork(Fiber.interrupt(sleeper.fiber))
      const delay = Math.max(0, at - clock.unsafeCurrentTimeMillis())
      sleeper = { at, fiber: runFork(Effect.andThen(Effect.sleep(delay), Effect.sync(runDue))) }
    }

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        timers.clear()
        const fiber = sleeper?.fiber
        sleeper = undefined
        return fiber ? Fiber.interrupt(fiber) : Effect.void
      })
    )
    return {
      now: () => clock.unsafeCurrentTimeMillis(),
      setTimeout: (fn, ms) => {
        const cancel = timers.add(clock.unsafeCurrentTimeMillis() + Math.max(0, ms), fn)
        arm()
        return cancel
      }
    }
  })

/**
 * {@link effectClockWith} at exact (1 ms) resolution.
 *
 * @since 0.1.0
 * @category constructors
 */
export const effectClock: Effect.Effect<MockClock, never, Scope.Scope> = effectClockWith()

/**
 * A hand-driven clock for plain (non-Effect) tests and benchmarks: time moves only when
 * `advance` is called, and due timers run in time order.
 *
 * @example
 * ```ts
 * import { makeManualClock, makeMockServer } from "@lemlist-effect/mock-server"
 *
 * const clock = makeManualClock(0)
 * const server = makeMockServer({ clock, latency: 500 })
 * clock.advance(500) // every enrichment submitted so far is now done
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeManualClock = (start = 0): MockClock & { readonly advance: (ms: number) => void } => {
  let now = start
  const timers = makeTimerQueue()
  return {
    now: () => now,
    setTimeout: (fn, ms) => timers.add(now + Math.max(0, ms), fn),
    advance: (ms) => {
      const target = now + ms
      for (let t = timers.takeDue(target); t !== undefined; t = timers.takeDue(target)) {
        now = Math.max(now, t.at)
        runSafely(t.fn)
      }
      now = target
    }
  }
}
