/**
 * The end of `run`: the summary (a table, or JSON with `--json`), the HTML run report when
 * asked (`Report.ts` renders it), and the exit code: credits that ran out during the run fail
 * the command once the output is written; failed or undetermined leads make it exit 1.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { CliError } from "../../CliError.js"
import { ExitCode } from "../../ExitCode.js"
import * as ProgressDisplay from "../../ProgressDisplay.js"
import * as Report from "../../Report.js"
import * as RunRecord from "../../RunRecord.js"
import type * as Engines from "../engines.js"
import type { Voice } from "./confirm.js"
import type { Enriched } from "./enrich.js"
import type * as Scan from "./scan.js"
import type { Written } from "./write.js"

/** Prints the summary, writes the report; the exit code, or the error credits ran out with. */
export const finish = (
  voice: Voice,
  options: {
    readonly input: string
    readonly json: boolean
    readonly quiet: boolean
    readonly budget: number | undefined
    readonly report?: string | undefined
  },
  run: {
    readonly input: Scan.Input
    readonly output: string
    readonly journal: string
    readonly startedAt: number
    readonly scan: Scan.Scan
    readonly enriched: Enriched | undefined
    readonly written: Written
    /** With `--shared`: this process was one worker of the run. */
    readonly worker?: Engines.Worker | undefined
  }
): Effect.Effect<ExitCode, CliError> =>
  Effect.gen(function*() {
    const { enriched, scan } = run
    const { io } = voice
    const { tally } = run.written
    const failed = (tally.Failed ?? 0) + (tally.Undetermined ?? 0)
    const exitCode: ExitCode = enriched?.error?.exitCode ?? (failed > 0 ? ExitCode.SomeLeadsFailed : ExitCode.Ok)
    // What this run could spend: the leads it sends (a duplicate is enriched once; a lead done
    // in the journal costs nothing), within the budget. The confirmation uses the same figure.
    const estimate = scan.plan.credits.max
    const summary: ProgressDisplay.Summary = {
      input: options.input,
      output: run.output,
      journal: run.journal,
      rows: scan.rows,
      outcomes: tally,
      resumed: scan.haveOutcome,
      requests: enriched?.clientStats?.requests ?? 0,
      rateLimited: enriched?.clientStats?.rateLimited ?? 0,
      creditsSpent: enriched?.progress?.creditsSpent ?? 0,
      creditsEstimate: estimate,
      elapsedMillis: Date.now() - run.startedAt,
      exitCode,
      // A worker's share: the leads it sent; the other outcomes it read from the journal
      // (other workers' and earlier runs'; Progress counts them, duplicates included).
      ...(run.worker === undefined ? {} : {
        worker: {
          id: run.worker.id,
          sent: enriched?.progress?.submitted ?? 0,
          fromJournal: enriched?.progress?.resumed ?? scan.haveOutcome
        }
      }),
      ...(options.report === undefined ? {} : { report: options.report })
    }
    if (options.report !== undefined) {
      yield* Report.write(
        options.report,
        Report.data({
          summary,
          startedAt: run.startedAt,
          backend: enriched?.backend,
          types: run.input.runTypes,
          missingInputs: run.input.missingInputs,
          estimate,
          budget: options.budget,
          creditsByType: enriched?.creditsByType ?? {},
          tally: run.written.report,
          record: enriched?.record ?? RunRecord.make()
        })
      )
    }
    if (options.json) yield* Effect.sync(() => io.stdout(JSON.stringify(summary) + "\n"))
    else if (!options.quiet) yield* Effect.sync(() => io.stdout(ProgressDisplay.table(summary) + "\n"))
    if (enriched?.error !== undefined) return yield* enriched.error
    return exitCode
  })
