/**
 * Starts `mockProcess.ts` as a child and talks to it: its URL, its admin API, its memory.
 */
import type { MockOptions } from "@lemlist-effect/mock-server"
import * as readline from "node:readline"
import { scriptPath, spawnTs } from "./common.js"

export interface MockChild {
  /** `http://127.0.0.1:PORT` */
  readonly url: string
  readonly apiUrl: string
  readonly pid: number
  /** `GET /__mock/stats`, summed over the teams. */
  readonly stats: () => Promise<{ requests: number; rateLimited: number; enrichmentsCreated: number }>
  /** `GET /__mock/requests`: method, path, route, status, arrival time. */
  readonly requests: () => Promise<ReadonlyArray<{ method: string; route?: string; status: number; time: number }>>
  readonly reset: () => Promise<void>
  readonly setOptions: (update: Omit<MockOptions, "clock">) => Promise<void>
  /** Memory after a GC (the child runs with `--expose-gc`). */
  readonly memory: () => Promise<{ heapUsed: number; rss: number }>
  /** The mock process's CPU time so far (user + system), in ms. */
  readonly cpuMs: () => Promise<number>
  readonly close: () => Promise<void>
}

export const startMock = (
  options: Omit<MockOptions, "clock" | "webhooks"> & { readonly webhooks?: Omit<NonNullable<MockOptions["webhooks"]>, "fetch"> },
  extra: { readonly bare?: boolean; readonly body?: unknown } = {}
): Promise<MockChild> =>
  new Promise((resolve, reject) => {
    const child = spawnTs(
      scriptPath("lib/mockProcess.ts"),
      ["--options", JSON.stringify(extra.body === undefined ? options : { ...options, body: extra.body }), ...(extra.bare ? ["--bare"] : [])],
      { nodeFlags: ["--expose-gc", "--max-old-space-size=4096"] }
    )
    const waiting: Array<(line: string) => void> = []
    const waitingCpu: Array<(line: string) => void> = []
    const lines = readline.createInterface({ input: child.stdout! })
    let ready = false
    child.once("exit", (code, signal) => {
      if (!ready) reject(new Error(`the mock process ended before it was ready (${signal ?? code})`))
    })
    lines.on("line", (line) => {
      if (line.startsWith("READY ")) {
        ready = true
        const { url } = JSON.parse(line.slice(6)) as { url: string }
        const admin = async (method: string, path: string, body?: unknown) => {
          const res = await fetch(`${url}/__mock${path}`, {
            method,
            ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
          })
          if (!res.ok) throw new Error(`${method} /__mock${path}: ${res.status} ${await res.text()}`)
          return res.json() as Promise<unknown>
        }
        resolve({
          url,
          apiUrl: `${url}/api`,
          pid: child.pid!,
          stats: async () => {
            const all = (await admin("GET", "/stats")) as Record<string, { requests: number; rateLimited: number; enrichmentsCreated: number }>
            const sum = { requests: 0, rateLimited: 0, enrichmentsCreated: 0 }
            for (const t of Object.values(all)) {
              sum.requests += t.requests
              sum.rateLimited += t.rateLimited
              sum.enrichmentsCreated += t.enrichmentsCreated
            }
            return sum
          },
          requests: async () => (await admin("GET", "/requests")) as ReadonlyArray<{ method: string; route?: string; status: number; time: number }>,
          reset: async () => void (await admin("POST", "/reset")),
          setOptions: async (update) => void (await admin("PUT", "/options", update)),
          memory: () =>
            new Promise((res) => {
              waiting.push((l) => res(JSON.parse(l.slice(4))))
              child.stdin!.write("mem\n")
            }),
          cpuMs: () =>
            new Promise((res) => {
              waitingCpu.push((l) => {
                const u = JSON.parse(l.slice(4)) as { user: number; system: number }
                res((u.user + u.system) / 1000)
              })
              child.stdin!.write("cpu\n")
            }),
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done()
              const timer = setTimeout(() => child.kill("SIGKILL"), 3000)
              child.once("exit", () => {
                clearTimeout(timer)
                done()
              })
              child.stdin!.end()
            })
        })
      } else if (line.startsWith("MEM ")) {
        waiting.shift()?.(line)
      } else if (line.startsWith("CPU ")) {
        waitingCpu.shift()?.(line)
      }
    })
  })
