/**
 * Crash and resume, the command line (issue 10): `lemlist-enrich run` with results by webhook
 * (`--webhook-url` on a loopback port, the receiver's token kept in the journal), killed with
 * SIGKILL at chosen phases and at random (`test/support/crashPhases.ts`), then run to its end.
 * The output must hold every input row once, in order, with an outcome. The library's twin is
 * `Crash.test.ts`.
 *
 * And stopped by a person: Ctrl-C (SIGINT) or SIGTERM with a request on the wire waits for its
 * answer and records it; a second Ctrl-C quits at once and leaves that request in doubt.
 */
import { spawnTsx, until } from "@lemlist-effect/contract-tests/Processes"
import { parse as parseCsv } from "csv-parse/sync"
import * as fs from "node:fs"
import { createServer } from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { bulkStatuses, checkResumed, crashSuite, created, type Harness, journalKeys, killAtPhases, summary } from "./support/crashPhases.js"

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

/** `rows` leads in a CSV file, and the command on them (`extra` flags added) against the suite's mock. */
const command = (rows: number, extra: ReadonlyArray<string> = []) => {
  const mock = suite.mock()
  const dir = suite.tempDir()
  const header = "First Name,Last Name,Company,Website"
  const lines = Array.from({ length: rows }, (_, i) => `First${i},Last${i},Crash Co ${i % 13},crash${i % 13}.example`)
  const input = path.join(dir, "leads.csv")
  fs.writeFileSync(input, [header, ...lines].join("\n") + "\n")
  const out = path.join(dir, "enriched.csv")
  const journal = path.join(dir, "run.journal.sqlite")
  const argv = ["run", input, "--types", "find_email", "--out", out, "--journal", journal, "--yes", "--json", ...extra]
  const h: Harness = {
    mock,
    apiKey,
    journal,
    leads: rows,
    start: () => suite.track(spawnTsx(root, bin, argv, { LEMLIST_API_KEY: apiKey, LEMLIST_BASE_URL: mock.apiUrl }))
  }
  /** The output's rows: each input row in order, and its outcome. */
  const written = () => {
    const csv: Array<Array<string>> = parseCsv(fs.readFileSync(out))
    const outcome = csv[0]!.indexOf("lemlist_outcome")
    return csv.slice(1).map((row) => ({ row: row.slice(0, 4).join(","), outcome: row[outcome]! }))
  }
  return { h, lines, out, written }
}

describe("lemlist-enrich run killed with SIGKILL at chosen phases and at random, then resumed", () => {
  it("writes every row once, in order, with an outcome; none sent twice; Undetermined only where a kill caught a request", async () => {
    const port = await freePort()
    const { h, lines, written } = command(ROWS, ["--webhook-url", `http://127.0.0.1:${port}/hooks`, "--webhook-port", String(port)])

    const killed = await killAtPhases(h, 2)
    const last = await h.start().exited
    expect(last.code, last.stderr).toBeLessThanOrEqual(1) // 1: some leads failed (the undetermined)
    const checked = await checkResumed(h, killed)

    const rows = written()
    expect(rows.length, "every input row, once").toBe(ROWS)
    for (let i = 0; i < ROWS; i++) {
      expect(rows[i]!.row, `row ${i + 1} in input order`).toBe(lines[i])
      expect(rows[i]!.outcome, `row ${i + 1}`).toMatch(/^(Enriched|NotFound|Undetermined)$/)
    }
    console.log(
      `[crash cli] rows=${ROWS} phases=${JSON.stringify(killed.phases)} outcomes=${JSON.stringify(checked.final.outcomes)} ` +
        `undetermined=${checked.undetermined} (never processed by the mock: ${checked.neverProcessed}) created=${checked.created} requests=${checked.requests} ` +
        `summary=${last.stdout.trim().split("\n").at(-1)}`
    )
  }, 300_000)
})

