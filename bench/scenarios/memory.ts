/**
 * Scenario 3, memory (issue 14, goal 4): peak RSS (`process.resourceUsage().maxRSS`) of a
 * process that streams N leads to the mock and collects their results, for 100,000 and
 * 1,000,000 leads, on two sides doing the same job:
 *  - **baseline**: the plain fetch + promise-pool code of `bench/lib/baseline.ts` (no Effect);
 *  - **library**: `Enrichment.run` over a generator, as `bench/lib/library.ts` runs it
 *    (SQLite journal in a temp dir, receiver `WebhookReceiver.layerServer`).
 * Goals: the library's peak at most 1.5 times the baseline's at each size, and flat (1M / 100k
 * at most 1.1). Then the heap per lead in flight: heapUsed after a GC with `maxInFlight` leads
 * in flight (the mock holding their results back) minus heapUsed after a GC with none, divided.
 *
 * Every measurement is a fresh child process (`--worker baseline|library|inflight`) that
 * imports only its own side, so that a peak is its own; the mock runs in a process of its own
 * (`bench/lib/mockProcess.ts`), limit off, latency 0, results by webhook.
 *
 *   node --import tsx bench/scenarios/memory.ts [--quick] [--sizes 100000,1000000]
 *     [--sides baseline,library,inflight] [--max-in-flight 20000] [--cpu-prof-dir DIR] [--old-space-mb N]
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { emit, isMain, log, machine, parseArgs, report, runTs, type ScenarioResult } from "../lib/common.js"
import { startMock } from "../lib/mockChild.js"

const KEY = "bench-memory"
const self = new URL(import.meta.url).pathname
const MB = 2 ** 20

type Side = "baseline" | "library"

interface Measure {
  readonly side: Side
  readonly leads: number
  /** Peak RSS of the whole process, MB. */
  readonly peakRssMb: number
  /** RSS once this side's modules are imported, before the run, MB. */
  readonly startRssMb: number
  readonly wallS: number
  readonly cpuS: number
  /** Outcomes (library) or distinct results by webhook (baseline). */
  readonly results: number
  /** The library's outcomes by tag. */
  readonly byTag?: Record<string, number>
}

interface InFlight {
  readonly maxInFlight: number
  readonly inFlight: number
  readonly heapNoneMb: number
  readonly heapInFlightMb: number
  readonly externalNoneMb: number
  readonly externalInFlightMb: number
  readonly rssNoneMb: number
  readonly rssInFlightMb: number
  readonly heapBytesPerLead: number
}

const rssTicker = (label: string, progress: () => string) =>
  setInterval(() => log(`${label}: ${progress()}, rss ${(process.memoryUsage().rss / MB).toFixed(0)} MB`), 5000)

// ---- workers (each in its own process) ---------------------------------------------------------

const baselineWorker = async (apiUrl: string, n: number): Promise<Measure> => {
  const { runBaseline, tinyReceiver } = await import("../lib/baseline.js")
  const receiver = await tinyReceiver()
  const startRssMb = process.memoryUsage().rss / MB
  const ticker = rssTicker(`baseline ${n}`, () => `${receiver.seen.size} results`)
  try {
    const r = await runBaseline({ apiUrl, apiKey: KEY, n, receiver })
    if (r.results !== n) throw new Error(`baseline: ${r.results} results of ${n}`)
    return { side: "baseline", leads: n, peakRssMb: process.resourceUsage().maxRSS / 1024, startRssMb, wallS: r.wallMs / 1000, cpuS: r.cpuMs / 1000, results: r.results }
  } finally {
    clearInterval(ticker)
    await receiver.close()
  }
}

