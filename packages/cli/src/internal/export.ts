/**
 * `lemlist-enrich export`: the output of a run written from its journal alone, with `run`'s own
 * write pass (`run/write.ts`): every input row in input order, the same columns. For processes
 * that share one journal in a database, and for a run that another process is still finishing:
 * rows without an outcome yet are written `Pending`, counted, and the command exits
 * `Incomplete`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as nodePath from "node:path"
import { type CliError, UsageError } from "../CliError.js"
import { CliIo } from "../CliIo.js"
import { ExitCode } from "../ExitCode.js"
import * as ProgressDisplay from "../ProgressDisplay.js"
import type { EngineUrl } from "../RunCommand.js"
import * as Engines from "./engines.js"
import * as RowOptions from "./run/rowOptions.js"
import * as Scan from "./run/scan.js"
import { write } from "./run/write.js"

export interface Options {
  readonly input: string
  readonly out: string
  readonly journal: string | undefined
  readonly databaseUrl: EngineUrl | undefined
  readonly runId: string | undefined
  /** Overrides of what the run recorded (each `undefined` when not given). */
  readonly rows: Partial<RowOptions.RowOptions>
  readonly json: boolean
  readonly quiet: boolean
}

/** The exit code of an export: incomplete first, then failed leads, else Ok. */
export const exitCodeOf = (tally: Readonly<Record<string, number>>): ExitCode =>
  (tally.Pending ?? 0) > 0
    ? ExitCode.Incomplete
    : (tally.Failed ?? 0) + (tally.Undetermined ?? 0) > 0
    ? ExitCode.SomeLeadsFailed
    : ExitCode.Ok

export const run = (options: Options): Effect.Effect<ExitCode, CliError, CliIo> =>
  Effect.gen(function*() {
    const io = yield* CliIo
    if (nodePath.resolve(options.out) === nodePath.resolve(options.input)) {
      return yield* new UsageError({ detail: `--out ${options.out} would overwrite the input; choose another path` })
    }
    const engines = yield* Engines.choose({
      output: options.out,
      journal: options.journal,
      databaseUrl: options.databaseUrl,
      redisUrl: undefined,
      runId: options.runId
    })
    if (!(yield* Engines.exists(engines))) {
      return yield* new UsageError({
        detail: engines.journal._tag === "Sqlite"
          ? `journal not found: ${engines.label}; export reads the journal a run wrote: give the run's --out (or its --journal, or --database-url)`
          : `no journal for this run in the database (${engines.label}); give the run's --out or --run-id`
      })
    }

    const program = Effect.gen(function*() {
      const recorded = Option.getOrUndefined(yield* RowOptions.recorded)
      const types = options.rows.types ?? recorded?.types ?? []
      const typesColumn = options.rows.typesColumn ?? recorded?.typesColumn
      if (types.length === 0 && typesColumn === undefined) {
        return yield* new UsageError({
          detail: `the journal (${engines.label}) does not say how its run read the rows: ` +
            "give the run's --types (and --types-column, --missing-inputs, --map, --delimiter if it had them)"
        })
      }
      const input = yield* Scan.open(options.input, {
        types,
        typesColumn,
        missingInputs: options.rows.missingInputs ?? recorded?.missingInputs ?? "reject",
        map: options.rows.map ?? recorded?.map ?? [],
        delimiter: options.rows.delimiter ?? recorded?.delimiter,
        resendUndetermined: false,
        budget: undefined
      })
      return yield* write(input, options.out, false)
    })
    const { tally } = yield* program.pipe(
      Effect.provide(Engines.layer(engines, { withPacer: false })),
      Effect.catchTag("JournalError", Engines.journalFailed(engines))
    )

    const rows = Object.values(tally).reduce((a, b) => a + b, 0)
    const pending = tally.Pending ?? 0
    const exitCode = exitCodeOf(tally)
    if (options.json) {
      io.stdout(
        JSON.stringify({ rows, outcomes: tally, pending, output: options.out, journal: engines.label, exitCode }) + "\n"
      )
    } else if (!options.quiet) {
      const width = Math.max(...ProgressDisplay.summaryRows.map(([, label]) => label.length))
      const lines = ProgressDisplay.summaryRows
        .filter(([tag]) => (tally[tag] ?? 0) > 0)
        .map(([tag, label]) => `  ${label.padEnd(width)}   ${ProgressDisplay.n(tally[tag]!)}`)
      io.stdout(
        [
          `Wrote ${ProgressDisplay.n(rows)} rows to ${options.out} from the journal ${engines.label}:`,
          ...lines,
          pending > 0
            ? `${ProgressDisplay.n(pending)} rows have no outcome yet (written Pending): the run is not finished; ` +
              `export again once it is (exit code ${ExitCode.Incomplete}).`
            : "Every row has its outcome."
        ].join("\n") + "\n"
      )
    }
    return exitCode
  })
