/**
 * Streaming CSV input: rows of a file as an Effect `Stream`, read with csv-parse in 64 KiB
 * chunks under backpressure (memory stays flat however large the file), with the delimiter
 * detected, UTF-8 checked, a BOM dropped, and every malformed-file case turned into a typed
 * error that names the line.
 *
 * @since 0.1.0
 */
import { type CsvError, Parser } from "csv-parse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { isUtf8 } from "node:buffer"
import * as fs from "node:fs"
import { Readable } from "node:stream"
import { BrokenQuoting, EmptyInput, FileError, InputNotFound, InvalidEncoding, WrongDelimiter } from "./CliError.js"

/**
 * A data row: its 0-based index among data rows (the header is not counted), the line it
 * ends on, and its fields as read.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row {
  readonly index: number
  readonly line: number
  readonly fields: ReadonlyArray<string>
}

/**
 * Every way reading a CSV file can fail.
 *
 * @since 0.1.0
 * @category errors
 */
export type CsvInputError = InputNotFound | EmptyInput | WrongDelimiter | BrokenQuoting | InvalidEncoding | FileError

/**
 * An opened CSV file: its header, its delimiter, and its data rows (a stream that reads the
 * file again each time it runs).
 *
 * @since 0.1.0
 * @category models
 */
export interface CsvFile {
  readonly path: string
  readonly headers: ReadonlyArray<string>
  readonly delimiter: string
  readonly rows: Stream.Stream<Row, CsvInputError>
}

/**
 * The delimiters detected, in order of preference on a tie.
 *
 * @since 0.1.0
 * @category constants
 */
export const candidateDelimiters = [",", ";", "\t", "|"] as const

/** Counts of each candidate outside double quotes, on one line. */
const countOutsideQuotes = (line: string): Record<string, number> => {
  const counts: Record<string, number> = { ",": 0, ";": 0, "\t": 0, "|": 0 }
  let quoted = false
  for (const ch of line) {
    if (ch === "\"") quoted = !quoted
    else if (!quoted && ch in counts) counts[ch]!++
  }
  return counts
}

const best = (counts: Record<string, number>): string | undefined => {
  let found: string | undefined
  for (const d of candidateDelimiters) if (counts[d]! > 0 && (found === undefined || counts[d]! > counts[found]!)) found = d
  return found
}

/**
 * Chooses the delimiter from the first lines of a file. With `requested`, checks it instead:
 * a header that does not split with it while the file uses another delimiter is an error.
 *
 * @since 0.1.0
 * @category parsing
 */
export const detectDelimiter = (
  path: string,
  sample: string,
  requested?: string
): Effect.Effect<string, WrongDelimiter> => {
  const lines = sample.split(/\r?\n/).filter((l) => l.trim().length > 0).slice(0, 6)
  const header = countOutsideQuotes(lines[0] ?? "")
  const data = lines.slice(1).map(countOutsideQuotes)
  if (requested !== undefined) {
    if ((lines[0] ?? "").includes(requested)) return Effect.succeed(requested)
    const other = best(header) ?? (data.length > 0 ? best(data[0]!) : undefined)
    return other !== undefined && other !== requested
      ? Effect.fail(new WrongDelimiter({ path, expected: requested, found: other }))
      : Effect.succeed(requested)
  }
  const fromHeader = best(header)
  if (fromHeader !== undefined) return Effect.succeed(fromHeader)
  // A single-column header: legitimate only if the data rows are single-column too.
  const fromData = data.length > 0 ? best(data[0]!) : undefined
  return fromData === undefined
    ? Effect.succeed(",")
    : Effect.fail(new WrongDelimiter({ path, expected: ",", found: fromData }))
}

/**
 * The offset of the first byte that is not valid UTF-8 in `bytes`, or -1. A sequence cut by
 * the end of `bytes` is not an error here (`incompleteTail` handles it).
 *
 * @since 0.1.0
 * @category parsing
 */
