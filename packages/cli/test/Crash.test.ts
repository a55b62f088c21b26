/**
 * Reliability under crashes (issue 6): the `lemlist-enrich` process killed with SIGKILL at 10
 * random (seeded) moments of one run, then rerun until done, against a mock served by a
 * separate process (its state survives the kills, as lemlist's would).
 *
 * What must hold: the output is complete (every input row, once, in input order, each with an
 * outcome), and the mock's records show no lead submitted twice. A kill between "mark
 * submitting" and "record ids" in the journal leaves those leads `Undetermined` on rerun, by
 * design (they are not resent): their number is printed.
 *
 * Results come by polling (no `--webhook-url`: the CLI's default against a base URL), paced
 * by the CLI at lemlist's 10 requests per second, under the mock's real rate limit.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { resultColumns } from "../src/Output.js"
import { parseCsv, tempDir, writeFile } from "./support/cli.js"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const apiKey = "crash-test-key"
const ROWS = Number(process.env.CRASH_ROWS ?? 300)
const KILLS = 10
const SEED = Number(process.env.CRASH_SEED ?? 20261126)

/** mulberry32: a small seeded generator for the kill moments. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** `node --import tsx <script>`: one process, so SIGKILL hits the program itself (the tsx CLI would leave a child behind). */
const node = (script: string, args: ReadonlyArray<string>, env: Record<string, string> = {}): ChildProcess =>
  spawn(process.execPath, ["--import", "tsx", path.join(root, script), ...args], {
    cwd: root,
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"]
  })

interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly millis: number
}

const finished = (child: ChildProcess): Promise<Exit> => {
  const started = Date.now()
  let stdout = "", stderr = ""
  child.stdout!.on("data", (d) => (stdout += d))
  child.stderr!.on("data", (d) => (stderr += d))
  return new Promise((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr, millis: Date.now() - started }))
  )
}

let mock: { readonly proc: ChildProcess; readonly url: string; readonly apiUrl: string } | undefined

