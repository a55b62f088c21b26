/**
 * Scenario 2, overhead: leads per second with the limit off (the mock's rate limit disabled
 * and a high advertised limit, the pacer at `{ interval: 0, limit: 1e6 }`), latency 0,
 * results by webhook, against one mock served in its own process. The library (receiver as
 * shipped, `WebhookReceiver.layerServer`; and its handler mounted on a bare `node:http`
 * server) next to a plain TypeScript baseline (fetch + a promise pool of 4, a tiny `node:http`
 * receiver), alternating in the same process run. CPU time of this process per 1,000 leads
 * (`process.cpuUsage`; the mock's own CPU is in its process and not counted).
 */
import { runBaseline, tinyReceiver } from "../lib/baseline.js"
import { isMain, log, machine, median, parseArgs, report, type ScenarioResult } from "../lib/common.js"
import { limitOff, runLibrary } from "../lib/library.js"
import { startMock } from "../lib/mockChild.js"

const KEY = "bench-overhead"

export const main = async () => {
  const args = parseArgs()
  const n = Number(args.named.get("leads") ?? (args.quick ? 1_000 : 20_000))
  const runs = Number(args.named.get("runs") ?? (args.quick ? 1 : 3))
  const mock = await startMock({
    apiKeys: [KEY],
    seed: 7,
    latency: 0,
    credits: 1e12,
    retentionMs: 30_000,
    rateLimit: { enabled: false, limit: 1_000_000 }
  })
  const receiver = await tinyReceiver()
  try {
    // Warm-up: JIT, connections, the mock's own warm-up (not counted).
    if (!args.quick) {
      await runBaseline({ apiUrl: mock.apiUrl, apiKey: KEY, n: 2_000, offset: 10_000_000, receiver })
      await runLibrary({ apiUrl: mock.apiUrl, apiKey: KEY, n: 2_000, offset: 11_000_000, pacing: limitOff, receiver: "mounted" })
    }
    const rows: Array<{ variant: string; leadsPerS: number; cpuMsPer1000: number; wallS: number }> = []
    for (let r = 0; r < runs; r++) {
      await mock.reset()
      const base = await runBaseline({ apiUrl: mock.apiUrl, apiKey: KEY, n, offset: r * n, receiver })
      if (base.results !== n) throw new Error(`baseline: ${base.results} results of ${n}`)
      rows.push({ variant: "baseline", leadsPerS: n / (base.wallMs / 1000), cpuMsPer1000: base.cpuMs / (n / 1000), wallS: base.wallMs / 1000 })
      for (const variant of ["layerServer", "mounted"] as const) {
        await mock.reset()
        const lib = await runLibrary({ apiUrl: mock.apiUrl, apiKey: KEY, n, offset: r * n, pacing: limitOff, receiver: variant })
        if (lib.outcomes !== n) throw new Error(`library: ${lib.outcomes} outcomes of ${n}`)
        rows.push({ variant, leadsPerS: n / (lib.wallMs / 1000), cpuMsPer1000: lib.cpuMs / (n / 1000), wallS: lib.wallMs / 1000 })
      }
      const last = rows.slice(-3).map((x) => `${x.variant} ${x.leadsPerS.toFixed(0)}/s (${x.cpuMsPer1000.toFixed(0)} ms CPU/1000)`)
      log(`overhead run ${r + 1}/${runs}, ${n} leads: ${last.join(", ")}`)
    }
    const med = (variant: string, k: "leadsPerS" | "cpuMsPer1000") => median(rows.filter((x) => x.variant === variant).map((x) => x[k]))
    const ratio = med("layerServer", "leadsPerS") / med("baseline", "leadsPerS")
    const ratioMounted = med("mounted", "leadsPerS") / med("baseline", "leadsPerS")
    const result: ScenarioResult = {
      scenario: "overhead",
      title: `2. Overhead: ${n.toLocaleString("en")} leads, limit off, latency 0, webhooks`,
      quick: args.quick,
      runs,
      figures: {
        leads: n,
        "library leads/s": med("layerServer", "leadsPerS"),
        "baseline leads/s": med("baseline", "leadsPerS"),
        "library/baseline": ratio,
        "library CPU ms/1000 leads": med("layerServer", "cpuMsPer1000"),
        "baseline CPU ms/1000 leads": med("baseline", "cpuMsPer1000"),
        "library (mounted handler) leads/s": med("mounted", "leadsPerS"),
        "mounted/baseline": ratioMounted,
        "mounted CPU ms/1000 leads": med("mounted", "cpuMsPer1000")
      },
      goals: [{ name: "library at least as fast as the baseline", target: ">= 1.0", value: ratio, met: ratio >= 1 }],
      details: { machine: machine(), runs: rows },
      notes: [
        "library = WebhookReceiver.layerServer (as shipped); mounted = the same receiver's handler on a bare node:http server",
        "the mock delivers one webhook per enrichment, 32 in flight: that is the ceiling of every variant"
      ]
    }
    report(args, result)
  } finally {
    await receiver.close()
    await mock.close()
  }
}

if (isMain(import.meta.url)) await main()
