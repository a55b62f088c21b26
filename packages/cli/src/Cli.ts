/**
 * The `lemlist-enrich` command line, built with `@effect/cli`: `run`, `export`, `credits`,
 * `status` and `mock`. `run(argv, io)` is the entry point the bin and the tests share.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { EnrichmentType } from "@lemlist-effect/contract"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import * as LemlistClient from "@lemlist-effect/enrich/LemlistClient"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as Backend from "./Backend.js"
import { AuthFailed, isCliError, RunFailed, UsageError } from "./CliError.js"
import * as CliIo from "./CliIo.js"
import { descriptions, ExitCode } from "./ExitCode.js"
import * as ExportCommand from "./ExportCommand.js"
import * as MockCommand from "./MockCommand.js"
import * as ProgressDisplay from "./ProgressDisplay.js"
import * as RunCommand from "./RunCommand.js"

/**
 * The version printed by `--version`.
 *
 * @since 0.1.0
 * @category constants
 */
export const version = "0.1.0"

/** The exit code chosen by a subcommand, read back by `main`. */
class Finished extends Error {
  constructor(readonly code: ExitCode) {
    super("finished")
  }
}

const opt = <A>(o: Options.Options<Option.Option<A>>) => Options.map(o, Option.getOrUndefined)
const optionalText = (name: string, description: string) =>
  opt(Options.text(name).pipe(Options.withDescription(description), Options.optional))

/**
 * `--types` and `--missing-inputs` together: `auto` is every workflow, each lead running those
 * it has inputs for (so `auto` with `--missing-inputs reject` is a contradiction); a list keeps
 * today's default, rejecting a lead that lacks an input, unless `--missing-inputs skip-type`.
 */
const parseTypesAndMode = (text: string | undefined, mode: string | undefined) =>
  Effect.gen(function*() {
    if (mode !== undefined && mode !== "reject" && mode !== "skip-type") {
      return yield* new UsageError({ detail: `--missing-inputs ${mode}: expected reject or skip-type` })
    }
    if (text?.trim().toLowerCase() === "auto") {
      if (mode === "reject") {
        return yield* new UsageError({
          detail: "--types auto runs what each lead has inputs for; it cannot be combined with --missing-inputs reject"
        })
      }
      return { types: EnrichmentType.all, missingInputs: "skip-type" as const }
    }
    return { types: yield* parseTypes(text), missingInputs: mode === "skip-type" ? "skip-type" as const : "reject" as const }
  })

const parseTypes = (text: string | undefined) =>
  Effect.gen(function*() {
    if (text === undefined) return [] as ReadonlyArray<EnrichmentType.EnrichmentType>
    const parts = text.split(/[\s,;]+/).filter((s) => s.length > 0)
    const unknown = parts.filter((p) => !EnrichmentType.is(p))
    if (unknown.length > 0 || parts.length === 0) {
      return yield* new UsageError({
        detail: `--types ${text}: unknown enrichment type ${unknown.join(", ") || "(none given)"}; choose from ${EnrichmentType.all.join(", ")}`
      })
    }
    return [...new Set(parts)] as ReadonlyArray<EnrichmentType.EnrichmentType>
  })

const parseMap = (entries: ReadonlyArray<string>) =>
  Effect.forEach(entries, (entry) => {
    const at = entry.indexOf("=")
    return at <= 0
      ? Effect.fail(new UsageError({ detail: `--map ${entry}: expected field=Column, e.g. --map companyDomain="Company Website"` }))
      : Effect.succeed([entry.slice(0, at).trim(), entry.slice(at + 1).trim()] as const)
  })

const parseDelimiter = (text: string | undefined) => {
  if (text === undefined) return Effect.succeed(undefined)
  const named: Record<string, string> = { tab: "\t", "\\t": "\t", comma: ",", semicolon: ";", pipe: "|" }
  const d = named[text.toLowerCase()] ?? text
  return d.length === 1 && d !== "\"" && d !== "\n"
    ? Effect.succeed(d)
    : Effect.fail(new UsageError({ detail: `--delimiter ${text}: expected one character, or tab, comma, semicolon, pipe` }))
}

const apiKeyOf = (io: CliIo.Service) => {
  const key = io.env.LEMLIST_API_KEY?.trim()
  return key ? Redacted.make(key) : undefined
}

// ---- options shared by run and credits -------------------------------------------------------