const admin = async <A>(route: string): Promise<A> => {
  const res = await fetch(`${mock!.url}/__mock/${route}`)
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status}`)
  return await res.json() as A
}

interface Created {
  readonly id: string
  readonly metadata?: unknown
}
interface Recorded {
  readonly method: string
  readonly route?: string
  readonly status: number
}

beforeAll(async () => {
  const proc = node("mock-server/src/bin.ts", [
    "--port", "0", "--seed", "7", "--api-key", apiKey, "--latency", "0-2000", "--credits", "10000000"
  ])
  const url = await new Promise<string>((resolve, reject) => {
    let out = ""
    const timer = setTimeout(() => reject(new Error(`the mock did not start: ${out}`)), 30_000)
    proc.stdout!.on("data", (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    proc.stderr!.on("data", (d) => (out += d))
    proc.on("exit", (code) => reject(new Error(`the mock exited (${code}): ${out}`)))
  })
  mock = { proc, url, apiUrl: `${url}/api` }
}, 60_000)

afterAll(async () => {
  if (mock && mock.proc.exitCode === null) {
    const exited = new Promise((resolve) => mock!.proc.on("exit", resolve))
    mock.proc.kill("SIGTERM")
    await exited
  }
})

describe("lemlist-enrich run, killed with SIGKILL at 10 random moments, then rerun until done", () => {
  it("writes every row once, in order, with an outcome; the mock saw no lead submitted twice", async () => {
    const dir = tempDir()
    const header = "First Name,Last Name,Company,Website"
    const rows = Array.from({ length: ROWS }, (_, i) => `First${i},Last${i},Crash Co ${i % 13},crash${i % 13}.example`)
    const input = writeFile(dir, "leads.csv", [header, ...rows].join("\n") + "\n")
    const out = path.join(dir, "enriched.csv")
    const journal = path.join(dir, "run.journal.sqlite")
    const argv = ["run", input, "--types", "find_email", "--out", out, "--journal", journal, "--yes", "--json"]
    const env = { LEMLIST_API_KEY: apiKey, LEMLIST_BASE_URL: mock!.apiUrl }

    const random = rng(SEED)
    const kills: Array<{ afterMs: number; killed: boolean; created: number; requests: number }> = []
    for (let i = 0; i < KILLS; i++) {
      // From start-up (tsx, scan) to well into the collection: submit, polls, journal writes.
      const afterMs = Math.round(300 + random() * 3_200)
      const child = node("packages/cli/src/bin.ts", argv, env)
      const timer = setTimeout(() => child.kill("SIGKILL"), afterMs)
      const exit = await finished(child)
      clearTimeout(timer)
      const created = (await admin<Array<Created>>(`enrichments?apiKey=${apiKey}`)).length
      const requests = (await admin<Array<Recorded>>("requests")).length
      kills.push({ afterMs, killed: exit.signal === "SIGKILL", created, requests })
      if (exit.signal !== "SIGKILL") {
        // It finished before its kill: nothing left to interrupt.
        expect(exit.code, exit.stderr).toBeLessThanOrEqual(3)
        break
      }
    }

    // Rerun until done.
    let reruns = 0
    let last: Exit | undefined
    for (; reruns < 5; reruns++) {
      last = await finished(node("packages/cli/src/bin.ts", argv, env))
      if (last.signal === null) break
    }
    expect(last?.signal, last?.stderr).toBeNull()
    const summary = JSON.parse(last!.stdout)

    // The output: every input row, once, in order, with an outcome.
    const written: Array<Array<string>> = parseCsv(fs.readFileSync(out))
    expect(written[0]).toEqual([...header.split(","), ...resultColumns])
    expect(written.length - 1).toBe(ROWS)
    const outcomeCol = written[0]!.indexOf("lemlist_outcome")
    for (let i = 0; i < ROWS; i++) {
      expect(written[i + 1]!.slice(0, 4).join(","), `row ${i + 1}`).toBe(rows[i])
      expect(written[i + 1]![outcomeCol], `row ${i + 1}`).toMatch(/^(Enriched|NotFound|Failed|Undetermined)$/)
    }
    const outcomes: Record<string, number> = {}
    for (const row of written.slice(1)) outcomes[row[outcomeCol]!] = (outcomes[row[outcomeCol]!] ?? 0) + 1

    // The mock's records: no lead submitted twice.
    const created = await admin<Array<Created>>(`enrichments?apiKey=${apiKey}`)
    const keys = created.map((e) => e.metadata)
    expect(new Set(keys).size, "no lead submitted twice").toBe(keys.length)
    const results = (outcomes.Enriched ?? 0) + (outcomes.NotFound ?? 0)
    expect(keys.length).toBeGreaterThanOrEqual(results)
    expect(keys.length).toBeLessThanOrEqual(ROWS)
    // Every lead is accounted for: a result, or undetermined (a kill mid-submit), or failed.
    expect(results + (outcomes.Undetermined ?? 0) + (outcomes.Failed ?? 0)).toBe(ROWS)

    const requests = await admin<Array<Recorded>>("requests")
    const count = (f: (r: Recorded) => boolean) => requests.filter(f).length
    console.log(
      `[crash] rows=${ROWS} kills=${kills.filter((k) => k.killed).length} at=${JSON.stringify(kills.map((k) => k.afterMs))}ms ` +
        `createdAfterEachKill=${JSON.stringify(kills.map((k) => k.created))} reruns=${reruns + 1} ` +
        `outcomes=${JSON.stringify(outcomes)} undetermined=${outcomes.Undetermined ?? 0} created=${keys.length} ` +
        `distinctLeadsCreated=${new Set(keys).size} requests=${requests.length} requestsAfterEachKill=${JSON.stringify(kills.map((k) => k.requests))} bulk=${count((r) => r.route === "bulk")} ` +
        `polls=${count((r) => r.route === "getEnrichment")} 429s=${count((r) => r.status === 429)} ` +
        `finalRun=${last!.millis}ms exit=${last!.code} resumed=${summary.resumed ?? "?"}`
    )
  }, 240_000)
})
