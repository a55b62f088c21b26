/**
 * The client throughput benchmark's body (see `bench/client.ts`, which runs it). It lives in
 * the package so that its imports resolve against the package's dependencies; it is not a test
 * file (vitest ignores it).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { LemlistClient, RequestPacer } from "../src/index.js"
import { listen, makeMockServer } from "@lemlist-effect/mock-server"
import { Effect, Layer, Redacted } from "effect"

/** What the benchmark measured. */
export interface ClientBenchResult {
  /** Requests the mock received (each attempt counts). */
  readonly requests: number
  /** From the first start to the end of the run, in ms. */
  readonly durationMs: number
  readonly requestsPerSecond: number
  /** `requestsPerSecond / 10`: the share of lemlist's ceiling (20 per 2 s). */
  readonly shareOfCeiling: number
  /** 429s the mock served (its sliding window). */
  readonly rateLimited: number
  /** Calls that failed for another reason. */
  readonly errors: number
  readonly concurrency: number
  readonly mix: { readonly bulk: number; readonly get: number; readonly credits: number }
}

export interface ClientBenchOptions {
  /** Real time to run, in ms. Default 30 000. */
  readonly durationMs?: number
  /** Calls in flight at once (far more than the limit, so the pacer is the bottleneck). Default 32. */
  readonly concurrency?: number
  /** Pacing (default: the library's). */
  readonly pacing?: RequestPacer.Options
}

const KEY = "bench-key"

/**
 * Runs the benchmark and returns its figures.
 *
 * @example
 * ```ts
 * import { runClientBench } from "../bench/client.js"
 *
 * const figures = await runClientBench({ durationMs: 30_000 })
 * figures.shareOfCeiling // ≈ 0.98
 * ```
 */
export const runClientBench = async (options: ClientBenchOptions = {}): Promise<ClientBenchResult> => {
  const durationMs = options.durationMs ?? 30_000
  const concurrency = options.concurrency ?? 32
  // Real clock, lemlist's defaults: 20 requests per 2 s, sliding window; completion 200–3000 ms.
  const served = await listen(makeMockServer({ apiKeys: [KEY], seed: 7 }))
  try {
    const mix = { bulk: 0, get: 0, credits: 0 }
    let errors = 0
    const program = Effect.gen(function*() {
      const client = yield* LemlistClient.LemlistClient
      const ids: Array<string> = []
      const start = Date.now()
      const deadline = start + durationMs
      const one = (n: number): Effect.Effect<void> => {
        const kind = n % 4 === 0 || ids.length === 0 ? "bulk" : n % 4 === 3 ? "credits" : "get"
        mix[kind]++
        const call: Effect.Effect<unknown, unknown> =
          kind === "bulk"
            ? Effect.tap(
              client.bulkEnrich([{ input: { email: `bench${n}@acme.com` }, enrichmentRequests: ["verify"] }]),
              (entries) =>
                Effect.sync(() => {
                  for (const e of entries) if (e._tag === "Accepted") ids.push(e.id)
                })
            )
            : kind === "get"
            ? client.getEnrichment(ids[n % ids.length])
            : client.credits
        return Effect.catchAll(Effect.asVoid(call), () => Effect.sync(() => void errors++))
      }
      let n = 0
      const worker = Effect.gen(function*() {
        while (Date.now() < deadline) yield* one(n++)
      })
      yield* Effect.all(Array.from({ length: concurrency }, () => worker), { concurrency: "unbounded", discard: true })
      return Date.now() - start
    })
    const layer = LemlistClient.layer({ apiKey: Redacted.make(KEY), baseUrl: served.apiUrl }).pipe(
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.provide(RequestPacer.layer(options.pacing))
    )
    const elapsed = await Effect.runPromise(program.pipe(Effect.provide(layer)))
    const stats = served.server.handle.stats(KEY)
    const requestsPerSecond = stats.requests / (elapsed / 1000)
    return {
      requests: stats.requests,
      durationMs: elapsed,
      requestsPerSecond,
      shareOfCeiling: requestsPerSecond / 10,
      rateLimited: stats.rateLimited,
      errors,
      concurrency,
      mix
    }
  } finally {
    await served.close()
  }
}
