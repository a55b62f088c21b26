/**
 * The journal over `@effect/sql`'s generic `SqlClient`: the SQL engine is a layer (SQLite in
 * `JournalSqlite.ts`, PostgreSQL in `JournalPg.ts`); the statements are portable and every row
 * goes through the Schemas of `journalRows.ts` both ways.
 *
 * @internal
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import type { Fragment } from "@effect/sql/Statement"
import type { SqlError } from "@effect/sql/SqlError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { JournalError } from "../EnrichmentError.js"
import type { Entry, Service } from "../Journal.js"
import type { Outcome } from "../Outcome.js"
import { recordings, tally } from "./journal.js"
import {
  ClaimRow,
  CountRow,
  DoneRow,
  KeyRow,
  LeadRow,
  MetaRow,
  SubmittedRow,
  SubmittingRow,
  toEntry
} from "./journalRows.js"
import { migrate } from "./migrations/migrate.js"
import { tables } from "./migrations/tables.js"
import { guarded, transactionally } from "./journalSqlRetry.js"
import * as Sync from "./journalSync.js"

/** @internal */
export interface Options {
  /** PostgreSQL only: the schema holding the journal's tables (created if missing). */
  readonly schema?: string | undefined
  /** PostgreSQL only: the payloads of `channel`'s notifications (`PgClient.listen`). */
  readonly notifications?: Stream.Stream<string, SqlError> | undefined
}

/**
 * The channel PostgreSQL journals notify when they record outcomes, the payload naming the
 * schema: never empty (the 0.53 client's `listen` drops empty payloads), and one channel
 * whatever the schema's length (a channel name has at most 63 bytes).
 *
 * @internal
 */
export const channel = "lemlist_enrich_outcomes"

/** PostgreSQL's payload limit is 8000 bytes: stay below it. */
const maxPayload = 7_900

/**
 * The payloads that name `keys` on `schema`'s notifications: JSON arrays, the schema first, each
 * within PostgreSQL's limit. A key too long to fit is not named: a payload of the schema alone
 * says "some outcomes" (the 0.53 client's `listen` drops empty payloads, never send one).
 *
 * @internal
 */
export const payloads = (schema: string, keys: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  const base = Buffer.byteLength(JSON.stringify([schema]))
  let batch: Array<string> = [schema]
  let size = base
  let unnamed = false
  for (const key of keys) {
    const bytes = Buffer.byteLength(JSON.stringify(key)) + 1
    if (base + bytes > maxPayload) {
      unnamed = true
      continue
    }
    if (size + bytes > maxPayload) {
      out.push(JSON.stringify(batch))
      batch = [schema]
      size = base
    }
    batch.push(key)
    size += bytes
  }
  if (batch.length > 1) out.push(JSON.stringify(batch))
  if (unnamed) out.push(JSON.stringify([schema]))
  return out
}

/**
 * A notification's schema and keys: a JSON array as {@link payloads} writes, or (from a writer
 * of an earlier version) the schema alone, naming no key. `undefined` for anything else.
 *
 * @internal
 */
export const parsePayload = (payload: string): { readonly schema: string; readonly keys: ReadonlyArray<string> } | undefined => {
  if (!payload.startsWith("[")) return { schema: payload, keys: [] }
  try {
    const parsed: unknown = JSON.parse(payload)
    if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((x): x is string => typeof x === "string")) {
      return { schema: parsed[0], keys: parsed.slice(1) }
    }
  } catch {
    // not ours
  }
  return undefined
}

