/**
 * What a test sees of an effect's telemetry: every span it started (as its tracer created them)
 * and every log line, all levels, as text. Used by the leak tests (no key in any of them) and
 * the tracing test (which span is whose parent).
 */
import { Cause, Effect, Logger, LogLevel, Tracer } from "effect"
import { inspect } from "node:util"

/**
 * Runs an effect with every span and every log line (all levels) captured.
 */
export const captured = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const spans: Array<Tracer.Span> = []
    const logs: Array<string> = []
    const base = yield* Effect.tracer
    const tracer = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        spans.push(span)
        return span
      },
      context: (f, fiber) => base.context(f, fiber)
    })
    const logger = Logger.make(({ annotations, cause, logLevel, message, spans: logSpans }) => {
      logs.push([
        logLevel.label,
        inspect(message, { depth: 8 }),
        inspect([...annotationsEntries(annotations)], { depth: 8 }),
        Cause.isEmpty(cause) ? "" : Cause.pretty(cause),
        inspect(logSpans, { depth: 4 })
      ].join(" "))
    })
    const exit = yield* self.pipe(
      Effect.withTracer(tracer),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.All),
      Effect.exit
    )
    return { exit, spans, logs }
  })

const annotationsEntries = (annotations: unknown): Array<[unknown, unknown]> => {
  try {
    return [...(annotations as Iterable<[unknown, unknown]>)]
  } catch {
    return []
  }
}

