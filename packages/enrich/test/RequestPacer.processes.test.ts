/**
 * Two processes on one machine share one budget through a SQLite pacer store: each takes 20
 * slots for the same key at once, against the real clock, and no 2 s window of their starts
 * holds more than lemlist's 20. Without the shared file each would start 20 within 0.2 s.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer } from "effect"
import { afterEach, assert, describe, it } from "vitest"
import { PacerStoreSqlite } from "../src/sqlite.js"
import { maxInWindow } from "./support/pacing.js"

const script = fileURLToPath(new URL("./support/pacerProcess.ts", import.meta.url))
const N = 20

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

const run = (file: string): Promise<ReadonlyArray<number>> => {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script, file, String(N)], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = "", stderr = ""
  child.stdout!.on("data", (d) => (stdout += d))
  child.stderr!.on("data", (d) => (stderr += d))
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(JSON.parse(stdout))
      else reject(new Error(`pacer process exited with ${code}: ${stderr}`))
    })
  )
}

describe("PacerStoreSqlite across processes", () => {
  it("two processes on one file never start more than 20 in any 2 s window", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pacer-processes-"))
    dirs.push(dir)
    const file = path.join(dir, "pacer.sqlite")
    // Create the tables first, so the two processes do not race to migrate.
    await Effect.runPromise(Effect.scoped(Layer.build(PacerStoreSqlite.layerFile({ filename: file }))))
    const [a, b] = await Promise.all([run(file), run(file)])
    const all = [...a, ...b]
    assert.strictEqual(all.length, 2 * N)
    assert.isAtMost(maxInWindow(all, 2000), 20)
    // the second 20 waited for the first 20 to leave the window: the run spans at least 2 s
    assert.isAtLeast(Math.max(...all) - Math.min(...all), 2000)
    const spanA = Math.max(...a) - Math.min(...a), spanB = Math.max(...b) - Math.min(...b)
    console.log(`two processes, ${2 * N} starts: most in a 2 s window ${maxInWindow(all, 2000)}, ` +
      `first to last ${Math.max(...all) - Math.min(...all)} ms (A ${spanA} ms, B ${spanB} ms)`)
  }, 30_000)
})

