/** @internal */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs"
import type { EnrichmentType } from "@lemlist-effect/contract"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { JournalError } from "../EnrichmentError.js"
import type { Entry, Service, Summary } from "../Journal.js"
import { type Outcome, OutcomeJson } from "../Outcome.js"
import migration0001 from "./migrations/0001_leads.js"

const encodeOutcome = Schema.encodeSync(OutcomeJson)
const decodeOutcome = Schema.decodeSync(OutcomeJson)

/** @internal */
export const makeMemory = (): Service => {
  const entries = new Map<string, Entry>()
  const service: Service = {
    lookup: (keys) =>
      Effect.sync(() => {
        const found = new Map<string, Entry>()
        for (const key of keys) {
          const entry = entries.get(key)
          if (entry) found.set(key, entry)
        }
        return found
      }),
    markSubmitting: (leads) =>
      Effect.sync(() => {
        for (const { key, types } of leads) entries.set(key, { _tag: "Submitting", types })
      }),
    recordSubmitted: (leads) =>
      Effect.sync(() => {
        for (const { enrichmentId, key } of leads) {
          const previous = entries.get(key)
          const types = previous && previous._tag !== "Done" ? previous.types : []
          entries.set(key, { _tag: "Submitted", enrichmentId, types })
        }
      }),
    release: (keys) =>
      Effect.sync(() => {
        for (const key of keys) {
          if (entries.get(key)?._tag === "Submitting") entries.delete(key)
        }
      }),
    recordOutcomes: (outcomes) =>
      Effect.sync(() => {
        for (const outcome of outcomes) entries.set(outcome.key, { _tag: "Done", outcome })
      }),
    summary: Effect.sync(() => tally(Array.from(entries.values(), rowOf)))
  }
  return service
}

/** Counts by state and outcome, from rows that each stand for `n` leads. */
const tally = (
  rows: Iterable<{ readonly state: string; readonly outcome_tag: string | null; readonly n: number }>
): Summary => {
  let total = 0, submitting = 0, submitted = 0, done = 0
  const outcomes: Record<string, number> = {}
  for (const { n, outcome_tag, state } of rows) {
    total += n
    if (state === "submitting") submitting += n
    else if (state === "submitted") submitted += n
    else {
      done += n
      if (outcome_tag) outcomes[outcome_tag] = (outcomes[outcome_tag] ?? 0) + n
    }
  }
  return { total, submitting, submitted, done, outcomes }
}

const rowOf = (entry: Entry) => ({
  state: entry._tag === "Done" ? "done" : entry._tag === "Submitted" ? "submitted" : "submitting",
  outcome_tag: entry._tag === "Done" ? entry.outcome._tag : null,
  n: 1
})

interface Row {
  readonly key: string
  readonly state: "submitting" | "submitted" | "done"
  readonly types: string
  readonly enrichment_id: string | null
  readonly outcome: string | null
}

const parseTypes = (text: string): ReadonlyArray<EnrichmentType.EnrichmentType> => JSON.parse(text)

const toEntry = (row: Row): Entry =>
  row.state === "done" && row.outcome !== null
    ? { _tag: "Done", outcome: decodeOutcome(row.outcome) }
    : row.state === "submitted" && row.enrichment_id !== null
    ? { _tag: "Submitted", enrichmentId: row.enrichment_id, types: parseTypes(row.types) }
    : { _tag: "Submitting", types: parseTypes(row.types) }

const migrate = Migrator.make({})({
  loader: Migrator.fromRecord({ "0001_leads": migration0001 }),
  table: "lemlist_enrich_migrations"
})