/** SQLite caps bound parameters per statement; stay well below it. */
const chunksOf = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** @internal */
export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const t = tables(sql, options.schema)
    yield* migrate(sql, t, options.schema)
    const synced = yield* Sync.make(sql).pipe(Effect.mapError((cause) => new JournalError({ operation: "open", cause })))
    const now = Effect.clockWith((clock) => clock.currentTimeMillis)
    const payload = options.schema ?? "public"
    const recorded = yield* recordings
    const outcomesRecorded = options.notifications === undefined
      ? recorded.stream
      : Stream.merge(
        recorded.stream,
        options.notifications.pipe(
          Stream.filterMap((p) => {
            const parsed = parsePayload(p)
            return parsed !== undefined && parsed.schema === payload ? Option.some(parsed.keys) : Option.none()
          }),
          Stream.mapError((cause) => new JournalError({ operation: "listen", cause }))
        )
      )

    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    const notify = (p: string) => sql`SELECT pg_notify(${channel}, ${p})`
    const chunk = isPg ? 500 : 100

    /**
     * An upsert of rows into `leads`, encoded by `row`. With `notifying`, PostgreSQL's
     * notifications name the rows' keys, sent at COMMIT, so a woken process finds them in the
     * journal. Up to a chunk of rows (500 on PostgreSQL, whose statements bind up to 65,535
     * values; 100 on SQLite) and one notification, a run's batch or a round of webhooks, are one
     * statement, atomic on its own: one round trip where a transaction takes four. More are
     * chunked within one transaction.
     */
    const upsert = <A extends { readonly key: string }, I extends Record<string, unknown>>(
      row: Schema.Schema<A, I>,
      onConflict: Fragment,
      notifying = false
    ) => {
      const insert = (rows: ReadonlyArray<I>) => sql`INSERT INTO ${t.leads} AS leads ${sql.insert(rows)} ${onConflict}`
      const write = SqlSchema.void({ Request: Schema.Array(row), execute: insert })
      const writeNotifying = (p: string) =>
        SqlSchema.void({
          Request: Schema.Array(row),
          // A data-modifying WITH runs whether or not the query reads it.
          execute: (rows) => sql`WITH written AS (${insert(rows)}) SELECT pg_notify(${channel}, ${p})`
        })
      return (rows: ReadonlyArray<A>) => {
        if (rows.length === 0) return Effect.void
        const notices = notifying && isPg ? payloads(payload, rows.map((r) => r.key)) : []
        if (rows.length <= chunk && notices.length <= 1) {
          return notices.length === 0 ? write(rows) : writeNotifying(notices[0]!)(rows)
        }
        return Effect.forEach(chunksOf(rows, chunk), write, { discard: true }).pipe(
          Effect.zipRight(Effect.forEach(notices, notify, { discard: true })),
          transactionally(sql)
        )
      }
    }
    const writeSubmitting = upsert(
      SubmittingRow,
      sql`ON CONFLICT (key) DO UPDATE SET state = excluded.state, types = excluded.types,
        enrichment_id = NULL, outcome = NULL, outcome_tag = NULL, updated_at = excluded.updated_at`
    )
    const writeSubmitted = upsert(
      SubmittedRow,
      sql`ON CONFLICT (key) DO UPDATE SET state = excluded.state, types = excluded.types,
        enrichment_id = excluded.enrichment_id, updated_at = excluded.updated_at`
    )
    const writeDone = upsert(
      DoneRow,
      sql`ON CONFLICT (key) DO UPDATE SET state = 'done', outcome_tag = excluded.outcome_tag,
        outcome = excluded.outcome, enrichment_id = COALESCE(excluded.enrichment_id, leads.enrichment_id),
        updated_at = excluded.updated_at`,
      true
    )
    const findLeads = SqlSchema.findAll({
      Request: Schema.Array(Schema.String),
      Result: LeadRow,
      execute: (keys) =>
        sql`SELECT key, state, types, enrichment_id, outcome FROM ${t.leads} WHERE ${sql.in("key", keys)}`
    })
    const deleteSubmitting = SqlSchema.void({
      Request: Schema.Array(Schema.String),
      execute: (keys) => sql`DELETE FROM ${t.leads} WHERE state = 'submitting' AND ${sql.in("key", keys)}`
    })
    const countLeads = SqlSchema.findAll({
      Request: Schema.Void,
      Result: CountRow,
      execute: () =>
        sql`SELECT state, outcome_tag, CAST(count(*) AS INTEGER) AS n FROM ${t.leads} GROUP BY state, outcome_tag`
    })
    const findMeta = SqlSchema.findOne({
      Request: Schema.String,
      Result: MetaRow,
      execute: (name) => sql`SELECT name, value FROM ${t.meta} WHERE name = ${name}`
    })
    const writeMeta = SqlSchema.void({
      Request: MetaRow,
      execute: (row) =>
        sql`INSERT INTO ${t.meta} ${sql.insert(row)} ON CONFLICT (name) DO UPDATE SET value = excluded.value`
    })

    /** A lead is claimed when unclaimed, already its claimer's, or its lease expired. */
    const claimKeys = SqlSchema.findAll({
      Request: Schema.Struct({ rows: Schema.Array(ClaimRow), now: Schema.Number }),
      Result: KeyRow,
      execute: ({ now, rows }) =>
        sql`INSERT INTO ${t.claims} AS claims ${sql.insert(rows)} ON CONFLICT (key) DO UPDATE
          SET owner = excluded.owner, lease_until = excluded.lease_until
          WHERE claims.owner = excluded.owner OR claims.lease_until <= ${now} RETURNING key`
    })
    const renewClaims = SqlSchema.void({
      Request: ClaimRow.pipe(Schema.omit("key")),
      execute: ({ lease_until, owner }) => sql`UPDATE ${t.claims} SET lease_until = ${lease_until} WHERE owner = ${owner}`
    })
    // Workers taking over together: each locks the expired claims it picks and skips those
    // another has locked (PostgreSQL), rather than waiting on them to find them taken (the
    // outer \`lease_until\` test keeps a lead from being taken twice either way). SQLite has one
    // writer at a time and no row locks.
    const skipLocked = sql.onDialectOrElse({
      pg: () => sql.literal("FOR UPDATE OF c SKIP LOCKED"),
      orElse: () => sql.literal("")
    })
    const takeOverKeys = SqlSchema.findAll({
      Request: Schema.Struct({ owner: Schema.String, lease_until: Schema.Number, now: Schema.Number, limit: Schema.Int }),
      Result: KeyRow,
      execute: ({ lease_until, limit, now, owner }) =>
        sql`UPDATE ${t.claims} SET owner = ${owner}, lease_until = ${lease_until}
          WHERE lease_until <= ${now} AND key IN (
            SELECT c.key FROM ${t.claims} c LEFT JOIN ${t.leads} l ON l.key = c.key
            WHERE c.lease_until <= ${now} AND c.owner <> ${owner} AND (l.state IS NULL OR l.state <> 'done')
            ORDER BY c.lease_until, c.key LIMIT ${limit} ${skipLocked}
          ) RETURNING key`
    })
    const leaseEnd = (lease: Duration.DurationInput) =>
      Effect.map(now, (at) => ({ now: at, until: at + Duration.toMillis(lease) }))

    const service: Service = {
      lookup: (keys) =>
        Effect.forEach(chunksOf(keys, 500), findLeads).pipe(
          Effect.map((chunks): ReadonlyMap<string, Entry> => new Map(chunks.flat().map(toEntry))),
          guarded("lookup")
        ),
      markSubmitting: (leads) =>
        Effect.flatMap(now, (updated_at) =>
          writeSubmitting(leads.map(({ key, types }) => ({ key, state: "submitting" as const, types, updated_at })))).pipe(
            synced,
            guarded("markSubmitting")
          ),
      recordSubmitted: (leads) =>
        Effect.flatMap(now, (updated_at) =>
          writeSubmitted(leads.map(({ enrichmentId, key, types }) => ({
            key,
            state: "submitted" as const,
            types,
            enrichment_id: enrichmentId,
            updated_at
          })))).pipe(guarded("recordSubmitted")),
      release: (keys) =>
        Effect.forEach(chunksOf(keys, 500), deleteSubmitting, { discard: true }).pipe(guarded("release")),
      recordOutcomes: (outcomes) =>
        Effect.flatMap(now, (updated_at) =>
          writeDone(outcomes.map((outcome: Outcome) => ({
            key: outcome.key,
            state: "done" as const,
            outcome_tag: outcome._tag,
            outcome,
            enrichment_id: "enrichmentId" in outcome ? outcome.enrichmentId ?? null : null,
            updated_at
          })))).pipe(
            guarded("recordOutcomes"),
            Effect.zipRight(outcomes.length > 0 ? recorded.publish(outcomes.map((o) => o.key)) : Effect.void)
          ),
      outcomesRecorded,
      summary: countLeads(undefined).pipe(Effect.map(tally), guarded("summary")),
      getMeta: (name) =>
        findMeta(name).pipe(
          Effect.map(Option.map((row) => row.value)),
          guarded("getMeta")
        ),
      setMeta: (name, value) => writeMeta({ name, value }).pipe(guarded("setMeta")),
      claim: (worker, keys, lease) =>
        Effect.flatMap(leaseEnd(lease), ({ now, until }) =>
          // In key order, so that workers claiming overlapping sets lock rows in one order (no deadlock).
          Effect.forEach(chunksOf(Array.from(new Set(keys)).sort(), 300), (chunk) =>
            claimKeys({ now, rows: chunk.map((key) => ({ key, owner: worker, lease_until: until })) }))).pipe(
            Effect.map((chunks): ReadonlySet<string> => new Set(chunks.flat().map((row) => row.key))),
            guarded("claim")
          ),
      renew: (worker, lease) =>
        Effect.flatMap(leaseEnd(lease), ({ until }) => renewClaims({ owner: worker, lease_until: until })).pipe(
          guarded("renew")
        ),
      takeOver: (worker, lease, limit) =>
        Effect.flatMap(leaseEnd(lease), ({ now, until }) =>
          limit <= 0 ? Effect.succeed([]) : takeOverKeys({ owner: worker, lease_until: until, now, limit })).pipe(
            Effect.map((rows) => rows.map((row) => row.key)),
            guarded("takeOver")
          )
    }
    return service
  })
