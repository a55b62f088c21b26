/**
 * Scenario 3, memory: peak RSS (`process.resourceUsage().maxRSS`) of a process that streams N
 * leads, for two sizes, as a ratio (goal: the larger under 1.3 times the smaller):
 *  - from a generator through `Enrichment.run` (SQLite journal in a temp dir, since the
 *    memory journal keeps every outcome by design), against the mock served in its own
 *    process, limit off, latency 0, results by webhook;
 *  - from a CSV file through the CLI (`lemlist-enrich run`, called in-process on its embedded
 *    mock with the limit off, CSV output and SQLite journal in a temp dir).
 * Every measurement is a fresh child process, so that peaks do not carry over.
 */
import * as Cli from "@lemlist-effect/cli/Cli"
import * as CliIo from "@lemlist-effect/cli/CliIo"
import { RequestPacer } from "@lemlist-effect/enrich"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { emit, isMain, log, machine, median, parseArgs, report, runTs, type ScenarioResult } from "../lib/common.js"
import { leadInput } from "../lib/leads.js"
import { limitOff, runLibrary } from "../lib/library.js"
import { startMock } from "../lib/mockChild.js"

const KEY = "bench-memory"
const self = new URL(import.meta.url).pathname

interface Measure {
  readonly source: "generator" | "csv"
  readonly leads: number
  readonly peakRssMb: number
  /** RSS once everything is imported, before the run. */
  readonly startRssMb: number
  readonly wallS: number
  readonly outcomes: number
  readonly exitCode?: number
  readonly summary?: unknown
}

const mb = (kb: number) => kb / 1024

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

