/**
 * The enrich pass of `run`: the backend, the credit check and confirmation (`confirm.ts`), then
 * the file's leads streamed through `Enrichment.run` with a progress display. Outcomes come
 * back in completion order and the journal records them; this pass keeps only the figures
 * (progress, requests, credits by type, the report's timings), the write pass reads the rest.
 *
 * @internal
 */
import * as Enrichment from "@lemlist-effect/enrich/Enrichment"
import type * as Journal from "@lemlist-effect/enrich/Journal"
import * as LemlistClient from "@lemlist-effect/enrich/LemlistClient"
import * as Progress from "@lemlist-effect/enrich/Progress"
import type * as RequestPacer from "@lemlist-effect/enrich/RequestPacer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Backend from "../../Backend.js"
import type * as Engines from "../engines.js"
import { AuthFailed, type CliError, NotEnoughCredits, RunFailed } from "../../CliError.js"
import * as ProgressDisplay from "../../ProgressDisplay.js"
import * as Report from "../../Report.js"
import * as RunRecord from "../../RunRecord.js"
import { confirm, type Voice } from "./confirm.js"
import * as Scan from "./scan.js"

/** What the pass leaves for the summary and the report. */
export interface Enriched {
  readonly backend: string
  readonly progress: Progress.Progress | undefined
  /** The command's requests: the run's and the credit check's (one client per command). */
  readonly clientStats: LemlistClient.ClientStats | undefined
  readonly creditsByType: Record<string, number>
  readonly record: RunRecord.RunRecord
  /** Credits ran out during the run: the outcomes so far are written, then the command fails. */
  readonly error: CliError | undefined
}

/** A journal failure, as the command reports it. */
export const journalFailed = (journal: string) => (e: { readonly message: string; readonly cause?: unknown }) =>
  new RunFailed({
    detail: `the journal ${journal} failed: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}`
  })

/**
 * Runs the leads of the file. `onStart` is called once the confirmation is given, just before
 * the first lead is read.
 */
export const enrich = (
  voice: Voice,
  options: Backend.BackendOptions & {
    readonly yes: boolean
    readonly quiet: boolean
    readonly json: boolean
    readonly budget: number | undefined
    readonly report?: string | undefined
  },
  context: {
    readonly input: Scan.Input
    readonly scan: Scan.Scan
    readonly journal: string
    readonly onStart: () => void
    /** Reports the pacer's store failing, naming the engine (the command knows it). */
    readonly pacerFailed: (error: RequestPacer.PacerStoreError) => Effect.Effect<never, CliError>
    /** With `--shared`: this process is one worker of the run (leads others hold are awaited). */
    readonly worker?: Engines.Worker | undefined
  }
): Effect.Effect<Enriched, CliError, Journal.Journal> =>
  Effect.gen(function*() {
    const { io } = voice
    const { scan } = context
    const backend = yield* Backend.make(options)
    const record = RunRecord.make()
    const creditsByType: Record<string, number> = {}
    let progressSnapshot: Progress.Progress | undefined
    let clientStats: LemlistClient.ClientStats | undefined
    // With a report, the client's pacer and bulk calls are timed (RunRecord).
    const clientLayer = options.report === undefined
      ? backend.client
      : RunRecord.client(record).pipe(Layer.provide(backend.client.pipe(Layer.provide(RunRecord.pacer(record)))))

    const run = Effect.gen(function*() {
      const client = yield* LemlistClient.LemlistClient
      yield* confirm(voice, options, backend, scan)
      context.onStart()
      const progress = yield* Progress.make(scan.plan.read)
      const mode = ProgressDisplay.modeFor(io, options)
      yield* Effect.scoped(Effect.gen(function*() {
        yield* ProgressDisplay.show(progress, io, mode)
        yield* Enrichment.run(Scan.leads(context.input), {
          ...Scan.enrichmentOptions(context.input),
          total: scan.plan.read,
          progress,
          // The credit check ran in `confirm`, against the plan's figure: once is enough.
          creditCheck: "off",
          ...(context.worker === undefined
            ? {}
            : { worker: { id: context.worker.id, lease: Duration.millis(context.worker.leaseMillis) } })
        }).pipe(Stream.runForEachChunk((outcomes) =>
          // A chunk at a time: an effect per outcome would cost more than what it does.
          Effect.sync(() => {
            for (const outcome of outcomes) {
              RunRecord.observe(record, outcome)
              if (outcome._tag === "Enriched" || outcome._tag === "NotFound") Report.creditsByType(outcome.result, creditsByType)
            }
          })
        ))
      })).pipe(
        Effect.onInterrupt(() =>
          Effect.flatMap(SubscriptionRef.get(progress), (p) =>
            Effect.sync(() =>
              io.stderr(
                `\nInterrupted: ${ProgressDisplay.n(Progress.done(p))} of ${ProgressDisplay.n(scan.plan.read)} leads have an outcome, ` +
                  `recorded in ${context.journal}. Rerun the same command to continue.\n`
              )
            ))
        ),
        Effect.ensuring(Effect.flatMap(SubscriptionRef.get(progress), (p) => Effect.sync(() => (progressSnapshot = p)))),
        Effect.ensuring(Effect.flatMap(client.stats, (stats) => Effect.sync(() => (clientStats = stats))))
      )
    })

    const result = yield* run.pipe(Effect.provide(Layer.mergeAll(clientLayer, backend.receiver ?? Layer.empty)), Effect.either)
    let error: CliError | undefined
    if (Either.isLeft(result)) {
      const e = result.left
      switch (e._tag) {
        case "Unauthorized":
          return yield* new AuthFailed({ detail: e.message })
        case "InsufficientCreditsForRun":
          return yield* new NotEnoughCredits({ available: e.available, required: e.required })
        case "CreditsExhausted":
          error = new NotEnoughCredits({ available: 0, required: e.notSubmitted })
          yield* Effect.sync(() => io.stderr(`error: ${e.message}\n`))
          break
        case "JournalError":
          return yield* journalFailed(context.journal)(e)
        case "PacerStoreError":
          return yield* context.pacerFailed(e)
        default:
          // The CLI's own errors, and the file's (it changed since the scan read it whole).
          return yield* e
      }
    }
    return { backend: backend.description, progress: progressSnapshot, clientStats, creditsByType, record, error }
  })
