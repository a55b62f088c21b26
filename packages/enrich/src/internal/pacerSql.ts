/**
 * The pacer store over `@effect/sql`'s generic `SqlClient`: the memory store's bookkeeping
 * (`pacerMemory.ts`) as one transaction per operation, so that every process opening the same
 * database shares one budget per key, and a restarted process finds its predecessor's starts;
 * plus, as several processes wake late, a check of the window when a start leaves (`depart`).
 * Time is the caller's `Clock`: processes sharing a file share the machine's clock.
 *
 * @internal
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type Departure, PacerStoreError, type Store } from "../RequestPacer.js"
import { rules } from "./pacerMemory.js"

/**
 * `pacer_keys`: one row per key (spacing, pause, what lemlist told us). `pacer_log`: the
 * sliding log of starts, pruned as they leave the window. Prefixed, with a migrations table of
 * their own, so they can live in a run's journal file.
 */
const migration0001 = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE pacer_keys (
    key TEXT PRIMARY KEY NOT NULL,
    next_at INTEGER NOT NULL DEFAULT 0,
    paused_until INTEGER NOT NULL DEFAULT 0,
    announced_limit INTEGER,
    learned_margin INTEGER NOT NULL DEFAULT 0,
    writes INTEGER NOT NULL DEFAULT 0
  )`
  yield* sql`CREATE TABLE pacer_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at INTEGER NOT NULL
  )`
  yield* sql`CREATE INDEX pacer_log_key_at ON pacer_log (key, at)`
})

/** @internal */
export const migrationsTable = "lemlist_enrich_pacer_migrations"

/** The span and limit the key was last reserved with, for `depart`'s check of the window. */
const migration0002 = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE pacer_keys ADD COLUMN span INTEGER`
  yield* sql`ALTER TABLE pacer_keys ADD COLUMN lim INTEGER`
})

const migrate = Migrator.make({})({
  loader: Migrator.fromRecord({ "0001_pacer": migration0001, "0002_window": migration0002 }),
  table: migrationsTable
})

interface KeyRow {
  readonly next_at: number
  readonly paused_until: number
  readonly announced_limit: number | null
  readonly learned_margin: number
  readonly span: number | null
  readonly lim: number | null
}