describe("lemlist-enrich run stopped by a person: Ctrl-C and SIGTERM", () => {
  /**
   * Starts the command on 1,000 rows with the first bulk call's answer held `slowMs` by the mock
   * (the call processed at once, as lemlist would), and resolves once that call is on the wire:
   * its 500 leads marked `submitting` in the journal and created at the mock.
   */
  const onTheWire = async (slowMs: number) => {
    // Results by webhook (polling 1,000 leads takes 100 s at the key's 10 requests per second):
    // those of a stopped command are retried by the mock until the rerun's receiver takes them.
    const port = await freePort()
    const c = command(1_000, ["--webhook-url", `http://127.0.0.1:${port}/hooks`, "--webhook-port", String(port)])
    const { handle } = c.h.mock.server
    handle.setOptions({ faults: { slowMs } })
    handle.injectFault({ fault: "slow", route: "bulk" })
    const child = c.h.start()
    const reached = await until(
      async () => fs.existsSync(c.h.journal) && created(c.h).length >= 500 && (await summary(c.h.journal)).submitting === 500,
      { child }
    )
    expect(reached, `never on the wire: ${child.output().stderr}`).toBe(true)
    const wire = await journalKeys(c.h.journal, "state", "submitting")
    /** The held answer has left the mock. */
    const answered = () => handle.requests().some((r) => r.route === "bulk" && r.fault === "slow")
    return { ...c, child, wire, answered }
  }

  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s with a request on the wire: says it stops, waits for the answer and records it, exits 130; the rerun sends nothing twice",
    async (signal) => {
      const { answered, child, h, lines, wire, written } = await onTheWire(5_000)
      child.process.kill(signal)
      const said = signal === "SIGINT"
        ? "Stopping: a request on the wire is answered and recorded first. Ctrl-C again quits at once (its leads then end Undetermined)."
        : "Stopping (SIGTERM): a request on the wire is answered and recorded first."
      expect(await until(() => child.output().stderr.includes(said), { child }), child.output().stderr).toBe(true)
      expect(answered(), "said at once, while the answer was still held").toBe(false)
      const exit = await child.exited
      expect(exit.code, exit.stderr).toBe(130)
      expect(answered(), "the command waited for the answer").toBe(true)
      expect(exit.stderr).toMatch(
        /Interrupted: [\d,]+ of 1,000 leads have an outcome, recorded in .*run\.journal\.sqlite\. Rerun the same command to continue\./
      )
      expect((await summary(h.journal)).submitting, "nothing left in doubt").toBe(0)
      const recorded = new Set([...await journalKeys(h.journal, "state", "submitted"), ...await journalKeys(h.journal, "state", "done")])
      expect(wire.filter((key) => !recorded.has(key)), "the answer's ids recorded").toEqual([])

      const before = h.mock.server.handle.requests().length
      const last = await h.start().exited
      expect(last.code, last.stderr).toBe(0)
      // The results that beat the held answer were answered 503 by the stopping command (a 200
      // would have lost them with it), so lemlist's retries bring them to the rerun too.
      const polls = h.mock.server.handle.requests().slice(before).filter((r) => r.route === "getEnrichment")
      expect(polls.length, "collected by webhook, none left to poll after the 2-minute grace").toBe(0)
      const final = await summary(h.journal)
      expect([final.done, final.outcomes.Undetermined ?? 0], "every lead an outcome, none in doubt").toEqual([1_000, 0])
      const keys = created(h)
      expect([keys.length, new Set(keys).size], "each lead created once").toEqual([1_000, 1_000])
      expect(written().map((r) => r.row), "every row, in order").toEqual(lines)
      expect(bulkStatuses(h).filter((st) => st === 429), "no 429").toEqual([])
    },
    60_000
  )

  it("a second Ctrl-C quits at once: the request on the wire is left in doubt, its leads Undetermined on the rerun, none sent twice", async () => {
    const { answered, child, h, lines, wire, written } = await onTheWire(8_000)
    child.process.kill("SIGINT")
    expect(await until(() => child.output().stderr.includes("Stopping: "), { child }), child.output().stderr).toBe(true)
    child.process.kill("SIGINT")
    const exit = await child.exited
    expect(exit.code, exit.stderr).toBe(130)
    expect(answered(), "quit before the answer").toBe(false)
    expect(new Set(await journalKeys(h.journal, "state", "submitting")), "the request on the wire left in doubt").toEqual(new Set(wire))

    const last = await h.start().exited
    expect(last.code, `1: some leads failed (the Undetermined): ${last.stderr}`).toBe(1)
    const final = await summary(h.journal)
    expect(final.done).toBe(1_000)
    expect(new Set(await journalKeys(h.journal, "outcome_tag", "Undetermined")), "exactly the leads on the wire").toEqual(new Set(wire))
    const keys = created(h)
    expect([keys.length, new Set(keys).size], "each lead created once (the doubtful ones not resent)").toEqual([1_000, 1_000])
    const rows = written()
    expect(rows.map((r) => r.row), "every row, in order").toEqual(lines)
    expect(rows.filter((r) => r.outcome === "Undetermined").length).toBe(500)
    // The mock answers the dead connection in its time: waited for, so that the suite's reset
    // after this test leaves nothing behind.
    expect(await until(answered, { timeoutMs: 20_000 })).toBe(true)
  }, 60_000)
})
