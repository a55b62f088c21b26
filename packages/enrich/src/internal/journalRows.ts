/**
 * The journal's rows as Schemas: what `journalSql.ts` writes is encoded by them and what it
 * reads is decoded by them, so a malformed row is a typed `ParseError` (then a `JournalError`),
 * never a thrown exception, whatever the SQL engine.
 *
 * @internal
 */
import { EnrichmentType } from "@lemlist-effect/contract"
import * as Schema from "effect/Schema"
import type { Entry } from "../Journal.js"
import { OutcomeJson } from "../Outcome.js"

/** The `types` column: the lead's enrichment types as a JSON array. */
const TypesJson = Schema.parseJson(Schema.Array(EnrichmentType.EnrichmentType))

/** Epoch milliseconds: a BIGINT, which `pg` hands over as a string. */
const Millis = Schema.Union(Schema.Number, Schema.NumberFromString)

/** @internal */
export const SubmittingRow = Schema.Struct({
  key: Schema.String,
  state: Schema.Literal("submitting"),
  types: TypesJson,
  updated_at: Millis
})

/** @internal */
export const SubmittedRow = Schema.Struct({
  key: Schema.String,
  state: Schema.Literal("submitted"),
  types: TypesJson,
  enrichment_id: Schema.String,
  updated_at: Millis
})

/** @internal */
export const DoneRow = Schema.Struct({
  key: Schema.String,
  state: Schema.Literal("done"),
  outcome_tag: Schema.String,
  outcome: OutcomeJson,
  enrichment_id: Schema.NullOr(Schema.String),
  updated_at: Millis
})

/** A row as read by `lookup`: its state decides which columns must be there. @internal */
export const LeadRow = Schema.Union(
  SubmittingRow.pipe(Schema.omit("updated_at")),
  SubmittedRow.pipe(Schema.omit("updated_at")),
  DoneRow.pipe(Schema.pick("key", "state", "outcome"))
)

/** @internal */
export const toEntry = (row: typeof LeadRow.Type): readonly [string, Entry] => {
  switch (row.state) {
    case "submitting":
      return [row.key, { _tag: "Submitting", types: row.types }]
    case "submitted":
      return [row.key, { _tag: "Submitted", enrichmentId: row.enrichment_id, types: row.types }]
    case "done":
      return [row.key, { _tag: "Done", outcome: row.outcome }]
  }
}

/** One line of `summary`: `n` is cast to INTEGER in SQL (`count(*)` is a BIGINT in PostgreSQL). @internal */
export const CountRow = Schema.Struct({
  state: Schema.Literal("submitting", "submitted", "done"),
  outcome_tag: Schema.NullOr(Schema.String),
  n: Schema.Number
})

/** @internal */
export const MetaRow = Schema.Struct({ name: Schema.String, value: Schema.String })

/** A lead held by a worker until `lease_until` (epoch milliseconds). @internal */
export const ClaimRow = Schema.Struct({ key: Schema.String, owner: Schema.String, lease_until: Millis })

/** A key, as `RETURNING key` gives it. @internal */
export const KeyRow = Schema.Struct({ key: Schema.String })
