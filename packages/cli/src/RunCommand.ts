/**
 * `lemlist-enrich run`: read the CSV, map its columns, plan the run, check credits, confirm,
 * enrich through `Enrichment.run` with a journal (a SQLite file beside the output, or PostgreSQL
 * with `--database-url`; the pacer in that file, or in Redis with `--redis-url`), then write every
 * row in input order.
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
 * With `--shared` (a journal in PostgreSQL), the process is one worker of the run: the enrich
 * pass claims leads and awaits those others hold through the journal, so it ends when every lead
 * has an outcome, and the write pass writes the whole output like a run of one process.
 *
 * @since 0.1.0
 */
import { EnrichmentType } from "@lemlist-effect/contract"
import type * as Lead from "@lemlist-effect/enrich/Lead"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type * as Backend from "./Backend.js"
import { type CliError, UsageError } from "./CliError.js"
import { CliIo } from "./CliIo.js"
import * as ColumnMapping from "./ColumnMapping.js"
import { describeScan } from "./internal/run/confirm.js"
import * as Engines from "./internal/engines.js"
import { enrich, type Enriched } from "./internal/run/enrich.js"
import * as RowOptions from "./internal/run/rowOptions.js"
import * as Scan from "./internal/run/scan.js"
import { finish } from "./internal/run/finish.js"
import { write } from "./internal/run/write.js"
import { ExitCode } from "./ExitCode.js"

/**
 * A service URL (it may hold a password, so it stays `Redacted`), and where it was given: a flag
 * or an environment variable, named in any message about it.
 *
 * @example
 * ```ts
 * import * as RunCommand from "@lemlist-effect/cli/RunCommand"
 * import { Redacted } from "effect"
 *
 * const redis: RunCommand.EngineUrl = { url: Redacted.make("redis://127.0.0.1:6379"), from: "--redis-url" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface EngineUrl {
  readonly url: Redacted.Redacted<string>
  readonly from: string
}

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
  /** `--journal`: the SQLite journal file. */
  readonly journal: string | undefined
  /** `--database-url` or `LEMLIST_DATABASE_URL` (the flag wins): the journal in PostgreSQL. */
  readonly databaseUrl?: EngineUrl | undefined
  /** `--redis-url` or `LEMLIST_REDIS_URL`: the pacer's store in Redis, shared by processes. */
  readonly redisUrl?: EngineUrl | undefined
  /** `--run-id`: the run's name in the database (default {@link defaultRunId} of the output). */
  readonly runId?: string | undefined
  /**
   * `--shared`: this process is one of several workers on the run (same input, same database
   * and run id): each lead is sent by one of them, and each writes the whole output.
   */
  readonly shared?: boolean | undefined
  /** `--worker-id`: this worker's name in the journal's claims (default host:pid:random). */
  readonly workerId?: string | undefined
  /** `--lease`: how long a claim lasts without a heartbeat (`30s`, `1500ms`, `2m`; default 30 s). */
  readonly lease?: string | undefined
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
export const defaultJournal = (output: string): string => Engines.defaultJournal(output)

/**
 * The run id of a journal in PostgreSQL when `--run-id` is not given: the output's name without
 * its extension, the same identity as the SQLite journal `<output name>.journal.sqlite` (without
 * the folder, so processes on several machines writing one output name share the run).
 *
 * @example
 * ```ts
 * import * as RunCommand from "@lemlist-effect/cli/RunCommand"
 *
 * RunCommand.defaultRunId("out/leads-enriched.csv") // "leads-enriched"
 * ```
 *
 * @since 0.1.0
 * @category paths
 */
export const defaultRunId = (output: string): string => Engines.defaultRunId(output)

/**
 * The PostgreSQL schema that holds a run's journal: `lemlist_<run id>` for a plain lower-case
 * id, else its readable part and 8 hex digits of the id's SHA-256 (distinct ids never share).
 *
 * @example
 * ```ts
 * import * as RunCommand from "@lemlist-effect/cli/RunCommand"
 *
 * RunCommand.runSchema("nightly") // "lemlist_nightly"
 * RunCommand.runSchema("leads-enriched") // "lemlist_leads_enriched_" + 8 hex digits
 * ```
 *
 * @since 0.1.0
 * @category paths
 */
