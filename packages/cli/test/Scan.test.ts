/**
 * The scan of `run` is the library's plan: a duplicate row is counted once in what the run will
 * send and spend, and leads an earlier run sent are awaited, not charged again.
 */
import { makeMockServer } from "@lemlist-effect/mock-server"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { embeddedMockDefaults } from "../src/Backend.js"
import { ExitCode } from "../src/ExitCode.js"
import { fastMock, leadsCsv, runCli, tempDir, writeFile } from "./support/cli.js"

describe("run's scan (Enrichment.plan)", () => {
  it("a duplicate row is enriched once: not in the leads to send, not in the credits", async () => {
    const dir = tempDir()
    const lines = leadsCsv.trimEnd().split("\n")
    const input = writeFile(dir, "leads.csv", [...lines, lines[1]].join("\n") + "\n") // Ada twice
    const questions: Array<string> = []
    const { code, err } = await runCli(["run", input, "--types", "find_email"], {
      main: fastMock,
      io: { stdinIsTTY: true, confirm: async (q) => (questions.push(q), false) }
    })
    expect(err).toMatch(/8 rows, 7 leads \(1 duplicate, enriched once\), 1 malformed rows skipped/)
    // 6 distinct leads, one refused: 5 find_email at 5 credits.
    expect(err).toMatch(/this run can cost up to 25 credits/)
    expect(questions).toEqual(["Enrich 6 leads, spending up to 25 credits?"])
    expect(code).toBe(ExitCode.Interrupted)
  })

  it("leads an earlier run sent are awaited: the rerun can cost nothing", async () => {
    const dir = tempDir()
    const input = writeFile(dir, "leads.csv", leadsCsv)
    const server = makeMockServer({ ...embeddedMockDefaults, latency: 60_000 })
    const argv = ["run", input, "--types", "find_email", "--out", path.join(dir, "out.csv"), "--yes"]
    const controller = new AbortController()
    const first = runCli(argv, { main: { mock: { server } }, signal: controller.signal })
    while (server.handle.pending() === 0) await new Promise((r) => setTimeout(r, 10))
    controller.abort()
    expect((await first).code).toBe(ExitCode.Interrupted)

    server.handle.completeAll()
    const resumed = await runCli(argv, { main: { mock: { server } } })
    expect(resumed.err).toMatch(/1 of 6 leads already have an outcome; 5 to go/)
    expect(resumed.err).toMatch(/this run can cost up to 0 credits/)
    expect(resumed.code).toBe(ExitCode.Ok)
    await server.handle.close()
  })
})
