/**
 * The write pass of `run`: the input read again and, 500 rows at a time, each lead's outcome
 * looked up in the journal by the library's own key for it (`Lead.plan`), so the output is in
 * input order with flat memory. Counts the rows by outcome for the summary and the report.
 *
 * @internal
 */
import * as Journal from "@lemlist-effect/enrich/Journal"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Output from "../../Output.js"
import * as Report from "../../Report.js"
import * as Scan from "./scan.js"

/** Rows per outcome tag (plus `Skipped` and `Pending`), and the report's tally when asked. */
export interface Written {
  readonly tally: Record<string, number>
  readonly report: Report.Tally
}

const lookup = (keys: ReadonlyArray<string>) =>
  keys.length === 0
    ? Effect.succeed(new Map<string, Journal.Entry>() as ReadonlyMap<string, Journal.Entry>)
    : Effect.flatMap(Journal.Journal, (j) => j.lookup(keys))

/** What the output says of one row. */
const resultOf = (p: Scan.Planned, entries: ReadonlyMap<string, Journal.Entry>): Output.RowResult => {
  if (p._tag === "Skip") return { _tag: "Skipped", code: p.code, message: p.message }
  const entry = entries.get(p.plan.key)
  return entry?._tag === "Done"
    ? { _tag: "Outcome", outcome: entry.outcome }
    : { _tag: "Pending" }
}

/** Writes every row of the input to `output`, in input order. */
export const write = (input: Scan.Input, output: string, withReport: boolean) =>
  Effect.gen(function*() {
    const tally: Record<string, number> = {}
    const report = Report.tally()
    const rows = Scan.plannedChunks(input).pipe(
      Stream.mapEffect((chunk) =>
        Effect.gen(function*() {
          const items = Chunk.toReadonlyArray(chunk)
          const entries = yield* lookup(items.flatMap((p) => (p._tag === "Lead" ? [p.plan.key] : [])))
          return items.map((p): Output.OutputRow => {
            const result = resultOf(p, entries)
            const tag = result._tag === "Outcome" ? result.outcome._tag : result._tag
            tally[tag] = (tally[tag] ?? 0) + 1
            if (withReport) {
              const plan = p._tag === "Lead" ? p.plan : undefined
              Report.count(report, {
                row: p.row.index + 1,
                cells: p.row.fields,
                types: plan?._tag === "Run" ? plan.types : p._tag === "Lead" ? p.types : [],
                skipped: plan?.skipped ?? [],
                result
              })
            }
            return { index: p.row.index, line: p.row.line, fields: p.row.fields, result }
          })
        })
      ),
      Stream.mapConcat((rows) => rows)
    )
    const { file } = input
    yield* Output.write(output, file.headers, rows, { delimiter: file.delimiter === "\t" ? "\t" : file.delimiter })
    return { tally, report } satisfies Written
  })
