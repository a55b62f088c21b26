/**
 * Scenario 7, scale: the pacer alone across processes. 1, 2 and 4 Node processes on one API
 * key, each a `LemlistClient` whose pacer keeps its state in Redis (`PacerStoreRedis`), call
 * `GET /team/credits` as fast as their pacer lets them against the mock served in its own
 * process with lemlist's real limit (20 requests per 2 s, sliding window). The key allows 10
 * requests per second whatever the number of processes: the figure is the aggregate rate the
 * mock saw against 10, and the 429s it served.
 *
 * Needs Redis: `LEMLIST_BENCH_REDIS_URL`, else `LEMLIST_TEST_REDIS_URL`, else
 * redis://127.0.0.1:6379 (`.ci/run` starts it). Each run writes under a prefix of its own,
 * deleted afterwards with `redis-cli`.
 */
import { spawnSync } from "node:child_process"
import * as readline from "node:readline"
import { isMain, log, machine, median, parseArgs, report, resultMarker, type ScenarioResult, scriptPath, spawnTs } from "../lib/common.js"
import { startMock } from "../lib/mockChild.js"

const KEY = "bench-scale"
const redisUrl = process.env.LEMLIST_BENCH_REDIS_URL ?? process.env.LEMLIST_TEST_REDIS_URL ?? "redis://127.0.0.1:6379"

const redis = (...args: ReadonlyArray<string>) =>
  spawnSync("redis-cli", ["-u", redisUrl, ...args], { encoding: "utf8" })

const deletePrefix = (prefix: string) => {
  const keys = redis("--scan", "--pattern", `${prefix}*`).stdout.split("\n").filter((k) => k.length > 0)
  if (keys.length > 0) redis("del", ...keys)
}

interface WorkerResult {
  readonly answers: number
  readonly stats: { readonly requests: number; readonly rateLimited: number; readonly retries: number }
}

/** Starts `n` workers, lets them go together once all are connected, and awaits their results. */
const runWorkers = async (n: number, apiUrl: string, prefix: string, seconds: number): Promise<Array<WorkerResult>> => {
  const workers = Array.from({ length: n }, () => {
    const child = spawnTs(scriptPath("scenarios/scaleWorker.ts"), [apiUrl, KEY, redisUrl, prefix, String(seconds)], {
      timeoutMs: (seconds + 120) * 1000
    })
    let onReady: () => void
    const ready = new Promise<void>((resolve) => (onReady = resolve))
    const done = new Promise<WorkerResult>((resolve, reject) => {
      let result: WorkerResult | undefined
      readline.createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line === "ready") onReady()
        else if (line.startsWith(resultMarker)) result = JSON.parse(line.slice(resultMarker.length)) as WorkerResult
      })
      child.once("close", (code) => (result !== undefined && code === 0 ? resolve(result) : reject(new Error(`scale worker ended with ${code}`))))
    })
    return { child, ready, done }
  })
  await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.done))])
  for (const w of workers) w.child.stdin!.write("go\n")
  return Promise.all(workers.map((w) => w.done))
}

export const main = async () => {
  const args = parseArgs()
  const seconds = Number(args.named.get("seconds") ?? (args.quick ? 5 : 20))
  const runs = Number(args.named.get("runs") ?? 1)
  if (redis("ping").stdout.trim() !== "PONG") throw new Error(`scale: Redis does not answer at ${redisUrl}`)
  const mock = await startMock({ apiKeys: [KEY], seed: 7, latency: 0, credits: 1e12 })
  try {
    const byProcesses: Record<string, Array<{ requestsPerS: number; ratio: number; rateLimited: number; requests: number; before429: Array<number> | undefined }>> = {}
    for (const processes of [1, 2, 4]) {
      for (let r = 0; r < runs; r++) {
        await mock.reset()
        // Let the previous run's window slide out.
        await new Promise((res) => setTimeout(res, 2100))
        const prefix = `lemlist-effect-bench:${process.pid}:${processes}-${r}:`
        try {
          const results = await runWorkers(processes, mock.apiUrl, prefix, seconds)
          const stats = await mock.stats()
          const requests = [...(await mock.requests())].sort((a, b) => a.time - b.time)
          const times = requests.map((q) => q.time)
          // What the mock saw before its first 429: the accepted arrivals in the 2 s before it.
          const first429 = requests.find((q) => q.status === 429)
          const before429 = first429 === undefined
            ? undefined
            : requests.filter((q) => q.status !== 429 && q.time > first429.time - 2000 && q.time <= first429.time).map((q) => q.time - first429.time)
          const spanS = (times[times.length - 1]! - times[0]!) / 1000
          const requestsPerS = (times.length - 1) / spanS
          const one = { requestsPerS, ratio: requestsPerS / 10, rateLimited: stats.rateLimited, requests: stats.requests, before429 }
          if (before429 !== undefined) log(`scale: accepted arrivals in the 2 s before the first 429 (ms before it): ${before429.join(" ")}`)
          log(`scale: ${processes} process(es), ${stats.requests} requests in ${spanS.toFixed(1)} s: ` +
            `${requestsPerS.toFixed(2)}/s (${one.ratio.toFixed(3)} of 10), ${stats.rateLimited} 429s, ` +
            `per process ${results.map((x) => x.answers).join("/")}`)
          ;(byProcesses[processes] ??= []).push(one)
        } finally {
          deletePrefix(prefix)
        }
      }
    }
    const figures: Record<string, number> = {}
    for (const [processes, rs] of Object.entries(byProcesses)) {
      figures[`${processes} process(es): requests/s`] = median(rs.map((x) => x.requestsPerS))
      figures[`${processes} process(es): share of 10/s`] = median(rs.map((x) => x.ratio))
      figures[`${processes} process(es): 429s`] = Math.max(...rs.map((x) => x.rateLimited))
    }
    const all = Object.values(byProcesses).flat()
    const worstRatio = Math.min(...all.map((x) => x.ratio))
    const rateLimited = Math.max(...all.map((x) => x.rateLimited))
    const result: ScenarioResult = {
      scenario: "scale",
      title: `7. Scale: 1, 2 and 4 processes on one key, pacer in Redis, ${seconds} s each, real 20/2 s window`,
      quick: args.quick,
      runs,
      figures,
      goals: [
        { name: "every process count: share of 10 requests/s", target: ">= 0.95", value: worstRatio, met: worstRatio >= 0.95 },
        { name: "429s received", target: "= 0", value: rateLimited, met: rateLimited === 0 }
      ],
      details: { machine: machine(), redisUrl: redisUrl.replace(/\/\/[^@]*@/, "//***@"), runs: byProcesses }
    }
    report(args, result)
  } finally {
    await mock.close()
  }
}

if (isMain(import.meta.url)) await main()
