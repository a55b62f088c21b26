/**
 * The scan of `run`: the CSV read once, each row mapped to a lead (the command's own concerns:
 * CSV errors, column mapping, row numbers), and `Enrichment.plan` over those leads for what the
 * run will do with them: the same options the run gets, so the plan and the run agree.
 *
 * @internal
 */
import type { EnrichmentType } from "@lemlist-effect/contract"
import * as Enrichment from "@lemlist-effect/enrich/Enrichment"
import type { JournalError } from "@lemlist-effect/enrich/EnrichmentError"
import type * as Journal from "@lemlist-effect/enrich/Journal"
import * as Lead from "@lemlist-effect/enrich/Lead"
import type { NonEmptyReadonlyArray } from "effect/Array"
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as ColumnMapping from "../../ColumnMapping.js"
import * as CsvInput from "../../CsvInput.js"
import type { RowOptions } from "./rowOptions.js"

/** The input of a run: the opened file, its columns and the run's rules. */
export interface Input {
  readonly file: CsvInput.CsvFile
  readonly mapping: ColumnMapping.Mapping
  /** `--types` as given (empty with `--types-column` alone). */
  readonly defaultTypes: ReadonlyArray<EnrichmentType.EnrichmentType>
  /** The run's default workflows (`find_email` when only a types column names them). */
  readonly runTypes: NonEmptyReadonlyArray<EnrichmentType.EnrichmentType>
  readonly missingInputs: Lead.MissingInputs
  readonly resendUndetermined: boolean
  readonly budget: number | undefined
}

/**
 * Opens the file and maps its columns: the input of `run` (and of `export`, which must map rows
 * to the same leads, so the same journal keys).
 */
export const open = (
  path: string,
  options: RowOptions & { readonly resendUndetermined: boolean; readonly budget: number | undefined }
) =>
  Effect.gen(function*() {
    const file = yield* CsvInput.open(path, { delimiter: options.delimiter })
    const mapping = yield* ColumnMapping.resolve({
      path,
      headers: file.headers,
      overrides: options.map,
      typesColumn: options.typesColumn
    })
    return {
      file,
      mapping,
      defaultTypes: options.types,
      runTypes: options.types.length > 0 ? [options.types[0]!, ...options.types.slice(1)] : ["find_email"],
      missingInputs: options.missingInputs,
      resendUndetermined: options.resendUndetermined,
      budget: options.budget
    } satisfies Input
  })

/** What one row is for this run: a lead, or a malformed row. */
export type Row =
  | {
    readonly _tag: "Lead"
    readonly row: CsvInput.Row
    readonly lead: Lead.Lead
    /** The types the row asked for. */
    readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  }
  | { readonly _tag: "Skip"; readonly row: CsvInput.Row; readonly code: string; readonly message: string }

/** A row with, for a lead, the library's plan of it (its journal key, the workflows it runs). */
export type Planned = Extract<Row, { _tag: "Skip" }> | (Extract<Row, { _tag: "Lead" }> & { readonly plan: Lead.Plan })

/** The options the plan and the run share (the run adds its own: progress, total...). */
export const enrichmentOptions = (input: Input): Enrichment.Options => ({
  types: input.runTypes,
  missingInputs: input.missingInputs,
  resendUndetermined: input.resendUndetermined,
  ...(input.budget === undefined ? {} : { budget: input.budget })
})

/** A row as a lead (its row number in the metadata), or why it is skipped. */
export const rowOf = (input: Input) => (row: CsvInput.Row): Row => {
  const converted = ColumnMapping.toLead(input.mapping, row.fields, input.defaultTypes)
  if (converted._tag === "Skip") return { _tag: "Skip", row, code: converted.code, message: converted.message }
  const lead: Lead.Lead = { input: converted.input, types: converted.types, metadata: { row: row.index + 1 } }
  return { _tag: "Lead", row, lead, types: converted.types }
}

/** The rows in chunks, each lead with the library's plan: its key reads the journal back. */
export const plannedChunks = (input: Input): Stream.Stream<Chunk.Chunk<Planned>, CsvInput.CsvInputError> =>
  input.file.rows.pipe(
    Stream.map((row): Planned => {
      const r = rowOf(input)(row)
      return r._tag === "Skip" ? r : { ...r, plan: Lead.plan(r.lead, input.runTypes, input.missingInputs) }
    }),
    Stream.grouped(500)
  )

const leadsOf = <E>(rows: Stream.Stream<Row, E>): Stream.Stream<Lead.Lead, E> =>
  Stream.filterMap(rows, (r) => (r._tag === "Lead" ? Option.some(r.lead) : Option.none()))

/** The leads of the file, in order (malformed rows left out). */
export const leads = (input: Input): Stream.Stream<Lead.Lead, CsvInput.CsvInputError> =>
  leadsOf(Stream.map(input.file.rows, rowOf(input)))

/** What the scan found. */
export interface Scan {
  /** Data rows in the file. */
  readonly rows: number
  /** Rows skipped as malformed (they are not leads). */
  readonly malformed: number
  readonly plan: Enrichment.Plan
  /** Leads, duplicates aside (each distinct key once). */
  readonly leads: number
  /** Of them, those with an outcome in the journal already (refusals an earlier run recorded too). */
  readonly haveOutcome: number
  /** Of them, those without: the run's work. */
  readonly toGo: number
}

/** Reads the file once: every row checked and mapped, the leads planned by the library. */
export const scan = (input: Input): Effect.Effect<Scan, CsvInput.CsvInputError | JournalError, Journal.Journal> =>
  Effect.gen(function*() {
    const count = { rows: 0, malformed: 0 }
    const rows = input.file.rows.pipe(
      Stream.map(rowOf(input)),
      Stream.mapChunks((chunk) => {
        count.rows += chunk.length
        for (const r of chunk) if (r._tag === "Skip") count.malformed++
        return chunk
      })
    )
    const plan = yield* Enrichment.plan(leadsOf(rows), enrichmentOptions(input))
    const distinct = plan.read - plan.duplicates
    const haveOutcome = plan.done.total + plan.rejected.recorded
    return { rows: count.rows, malformed: count.malformed, plan, leads: distinct, haveOutcome, toGo: distinct - haveOutcome }
  })