const mock = Options.boolean("mock").pipe(
  Options.withDescription("Use the lemlist mock embedded in this process (the default when LEMLIST_API_KEY is not set)")
)
const mockLatency = optionalText("mock-latency", "Embedded mock only: completion latency in ms, fixed (500) or a range (200-3000). Default 200-3000")
const baseUrl = optionalText("base-url", "lemlist API base URL (e.g. a mock served by `lemlist-enrich mock`). Env: LEMLIST_BASE_URL")

// ---- options shared by run and export (rows to leads, and where the journal is) ----------------

const types = opt(Options.text("types").pipe(
  Options.withAlias("t"),
  Options.withDescription(
    `Enrichments for every lead, comma-separated: ${EnrichmentType.all.join(", ")}; or auto (all four, each lead running those it has inputs for)`
  ),
  Options.optional
))
const missingInputs = optionalText("missing-inputs", "A lead lacking the inputs of some enrichments: reject it (default), or skip-type: run the others (the default with --types auto)")
const typesColumn = optionalText("types-column", "A column naming each row's enrichments (overrides --types where not empty)")
const outFor = (description: string) => opt(Options.text("out").pipe(Options.withAlias("o"), Options.withDescription(description), Options.optional))
const journal = optionalText("journal", "SQLite journal for resuming. Default <output>.journal.sqlite beside the output")
const databaseUrl = opt(Options.redacted("database-url").pipe(
  Options.withDescription(
    "PostgreSQL for the journal instead of the SQLite file: postgres://user[:password]@host:5432/database. Env: LEMLIST_DATABASE_URL"
  ),
  Options.optional
))
const runId = optionalText("run-id", "With --database-url: the run's name in the database (default: the output's name, e.g. leads-enriched)")
const map = Options.text("map").pipe(
  Options.withDescription("Map a lemlist field to a column: --map companyDomain=\"Company Website\" (repeatable; empty column unmaps)"),
  Options.repeated
)
const delimiter = optionalText("delimiter", "CSV delimiter (default: detected among , ; tab |)")

/** A service URL: the flag's, else the environment's (never printed: it may hold a password). */
const engineUrl = (
  io: CliIo.Service,
  flag: Redacted.Redacted<string> | undefined,
  flagName: string,
  envName: string
): RunCommand.EngineUrl | undefined => {
  if (flag !== undefined) return { url: flag, from: flagName }
  const env = io.env[envName]?.trim()
  return env ? { url: Redacted.make(env), from: envName } : undefined
}

// ---- run ------------------------------------------------------------------------------------

const runCommand = (io: CliIo.Service, hooks: Backend.EmbeddedMockHooks | undefined) =>
  Command.make("run", {
    input: Args.text({ name: "input.csv" }).pipe(Args.withDescription("The CSV file of leads (UTF-8, header line first)")),
    types,
    missingInputs,
    typesColumn,
    out: outFor("Output file: .csv (columns + results) or .jsonl (full outcomes). Default <input>-enriched.csv"),
    journal,
    databaseUrl,
    runId,
    redisUrl: opt(Options.redacted("redis-url").pipe(
      Options.withDescription(
        "Redis for the pacer's store, shared by every process on this API key: redis://[:password@]host:6379[/db]. Env: LEMLIST_REDIS_URL"
      ),
      Options.optional
    )),
    shared: Options.boolean("shared").pipe(
      Options.withDescription(
        "Share the run with other processes: the same input, --database-url and --run-id in each; every lead is sent by " +
          "one of them, and each writes the whole output once every lead has an outcome"
      )
    ),
    workerId: optionalText("worker-id", "With --shared: this process's name in the run's claims (default host:pid:random)"),
    lease: optionalText(
      "lease",
      "With --shared: how long this process's claims last without its heartbeat, e.g. 30s, 1500ms, 2m (default 30s); " +
        "a dead worker's leads are taken over after it"
    ),
    map,
    delimiter,
    mock,
    mockLatency,
    baseUrl,
    webhookUrl: opt(Options.text("webhook-url").pipe(
      Options.withDescription("Public URL lemlist posts results to (forwarded to --webhook-port); without it, results are polled"),
      Options.optional
    )),
    webhookPort: opt(Options.integer("webhook-port").pipe(
      Options.withDescription("Local port of the webhook receiver (default 8787)"),
      Options.optional
    )),
    yes: Options.boolean("yes").pipe(Options.withAlias("y"), Options.withDescription("Skip the confirmation (needed when not on a terminal)")),
    quiet: Options.boolean("quiet").pipe(Options.withAlias("q"), Options.withDescription("No progress and no summary; errors only")),
    json: Options.boolean("json").pipe(Options.withDescription("Print a machine-readable summary on stdout, no progress")),
    budget: opt(Options.integer("budget").pipe(
      Options.withDescription("The most credits the run may commit; leads past it end Failed (BudgetExhausted)"),
      Options.optional
    )),
    resendUndetermined: Options.boolean("resend-undetermined").pipe(
      Options.withDescription("Resend leads whose submit failed ambiguously (may charge twice)")
    ),
    restart: Options.boolean("restart").pipe(
      Options.withDescription("Discard the journal and start over (leads already sent are sent again)")
    ),
    report: opt(Options.text("report").pipe(
      Options.withDescription("Write a self-contained HTML report of the run to this file (e.g. out/report.html)"),
      Options.optional
    ))
  }, (args) =>
    Effect.gen(function*() {
      const { missingInputs, types } = yield* parseTypesAndMode(args.types, args.missingInputs)
      const map = yield* parseMap(args.map)
      const delimiter = yield* parseDelimiter(args.delimiter)
      const code = yield* RunCommand.run({
        ...args,
        types,
        missingInputs,
        map,
        delimiter,
        databaseUrl: engineUrl(io, args.databaseUrl, "--database-url", "LEMLIST_DATABASE_URL"),
        redisUrl: engineUrl(io, args.redisUrl, "--redis-url", "LEMLIST_REDIS_URL"),
        baseUrl: args.baseUrl ?? io.env.LEMLIST_BASE_URL,
        apiKey: apiKeyOf(io),
        hooks
      })
      return yield* Effect.fail(new Finished(code))
    })).pipe(Command.withDescription("Enrich a CSV file of leads; resumable, in input order"))

