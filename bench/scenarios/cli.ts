/**
 * Scenario 8, the command line at scale (issue 14, goal 5): writes a CSV of 1,000,000 rows
 * (5,000 in `--quick`) to a temp dir and runs `lemlist-enrich run` on it as a child process
 * (`node --import tsx bench/lib/cliBin.ts`: `packages/cli/src/bin.ts` with the embedded mock's
 * credits raised), against the embedded mock with lemlist's real limit (20 requests per 2 s)
 * and its default latency (0.2 to 3 s), results by webhook to the command's own loopback
 * receiver. Records the wall time (spawn to exit) against the theoretical minimum
 * (ceil(rows / 500) bulk requests at 10 per second: 200 s for 1,000,000 rows; goal ≤ 1.3x),
 * the command's peak RSS (goal < 1 GB), and that the output is complete: every row, in input
 * order, none `Pending`. The temp dir (CSV, output, journal) is removed at the end.
 *
 * `--backend served` runs the mock in its own process instead (bin.ts unchanged, with
 * `LEMLIST_API_KEY`, `LEMLIST_BASE_URL` and `--webhook-url`), to tell the command's memory from
 * the embedded mock's.
 *
 *   node --import tsx bench/scenarios/cli.ts [--quick] [--rows N] [--types find_email] [--backend embedded|served]
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import { isMain, log, machine, parseArgs, report, resultMarker, type ScenarioResult, scriptPath, spawnTs } from "../lib/common.js"
import { leadInput } from "../lib/leads.js"
import { startMock } from "../lib/mockChild.js"

const MB = 2 ** 20
const KEY = "bench-cli"
/** The embedded mock's defaults (`embeddedMockDefaults` in packages/cli/src/Backend.ts), for `--backend served`. */
const servedMock = {
  seed: 42,
  latency: { minMs: 200, maxMs: 3000 },
  rateLimit: { enabled: true, limit: 20, windowMs: 2000 },
  webhooks: { forgetDelivered: true }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const writeCsv = async (file: string, n: number) => {
  const out = fs.createWriteStream(file)
  out.write("First Name,Last Name,Company,Website\n")
  for (let i = 0; i < n; i += 1000) {
    let buf = ""
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const l = leadInput(j)
      buf += `${l.firstName},${l.lastName},${l.companyName},https://www.${l.companyDomain}/about\n`
    }
    if (!out.write(buf)) await new Promise<void>((r) => out.once("drain", () => r()))
  }
  await new Promise<void>((r) => out.end(r))
}

