/**
 * The plain TypeScript baseline: no Effect. Batches of 500 to the bulk route with a
 * `webhookUrl` pointing at a tiny `node:http` receiver, a promise pool of `concurrency`
 * submits in flight, and the end when every accepted id has had its webhook.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { leadInput } from "./leads.js"

export interface BaselineRun {
  readonly leads: number
  readonly results: number
  readonly wallMs: number
  readonly cpuMs: number
  readonly requests: number
}

/** A receiver that records the ids of every delivery; `until(n)` resolves at n distinct ids. */
export const tinyReceiver = async () => {
  const seen = new Set<string>()
  let target = Infinity
  let done: (() => void) | undefined
  let deliveries = 0
  const server: Server = createServer((req, res) => {
    const parts: Array<Buffer> = []
    req.on("data", (b: Buffer) => parts.push(b))
    req.on("end", () => {
      deliveries++
      try {
        const body = JSON.parse(Buffer.concat(parts).toString("utf8")) as { data?: Array<{ id?: string }> }
        for (const item of body.data ?? []) if (typeof item.id === "string") seen.add(item.id)
      } catch {
        // ignore a bad body, as a receiver would
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("ok")
      if (seen.size >= target) done?.()
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    seen,
    deliveries: () => deliveries,
    until: (n: number) =>
      new Promise<void>((resolve) => {
        target = n
        done = resolve
        if (seen.size >= n) resolve()
      }),
    reset: () => {
      seen.clear()
      deliveries = 0
      target = Infinity
      done = undefined
    },
    close: () => closeServer(server)
  }
}

/** Closes a server now, its keep-alive connections included. */
export const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })

export type TinyReceiver = Awaited<ReturnType<typeof tinyReceiver>>

/** A promise pool: at most `concurrency` tasks running at once. */
export const pool = async <A>(items: Iterable<A>, concurrency: number, task: (a: A) => Promise<void>) => {
  const it = items[Symbol.iterator]()
  const worker = async () => {
    for (let next = it.next(); !next.done; next = it.next()) await task(next.value)
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

function* batches(n: number, offset: number, size: number) {
  for (let i = 0; i < n; i += size) {
    const items = []
    for (let j = i; j < Math.min(n, i + size); j++) items.push({ input: leadInput(offset + j), enrichmentRequests: ["find_email"] })
    yield items
  }
}

export const runBaseline = async (o: {
  readonly apiUrl: string
  readonly apiKey: string
  readonly n: number
  readonly offset?: number
  readonly concurrency?: number
  readonly receiver: TinyReceiver
}): Promise<BaselineRun> => {
  const auth = "Basic " + Buffer.from(`:${o.apiKey}`).toString("base64")
  const endpoint = `${o.apiUrl}/v2/enrichments/bulk?webhookUrl=${encodeURIComponent(o.receiver.url)}`
  o.receiver.reset()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const ids = new Set<string>()
  let requests = 0
  await pool(batches(o.n, o.offset ?? 0, 500), o.concurrency ?? 4, async (items) => {
    for (let attempt = 0;; attempt++) {
      requests++
      const res = await fetch(endpoint, {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify(items)
      })
      if (res.status === 429 && attempt < 10) {
        await res.arrayBuffer()
        await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? 1) * 1000))
        continue
      }
      if (!res.ok) throw new Error(`bulk: ${res.status} ${await res.text()}`)
      const answer = (await res.json()) as Array<{ id?: string }>
      for (const entry of answer) if (entry.id) ids.add(entry.id)
      return
    }
  })
  await o.receiver.until(ids.size)
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { leads: o.n, results: o.receiver.seen.size, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, requests }
}
