/**
 * Mock server benchmark (not a test): how cheap the mock is, on this machine.
 *
 * Prints, with the rate limit off and latency 0:
 * - bulk requests/s and enrichments/s accepted (500 per call), in-process (`server.fetch`) and
 *   over a loopback socket (goal: >= 50,000 enrichments/s);
 * - webhook deliveries/s (in-process receiver, and a loopback HTTP receiver);
 * - memory per stored enrichment (heap after GC / enrichments stored).
 *
 * Run: `npx tsx bench/mock.ts [seconds]` (default 3 s per phase). A harness can import
 * `runMockBench` and read the figures.
 */
import { makeMockServer, serveMock } from "@lemlist-effect/mock-server"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

export interface MockBenchOptions {
  /** Seconds per throughput phase. Default 3. */
  readonly seconds?: number
  /** Items per bulk call. Default 500. */
  readonly batchSize?: number
  /** Bulk calls in flight at once over the socket. Default 4. */
  readonly concurrency?: number
  /** Webhooks delivered in the delivery phases. Default 20,000. */
  readonly webhooks?: number
  /** Enrichments stored for the memory figure. Default 100,000. */
  readonly memoryEnrichments?: number
}

export interface MockBenchResult {
  readonly batchSize: number
  readonly inProcess: { readonly bulkRequestsPerSecond: number; readonly enrichmentsPerSecond: number }
  readonly loopback: { readonly bulkRequestsPerSecond: number; readonly enrichmentsPerSecond: number }
  readonly webhookDeliveriesPerSecond: { readonly inProcess: number; readonly loopback: number }
  readonly bytesPerStoredEnrichment: number
  readonly goalMet: boolean
}

const key = "bench-key"
const headers = { authorization: `Basic ${Buffer.from(`:${key}`).toString("base64")}`, "content-type": "application/json" }

/** Realistic, distinct leads: four name fields plus an email, two workflows, metadata. */
const batchBody = (batch: number, size: number): string =>
  JSON.stringify(Array.from({ length: size }, (_, i) => ({
    input: {
      firstName: `Ada${batch}`,
      lastName: `Lovelace${i}`,
      companyName: "Acme",
      companyDomain: "acme.com",
      email: `ada.${batch}.${i}@acme.com`
    },
    enrichmentRequests: ["find_email", "verify"],
    metadata: { row: batch * size + i }
  })))

const options = { apiKeys: [key], latency: 0, rateLimit: { enabled: false }, credits: 1e12, maxRecords: 1000 } as const

const gc = (): (() => void) => {
  setFlagsFromString("--expose-gc")
  return runInNewContext("gc") as () => void
}

/** Keeps `concurrency` calls in flight for `ms`; returns how many completed. */
const saturate = async (ms: number, concurrency: number, call: (n: number) => Promise<void>) => {
  const end = performance.now() + ms
  let n = 0
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) await call(n++)
  }))
  return { count: n, seconds: (performance.now() - start) / 1000 }
}

const bodies = (count: number, size: number) => Array.from({ length: count }, (_, b) => batchBody(b, size))

const deliveries = async (count: number, fetchImpl?: typeof fetch, url = "http://127.0.0.1:9/hook") => {
  const server = makeMockServer({ ...options, maxRecords: 10, webhooks: { ...(fetchImpl ? { fetch: fetchImpl } : {}), concurrency: 64 } })
  const size = 500
  const start = performance.now()
  for (let b = 0; b < count / size; b++) {
    const res = await server.fetch(`/api/v2/enrichments/bulk?webhookUrl=${encodeURIComponent(url)}`, { method: "POST", headers, body: batchBody(b, size) })
    await res.arrayBuffer()
  }
  await server.handle.completeAll()
  const seconds = (performance.now() - start) / 1000
  await server.handle.close()
  return count / seconds
}

/**
 * Runs every phase and returns the figures.
 *
 * @example
 * ```ts
 * import { runMockBench } from "./mock.js"
 *
 * const r = await runMockBench({ seconds: 1 })
 * r.inProcess.enrichmentsPerSecond // e.g. 120000
 * ```
 */
