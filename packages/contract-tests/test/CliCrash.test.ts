/**
 * Crash and resume, the command line (issue 10): `lemlist-enrich run` with results by webhook
 * (`--webhook-url` on a loopback port, the receiver's token kept in the journal), killed with
 * SIGKILL at chosen phases and at random (`test/support/crashPhases.ts`), then run to its end.
 * The output must hold every input row once, in order, with an outcome. The library's twin is
 * `Crash.test.ts`.
 */
import { spawnTsx } from "@lemlist-effect/contract-tests/Processes"
import { parse as parseCsv } from "csv-parse/sync"
import * as fs from "node:fs"
import { createServer } from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { checkResumed, crashSuite, type Harness, killAtPhases } from "./support/crashPhases.js"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const bin = path.join(root, "packages/cli/src/bin.ts")
const apiKey = "crash-cli-key"
const ROWS = 2_000

const suite = crashSuite(apiKey, 7)

/** A loopback port free right now (the receiver binds it in each run). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

describe("lemlist-enrich run killed with SIGKILL at chosen phases and at random, then resumed", () => {
  it("writes every row once, in order, with an outcome; none sent twice; Undetermined only where a kill caught a request", async () => {
    const mock = suite.mock()
    const dir = suite.tempDir()
    const header = "First Name,Last Name,Company,Website"
    const rows = Array.from({ length: ROWS }, (_, i) => `First${i},Last${i},Crash Co ${i % 13},crash${i % 13}.example`)
    const input = path.join(dir, "leads.csv")
    fs.writeFileSync(input, [header, ...rows].join("\n") + "\n")
    const out = path.join(dir, "enriched.csv")
    const journal = path.join(dir, "run.journal.sqlite")
    const port = await freePort()
    const argv = [
      "run", input, "--types", "find_email", "--out", out, "--journal", journal, "--yes", "--json",
      "--webhook-url", `http://127.0.0.1:${port}/hooks`, "--webhook-port", String(port)
    ]
    const h: Harness = {
      mock,
      apiKey,
      journal,
      leads: ROWS,
      start: () => suite.track(spawnTsx(root, bin, argv, { LEMLIST_API_KEY: apiKey, LEMLIST_BASE_URL: mock.apiUrl }))
    }

    const killed = await killAtPhases(h, 2)
    const last = await h.start().exited
    expect(last.code, last.stderr).toBeLessThanOrEqual(1) // 1: some leads failed (the undetermined)
    const checked = await checkResumed(h, killed)

    const written: Array<Array<string>> = parseCsv(fs.readFileSync(out))
    expect(written.length - 1, "every input row, once").toBe(ROWS)
    const outcomeCol = written[0]!.indexOf("lemlist_outcome")
    for (let i = 0; i < ROWS; i++) {
      expect(written[i + 1]!.slice(0, 4).join(","), `row ${i + 1} in input order`).toBe(rows[i])
      expect(written[i + 1]![outcomeCol], `row ${i + 1}`).toMatch(/^(Enriched|NotFound|Undetermined)$/)
    }
    console.log(
      `[crash cli] rows=${ROWS} phases=${JSON.stringify(killed.phases)} outcomes=${JSON.stringify(checked.final.outcomes)} ` +
        `undetermined=${checked.undetermined} (never processed by the mock: ${checked.neverProcessed}) created=${checked.created} requests=${checked.requests} ` +
        `summary=${last.stdout.trim().split("\n").at(-1)}`
    )
  }, 300_000)
})
