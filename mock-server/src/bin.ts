#!/usr/bin/env node
/**
 * `pnpm mock [options]`: serves the lemlist mock until SIGINT/SIGTERM. Installed, it is the
 * `lemlist-mock` command: compiled to `dist/bin.js`, run by plain `node`.
 */
import { mockHelp, parseMockArgs } from "./Cli.js"
import { readyLine, serveMock } from "./Serve.js"

const parsed = parseMockArgs(process.argv.slice(2))
if (parsed._tag === "Help") {
  process.stdout.write(parsed.text)
  process.exit(0)
}
if (parsed._tag === "Invalid") {
  process.stderr.write(`${parsed.message}\n\n${mockHelp}`)
  process.exit(2)
}
const served = await serveMock(parsed.options).catch((e: unknown) => {
  process.stderr.write(`lemlist mock: cannot listen: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
process.stdout.write(readyLine(served))
let closing = false
const stop = (signal: string) => {
  if (closing) return
  closing = true
  void served.close().then(() => {
    process.stdout.write(`lemlist mock stopped (${signal})\n`)
    process.exit(0)
  })
}
process.on("SIGINT", () => stop("SIGINT"))
process.on("SIGTERM", () => stop("SIGTERM"))
