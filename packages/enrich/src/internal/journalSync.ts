/**
 * Which of the journal's commits SQLite syncs to disk. A commit in WAL mode is in the log when
 * it returns, so it survives the process's crash; `synchronous = FULL` also syncs the log at
 * that commit (and with it every commit before it), so it survives the machine's crash. One
 * record decides whether a rerun may charge twice: a lead marked `submitting` before its request
 * leaves. A lost `submitted` or outcome is read back from lemlist (the lead is in doubt, or
 * polled); a lost `submitting` is a lead sent again. So on a connection that does not sync every
 * commit, the `submitting` writes are made under FULL, and the level restored after: one sync
 * per bulk request instead of one per commit (docs/performance.md, "the journal's syncs").
 *
 * PostgreSQL needs nothing: every commit is durable there (`synchronous_commit` on).
 *
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"

/** Runs `write` so that its commit is synced to disk. @internal */
export type Synced = <A, E, R>(write: Effect.Effect<A, E, R>) => Effect.Effect<A, E | SqlError, R>

/**
 * One lock per connection: a `submitting` write of one journal must not have its FULL undone
 * by another's restore in between (statements of other fibers may still run under FULL there:
 * a sync more, never less).
 */
const locks = new WeakMap<SqlClient.SqlClient, Effect.Semaphore>()

/**
 * How this connection syncs a `submitting` write. The level is read once and set back
 * explicitly, so that what was read is what applies: a connection that has just put its file in
 * WAL mode reports FULL until its first access, and applies NORMAL (better-sqlite3 builds
 * SQLite with NORMAL as the WAL default).
 *
 * @internal
 */
export const make = (sql: SqlClient.SqlClient): Effect.Effect<Synced, SqlError> =>
  sql.onDialectOrElse({
    sqlite: () =>
      Effect.gen(function*() {
        const [row] = yield* sql.unsafe<{ readonly synchronous: number }>("PRAGMA synchronous")
        const level = row?.synchronous ?? 2
        yield* sql.unsafe(`PRAGMA synchronous = ${level}`)
        if (level >= 2) return identity as Synced
        let lock = locks.get(sql)
        if (lock === undefined) {
          lock = Effect.unsafeMakeSemaphore(1)
          locks.set(sql, lock)
        }
        const full = sql.unsafe("PRAGMA synchronous = FULL")
        const restore = Effect.ignore(sql.unsafe(`PRAGMA synchronous = ${level}`))
        return ((write) => lock.withPermits(1)(Effect.acquireUseRelease(full, () => write, () => restore))) as Synced
      }),
    orElse: () => Effect.succeed(identity as Synced)
  })
