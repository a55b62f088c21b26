/**
 * The options that turn rows into leads (types, mode, mapping, delimiter): a lead's journal key
 * depends on them (`Lead.plan`), so `export` must use the run's. `run` records them in its
 * journal's meta; `export` reads them back, its own flags overriding.
 *
 * @internal
 */
import type { EnrichmentType } from "@lemlist-effect/contract"
import * as Journal from "@lemlist-effect/enrich/Journal"
import type * as Lead from "@lemlist-effect/enrich/Lead"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/** What a run used to map its rows to leads. */
export interface RowOptions {
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  readonly missingInputs: Lead.MissingInputs
  readonly typesColumn: string | undefined
  readonly map: ReadonlyArray<readonly [string, string]>
  readonly delimiter: string | undefined
}

const Recorded = Schema.parseJson(Schema.Struct({
  types: Schema.Array(Schema.Literal("find_email", "find_phone", "verify", "linkedin_enrichment")),
  missingInputs: Schema.Literal("reject", "skip-type"),
  typesColumn: Schema.optional(Schema.String),
  map: Schema.Array(Schema.Tuple(Schema.String, Schema.String)),
  delimiter: Schema.optional(Schema.String)
}))

/** The meta entry's name in the journal. */
export const metaName = "lemlist-enrich:row-options"

/** Records the run's row options (the last run's win). */
export const record = (options: RowOptions) =>
  Effect.flatMap(Journal.Journal, (journal) =>
    journal.setMeta(
      metaName,
      Schema.encodeSync(Recorded)({
        types: options.types,
        missingInputs: options.missingInputs,
        map: options.map,
        ...(options.typesColumn === undefined ? {} : { typesColumn: options.typesColumn }),
        ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter })
      })
    ))

/** The row options a run recorded, if any (a journal written before they were, or edited: none). */
export const recorded = Effect.flatMap(Journal.Journal, (journal) => journal.getMeta(metaName)).pipe(
  Effect.map(Option.flatMap((text) => Schema.decodeUnknownOption(Recorded)(text))),
  Effect.map(Option.map((r): RowOptions => ({
    types: r.types,
    missingInputs: r.missingInputs,
    typesColumn: r.typesColumn,
    map: r.map,
    delimiter: r.delimiter
  })))
)
