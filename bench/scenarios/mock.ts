/**
 * Scenario 5, the mock: the two figures of issue 14's "the mock keeps up", each the median of
 * `runs` runs against the mock served in its own process with the limit off:
 *
 * - **enrichments accepted per second** (goal >= 100,000): autocannon in this process POSTs
 *   500-item bodies to the real bulk route over loopback (8 keep-alive connections), next to a
 *   bare Hono app on `@hono/node-server` answering a fixed body of the same size (the server's
 *   ceiling), as a ratio;
 * - **webhook deliveries per second** (goal >= 15,000): `n` enrichments are created pending (1 h
 *   latency), then `POST /__mock/complete` completes them all at once and the mock delivers one
 *   webhook each, with its default 32 in flight, to a minimal keep-alive `node:http` receiver in
 *   this process that counts requests; the time runs from the call to the n-th delivery. The
 *   end-to-end figure (latency 0, deliveries while the bulk calls come in, to the JSON-parsing
 *   receiver of the baseline) is kept next to it, as before.
 *
 * Both also as the mock process's CPU time per enrichment and per delivery (`process.cpuUsage()`
 * in the mock's process): on a loaded machine the rates say how much CPU the mock got, the CPU
 * per item what it would sustain with a core of its own (1,000,000 / µs per second).
 *
 * Then the mock engineer's `bench/mock.ts` (`runMockBench`), folded in: the same figures
 * in-process (`server.fetch`, no socket) and over loopback with the load generator in the
 * same process, 2 workflows per item.
 */
import autocannon from "autocannon"
import { closeServer, pool, tinyReceiver } from "../lib/baseline.js"
import { isMain, log, machine, median, parseArgs, report, type ScenarioResult } from "../lib/common.js"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { leadInput } from "../lib/leads.js"
import { startMock } from "../lib/mockChild.js"
import { runMockBench } from "../mock.js"

const KEY = "bench-mock"
const auth = "Basic " + Buffer.from(`:${KEY}`).toString("base64")
const items = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, j) => ({ input: leadInput(offset + j), enrichmentRequests: ["find_email"] }))

/** The goals of issue 14 (goal 3, "the mock keeps up"). */
const enrichmentsGoal = 100_000
const deliveriesGoal = 15_000

/**
 * The least a webhook receiver can do: drain the body, answer 200, count. Keep-alive, so that
 * the figure is the mock's; `connections` shows whether the mock reused them.
 */
const minimalReceiver = async () => {
  let count = 0
  let connections = 0
  let target = Infinity
  let done: (() => void) | undefined
  const server = createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      res.end()
      if (++count >= target) done?.()
    })
  })
  server.keepAliveTimeout = 30_000
  server.on("connection", () => void connections++)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    counts: () => ({ deliveries: count, connections }),
    until: (n: number) =>
      new Promise<void>((resolve) => {
        target = n
        done = resolve
        if (count >= n) resolve()
      }),
    reset: () => {
      count = 0
      connections = 0
      target = Infinity
      done = undefined
    },
    close: () => closeServer(server)
  }
}

const load = async (url: string, seconds: number) => {
  const r = await autocannon({
    url: `${url}/api/v2/enrichments/bulk`,
    method: "POST",
    headers: { authorization: auth, "content-type": "application/json" },
    body: JSON.stringify(items(500)),
    connections: 8,
    duration: seconds
  })
  const ok = r["2xx"]
  return { requestsPerS: ok / seconds, non2xx: r.non2xx, errors: r.errors, latencyP50Ms: r.latency.p50, latencyP99Ms: r.latency.p99 }
}

