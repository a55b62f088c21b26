/**
 * Scenario 9, journal writes (issue 13): how many leads per second the journal takes through
 * the writes a run makes (`bench/lib/journalLoad.ts`: `lookup` and, for workers, `claim` per
 * chunk of 500 read; `markSubmitting` and `recordSubmitted` per batch of 500; `recordOutcomes`
 * per 100), through the library's public `Journal` service, with no pacer and no HTTP:
 *
 * - SQLite, 1 writer: `JournalSqlite.layer` on a file in a temp dir (the library's defaults);
 * - PostgreSQL, 1 writer: `JournalPg.layer` on a fresh schema;
 * - PostgreSQL, 4 writers: 4 processes (`journalWorker.ts`), each a worker (`claim`) on one
 *   fresh schema, reading the same input and starting together; in `--quick`, 4 fibers of this
 *   process instead, each with a journal and a pool of its own (`--writers-in process|processes`).
 *
 * The same leads (keys as the library makes them), the same batch sizes on every side; each run
 * on an empty journal, checked at the end (every lead `done`). The figures: leads per second
 * through the whole lifecycle (leads / wall time), and per operation (keys passed / time spent
 * in its calls, per writer: × writers), with each call's median time.
 *
 * PostgreSQL: `LEMLIST_BENCH_DATABASE_URL`, else `LEMLIST_TEST_DATABASE_URL` (`.ci/run` sets it);
 * without either, its part is skipped (said on stderr and in the result's notes). Temp files
 * and schemas are removed afterwards (schemas with `psql`).
 */
import { Journal } from "@lemlist-effect/enrich"
import { JournalPg } from "@lemlist-effect/enrich/pg"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import { Effect, Layer, Redacted } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import { isMain, log, machine, median, parseArgs, report, resultMarker, type ScenarioResult, scriptPath, spawnTs } from "../lib/common.js"
import { keys, type LoadResult, type Operation, operations, runLifecycle } from "../lib/journalLoad.js"

const databaseUrl = process.env.LEMLIST_BENCH_DATABASE_URL || process.env.LEMLIST_TEST_DATABASE_URL || undefined

/** What one configuration's run gives: its writers' results together. */
interface RunFigures {
  readonly leads: number
  readonly wallMs: number
  readonly leadsPerS: number
  /** The writers' Node CPU time (user + system) per 1,000 leads: the client side's share. */
  readonly cpuMsPer1000: number
  readonly loadAverage: ReadonlyArray<number>
  readonly operations: Record<Operation, { calls: number; leads: number; ms: number; leadsPerS: number; medianCallMs: number; p95CallMs: number }>
}

const combine = (writers: ReadonlyArray<LoadResult>, wallMs: number, cpuMs: number): RunFigures => {
  const leads = writers.reduce((n, w) => n + w.leads, 0)
  const ops = Object.fromEntries(operations.map((op) => {
    const durations = writers.flatMap((w) => w.operations[op].durations).sort((a, b) => a - b)
    const calls = durations.length
    const opLeads = writers.reduce((n, w) => n + w.operations[op].leads, 0)
    const ms = durations.reduce((a, b) => a + b, 0)
    return [op, {
      calls,
      leads: opLeads,
      ms,
      // Per writer, times the writers: the rate of this operation with every writer on it.
      leadsPerS: calls === 0 ? 0 : opLeads / (ms / writers.length / 1000),
      medianCallMs: median(durations),
      p95CallMs: calls === 0 ? NaN : durations[Math.min(calls - 1, Math.floor(calls * 0.95))]!
    }]
  })) as RunFigures["operations"]
  return { leads, wallMs, leadsPerS: leads / (wallMs / 1000), cpuMsPer1000: cpuMs / (leads / 1000), loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100), operations: ops }
}

const checkAllDone = (journal: Journal.Service, n: number) =>
  Effect.flatMap(journal.summary, (s) =>
    s.done === n && s.total === n ? Effect.void : Effect.dieMessage(`journal: expected ${n} leads done, found ${JSON.stringify(s)}`))

