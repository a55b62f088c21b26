/**
 * `lemlist-enrich export`: a run's output written again from its journal alone (the SQLite file
 * beside the output here; `Engines.test.ts` does it from PostgreSQL), in input order, with the
 * run's columns, the run's row options read back from the journal; rows without an outcome are
 * written `Pending`, counted, and the command exits `Incomplete` (6).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { ExitCode } from "../src/ExitCode.js"
import { resultColumns } from "../src/Output.js"
import { fastMock, leadsCsv, parseCsv, runCli, tempDir, writeFile } from "./support/cli.js"

/** A finished run of leads.csv in a fresh folder. */
const finishedRun = async (flags: ReadonlyArray<string>, out = "leads-enriched.csv") => {
  const dir = tempDir()
  const input = writeFile(dir, "leads.csv", leadsCsv)
  const output = path.join(dir, out)
  const run = await runCli(["run", input, ...flags, "--yes", "--out", output], { main: fastMock })
  expect(run.code, run.err).toBe(ExitCode.Ok)
  return { dir, input, output }
}

describe("lemlist-enrich export (SQLite journal)", () => {
  it("rewrites the run's output byte for byte, from the journal beside it, without sending anything", async () => {
    const { input, output } = await finishedRun(["--types", "find_email,verify", "--missing-inputs", "skip-type"])
    const before = fs.readFileSync(output, "utf8")
    fs.rmSync(output)
    // No --types: the run's (with its mode, which changes the keys) are read from the journal.
    const ex = await runCli(["export", input, "--out", output])
    expect(ex.code, ex.err).toBe(ExitCode.Ok)
    expect(ex.err).toBe("")
    expect(ex.out).toMatch(/^Wrote 7 rows to .*leads-enriched\.csv from the journal .*leads-enriched\.journal\.sqlite:\n/)
    expect(ex.out).toMatch(/skipped \(malformed row\)\s+1\n/)
    expect(ex.out).toMatch(/Every row has its outcome\.\n$/)
    expect(fs.readFileSync(output, "utf8")).toBe(before)
    const rows: Array<Array<string>> = parseCsv(before, { relax_column_count: true })
    expect(rows[0]!.slice(-resultColumns.length)).toEqual([...resultColumns])
    expect(rows.length).toBe(8)
  })

  it("writes JSONL too, and --json prints a summary; --journal finds a journal elsewhere", async () => {
    const { dir, input, output } = await finishedRun(["--types", "find_email", "--json"], "run.jsonl")
    const other = path.join(dir, "elsewhere", "copy.jsonl")
    fs.mkdirSync(path.dirname(other))
    const ex = await runCli(["export", input, "--out", other, "--journal", path.join(dir, "run.journal.sqlite"), "--json"])
    expect(ex.code, ex.err).toBe(ExitCode.Ok)
    expect(JSON.parse(ex.out)).toMatchObject({ rows: 7, pending: 0, output: other, exitCode: 0, outcomes: { Skipped: 1, RejectedLocally: 1 } })
    expect(fs.readFileSync(other, "utf8")).toBe(fs.readFileSync(output, "utf8"))
  })

  it("rows without an outcome yet are written Pending, counted, and the exit code is Incomplete (6)", async () => {
    const { dir, output } = await finishedRun(["--types", "find_email"])
    // The same journal, with two rows it has never seen: their leads have no outcome.
    const grown = writeFile(
      dir,
      "grown.csv",
      leadsCsv + ",,,,,https://www.linkedin.com/in/example-new-1,\n,,,,,https://www.linkedin.com/in/example-new-2,\n"
    )
    const exported = path.join(dir, "grown-enriched.csv")
    const journal = path.join(dir, "leads-enriched.journal.sqlite")
    const ex = await runCli(["export", grown, "--out", exported, "--journal", journal])
    expect(ex.code).toBe(ExitCode.Incomplete)
    expect(ex.out).toMatch(/^Wrote 9 rows/)
    expect(ex.out).toMatch(/2 rows have no outcome yet \(written Pending\): the run is not finished; export again once it is \(exit code 6\)\./)
    const rows: Array<Array<string>> = parseCsv(fs.readFileSync(exported), { relax_column_count: true })
    const outcome = rows[0]!.indexOf("lemlist_outcome")
    expect(rows.slice(-2).map((r) => r[outcome])).toEqual(["Pending", "Pending"])
    // The rows the run had are as the run wrote them.
    const ran: Array<Array<string>> = parseCsv(fs.readFileSync(output), { relax_column_count: true })
    expect(rows.slice(0, 8)).toEqual(ran)
  })

  it("--types given to export override the journal's: other keys, so nothing is found", async () => {
    const { input, dir } = await finishedRun(["--types", "find_email"])
    const ex = await runCli(["export", input, "--out", path.join(dir, "leads-enriched.csv"), "--types", "verify", "--json"])
    expect(ex.code).toBe(ExitCode.Incomplete)
    // Every lead (the malformed row aside) has another key under verify: none is in the journal.
    expect(JSON.parse(ex.out)).toMatchObject({ rows: 7, pending: 6, outcomes: { Pending: 6, Skipped: 1 } })
  })

  it("a missing journal is a usage error (exit 2), and creates nothing", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const ex = await runCli(["export", input, "--out", path.join(dir, "never-run.csv")])
    expect(ex.code).toBe(ExitCode.Usage)
    expect(ex.err).toMatch(/^error: journal not found: .*never-run\.journal\.sqlite; export reads the journal a run wrote/)
    expect(fs.readdirSync(dir)).toEqual(["leads.csv"])
  })

  it("--out on the input is refused", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const ex = await runCli(["export", input, "--out", input])
    expect(ex.code).toBe(ExitCode.Usage)
    expect(ex.err).toMatch(/would overwrite the input/)
  })
})