export const runSchema = (runId: string): string => Engines.schemaOf(runId)

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

    const output = options.out ?? defaultOutput(options.input)
    if (nodePath.resolve(output) === nodePath.resolve(options.input)) {
      return yield* new UsageError({ detail: `--out ${output} would overwrite the input; choose another path` })
    }
    // ---- where the journal and the pacer live (SQLite beside the output, or the services) --------
    const engines = yield* Engines.choose({
      output,
      journal: options.journal,
      databaseUrl: options.databaseUrl,
      redisUrl: options.redisUrl,
      runId: options.runId,
      worker: { shared: options.shared === true, id: options.workerId, lease: options.lease }
    })

    // ---- the input and its columns -----------------------------------------------------------
    const input = yield* Scan.open(options.input, options)
    const { mapping } = input
    yield* say(`Columns: ${ColumnMapping.describe(mapping)}`)
    const missing = (["firstName", "lastName", "email", "linkedinUrl", "companyName", "companyDomain"] as const)
      .filter((f) => mapping.columns[f] === undefined && !(f !== "email" && f !== "linkedinUrl" && mapping.columns.fullName !== undefined && (f === "firstName" || f === "lastName")))
    if (missing.length > 0) yield* say(`Not mapped: ${missing.join(", ")} (use --map field=Column if a column holds them)`)

    const { journal } = engines
    const journalLabel = engines.label
    const removeFile = (filename: string) => {
      for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(filename + suffix, { force: true })
    }
    if (options.restart) {
      if (journal._tag === "Postgres") {
        // Other processes may share the run: dropping its schema is the operator's call.
        return yield* new UsageError({
          detail: `--restart cannot discard a journal in PostgreSQL (other processes may share it): ` +
            `start a new run with another --run-id, or drop the schema ${journal.schema} yourself`
        })
      }
      yield* Effect.sync(() => removeFile(journal.filename))
    }
    if (journal._tag === "Sqlite") {
      yield* Effect.sync(() => fs.mkdirSync(nodePath.dirname(nodePath.resolve(journal.filename)), { recursive: true }))
    }
    // A database journal is never removed by the command: count it as existing.
    const journalExisted = journal._tag === "Sqlite" ? fs.existsSync(journal.filename) : true

    // In SQLite, the file holds the journal and the pacer's store on one connection.
    const JournalLive = Engines.layer(engines, { withPacer: true })

    let started = false
    const program = Effect.gen(function*() {
      const scan = yield* Scan.scan(input)
      if (scan.rows === 0) return yield* new UsageError({ detail: `${options.input} has a header line but no data row: nothing to enrich` })
      yield* describeScan(voice, { input, path: options.input, journal: journalLabel, journalExisted }, scan)
      if (engines.pacer._tag !== "JournalFile") yield* say(Engines.describePacer(engines))
      const workerLine = Engines.describeWorker(engines)
      if (workerLine !== undefined) yield* say(workerLine)
      // `export` maps rows to the same leads (journal keys) with these.
      yield* RowOptions.record(options)

      let enriched: Enriched | undefined
      if (scan.toGo > 0) {
        enriched = yield* enrich(voice, options, {
          input,
          scan,
          journal: journalLabel,
          onStart: () => (started = true),
          pacerFailed: Engines.pacerFailed(engines),
          worker: engines.worker
        })
      } else {
        yield* say("Every lead already has an outcome: writing the output.")
      }

      const written = yield* write(input, output, options.report !== undefined)
      return yield* finish(voice, options, {
        input,
        output,
        journal: journalLabel,
        startedAt,
        scan,
        enriched,
        written,
        worker: engines.worker
      })
    })

    return yield* program.pipe(
      Effect.provide(JournalLive),
      Effect.catchTag("JournalError", Engines.journalFailed(engines)),
      // The pacer fails closed when Redis is gone: a request outside the run (the credit
      // check) dies with the store's error; the run itself fails with it (`pacerFailed` above).
      Effect.catchSomeDefect(Engines.pacerDefect(engines)),
      // A run that stopped before sending anything leaves no journal file it created behind.
      Effect.tapError(() =>
        Effect.sync(() => {
          if (journalExisted || started || journal._tag !== "Sqlite") return
          removeFile(journal.filename)
        })
      )
    )
  })
