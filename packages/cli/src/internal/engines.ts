/**
 * Where `run` and `export` keep their state: the journal (a SQLite file beside the output by
 * default, or PostgreSQL with `--database-url`, one schema per run id) and the pacer's store
 * (the journal's SQLite file by default, Redis with `--redis-url`, the process's memory when the
 * journal is in PostgreSQL and no Redis is given: the SQL pacer store is SQLite's).
 *
 * URLs may hold passwords: they stay `Redacted`, and only their host, port and database are
 * ever printed. Every failure is a `CliError` naming the flag (a bad URL) or the service (one
 * that does not answer); error texts from drivers are scrubbed of the URL's secrets.
 *
 * @internal
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { JournalError } from "@lemlist-effect/enrich/EnrichmentError"
import type * as Journal from "@lemlist-effect/enrich/Journal"
import { JournalPg } from "@lemlist-effect/enrich/pg"
import { PacerStoreRedis } from "@lemlist-effect/enrich/redis"
import * as RequestPacer from "@lemlist-effect/enrich/RequestPacer"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { createHash, randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { hostname } from "node:os"
import * as nodePath from "node:path"
import * as Backend from "../Backend.js"
import { RunFailed, UsageError } from "../CliError.js"

/** A service URL as given: the secret, and where it came from (a flag or an env variable). */
export interface GivenUrl {
  readonly url: Redacted.Redacted<string>
  /** `--redis-url`, `LEMLIST_REDIS_URL`, ...: named in every message about this URL. */
  readonly from: string
}

/** A checked service URL: the secret, its source, and what may be printed of it. */
export interface ServiceUrl extends GivenUrl {
  /** `host:port/db`: no user, no password, no query. */
  readonly where: string
}

export type JournalTarget =
  | { readonly _tag: "Sqlite"; readonly filename: string }
  | { readonly _tag: "Postgres"; readonly db: ServiceUrl; readonly runId: string; readonly schema: string }

export type PacerTarget =
  | { readonly _tag: "JournalFile" }
  | { readonly _tag: "Redis"; readonly redis: ServiceUrl }
  | { readonly _tag: "Memory" }

/** This process as one of several workers sharing a run (`--shared`). */
export interface Worker {
  /** Its name in the journal's claims (`--worker-id`, default host:pid:random). */
  readonly id: string
  /** How long a claim lasts without a heartbeat (`--lease`), in ms. */
  readonly leaseMillis: number
}

export interface Engines {
  readonly journal: JournalTarget
  readonly pacer: PacerTarget
  /** With `--shared`: this process is one worker of the run (the journal is in PostgreSQL). */
  readonly worker: Worker | undefined
  /** The journal as messages and the summary name it (a path, or the database and run). */
  readonly label: string
}

const kinds = {
  redis: { name: "Redis", protocols: ["redis:", "rediss:"], example: "redis://[:password@]host:6379[/db]" },
  postgres: {
    name: "PostgreSQL",
    protocols: ["postgres:", "postgresql:"],
    example: "postgres://user[:password]@host:5432/database"
  }
} as const

