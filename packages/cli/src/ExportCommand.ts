/**
 * `lemlist-enrich export <input.csv> --out <file>`: writes a run's output from its journal
 * alone, in input order, one row per input row, with the same columns as `run` (its write pass,
 * reused). The journal is found as `run` finds it: the SQLite file beside the output, or the run
 * in PostgreSQL (`--database-url`, `--run-id`). What several processes sharing one database run
 * at the end, once each of them has stopped.
 *
 * Rows whose lead has no outcome yet are written `Pending` and counted; the command then exits
 * `Incomplete` (6), so a script can wait for 0 (or 1: some leads failed).
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { CliError } from "./CliError.js"
import type { CliIo } from "./CliIo.js"
import type { ExitCode } from "./ExitCode.js"
import * as internal from "./internal/export.js"
import type { RowOptions } from "./internal/run/rowOptions.js"
import type { EngineUrl } from "./RunCommand.js"

/**
 * The options of `export`, as parsed by the command line.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExportOptions {
  readonly input: string
  /** The output file (`.csv` or `.jsonl`); also names the default journal and run id, as for `run`. */
  readonly out: string
  /** `--journal`: the run's SQLite journal, when not beside the output. */
  readonly journal: string | undefined
  /** `--database-url` or `LEMLIST_DATABASE_URL`: the run's journal in PostgreSQL. */
  readonly databaseUrl: EngineUrl | undefined
  /** `--run-id`: the run's name in the database (default: the output's name, as for `run`). */
  readonly runId: string | undefined
  /**
   * How rows become leads (their journal keys depend on it): what the run recorded in its
   * journal, unless given here (`--types`, `--missing-inputs`, `--types-column`, `--map`,
   * `--delimiter`).
   */
  readonly rows: Partial<RowOptions>
  readonly json: boolean
  readonly quiet: boolean
}

/**
 * Writes the output from the journal. Succeeds with the exit code: `Ok`, `SomeLeadsFailed`, or
 * `Incomplete` when some rows have no outcome yet; fails with a `CliError` (no journal, a bad
 * URL, a database that does not answer).
 *
 * @example
 * ```ts
 * import * as CliIo from "@lemlist-effect/cli/CliIo"
 * import * as ExportCommand from "@lemlist-effect/cli/ExportCommand"
 * import { Effect, Layer } from "effect"
 *
 * const io = CliIo.capture({ env: {} })
 * const code = ExportCommand.run({
 *   input: "leads.csv",
 *   out: "out/leads-enriched.csv",
 *   journal: undefined,
 *   databaseUrl: undefined,
 *   runId: undefined,
 *   rows: {},
 *   json: false,
 *   quiet: false
 * }).pipe(Effect.provide(Layer.succeed(CliIo.CliIo, io.service)))
 * ```
 *
 * @since 0.1.0
 * @category commands
 */
export const run: (options: ExportOptions) => Effect.Effect<ExitCode, CliError, CliIo> = internal.run
