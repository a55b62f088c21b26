/**
 * Crash and resume, the library itself (issue 10): `test/support/crashProgram.ts`, an app of
 * `Enrichment.run` with a SQLite journal, the pacer's store in the same file and a webhook
 * receiver whose endpoint is kept in the journal, killed with SIGKILL at chosen phases and at
 * random (`test/support/crashPhases.ts`), then run to its end. The command line's twin is
 * `CliCrash.test.ts`.
 */
import { type Child, spawnTsx, until } from "@lemlist-effect/contract-tests/Processes"
import { type ServedMock, serveMock } from "@lemlist-effect/mock-server"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { bulkStatuses, checkResumed, type Harness, killAtPhases, killWhen, summary } from "./support/crashPhases.js"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const program = fileURLToPath(new URL("./support/crashProgram.ts", import.meta.url))
const apiKey = "crash-library-key"
const maxLatencyMs = 2_000
const retryBaseMs = 500

let mock: ServedMock
const dirs: Array<string> = []
const children: Array<Child> = []

beforeAll(async () => {
  mock = await serveMock({
    apiKeys: [apiKey],
    seed: 11,
    latency: { minMs: 200, maxMs: maxLatencyMs },
    credits: 1_000_000_000,
    maxRecords: 200_000,
    // lemlist's own retry policy is not documented: retry for about a minute, so that the
    // results of leads sent before a kill reach the restarted program by webhook.
    webhooks: { retries: 7, baseDelayMs: retryBaseMs }
  })
})
afterAll(async () => {
  await mock.close()
})
afterEach(() => {
  for (const child of children.splice(0)) child.process.kill("SIGKILL")
  mock.server.handle.reset()
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

const harness = (leads: number): Harness => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lemlist-crash-"))
  dirs.push(dir)
  const journal = path.join(dir, "run.sqlite")
  return {
    mock,
    apiKey,
    journal,
    leads,
    start: () => {
      const child = spawnTsx(root, program, [mock.apiUrl, apiKey, journal, String(leads)])
      children.push(child)
      return child
    }
  }
}

describe("Enrichment.run killed with SIGKILL at chosen phases and at random, then resumed", () => {
  it("every lead one outcome, none sent twice, no never-sent lead Undetermined, no 429 of our making", async () => {
    const h = harness(2_000)
    const killed = await killAtPhases(h, 2)
    const last = await h.start().exited
    expect(last.code, last.stderr).toBe(0)
    const counts: Record<string, number> = JSON.parse(last.stdout.trim().split("\n").at(-1)!)
    expect(Object.values(counts).reduce((a, b) => a + b, 0), "the last run emitted every lead").toBe(h.leads)
    const checked = await checkResumed(h, killed)
    console.log(
      `[crash library] leads=${h.leads} phases=${JSON.stringify(killed.phases)} outcomes=${JSON.stringify(checked.final.outcomes)} ` +
        `undetermined=${checked.undetermined} created=${checked.created} requests=${checked.requests}`
    )
  }, 240_000)

  it("a restart with 5,000 leads pending collects them by webhook, within 2 x latency + the webhook retry delays", async () => {
    const h = harness(5_000)
    let pending = 0
    const s = await killWhen(h, async () => {
      if (bulkStatuses(h).length < 10) return false
      const j = await summary(h.journal)
      pending = j.submitted
      return j.total === h.leads && j.submitting === 0
    })
    expect(s.total, "every lead sent before the kill").toBe(h.leads)
    expect(s.submitted, "most results still pending").toBeGreaterThan(h.leads / 2)
    const requestsBefore = mock.server.handle.requests().length

    const child = h.start()
    await until(() => child.output().stdout.includes("receiver "), { child, everyMs: 5 })
    const listening = Date.now()
    const exit = await child.exited
    const resumeMillis = Date.now() - listening
    expect(exit.code, exit.stderr).toBe(0)
    expect((await summary(h.journal)).done).toBe(h.leads)
    const since = mock.server.handle.requests().slice(requestsBefore)
    expect(since.filter((r) => r.method === "GET" && r.route === "getEnrichment").length, "collected by webhook, not by polling")
      .toBe(0)
    // A failed delivery is retried 0.5, 1, 2, 4… s later: the restarted program waits at most the
    // latency of the last results plus the retry delay that applied to the latest retry it got.
    const lastAttempt = Math.max(...mock.server.handle.deliveries().filter((d) => d.ok).map((d) => d.attempt))
    const retryDelay = lastAttempt > 1 ? retryBaseMs * 2 ** (lastAttempt - 2) : 0
    const bound = 2 * maxLatencyMs + retryDelay
    expect(resumeMillis).toBeLessThan(bound)
    console.log(
      `[crash library] restart with ${pending} pending: all collected in ${resumeMillis} ms ` +
        `(bound ${bound} ms: last webhook attempt ${lastAttempt}), polls 0`
    )
  }, 120_000)
})
