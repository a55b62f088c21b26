import { makeMockServer } from "@lemlist-effect/mock-server"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { embeddedMockDefaults } from "../src/Backend.js"
import { ExitCode } from "../src/ExitCode.js"
import { resultColumns } from "../src/Output.js"
import { fastMock, leadsCsv, parseCsv, runCli, tempDir, writeFile } from "./support/cli.js"

const header = ["First Name", "Last Name", "Company", "Website", "Email", "LinkedIn URL", "Job Title"]

describe("lemlist-enrich run (embedded mock)", () => {
  it("writes every row in input order, columns unchanged, plus the result columns", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const out = path.join(dir, "out", "enriched.csv")
    const { code, out: stdout, err } = await runCli(["run", input, "--types", "find_email", "--out", out, "--yes"], { main: fastMock })
    expect(err).toMatch(/Columns: firstName <- "First Name", lastName <- "Last Name", email <- "Email"/)
    expect(err).toMatch(/Backend: the embedded lemlist mock/)
    expect(err).toMatch(/this run can cost up to \d+ credits/)
    expect(stdout).toMatch(/total rows\s+7/)
    expect(code).toBe(ExitCode.Ok)

    const rows: Array<Array<string>> = parseCsv(fs.readFileSync(out), { relax_column_count: true })
    const input_: Array<Array<string>> = parseCsv(fs.readFileSync(input), { relax_column_count: true })
    expect(rows[0]).toEqual([...header, ...resultColumns])
    expect(rows.length).toBe(input_.length)
    const outcome = rows[0]!.indexOf("lemlist_outcome")
    const codeCol = rows[0]!.indexOf("lemlist_error_code")
    for (let i = 1; i < rows.length; i++) {
      // the input columns, unchanged (the malformed row keeps its first 7 fields)
      expect(rows[i]!.slice(0, header.length)).toEqual(input_[i]!.slice(0, header.length))
      expect(rows[i]!.length).toBe(header.length + resultColumns.length)
    }
    expect(rows.map((r) => r[outcome]).slice(1)).toEqual([
      expect.stringMatching(/^(Enriched|NotFound)$/), // complete row
      expect.stringMatching(/^(Enriched|NotFound)$/), // LinkedIn only
      expect.stringMatching(/^(Enriched|NotFound)$/), // names, company, domain
      "RejectedLocally", // a job title alone: find_email lacks inputs
      expect.stringMatching(/^(Enriched|NotFound)$/),
      "Skipped", // a field too many
      expect.stringMatching(/^(Enriched|NotFound)$/)
    ])
    expect(rows[4]![codeCol]).toBe("MISSING_INPUTS")
    expect(rows[6]![codeCol]).toBe("MALFORMED_ROW")
    const enriched = rows.find((r) => r[outcome] === "Enriched")
    expect(enriched?.[rows[0]!.indexOf("lemlist_email")]).toMatch(/@/)
  })

  it("writes JSONL with the full normalised outcome, and --json prints a machine-readable summary", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const out = path.join(dir, "enriched.jsonl")
    const { code, out: stdout, err } = await runCli(
      ["run", input, "--types", "find_email,linkedin_enrichment", "--out", out, "--yes", "--json"],
      { main: fastMock }
    )
    expect(code).toBe(ExitCode.Ok)
    expect(err).toBe("")
    const summary = JSON.parse(stdout)
    expect(summary).toMatchObject({ rows: 7, output: out, exitCode: 0, outcomes: { Skipped: 1 } })
    const lines = fs.readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l))
    expect(lines.map((l) => l.row)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(lines[0].columns["First Name"]).toBe("Ada")
    expect(lines[0].outcome._tag).toMatch(/^(Enriched|NotFound)$/)
    expect(lines[0].outcome.result).toHaveProperty("find_email")
    expect(lines[0].outcome.result).toHaveProperty("linkedin_enrichment")
    expect(lines[5].outcome).toMatchObject({ _tag: "Skipped", code: "MALFORMED_ROW" })
  })

  it("prints plain progress lines when stderr is not a terminal, and a summary table", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const { code, out, err } = await runCli(["run", input, "--types", "find_email", "--yes"], {
      main: { mock: { options: { latency: 400 } } },
      io: { progressInterval: 100 }
    })
    expect(code).toBe(ExitCode.Ok)
    const progress = err.split("\n").filter((l) => /^\[\d/.test(l))
    expect(progress.length).toBeGreaterThanOrEqual(2)
    for (const line of progress) {
      expect(line).toMatch(
        /^\[[\d.]+ (ms|s)\] \d+\/6 leads \(\d+%\) · enriched \d+ · not found \d+ · rejected \d+ · failed \d+ · undetermined \d+ · pending \d+ · [\d.]+ req\/s · 429s \d+ · credits \d+ · ETA /
      )
    }
    expect(progress.at(-1)).toMatch(/ 6\/6 leads \(100%\)/)
    expect(out).toMatch(/enriched\s+\d+\nnot found\s+\d+\nrejected before sending\s+1\n/)
    expect(out).toMatch(/skipped \(malformed row\)\s+1/)
    expect(fs.existsSync(path.join(dir, "leads-enriched.csv"))).toBe(true)
    expect(fs.existsSync(path.join(dir, "leads-enriched.journal.sqlite"))).toBe(true)
  })

  it("resumes after an interrupt: nothing sent twice, every row in the output", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const out = path.join(dir, "enriched.csv")
    // One mock for both runs (as lemlist would be); results take a minute, so the first run is
    // interrupted while waiting for them.
    const server = makeMockServer({ ...embeddedMockDefaults, latency: 60_000 })
    const argv = ["run", input, "--types", "find_email", "--out", out, "--yes"]
    const controller = new AbortController()
    const first = runCli(argv, { main: { mock: { server } }, signal: controller.signal })
    while (server.handle.pending() === 0) await new Promise((r) => setTimeout(r, 10))
    controller.abort()
    const interrupted = await first
    expect(interrupted.code).toBe(ExitCode.Interrupted)
    expect(interrupted.err).toMatch(/Interrupted: \d+ of 6 leads have an outcome, recorded in .*enriched\.journal\.sqlite\. Rerun the same command to continue\./)
    expect(fs.existsSync(out)).toBe(false)
    const bulkCalls = () => server.handle.requests().filter((r) => r.route === "bulk").length
    expect(bulkCalls()).toBe(1)

    server.handle.completeAll()
    const resumed = await runCli(argv, { main: { mock: { server } } })
    expect(resumed.code).toBe(ExitCode.Ok)
    expect(resumed.err).toMatch(/Resuming from the journal .*enriched\.journal\.sqlite: 1 of 6 leads already have an outcome; 5 to go\./)
    expect(bulkCalls()).toBe(1) // the 5 sent leads were polled, not sent again
    const rows: Array<Array<string>> = parseCsv(fs.readFileSync(out), { relax_column_count: true })
    const outcome = rows[0]!.indexOf("lemlist_outcome")
    expect(rows.slice(1).map((r) => r[outcome]).filter((o) => o === "Pending")).toEqual([])
    expect(rows.length).toBe(8)

    // A third run does nothing but rewrite the output.
    const third = await runCli(argv, { main: { mock: { server } } })
    expect(third.code).toBe(ExitCode.Ok)
    expect(third.err).toMatch(/6 of 6 leads already have an outcome; 0 to go/)
    expect(bulkCalls()).toBe(1)
    await server.handle.close()
  })
})