/** Checks a URL's shape, never echoing it (it may hold a password). */
export const parseUrl = (given: GivenUrl, kind: keyof typeof kinds): Effect.Effect<ServiceUrl, UsageError> => {
  const spec = kinds[kind]
  const bad = (why: string) =>
    new UsageError({ detail: `${given.from}: ${why}; expected a ${spec.name} URL, ${spec.example}` })
  let url: URL
  try {
    url = new URL(Redacted.value(given.url).trim())
  } catch {
    return Effect.fail(bad("not a URL"))
  }
  if (!(spec.protocols as ReadonlyArray<string>).includes(url.protocol)) {
    // The scheme holds no secret: naming it helps (http:// for redis:// ...).
    return Effect.fail(bad(`the scheme ${JSON.stringify(url.protocol.slice(0, 20))} is not ${spec.protocols.join(" or ")}`))
  }
  if (url.hostname === "") return Effect.fail(bad("no host"))
  const path = decodeURIComponent(url.pathname.replace(/^\//, ""))
  if (kind === "redis" && path !== "" && !/^\d+$/.test(path)) return Effect.fail(bad("the database after the host must be a number"))
  const where = `${url.hostname}${url.port ? `:${url.port}` : ""}${path ? `/${path}` : ""}`
  return Effect.succeed({ ...given, url: Redacted.make(url.href), where })
}

/** The secrets of a URL that a driver's message might repeat: the whole URL, its password. */
const secretsOf = (url: ServiceUrl): ReadonlyArray<string> => {
  const text = Redacted.value(url.url)
  const parsed = new URL(text)
  return [text, parsed.password, decodeURIComponent(parsed.password)].filter((s) => s.length >= 1)
}

/** A failure's message and its causes', with the URL's secrets replaced. */
export const describeCause = (cause: unknown, url: ServiceUrl | undefined): string => {
  const parts: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const message = Cause.isCause(current) ? Cause.pretty(current).split("\n")[0] : (current as Error).message
    if (typeof message === "string" && message !== "" && !parts.includes(message)) parts.push(message)
    current = (current as { cause?: unknown }).cause
  }
  let text = parts.join(": ") || String(cause)
  for (const secret of url ? secretsOf(url) : []) text = text.split(secret).join("***")
  return text
}

// ---- run ids ----------------------------------------------------------------------------------

/**
 * The run id a PostgreSQL journal gets when none is given: the output's name without its
 * extension, as the SQLite journal is `<output name>.journal.sqlite` beside it. The folder is
 * left out, so processes on several machines writing `leads-enriched.csv` share the run.
 */
export const defaultRunId = (output: string): string => nodePath.parse(output).name

const runIdShape = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

/**
 * The schema of a run: `lemlist_<run id>` when the id is already a plain lower-case identifier,
 * else its readable part and 8 hex digits of its SHA-256 (distinct ids, distinct schemas; at
 * most 57 characters, under PostgreSQL's 63).
 */
export const schemaOf = (runId: string): string => {
  const slug = runId.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "")
  if (slug === runId && slug.length <= 40) return `lemlist_${slug}`
  const hash = createHash("sha256").update(runId).digest("hex").slice(0, 8)
  return `lemlist_${slug.slice(0, 40)}${slug === "" ? "" : "_"}${hash}`
}

// ---- workers ---------------------------------------------------------------------------------

/** `--shared`, `--worker-id`, `--lease` as given. */
export interface WorkerFlags {
  readonly shared: boolean
  readonly id: string | undefined
  readonly lease: string | undefined
}

/** The library's default lease, and the bounds `--lease` accepts. */
export const defaultLease = 30_000
const leaseBounds = { min: 1_000, max: 3_600_000 } as const

const workerIdShape = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/

const durationUnits: Record<string, number> = {
  ms: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000
}

/** `--lease`: a number and a unit (`30s`, `1500ms`, `2m`, `45 seconds`), 1 s to 1 h, in ms. */
export const parseLease = (text: string): Effect.Effect<number, UsageError> => {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  const bad = (why: string) => new UsageError({ detail: `--lease ${JSON.stringify(text.slice(0, 40))}: ${why}` })
  if (!match) return Effect.fail(bad("expected a duration with its unit, e.g. 30s, 1500ms, 2m"))
  if (match[2] === "") return Effect.fail(bad("give the unit: 30s, 1500ms, 2m"))
  const unit = durationUnits[match[2]!.toLowerCase()]
  if (unit === undefined) return Effect.fail(bad(`unknown unit ${JSON.stringify(match[2])}; use ms, s or m`))
  const millis = Math.round(Number(match[1]) * unit)
  return millis < leaseBounds.min || millis > leaseBounds.max
    ? Effect.fail(bad("a lease is 1 s to 1 h (its heartbeat renews it every quarter of it)"))
    : Effect.succeed(millis)
}

/**
 * This process as a worker of a shared run, or `undefined` without `--shared`. The workers
 * share the run through its journal, so `--shared` needs PostgreSQL; `--worker-id` and
 * `--lease` mean nothing without `--shared`.
 */
