/**
 * The PostgreSQL tests' database: `LEMLIST_TEST_DATABASE_URL` (`.ci/run` sets it and checks the
 * server answers). Each test works in a schema of its own and drops it when done.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { PgClient } from "@effect/sql-pg"
import { JournalPg } from "@lemlist-effect/enrich/pg"
import { Effect, Layer, Redacted } from "effect"

const url = process.env.LEMLIST_TEST_DATABASE_URL

/** Why the PostgreSQL tests do not run here, if they do not (never in CI). */
export const skipped: string | undefined = url === undefined
  ? "LEMLIST_TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)"
  : undefined
if (skipped !== undefined && process.env.CI) throw new Error(`PostgreSQL tests cannot be skipped in CI: ${skipped}`)
if (skipped !== undefined) console.warn(`[PostgreSQL tests skipped] ${skipped}`)

export const databaseUrl = (): Redacted.Redacted => Redacted.make(url ?? "")

let counter = 0
/** A name no other test (of this or another process) uses. */
export const uniqueName = (prefix: string) =>
  `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`

/** A client whose connections carry `applicationName`, so a test can find and kill them. */
export const client = (applicationName = "lemlist-enrich-test") =>
  PgClient.layer({ url: databaseUrl(), applicationName })

/** Drops `schema` (and what is in it) when the layer is released. */
export const dropSchemaAfter = (schema: string) =>
  Layer.scopedDiscard(Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.addFinalizer(() => sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`.pipe(Effect.orDie))))

/** A journal in a fresh schema, dropped afterwards, with its `SqlClient` (to write raw rows). */
export const freshJournal = () => {
  const schema = uniqueName("journal_test")
  const layer = JournalPg.layerFromClient({ schema }).pipe(
    Layer.provideMerge(dropSchemaAfter(schema)),
    Layer.provideMerge(JournalPg.layerClient({ url: databaseUrl() }))
  )
  return { layer, schema }
}
