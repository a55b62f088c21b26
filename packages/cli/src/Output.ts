/**
 * The output file: every input row, in input order, with its columns unchanged plus the result
 * columns (CSV, written with csv-stringify), or one JSON object per row with the full
 * normalised outcome (JSONL). The format follows the `--out` extension.
 *
 * @since 0.1.0
 */
import { Outcome } from "@lemlist-effect/enrich/Outcome"
import { stringify as stringifySync } from "csv-stringify/sync"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { randomBytes } from "node:crypto"
import { once } from "node:events"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { FileError } from "./CliError.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Format = "csv" | "jsonl"

/**
 * The format for an output path: `.jsonl`/`.ndjson` give JSONL, anything else CSV.
 *
 * @since 0.1.0
 * @category utils
 */
export const formatOf = (path: string): Format => (/\.(jsonl|ndjson)$/i.test(path) ? "jsonl" : "csv")

/**
 * What became of one row: the library's outcome, a skip decided by the command before
 * sending (a malformed row), or nothing yet (the run was interrupted before its outcome).
 *
 * @since 0.1.0
 * @category models
 */
export type RowResult =
  | { readonly _tag: "Outcome"; readonly outcome: Outcome }
  | { readonly _tag: "Skipped"; readonly code: string; readonly message: string }
  | { readonly _tag: "Pending" }

/**
 * The result columns appended to every CSV row, in order.
 *
 * @since 0.1.0
 * @category constants
 */
export const resultColumns = [
  "lemlist_email",
  "lemlist_email_status",
  "lemlist_phone",
  "lemlist_linkedin_url",
  "lemlist_linkedin_headline",
  "lemlist_linkedin_title",
  "lemlist_linkedin_company",
  "lemlist_linkedin_company_domain",
  "lemlist_linkedin_location",
  "lemlist_linkedin_industry",
  "lemlist_outcome",
  "lemlist_error_code",
  "lemlist_error_message",
  "lemlist_enrichment_id",
  "lemlist_skipped_types"
] as const

/**
 * @since 0.1.0
 * @category models
 */
export type ResultColumn = (typeof resultColumns)[number]

/** Every result column empty: copied per row (a spread of one shape, not a build per row). */
const blank = Object.fromEntries(resultColumns.map((c) => [c, ""])) as Readonly<Record<ResultColumn, string>>

const currentTitle = (profile: Record<string, any>): string | undefined => {
  const groups = profile.positionGroups as ReadonlyArray<Record<string, any>> | undefined
  const current = groups?.find((g) => g?.date?.end === undefined || Object.keys(g.date.end ?? {}).length === 0) ?? groups?.[0]
  const position = current?.profilePositions?.[0]
  return position?.title ?? profile.occupation
}

/**
 * The result columns of one row, flattened; absent values are empty strings.
 *
 * @example
 * ```ts
 * import { Output } from "@lemlist-effect/cli"
 *
 * Output.flatten({ _tag: "Pending" }).lemlist_outcome // "Pending"
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const flatten = (result: RowResult): Record<ResultColumn, string> => {
  const out = { ...blank }
  switch (result._tag) {
    case "Pending":
      out.lemlist_outcome = "Pending"
      out.lemlist_error_message = "no outcome yet: the run was interrupted; rerun the same command to continue"
      return out
    case "Skipped":
      out.lemlist_outcome = "Skipped"
      out.lemlist_error_code = result.code
      out.lemlist_error_message = result.message
      return out
  }
  const o = result.outcome
  out.lemlist_outcome = o._tag
  // Types left out for lack of inputs (--types auto / --missing-inputs skip-type).
  out.lemlist_skipped_types = (o.skipped ?? []).map((s) => `${s.type}: ${s.code}`).join("; ")
  switch (o._tag) {
    case "Enriched":
    case "NotFound": {
      out.lemlist_enrichment_id = o.enrichmentId
      const r = o.result
      if (r.find_email?.found) {
        out.lemlist_email = r.find_email.value.email
        out.lemlist_email_status = r.find_email.value.status ?? ""
      }
      if (r.verify && out.lemlist_email_status === "") out.lemlist_email_status = r.verify.status
      if (r.find_phone?.found) out.lemlist_phone = r.find_phone.value.phone
      if (r.linkedin_enrichment?.found) {
        const p = r.linkedin_enrichment.value as Record<string, any>
        out.lemlist_linkedin_url = p.linkedinUrl ?? ""
        out.lemlist_linkedin_headline = p.tagline ?? p.occupation ?? ""
        out.lemlist_linkedin_title = currentTitle(p) ?? ""
        out.lemlist_linkedin_company = p.companyName ?? ""
        out.lemlist_linkedin_company_domain = p.companyDomain ?? ""
        out.lemlist_linkedin_location = p.locationName ?? ""
        out.lemlist_linkedin_industry = p.industry ?? p.companyIndustry ?? ""
      }
      if (o._tag === "NotFound") out.lemlist_error_code = "NOT_FOUND"
      return out
    }
    case "RejectedLocally":
      out.lemlist_error_code = o.code
      out.lemlist_error_message = o.description
      return out
    case "RejectedByLemlist":
      out.lemlist_error_code = o.code
      out.lemlist_error_message = "lemlist refused this lead (missing inputs for the requested enrichment)"
      return out
    case "Failed":
      out.lemlist_error_code = o.code ?? o.reason
      out.lemlist_error_message = o.description
      out.lemlist_enrichment_id = o.enrichmentId ?? ""
      return out
    case "Undetermined":
      out.lemlist_error_code = o.errorTag
      out.lemlist_error_message = o.description
      return out
  }
}

/**
 * One output line: the input row and its result.
 *
 * @since 0.1.0
 * @category models
 */
