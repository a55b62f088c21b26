/** @internal */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import type { Tables } from "./tables.js"

/**
 * Facts about the run itself, by name: the webhook receiver's endpoint, so that a restarted
 * process listens where lemlist's webhook retries go (docs/resumable-runs.md).
 *
 * @internal
 */
export default (t: Tables) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE ${t.meta} (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`
  })
