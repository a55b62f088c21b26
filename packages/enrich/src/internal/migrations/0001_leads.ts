/** @internal */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import type { Tables } from "./tables.js"

/**
 * One row per lead key. `state` moves submitting → submitted → done; `outcome` is the
 * JSON-encoded outcome once done. Written for SQLite and PostgreSQL alike: `updated_at` holds
 * epoch milliseconds, hence BIGINT (SQLite reads it as INTEGER, as in the files written before).
 *
 * @internal
 */
export default (t: Tables) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE ${t.leads} (
      key TEXT PRIMARY KEY NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('submitting', 'submitted', 'done')),
      types TEXT NOT NULL DEFAULT '[]',
      enrichment_id TEXT,
      outcome_tag TEXT,
      outcome TEXT,
      updated_at BIGINT NOT NULL
    )`
    yield* sql`CREATE INDEX leads_state ON ${t.leads} (state)`
  })
