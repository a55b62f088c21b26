/**
 * Property-based malformed CSV at the command line (in-process, embedded mock): random cells,
 * quotes, delimiters, line endings, BOMs and bytes. Whatever the file holds, `lemlist-enrich
 * run` never crashes or prints a stack trace: it either refuses the file with one clear
 * `error:` line and a documented exit code, or writes an output in which every input row is
 * accounted for, in order.
 *
 * The reader itself (`CsvInput`) on the same random files: each row's fields, and the line it ends
 * on, as csv-parse's own `info` option gives them.
 *
 * Deterministic by default (fixed seed); `FC_SEED=<n>` / `FC_SEED=random` and
 * `FC_RUNS_FACTOR=<x>` explore further.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as fc from "fast-check"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as CsvInput from "../src/CsvInput.js"
import { ExitCode } from "../src/ExitCode.js"
import { fastMock, parseCsv, runCli, tempDir, writeFile } from "./support/cli.js"

const seed = process.env.FC_SEED === "random" ? undefined : Number(process.env.FC_SEED ?? 20_260_601)
const params = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: Math.max(1, Math.round(numRuns * Number(process.env.FC_RUNS_FACTOR ?? 1))),
  ...(seed === undefined ? {} : { seed })
})

const documented = new Set<number>(Object.values(ExitCode))

const headers = fc.constantFrom("First Name", "Last Name", "Company", "Website", "Email", "LinkedIn URL", "Job Title", "notes", "id", "E-mail", "linkedin", "")
const cellChars = fc.constantFrom("a", "Z", "0", " ", ",", ";", "\t", "|", "\"", "'", "\n", "\r\n", "\r", "é", "😀", "\u0000", "\uFEFF", "@", ".", "/", ":", "=", "+")
const cell = fc.oneof(
  { weight: 3, arbitrary: fc.array(cellChars, { maxLength: 12 }).map((a) => a.join("")) },
  { weight: 2, arbitrary: fc.constantFrom("", "ada@example.com", "https://www.linkedin.com/in/ada", "Acme, Inc.", "=cmd|' /C calc'!A0", "null", "x".repeat(3_000)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }
)

/** Well-formed CSV (RFC 4180 quoting) with random cells and ragged rows. */
const quote = (s: string) => (/[",\r\n]/.test(s) || s.startsWith(" ") ? `"${s.replace(/"/g, "\"\"")}"` : s)
const validCsv = fc.record({
  header: fc.uniqueArray(headers, { minLength: 1, maxLength: 6 }),
  rows: fc.array(fc.array(cell, { minLength: 0, maxLength: 7 }), { minLength: 1, maxLength: 12 }),
  eol: fc.constantFrom("\n", "\r\n"),
  bom: fc.boolean()
}).map(({ bom, eol, header, rows }) => ({
  text: (bom ? "\uFEFF" : "") + [header.map(quote).join(","), ...rows.map((r) => r.map(quote).join(","))].join(eol) + eol,
  rows
}))

/** Anything: unbalanced quotes, mixed delimiters, raw bytes. */
const garbage = fc.oneof(
  fc.array(fc.oneof(cellChars, fc.string({ maxLength: 5 })), { maxLength: 200 }).map((a) => "Email,First Name\n" + a.join("")),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.concat([Buffer.from("Email;Name\n"), Buffer.from(b)])),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 })
)

const noStackTrace = (err: string) => {
  expect(err).not.toMatch(/\n\s+at /)
  expect(err).not.toMatch(/FiberFailure|internal error|\{\s*_tag/)
}

/** Runs the CLI on a file and checks the invariants; returns the parsed output rows when it wrote one. */
const runOn = async (content: string | Uint8Array) => {
  const dir = tempDir()
  try {
    const input = writeFile(dir, "in.csv", content)
    const out = path.join(dir, "out.csv")
    const { code, err } = await runCli(["run", input, "--types", "verify", "--yes", "--quiet", "--out", out], { main: fastMock })
    noStackTrace(err)
    expect(documented.has(code), `exit ${code}: ${err}`).toBe(true)
    expect(code, err).not.toBe(ExitCode.Internal)
    if (code === ExitCode.Usage) {
      expect(err).toMatch(/^error: .+/m)
      return { code, rows: undefined }
    }
    expect([ExitCode.Ok, ExitCode.SomeLeadsFailed], err).toContain(code)
    // The output keeps the input's delimiter: it is the character before the first result column.
    const text = fs.readFileSync(out, "utf8")
    const delimiter = text[text.indexOf("lemlist_email") - 1] ?? ","
    const rows: Array<Array<string>> = parseCsv(text, { relax_column_count: true, bom: true, delimiter })
    const outcome = rows[0]!.indexOf("lemlist_outcome")
    expect(outcome).toBeGreaterThanOrEqual(0)
    for (const row of rows.slice(1)) expect(row[outcome], JSON.stringify(row)).toMatch(/^(Enriched|NotFound|RejectedLocally|RejectedByLemlist|Failed|Undetermined|Skipped)$/)
    return { code, rows }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe("lemlist-enrich run on random CSV", () => {
  it("well-formed files with random cells: every row accounted for, in order", async () => {
    await fc.assert(
      fc.asyncProperty(validCsv, async ({ rows, text }) => {
        const result = await runOn(text)
        if (result.rows === undefined) return // refused with a clear error (e.g. no usable column)
        const expected: Array<Array<string>> = parseCsv(text, { relax_column_count: true, skip_empty_lines: true, bom: true })
        expect(result.rows.length, "header + one output row per input row").toBe(expected.length)
        expect(rows.length).toBeGreaterThanOrEqual(expected.length - 1)
      }),
      // Each run is a whole command (mock, receiver, journal): ~0.5 s.
      params(7)
    )
  }, 60_000)

  it("garbage files: a clear error or a complete output, never a crash", async () => {
    await fc.assert(fc.asyncProperty(garbage, async (content) => void (await runOn(content))), params(30))
  }, 60_000)
})

describe("CsvInput on random CSV", () => {
  it("each row's fields and the line it ends on are csv-parse's (its `info` option the oracle)", async () => {
    await fc.assert(
      fc.asyncProperty(validCsv, async ({ text }) => {
        const dir = tempDir()
        try {
          const file = writeFile(dir, "in.csv", text)
          const read = await Effect.runPromise(
            Effect.either(Effect.flatMap(CsvInput.open(file, { delimiter: "," }), (f) => Stream.runCollect(f.rows)))
          )
          // A file the reader refuses with its typed error (a one-column header over rows that
          // look delimited, say) is the command's property above: not counted here.
          fc.pre(read._tag === "Right")
          // With `info`, csv-parse gives `{ record, info }` per record (its types say arrays).
          const expected = parseCsv(text, {
            relax_column_count: true,
            skip_empty_lines: true,
            bom: true,
            info: true
          }) as unknown as Array<{ record: Array<string>; info: { lines: number } }>
          expect([...read.right].map((r) => [r.index, r.line, r.fields])).toEqual(
            expected.slice(1).map((e, i) => [i, e.info.lines, e.record])
          )
        } finally {
          fs.rmSync(dir, { recursive: true, force: true })
        }
      }),
      params(100)
    )
  }, 60_000)
})
