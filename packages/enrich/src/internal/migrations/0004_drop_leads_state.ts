/** @internal */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import type { Tables } from "./tables.js"

/**
 * Drops the index on `leads (state)` that 0001 made. No query reads by state alone (the summary
 * counts every row; the others find leads by key), and keeping it cost a random index write
 * each time a lead changes state: with SQLite it doubled the price of recording outcomes (a
 * 1,000,000-lead journal: about 38 against 18 µs per outcome, docs/performance.md).
 *
 * @internal
 */
export default (t: Tables) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`DROP INDEX IF EXISTS ${t.leadsStateIndex}`
  })
