/**
 * `run --database-url` (the journal in PostgreSQL) and `--redis-url` (the pacer's store in
 * Redis), with the embedded mock in-process: bad URLs and unreachable services are typed usage
 * or run errors naming the flag or the service, never a stack trace, never the password; on the
 * live services (`LEMLIST_TEST_DATABASE_URL`, `LEMLIST_TEST_REDIS_URL`), the run's journal is in
 * its schema, the pacer's log in Redis, and `export` writes what the run wrote.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { ExitCode } from "../src/ExitCode.js"
import * as RunCommand from "../src/RunCommand.js"
import { fastMock, leadsCsv, runCli, tempDir, writeFile } from "./support/cli.js"
import * as Services from "./support/services.js"

const PASSWORD = "pw-S3CRET-4711"

/** No output of the command holds the password, in any form a URL may carry it. */
const assertNoPassword = (...texts: ReadonlyArray<string>) => {
  for (const text of texts) {
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toContain(encodeURIComponent(PASSWORD))
  }
}

/** A run of leads.csv in a fresh folder; `extra` are the flags under test. */
const runIn = async (extra: ReadonlyArray<string>, options: { env?: Record<string, string>; main?: typeof fastMock } = {}) => {
  const dir = tempDir()
  const input = writeFile(dir, "leads.csv", leadsCsv)
  const out = path.join(dir, "leads-enriched.csv")
  const ran = await runCli(["run", input, "--types", "find_email", "--yes", "--out", out, ...extra], {
    main: options.main ?? fastMock,
    ...(options.env ? { env: options.env } : {})
  })
  return { ...ran, dir, input, output: out }
}

describe("--database-url and --redis-url: bad values are usage errors (exit 2) naming the flag", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, RegExp]> = [
    ["a database URL of another scheme", ["--database-url", `mysql://root:${PASSWORD}@db:3306/x`], /^error: --database-url: the scheme "mysql:" is not postgres: or postgresql:/m],
    ["a database URL that is no URL", ["--database-url", `postgres//root:${PASSWORD}@db`], /^error: --database-url: not a URL; expected a PostgreSQL URL/m],
    ["a Redis URL of another scheme", ["--redis-url", `http://:${PASSWORD}@cache:6379`], /^error: --redis-url: the scheme "http:" is not redis: or rediss:/m],
    ["a Redis URL whose database is not a number", ["--redis-url", `redis://:${PASSWORD}@cache:6379/zero`], /^error: --redis-url: the database after the host must be a number/m],
    ["--run-id without a database", ["--run-id", "nightly"], /^error: --run-id names a run in a PostgreSQL journal: it needs --database-url/m],
    ["--journal with --database-url", ["--journal", "x.sqlite", "--database-url", `postgres://u:${PASSWORD}@db/x`], /^error: --journal names a SQLite file, and --database-url puts the journal in PostgreSQL/m],
    ["a run id PostgreSQL could not hold", ["--database-url", `postgres://u:${PASSWORD}@db/x`, "--run-id", "a b;drop"], /^error: --run-id "a b;drop": use 1 to 100 letters/m]
  ]
  for (const [name, flags, message] of cases) {
    it(name, async () => {
      const { code, out, err, dir } = await runIn(flags)
      expect(code).toBe(ExitCode.Usage)
      expect(err).toMatch(message)
      expect(err).not.toMatch(/\n\s+at /) // no stack trace
      assertNoPassword(out, err)
      // Nothing was started: no journal, no output.
      expect(fs.readdirSync(dir)).toEqual(["leads.csv"])
    })
  }

  it("a URL from the environment is named by its variable; the flag wins over it", async () => {
    const env = { LEMLIST_DATABASE_URL: `mysql://root:${PASSWORD}@db/x`, LEMLIST_REDIS_URL: `ftp://:${PASSWORD}@cache` }
    const fromEnv = await runIn([], { env })
    expect(fromEnv.code).toBe(ExitCode.Usage)
    expect(fromEnv.err).toMatch(/^error: LEMLIST_REDIS_URL: the scheme "ftp:" is not redis: or rediss:/m)
    const flagWins = await runIn(["--redis-url", `redis://:${PASSWORD}@cache/x1`], { env })
    expect(flagWins.err).toMatch(/^error: --redis-url: the database after the host must be a number/m)
    assertNoPassword(fromEnv.out, fromEnv.err, flagWins.out, flagWins.err)
  })

  it("--json reports the usage error as JSON, without the password", async () => {
    const { code, out } = await runIn(["--json", "--database-url", `http://u:${PASSWORD}@db/x`])
    expect(code).toBe(ExitCode.Usage)
    expect(JSON.parse(out)).toMatchObject({ error: { tag: "UsageError" }, exitCode: ExitCode.Usage })
    assertNoPassword(out)
  })
})

