/**
 * What the SQL journal does when its connection fails: retry what can be retried, then a typed
 * `JournalError` (`journalSql.ts`).
 *
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { JournalError } from "../EnrichmentError.js"

/**
 * A lost connection (`pg_terminate_backend`, a restarted or failed-over server): the pool
 * reconnects, and every journal operation can run again as is, because each is one statement
 * or one transaction of idempotent upserts (a killed transaction is rolled back whole).
 */
export const connectionLost = (error: unknown): boolean => {
  if (!(error instanceof SqlError)) return false
  if (error.cause instanceof SqlError) return connectionLost(error.cause) // see `transactionally`
  const cause = error.cause as { readonly code?: unknown; readonly message?: unknown } | undefined
  const code = typeof cause?.code === "string" ? cause.code : ""
  return code.startsWith("08") || ["57P01", "57P02", "57P03", "ECONNRESET", "ECONNREFUSED", "EPIPE"].includes(code) ||
    /connection terminated|not queryable/i.test(String(cause?.message ?? ""))
}

/**
 * `withTransaction`, but a COMMIT or ROLLBACK that fails (its connection lost) is a failure
 * here, not the defect `@effect/sql` makes of it: retried like any lost connection, else a
 * typed `JournalError`.
 */
export const transactionally = (sql: SqlClient.SqlClient) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  sql.withTransaction(self).pipe(
    Effect.catchAllDefect((defect) =>
      defect instanceof SqlError ? Effect.fail(new SqlError({ cause: defect, message: "transaction not ended" })) : Effect.die(defect)
    )
  )

/**
 * PostgreSQL gave up the statement to let another go on: a deadlock (`40P01`: workers claiming,
 * renewing and taking over the same rows in different orders) or a serialization failure
 * (`40001`). Rolled back whole, so it can run again as is.
 */
export const conflicted = (error: unknown): boolean => {
  if (!(error instanceof SqlError)) return false
  if (error.cause instanceof SqlError) return conflicted(error.cause)
  const code = (error.cause as { readonly code?: unknown } | undefined)?.code
  return code === "40P01" || code === "40001"
}

/** A bounded retry (about 1.5 s in all), then the operation's typed `JournalError`. */
export const guarded = (operation: string) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(
    Effect.retry({
      schedule: Schedule.jittered(Schedule.exponential("50 millis")),
      times: 5,
      while: (e) => connectionLost(e) || conflicted(e)
    }),
    Effect.mapError((cause) => new JournalError({ operation, cause }))
  )