// ---- export -----------------------------------------------------------------------------------

const exportCommand = (io: CliIo.Service) =>
  Command.make("export", {
    input: Args.text({ name: "input.csv" }).pipe(Args.withDescription("The run's CSV file of leads")),
    out: outFor("The output file, as the run's --out (it names the default journal and run id). Default <input>-enriched.csv"),
    journal,
    databaseUrl,
    runId,
    types,
    missingInputs,
    typesColumn,
    map,
    delimiter,
    quiet: Options.boolean("quiet").pipe(Options.withAlias("q"), Options.withDescription("Print nothing but errors")),
    json: Options.boolean("json").pipe(Options.withDescription("Print a machine-readable summary on stdout"))
  }, (args) =>
    Effect.gen(function*() {
      // The run recorded how it read rows; flags given here override it.
      const parsed = args.types === undefined ? undefined : yield* parseTypesAndMode(args.types, args.missingInputs)
      const mode = args.missingInputs === undefined
        ? undefined
        : (yield* parseTypesAndMode(undefined, args.missingInputs)).missingInputs
      const map = args.map.length === 0 ? undefined : yield* parseMap(args.map)
      const delimiter = yield* parseDelimiter(args.delimiter)
      const code = yield* ExportCommand.run({
        input: args.input,
        out: args.out ?? RunCommand.defaultOutput(args.input),
        journal: args.journal,
        databaseUrl: engineUrl(io, args.databaseUrl, "--database-url", "LEMLIST_DATABASE_URL"),
        runId: args.runId,
        rows: {
          ...(mode === undefined ? {} : { missingInputs: mode }),
          ...(parsed === undefined ? {} : parsed),
          ...(args.typesColumn === undefined ? {} : { typesColumn: args.typesColumn }),
          ...(map === undefined ? {} : { map }),
          ...(delimiter === undefined ? {} : { delimiter })
        },
        json: args.json,
        quiet: args.quiet
      })
      return yield* Effect.fail(new Finished(code))
    })).pipe(Command.withDescription(
      "Write a run's output from its journal (input order, run's columns); exit 6 while some rows have no outcome"
    ))

// ---- credits ----------------------------------------------------------------------------------

