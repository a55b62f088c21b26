/**
 * Runs an effect under the TestClock, moving virtual time forward in steps and letting real
 * promises (sockets, in-process fetch) settle between steps, until the effect ends.
 */
import { type Duration, Effect, Fiber, Option, TestClock } from "effect"

export const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

export const driven = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly step?: Duration.DurationInput; readonly maxSteps?: number } = {}
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    const maxSteps = options.maxSteps ?? 1_000_000
    for (let i = 0; i < maxSteps; i++) {
      const exit = yield* Fiber.poll(fiber)
      if (Option.isSome(exit)) return yield* exit.value
      yield* settle
      yield* TestClock.adjust(options.step ?? "100 millis")
    }
    return yield* Fiber.join(fiber)
  })
