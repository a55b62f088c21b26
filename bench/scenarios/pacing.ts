/**
 * Scenario 1, pacing: N leads through `Enrichment.run` against the mock served on loopback in
 * its own process with lemlist's real limit (20 requests per 2 s, sliding window) and latency
 * 0, results by webhook to a `WebhookReceiver.layerServer` on loopback. The theoretical
 * minimum is ceil(N / 500) bulk requests at 10 per second.
 */
import { isMain, log, machine, median, medianRun, parseArgs, report, type ScenarioResult } from "../lib/common.js"
import { runLibrary } from "../lib/library.js"
import { startMock } from "../lib/mockChild.js"

const KEY = "bench-pacing"

export const main = async () => {
  const args = parseArgs()
  const n = Number(args.named.get("leads") ?? (args.quick ? 2_000 : 100_000))
  const runs = Number(args.named.get("runs") ?? (args.quick ? 1 : 3))
  const mock = await startMock({ apiKeys: [KEY], seed: 7, latency: 0, credits: 1e12, retentionMs: 60_000 })
  try {
    const results = []
    for (let r = 0; r < runs; r++) {
      await mock.reset()
      // Let the window of the previous run slide out (reset clears it too; this is belt and braces).
      if (r > 0) await new Promise((res) => setTimeout(res, 2100))
      const run = await runLibrary({ apiUrl: mock.apiUrl, apiKey: KEY, n, offset: r * n })
      const stats = await mock.stats()
      // The submit phase alone: from the first bulk request's arrival to the last one's.
      const bulk = (await mock.requests()).filter((q) => q.route === "bulk").map((q) => q.time).sort((a, b) => a - b)
      const submitSpanMs = bulk.length > 1 ? bulk[bulk.length - 1]! - bulk[0]! : 0
      const requestsNeeded = Math.ceil(n / 500)
      const theoreticalMs = (requestsNeeded / 10) * 1000
      const one = {
        wallS: run.wallMs / 1000,
        theoreticalS: theoreticalMs / 1000,
        ratio: theoreticalMs / run.wallMs,
        requests: stats.requests,
        rateLimitedServed: stats.rateLimited,
        rateLimitedSeen: run.rateLimited,
        requestsPerS: stats.requests / (run.wallMs / 1000),
        submitSpanS: submitSpanMs / 1000,
        // n requests spaced 100 ms apart span (n - 1) / 10 s at best.
        submitRatio: bulk.length > 1 ? ((bulk.length - 1) / 10) / (submitSpanMs / 1000) : NaN,
        submitRequestsPerS: bulk.length > 1 ? (bulk.length - 1) / (submitSpanMs / 1000) : NaN,
        outcomes: run.outcomes,
        byTag: run.byTag
      }
      log(`pacing run ${r + 1}/${runs}: ${n} leads in ${one.wallS.toFixed(2)} s (min ${one.theoreticalS} s), ratio ${one.ratio.toFixed(3)}, ${one.requests} requests, ${one.rateLimitedServed} 429s`)
      if (run.outcomes !== n) throw new Error(`expected ${n} outcomes, got ${run.outcomes}`)
      results.push(one)
    }
    const mid = medianRun(results, (x) => x.ratio)
    const result: ScenarioResult = {
      scenario: "pacing",
      title: `1. Pacing: ${n.toLocaleString("en")} leads, real 20/2 s window, latency 0, webhooks`,
      quick: args.quick,
      runs,
      figures: {
        leads: n,
        "wall s": median(results.map((x) => x.wallS)),
        "theoretical min s": mid.theoreticalS,
        "min/wall ratio": median(results.map((x) => x.ratio)),
        "429s": Math.max(...results.map((x) => x.rateLimitedServed)),
        "requests/s (whole run)": median(results.map((x) => x.requestsPerS)),
        "submit phase s": median(results.map((x) => x.submitSpanS)),
        "submit phase requests/s": median(results.map((x) => x.submitRequestsPerS)),
        "submit phase vs its minimum": median(results.map((x) => x.submitRatio))
      },
      goals: [
        { name: "wall vs theoretical minimum", target: ">= 0.95", value: median(results.map((x) => x.ratio)), met: median(results.map((x) => x.ratio)) >= 0.95 },
        { name: "429s received", target: "= 0", value: Math.max(...results.map((x) => x.rateLimitedServed)), met: results.every((x) => x.rateLimitedServed === 0) }
      ],
      details: { machine: machine(), runs: results },
      ...(args.quick ? { notes: ["quick: 2,000 leads is 4 requests, so start-up and the last webhooks weigh more than in the full run"] } : {})
    }
    report(args, result)
  } finally {
    await mock.close()
  }
}

if (isMain(import.meta.url)) await main()