describe("a service that does not answer stops the run (exit 5), naming the service and its host", () => {
  it("PostgreSQL refusing connections", async () => {
    const port = await Services.deadPort()
    const { code, out, err, dir } = await runIn(["--database-url", `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/test`])
    expect(code).toBe(ExitCode.RunFailed)
    expect(err).toMatch(new RegExp(`^error: the run stopped: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/test \\(--database-url\\)`, "m"))
    assertNoPassword(out, err)
    expect(fs.readdirSync(dir)).toEqual(["leads.csv"])
  })

  it("Redis refusing connections", async () => {
    const port = await Services.deadPort()
    const { code, out, err, dir } = await runIn(["--redis-url", `redis://:${PASSWORD}@127.0.0.1:${port}`])
    expect(code).toBe(ExitCode.RunFailed)
    expect(err).toMatch(new RegExp(`^error: the run stopped: cannot connect to Redis at 127\\.0\\.0\\.1:${port} \\(--redis-url\\)`, "m"))
    assertNoPassword(out, err)
    // The SQLite journal it would have used is not left behind: nothing was sent.
    expect(fs.readdirSync(dir)).toEqual(["leads.csv"])
  })
})

describe("run ids and schemas", () => {
  it("default to the output's name, as the SQLite journal does; distinct ids never share a schema", () => {
    expect(RunCommand.defaultRunId("out/leads-enriched.csv")).toBe("leads-enriched")
    expect(RunCommand.defaultRunId("out/leads-enriched.jsonl")).toBe("leads-enriched")
    expect(RunCommand.defaultJournal("out/leads-enriched.csv")).toBe(path.join("out", "leads-enriched.journal.sqlite"))
    expect(RunCommand.runSchema("nightly")).toBe("lemlist_nightly")
    expect(RunCommand.runSchema("leads-enriched")).toMatch(/^lemlist_leads_enriched_[0-9a-f]{8}$/)
    const ids = ["a-b", "a_b", "A_b", "a.b", "x".repeat(100), "x".repeat(99) + "y"]
    const schemas = ids.map(RunCommand.runSchema)
    expect(new Set(schemas).size).toBe(ids.length)
    for (const s of schemas) expect(s).toMatch(/^[a-z_][a-z0-9_]{0,62}$/)
  })
})