describe("exit codes", () => {
  it("3 when the API key is refused", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const { code, err } = await runCli(["run", input, "--types", "find_email", "--yes"], {
      main: { mock: { options: { latency: 0 }, apiKey: "not-a-key" } }
    })
    expect(err).toMatch(/^error: lemlist refused the API key \(InvalidKey, HTTP 401\); check LEMLIST_API_KEY$/m)
    expect(code).toBe(ExitCode.Auth)
    const credits = await runCli(["credits"], { main: { mock: { apiKey: "not-a-key" } } })
    expect(credits.code).toBe(ExitCode.Auth)
  })

  it("4 when the team lacks the credits the run may need, before anything is sent", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const { code, err } = await runCli(["run", input, "--types", "find_email", "--yes"], {
      main: { mock: { options: { latency: 0, credits: 3 } } }
    })
    expect(err).toMatch(/not enough credits: this run can cost up to 25 credits and the team has 3/)
    expect(code).toBe(ExitCode.Credits)
    // --budget caps the requirement
    const capped = await runCli(["run", input, "--types", "find_email", "--yes", "--budget", "3"], {
      main: { mock: { options: { latency: 0, credits: 3 } } }
    })
    expect(capped.err).toMatch(/capped by --budget at 3/)
    expect([ExitCode.Ok, ExitCode.SomeLeadsFailed]).toContain(capped.code)
  })

  it("2 when a confirmation is needed and nobody can give it", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const { code, err } = await runCli(["run", input, "--types", "find_email"], { main: fastMock })
    expect(err).toMatch(/needs a confirmation, but the input is not a terminal; pass --yes to confirm/)
    expect(code).toBe(ExitCode.Usage)
  })

  it("130 when the answer at the confirmation is no; nothing is sent", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const questions: Array<string> = []
    const { code, err } = await runCli(["run", input, "--types", "find_email"], {
      main: fastMock,
      io: { stdinIsTTY: true, confirm: async (q) => (questions.push(q), false) }
    })
    expect(questions).toEqual(["Enrich 6 leads, spending up to 25 credits?"])
    expect(err).toMatch(/cancelled: nothing was submitted/)
    expect(code).toBe(ExitCode.Interrupted)
  })

  it("1 when some leads failed", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const { code, out } = await runCli(["run", input, "--types", "find_email", "--yes"], {
      main: { mock: { options: { latency: 0, results: { providerErrorRate: 1 } } } }
    })
    expect(out).toMatch(/failed\s+5/)
    expect(code).toBe(ExitCode.SomeLeadsFailed)
  })

  it("0 for --help, credits and status", async () => {
    const help = await runCli(["--help"])
    expect(help.code).toBe(ExitCode.Ok)
    expect(help.out).toMatch(/EXIT CODES/)
    const credits = await runCli(["credits"], { main: fastMock })
    expect(credits.out).toMatch(/^100,000 credits \(the embedded lemlist mock/)
    expect(credits.code).toBe(ExitCode.Ok)

    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    await runCli(["run", input, "--types", "find_email", "--yes", "--quiet"], { main: fastMock })
    const status = await runCli(["status", path.join(dir, "leads-enriched.journal.sqlite"), "--json"])
    expect(status.code).toBe(ExitCode.Ok)
    expect(JSON.parse(status.out)).toMatchObject({ total: 6, done: 6 })
    const missing = await runCli(["status", path.join(dir, "nope.sqlite")])
    expect(missing.code).toBe(ExitCode.Usage)
    expect(missing.err).toMatch(/journal not found/)
  })
})