/** @internal */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* migrate

  /**
   * One operation, one transaction. `@effect/sql` opens it with a deferred `BEGIN`, so the
   * first statement is a write: it takes SQLite's write lock (waiting for another process's
   * transaction) before the clock is read and the state seen. Reading first would let a
   * process with a stale "now" book against a log another process has already moved on.
   */
  const locked = <A>(
    operation: string,
    key: string,
    body: (now: number, state: KeyRow) => Effect.Effect<A, SqlError>
  ): Effect.Effect<A, PacerStoreError> =>
    sql.withTransaction(Effect.gen(function*() {
      yield* sql`INSERT INTO pacer_keys (key) VALUES (${key}) ON CONFLICT (key) DO UPDATE SET writes = writes + 1`
      const now = yield* Clock.currentTimeMillis
      const [state] = yield* sql<KeyRow>`SELECT next_at, paused_until, announced_limit, learned_margin, span, lim
        FROM pacer_keys WHERE key = ${key}`
      return yield* body(now, state)
    })).pipe(Effect.mapError((cause) => new PacerStoreError({ operation, cause })))

  const book = (key: string, at: number) =>
    Effect.map(
      sql<{ id: number }>`INSERT INTO pacer_log (key, at) VALUES (${key}, ${at}) RETURNING id`,
      ([row]) => String(row.id)
    )

  const store: Store = {
    reserve: (o) =>
      locked("reserve", o.key, (now, s) =>
        Effect.gen(function*() {
          const span = rules.span(o.window, o.margin, s.learned_margin)
          const limit = rules.limit(o.limit, s.announced_limit)
          yield* sql`DELETE FROM pacer_log WHERE key = ${o.key} AND at <= ${now - span}`
          let slot = Math.max(now, s.next_at, s.paused_until)
          // Sliding window: the `limit`-th most recent start must have left the window.
          const [nth] = yield* sql<{ at: number }>`SELECT at FROM pacer_log WHERE key = ${o.key}
            ORDER BY at DESC LIMIT 1 OFFSET ${limit - 1}`
          if (nth !== undefined) slot = Math.max(slot, nth.at + span)
          const id = yield* book(o.key, slot)
          yield* sql`UPDATE pacer_keys SET next_at = ${slot + o.interval}, span = ${span}, lim = ${limit} WHERE key = ${o.key}`
          return { id, slot, now }
        })),
    depart: (o) =>
      locked("depart", o.key, (now, s) =>
        Effect.gen(function*() {
          const id = Number(o.id)
          if (s.paused_until > now) {
            yield* sql`DELETE FROM pacer_log WHERE id = ${id} AND key = ${o.key}`
            return { _tag: "Paused", until: s.paused_until } satisfies Departure
          }
          const [entry] = yield* sql<{ at: number }>`SELECT at FROM pacer_log WHERE id = ${id} AND key = ${o.key}`
          const at = Math.max(now, entry?.at ?? now)
          // A start that leaves late moves into windows that starts reserved after it were
          // counted without it (two processes on a loaded machine started 22 in 2 s): one that
          // would overfill the window ending when it leaves waits, keeping its slot, until the
          // oldest start that makes it full has left.
          if (s.span !== null && s.lim !== null) {
            const others = yield* sql<{ at: number }>`SELECT at FROM pacer_log
              WHERE key = ${o.key} AND id <> ${id} AND at > ${at - s.span} AND at <= ${at} ORDER BY at`
            const full = rules.full(others.map((e) => e.at), s.span, s.lim, now)
            if (full !== undefined) return full
          }
          if (entry === undefined) yield* book(o.key, at)
          else yield* sql`UPDATE pacer_log SET at = ${at} WHERE id = ${id}`
          yield* sql`UPDATE pacer_keys SET next_at = max(next_at, ${at + o.interval}) WHERE key = ${o.key}`
          return { _tag: "Departed", at } satisfies Departure
        })),
    release: (o) =>
      sql`DELETE FROM pacer_log WHERE id = ${Number(o.id)} AND key = ${o.key}`.pipe(
        Effect.asVoid,
        Effect.mapError((cause) => new PacerStoreError({ operation: "release", cause }))
      ),
    rateLimited: (o) =>
      locked("rateLimited", o.key, (now, s) =>
        sql`UPDATE pacer_keys SET
          learned_margin = ${rules.grownMargin(o.window, o.margin, s.learned_margin)},
          paused_until = max(paused_until, ${now + o.pause}),
          announced_limit = coalesce(${o.announcedLimit ?? null}, announced_limit)
          WHERE key = ${o.key}`.pipe(Effect.asVoid)),
    observed: (o) =>
      locked("observed", o.key, (now) =>
        Effect.gen(function*() {
          if (o.announcedLimit !== undefined) {
            yield* sql`UPDATE pacer_keys SET announced_limit = ${o.announcedLimit} WHERE key = ${o.key}`
          }
          if (o.moveStart !== undefined) {
            const to = rules.movedStart(o.startedAt, o.moveStart, now)
            const [start] = yield* sql<{ id: number }>`SELECT id FROM pacer_log
              WHERE key = ${o.key} AND at = ${o.startedAt} ORDER BY id DESC LIMIT 1`
            if (start === undefined) yield* book(o.key, to)
            else yield* sql`UPDATE pacer_log SET at = ${to} WHERE id = ${start.id}`
          }
          if (o.used === undefined) return
          const [{ own }] = yield* sql<{ own: number }>`SELECT count(*) AS own FROM pacer_log
            WHERE key = ${o.key} AND at > ${o.startedAt - o.window} AND at <= ${now}`
          for (let i = own; i < o.used; i++) yield* book(o.key, now)
        }))
  }
  return store
})