export interface OutputRow {
  readonly index: number
  readonly line: number
  readonly fields: ReadonlyArray<string>
  readonly result: RowResult
}

const uniqueKeys = (headers: ReadonlyArray<string>): ReadonlyArray<string> => {
  const seen = new Map<string, number>()
  return headers.map((h, i) => {
    const base = h === "" ? `column_${i + 1}` : h
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    return n === 1 ? base : `${base}_${n}`
  })
}

const encodeOutcome = Schema.encodeSync(Outcome)

/**
 * The JSONL object of one row: its position, its columns by header, and the full outcome.
 *
 * @since 0.1.0
 * @category utils
 */
export const toJson = (headers: ReadonlyArray<string>) => {
  const keys = uniqueKeys(headers)
  return (row: OutputRow): unknown => ({
    row: row.index + 1,
    line: row.line,
    columns: Object.fromEntries(keys.map((k, i) => [k, row.fields[i] ?? null])),
    ...(row.fields.length > keys.length ? { extraFields: row.fields.slice(keys.length) } : {}),
    outcome: row.result._tag === "Outcome"
      ? encodeOutcome(row.result.outcome)
      : row.result._tag === "Skipped"
      ? { _tag: "Skipped", code: row.result.code, description: row.result.message }
      : { _tag: "Pending" }
  })
}

/**
 * Formats records as CSV text with csv-stringify (for small outputs, such as generated samples).
 *
 * @since 0.1.0
 * @category writers
 */
export const csvText = (records: ReadonlyArray<ReadonlyArray<string>>, delimiter = ","): string =>
  stringifySync(records as Array<Array<string>>, { delimiter })

const writeError = (path: string) => (e: unknown) =>
  new FileError({ path, operation: "write", detail: String((e as Error)?.message ?? e) })

/**
 * Writes rows to `path` through a temporary file of its own (`<path>.<pid>-<random>.partial`,
 * removed if the write fails) renamed over `path` at the end, so a reader never sees half a
 * file, and processes writing one path at once each put a whole file there (the last one
 * stays). Under backpressure. A CSV row keeps its fields as read (a row shorter than
 * the header is padded so that the result columns stay aligned).
 *
 * @since 0.1.0
 * @category writers
 */
export const write = <E, R>(
  path: string,
  headers: ReadonlyArray<string>,
  rows: Stream.Stream<OutputRow, E, R>,
  options: { readonly delimiter?: string | undefined } = {}
): Effect.Effect<void, E | FileError, R> =>
  Effect.gen(function*() {
    const format = formatOf(path)
    // A name of its own: several processes (the workers of a shared run) may write one path at
    // once; each renames its complete file over it, the last one wins.
    const tmp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.partial`
    yield* Effect.tryPromise({
      try: () => fs.promises.mkdir(nodePath.dirname(nodePath.resolve(path)), { recursive: true }),
      catch: writeError(path)
    })
    let renamed = false
    const file = yield* Effect.acquireRelease(
      Effect.try({ try: () => fs.createWriteStream(tmp), catch: writeError(path) }),
      (f) =>
        Effect.sync(() => {
          if (!(f.destroyed || f.closed)) f.destroy()
          // A write that failed or was interrupted leaves no temporary file behind.
          if (!renamed) fs.rmSync(tmp, { force: true })
        })
    )
    const failed: { error?: Error } = {}
    file.on("error", (e) => (failed.error = e))
    // A chunk of rows is one string and one write: a write per row (its promise, a turn of a
    // stringify stream) cost more than formatting the row.
    const push = (text: string) =>
      Effect.tryPromise({
        try: async () => {
          if (failed.error) throw failed.error
          if (!file.write(text)) await once(file, "drain")
        },
        catch: writeError(path)
      })
    const width = headers.length
    const toJsonRow = toJson(headers)
    const delimiter = options.delimiter ?? ","
    const csvRecord = (row: OutputRow): Array<string> => {
      const flat = flatten(row.result)
      const { fields } = row
      // Keep the result columns aligned; extra fields stay visible in the message.
      if (fields.length > width) flat.lemlist_error_message += ` (extra fields: ${JSON.stringify(fields.slice(width))})`
      const record = new Array<string>(width + resultColumns.length)
      for (let i = 0; i < width; i++) record[i] = fields[i] ?? ""
      for (let i = 0; i < resultColumns.length; i++) record[width + i] = flat[resultColumns[i]!]
      return record
    }
    const text = (rows: ReadonlyArray<OutputRow>): string =>
      format === "jsonl"
        ? rows.map((row) => JSON.stringify(toJsonRow(row)) + "\n").join("")
        : csvText(rows.map(csvRecord), delimiter)
    if (format === "csv") yield* push(csvText([[...headers, ...resultColumns]], delimiter))
    yield* rows.pipe(Stream.runForEachChunk((chunk) => push(text(Chunk.toReadonlyArray(chunk)))))
    yield* Effect.tryPromise({
      try: async () => {
        const finished = once(file, "close")
        file.end()
        await finished
        if (failed.error) throw failed.error
        await fs.promises.rename(tmp, path)
        renamed = true
      },
      catch: writeError(path)
    })
  }).pipe(Effect.scoped)
