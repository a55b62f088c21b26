/**
 * `run --shared`: several processes on one run (the same input, the same database and run id)
 * share its leads. Here three `run` commands in this process, at once, against one mock (so a
 * lead sent twice would show as two enrichments there), their journal in PostgreSQL
 * (`LEMLIST_TEST_DATABASE_URL`; skipped, and said so, without it): every lead is sent by one of
 * them, and each writes the whole output in input order, two of them to the same path at the
 * same moment. And the flags' usage errors, which need no database.
 *
 * With 300 leads (the default), the first worker to read the input usually claims them all in
 * one chunk and the others await their outcomes through the journal; with more
 * (`LEMLIST_CLI_WORKERS_LEADS=2000`: 20 s here) the sending is shared too (1,000, 1,000 and 0 in
 * one run). The assertions are the same either way.
 */
import { makeMockServer } from "@lemlist-effect/mock-server"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { embeddedMockDefaults } from "../src/Backend.js"
import { ExitCode } from "../src/ExitCode.js"
import * as RunCommand from "../src/RunCommand.js"
import { fastMock, leadsCsv, parseCsv, runCli, tempDir, writeFile } from "./support/cli.js"
import * as Services from "./support/services.js"

/** `count` leads, each with an email of its own (so each is its own lead, `verify` runs on it). */
const leadsFile = (count: number): string =>
  ["First Name,Last Name,Email,Company"]
    .concat(Array.from({ length: count }, (_, i) => `Ada${i},Lovelace${i},ada.${i}@analytical-${i % 7}.example,Engine ${i % 13}`))
    .join("\n") + "\n"

describe("--shared, --worker-id and --lease: usage errors (exit 2) naming the flag, nothing started", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, Record<string, string>, RegExp]> = [
    [
      "--shared without a database",
      ["--shared"],
      {},
      /^error: --shared: the processes share the run through its journal in PostgreSQL: it needs --database-url \(or LEMLIST_DATABASE_URL\)/m
    ],
    [
      "--shared with a SQLite --journal (which beats the environment's database)",
      ["--shared", "--journal", "run.sqlite"],
      { LEMLIST_DATABASE_URL: "postgres://u@db.invalid/x" },
      /^error: --shared: the processes share the run through its journal in PostgreSQL: it needs --database-url/m
    ],
    ["--worker-id without --shared", ["--worker-id", "w1"], {}, /^error: --worker-id is for a run shared by several processes: add --shared/m],
    ["--lease without --shared", ["--lease", "10s"], {}, /^error: --lease is for a run shared by several processes: add --shared/m],
    [
      "a lease without its unit",
      ["--shared", "--database-url", "postgres://u@db.invalid/x", "--lease", "30"],
      {},
      /^error: --lease "30": give the unit: 30s, 1500ms, 2m/m
    ],
    [
      "a lease under a second",
      ["--shared", "--database-url", "postgres://u@db.invalid/x", "--lease", "500ms"],
      {},
      /^error: --lease "500ms": a lease is 1 s to 1 h/m
    ],
    [
      "a worker id with spaces",
      ["--shared", "--database-url", "postgres://u@db.invalid/x", "--worker-id", "my worker"],
      {},
      /^error: --worker-id "my worker": use 1 to 100 letters/m
    ]
  ]
  for (const [name, flags, env, message] of cases) {
    it(name, async () => {
      const dir = tempDir()
      const input = writeFile(dir, "leads.csv", leadsCsv)
      const { code, err } = await runCli(
        ["run", input, "--types", "find_email", "--yes", "--out", path.join(dir, "out.csv"), ...flags],
        { env, main: fastMock }
      )
      expect(code).toBe(ExitCode.Usage)
      expect(err).toMatch(message)
      expect(fs.readdirSync(dir)).toEqual(["leads.csv"])
    })
  }
})