/** SQLite caps bound parameters per statement; stay well below it. */
const chunksOf = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** @internal */
export const makeSqlite = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* migrate
  const now = Effect.clockWith((clock) => clock.currentTimeMillis)
  const fail = (operation: string) => (cause: unknown) => new JournalError({ operation, cause })

  const service: Service = {
    lookup: (keys) =>
      Effect.gen(function*() {
        const found = new Map<string, Entry>()
        for (const chunk of chunksOf(keys, 500)) {
          const rows = yield* sql<Row>`SELECT key, state, types, enrichment_id, outcome FROM leads WHERE ${
            sql.in("key", chunk)
          }`
          for (const row of rows) {
            found.set(row.key, yield* Effect.try({ try: () => toEntry(row), catch: (cause) => cause }))
          }
        }
        return found as ReadonlyMap<string, Entry>
      }).pipe(Effect.mapError(fail("lookup"))),
    markSubmitting: (leads) =>
      Effect.gen(function*() {
        if (leads.length === 0) return
        const at = yield* now
        yield* sql.withTransaction(Effect.forEach(chunksOf(leads, 200), (chunk) =>
          sql`INSERT INTO leads ${
            sql.insert(chunk.map(({ key, types }) => ({ key, state: "submitting", types: JSON.stringify(types), updated_at: at })))
          } ON CONFLICT (key) DO UPDATE SET state = excluded.state, types = excluded.types,
            enrichment_id = NULL, outcome = NULL, outcome_tag = NULL, updated_at = excluded.updated_at`, { discard: true }))
      }).pipe(Effect.mapError(fail("markSubmitting"))),
    recordSubmitted: (leads) =>
      Effect.gen(function*() {
        if (leads.length === 0) return
        const at = yield* now
        yield* sql.withTransaction(Effect.forEach(leads, ({ enrichmentId, key }) =>
          sql`UPDATE leads SET state = 'submitted', enrichment_id = ${enrichmentId}, updated_at = ${at}
              WHERE key = ${key}`, { discard: true }))
      }).pipe(Effect.mapError(fail("recordSubmitted"))),
    release: (keys) =>
      Effect.forEach(chunksOf(keys, 500), (chunk) =>
        sql`DELETE FROM leads WHERE state = 'submitting' AND ${sql.in("key", chunk)}`, { discard: true }).pipe(
          Effect.mapError(fail("release"))
        ),
    recordOutcomes: (outcomes) =>
      Effect.gen(function*() {
        if (outcomes.length === 0) return
        const at = yield* now
        yield* sql.withTransaction(Effect.forEach(chunksOf(outcomes, 100), (chunk) =>
          sql`INSERT INTO leads ${
            sql.insert(chunk.map((outcome: Outcome) => ({
              key: outcome.key,
              state: "done",
              outcome_tag: outcome._tag,
              outcome: encodeOutcome(outcome),
              enrichment_id: "enrichmentId" in outcome ? outcome.enrichmentId ?? null : null,
              updated_at: at
            })))
          } ON CONFLICT (key) DO UPDATE SET state = 'done', outcome_tag = excluded.outcome_tag,
            outcome = excluded.outcome, enrichment_id = COALESCE(excluded.enrichment_id, leads.enrichment_id),
            updated_at = excluded.updated_at`, { discard: true }))
      }).pipe(Effect.mapError(fail("recordOutcomes"))),
    summary: Effect.gen(function*() {
      const rows = yield* sql<{ state: string; outcome_tag: string | null; n: number }>`
        SELECT state, outcome_tag, count(*) AS n FROM leads GROUP BY state, outcome_tag`
      return tally(rows)
    }).pipe(Effect.mapError(fail("summary")))
  }
  return service
})

const sqliteHeader = "SQLite format 3\0"

/** better-sqlite3 throws (a defect) on a file that is not a database: refuse it first, typed. */
const checkIsDatabase = (filename: string) =>
  Effect.try({
    try: () => {
      if (!existsSync(filename) || statSync(filename).size === 0) return
      const fd = openSync(filename, "r")
      const head = Buffer.alloc(sqliteHeader.length)
      try {
        readSync(fd, head, 0, head.length, 0)
      } finally {
        closeSync(fd)
      }
      if (head.toString("latin1") !== sqliteHeader) throw new Error(`${filename} is not a SQLite journal`)
    },
    catch: (cause) => new JournalError({ operation: "open", cause })
  })

/** @internal */
export const sqliteClient = (filename: string) =>
  Layer.unwrapEffect(
    Effect.as(
      checkIsDatabase(filename),
      SqliteClient.layer({ filename }).pipe(Layer.mapError((cause) => new JournalError({ operation: "open", cause })))
    )
  )
