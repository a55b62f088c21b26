/**
 * Where the command writes and what it knows about its terminal: the process's streams in
 * production, captured strings in tests (`capture`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** Whether stderr (where progress goes) is a terminal: a live bar instead of periodic lines. */
  readonly stderrIsTTY: boolean
  /** Whether someone can answer a confirmation. */
  readonly stdinIsTTY: boolean
  /** The stream a progress bar draws on, when stderr is a terminal. */
  readonly stderrStream?: NodeJS.WriteStream | undefined
  /** Asks a yes/no question on the terminal. */
  readonly confirm?: ((question: string) => Promise<boolean>) | undefined
  /** Environment variables (LEMLIST_API_KEY, LEMLIST_BASE_URL, NO_COLOR). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Period of the plain progress lines when stderr is not a terminal. */
  readonly progressInterval?: number | undefined
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CliIo extends Context.Tag("@lemlist-effect/cli/CliIo")<CliIo, Service>() {}

/**
 * The real process.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromProcess = (): Service => ({
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
  stdinIsTTY: process.stdin.isTTY === true,
  stderrStream: process.stderr,
  env: process.env,
  confirm: async (question) => {
    const readline = await import("node:readline/promises")
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr })
    try {
      const answer = await rl.question(`${question} [y/N] `)
      return /^y(es)?$/i.test(answer.trim())
    } finally {
      rl.close()
    }
  }
})

/**
 * A captured output, for tests: everything written, as text.
 *
 * @example
 * ```ts
 * import { CliIo } from "@lemlist-effect/cli"
 *
 * const io = CliIo.capture({ env: {} })
 * io.service.stdout("hello\n")
 * io.out() // "hello\n"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const capture = (overrides: Partial<Service> = {}) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const service: Service = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    stderrIsTTY: false,
    stdinIsTTY: false,
    env: {},
    ...overrides
  }
  return { service, out: () => out.join(""), err: () => err.join("") }
}

/**
 * An Effect `Console` writing to the io, so that what `@effect/cli` prints (help, validation
 * errors) lands in the same place.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toConsole = (io: Service): Console.Console => {
  const fmt = (args: ReadonlyArray<unknown>) => args.map((a) => (typeof a === "string" ? a : String(a))).join(" ") + "\n"
  const unsafe = {
    ...globalThis.console,
    log: (...args: Array<unknown>) => io.stdout(fmt(args)),
    info: (...args: Array<unknown>) => io.stdout(fmt(args)),
    warn: (...args: Array<unknown>) => io.stderr(fmt(args)),
    error: (...args: Array<unknown>) => io.stderr(fmt(args)),
    debug: () => {},
    trace: () => {}
  } as unknown as Console.UnsafeConsole
  const base = Effect.runSync(Console.consoleWith(Effect.succeed))
  return {
    ...base,
    unsafe,
    log: (...args) => Effect.sync(() => unsafe.log(...args)),
    info: (...args) => Effect.sync(() => unsafe.info(...args)),
    warn: (...args) => Effect.sync(() => unsafe.warn(...args)),
    error: (...args) => Effect.sync(() => unsafe.error(...args)),
    debug: () => Effect.void,
    trace: () => Effect.void
  }
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (io: Service): Layer.Layer<CliIo> => Layer.succeed(CliIo, io)

/** Writes a line to stderr (messages, warnings, progress). */
export const info = (text: string) => Effect.flatMap(CliIo, (io) => Effect.sync(() => io.stderr(text + "\n")))

/** Writes a line to stdout (results, summaries). */
export const out = (text: string) => Effect.flatMap(CliIo, (io) => Effect.sync(() => io.stdout(text + "\n")))