/** One writer in this process on `layer`'s journal. */
const oneWriter = (layer: Layer.Layer<Journal.Journal, unknown>, n: number) =>
  Effect.gen(function*() {
    const journal = yield* Journal.Journal
    const result = yield* runLifecycle(journal, keys(n))
    yield* checkAllDone(journal, n)
    return combine([result], result.wallMs, result.cpuMs)
  }).pipe(Effect.provide(layer))

const sqliteRun = (n: number) =>
  Effect.acquireUseRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "lemlist-bench-journal-"))),
    (dir) => oneWriter(JournalSqlite.layer({ filename: path.join(dir, "run.sqlite") }), n),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

let schemas = 0
const freshSchema = () => `lemlist_bench_journal_${process.pid}_${schemas++}`

/** Drops a schema with `psql` (as `scale` cleans Redis with `redis-cli`). */
const dropSchema = (url: string, schema: string) =>
  Effect.sync(() => {
    const r = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-qc", `DROP SCHEMA IF EXISTS "${schema}" CASCADE`], { encoding: "utf8" })
    if (r.status !== 0) log(`journal: could not drop schema ${schema} (drop it by hand): ${r.error ?? r.stderr.trim()}`)
  })

/** Runs `use` with a fresh schema name, dropping the schema afterwards whatever happens. */
const withSchema = <A, E>(url: string, use: (schema: string) => Effect.Effect<A, E>) => {
  const schema = freshSchema()
  return Effect.ensuring(use(schema), dropSchema(url, schema))
}

const pgRun = (url: string, n: number) =>
  withSchema(url, (schema) => oneWriter(JournalPg.layer({ url: Redacted.make(url), schema }), n))

/**
 * `writers` workers on one schema: worker processes started together once all are connected,
 * or (`inProcess`, the quick run: 4 processes take half a minute to start on a loaded machine)
 * fibers of this process, each with a journal and a pool of its own.
 */
const pgWorkers = (url: string, n: number, writers: number, inProcess: boolean) =>
  withSchema(url, (schema) =>
    Effect.gen(function*() {
      // Created here, so that the workers' start-up does not race on the migration.
      const journal = JournalPg.layer({ url: Redacted.make(url), schema })
      yield* Effect.provide(Effect.void, journal)
      const started = inProcess
        ? yield* Effect.gen(function*() {
          // Each writer a journal with a pool of its own, as a process of its own would have.
          const one = (i: number) =>
            Effect.flatMap(Journal.Journal, (j) => runLifecycle(j, keys(n), { worker: { id: `bench-worker-${i}`, lease: 60_000 } })).pipe(
              Effect.provide(JournalPg.layer({ url: Redacted.make(url), schema }))
            )
          const t0 = performance.now()
          const cpu0 = process.cpuUsage()
          const results = yield* Effect.all(Array.from({ length: writers }, (_, i) => one(i)), { concurrency: "unbounded" })
          const cpu = process.cpuUsage(cpu0)
          return { results, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 }
        })
        : yield* Effect.promise(async () => {
        const workers = Array.from({ length: writers }, (_, i) => {
          const child = spawnTs(scriptPath("scenarios/journalWorker.ts"), [url, schema, String(n), `bench-worker-${i}`], {
            timeoutMs: 30 * 60_000
          })
          let onReady: () => void
          const ready = new Promise<void>((resolve) => (onReady = resolve))
          const done = new Promise<LoadResult>((resolve, reject) => {
            let result: LoadResult | undefined
            readline.createInterface({ input: child.stdout! }).on("line", (line) => {
              if (line === "ready") onReady()
              else if (line.startsWith(resultMarker)) result = JSON.parse(line.slice(resultMarker.length)) as LoadResult
            })
            child.once("close", (code) => (result !== undefined && code === 0 ? resolve(result) : reject(new Error(`journal worker ended with ${code}`))))
          })
          return { child, ready, done }
        })
        await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.done))])
        const t0 = performance.now()
        for (const w of workers) w.child.stdin!.write("go\n")
        const results = await Promise.all(workers.map((w) => w.done))
        return { results, wallMs: performance.now() - t0, cpuMs: results.reduce((ms, r) => ms + r.cpuMs, 0) }
      })
      yield* Effect.flatMap(Journal.Journal, (j) => checkAllDone(j, n)).pipe(Effect.provide(journal))
      return { ...combine(started.results, started.wallMs, started.cpuMs), perWorker: started.results.map((r) => r.leads) }
    }))

