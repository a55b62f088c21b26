/**
 * The pacer's store in a SQLite database: the processes of one machine that open the same file
 * share one budget per API key, and a restarted process finds the starts of the one before it,
 * so a restart does not trip lemlist's limit. Tables `pacer_keys` and `pacer_log` (migrations in
 * `lemlist_enrich_pacer_migrations`), so the store can live in a run's journal file.
 *
 * @since 0.1.0
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as internal from "./internal/pacerSql.js"
import * as JournalSqlite from "./JournalSqlite.js"
import { PacerStore, PacerStoreError } from "./RequestPacer.js"

/**
 * The store over the `SqlClient` in the context (its tables are created on first use). In one
 * process, give the journal and the pacer the same client: one connection, no lock waits
 * between them.
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { JournalSqlite, PacerStoreSqlite } from "@lemlist-effect/enrich/sqlite"
 * import { Layer } from "effect"
 *
 * const Sql = JournalSqlite.layerClient({ filename: "run.sqlite" })
 * const Live = Layer.mergeAll(
 *   JournalSqlite.layerFromClient,
 *   RequestPacer.layerFromStore().pipe(Layer.provide(PacerStoreSqlite.layer))
 * ).pipe(Layer.provide(Sql))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<PacerStore, PacerStoreError, SqlClient.SqlClient> = Layer.effect(
  PacerStore,
  Effect.mapError(internal.make, (cause) => new PacerStoreError({ operation: "migrate", cause }))
)

/**
 * The store in a SQLite file of its own (created on first use; refused with a typed error when
 * the file is not a SQLite database).
 *
 * @example
 * ```ts
 * import { RequestPacer } from "@lemlist-effect/enrich"
 * import { PacerStoreSqlite } from "@lemlist-effect/enrich/sqlite"
 * import { Layer } from "effect"
 *
 * const Pacer = RequestPacer.layerFromStore().pipe(
 *   Layer.provide(PacerStoreSqlite.layerFile({ filename: "pacer.sqlite" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFile = (options: { readonly filename: string }): Layer.Layer<PacerStore, PacerStoreError> =>
  layer.pipe(
    Layer.provide(
      JournalSqlite.layerClient(options).pipe(
        Layer.mapError((e) => new PacerStoreError({ operation: "open", cause: e.cause ?? e }))
      )
    )
  )
