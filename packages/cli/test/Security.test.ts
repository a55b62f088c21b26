/**
 * The command line with a known API key (from `LEMLIST_API_KEY`, against the mock served on a
 * loopback socket): the key appears in no stdout or stderr, no output file and no journal
 * byte, whether the run succeeds, lemlist refuses the key, or the debug switch is on.
 */
import { secretForms } from "@lemlist-effect/contract-tests/Secrets"
import { serveMock, type ServedMock } from "@lemlist-effect/mock-server"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ExitCode } from "../src/ExitCode.js"
import { runCli, tempDir, writeFile } from "./support/cli.js"

const SECRET = "sk-live-SECRET-123456"
const forms = secretForms(SECRET)

const assertClean = (where: string, bytes: Buffer | string) => {
  const buf = typeof bytes === "string" ? Buffer.from(bytes) : bytes
  for (const form of forms) expect(buf.indexOf(Buffer.from(form)), `${where} contains the API key (as ${form})`).toBe(-1)
}

/** Every file the run left in `dir` (output, journal and its -wal/-shm). */
const assertDirClean = (dir: string) => {
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name)
    if (fs.statSync(file).isFile()) assertClean(name, fs.readFileSync(file))
  }
}

const csv = "Email,First Name\nada@example.com,Ada\ngrace@example.com,Grace\n,Alan\n"

describe("the API key never leaks from the command line", () => {
  let mock: ServedMock
  beforeAll(async () => {
    mock = await serveMock({ apiKeys: [SECRET], latency: 0, seed: 9 })
  })
  afterAll(() => mock.close())

  it("a run, its --json summary, credits and status: no key in any output, file or journal", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", csv)
    const env = { LEMLIST_API_KEY: SECRET, LEMLIST_BASE_URL: mock.apiUrl, LEMLIST_DEBUG: "1" }
    const run = await runCli(["run", input, "--types", "verify", "--yes", "--out", path.join(dir, "out.csv")], { env })
    expect(run.code, run.err).toBe(ExitCode.Ok)
    assertClean("stdout", run.out)
    assertClean("stderr", run.err)

    const json = await runCli(["run", input, "--types", "verify", "--yes", "--json", "--out", path.join(dir, "out.jsonl")], { env })
    expect(json.code, json.err).toBe(ExitCode.Ok)
    assertClean("--json stdout", json.out)
    assertClean("--json stderr", json.err)

    const credits = await runCli(["credits", "--json"], { env })
    expect(credits.code, credits.err).toBe(ExitCode.Ok)
    assertClean("credits", credits.out + credits.err)

    const status = await runCli(["status", path.join(dir, "out.journal.sqlite")], { env })
    assertClean("status", status.out + status.err)

    assertDirClean(dir)
    // The mock's records stand for the key by a team id.
    assertClean("mock records", JSON.stringify([mock.server.handle.requests(), mock.server.handle.stats()]))
    fs.rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  it("a key lemlist refuses: exit 3, a clear message, and still no key anywhere (debug on)", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", csv)
    const refused = "sk-live-SECRET-123456-revoked"
    const env = { LEMLIST_API_KEY: refused, LEMLIST_BASE_URL: mock.apiUrl, LEMLIST_DEBUG: "1" }
    for (const argv of [["run", input, "--types", "verify", "--yes", "--out", path.join(dir, "out.csv")], ["credits"], ["credits", "--json"]]) {
      const r = await runCli(argv, { env })
      expect(r.code, r.err).toBe(ExitCode.Auth)
      expect(r.err + r.out).toMatch(/key|auth/i)
      for (const text of [r.out, r.err]) {
        assertClean(argv.join(" "), text)
        expect(text).not.toContain(refused)
        expect(text).not.toContain(Buffer.from(`:${refused}`).toString("base64"))
      }
    }
    assertDirClean(dir)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 30_000)
})
