/** @internal */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * One row per lead key. `state` moves submitting → submitted → done; `outcome` is the
 * JSON-encoded outcome once done.
 *
 * @internal
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE leads (
    key TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('submitting', 'submitted', 'done')),
    types TEXT NOT NULL DEFAULT '[]',
    enrichment_id TEXT,
    outcome_tag TEXT,
    outcome TEXT,
    updated_at INTEGER NOT NULL
  )`
  yield* sql`CREATE INDEX leads_state ON leads (state)`
})