/** The fields of one CSV line (quotes per RFC 4180; no line breaks inside fields here). */
const fields = (line: string): Array<string> => {
  const out: Array<string> = []
  let i = 0
  while (i <= line.length) {
    if (line[i] === "\"") {
      let value = ""
      i++
      for (;;) {
        const q = line.indexOf("\"", i)
        if (q < 0) {
          value += line.slice(i)
          i = line.length
          break
        }
        value += line.slice(i, q)
        if (line[q + 1] === "\"") {
          value += "\""
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
      out.push(value)
      i++ // the comma
    } else {
      const c = line.indexOf(",", i)
      const end = c < 0 ? line.length : c
      out.push(line.slice(i, end))
      i = end + 1
    }
  }
  return out
}

/** Reads the output: rows, whether each is the input's row at its place, outcomes by tag. */
const checkOutput = async (file: string, n: number) => {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  let header: Array<string> | undefined
  let outcomeAt = -1
  let rows = 0
  let inOrder = 0
  let firstMisplaced: string | undefined
  const outcomes: Record<string, number> = {}
  for await (const line of lines) {
    if (line.length === 0) continue
    if (header === undefined) {
      header = fields(line)
      outcomeAt = header.indexOf("lemlist_outcome")
      continue
    }
    const f = fields(line)
    const expected = leadInput(rows)
    if (f[0] === expected.firstName && f[1] === expected.lastName) inOrder++
    else firstMisplaced ??= `row ${rows}: ${line.slice(0, 80)}`
    const tag = f[outcomeAt] ?? "?"
    outcomes[tag] = (outcomes[tag] ?? 0) + 1
    rows++
  }
  if (outcomeAt < 0) throw new Error(`no lemlist_outcome column in ${JSON.stringify(header)}`)
  return { rows, inOrder, complete: rows === n && inOrder === n && (outcomes.Pending ?? 0) === 0, outcomes, firstMisplaced }
}

interface CliRun {
  readonly exitCode: number
  readonly wallS: number
  readonly peakRssMb: number
  readonly cpuS: number
  /** The command's `--json` summary. */
  readonly summary: Record<string, unknown>
}

const runCli = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawnTs(scriptPath("lib/cliBin.ts"), args, {
      env,
      timeoutMs: 90 * 60_000
    })
    let result: { exitCode: number; peakRssKb: number; cpuMs: number } | undefined
    let summary: Record<string, unknown> | undefined
    const lines = readline.createInterface({ input: child.stdout! })
    lines.on("line", (line) => {
      if (line.startsWith(resultMarker)) result = JSON.parse(line.slice(resultMarker.length))
      else if (line.startsWith("{")) summary = JSON.parse(line)
      else if (line.trim().length > 0) process.stderr.write(`  | ${line}\n`)
    })
    const ticker = setInterval(() => {
      let rss = "?"
      try {
        rss = fs.readFileSync(`/proc/${child.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1] ?? "?"
      } catch {
        // not Linux, or already gone
      }
      log(`cli: ${((performance.now() - t0) / 1000).toFixed(0)} s, rss ${rss === "?" ? rss : (Number(rss) / 1024).toFixed(0)} MB`)
    }, 10_000)
    child.once("error", reject)
    child.once("close", (code, signal) => {
      clearInterval(ticker)
      const wallS = (performance.now() - t0) / 1000
      if (result === undefined || summary === undefined) {
        return reject(new Error(`lemlist-enrich ${args.join(" ")} ended with ${signal ?? `code ${code}`} and no ${result === undefined ? "result" : "summary"}`))
      }
      resolve({ exitCode: result.exitCode, wallS, peakRssMb: result.peakRssKb / 1024, cpuS: result.cpuMs / 1000, summary })
    })
  })

export const main = async () => {
  const args = parseArgs()
  // Quick: 5,000 rows (the command costs about 1.6 ms of CPU per row with the embedded mock, so
  // 20,000 rows took 48 s on the loaded machine, too long for the quick bench's ~90 s).
  const rows = Number(args.named.get("rows") ?? (args.quick ? 5_000 : 1_000_000))
  const types = args.named.get("types") ?? "find_email"
  const backend = args.named.get("backend") === "served" ? "served" : "embedded"
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lemlist-bench-cli-"))
  const cleanUp = () => fs.rmSync(dir, { recursive: true, force: true })
  process.once("exit", cleanUp)
  try {
    const csv = path.join(dir, "leads.csv")
    const out = path.join(dir, "leads-enriched.csv")
    await writeCsv(csv, rows)
    log(`cli: ${rows} rows written (${(fs.statSync(csv).size / MB).toFixed(0)} MB)`)
    const common = ["run", csv, "--types", types, "--out", out, "--yes", "--json"]
    const run = backend === "embedded"
      ? await runCli([...common, "--mock"], { LEMLIST_API_KEY: undefined, LEMLIST_BENCH_MOCK_CREDITS: String(rows * 20 + 1_000) })
      : await (async () => {
        // The mock in its own process (as lemlist would be), results by webhook to the
        // command's --webhook-url receiver on a free port: what the command itself holds.
        const port = await freePort()
        const mock = await startMock({ ...servedMock, apiKeys: [KEY], credits: rows * 20 + 1_000 })
        try {
          return await runCli([...common, "--webhook-url", `http://127.0.0.1:${port}/lemlist-webhooks`, "--webhook-port", String(port)], {
            LEMLIST_API_KEY: KEY,
            LEMLIST_BASE_URL: mock.apiUrl
          })
        } finally {
          await mock.close()
        }
      })()
    // 0: every lead enriched or settled; 1: finished, some leads failed (still a complete output).
    if (run.exitCode !== 0 && run.exitCode !== 1) throw new Error(`lemlist-enrich ended with ${run.exitCode}: ${JSON.stringify(run.summary)}`)
    const outputMb = fs.statSync(out).size / MB
    const journal = typeof run.summary.journal === "string" ? run.summary.journal : ""
    const journalMb = fs.existsSync(journal) ? fs.statSync(journal).size / MB : NaN
    const check = await checkOutput(out, rows)
    log(`cli: ${run.wallS.toFixed(1)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB, ${check.rows} rows (${check.inOrder} in order) ${JSON.stringify(check.outcomes)}`)
    const minS = Math.ceil(rows / 500) / 10
    const ratio = run.wallS / minS
    const k = (n: number) => n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`
    const result: ScenarioResult = {
      scenario: "cli",
      title: `8. Command line at scale: ${k(rows)} CSV rows, ${backend === "embedded" ? "embedded mock" : "mock in its own process"}, real 20/2 s limit`,
      quick: args.quick,
      runs: 1,
      figures: {
        rows,
        "wall s": run.wallS,
        "theoretical min s": minS,
        "wall/min": ratio,
        "run s (summary)": Number(run.summary.elapsedMillis) / 1000,
        "CLI CPU s": run.cpuS,
        "peak RSS MB": run.peakRssMb,
        requests: Number(run.summary.requests),
        "429s": Number(run.summary.rateLimited),
        "output rows": check.rows,
        "rows in order": check.inOrder
      },
      goals: [
        { name: "wall time vs theoretical minimum", target: "≤ 1.3", value: ratio, met: ratio <= 1.3 },
        { name: "CLI peak RSS MB", target: "< 1024", value: run.peakRssMb, met: run.peakRssMb < 1024 },
        { name: "output complete, in order, none Pending (rows in order / rows)", target: "= 1", value: check.inOrder / rows, met: check.complete }
      ],
      details: {
        machine: machine(),
        backend,
        exitCode: run.exitCode,
        summary: run.summary,
        outcomes: check.outcomes,
        firstMisplaced: check.firstMisplaced,
        inputMb: fs.statSync(csv).size / MB,
        outputMb,
        journalMb
      },
      notes: backend === "embedded"
        ? [
          `lemlist-enrich run leads.csv --types ${types} --out ... --yes --json --mock, as a child process (bench/lib/cliBin.ts: bin.ts with the embedded mock's credits raised)`,
          "the embedded mock runs in the command's own process, with its defaults: real limit 20/2 s, latency 0.2-3 s, an enrichment forgotten once its webhook is delivered; wall time is spawn to exit (scan, run, output)"
        ]
        : [
          `LEMLIST_API_KEY=... LEMLIST_BASE_URL=<mock> lemlist-enrich run leads.csv --types ${types} --out ... --yes --json --webhook-url http://127.0.0.1:PORT/... --webhook-port PORT, as a child process`,
          "the mock in its own process with the embedded mock's defaults (real limit 20/2 s, latency 0.2-3 s, forgets delivered enrichments): the command's RSS without the mock's state"
        ]
    }
    report(args, result)
  } finally {
    cleanUp()
  }
}

if (isMain(import.meta.url)) await main()
