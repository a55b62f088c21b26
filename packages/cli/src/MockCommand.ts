/**
 * `lemlist-enrich mock`: serve the lemlist mock over HTTP, with exactly the options of
 * `pnpm mock` (the mock server's own parser), until Ctrl-C.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { mockHelp, parseMockArgs, serveMock } from "@lemlist-effect/mock-server"
import * as Effect from "effect/Effect"
import type * as CliIo from "./CliIo.js"
import { ExitCode } from "./ExitCode.js"

/**
 * The `mock` subcommand as `@effect/cli` lists it in `--help`. Its arguments are handed to the
 * mock's own parser by {@link serve} (the bin routes `mock` there before `@effect/cli` runs).
 *
 * @since 0.1.0
 * @category commands
 */
export const command = (_io: CliIo.Service) =>
  Command.make("mock", {}, () => Effect.void).pipe(
    Command.withDescription("Serve the lemlist mock over HTTP (same options as `pnpm mock`; `lemlist-enrich mock --help`)")
  )

const help = () => mockHelp.replace(/^Usage: .*$/m, "Usage: lemlist-enrich mock [options]")

/**
 * Serves the mock until `signal` aborts; resolves with the exit code.
 *
 * @since 0.1.0
 * @category commands
 */
export const serve = async (
  argv: ReadonlyArray<string>,
  io: CliIo.Service,
  signal: AbortSignal | undefined
): Promise<ExitCode> => {
  const parsed = parseMockArgs(argv)
  if (parsed._tag === "Help") {
    // The help names this command; any other text (`--print-openapi`'s document) is printed as is.
    io.stdout(parsed.text === mockHelp ? help() : parsed.text)
    return ExitCode.Ok
  }
  if (parsed._tag === "Invalid") {
    io.stderr(`error: ${parsed.message}\n\n${help()}`)
    return ExitCode.Usage
  }
  let served: Awaited<ReturnType<typeof serveMock>>
  try {
    served = await serveMock(parsed.options)
  } catch (e) {
    io.stderr(`error: cannot serve the mock: ${e instanceof Error ? e.message : String(e)}\n`)
    return ExitCode.Usage
  }
  const key = served.server.handle.options().apiKeys[0] ?? "test-key"
  io.stdout(
    `lemlist mock listening on ${served.url} (API base URL ${served.apiUrl}, admin ${served.url}/__mock)\n` +
      `Try: LEMLIST_API_KEY=${key} LEMLIST_BASE_URL=${served.apiUrl} lemlist-enrich run leads.csv --types find_email\n` +
      `Ctrl-C stops it.\n`
  )
  await new Promise<void>((resolve) => {
    if (signal === undefined) return
    if (signal.aborted) return resolve()
    signal.addEventListener("abort", () => resolve(), { once: true })
  })
  await served.close()
  io.stdout("lemlist mock stopped\n")
  return ExitCode.Ok
}
