/**
 * `lemlist-enrich run`: read the CSV, map its columns, check credits, confirm, enrich through
 * `Enrichment.run` with a SQLite journal, then write every row in input order.
 *
 * Three passes over the input, none holding it in memory:
 * 1. scan: validate the whole file (encoding, quoting), count rows, look up the journal for rows
 *    already done, compute the most the run can cost;
 * 2. run: stream the leads into the library (outcomes come back in completion order; the
 *    journal records them);
 * 3. write: read the input again and, chunk by chunk, look each row's outcome up in the
 *    journal by its lead key, so the output is in input order with flat memory.
 *
 * @since 0.1.0
 */
import { EnrichmentType } from "@lemlist-effect/contract"
import * as Enrichment from "@lemlist-effect/enrich/Enrichment"
import * as Journal from "@lemlist-effect/enrich/Journal"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import * as Lead from "@lemlist-effect/enrich/Lead"
import * as LemlistClient from "@lemlist-effect/enrich/LemlistClient"
import * as Outcome from "@lemlist-effect/enrich/Outcome"
import * as Progress from "@lemlist-effect/enrich/Progress"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import * as Backend from "./Backend.js"
import {
  AuthFailed,
  Cancelled,
  type CliError,
  ConfirmationRequired,
  NotEnoughCredits,
  RunFailed,
  UsageError
} from "./CliError.js"
import { CliIo } from "./CliIo.js"
import * as ColumnMapping from "./ColumnMapping.js"
import * as CsvInput from "./CsvInput.js"
import { ExitCode } from "./ExitCode.js"
import * as Output from "./Output.js"
import * as ProgressDisplay from "./ProgressDisplay.js"
import * as Report from "./Report.js"
import * as RunRecord from "./RunRecord.js"

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

/** What one row is for this run: a lead (with the library's plan for it), or a malformed row. */
type Planned =
  | {
    readonly _tag: "Lead"
    readonly row: CsvInput.Row
    readonly lead: Lead.Lead
    readonly plan: Lead.Plan
    /** The types the row asked for. */
    readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  }
  | { readonly _tag: "Skip"; readonly row: CsvInput.Row; readonly code: string; readonly message: string }

const chunkSize = 500

const journalLookup = (keys: ReadonlyArray<string>) =>
  keys.length === 0
    ? Effect.succeed(new Map<string, Journal.Entry>() as ReadonlyMap<string, Journal.Entry>)
    : Effect.flatMap(Journal.Journal, (j) => j.lookup(keys))