export const runMockBench = async (o: MockBenchOptions = {}): Promise<MockBenchResult> => {
  const seconds = o.seconds ?? 3
  const size = o.batchSize ?? 500
  const concurrency = o.concurrency ?? 4
  const pool = bodies(64, size)

  // 1. In-process: parsing, validation, ids, completion, credits, answer.
  const local = makeMockServer({ ...options, retentionMs: 1000 })
  await saturate(300, concurrency, async (n) => void (await (await local.fetch("/api/v2/enrichments/bulk", { method: "POST", headers, body: pool[n % pool.length] })).arrayBuffer()))
  // One call at a time: the mock is single-threaded, interleaving only adds garbage.
  const inProc = await saturate(seconds * 1000, 1, async (n) => {
    const res = await local.fetch("/api/v2/enrichments/bulk", { method: "POST", headers, body: pool[n % pool.length] })
    if (res.status !== 200) throw new Error(`bulk answered ${res.status}`)
    await res.arrayBuffer()
  })
  await local.handle.close()

  // 2. Loopback socket: the same, through @hono/node-server and undici.
  const served = await serveMock({ ...options, retentionMs: 1000 })
  const url = `${served.apiUrl}/v2/enrichments/bulk`
  const overSocket = await saturate(seconds * 1000, concurrency, async (n) => {
    const res = await fetch(url, { method: "POST", headers, body: pool[n % pool.length] })
    if (res.status !== 200) throw new Error(`bulk answered ${res.status}`)
    await res.arrayBuffer()
  })
  await served.close()

  // 3. Webhook deliveries: in-process receiver, then a loopback HTTP receiver.
  const hooks = o.webhooks ?? 20_000
  const inProcessHooks = await deliveries(hooks, (async () => new Response(null, { status: 204 })) as unknown as typeof fetch)
  const receiver = createServer((req, res) => {
    req.resume()
    req.on("end", () => res.writeHead(204).end())
  })
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r))
  const port = (receiver.address() as AddressInfo).port
  const loopbackHooks = await deliveries(Math.min(hooks, 10_000), undefined, `http://127.0.0.1:${port}/hook`)
  receiver.closeAllConnections()
  await new Promise<void>((r) => receiver.close(() => r()))

  // 4. Memory per stored enrichment (retention long enough to keep them all).
  const collect = gc()
  const stored = o.memoryEnrichments ?? 100_000
  const memBodies = bodies(stored / size, size)
  collect()
  const before = process.memoryUsage().heapUsed
  const mem = makeMockServer({ ...options, retentionMs: 3_600_000 })
  for (const body of memBodies) await (await mem.fetch("/api/v2/enrichments/bulk", { method: "POST", headers, body })).arrayBuffer()
  collect()
  const after = process.memoryUsage().heapUsed
  const count = mem.handle.stats(key).enrichmentsCreated
  await mem.handle.close()

  const inProcess = { bulkRequestsPerSecond: inProc.count / inProc.seconds, enrichmentsPerSecond: (inProc.count * size) / inProc.seconds }
  const loopback = { bulkRequestsPerSecond: overSocket.count / overSocket.seconds, enrichmentsPerSecond: (overSocket.count * size) / overSocket.seconds }
  return {
    batchSize: size,
    inProcess,
    loopback,
    webhookDeliveriesPerSecond: { inProcess: inProcessHooks, loopback: loopbackHooks },
    bytesPerStoredEnrichment: (after - before) / count,
    goalMet: inProcess.enrichmentsPerSecond >= 50_000 && loopback.enrichmentsPerSecond >= 50_000
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runMockBench({ seconds: Number(process.argv[2] ?? 3) })
  const f = (n: number) => Math.round(n).toLocaleString("en-US")
  console.log(`mock bench (rate limit off, latency 0, ${r.batchSize} per bulk call)`)
  console.log(`  in-process: ${f(r.inProcess.bulkRequestsPerSecond)} bulk req/s = ${f(r.inProcess.enrichmentsPerSecond)} enrichments/s`)
  console.log(`  loopback:   ${f(r.loopback.bulkRequestsPerSecond)} bulk req/s = ${f(r.loopback.enrichmentsPerSecond)} enrichments/s`)
  console.log(`  goal >= 50,000 enrichments/s: ${r.goalMet ? "met" : "NOT met"}`)
  console.log(`  webhook deliveries/s: ${f(r.webhookDeliveriesPerSecond.inProcess)} in-process, ${f(r.webhookDeliveriesPerSecond.loopback)} over loopback HTTP`)
  console.log(`  memory per stored enrichment: ${f(r.bytesPerStoredEnrichment)} bytes`)
  process.exitCode = r.goalMet ? 0 : 1
}
