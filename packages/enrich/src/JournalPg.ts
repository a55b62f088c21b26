/**
 * The journal in PostgreSQL (`@effect/sql-pg`): the same tables, migrations and statements as
 * the SQLite journal (`internal/journalSql.ts`), for runs whose journal must outlive the machine
 * or be shared. It has its own entry point, `@lemlist-effect/enrich/pg`, so that only apps using
 * it install `pg`.
 *
 * Several runs or apps can share one database: give each its own `schema` (created on first
 * use); without one, the tables go where the connection's `search_path` puts them (`public`).
 *
 * @since 0.1.0
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { PgClient } from "@effect/sql-pg"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import { JournalError } from "./EnrichmentError.js"
import { Journal } from "./Journal.js"
import * as internal from "./internal/journalSql.js"

/**
 * Where the journal's connection goes.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions {
  /** A connection string, `postgres://user:password@host:5432/database` (it may hold a password). */
  readonly url: Redacted.Redacted
  /** How long to wait for the first connection (default 5 seconds). */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** The pool's size (default 10). */
  readonly maxConnections?: number | undefined
}

/**
 * Which schema holds the journal's tables.
 *
 * @since 0.1.0
 * @category models
 */
export interface JournalOptions {
  /** A schema name (letters, digits, `_`; at most 63), created if missing. Default: `search_path`. */
  readonly schema?: string | undefined
}

/**
 * A PostgreSQL client (`PgClient` and the generic `SqlClient`), its connection failures as a
 * typed `JournalError`. Share it with other services of the app, or give it to
 * `layerFromClient`.
 *
 * @example
 * ```ts
 * import { JournalPg } from "@lemlist-effect/enrich/pg"
 * import { Redacted } from "effect"
 *
 * const Sql = JournalPg.layerClient({ url: Redacted.make("postgres://postgres@127.0.0.1:5432/app") })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (
  options: ClientOptions
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, JournalError> =>
  PgClient.layer({
    url: options.url,
    connectTimeout: options.connectTimeout,
    maxConnections: options.maxConnections,
    applicationName: "@lemlist-effect/enrich"
  }).pipe(Layer.mapError((cause) => new JournalError({ operation: "connect", cause })))

const schemaName = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * The journal over the `PgClient` in the context (its schema and tables are created on first
 * use; workers starting together migrate once). Its `outcomesRecorded` hears the outcomes any
 * process records on the same schema (`LISTEN`/`NOTIFY`).
 *
 * @example
 * ```ts
 * import { JournalPg } from "@lemlist-effect/enrich/pg"
 * import { Layer, Redacted } from "effect"
 *
 * const JournalLive = JournalPg.layerFromClient({ schema: "crm_sync" }).pipe(
 *   Layer.provide(JournalPg.layerClient({ url: Redacted.make("postgres://postgres@127.0.0.1:5432/app") }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromClient = (
  options: JournalOptions = {}
): Layer.Layer<Journal, JournalError, PgClient.PgClient | SqlClient.SqlClient> =>
  Layer.effect(
    Journal,
    options.schema === undefined || schemaName.test(options.schema)
      ? Effect.flatMap(PgClient.PgClient, (pg) =>
        internal.make({ schema: options.schema, notifications: pg.listen(internal.channel) }))
      : new JournalError({ operation: "open", cause: new Error(`invalid schema name: ${options.schema}`) })
  )

/**
 * A journal in PostgreSQL. Rerun with the same database (and schema) to resume.
 *
 * @example
 * ```ts
 * import { JournalPg } from "@lemlist-effect/enrich/pg"
 * import { Redacted } from "effect"
 *
 * const JournalLive = JournalPg.layer({
 *   url: Redacted.make("postgres://postgres@127.0.0.1:5432/app"),
 *   schema: "crm_sync"
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ClientOptions & JournalOptions): Layer.Layer<Journal, JournalError> =>
  layerFromClient(options).pipe(Layer.provide(layerClient(options)))

/**
 * A journal in the PostgreSQL database at `LEMLIST_DATABASE_URL`.
 *
 * @example
 * ```ts
 * import { JournalPg } from "@lemlist-effect/enrich/pg"
 *
 * // LEMLIST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/app
 * const JournalLive = JournalPg.layerConfig({ schema: "crm_sync" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: JournalOptions = {}
): Layer.Layer<Journal, JournalError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(
    Effect.map(Config.redacted("LEMLIST_DATABASE_URL"), (url) => layer({ ...options, url }))
  )