export const main = async () => {
  const args = parseArgs()
  const seconds = Number(args.named.get("seconds") ?? (args.quick ? 2 : 10))
  const runs = Number(args.named.get("runs") ?? (args.quick ? 1 : 3))
  const deliveriesN = args.quick ? 5_000 : 50_000
  const options = { apiKeys: [KEY], seed: 7, latency: 0, credits: 1e12, retentionMs: 5_000, rateLimit: { enabled: false, limit: 1_000_000 } }
  const mock = await startMock(options)
  // A fixed answer the size of the mock's: 500 ids.
  const bare = await startMock({}, { bare: true, body: Array.from({ length: 500 }, (_, i) => ({ id: `enr_${String(i).padStart(17, "0")}` })) })
  const receiver = await tinyReceiver()
  const minimal = await minimalReceiver()
  try {
    if (!args.quick) {
      await load(mock.url, 1) // warm-up
      await load(bare.url, 1)
    }
    const m: Array<Awaited<ReturnType<typeof load>> & { mockCpuUsPerEnrichment: number }> = []
    const b: Array<Awaited<ReturnType<typeof load>>> = []
    for (let r = 0; r < runs; r++) {
      await mock.reset()
      const cpu0 = await mock.cpuMs()
      const run = await load(mock.url, seconds)
      // CPU of the mock process per enrichment: what it would sustain with a core of its own.
      m.push({ ...run, mockCpuUsPerEnrichment: ((await mock.cpuMs()) - cpu0) * 1000 / (run.requestsPerS * seconds * 500) })
      b.push(await load(bare.url, seconds))
      log(`mock run ${r + 1}/${runs}: mock ${m.at(-1)!.requestsPerS.toFixed(0)} bulk/s, ${m.at(-1)!.mockCpuUsPerEnrichment.toFixed(1)} µs mock CPU/enrichment (${m.at(-1)!.non2xx} non-2xx, ${m.at(-1)!.errors} errors), bare Hono ${b.at(-1)!.requestsPerS.toFixed(0)} req/s`)
      if (m.at(-1)!.non2xx > 0 || m.at(-1)!.errors > 0) throw new Error("the mock answered non-2xx or failed under load")
    }

    const submit = (n: number, webhookUrl: string) =>
      pool(Array.from({ length: n / 500 }, (_, k) => items(500, k * 500)), 4, async (body) => {
        const res = await fetch(`${mock.apiUrl}/v2/enrichments/bulk?webhookUrl=${encodeURIComponent(webhookUrl)}`, {
          method: "POST",
          headers: { authorization: auth, "content-type": "application/json" },
          body: JSON.stringify(body)
        })
        if (res.status !== 200) throw new Error(`bulk answered ${res.status}`)
        await res.arrayBuffer()
      })

    // Webhook deliveries per second, the goal: n pending enrichments completed at once.
    const deliverPending = async (n: number) => {
      await mock.reset()
      await mock.setOptions({ latency: 3_600_000 })
      minimal.reset()
      await submit(n, minimal.url)
      const cpu0 = await mock.cpuMs()
      const t0 = performance.now()
      const completed = fetch(`${mock.url}/__mock/complete`, { method: "POST" }).then((res) => res.arrayBuffer())
      await minimal.until(n)
      const seconds = (performance.now() - t0) / 1000
      await completed
      const mockCpuUsPerDelivery = ((await mock.cpuMs()) - cpu0) * 1000 / n
      return { deliveriesPerS: n / seconds, seconds, connections: minimal.counts().connections, mockCpuUsPerDelivery }
    }
    // Warm-up: the delivery path's first thousands of calls run unoptimised code.
    await deliverPending(args.quick ? 1_000 : 10_000)
    const delivery: Array<Awaited<ReturnType<typeof deliverPending>>> = []
    for (let r = 0; r < runs; r++) {
      delivery.push(await deliverPending(deliveriesN))
      const d = delivery.at(-1)!
      log(`mock webhooks run ${r + 1}/${runs}: ${d.deliveriesPerS.toFixed(0)} deliveries/s (${deliveriesN} in ${d.seconds.toFixed(2)} s, ${d.connections} new connections, mock CPU ${d.mockCpuUsPerDelivery.toFixed(0)} µs/delivery)`)
    }

    // End to end, as measured before: latency 0, delivered while the bulk calls come in.
    const rates: Array<number> = []
    for (let r = 0; r < runs; r++) {
      await mock.reset()
      receiver.reset()
      const t0 = performance.now()
      await submit(deliveriesN, receiver.url)
      await receiver.until(deliveriesN)
      rates.push(deliveriesN / ((performance.now() - t0) / 1000))
      log(`mock webhooks end to end run ${r + 1}/${runs}: ${rates.at(-1)!.toFixed(0)} deliveries/s`)
    }

    await mock.close()
    await bare.close()
    const folded = await runMockBench({
      seconds: args.quick ? 1 : 3,
      webhooks: args.quick ? 5_000 : 20_000,
      memoryEnrichments: args.quick ? 10_000 : 100_000
    })
    log(`bench/mock.ts: in-process ${folded.inProcess.enrichmentsPerSecond.toFixed(0)} enrichments/s, loopback ${folded.loopback.enrichmentsPerSecond.toFixed(0)}/s`)

    const bulkPerS = median(m.map((x) => x.requestsPerS))
    const barePerS = median(b.map((x) => x.requestsPerS))
    const enrichPerS = bulkPerS * 500
    const deliveriesPerS = median(delivery.map((d) => d.deliveriesPerS))
    const result: ScenarioResult = {
      scenario: "mock",
      title: "5. Mock: load with the limit off (autocannon, 8 connections, 500-item bodies; webhooks to a keep-alive receiver)",
      quick: args.quick,
      runs,
      figures: {
        "bulk requests/s": bulkPerS,
        "enrichments/s": enrichPerS,
        "bare Hono req/s": barePerS,
        "mock/bare Hono": bulkPerS / barePerS,
        "webhook deliveries/s (pending completed at once, minimal receiver)": deliveriesPerS,
        "webhook deliveries/s (end to end, latency 0)": median(rates),
        "mock CPU µs/enrichment": median(m.map((x) => x.mockCpuUsPerEnrichment)),
        "mock CPU µs/delivery": median(delivery.map((d) => d.mockCpuUsPerDelivery)),
        "bulk p99 latency ms": median(m.map((x) => x.latencyP99Ms)),
        "in-process enrichments/s (bench/mock.ts)": folded.inProcess.enrichmentsPerSecond,
        "same-process loopback enrichments/s (bench/mock.ts)": folded.loopback.enrichmentsPerSecond,
        "in-process webhook deliveries/s (bench/mock.ts)": folded.webhookDeliveriesPerSecond.inProcess,
        "heap bytes/stored enrichment (bench/mock.ts)": folded.bytesPerStoredEnrichment
      },
      goals: [
        { name: "enrichments accepted per second", target: ">= 100,000", value: enrichPerS, met: enrichPerS >= enrichmentsGoal },
        { name: "webhook deliveries per second", target: ">= 15,000", value: deliveriesPerS, met: deliveriesPerS >= deliveriesGoal }
      ],
      details: { machine: machine(), deliveries: deliveriesN, mock: m, bare: b, delivery, webhookRatesEndToEnd: rates, benchMockTs: folded }
    }
    report(args, result)
  } finally {
    await receiver.close()
    await minimal.close()
    await mock.close()
    await bare.close()
  }
}

if (isMain(import.meta.url)) await main()