export const firstInvalidUtf8 = (bytes: Uint8Array): number => {
  let i = 0
  const n = bytes.length
  while (i < n) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    let need: number
    let min: number
    if (b >= 0xc2 && b <= 0xdf) (need = 1), (min = 0x80)
    else if (b >= 0xe0 && b <= 0xef) (need = 2), (min = 0x800)
    else if (b >= 0xf0 && b <= 0xf4) (need = 3), (min = 0x10000)
    else return i
    if (i + need >= n) {
      // cut by the end: check what is there
      for (let k = 1; i + k < n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i
      return -1
    }
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07)
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!
      if ((c & 0xc0) !== 0x80) return i
      cp = (cp << 6) | (c & 0x3f)
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i
    i += need + 1
  }
  return -1
}

/**
 * How many bytes at the end of `bytes` start a multi-byte sequence that the next chunk
 * completes (0 to 3).
 *
 * @since 0.1.0
 * @category parsing
 */
export const incompleteTail = (bytes: Uint8Array): number => {
  const n = bytes.length
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!
    if ((b & 0xc0) === 0x80) continue // continuation byte: look further back
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
    return len > back ? back : 0
  }
  return 0
}

const countNewlines = (bytes: Uint8Array, end: number): number => {
  let lines = 0
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) lines++
  return lines
}

/** Decodes a byte stream as strict UTF-8, dropping a leading BOM. Throws InvalidEncoding. */
async function* decodeUtf8(source: AsyncIterable<Buffer>, path: string): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0)
  let offset = 0 // bytes consumed before `carry`
  let lines = 0
  let first = true
  for await (const raw of source) {
    const chunk = carry.length > 0 ? Buffer.concat([carry, raw]) : raw
    const tail = incompleteTail(chunk)
    const whole = chunk.subarray(0, chunk.length - tail)
    if (!isUtf8(whole)) {
      const at = Math.max(0, firstInvalidUtf8(whole))
      throw new InvalidEncoding({ path, line: lines + countNewlines(whole, at) + 1, byteOffset: offset + at })
    }
    let text = whole.toString("utf8")
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
      first = false
    }
    lines += countNewlines(whole, whole.length)
    offset += whole.length
    carry = Buffer.from(chunk.subarray(chunk.length - tail))
    if (text.length > 0) yield text
  }
  if (carry.length > 0) throw new InvalidEncoding({ path, line: lines + 1, byteOffset: offset })
}

