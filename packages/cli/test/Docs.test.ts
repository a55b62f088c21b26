/**
 * The docs are code: every fenced block in README.md and docs/*.md either runs here (```ts
 * blocks, each as its own program, from this package so that every workspace package
 * resolves), or is the exact copy of a test file that the suite runs (marked
 * `<!-- file: path/from/root.test.ts -->`), or is marked `<!-- not-run -->` on the line before.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
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

const runTs = (name: string, code: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const file = join(blocksDir(), `${name}.ts`)
    writeFileSync(file, code)
    execFile(tsx, [file], { cwd: packageDir, timeout: 60_000, env: { ...process.env, LEMLIST_API_KEY: "" } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }))
  })

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
      expect(result.code, `${block.file}:${block.line} failed:\n${result.stderr}\n${result.stdout}`).toBe(0)
    },
    90_000
  )
})
