/**
 * `lemlist-enrich run`: read the CSV, map its columns, plan the run, check credits, confirm,
 * enrich through `Enrichment.run` with a SQLite journal, then write every row in input order.
 *
 * Three passes over the input, none holding it in memory (each in `internal/run/`):
 * 1. scan (`scan.ts`): check the whole file (encoding, quoting), map each row to a lead, and let
 *    `Enrichment.plan` say what the run will do: refusals, duplicates, the journal's state, the
 *    most the run can cost; `confirm.ts` says so, checks the credits and asks;
 * 2. enrich (`enrich.ts`): stream the leads into the library (outcomes come back in completion
 *    order; the journal records them);
 * 3. write (`write.ts`): read the input again and, chunk by chunk, look each row's outcome up in
 *    the journal by its lead key, so the output is in input order with flat memory.
 *
 * @since 0.1.0
 */
import { EnrichmentType } from "@lemlist-effect/contract"
import type * as Lead from "@lemlist-effect/enrich/Lead"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import * as Backend from "./Backend.js"
import { type CliError, UsageError } from "./CliError.js"
import { CliIo } from "./CliIo.js"
import * as ColumnMapping from "./ColumnMapping.js"
import * as CsvInput from "./CsvInput.js"
import { describeScan } from "./internal/run/confirm.js"
import { enrich, type Enriched, journalFailed } from "./internal/run/enrich.js"
import * as Scan from "./internal/run/scan.js"
import { finish } from "./internal/run/finish.js"
import { write } from "./internal/run/write.js"
import { ExitCode } from "./ExitCode.js"

/**
 * The options of `run`, as parsed by the command line.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  readonly input: string
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  /** What a lead lacking some inputs does: rejected, or runs the other types (`--types auto`). */
  readonly missingInputs: Lead.MissingInputs
  readonly typesColumn: string | undefined
  readonly out: string | undefined
  readonly journal: string | undefined
  readonly map: ReadonlyArray<readonly [string, string]>
  readonly delimiter: string | undefined
  readonly mock: boolean
  readonly mockLatency: string | undefined
  readonly baseUrl: string | undefined
  readonly apiKey: Redacted.Redacted<string> | undefined
  readonly webhookUrl: string | undefined
  readonly webhookPort: number | undefined
  readonly yes: boolean
  readonly quiet: boolean
  readonly json: boolean
  readonly budget: number | undefined
  readonly resendUndetermined: boolean
  readonly restart: boolean
  /** Where to write the HTML report of the run, if anywhere. */
  readonly report?: string | undefined
  readonly hooks?: Backend.EmbeddedMockHooks | undefined
}

/**
 * The default output path: `<input>-enriched.csv` beside the input.
 *
 * @since 0.1.0
 * @category paths
 */
export const defaultOutput = (input: string): string => {
  const parsed = nodePath.parse(input)
  return nodePath.join(parsed.dir, `${parsed.name}-enriched.csv`)
}

/**
 * The default journal: beside the output, `<output name>.journal.sqlite`.
 *
 * @since 0.1.0
 * @category paths
 */
export const defaultJournal = (output: string): string => {
  const parsed = nodePath.parse(output)
  return nodePath.join(parsed.dir, `${parsed.name}.journal.sqlite`)
}

/**
 * Runs the command. Succeeds with the exit code of a finished run; fails with a `CliError`.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (options: RunOptions): Effect.Effect<ExitCode, CliError, CliIo> =>
  Effect.gen(function*() {
    const io = yield* CliIo
    const say = (text: string) => Effect.sync(() => (options.quiet || options.json ? undefined : io.stderr(text + "\n")))
    const voice = { io, say }
    const startedAt = Date.now()

    if (options.types.length === 0 && options.typesColumn === undefined) {
      return yield* new UsageError({
        detail: `--types is required (a comma-separated list of ${EnrichmentType.all.join(", ")}), or --types-column`
      })
    }
    if (options.budget !== undefined && options.budget < 0) {
      return yield* new UsageError({ detail: "--budget must be a number of credits, 0 or more" })
    }

    // ---- the input and its columns -----------------------------------------------------------
    const file = yield* CsvInput.open(options.input, { delimiter: options.delimiter })
    const mapping = yield* ColumnMapping.resolve({
      path: options.input,
      headers: file.headers,
      overrides: options.map,
      typesColumn: options.typesColumn
    })
    yield* say(`Columns: ${ColumnMapping.describe(mapping)}`)
    const missing = (["firstName", "lastName", "email", "linkedinUrl", "companyName", "companyDomain"] as const)
      .filter((f) => mapping.columns[f] === undefined && !(f !== "email" && f !== "linkedinUrl" && mapping.columns.fullName !== undefined && (f === "firstName" || f === "lastName")))
    if (missing.length > 0) yield* say(`Not mapped: ${missing.join(", ")} (use --map field=Column if a column holds them)`)

    const output = options.out ?? defaultOutput(options.input)
    const journalPath = options.journal ?? defaultJournal(output)
    if (nodePath.resolve(output) === nodePath.resolve(options.input)) {
      return yield* new UsageError({ detail: `--out ${output} would overwrite the input; choose another path` })
    }
    if (options.restart) {
      yield* Effect.sync(() => {
        for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(journalPath + suffix, { force: true })
      })
    }
    yield* Effect.sync(() => fs.mkdirSync(nodePath.dirname(nodePath.resolve(journalPath)), { recursive: true }))
    const journalExisted = fs.existsSync(journalPath)

    const input: Scan.Input = {
      file,
      mapping,
      defaultTypes: options.types,
      runTypes: options.types.length > 0
        ? [options.types[0]!, ...options.types.slice(1)]
        : ["find_email"],
      missingInputs: options.missingInputs,
      resendUndetermined: options.resendUndetermined,
      budget: options.budget
    }

    // One SQLite connection for the journal and the pacer's store (Backend.pacer): same file.
    const JournalLive = Layer.merge(JournalSqlite.layerFromClient, Backend.pacer).pipe(
      Layer.provide(JournalSqlite.layerClient({ filename: journalPath })),
      Layer.mapError(journalFailed(journalPath))
    )

    let started = false
    const program = Effect.gen(function*() {
      const scan = yield* Scan.scan(input)
      if (scan.rows === 0) return yield* new UsageError({ detail: `${options.input} has a header line but no data row: nothing to enrich` })
      yield* describeScan(voice, { input, path: options.input, journal: journalPath, journalExisted }, scan)

      let enriched: Enriched | undefined
      if (scan.toGo > 0) {
        enriched = yield* enrich(voice, options, { input, scan, journal: journalPath, onStart: () => (started = true) })
      } else {
        yield* say("Every lead already has an outcome: writing the output.")
      }

      const written = yield* write(input, output, options.report !== undefined)
      return yield* finish(voice, options, { input, output, journal: journalPath, startedAt, scan, enriched, written })
    })

    return yield* program.pipe(
      Effect.provide(JournalLive),
      Effect.catchTag("JournalError", journalFailed(journalPath)),
      // A run that stopped before sending anything leaves no journal it created behind.
      Effect.tapError(() =>
        Effect.sync(() => {
          if (journalExisted || started) return
          for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(journalPath + suffix, { force: true })
        })
      )
    )
  })
