/**
 * The journal over `@effect/sql`'s generic `SqlClient`: the SQL engine is a layer (SQLite in
 * `JournalSqlite.ts`), the statements stay portable.
 *
 * @internal
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { EnrichmentType } from "@lemlist-effect/contract"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { JournalError } from "../EnrichmentError.js"
import type { Entry, Service } from "../Journal.js"
import { type Outcome, OutcomeJson } from "../Outcome.js"
import { tally } from "./journal.js"
import migration0001 from "./migrations/0001_leads.js"
import migration0002 from "./migrations/0002_meta.js"

const encodeOutcome = Schema.encodeSync(OutcomeJson)
const decodeOutcome = Schema.decodeSync(OutcomeJson)

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
  loader: Migrator.fromRecord({ "0001_leads": migration0001, "0002_meta": migration0002 }),
  table: "lemlist_enrich_migrations"
})

/** SQLite caps bound parameters per statement; stay well below it. */
const chunksOf = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** @internal */
export const make = Effect.gen(function*() {
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
        yield* sql.withTransaction(Effect.forEach(chunksOf(leads, 200), (chunk) =>
          sql`INSERT INTO leads ${
            sql.insert(chunk.map(({ enrichmentId, key, types }) => ({
              key,
              state: "submitted",
              types: JSON.stringify(types),
              enrichment_id: enrichmentId,
              updated_at: at
            })))
          } ON CONFLICT (key) DO UPDATE SET state = excluded.state, types = excluded.types,
            enrichment_id = excluded.enrichment_id, updated_at = excluded.updated_at`, { discard: true }))
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
    }).pipe(Effect.mapError(fail("summary"))),
    getMeta: (name) =>
      sql<{ value: string }>`SELECT value FROM meta WHERE name = ${name}`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (row) => row.value)),
        Effect.mapError(fail("getMeta"))
      ),
    setMeta: (name, value) =>
      sql`INSERT INTO meta ${sql.insert({ name, value })} ON CONFLICT (name) DO UPDATE SET value = excluded.value`.pipe(
        Effect.asVoid,
        Effect.mapError(fail("setMeta"))
      )
  }
  return service
})