export const main = async () => {
  const args = parseArgs()
  const n = Number(args.named.get("leads") ?? (args.quick ? 5_000 : 100_000))
  const runs = Number(args.named.get("runs") ?? (args.quick ? 1 : 3))
  const writers = Number(args.named.get("writers") ?? 4)
  // `--writers-in process` or `processes`.
  const inProcess = (args.named.get("writers-in") ?? (args.quick ? "process" : "processes")) === "process"
  const notes: Array<string> = []
  const configs: Array<{ name: string; run: () => Effect.Effect<RunFigures, unknown> }> = [
    { name: "SQLite, 1 writer", run: () => sqliteRun(n) }
  ]
  if (databaseUrl === undefined) {
    const skipped = "PostgreSQL part skipped: neither LEMLIST_BENCH_DATABASE_URL nor LEMLIST_TEST_DATABASE_URL is set"
    log(`journal: ${skipped}`)
    notes.push(skipped)
  } else {
    configs.push({ name: "PostgreSQL, 1 writer", run: () => pgRun(databaseUrl, n) })
    configs.push({ name: `PostgreSQL, ${writers} writers`, run: () => pgWorkers(databaseUrl, n, writers, inProcess) })
    notes.push(`PostgreSQL's ${writers} writers: ${inProcess ? "fibers of one process, each with a journal and a pool of its own" : "processes"}`)
  }
  const byConfig: Record<string, Array<RunFigures>> = {}
  // Run by run, each configuration in turn: a load that comes and goes touches each about alike.
  for (let r = 0; r < runs; r++) {
    for (const config of configs) {
      const one = await Effect.runPromise(config.run() as Effect.Effect<RunFigures>)
      ;(byConfig[config.name] ??= []).push(one)
      log(`journal: ${config.name}, run ${r + 1}/${runs}: ${one.leads} leads in ${(one.wallMs / 1000).toFixed(2)} s, ` +
        `${Math.round(one.leadsPerS)} leads/s, Node CPU ${one.cpuMsPer1000.toFixed(0)} ms/1000 leads; per operation (leads/s, median ms per call): ` +
        operations.filter((op) => one.operations[op].calls > 0).map((op) =>
          `${op} ${Math.round(one.operations[op].leadsPerS)}, ${one.operations[op].medianCallMs.toFixed(1)}`
        ).join("; ") + ` (load ${one.loadAverage.join(" ")})`)
    }
  }
  const figures: Record<string, number> = { leads: n }
  for (const [name, rs] of Object.entries(byConfig)) {
    figures[`${name}: leads/s (whole lifecycle)`] = median(rs.map((x) => x.leadsPerS))
    figures[`${name}: Node CPU ms/1000 leads`] = median(rs.map((x) => x.cpuMsPer1000))
    for (const op of operations) {
      if (rs[0]!.operations[op].calls === 0) continue
      figures[`${name}: ${op} leads/s`] = median(rs.map((x) => x.operations[op].leadsPerS))
      figures[`${name}: ${op} ms/call`] = median(rs.map((x) => x.operations[op].medianCallMs))
    }
  }
  const result: ScenarioResult = {
    scenario: "journal",
    title: `9. Journal writes: ${n.toLocaleString("en")} leads through a run's journal writes, SQLite vs PostgreSQL, 1 and ${writers} writers`,
    quick: args.quick,
    runs,
    figures,
    goals: [],
    details: {
      machine: machine(),
      batches: { read: 500, submit: 500, outcomes: 100 },
      database: databaseUrl?.replace(/\/\/[^@]*@/, "//***@"),
      runs: byConfig
    },
    notes
  }
  report(args, result)
}

if (isMain(import.meta.url)) await main()
