/**
 * Child processes for the crash tests: a TypeScript program run by Node with the `tsx` loader
 * in one process (so that SIGKILL hits the program itself, not a wrapper), its output
 * captured, its end awaited.
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"

/**
 * How a child ended, with what it printed.
 *
 * @since 0.1.0
 */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly millis: number
}

/**
 * A running child and its end.
 *
 * @since 0.1.0
 */
export interface Child {
  readonly process: ChildProcess
  readonly exited: Promise<Exit>
  /** What it printed so far. */
  readonly output: () => { readonly stdout: string; readonly stderr: string }
}

/**
 * Runs `node --import tsx <script> ...args` in `cwd`.
 *
 * @example
 * ```ts
 * import { spawnTsx } from "@lemlist-effect/contract-tests/Processes"
 *
 * const child = spawnTsx("/repo", "/repo/packages/cli/src/bin.ts", ["--help"])
 * const exit = await child.exited
 * console.log(exit.code, exit.stdout)
 * ```
 *
 * @since 0.1.0
 */
export const spawnTsx = (
  cwd: string,
  script: string,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {}
): Child => {
  const started = Date.now()
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd,
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = "", stderr = ""
  child.stdout!.on("data", (d) => (stdout += d))
  child.stderr!.on("data", (d) => (stderr += d))
  const exited = new Promise<Exit>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr, millis: Date.now() - started }))
  )
  return { process: child, exited, output: () => ({ stdout, stderr }) }
}

/**
 * Polls `condition` every `everyMs` until it holds (true), or `child` exits first, or
 * `timeoutMs` passes (false).
 *
 * @example
 * ```ts
 * import { spawnTsx, until } from "@lemlist-effect/contract-tests/Processes"
 *
 * const child = spawnTsx("/repo", "/repo/program.ts", [])
 * if (await until(() => child.output().stdout.includes("ready"), { child })) child.process.kill("SIGKILL")
 * ```
 *
 * @since 0.1.0
 */
export const until = async (
  condition: () => Promise<boolean> | boolean,
  options: { readonly child?: Child; readonly everyMs?: number; readonly timeoutMs?: number } = {}
): Promise<boolean> => {
  let exited = false
  void options.child?.exited.then(() => (exited = true))
  const deadline = Date.now() + (options.timeoutMs ?? 120_000)
  while (!exited && Date.now() < deadline) {
    if (await condition()) return !exited
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 10))
  }
  return false
}