/** One measurement, in this (fresh) process. */
const worker = async (source: "generator" | "csv", n: number): Promise<Measure> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lemlist-bench-mem-"))
  try {
    if (source === "generator") {
      const mock = await startMock({ apiKeys: [KEY], seed: 7, latency: 0, credits: 1e12, retentionMs: 5_000, rateLimit: { enabled: false, limit: 1_000_000 } })
      try {
        const startRssMb = process.memoryUsage().rss / 2 ** 20
        const t0 = performance.now()
        const run = await runLibrary({
          apiUrl: mock.apiUrl,
          apiKey: KEY,
          n,
          pacing: limitOff,
          receiver: "mounted",
          journal: JournalSqlite.layer({ filename: path.join(dir, "journal.sqlite") }),
          onTick: (o) => log(`generator ${n}: ${o} outcomes, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`)
        })
        return { source, leads: n, peakRssMb: mb(process.resourceUsage().maxRSS), startRssMb, wallS: (performance.now() - t0) / 1000, outcomes: run.outcomes }
      } finally {
        await mock.close()
      }
    }
    const csv = path.join(dir, "leads.csv")
    await writeCsv(csv, n)
    const io = CliIo.capture({ env: {} })
    const startRssMb = process.memoryUsage().rss / 2 ** 20
    const t0 = performance.now()
    const ticker = setInterval(() => log(`csv ${n}: rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`), 5000)
    const code = await Effect.runPromise(
      Cli.main(["run", csv, "--types", "find_email", "--out", path.join(dir, "out.csv"), "--yes", "--json", "--mock"], {
        mock: {
          options: { latency: 0, credits: 1e12, retentionMs: 5_000, rateLimit: { enabled: false, limit: 1_000_000 } }
        }
      }).pipe(Effect.provide(Layer.merge(CliIo.layer(io.service), RequestPacer.layer(limitOff))))
    ).finally(() => clearInterval(ticker))
    // 1 = finished, some leads failed (still a complete run for memory's sake; the summary says why).
    if (code !== 0 && code !== 1) throw new Error(`the CLI ended with ${code}: ${io.err().slice(-2000)} ${io.out().slice(-2000)}`)
    const summary = JSON.parse(io.out().trim().split("\n").pop()!) as Record<string, unknown>
    const lines = fs.readFileSync(path.join(dir, "out.csv"), "utf8").split("\n").filter((l) => l.length > 0).length - 1
    if (lines !== n) throw new Error(`the CLI wrote ${lines} rows of ${n}: ${JSON.stringify(summary)}`)
    return { source, leads: n, peakRssMb: mb(process.resourceUsage().maxRSS), startRssMb, wallS: (performance.now() - t0) / 1000, outcomes: lines, exitCode: code, summary }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export const main = async () => {
  const args = parseArgs()
  const worked = args.named.get("worker")
  if (worked === "generator" || worked === "csv") {
    emit(await worker(worked, Number(args.named.get("leads"))))
    return
  }
  const sizes = {
    generator: args.quick ? [500, 2_500] : [100_000, 1_000_000],
    csv: args.quick ? [200, 1_000] : [5_000, 50_000]
  }
  const sizesOf = (name: string) => args.named.get(name)?.split(",").map(Number) as [number, number] | undefined
  sizes.generator = sizesOf("generator-sizes") ?? sizes.generator
  sizes.csv = sizesOf("csv-sizes") ?? sizes.csv
  const sources = (args.named.get("sources")?.split(",") ?? ["generator", "csv"]) as Array<"generator" | "csv">
  const runs = Number(args.named.get("runs") ?? 1)
  const all: Array<Measure> = []
  const measure = async (source: "generator" | "csv", n: number) => {
    const m = await runTs<Measure>(self, ["--worker", source, "--leads", String(n)], { nodeFlags: ["--max-old-space-size=4096"] })
    log(`memory ${source} ${n}: peak RSS ${m.peakRssMb.toFixed(0)} MB (start ${m.startRssMb.toFixed(0)} MB), ${m.wallS.toFixed(1)} s`)
    all.push(m)
  }
  if (args.quick) {
    // Quick: the four measurements at once (peak RSS hardly depends on CPU contention).
    await Promise.all(sources.flatMap((source) => sizes[source].map((n) => measure(source, n))))
  } else {
    for (const source of sources) {
      for (const n of sizes[source]) for (let r = 0; r < runs; r++) await measure(source, n)
    }
  }
  const peak = (source: string, n: number) => median(all.filter((m) => m.source === source && m.leads === n).map((m) => m.peakRssMb))
  const [gs, gl] = sizes.generator as [number, number]
  const [cs, cl] = sizes.csv as [number, number]
  const gRatio = peak("generator", gl) / peak("generator", gs)
  const cRatio = peak("csv", cl) / peak("csv", cs)
  const k = (n: number) => n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`
  const result: ScenarioResult = {
    scenario: "memory",
    title: "3. Memory: peak RSS streaming leads (limit off, latency 0, webhooks)",
    quick: args.quick,
    runs,
    figures: {
      [`generator ${k(gs)} MB`]: peak("generator", gs),
      [`generator ${k(gl)} MB`]: peak("generator", gl),
      "generator ratio": gRatio,
      [`CLI csv ${k(cs)} MB`]: peak("csv", cs),
      [`CLI csv ${k(cl)} MB`]: peak("csv", cl),
      "CLI csv ratio": cRatio
    },
    goals: [
      { name: `generator: peak RSS ${k(gl)} / ${k(gs)}`, target: "< 1.3", value: gRatio, met: gRatio < 1.3 },
      { name: `CLI csv: peak RSS ${k(cl)} / ${k(cs)}`, target: "< 1.3", value: cRatio, met: cRatio < 1.3 }
    ],
    details: { machine: machine(), measures: all },
    notes: [
      "generator: SQLite journal (the memory journal keeps every outcome by design), receiver handler mounted on node:http",
      `CLI: ${k(cs)} and ${k(cl)} rows (not 100k/1M): the CLI's receiver (WebhookReceiver.layerServer) takes ~1 ms of CPU per webhook in the same process as the embedded mock`
    ]
  }
  report(args, result)
}

if (isMain(import.meta.url)) await main()