const libraryWorker = async (apiUrl: string, n: number): Promise<Measure> => {
  const { limitOff, runLibrary } = await import("../lib/library.js")
  const { JournalSqlite } = await import("@lemlist-effect/enrich/sqlite")
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lemlist-bench-mem-"))
  try {
    const startRssMb = process.memoryUsage().rss / MB
    let ticks = 0
    const r = await runLibrary({
      apiUrl,
      apiKey: KEY,
      n,
      pacing: limitOff,
      receiver: "layerServer",
      journal: JournalSqlite.layer({ filename: path.join(dir, "journal.sqlite") }),
      onTick: (o) => {
        if (++ticks % 5 === 0) log(`library ${n}: ${o} outcomes, rss ${(process.memoryUsage().rss / MB).toFixed(0)} MB`)
      }
    })
    if (r.outcomes !== n) throw new Error(`library: ${r.outcomes} outcomes of ${n}: ${JSON.stringify(r.byTag)}`)
    return { side: "library", leads: n, peakRssMb: process.resourceUsage().maxRSS / 1024, startRssMb, wallS: r.wallMs / 1000, cpuS: r.cpuMs / 1000, results: r.outcomes, byTag: r.byTag }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Heap per lead in flight: two warm-up runs of up to 2,000 leads to completion (latency 0), heapUsed after a GC (none
 * in flight); then the mock's latency set to 10 minutes and a run of `maxInFlight` leads,
 * heapUsed after a GC once the mock has accepted them all (all in flight), then exit.
 */
const inFlightWorker = async (mockUrl: string, maxInFlight: number): Promise<InFlight> => {
  const FetchHttpClient = await import("@effect/platform/FetchHttpClient")
  const { Enrichment, LemlistClient, RequestPacer, WebhookReceiver } = await import("@lemlist-effect/enrich")
  const { JournalSqlite } = await import("@lemlist-effect/enrich/sqlite")
  const { Effect, Fiber, Layer, Redacted, Stream } = await import("effect")
  const { limitOff } = await import("../lib/library.js")
  const { leads } = await import("../lib/leads.js")
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run the in-flight worker with --expose-gc")
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lemlist-bench-mem-"))
  const admin = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${mockUrl}/__mock${route}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
    })
    if (!res.ok) throw new Error(`${method} /__mock${route}: ${res.status}`)
    return res.json() as Promise<unknown>
  }
  const created = async () => {
    const all = (await admin("GET", "/stats")) as Record<string, { enrichmentsCreated: number }>
    return Object.values(all).reduce((s, t) => s + t.enrichmentsCreated, 0)
  }
  const memory = () => {
    gc()
    gc()
    const m = process.memoryUsage()
    return { heap: m.heapUsed / MB, external: m.external / MB, rss: m.rss / MB }
  }
  const layer = Layer.mergeAll(
    LemlistClient.layer({ apiKey: Redacted.make(KEY), baseUrl: `${mockUrl}/api` }).pipe(
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(RequestPacer.layer(limitOff))
    ),
    JournalSqlite.layer({ filename: path.join(dir, "journal.sqlite") }),
    WebhookReceiver.layerServer({ port: 0 })
  )
  const run = (n: number, offset: number) =>
    Enrichment.run(leads(n, offset), { types: ["find_email"], creditCheck: "off", total: n, maxInFlight }).pipe(Stream.runDrain)
  try {
    return await Effect.runPromise(Effect.scoped(
      Effect.gen(function*() {
        // Warm-up: the same code paths, to completion, so that compiled code is in both figures.
        yield* run(Math.min(maxInFlight, 2_000), 10_000_000)
        yield* run(Math.min(maxInFlight, 2_000), 20_000_000)
        const none = memory()
        yield* Effect.promise(() => admin("PUT", "/options", { latency: 600_000 }))
        const before = yield* Effect.promise(created)
        const fiber = yield* Effect.fork(run(maxInFlight, 30_000_000))
        const deadline = Date.now() + 180_000
        let inFlight = 0
        while ((inFlight = (yield* Effect.promise(created)) - before) < maxInFlight && Date.now() < deadline) {
          yield* Effect.sleep("200 millis")
        }
        yield* Effect.sleep("1 second") // the last answers decoded and recorded
        const busy = memory()
        yield* Effect.promise(() => admin("PUT", "/options", { latency: 0 }))
        yield* Fiber.interrupt(fiber).pipe(Effect.timeout("10 seconds"), Effect.ignore)
        return {
          maxInFlight,
          inFlight,
          heapNoneMb: none.heap,
          heapInFlightMb: busy.heap,
          externalNoneMb: none.external,
          externalInFlightMb: busy.external,
          rssNoneMb: none.rss,
          rssInFlightMb: busy.rss,
          heapBytesPerLead: ((busy.heap - none.heap) * MB) / inFlight
        }
      }).pipe(Effect.provide(layer))
    ))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// ---- the scenario ------------------------------------------------------------------------------

export const main = async () => {
  const args = parseArgs()
  const worker = args.named.get("worker")
  if (worker !== undefined) {
    const url = args.named.get("mock-url")!
    const n = Number(args.named.get("leads"))
    if (worker === "baseline") emit(await baselineWorker(`${url}/api`, n))
    else if (worker === "library") emit(await libraryWorker(`${url}/api`, n))
    else if (worker === "inflight") emit(await inFlightWorker(url, n))
    else throw new Error(`unknown worker ${worker}`)
    process.exit(0)
  }
  const sizes = args.named.get("sizes")?.split(",").map(Number) ?? (args.quick ? [500, 2_000] : [100_000, 1_000_000])
  if (sizes.length !== 2 || !sizes.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`--sizes takes two lead counts, the small and the large one (e.g. 100000,1000000); got ${args.named.get("sizes")}`)
  }
  const [small, large] = sizes as [number, number]
  const maxInFlight = Number(args.named.get("max-in-flight") ?? (args.quick ? 1_000 : 20_000))
  const sides = args.named.get("sides")?.split(",") ?? ["baseline", "library", "inflight"]
  // `--cpu-prof-dir DIR`: a V8 CPU profile of each measured worker (bench/lib/profile.ts reads them).
  const profileDir = args.named.get("cpu-prof-dir")
  // `--old-space-mb N`: cap V8's old space in the measured workers (how much of a peak is garbage not yet collected).
  const oldSpaceMb = args.named.get("old-space-mb")
  const mock = await startMock({ apiKeys: [KEY], seed: 7, latency: 0, credits: 1e12, retentionMs: 5_000, rateLimit: { enabled: false, limit: 1_000_000 } })
  const all: Array<Measure> = []
  let inFlight: InFlight | undefined
  const t0 = performance.now()
  // A measurement against a dead mock would wait for its results until the worker's timeout:
  // fail at once instead (the exit hook of bench/lib/common.ts kills the workers).
  const watchMock = setInterval(() => {
    try {
      process.kill(mock.pid, 0)
    } catch {
      log(`memory: the mock process (pid ${mock.pid}) has ended: stopping`)
      process.exit(1)
    }
  }, 2000)
  try {
    const measure = async (side: Side, n: number) => {
      const m = await runTs<Measure>(self, ["--worker", side, "--leads", String(n), "--mock-url", mock.url], {
        timeoutMs: 45 * 60_000,
        nodeFlags: [
          ...(profileDir === undefined ? [] : [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`]),
          ...(oldSpaceMb === undefined ? [] : [`--max-old-space-size=${oldSpaceMb}`])
        ]
      })
      log(`memory ${side} ${n}: peak RSS ${m.peakRssMb.toFixed(0)} MB (start ${m.startRssMb.toFixed(0)} MB), ${m.wallS.toFixed(1)} s, ${m.cpuS.toFixed(1)} s CPU`)
      all.push(m)
    }
    const measured = (["baseline", "library"] as const).filter((s) => sides.includes(s))
    const measureInFlight = async () => {
      if (!sides.includes("inflight")) return
      inFlight = await runTs<InFlight>(self, ["--worker", "inflight", "--leads", String(maxInFlight), "--mock-url", mock.url], {
        nodeFlags: ["--expose-gc"],
        timeoutMs: 10 * 60_000
      })
      log(`memory in flight: ${inFlight.inFlight} leads, heap ${inFlight.heapNoneMb.toFixed(1)} -> ${inFlight.heapInFlightMb.toFixed(1)} MB, ${inFlight.heapBytesPerLead.toFixed(0)} B/lead`)
    }
    if (args.quick) {
      // Quick: every measurement at once (peak RSS and heap after GC hardly depend on CPU contention).
      await Promise.all([...measured.flatMap((side) => [small, large].map((n) => measure(side, n))), measureInFlight()])
    } else {
      for (const n of [small, large]) for (const side of measured) await measure(side, n)
      await measureInFlight()
    }
  } finally {
    clearInterval(watchMock)
    await mock.close()
  }
  const peak = (side: Side, n: number) => all.find((m) => m.side === side && m.leads === n)?.peakRssMb ?? NaN
  const k = (n: number) => n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`
  const vsSmall = peak("library", small) / peak("baseline", small)
  const vsLarge = peak("library", large) / peak("baseline", large)
  const flat = peak("library", large) / peak("library", small)
  const result: ScenarioResult = {
    scenario: "memory",
    title: `3. Memory: peak RSS streaming ${k(small)} and ${k(large)} leads, library vs baseline (limit off, latency 0, webhooks)`,
    quick: args.quick,
    runs: 1,
    figures: {
      [`baseline ${k(small)} MB`]: peak("baseline", small),
      [`library ${k(small)} MB`]: peak("library", small),
      [`library/baseline ${k(small)}`]: vsSmall,
      [`baseline ${k(large)} MB`]: peak("baseline", large),
      [`library ${k(large)} MB`]: peak("library", large),
      [`library/baseline ${k(large)}`]: vsLarge,
      [`baseline ${k(large)}/${k(small)}`]: peak("baseline", large) / peak("baseline", small),
      [`library ${k(large)}/${k(small)}`]: flat,
      "baseline start MB": all.find((m) => m.side === "baseline")?.startRssMb ?? NaN,
      "library start MB": all.find((m) => m.side === "library")?.startRssMb ?? NaN,
      "leads in flight (maxInFlight)": inFlight?.inFlight ?? NaN,
      "heap bytes/lead in flight": inFlight?.heapBytesPerLead ?? NaN
    },
    goals: [
      { name: `library peak RSS / baseline's, ${k(small)}`, target: "≤ 1.5", value: vsSmall, met: vsSmall <= 1.5 },
      { name: `library peak RSS / baseline's, ${k(large)}`, target: "≤ 1.5", value: vsLarge, met: vsLarge <= 1.5 },
      { name: `library peak RSS ${k(large)} / ${k(small)}`, target: "≤ 1.1", value: flat, met: flat <= 1.1 }
    ],
    details: { machine: machine(), seconds: (performance.now() - t0) / 1000, measures: all, inFlight },
    notes: [
      "each side in its own process, the mock in another; library: SQLite journal in a temp dir, WebhookReceiver.layerServer, pacer limit off, default maxInFlight",
      "baseline: bench/lib/baseline.ts (4 bulk requests in flight, a tiny node:http receiver); it keeps the ids it was given and the ids it received (two Sets), so it grows with the input",
      "heap per lead in flight: heapUsed after GC with maxInFlight leads accepted by the mock and their results held back (latency 10 min), minus heapUsed after GC after two warm-up runs of up to 2,000 leads, divided by the leads in flight"
    ]
  }
  report(args, result)
}

if (isMain(import.meta.url)) await main()
