/**
 * The docs are code: every fenced block in README.md and docs/*.md either runs here (```ts
 * blocks, each as its own program, from this package so that every workspace package
 * resolves), or is the exact copy of a test file that the suite runs (marked
 * `<!-- file: path/from/root.test.ts -->`), or is marked `<!-- not-run -->` on the line before.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const packageDir = fileURLToPath(new URL("../", import.meta.url))
const blocksRoot = join(packageDir, ".doc-blocks")
const tsx = join(root, "node_modules", ".bin", "tsx")

interface Block {
  readonly file: string
  readonly line: number
  readonly lang: string
  readonly code: string
  readonly runnable: boolean
  /** The test file this block copies, if marked so. */
  readonly copyOf: string | undefined
}

const blocksOf = (file: string): Array<Block> => {
  const lines = readFileSync(file, "utf8").split("\n")
  const blocks: Array<Block> = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!)
    if (!open) continue
    const start = i
    const body: Array<string> = []
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!)
    const marker = lines.slice(0, start).reverse().find((l) => l.trim() !== "")
    blocks.push({
      file: relative(root, file),
      line: start + 1,
      lang: open[1] ?? "",
      code: body.join("\n"),
      runnable: !(marker ?? "").includes("<!-- not-run -->") && !(marker ?? "").includes("<!-- file:"),
      copyOf: /<!-- file: (\S+) -->/.exec(marker ?? "")?.[1]
    })
  }
  return blocks
}

const docs = [join(root, "README.md"), ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(root, "docs", f))]
const blocks = docs.flatMap(blocksOf)

/** How long one block's process may run before it counts as hung. */
const blockTimeout = 120_000

// One block per core: each is a CPU-bound Node process, and more at once on CI's 2 cores (beside
// the other test files) only stretched each one's wall time: a 5 s program passed 60 s in CI.
const processes = Effect.unsafeMakeSemaphore(availableParallelism())

const runTs = (name: string, code: string) =>
  Effect.runPromise(processes.withPermits(1)(Effect.async<{ code: number; output: string }>((resume) => {
    const file = join(blocksDir(), `${name}.ts`)
    writeFileSync(file, code)
    const started = Date.now()
    const child = execFile(tsx, [file], { cwd: packageDir, timeout: blockTimeout, env: { ...process.env, LEMLIST_API_KEY: "" } }, (error, stdout, stderr) => {
      const output = `${stderr}\n${stdout}`
      if (error === null) return resume(Effect.succeed({ code: 0, output }))
      const code = typeof error.code === "number" ? error.code : 1
      const killed = error.killed
        ? `killed: still running after ${Math.round((Date.now() - started) / 1000)} s (limit ${blockTimeout / 1000} s)\n`
        : ""
      resume(Effect.succeed({ code, output: `${killed}${output}` }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })))

// Inside this package so that imports resolve; one folder per run, so runs never collide.
let dir: string | undefined
const blocksDir = () => {
  if (dir === undefined) {
    mkdirSync(blocksRoot, { recursive: true })
    dir = mkdtempSync(join(blocksRoot, "run-"))
  }
  return dir
}

describe("docs", () => {
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it("has blocks to check", () => expect(blocks.length).toBeGreaterThan(5))

  it.each(blocks.filter((b) => b.runnable && b.lang !== "ts").map((b) => [`${b.file}:${b.line}`, b] as const))(
    "%s is a ts block or marked <!-- not-run -->",
    (_, block) => expect.fail(`${block.file}:${block.line}: a \`\`\`${block.lang} block must be marked <!-- not-run -->`)
  )

  it.each(blocks.filter((b) => b.copyOf !== undefined).map((b) => [`${b.file}:${b.line}`, b] as const))(
    "%s is the test file it says it is",
    (_, block) => expect(block.code.trim()).toBe(readFileSync(join(root, block.copyOf!), "utf8").trim())
  )

  it.concurrent.each(blocks.filter((b) => b.runnable && b.lang === "ts").map((b) => [`${b.file}:${b.line}`, b] as const))(
    "%s runs",
    async (_, block) => {
      const name = `${block.file.replace(/[^A-Za-z0-9]+/g, "-")}-${block.line}`
      const result = await runTs(name, block.code)
      expect(result.code, `${block.file}:${block.line} failed:\n${result.output}`).toBe(0)
    },
    // Its process's own limit is blockTimeout; the rest is the wait for a core.
    600_000
  )
})