const chooseWorker = (
  flags: WorkerFlags | undefined,
  inDatabase: boolean
): Effect.Effect<Worker | undefined, UsageError> =>
  Effect.gen(function*() {
    if (flags === undefined) return undefined
    if (!flags.shared) {
      const given = flags.id !== undefined ? "--worker-id" : flags.lease !== undefined ? "--lease" : undefined
      if (given === undefined) return undefined
      return yield* new UsageError({ detail: `${given} is for a run shared by several processes: add --shared` })
    }
    if (!inDatabase) {
      return yield* new UsageError({
        detail: "--shared: the processes share the run through its journal in PostgreSQL: it needs --database-url " +
          "(or LEMLIST_DATABASE_URL), and the same --run-id in every process"
      })
    }
    if (flags.id !== undefined && !workerIdShape.test(flags.id)) {
      return yield* new UsageError({
        detail: `--worker-id ${JSON.stringify(flags.id.slice(0, 120))}: use 1 to 100 letters, digits, ".", "_", ":", "@" or "-", ` +
          "starting with a letter or digit"
      })
    }
    const leaseMillis = flags.lease === undefined ? defaultLease : yield* parseLease(flags.lease)
    // The library's default name, made here so that the summary can print it.
    const id = flags.id ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`
    return { id, leaseMillis }
  })

// ---- choosing --------------------------------------------------------------------------------

export interface Choice {
  readonly output: string
  /** `--journal`. */
  readonly journal: string | undefined
  /** `--database-url` / `LEMLIST_DATABASE_URL` (the flag wins, resolved by the caller). */
  readonly databaseUrl: GivenUrl | undefined
  /** `--redis-url` / `LEMLIST_REDIS_URL`. */
  readonly redisUrl: GivenUrl | undefined
  readonly runId: string | undefined
  /** `--shared`, `--worker-id`, `--lease` (`run` only). */
  readonly worker?: WorkerFlags | undefined
}

/** The engines the flags ask for, or a usage error naming the flag at fault. */
export const choose = (choice: Choice): Effect.Effect<Engines, UsageError> =>
  Effect.gen(function*() {
    const redis = choice.redisUrl === undefined ? undefined : yield* parseUrl(choice.redisUrl, "redis")
    // An explicit --journal (a SQLite file) beats a database URL from the environment.
    const databaseUrl = choice.journal !== undefined && choice.databaseUrl?.from.startsWith("--") !== true
      ? undefined
      : choice.databaseUrl
    if (databaseUrl === undefined) {
      if (choice.runId !== undefined) {
        return yield* new UsageError({
          detail: "--run-id names a run in a PostgreSQL journal: it needs --database-url (or LEMLIST_DATABASE_URL)"
        })
      }
      const worker = yield* chooseWorker(choice.worker, false)
      const filename = choice.journal ?? defaultJournal(choice.output)
      return {
        journal: { _tag: "Sqlite", filename },
        pacer: redis === undefined ? { _tag: "JournalFile" } : { _tag: "Redis", redis },
        worker,
        label: filename
      } satisfies Engines
    }
    if (choice.journal !== undefined) {
      return yield* new UsageError({
        detail: "--journal names a SQLite file, and --database-url puts the journal in PostgreSQL: give one of them " +
          "(name the run in the database with --run-id)"
      })
    }
    const db = yield* parseUrl(databaseUrl, "postgres")
    if (choice.runId !== undefined && !runIdShape.test(choice.runId)) {
      return yield* new UsageError({
        detail: `--run-id ${JSON.stringify(choice.runId.slice(0, 120))}: use 1 to 100 letters, digits, ".", "_" or "-", ` +
          "starting with a letter or digit"
      })
    }
    const worker = yield* chooseWorker(choice.worker, true)
    const runId = choice.runId ?? defaultRunId(choice.output)
    const schema = schemaOf(runId)
    return {
      journal: { _tag: "Postgres", db, runId, schema },
      pacer: redis === undefined ? { _tag: "Memory" } : { _tag: "Redis", redis },
      worker,
      label: `PostgreSQL ${db.where}, run ${runId} (schema ${schema})`
    } satisfies Engines
  })

/** The default journal: beside the output, `<output name>.journal.sqlite`. */
export const defaultJournal = (output: string): string => {
  const parsed = nodePath.parse(output)
  return nodePath.join(parsed.dir, `${parsed.name}.journal.sqlite`)
}

/** One line on the pacer, for the run's preamble. */
export const describePacer = (engines: Engines): string => {
  switch (engines.pacer._tag) {
    case "Redis":
      return `Pacer: Redis ${engines.pacer.redis.where}, shared by every process on this API key`
    case "Memory":
      return "Pacer: in this process only (several processes on one API key need --redis-url too)"
    case "JournalFile":
      return `Pacer: in the journal file (shared by the processes that open it)`
  }
}

/** One line on the worker, for a shared run's preamble; nothing for a run of one process. */
export const describeWorker = (engines: Engines): string | undefined => {
  const { journal, worker } = engines
  if (worker === undefined || journal._tag !== "Postgres") return undefined
  return `Worker: ${worker.id}, sharing run ${journal.runId} with the other processes on it (lease ` +
    `${worker.leaseMillis % 1000 === 0 ? `${worker.leaseMillis / 1000} s` : `${worker.leaseMillis} ms`}): ` +
    `each lead is sent by one of them; this one writes the whole output once every lead has an outcome`
}

// ---- layers ----------------------------------------------------------------------------------

const unreachable = (url: ServiceUrl, kind: keyof typeof kinds, what: string) => (e: { readonly cause?: unknown }) =>
  new RunFailed({
    detail: `cannot ${what} ${kinds[kind].name} at ${url.where} (${url.from}): ${describeCause(e.cause ?? e, url)}`
  })

/** A journal failure, as the command reports it (the SQLite one as before: its path). */
export const journalFailed = (engines: Engines) => (e: JournalError) =>
  engines.journal._tag === "Postgres"
    ? e.operation === "connect"
      ? unreachable(engines.journal.db, "postgres", "connect to")(e)
      : new RunFailed({
        detail: `the journal (${engines.label}) failed: ${e.operation}: ${describeCause(e.cause, engines.journal.db)}`
      })
    : new RunFailed({
      detail: `the journal ${engines.label} failed: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}`
    })

const pgClient = (db: ServiceUrl) => JournalPg.layerClient({ url: db.url })

const redisPacer = (redis: ServiceUrl): Layer.Layer<RequestPacer.RequestPacer, RunFailed> =>
  RequestPacer.layerFromStore().pipe(
    Layer.provide(PacerStoreRedis.layer({ url: redis.url })),
    Layer.mapError(unreachable(redis, "redis", "connect to"))
  )

/**
 * The journal, and the pacer when `withPacer`. In the SQLite file, one connection serves both
 * (`Backend.pacer`), as before.
 */
export const layer = (
  engines: Engines,
  options: { readonly withPacer: boolean }
): Layer.Layer<Journal.Journal | RequestPacer.RequestPacer, RunFailed> => {
  const { journal, pacer } = engines
  const pacerLayer: Layer.Layer<RequestPacer.RequestPacer, RunFailed> = !options.withPacer || pacer._tag === "Memory"
    ? RequestPacer.layer()
    : pacer._tag === "Redis"
    ? redisPacer(pacer.redis)
    : Layer.die("the journal file's pacer without its file") // never: JournalFile goes with Sqlite below
  if (journal._tag === "Sqlite") {
    const fileOnly = options.withPacer && pacer._tag === "JournalFile"
    return Layer.merge(JournalSqlite.layerFromClient, fileOnly ? Backend.pacer : Layer.empty).pipe(
      Layer.provide(JournalSqlite.layerClient({ filename: journal.filename })),
      Layer.mapError(journalFailed(engines)),
      Layer.merge(fileOnly ? Layer.empty : pacerLayer)
    ) as Layer.Layer<Journal.Journal | RequestPacer.RequestPacer, RunFailed>
  }
  return Layer.merge(
    JournalPg.layerFromClient({ schema: journal.schema }).pipe(
      Layer.provide(pgClient(journal.db)),
      Layer.mapError(journalFailed(engines))
    ),
    pacerLayer
  )
}

/**
 * Whether the journal exists, without creating it: the file, or the run's schema in the
 * database (`export` reads a journal; it never starts an empty one).
 */
export const exists = (engines: Engines): Effect.Effect<boolean, RunFailed> => {
  const { journal } = engines
  if (journal._tag === "Sqlite") return Effect.sync(() => fs.existsSync(journal.filename))
  return Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = ${journal.schema}`
  ).pipe(
    Effect.map((rows) => (rows[0]?.n ?? 0) > 0),
    Effect.provide(pgClient(journal.db)),
    Effect.mapError((e) =>
      e._tag === "JournalError" ? journalFailed(engines)(e) : unreachable(journal.db, "postgres", "read from")(e)
    )
  )
}

/**
 * The pacer's store failing mid-run (the pacer fails closed): as the command reports it,
 * naming Redis. `Enrichment.run` fails with the `PacerStoreError`; a request outside a run (the
 * credit check) dies with it, see {@link pacerDefect}.
 */
export const pacerFailed = (engines: Engines) => (error: RequestPacer.PacerStoreError): Effect.Effect<never, RunFailed> =>
  Effect.fail(
    new RunFailed({
      detail: engines.pacer._tag === "Redis"
        ? `Redis at ${engines.pacer.redis.where} (${engines.pacer.redis.from}) failed during the run ` +
          `(${error.operation}: ${describeCause(error.cause, engines.pacer.redis)}); no request left without a slot, ` +
          `rerun the same command to continue`
        : `the pacer's store failed (${error.operation}: ${describeCause(error.cause, undefined)})`
    })
  )

/** {@link pacerFailed} for a request's fiber that died with the store's error. */
export const pacerDefect = (engines: Engines) => (defect: unknown): Option.Option<Effect.Effect<never, RunFailed>> =>
  defect instanceof RequestPacer.PacerStoreError ? Option.some(pacerFailed(engines)(defect)) : Option.none()
