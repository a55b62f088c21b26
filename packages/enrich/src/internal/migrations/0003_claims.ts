/** @internal */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import type { Tables } from "./tables.js"

/**
 * Which worker holds which lead, until when (epoch milliseconds), for several workers on one
 * journal (`Journal.claim`, `renew`, `takeOver`). Apart from `leads`, so that a lead's state and
 * its holder change independently, and a single process never writes here.
 *
 * @internal
 */
export default (t: Tables) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE ${t.claims} (
      key TEXT PRIMARY KEY NOT NULL,
      owner TEXT NOT NULL,
      lease_until BIGINT NOT NULL
    )`
    yield* sql`CREATE INDEX claims_lease_until ON ${t.claims} (lease_until)`
  })