const journalFailed = (journal: string) => (e: { readonly message: string; readonly cause?: unknown }) =>
  new RunFailed({
    detail: `the journal ${journal} failed: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}`
  })

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

    const defaultTypes = options.types
    const runTypes = (defaultTypes.length > 0 ? defaultTypes : ["find_email"]) as unknown as readonly [
      EnrichmentType.EnrichmentType,
      ...Array<EnrichmentType.EnrichmentType>
    ]
    const plan = (row: CsvInput.Row): Planned => {
      const converted = ColumnMapping.toLead(mapping, row.fields, defaultTypes)
      if (converted._tag === "Skip") return { _tag: "Skip", row, code: converted.code, message: converted.message }
      const lead: Lead.Lead = { input: converted.input, types: converted.types, metadata: { row: row.index + 1 } }
      // The library's own plan: the same key and workflows the run will use.
      return { _tag: "Lead", row, lead, plan: Lead.plan(lead, runTypes, options.missingInputs), types: converted.types }
    }
    const planned = (stream: Stream.Stream<CsvInput.Row, CsvInput.CsvInputError>) =>
      stream.pipe(Stream.map(plan), Stream.grouped(chunkSize))

    // One SQLite connection for the journal and the pacer's store (Backend.pacer): same file.
    const JournalLive = Layer.merge(JournalSqlite.layerFromClient, Backend.pacer).pipe(
      Layer.provide(JournalSqlite.layerClient({ filename: journalPath })),
      Layer.mapError(journalFailed(journalPath))
    )

    let started = false
    const program = Effect.gen(function*() {
      // ---- pass 1: scan --------------------------------------------------------------------------
      const scan = { rows: 0, leads: 0, skipped: 0, done: 0, inFlight: 0, toRun: 0, maxCost: 0, partial: 0, none: 0 }
      yield* planned(file.rows).pipe(
        Stream.runForEach((chunk) =>
          Effect.gen(function*() {
            const items = Chunk.toReadonlyArray(chunk)
            const entries = yield* journalLookup(items.flatMap((p) => (p._tag === "Lead" ? [p.plan.key] : [])))
            for (const p of items) {
              scan.rows++
              if (p._tag === "Skip") {
                scan.skipped++
                continue
              }
              scan.leads++
              if (p.plan._tag === "Reject") scan.none++
              else if (p.plan.skipped.length > 0) scan.partial++
              if (entries.get(p.plan.key)?._tag === "Done") {
                scan.done++
                continue
              }
              scan.toRun++
              if (entries.get(p.plan.key)?._tag === "Submitted") scan.inFlight++
              // Per lead, what it will really run (a refused lead costs nothing).
              if (p.plan._tag === "Run") scan.maxCost += EnrichmentType.maxCost(p.plan.types)
            }
          })
        )
      )
      if (scan.rows === 0) return yield* new UsageError({ detail: `${options.input} has a header line but no data row: nothing to enrich` })
      yield* say(
        `Input: ${options.input}: ${ProgressDisplay.n(scan.rows)} rows, ${ProgressDisplay.n(scan.leads)} leads` +
          (scan.skipped > 0 ? `, ${ProgressDisplay.n(scan.skipped)} malformed rows skipped` : "")
      )
      if (options.missingInputs === "skip-type") {
        yield* say(
          `Workflows: each lead runs those of ${runTypes.join(", ")} it has inputs for: ` +
            `${ProgressDisplay.n(scan.leads - scan.partial - scan.none)} run all, ${ProgressDisplay.n(scan.partial)} run some, ` +
            `${ProgressDisplay.n(scan.none)} can run none (rejected before sending).`
        )
      }
      if (journalExisted && scan.done > 0) {
        yield* say(
          `Resuming from the journal ${journalPath}: ${ProgressDisplay.n(scan.done)} of ${ProgressDisplay.n(scan.leads)} leads ` +
            `already have an outcome; ${ProgressDisplay.n(scan.toRun)} to go.`
        )
      } else {
        yield* say(`Journal: ${journalPath} (rerun the same command to resume after an interruption)`)
      }

      // ---- pass 2: enrich ---------------------------------------------------------------------------
      let runError: CliError | undefined
      let progressSnapshot: Progress.Progress | undefined
      let clientStats: LemlistClient.ClientStats | undefined
      let backendDescription: string | undefined
      const record = RunRecord.make()
      const creditsByType: Record<string, number> = {}
      if (scan.toRun > 0) {
        const backend = yield* Backend.make(options)
        backendDescription = backend.description
        // With a report, the client's pacer and bulk calls are timed (RunRecord).
        const client = options.report === undefined
          ? backend.client
          : RunRecord.client(record).pipe(Layer.provide(backend.client.pipe(Layer.provide(RunRecord.pacer(record)))))
        const enrich = Effect.gen(function*() {
          const client = yield* LemlistClient.LemlistClient
          yield* say(`Backend: ${backend.description}`)
          if (scan.inFlight > 0 && backend.kind === "mock") {
            yield* say(
              `Note: ${ProgressDisplay.n(scan.inFlight)} leads were in flight at the embedded mock of an earlier process; ` +
                `its state is gone, so they will end Failed (Expired) at their first poll. ` +
                `Serve the mock with \`lemlist-enrich mock\` to resume across processes.`
            )
          }
          const credits = yield* client.credits.pipe(
            Effect.map((c) => c.credits),
            Effect.catchAll((e): Effect.Effect<never, AuthFailed | RunFailed> =>
              e._tag === "Unauthorized"
                ? Effect.fail(new AuthFailed({ detail: e.message }))
                : Effect.fail(new RunFailed({ detail: `cannot read the team's credits: ${e.message}` }))
            )
          )
          const required = Math.min(scan.maxCost, options.budget ?? Infinity)
          yield* say(
            `Credits: this run can cost up to ${ProgressDisplay.n(scan.maxCost)} credits` +
              (options.budget !== undefined ? ` (capped by --budget at ${ProgressDisplay.n(options.budget)})` : "") +
              `; the team has ${ProgressDisplay.n(credits)}.`
          )
          if (credits < required) return yield* new NotEnoughCredits({ available: credits, required })
          if (backend.collection === "polling") {
            const seconds = Math.ceil(scan.toRun / 10)
            yield* say(
              `Results by polling: one request per lead at up to 10 requests/s, so about ${ProgressDisplay.duration(seconds * 1000)} ` +
                `or more for ${ProgressDisplay.n(scan.toRun)} leads (give --webhook-url to receive them by webhook instead).`
            )
          } else {
            yield* say(`Results by webhook${backend.kind === "mock" ? " (loopback receiver)" : ""}, with polling as a safety net.`)
          }
          if (!options.yes && required > 0) {
            if (!io.stdinIsTTY || io.confirm === undefined) return yield* new ConfirmationRequired({ maxCost: required })
            const ok = yield* Effect.promise(() =>
              io.confirm!(`Enrich ${ProgressDisplay.n(scan.toRun)} leads, spending up to ${ProgressDisplay.n(required)} credits?`)
            )
            if (!ok) return yield* new Cancelled()
          }

          started = true
          const progress = yield* Progress.make(scan.leads)
          const mode = ProgressDisplay.modeFor(io, options)
          const leads = planned(file.rows).pipe(
            Stream.mapConcat((chunk) => Chunk.filterMap(chunk, (p) => (p._tag === "Lead" ? Option.some(p.lead) : Option.none()))),
            Stream.orDie // the scan pass read the whole file already
          )
          yield* Effect.scoped(Effect.gen(function*() {
            yield* ProgressDisplay.show(progress, io, mode)
            yield* Enrichment.run(leads, {
              types: runTypes,
              missingInputs: options.missingInputs,
              total: scan.leads,
              progress,
              creditCheck: "off",
              resendUndetermined: options.resendUndetermined,
              ...(options.budget === undefined ? {} : { budget: options.budget })
            }).pipe(Stream.runForEach((outcome) =>
              Effect.sync(() => {
                RunRecord.observe(record, outcome)
                if (outcome._tag === "Enriched" || outcome._tag === "NotFound") Report.creditsByType(outcome.result, creditsByType)
              })
            ))
          })).pipe(
            Effect.onInterrupt(() =>
              SubscriptionRef.get(progress).pipe(
                Effect.flatMap((p) =>
                  Effect.sync(() =>
                    io.stderr(
                      `\nInterrupted: ${ProgressDisplay.n(Progress.done(p))} of ${ProgressDisplay.n(scan.leads)} leads have an outcome, ` +
                        `recorded in ${journalPath}. Rerun the same command to continue.\n`
                    )
                  )
                )
              )
            ),
            Effect.ensuring(Effect.flatMap(SubscriptionRef.get(progress), (p) => Effect.sync(() => (progressSnapshot = p)))),
            // The command's requests: the run's, and the credit check before it (one client per command).
            Effect.ensuring(Effect.flatMap(client.stats, (stats) => Effect.sync(() => (clientStats = stats))))
          )
        })
        const result = yield* enrich.pipe(
          Effect.provide(Layer.mergeAll(client, backend.receiver ?? Layer.empty)),
          Effect.either
        )
        if (Either.isLeft(result)) {
          const e = result.left
          switch (e._tag) {
            case "Unauthorized":
              return yield* new AuthFailed({ detail: e.message })
            case "InsufficientCreditsForRun":
              return yield* new NotEnoughCredits({ available: e.available, required: e.required })
            case "CreditsExhausted":
              runError = new NotEnoughCredits({ available: 0, required: e.notSubmitted })
              yield* Effect.sync(() => io.stderr(`error: ${e.message}\n`))
              break
            case "JournalError":
              return yield* journalFailed(journalPath)(e)
            case "NotEnoughCredits":
            case "AuthFailed":
            case "RunFailed":
            case "UsageError":
            case "ConfirmationRequired":
            case "Cancelled":
              return yield* e
          }
        }
      } else {
        yield* say("Every lead already has an outcome: writing the output.")
      }

      // ---- pass 3: write in input order -------------------------------------------------------
      const tally: Record<string, number> = {}
      const count = (tag: string) => (tally[tag] = (tally[tag] ?? 0) + 1)
      const reportTally = Report.tally()
      const rows = planned(file.rows).pipe(
        Stream.mapEffect((chunk) =>
          Effect.gen(function*() {
            const items = Chunk.toReadonlyArray(chunk)
            const entries = yield* journalLookup(items.flatMap((p) => (p._tag === "Lead" ? [p.plan.key] : [])))
            return items.map((p): Output.OutputRow => {
              let result: Output.RowResult
              if (p._tag === "Skip") result = { _tag: "Skipped", code: p.code, message: p.message }
              else {
                const entry = entries.get(p.plan.key)
                result = entry?._tag === "Done"
                  ? { _tag: "Outcome", outcome: entry.outcome, encoded: Schema.encodeSync(Outcome.Outcome)(entry.outcome) }
                  : { _tag: "Pending" }
              }
              count(result._tag === "Outcome" ? result.outcome._tag : result._tag)
              if (options.report !== undefined) {
                Report.count(reportTally, {
                  row: p.row.index + 1,
                  cells: p.row.fields,
                  types: p._tag === "Lead" && p.plan._tag === "Run" ? p.plan.types : p._tag === "Lead" ? p.types : [],
                  skipped: p._tag === "Lead" ? p.plan.skipped : [],
                  result
                })
              }
              return { index: p.row.index, line: p.row.line, fields: p.row.fields, result }
            })
          })
        ),
        Stream.mapConcat((rows) => rows)
      )
      yield* Output.write(output, file.headers, rows, { delimiter: file.delimiter === "\t" ? "\t" : file.delimiter })

      const failed = (tally.Failed ?? 0) + (tally.Undetermined ?? 0)
      const exitCode: ExitCode = runError?.exitCode ?? (failed > 0 ? ExitCode.SomeLeadsFailed : ExitCode.Ok)
      const summary: ProgressDisplay.Summary = {
        input: options.input,
        output,
        journal: journalPath,
        rows: scan.rows,
        outcomes: tally,
        resumed: scan.done,
        requests: clientStats?.requests ?? 0,
        rateLimited: clientStats?.rateLimited ?? 0,
        creditsSpent: progressSnapshot?.creditsSpent ?? 0,
        creditsEstimate: scan.maxCost,
        elapsedMillis: Date.now() - startedAt,
        exitCode,
        ...(options.report === undefined ? {} : { report: options.report })
      }
      if (options.report !== undefined) {
        yield* Report.write(
          options.report,
          Report.data({
            summary,
            startedAt,
            backend: backendDescription,
            types: runTypes,
            missingInputs: options.missingInputs,
            estimate: scan.maxCost,
            budget: options.budget,
            creditsByType,
            tally: reportTally,
            record
          })
        )
      }
      if (options.json) yield* Effect.sync(() => io.stdout(JSON.stringify(summary) + "\n"))
      else if (!options.quiet) yield* Effect.sync(() => io.stdout(ProgressDisplay.table(summary) + "\n"))
      if (runError !== undefined) return yield* runError
      return exitCode
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
