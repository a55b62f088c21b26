/**
 * What every scenario shares: its command line (`--json`, `--quick`), the median of several
 * runs, the machine's description, child processes that always die, and the one JSON line a
 * scenario prints for the harness (`bench/run.ts`).
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import { fileURLToPath, pathToFileURL } from "node:url"

export const benchDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
export const rootDir = path.dirname(benchDir)

export interface Args {
  readonly quick: boolean
  readonly json: boolean
  /** `--name value` pairs. */
  readonly named: ReadonlyMap<string, string>
}

export const parseArgs = (argv: ReadonlyArray<string> = process.argv.slice(2)): Args => {
  const named = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith("--") && i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) named.set(a.slice(2), argv[++i]!)
  }
  return { quick: argv.includes("--quick"), json: argv.includes("--json"), named }
}

export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return NaN
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** The run whose `key` is the median (for odd counts; the lower middle otherwise). */
export const medianRun = <A>(runs: ReadonlyArray<A>, key: (a: A) => number): A => {
  const s = [...runs].sort((a, b) => key(a) - key(b))
  return s[(s.length - 1) >> 1]!
}

export const machine = () => ({
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  memoryMb: Math.round(os.totalmem() / 2 ** 20),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  date: new Date().toISOString()
})

/** A goal and whether it was met. */
export interface Goal {
  readonly name: string
  readonly target: string
  readonly value: number
  readonly met: boolean
}

export interface ScenarioResult {
  readonly scenario: string
  readonly title: string
  readonly quick: boolean
  readonly runs: number
  /** Headline figures (medians), flat: what the table shows. */
  readonly figures: Readonly<Record<string, number | string>>
  readonly goals: ReadonlyArray<Goal>
  /** Every run's figures, and anything else worth keeping. */
  readonly details?: unknown
  readonly notes?: ReadonlyArray<string>
}

export const resultMarker = "BENCH_RESULT "

/** Prints the result: one marked JSON line (for the harness) or a readable summary. */
export const report = (args: Args, result: ScenarioResult) => {
  if (args.json) {
    process.stdout.write(resultMarker + JSON.stringify(result) + "\n")
    return
  }
  console.log(`${result.title} (${result.quick ? "quick" : "full"}, median of ${result.runs})`)
  for (const [k, v] of Object.entries(result.figures)) console.log(`  ${k}: ${typeof v === "number" ? round(v) : v}`)
  for (const g of result.goals) console.log(`  goal ${g.name} ${g.target}: ${round(g.value)} ${g.met ? "met" : "MISSED"}`)
  for (const n of result.notes ?? []) console.log(`  note: ${n}`)
}

export const round = (v: number): number =>
  !Number.isFinite(v) ? v : Math.abs(v) >= 100 ? Math.round(v) : Math.abs(v) >= 1 ? Math.round(v * 100) / 100 : Math.round(v * 1000) / 1000

/** Logs progress on stderr (stdout is for the result). */
export const log = (text: string) => process.stderr.write(`  [${new Date().toISOString().slice(11, 19)}] ${text}\n`)

/** The tsx loader, resolved from here so that children need no `npx`. */
const tsxLoader = () => import.meta.resolve("tsx")

// ---------------------------------------------------------------------------------------------
// Child processes: tracked, and killed when this process ends, however it ends.
// ---------------------------------------------------------------------------------------------

const children = new Set<ChildProcess>()
let hooked = false
const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
}
const hookExit = () => {
  if (hooked) return
  hooked = true
  process.once("exit", killAll)
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      killAll()
      process.exit(130)
    })
  }
}

export interface SpawnOptions {
  /** Extra node flags (`--expose-gc`, `--cpu-prof`...). */
  readonly nodeFlags?: ReadonlyArray<string>
  readonly env?: NodeJS.ProcessEnv
  /** Kill it after this long (ms). Default 15 minutes. */
  readonly timeoutMs?: number
  /** Forward the child's stderr to ours. Default true. */
  readonly stderr?: boolean
}

/** Spawns `node --import tsx <script> ...args` and tracks it. */
export const spawnTs = (script: string, args: ReadonlyArray<string>, options: SpawnOptions = {}): ChildProcess => {
  hookExit()
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), "--import", tsxLoader(), script, ...args], {
    cwd: rootDir,
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", options.stderr === false ? "ignore" : "inherit"]
  })
  children.add(child)
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 15 * 60_000)
  timer.unref()
  child.once("exit", () => {
    clearTimeout(timer)
    children.delete(child)
  })
  return child
}

/** Runs a script to its end and returns the JSON of its `BENCH_RESULT` line. */
export const runTs = <A>(script: string, args: ReadonlyArray<string>, options: SpawnOptions = {}): Promise<A> =>
  new Promise((resolve, reject) => {
    const child = spawnTs(script, args, options)
    let result: A | undefined
    const lines = readline.createInterface({ input: child.stdout! })
    lines.on("line", (line) => {
      if (line.startsWith(resultMarker)) result = JSON.parse(line.slice(resultMarker.length)) as A
      else if (line.trim().length > 0) process.stderr.write(`  | ${line}\n`)
    })
    child.once("error", reject)
    child.once("close", (code, signal) => {
      if (result !== undefined && code === 0) resolve(result)
      else reject(new Error(`${path.relative(rootDir, script)} ${args.join(" ")} ended with ${signal ?? `code ${code}`}${result === undefined ? " and no result" : ""}`))
    })
  })

/** Prints a result line from a worker child (same marker). */
export const emit = (value: unknown) => process.stdout.write(resultMarker + JSON.stringify(value) + "\n")

/** A child scenario's end: its result emitted and exit 0, or its error on stderr and exit 1. */
export const emitAndExit = (label: string, result: Promise<unknown>) =>
  result.then(
    (value) => {
      emit(value)
      process.exit(0)
    },
    (error) => {
      process.stderr.write(`${label}: ${String(error)}\n`)
      process.exit(1)
    }
  )

export const scriptPath = (relative: string) => path.join(benchDir, relative)
export const isMain = (metaUrl: string) => process.argv[1] !== undefined && metaUrl === pathToFileURL(process.argv[1]).href