const statFile = (path: string) =>
  Effect.tryPromise({
    try: () => fs.promises.stat(path),
    catch: (e) =>
      (e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR"
        ? new InputNotFound({ path })
        : new FileError({ path, operation: "read", detail: String((e as Error).message ?? e) })
  }).pipe(
    Effect.filterOrFail((s) => !s.isDirectory(), () => new InputNotFound({ path, isDirectory: true }))
  )

const readSample = (path: string, bytes = 64 * 1024) =>
  Effect.tryPromise({
    try: async () => {
      const handle = await fs.promises.open(path, "r")
      try {
        const buffer = Buffer.alloc(bytes)
        const { bytesRead } = await handle.read(buffer, 0, bytes, 0)
        return buffer.subarray(0, bytesRead)
      } finally {
        await handle.close()
      }
    },
    catch: (e) => new FileError({ path, operation: "read", detail: String((e as Error).message ?? e) })
  })

interface Parsed {
  readonly record: Array<string>
  /** The line the record ends on. */
  readonly line: number
}

/**
 * csv-parse's stream, each record given with the line it ends on. The parser pushes a record
 * as soon as it is parsed, so its `info.lines` is that record's line then: read there, it
 * costs nothing, where the `info` option builds an object of some 15 fields per record (40 % of
 * the parser's time on a large file). That relies on how csv-parse (pinned) pushes; the
 * property test in `test/BadCsv.property.test.ts` holds every line to its `info` option's.
 */
class NumberedParser extends Parser {
  override push(record: unknown, encoding?: BufferEncoding): boolean {
    if (record === null) return super.push(null, encoding)
    return super.push({ record: record as Array<string>, line: this.info.lines } satisfies Parsed, encoding)
  }
}

const mapParseError = (path: string, lastLine: number, e: unknown): CsvInputError => {
  if (e instanceof InvalidEncoding || e instanceof FileError) return e
  const err = e as CsvError & { lines?: number }
  const code = typeof err?.code === "string" ? err.code : undefined
  if (code === "CSV_QUOTE_NOT_CLOSED") {
    return new BrokenQuoting({ path, line: lastLine + 1, detail: "a quoted field opens here and is never closed" })
  }
  if (code !== undefined && /QUOTE/.test(code)) {
    const line = typeof err.lines === "number" ? err.lines : lastLine + 1
    const detail = code === "INVALID_OPENING_QUOTE"
      ? "a quote inside an unquoted field"
      : code === "CSV_INVALID_CLOSING_QUOTE"
      ? "text right after a closing quote"
      : String(err.message).split("\n")[0] ?? code
    return new BrokenQuoting({ path, line, detail })
  }
  if (code !== undefined) {
    return new BrokenQuoting({ path, line: typeof err.lines === "number" ? err.lines : lastLine + 1, detail: String(err.message) })
  }
  return new FileError({ path, operation: "read", detail: String((e as Error)?.message ?? e) })
}

/**
 * Every record of the file, header included, with the line each ends on.
 *
 * @since 0.1.0
 * @category streams
 */
export const records = (path: string, delimiter: string): Stream.Stream<Parsed, CsvInputError> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const state = { lastLine: 0 }
    const { parser } = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const file = fs.createReadStream(path, { highWaterMark: 64 * 1024 })
        const decoded = Readable.from(decodeUtf8(file, path), { objectMode: false, highWaterMark: 1 })
        const parser = new NumberedParser({ delimiter, relax_column_count: true, skip_empty_lines: true })
        decoded.on("error", (e) => parser.destroy(e))
        file.on("error", (e) =>
          parser.destroy(new FileError({ path, operation: "read", detail: e.message })))
        decoded.pipe(parser)
        return { file, decoded, parser }
      }),
      ({ decoded, file, parser }) =>
        Effect.sync(() => {
          parser.destroy()
          decoded.destroy()
          file.destroy()
        })
    )
    return Stream.fromAsyncIterable(inBatches(parser as unknown as AsyncIterable<Parsed>, state), (e) =>
      mapParseError(path, state.lastLine, e)).pipe(Stream.mapConcat((batch) => batch))
  }))

/**
 * The parser's records in arrays of up to 1,024: the stream then carries chunks of that size, so
 * each stage after it (the row's index, its lead, the journal's lookups) works a chunk at a time.
 * Pulled one record at a time, the stream's own steps cost more than parsing the row. Keeps the
 * last line read, for the error of a record that does not parse.
 */
async function* inBatches(records: AsyncIterable<Parsed>, state: { lastLine: number }) {
  let batch: Array<Parsed> = []
  for await (const record of records) {
    state.lastLine = record.line
    batch.push(record)
    if (batch.length === 1024) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

/**
 * Opens a CSV file: checks that it exists and is not empty, detects (or checks) the
 * delimiter, reads the header. The rows are read lazily by the returned stream.
 *
 * @example
 * ```ts
 * import { CsvInput } from "@lemlist-effect/cli"
 * import { Effect, Stream } from "effect"
 *
 * const count = CsvInput.open("leads.csv").pipe(
 *   Effect.flatMap((file) => Stream.runCount(file.rows))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = (
  path: string,
  options: { readonly delimiter?: string | undefined } = {}
): Effect.Effect<CsvFile, CsvInputError> =>
  Effect.gen(function*() {
    const stat = yield* statFile(path)
    if (stat.size === 0) return yield* new EmptyInput({ path, hasHeader: false })
    const sample = yield* readSample(path)
    const text = sample.subarray(0, sample.length - incompleteTail(sample)).toString("utf8").replace(/^\uFEFF/, "")
    const delimiter = yield* detectDelimiter(path, text, options.delimiter)
    const first = yield* records(path, delimiter).pipe(Stream.take(1), Stream.runHead)
    if (Option.isNone(first) || first.value.record.every((h) => h.trim() === "")) {
      return yield* new EmptyInput({ path, hasHeader: false })
    }
    const headers = first.value.record.map((h) => h.trim())
    const rows = records(path, delimiter).pipe(
      Stream.drop(1),
      Stream.zipWithIndex,
      Stream.map(([p, index]): Row => ({ index, line: p.line, fields: p.record }))
    )
    return { path, headers, delimiter, rows }
  })