const creditsCommand = (io: CliIo.Service, hooks: Backend.EmbeddedMockHooks | undefined) =>
  Command.make("credits", {
    mock,
    mockLatency,
    baseUrl,
    json: Options.boolean("json").pipe(Options.withDescription("Print the answer as JSON"))
  }, (args) =>
    Effect.gen(function*() {
      const backend = yield* Backend.make({
        mock: args.mock,
        apiKey: apiKeyOf(io),
        baseUrl: args.baseUrl ?? io.env.LEMLIST_BASE_URL,
        mockLatency: args.mockLatency,
        webhookUrl: undefined,
        webhookPort: undefined,
        hooks
      })
      const credits = yield* Effect.flatMap(LemlistClient.LemlistClient, (c) => c.credits).pipe(
        Effect.provide(backend.client),
        Effect.catchAll((e): Effect.Effect<never, AuthFailed | RunFailed> =>
          e._tag === "Unauthorized"
            ? Effect.fail(new AuthFailed({ detail: e.message }))
            : Effect.fail(new RunFailed({ detail: `cannot read the credits: ${e.message}` }))
        )
      )
      if (args.json) io.stdout(JSON.stringify(credits) + "\n")
      else {
        io.stdout(`${ProgressDisplay.n(credits.credits)} credits (${backend.description})\n`)
        const r = credits.details?.remaining
        if (r) {
          const parts = (["subscription", "paid", "gifted", "freemium"] as const)
            .filter((k) => r[k] !== undefined)
            .map((k) => `${k} ${ProgressDisplay.n(r[k]!)}`)
          if (parts.length > 0) io.stdout(`  ${parts.join(" · ")}\n`)
        }
      }
      return yield* Effect.fail(new Finished(ExitCode.Ok))
    })).pipe(Command.withDescription("Show the team's remaining credits"))

// ---- status -----------------------------------------------------------------------------------

const statusCommand = (io: CliIo.Service) =>
  Command.make("status", {
    journal: Args.text({ name: "journal.sqlite" }).pipe(Args.withDescription("A journal written by `run`")),
    json: Options.boolean("json").pipe(Options.withDescription("Print the summary as JSON"))
  }, (args) =>
    Effect.gen(function*() {
      if (!fs.existsSync(args.journal)) return yield* new UsageError({ detail: `journal not found: ${args.journal}` })
      const summary = yield* JournalSqlite.summarize(args.journal).pipe(
        Effect.mapError((e) => new RunFailed({ detail: `cannot read the journal ${args.journal}: ${e.message}` }))
      )
      if (args.json) io.stdout(JSON.stringify(summary) + "\n")
      else {
        const lines = [
          `journal ${args.journal}: ${ProgressDisplay.n(summary.total)} leads`,
          `  done              ${ProgressDisplay.n(summary.done)}`,
          `  awaiting result   ${ProgressDisplay.n(summary.submitted)}`,
          `  being submitted   ${ProgressDisplay.n(summary.submitting)}`,
          ...Object.entries(summary.outcomes).map(([tag, count]) => `    ${tag.padEnd(16)}${ProgressDisplay.n(count)}`)
        ]
        io.stdout(lines.join("\n") + "\n")
      }
      return yield* Effect.fail(new Finished(ExitCode.Ok))
    })).pipe(Command.withDescription("Summarise a run's journal (how many leads are done, and how)"))

// ---- root -------------------------------------------------------------------------------------

const footer = HelpDoc.blocks([
  HelpDoc.h1("EXIT CODES"),
  ...descriptions.map(([code, name, text]) => HelpDoc.p(`${String(code).padStart(3)}  ${name}: ${text}`)),
  HelpDoc.h1("ENVIRONMENT"),
  HelpDoc.p("LEMLIST_API_KEY  the lemlist API key (never a flag). Without it, commands use the embedded mock."),
  HelpDoc.p("LEMLIST_BASE_URL the API base URL (default https://api.lemlist.com/api)."),
  HelpDoc.p("LEMLIST_DATABASE_URL  PostgreSQL for the journal (as --database-url; the flag wins). Printed as host/db only."),
  HelpDoc.p("LEMLIST_REDIS_URL     Redis for the pacer, shared by processes (as --redis-url; the flag wins). Printed as host only.")
])

const root = (io: CliIo.Service, hooks: Backend.EmbeddedMockHooks | undefined) =>
  Command.make("lemlist-enrich").pipe(
    Command.withDescription("Enrich CSV files of leads with lemlist (emails, phones, verification, LinkedIn)"),
    Command.withSubcommands([runCommand(io, hooks), exportCommand(io), creditsCommand(io, hooks), statusCommand(io), MockCommand.command(io)])
  )

/**
 * Options of `main`/`run` beyond the arguments (mostly for tests).
 *
 * @since 0.1.0
 * @category models
 */
export interface MainOptions {
  /** Embedded-mock hooks (tests reuse one mock across runs, or change its options). */
  readonly mock?: Backend.EmbeddedMockHooks | undefined
}

/**
 * The whole program for an argument list (without `node` and the script): never fails, always
 * ends with an exit code, and prints every error as one clear line on stderr.
 *
 * @since 0.1.0
 * @category entry points
 */
