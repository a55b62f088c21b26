/**
 * Test helpers: run the real command line in-process with captured output, in a temp dir.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import * as Cli from "../../src/Cli.js"
import * as CliIo from "../../src/CliIo.js"

const made: Array<string> = []

// Vitest loads this module afresh for each test file: its folders go when that file is done.
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** A new folder in the system temp folder, removed once the test file has run. */
export const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lemlist-cli-"))
  made.push(dir)
  return dir
}

export const writeFile = (dir: string, name: string, content: string | Uint8Array): string => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, content)
  return file
}

export interface Ran {
  readonly code: number
  readonly out: string
  readonly err: string
}

/** Runs `lemlist-enrich argv...` with no API key (embedded mock) unless `env` says otherwise. */
export const runCli = async (
  argv: ReadonlyArray<string>,
  options: {
    readonly env?: Record<string, string>
    readonly io?: Partial<CliIo.Service>
    readonly main?: Cli.MainOptions
    readonly signal?: AbortSignal
  } = {}
): Promise<Ran> => {
  const io = CliIo.capture({ env: options.env ?? {}, ...options.io })
  const code = await Cli.run(argv, io.service, { ...options.main, signal: options.signal })
  return { code, out: io.out(), err: io.err() }
}

/** A fast embedded mock: results at once, the real rate limit. */
export const fastMock: Cli.MainOptions = { mock: { options: { latency: 0 } } }

export const leadsCsv = [
  "First Name,Last Name,Company,Website,Email,LinkedIn URL,Job Title",
  "Ada,Quillfeather,Northwind Labs,https://www.northwind-labs.example/about,ada@northwind-labs.example,,CTO",
  ",,,,,https://www.linkedin.com/in/example-grace-1,",
  "Alan,Brambleton,\"Globex, Inc.\",globex.example,,,VP Sales",
  ",,,,,,Head of Growth",
  "Linus,Pemberton,Initech Software,initech.example,linus@initech.example,linkedin.com/in/example-linus-2,SDR",
  "Extra,Field,Acme,acme.example,x@acme.example,,Role,unexpected",
  "Margaret,Haverford,Hooli Health,hooli-health.example,,,Founder"
].join("\n") + "\n"

/** Parses our own CSV output back (test-only: csv-parse, not by hand). */
export { parse as parseCsv } from "csv-parse/sync"
