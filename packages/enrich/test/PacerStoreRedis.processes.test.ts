/**
 * Four Node processes on one API key share lemlist's limit through Redis: each takes its slots
 * at once, on the real clock, and together they never start more than 20 in any 2 s window
 * while reaching at least 0.95 of the 10 per second the limit allows. The same four without
 * the shared store (each its own memory store) start more than 20 in a 2 s window: the test
 * can fail. Runs when `LEMLIST_TEST_REDIS_URL` is set.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterEach, assert, describe, it } from "vitest"
import { Redis } from "ioredis"
import { maxInWindow } from "./support/pacing.js"
import { deletePrefix, noRedis, redisUrl, testPrefix } from "./support/redis.js"

const script = fileURLToPath(new URL("./support/pacerRedisProcess.ts", import.meta.url))
const PROCESSES = 4
const N = 8

const children: Array<ChildProcess> = []
const prefixes: Array<string> = []
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL")
  if (prefixes.length === 0) return
  const client = new Redis(redisUrl!)
  for (const prefix of prefixes.splice(0)) await deletePrefix(client, prefix)
  await client.quit()
})

/** Starts the processes, lets them go together once all are connected; their start times. */
const runAll = async (store: string, prefix: string): Promise<Array<ReadonlyArray<number>>> => {
  const runs = Array.from({ length: PROCESSES }, () => {
    const child = spawn(process.execPath, ["--import", "tsx", script, store, prefix, String(N)], {
      stdio: ["pipe", "pipe", "pipe"]
    })
    children.push(child)
    let stdout = "", stderr = ""
    let onReady: () => void
    const ready = new Promise<void>((resolve) => (onReady = resolve))
    child.stdout!.on("data", (d) => {
      stdout += d
      if (stdout.startsWith("ready\n")) onReady()
    })
    child.stderr!.on("data", (d) => (stderr += d))
    const done = new Promise<ReadonlyArray<number>>((resolve, reject) =>
      child.on("exit", (code) =>
        code === 0
          ? resolve(JSON.parse(stdout.slice("ready\n".length)))
          : reject(new Error(`pacer process exited with ${code}: ${stderr}`))
      )
    )
    return { child, ready, done }
  })
  await Promise.race([
    Promise.all(runs.map((r) => r.ready)),
    Promise.all(runs.map((r) => r.done)) // a process that fails before it is ready
  ])
  for (const r of runs) r.child.stdin!.write("go\n")
  return Promise.all(runs.map((r) => r.done))
}

/** Starts per second from the first to the last. */
const rate = (times: ReadonlyArray<number>) => ((times.length - 1) * 1000) / (Math.max(...times) - Math.min(...times))

describe.skipIf(noRedis("PacerStoreRedis across processes"))("PacerStoreRedis across processes", () => {
  it("4 processes on one key: never more than 20 starts in any 2 s window, at least 9.5 per second together", async () => {
    const prefix = testPrefix()
    prefixes.push(prefix)
    const runs = await runAll(redisUrl!, prefix)
    const all = runs.flat()
    assert.strictEqual(all.length, PROCESSES * N)
    const most = maxInWindow(all, 2000)
    console.log(`${PROCESSES} processes through Redis, ${all.length} starts: most in a 2 s window ${most}, ` +
      `${rate(all).toFixed(2)} per second, each process ${runs.map((r) => r.length).join("/")}`)
    assert.isAtMost(most, 20)
    assert.isAtLeast(rate(all), 0.95 * 10)
  }, 30_000)

  it("the same 4 processes without the shared store start more than 20 in a 2 s window", async () => {
    const runs = await runAll("memory", "")
    const all = runs.flat()
    const most = maxInWindow(all, 2000)
    console.log(`${PROCESSES} processes, each its own memory store: most in a 2 s window ${most}`)
    assert.isAbove(most, 20)
  }, 30_000)
})
