/**
 * Client throughput benchmark: the client at full speed, for real time, against the mock's
 * 20-per-2-s sliding window served on loopback. It prints requests per second as a share of
 * lemlist's 10/s ceiling (goal >= 0.97) and the 429s received (goal 0).
 *
 * Run: `npx tsx bench/client.ts [seconds] [concurrency]` (default 30 s, 32 calls in flight).
 * A harness can import `runClientBench` and read the figures.
 *
 * The body lives in `packages/enrich/test/LemlistClient.bench.ts`, beside the client's tests.
 * `pnpm bench` runs it as scenario 6 (`bench/scenarios/client.ts`): 3 × 30 s, or 10 s in
 * `--quick`.
 */
import { pathToFileURL } from "node:url"
import { runClientBench } from "../packages/enrich/test/LemlistClient.bench.js"

export { type ClientBenchOptions, type ClientBenchResult, runClientBench } from "../packages/enrich/test/LemlistClient.bench.js"

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = Number(process.argv[2] ?? 30)
  const concurrency = Number(process.argv[3] ?? 32)
  const r = await runClientBench({ durationMs: seconds * 1000, concurrency })
  console.log(`client bench: ${r.requests} requests in ${(r.durationMs / 1000).toFixed(1)} s, concurrency ${r.concurrency}`)
  console.log(`  mix: ${r.mix.bulk} bulk, ${r.mix.get} get, ${r.mix.credits} credits; ${r.errors} errors`)
  console.log(`  ${r.requestsPerSecond.toFixed(2)} req/s = ${r.shareOfCeiling.toFixed(3)} of the 10/s ceiling (goal >= 0.97)`)
  console.log(`  429s received: ${r.rateLimited} (goal 0)`)
  process.exitCode = r.shareOfCeiling >= 0.97 && r.rateLimited === 0 ? 0 : 1
}
