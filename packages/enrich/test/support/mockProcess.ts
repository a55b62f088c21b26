/**
 * The lemlist mock in a process of its own, for the multi-process tests: lemlist's real window
 * (20 requests in any 2 s, sliding), webhooks retried for about a minute. Prints its URL as
 * JSON on one line once it listens; read it through its admin API (`/__mock/...`).
 *
 * Usage: node --import tsx mockProcess.ts <apiKey> <seed> <minLatencyMs> <maxLatencyMs>
 */
import { serveMock } from "@lemlist-effect/mock-server"

const [apiKey, seed, minMs, maxMs] = process.argv.slice(2) as [string, string, string, string]

const served = await serveMock({
  apiKeys: [apiKey],
  seed: Number(seed),
  latency: { minMs: Number(minMs), maxMs: Number(maxMs) },
  credits: 1_000_000_000,
  maxRecords: 500_000,
  webhooks: { retries: 7, baseDelayMs: 500 }
})
process.stdout.write(JSON.stringify({ url: served.url, apiUrl: served.apiUrl }) + "\n")
process.on("SIGTERM", () => void served.close().then(() => process.exit(0)))