describe.skipIf(Services.noPostgres("run --shared"))("run --shared (live PostgreSQL)", () => {
  const schemas: Array<string> = []
  afterEach(async () => {
    for (const schema of schemas.splice(0)) await Services.dropSchema(schema)
  })

  it("three processes on one run: each lead sent once, every output whole, in input order and the same", async () => {
    const leads = Number(process.env.LEMLIST_CLI_WORKERS_LEADS ?? 300)
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsFile(leads))
    const runId = Services.uniqueId("cli-shared")
    const schema = RunCommand.runSchema(runId)
    schemas.push(schema)
    // One mock for the three (as lemlist would be), its results by webhook to the process that
    // sent the lead, after 20 to 400 ms: the others await them through the journal. It keeps
    // what it delivered (the embedded mock forgets it): the test counts what was created.
    const server = makeMockServer({
      ...embeddedMockDefaults,
      latency: { minMs: 20, maxMs: 400 },
      webhooks: { forgetDelivered: false }
    })
    try {
      // Two of them write the same file at the same moment, the third its own.
      const shared = path.join(dir, "leads-enriched.csv")
      const own = path.join(dir, "own.csv")
      const outs = [shared, shared, own]
      const runs = await Promise.all(outs.map((out, i) =>
        runCli(
          ["run", input, "--types", "verify", "--yes", "--json", "--out", out, "--run-id", runId, "--shared", "--worker-id", `w${i}`],
          { env: { LEMLIST_DATABASE_URL: Services.databaseUrl! }, main: { mock: { server } } }
        )
      ))
      for (const run of runs) expect(run.code, run.err).toBe(ExitCode.Ok)
      const summaries = runs.map((run) => JSON.parse(run.out))
      expect(summaries.map((s) => s.worker.id)).toEqual(["w0", "w1", "w2"])

      // Each lead was created once at the mock, and the workers' shares add up to them.
      const created = server.handle.enrichments()
      expect(created.length).toBe(leads)
      expect(new Set(created.map((e) => e.metadata)).size).toBe(leads)
      expect(new Set(created.map((e) => e.input.email)).size).toBe(leads)
      expect(summaries.reduce((sum, s) => sum + s.worker.sent, 0)).toBe(leads)
      // Each worker's stream had every lead: what it did not send, it read from the journal.
      for (const s of summaries) expect(s.worker.sent + s.worker.fromJournal).toBe(leads)

      // The journal: every lead done.
      expect(await Services.journalStates(schema)).toEqual({ done: leads })

      // Every output: the input's rows in order, each with its outcome; the two paths the same.
      const text = fs.readFileSync(shared, "utf8")
      expect(fs.readFileSync(own, "utf8")).toBe(text)
      const rows: Array<Array<string>> = parseCsv(text)
      const inputRows: Array<Array<string>> = parseCsv(fs.readFileSync(input, "utf8"))
      expect(rows.length).toBe(leads + 1)
      expect(rows.map((r) => r.slice(0, 4))).toEqual(inputRows)
      const outcome = rows[0]!.indexOf("lemlist_outcome")
      for (const row of rows.slice(1)) expect(["Enriched", "NotFound"]).toContain(row[outcome])
      for (const s of summaries) expect(s.outcomes.Pending ?? 0).toBe(0)
      // No temporary file left behind.
      expect(fs.readdirSync(dir).sort()).toEqual(["leads-enriched.csv", "leads.csv", "own.csv"])
    } finally {
      await server.handle.close()
    }
  })

  it("the summary names the worker and its share; a worker started after the run ended sends nothing", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const runId = Services.uniqueId("cli-shared-late")
    schemas.push(RunCommand.runSchema(runId))
    const argv = ["run", input, "--types", "find_email", "--yes", "--run-id", runId, "--shared", "--lease", "10s"]
    const env = { LEMLIST_DATABASE_URL: Services.databaseUrl! }
    const first = await runCli([...argv, "--worker-id", "first", "--out", path.join(dir, "a.csv")], { env, main: fastMock })
    expect(first.code, first.err).toBe(ExitCode.Ok)
    expect(first.err).toMatch(new RegExp(`^Worker: first, sharing run ${runId} with the other processes on it \\(lease 10 s\\)`, "m"))
    // 6 leads: 5 sent, 1 rejected before sending (no input for find_email).
    expect(first.out).toMatch(/^worker: {2}first: sent 5 leads; 0 outcomes read from the journal/m)

    const late = await runCli([...argv, "--out", path.join(dir, "b.csv")], { env, main: fastMock })
    expect(late.code, late.err).toBe(ExitCode.Ok)
    expect(late.err).toMatch(/^Worker: [^ ]+:\d+:[0-9a-f]{8}, sharing run/m)
    expect(late.err).toMatch(/^Every lead already has an outcome: writing the output\./m)
    expect(late.out).toMatch(/^worker: {2}[^ ]+: sent 0 leads; 6 outcomes read from the journal/m)
    expect(fs.readFileSync(path.join(dir, "b.csv"), "utf8")).toBe(fs.readFileSync(path.join(dir, "a.csv"), "utf8"))
  })
})
