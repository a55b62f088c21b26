/**
 * The journal in a SQLite file (`@effect/sql-sqlite-node`, a native module): the default for
 * resumable runs. It has its own entry point, `@lemlist-effect/enrich/sqlite`, so that an app
 * using only `Journal.layerMemory` installs no native module.
 *
 * @since 0.1.0
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { SqliteClient } from "@effect/sql-sqlite-node"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs"
import { JournalError } from "./EnrichmentError.js"
import { Journal, type Summary } from "./Journal.js"
import * as internal from "./internal/journalSql.js"
import { nativeModuleProblem } from "./internal/sqliteNative.js"

const sqliteHeader = "SQLite format 3\0"

/**
 * The write-ahead log is copied into the file every 10,000 pages (40 MB) instead of SQLite's
 * 1,000: a run rewrites the same pages of the key index over and over, and a longer log copies
 * each once for many commits (a 1,000,000-lead journal: 37 against 49 µs per lead,
 * docs/performance.md).
 */
const walPages = "PRAGMA wal_autocheckpoint = 10000"

/**
 * Which commits are synced to disk (a commit survives the process's crash either way: it is in
 * the write-ahead log when it returns; a synced one survives the machine's crash too).
 *
 * - `"submissions"` (the default): the commit that marks leads `submitting`, before their
 *   request leaves, is synced, and with it every commit before it; the others reach the disk
 *   with the next such sync or when the log is copied into the file. A crash of the machine can
 *   lose the last `submitted` records and outcomes (the leads are then in doubt, or their
 *   results polled again), never a submission: a rerun does not send a lead twice.
 * - `"every-commit"`: every commit synced (a sync per round of outcomes as well; a 200,000-row
 *   `lemlist-enrich run --mock` took 6 to 11 % longer on this project's machine).
 *
 * @since 0.1.0
 * @category models
 */
export type Sync = "submissions" | "every-commit"

/**
 * Options of a SQLite journal's connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions {
  readonly filename: string
  /** See {@link Sync}. Default `"submissions"`. */
  readonly sync?: Sync | undefined
}

/** better-sqlite3 throws (a defect) on a file that is not a database: refuse it first, typed. */
const checkIsDatabase = (filename: string) =>
  Effect.try({
    try: () => {
      if (!existsSync(filename) || statSync(filename).size === 0) return
      const fd = openSync(filename, "r")
      const head = Buffer.alloc(sqliteHeader.length)
      try {
        readSync(fd, head, 0, head.length, 0)
      } finally {
        closeSync(fd)
      }
      if (head.toString("latin1") !== sqliteHeader) throw new Error(`${filename} is not a SQLite journal`)
    },
    catch: (cause) => new JournalError({ operation: "open", cause })
  })

/**
 * The `SqlClient` of a SQLite file, refused with a typed `JournalError` when the file exists
 * and is not a SQLite database. Other SQLite-backed services (the pacer's store) can share it
 * with the journal: one file per run.
 *
 * @example
 * ```ts
 * import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
 *
 * const Sql = JournalSqlite.layerClient({ filename: "run.sqlite" })
 * // Every commit synced to disk, not only the submissions:
 * const Synced = JournalSqlite.layerClient({ filename: "run.sqlite", sync: "every-commit" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (options: ClientOptions) =>
  Layer.unwrapEffect(
    Effect.as(
      checkIsDatabase(options.filename),
      SqliteClient.layer({ filename: options.filename }).pipe(
        Layer.tap((context) => {
          const sql = Context.get(context, SqliteClient.SqliteClient)
          return Effect.zipRight(
            sql.unsafe(walPages),
            // The journal raises it to FULL for its submissions (`internal/journalSync.ts`).
            sql.unsafe(`PRAGMA synchronous = ${options.sync === "every-commit" ? "FULL" : "NORMAL"}`)
          )
        }),
        Layer.mapError((cause) => new JournalError({ operation: "open", cause })),
        // Opening is where better-sqlite3 loads its native module; that failing is a defect.
        Layer.catchAllCause((cause) => {
          const problem = Option.flatMap(Cause.dieOption(cause), (defect) => Option.fromNullable(nativeModuleProblem(defect)))
          return Option.isSome(problem) ? Layer.fail(new JournalError({ operation: "open", cause: problem.value })) : Layer.failCause(cause)
        })
      )
    )
  )

/**
 * The journal over a `SqlClient` you provide (the tables are created on first use).
 *
 * @example
 * ```ts
 * import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
 * import { Layer } from "effect"
 *
 * const JournalLive = JournalSqlite.layerFromClient.pipe(
 *   Layer.provide(JournalSqlite.layerClient({ filename: "run.sqlite" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromClient: Layer.Layer<Journal, JournalError, SqlClient.SqlClient> = Layer.effect(
  Journal,
  internal.make()
)

/**
 * A journal in a SQLite file (created and migrated on first use). Rerun with the same file to
 * resume.
 *
 * @example
 * ```ts
 * import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
 *
 * const JournalLive = JournalSqlite.layer({ filename: "run.sqlite" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ClientOptions): Layer.Layer<Journal, JournalError> =>
  layerFromClient.pipe(Layer.provide(layerClient(options)))

/**
 * Reads a SQLite journal's summary without running anything (for `lemlist-enrich status`).
 *
 * @example
 * ```ts
 * import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
 * import { Effect } from "effect"
 *
 * const program = JournalSqlite.summarize("run.sqlite").pipe(Effect.tap((s) => Effect.log(s.done, "done")))
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const summarize = (filename: string): Effect.Effect<Summary, JournalError> =>
  Effect.flatMap(Journal, (journal) => journal.summary).pipe(Effect.provide(layer({ filename })))
