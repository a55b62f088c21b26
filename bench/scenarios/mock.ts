/**
 * Scenario 5, the mock: bulk requests per second and enrichments per second it accepts with
 * the rate limit off (autocannon in this process, POSTing 500-item bodies to the mock served
 * in its own process), next to a bare Hono app on `@hono/node-server` answering a fixed body of
 * the same size (the server's ceiling), as a ratio; webhook deliveries per second (latency 0,
 * 32 deliveries in flight, to a tiny `node:http` receiver here). Then the mock engineer's `bench/mock.ts`
 * (`runMockBench`), folded in: the same figures in-process (`server.fetch`, no socket) and over
 * loopback with the load generator in the same process, 2 workflows per item.
 */
import autocannon from "autocannon"
import { pool, tinyReceiver } from "../lib/baseline.js"
import { isMain, log, machine, median, parseArgs, report, type ScenarioResult } from "../lib/common.js"
import { leadInput } from "../lib/leads.js"
import { startMock } from "../lib/mockChild.js"
import { runMockBench } from "../mock.js"

const KEY = "bench-mock"
const auth = "Basic " + Buffer.from(`:${KEY}`).toString("base64")
const items = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, j) => ({ input: leadInput(offset + j), enrichmentRequests: ["find_email"] }))

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
  try {
    if (!args.quick) {
      await load(mock.url, 1) // warm-up
      await load(bare.url, 1)
    }
    const m: Array<Awaited<ReturnType<typeof load>>> = []
    const b: Array<Awaited<ReturnType<typeof load>>> = []
    for (let r = 0; r < runs; r++) {
      await mock.reset()
      m.push(await load(mock.url, seconds))
      b.push(await load(bare.url, seconds))
      log(`mock run ${r + 1}/${runs}: mock ${m.at(-1)!.requestsPerS.toFixed(0)} bulk/s (${m.at(-1)!.non2xx} non-2xx, ${m.at(-1)!.errors} errors), bare Hono ${b.at(-1)!.requestsPerS.toFixed(0)} req/s`)
      if (m.at(-1)!.non2xx > 0 || m.at(-1)!.errors > 0) throw new Error("the mock answered non-2xx or failed under load")
    }

    // Webhook deliveries per second.
    const rates: Array<number> = []
    for (let r = 0; r < runs; r++) {
      await mock.reset()
      receiver.reset()
      const t0 = performance.now()
      const batches = Array.from({ length: deliveriesN / 500 }, (_, k) => items(500, k * 500))
      await pool(batches, 4, async (body) => {
        const res = await fetch(`${mock.apiUrl}/v2/enrichments/bulk?webhookUrl=${encodeURIComponent(receiver.url)}`, {
          method: "POST",
          headers: { authorization: auth, "content-type": "application/json" },
          body: JSON.stringify(body)
        })
        await res.arrayBuffer()
      })
      await receiver.until(deliveriesN)
      rates.push(deliveriesN / ((performance.now() - t0) / 1000))
      log(`mock webhooks run ${r + 1}/${runs}: ${rates.at(-1)!.toFixed(0)} deliveries/s`)
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
    const result: ScenarioResult = {
      scenario: "mock",
      title: "5. Mock: load with the limit off (autocannon, 8 connections, 500-item bodies)",
      quick: args.quick,
      runs,
      figures: {
        "bulk requests/s": bulkPerS,
        "enrichments/s": enrichPerS,
        "bare Hono req/s": barePerS,
        "mock/bare Hono": bulkPerS / barePerS,
        "webhook deliveries/s": median(rates),
        "bulk p99 latency ms": median(m.map((x) => x.latencyP99Ms)),
        "in-process enrichments/s (bench/mock.ts)": folded.inProcess.enrichmentsPerSecond,
        "same-process loopback enrichments/s (bench/mock.ts)": folded.loopback.enrichmentsPerSecond,
        "in-process webhook deliveries/s (bench/mock.ts)": folded.webhookDeliveriesPerSecond.inProcess,
        "heap bytes/stored enrichment (bench/mock.ts)": folded.bytesPerStoredEnrichment
      },
      goals: [{ name: "enrichments accepted per second", target: ">= 50,000", value: enrichPerS, met: enrichPerS >= 50_000 }],
      details: { machine: machine(), mock: m, bare: b, webhookRates: rates, benchMockTs: folded }
    }
    report(args, result)
  } finally {
    await receiver.close()
    await mock.close()
    await bare.close()
  }
}

if (isMain(import.meta.url)) await main()
