/**
 * Runs the journal's migrations (one set for SQLite and PostgreSQL) on the `SqlClient` given.
 *
 * @internal
 */
import * as Migrator from "@effect/sql/Migrator"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import { JournalError } from "../../EnrichmentError.js"
import migration0001 from "./0001_leads.js"
import migration0002 from "./0002_meta.js"
import migration0003 from "./0003_claims.js"
import migration0004 from "./0004_drop_leads_state.js"
import type { Tables } from "./tables.js"

/** @internal */
export const migrate = (sql: SqlClient.SqlClient, t: Tables, schema: string | undefined) => {
  const run = Migrator.make({})({
    loader: Migrator.fromRecord({
      "0001_leads": migration0001(t),
      "0002_meta": migration0002(t),
      "0003_claims": migration0003(t),
      "0004_drop_leads_state": migration0004(t)
    }),
    table: t.migrations
  })
  return sql.onDialectOrElse({
    // Workers starting together on one database: the first migrates, the others wait on the
    // lock. The Migrator's own `LOCK TABLE` needs its table to exist, and its `::regclass` probe
    // must not fail inside this transaction: the table is created here first, as it would.
    pg: () =>
      sql.withTransaction(Effect.gen(function*() {
        yield* sql`SELECT pg_advisory_xact_lock(hashtext(${`lemlist_enrich:${schema ?? ""}`}))`
        if (schema !== undefined) yield* sql`CREATE SCHEMA IF NOT EXISTS ${sql(schema)}`
        yield* sql`CREATE TABLE IF NOT EXISTS ${sql(t.migrations)} (
          migration_id integer primary key,
          created_at timestamp with time zone not null default now(),
          name text not null
        )`
        yield* run
      })),
    orElse: () => Effect.asVoid(run)
  }).pipe(
    // A failing migration is a defect in the Migrator; here it is the journal failing to open.
    Effect.catchAllDefect((defect) => Effect.fail(defect)),
    Effect.mapError((cause) => new JournalError({ operation: "migrate", cause }))
  )
}
