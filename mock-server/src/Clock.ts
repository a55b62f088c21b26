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
 * A `MockClock` backed by the Effect `Clock` of the calling fiber: `now` is
 * `clock.unsafeCurrentTimeMillis()` and `setTimeout` forks `Effect.sleep(ms)` then the
 * callback on the caller's runtime. Under `it.effect` that is the `TestClock`, so
 * `TestClock.adjust` drives the mock. Pending timers are interrupted when the scope closes.
 *
 * @example
 * ```ts
 * import { it } from "@effect/vitest"
 * import { Effect, TestClock } from "effect"
 * import { effectClock, makeMockServer } from "@lemlist-effect/mock-server"
 *
 * it.scoped("completes on virtual time", () =>
 *   Effect.gen(function*() {
 *     const server = makeMockServer({ clock: yield* effectClock, latency: 1000 })
 *     // ... submit, then
 *     yield* TestClock.adjust("1 second")
 *   }))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const effectClock: Effect.Effect<MockClock, never, Scope.Scope> = Effect.gen(function*() {
  const clock = yield* Effect.clock
  const runtime = yield* Effect.runtime<never>()
  const fibers = new Set<Fiber.RuntimeFiber<void>>()
  yield* Effect.addFinalizer(() =>
    Effect.suspend(() => {
      const all = [...fibers]
      fibers.clear()
      return Fiber.interruptAll(all)
    })
  )
  const runFork = Runtime.runFork(runtime)
  return {
    now: () => clock.unsafeCurrentTimeMillis(),
    setTimeout: (fn, ms) => {
      const fiber: Fiber.RuntimeFiber<void> = runFork(
        Effect.sleep(Math.max(0, ms)).pipe(
          Effect.andThen(Effect.sync(() => {
            fibers.delete(fiber)
            try {
              fn()
            } catch {
              // A timer callback must never take the clock down.
            }
          }))
        ),
        { immediate: true }
      )
      if (fiber.unsafePoll() === null) fibers.add(fiber)
      return () => {
        if (fibers.delete(fiber)) runFork(Fiber.interrupt(fiber))
      }
    }
  }
})

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
  let seq = 0
  const timers = new Map<number, { readonly at: number; readonly fn: () => void }>()
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = seq++
      timers.set(id, { at: now + Math.max(0, ms), fn })
      return () => void timers.delete(id)
    },
    advance: (ms) => {
      const target = now + ms
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined
        for (const entry of timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry
        if (!next) break
        timers.delete(next[0])
        now = Math.max(now, next[1].at)
        next[1].fn()
      }
      now = target
    }
  }
}
