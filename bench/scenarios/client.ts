/**
 * Scenario 6, client pacing (the benchmark of `bench/client.ts`, folded in): the client at
 * full speed (32 calls in flight: bulk, get, credits) for real time against the mock's real
 * 20-per-2-s sliding window on loopback: requests per second as a share of lemlist's 10/s
 * ceiling, and the 429s received.
 */
import { runClientBench } from "../client.js"
import { isMain, log, machine, median, parseArgs, report, type ScenarioResult } from "../lib/common.js"

export const main = async () => {
  const args = parseArgs()
  const seconds = Number(args.named.get("seconds") ?? (args.quick ? 10 : 30))
  const runs = Number(args.named.get("runs") ?? (args.quick ? 1 : 3))
  const all = []
  for (let r = 0; r < runs; r++) {
    // Quick: 16 calls in flight (still far above the limit), so the queued tail after the
    // deadline is shorter.
    const x = await runClientBench({ durationMs: seconds * 1000, concurrency: args.quick ? 16 : 32 })
    log(`client run ${r + 1}/${runs}: ${x.requests} requests in ${(x.durationMs / 1000).toFixed(1)} s = ${x.shareOfCeiling.toFixed(3)} of 10/s, ${x.rateLimited} 429s, ${x.errors} errors`)
    all.push(x)
  }
  const share = median(all.map((x) => x.shareOfCeiling))
  const worst429 = Math.max(...all.map((x) => x.rateLimited))
  const result: ScenarioResult = {
    scenario: "client",
    title: `6. Client pacing: ${seconds} s at full speed, real 20/2 s window`,
    quick: args.quick,
    runs,
    figures: {
      "seconds per run": seconds,
      "requests/s": median(all.map((x) => x.requestsPerSecond)),
      "share of 10/s": share,
      "429s": worst429,
      errors: Math.max(...all.map((x) => x.errors))
    },
    goals: [
      { name: "share of the 10/s ceiling", target: ">= 0.97", value: share, met: share >= 0.97 },
      { name: "429s received", target: "= 0", value: worst429, met: worst429 === 0 }
    ],
    details: { machine: machine(), runs: all },
    ...(args.quick ? { notes: ["quick: 10 s, so the start (an empty window) weighs three times more than in the full run"] } : {})
  }
  report(args, result)
}

if (isMain(import.meta.url)) await main()