export const main = (argv: ReadonlyArray<string>, options: MainOptions = {}): Effect.Effect<ExitCode, never, CliIo.CliIo> =>
  Effect.gen(function*() {
    const io = yield* CliIo.CliIo
    const cli = Command.run(root(io, options.mock), { name: "lemlist-enrich", version, footer })
    const json = argv.includes("--json")
    const exit = yield* cli(["node", "lemlist-enrich", ...argv]).pipe(
      Effect.provide(NodeContext.layer),
      Effect.withConsole(CliIo.toConsole(io)),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(io.env).filter((e): e is [string, string] => e[1] !== undefined)))),
      Effect.exit
    )
    if (Exit.isSuccess(exit)) return ExitCode.Ok // --help, --version, --wizard
    const cause = exit.cause
    if (Cause.isInterruptedOnly(cause)) return ExitCode.Interrupted
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure)) {
      const e = failure.value as unknown
      if (e instanceof Finished) return e.code
      if (isCliError(e)) {
        io.stderr(`error: ${e.message}\n`)
        if (json) io.stdout(JSON.stringify({ error: { tag: e._tag, message: e.message }, exitCode: e.exitCode }) + "\n")
        return e.exitCode
      }
      if (ValidationError.isValidationError(e)) {
        // @effect/cli already printed the problem and the usage.
        return ValidationError.isHelpRequested(e) ? ExitCode.Ok : ExitCode.Usage
      }
      io.stderr(`error: ${String((e as Error)?.message ?? e)}\n`)
      return ExitCode.Internal
    }
    const defect = Cause.squash(cause)
    io.stderr(
      `internal error: ${String((defect as Error)?.message ?? defect)}\n` +
        (io.env.LEMLIST_DEBUG ? Cause.pretty(cause) + "\n" : "(set LEMLIST_DEBUG=1 for details; please report it)\n")
    )
    return ExitCode.Internal
  })

/**
 * Runs the command line with the given io (the process by default) and resolves with its exit
 * code. `signal` interrupts it cleanly (what Ctrl-C does in the bin).
 *
 * @example
 * ```ts
 * import { Cli, CliIo } from "@lemlist-effect/cli"
 *
 * const io = CliIo.capture({ env: {} })
 * const code = await Cli.run(["status", "missing.sqlite"], io.service) // 2
 * io.err() // "error: journal not found: missing.sqlite\n"
 * ```
 *
 * @since 0.1.0
 * @category entry points
 */
export const run = async (
  argv: ReadonlyArray<string>,
  io: CliIo.Service = CliIo.fromProcess(),
  options: MainOptions & { readonly signal?: AbortSignal | undefined } = {}
): Promise<ExitCode> => {
  // `mock` takes the options of `pnpm mock`, parsed by the mock server itself.
  if (argv[0] === "mock") return MockCommand.serve(argv.slice(1), io, options.signal)
  const exit = await Effect.runPromiseExit(
    main(argv, options).pipe(Effect.provide(Layer.succeed(CliIo.CliIo, io))),
    options.signal ? { signal: options.signal } : undefined
  )
  return Exit.isSuccess(exit) ? exit.value : Cause.isInterruptedOnly(exit.cause) ? ExitCode.Interrupted : ExitCode.Internal
}

/**
 * The command as a process runs it: `process.argv`, Ctrl-C interrupting the run cleanly (what
 * is done stays in the journal, a request on the wire is answered and recorded first), a second
 * Ctrl-C exiting at once, SIGTERM like Ctrl-C. Each says at once that the command is stopping:
 * the answer it waits for may take a while. The `lemlist-enrich` executable is this call.
 *
 * @example
 * ```ts
 * import * as Cli from "@lemlist-effect/cli/Cli"
 *
 * process.exitCode = await Cli.runProcess()
 * ```
 *
 * @since 0.1.0
 * @category entry points
 */
export const runProcess = (options: MainOptions = {}): Promise<ExitCode> => {
  const controller = new AbortController()
  const argv = process.argv.slice(2)
  // Only `run` sends requests that spend credits, and waits for their answers when stopped.
  const waits = argv[0] === "run" ? ": a request on the wire is answered and recorded first" : ""
  let interrupts = 0
  const stop = (what: string) => {
    if (controller.signal.aborted) return
    process.stderr.write(`\n${what}\n`)
    controller.abort()
  }
  process.on("SIGINT", () => {
    if (++interrupts > 1) process.exit(ExitCode.Interrupted)
    stop(`Stopping${waits}. Ctrl-C again quits at once${waits && " (its leads then end Undetermined)"}.`)
  })
  process.on("SIGTERM", () => stop(`Stopping (SIGTERM)${waits}.`))
  return run(argv, undefined, { ...options, signal: controller.signal })
}