describe.skipIf(Services.noPostgres("run --database-url"))("run --database-url (live PostgreSQL)", () => {
  const schemas: Array<string> = []
  afterEach(async () => {
    for (const schema of schemas.splice(0)) await Services.dropSchema(schema)
  })
  const withPassword = () => {
    // The test server trusts loopback: a password in the URL is accepted and ignored.
    const url = new URL(Services.databaseUrl!)
    url.password = PASSWORD
    return url.href
  }

  it("keeps the journal in the run's schema (no SQLite file); export writes the same rows as the run", async () => {
    const runId = Services.uniqueId("cli-pg")
    schemas.push(RunCommand.runSchema(runId))
    const run = await runIn(["--database-url", withPassword(), "--run-id", runId])
    expect(run.code, run.err).toBe(ExitCode.Ok)
    expect(run.err).toMatch(new RegExp(`Journal: PostgreSQL [^ ]+, run ${runId} \\(schema ${RunCommand.runSchema(runId)}\\)`))
    expect(run.err).toMatch(/Pacer: in this process only \(several processes on one API key need --redis-url too\)/)
    assertNoPassword(run.out, run.err)
    expect(fs.readdirSync(run.dir).sort()).toEqual(["leads-enriched.csv", "leads.csv"])
    // 6 leads (the malformed row is not one), each with its outcome.
    expect(await Services.journalStates(RunCommand.runSchema(runId))).toEqual({ done: 6 })

    const exported = path.join(run.dir, "exported.csv")
    const ex = await runCli(["export", run.input, "--out", exported, "--run-id", runId], { env: { LEMLIST_DATABASE_URL: withPassword() } })
    expect(ex.code, ex.err).toBe(ExitCode.Ok)
    expect(ex.out).toMatch(/^Wrote 7 rows to .*exported\.csv from the journal PostgreSQL/)
    expect(ex.out).toMatch(/Every row has its outcome\./)
    assertNoPassword(ex.out, ex.err)
    expect(fs.readFileSync(exported, "utf8")).toBe(fs.readFileSync(run.output, "utf8"))
  })

  it("without --run-id, the run is the output's name, and a rerun resumes it from the database", async () => {
    const dir = tempDir()
    const name = Services.uniqueId("cli-pg-default")
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const out = path.join(dir, `${name}.csv`)
    const schema = RunCommand.runSchema(name)
    schemas.push(schema)
    const argv = ["run", input, "--types", "find_email", "--yes", "--out", out]
    const env = { LEMLIST_DATABASE_URL: Services.databaseUrl! }
    const first = await runCli(argv, { env, main: fastMock })
    expect(first.code, first.err).toBe(ExitCode.Ok)
    expect(await Services.schemaExists(schema)).toBe(true)
    const second = await runCli([...argv, "--json"], { env, main: fastMock })
    expect(second.code, second.err).toBe(ExitCode.Ok)
    const summary = JSON.parse(second.out)
    // Every lead's outcome came from the database: nothing was sent again.
    expect(summary).toMatchObject({ resumed: 6, requests: 0, journal: expect.stringContaining(`schema ${schema}`) })
  })

  it("--restart does not drop a database journal (other processes may share it)", async () => {
    const runId = Services.uniqueId("cli-pg-restart")
    const { code, err } = await runIn(["--database-url", Services.databaseUrl!, "--run-id", runId, "--restart"])
    expect(code).toBe(ExitCode.Usage)
    expect(err).toMatch(/--restart cannot discard a journal in PostgreSQL/)
    expect(await Services.schemaExists(RunCommand.runSchema(runId))).toBe(false)
  })
})

describe.skipIf(Services.noRedis("run --redis-url"))("run --redis-url (live Redis)", () => {
  const keys: Array<string> = []
  afterEach(async () => {
    for (const key of keys.splice(0)) await Services.deletePacerKeys(key)
  })
  /** The embedded mock under an API key of the test's own: its pacer keys are the test's. */
  const mockWithKey = (apiKey: string) => ({ mock: { options: { latency: 0, apiKeys: [apiKey] } } })

  it("paces through Redis: the key's log of starts is there after the run, the journal still a SQLite file", async () => {
    const apiKey = Services.uniqueId("cli-redis-key")
    keys.push(apiKey)
    const { code, out, err, dir } = await runIn(["--redis-url", Services.redisUrl!], { main: mockWithKey(apiKey) })
    expect(code, err).toBe(ExitCode.Ok)
    expect(err).toMatch(/Pacer: Redis [^ ]+, shared by every process on this API key/)
    assertNoPassword(out, err)
    const pacer = await Services.pacerKeys(apiKey)
    expect(pacer.keys.map((k) => k.replace(/^.*\}/, ""))).toEqual([":log", ":plan", ":state"])
    // The credit check and the submits each took a slot.
    expect(pacer.starts).toBeGreaterThanOrEqual(2)
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".journal.sqlite"))).toEqual(["leads-enriched.journal.sqlite"])
  })

  it.skipIf(Services.databaseUrl === undefined)("with --database-url too: nothing on disk but the output", async () => {
    const apiKey = Services.uniqueId("cli-redis-pg-key")
    keys.push(apiKey)
    const runId = Services.uniqueId("cli-redis-pg")
    try {
      const { code, err, dir } = await runIn(
        ["--run-id", runId],
        { env: { LEMLIST_REDIS_URL: Services.redisUrl!, LEMLIST_DATABASE_URL: Services.databaseUrl! }, main: mockWithKey(apiKey) }
      )
      expect(code, err).toBe(ExitCode.Ok)
      expect(fs.readdirSync(dir).sort()).toEqual(["leads-enriched.csv", "leads.csv"])
      expect((await Services.pacerKeys(apiKey)).starts).toBeGreaterThanOrEqual(2)
      expect(await Services.journalStates(RunCommand.runSchema(runId))).toEqual({ done: 6 })
    } finally {
      await Services.dropSchema(RunCommand.runSchema(runId))
    }
  })
})
