/**
 * The journal's table names, qualified by a PostgreSQL schema when one is given, so that several
 * runs or apps can share one database (`JournalPg.ts`). SQLite uses the bare names.
 *
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { Identifier } from "@effect/sql/Statement"

/** @internal */
export interface Tables {
  readonly leads: Identifier
  readonly meta: Identifier
  readonly claims: Identifier
  /** The index on `leads (state)` that migration 0001 made and 0004 drops (in the schema of its table). */
  readonly leadsStateIndex: Identifier
  /** The migrator's own table, as the name `Migrator.make` takes. */
  readonly migrations: string
}

/** @internal */
export const tables = (sql: SqlClient.SqlClient, schema: string | undefined): Tables => {
  // `sql("a.b")` escapes to `"a"."b"`: the schema name itself never holds a dot (`JournalPg.ts`).
  const name = (table: string) => schema === undefined ? table : `${schema}.${table}`
  return {
    leads: sql(name("leads")),
    meta: sql(name("meta")),
    claims: sql(name("claims")),
    leadsStateIndex: sql(name("leads_state")),
    migrations: name("lemlist_enrich_migrations")
  }
}
