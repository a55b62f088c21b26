/**
 * Driving virtual time in tests. `TestClock.adjust` only wakes sleeps that are already
 * registered, and an in-process HTTP round trip (the mock's `fetch`, a webhook) is made of real
 * promises: a test must let those settle between two steps of virtual time. These helpers do.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"

/**
 * Lets pending real promises and I/O callbacks run (one turn of the event loop).
 *
 * @since 0.1.0
 * @category testing
 */
export const settle: Effect.Effect<void> = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/**
 * Runs an effect under the `TestClock` to its end, moving virtual time forward in steps
 * (default 100 ms) and letting real promises settle between steps.
 *
 * @example
 * ```ts
 * import { it } from "@effect/vitest"
 * import { driven } from "@lemlist-effect/mock-server"
 * import { Effect } from "effect"
 *
 * it.effect("ten virtual seconds in a few real milliseconds", () =>
 *   driven(Effect.sleep("10 seconds"), { step: "1 second" }))
 * ```
 *
 * @since 0.1.0
 * @category testing
 */
export const driven = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly step?: Duration.DurationInput; readonly maxSteps?: number } = {}
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    const step = Duration.decode(options.step ?? "100 millis")
    for (let i = 0; i < (options.maxSteps ?? 1_000_000); i++) {
      const exit = yield* Fiber.poll(fiber)
      if (Option.isSome(exit)) return yield* exit.value
      yield* settle
      yield* TestClock.adjust(step)
    }
    return yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Effect.dieMessage("driven: too many steps")))
  })
