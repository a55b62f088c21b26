/**
 * A child process that serves the lemlist mock on 127.0.0.1 (a free port) with the options
 * given as JSON (`--options '{...}'`), as a separate "lemlist" for the process under test.
 * It prints `READY {"url":...}` when listening; on stdin, `mem` prints its memory after a GC
 * (run it with `--expose-gc`), `cpu` its `process.cpuUsage()` (microseconds); it exits when stdin closes, on SIGTERM, or with its parent.
 *
 * `--bare` serves a bare Hono app instead, answering every POST with a fixed body: the
 * ceiling of Hono on `@hono/node-server` on this machine.
 */
import { serve } from "@hono/node-server"
import { serveMock } from "@lemlist-effect/mock-server"
import { Hono } from "hono"
import type { AddressInfo } from "node:net"
import * as readline from "node:readline"
import { parseArgs } from "./common.js"

const args = parseArgs()
const options = JSON.parse(args.named.get("options") ?? "{}")

const memory = () => {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, gc: gc !== undefined }
}

let close: () => Promise<void>
let url: string
if (process.argv.includes("--bare")) {
  const body = JSON.stringify(options.body ?? [{ id: "enr_fixed" }])
  const app = new Hono()
  app.post("*", (c) => c.body(body, 200, { "content-type": "application/json" }))
  app.get("*", (c) => c.body(body, 200, { "content-type": "application/json" }))
  const server = await new Promise<{ url: string; close: () => Promise<void> }>((resolve) => {
    const node = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => (node as import("node:http").Server).close(() => done()))
      }))
  })
  url = server.url
  close = server.close
} else {
  const served = await serveMock({ ...options, port: 0, host: "127.0.0.1" })
  url = served.url
  close = served.close
}

let closing = false
const stop = async () => {
  if (closing) return
  closing = true
  const timer = setTimeout(() => process.exit(0), 2000)
  timer.unref()
  await close().catch(() => undefined)
  process.exit(0)
}
process.once("SIGTERM", stop)
process.once("SIGINT", stop)
process.once("disconnect", stop)

const lines = readline.createInterface({ input: process.stdin })
lines.on("line", (line) => {
  if (line.trim() === "mem") process.stdout.write(`MEM ${JSON.stringify(memory())}\n`)
  if (line.trim() === "cpu") process.stdout.write(`CPU ${JSON.stringify(process.cpuUsage())}\n`)
})
lines.on("close", stop)
process.stdout.write(`READY ${JSON.stringify({ url })}\n`)
