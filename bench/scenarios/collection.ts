/**
 * Scenario 4, result collection: GET requests per lead when results are collected by polling
 * only (no webhook receiver), with a realistic completion latency (uniform 1 to 30 s), next to
 * a naive poller that asks for every pending id every second. Both run against the mock
 * in-process on virtual time (the library on Effect's TestClock, the naive poller on a manual
 * clock), with the rate limit off: only the request counts and the collection lag matter,
 * and they do not depend on the machine. Lag = when the result was collected minus when the
 * enrichment completed, in (virtual) seconds.
 */
import { FetchHttpClient } from "@effect/platform"
import { Enrichment, Journal, LemlistClient, RequestPacer } from "@lemlist-effect/enrich"
import { type Duration, Effect, Layer, Redacted, Stream, TestContext } from "effect"
import { isMain, log, machine, median, parseArgs, report, type ScenarioResult } from "../lib/common.js"
import { leadInput, leads } from "../lib/leads.js"
import { limitOff } from "../lib/library.js"
import { driven, effectClockWith, makeManualClock, makeMockServer, type MockServer } from "@lemlist-effect/mock-server"

const KEY = "bench-collection"
const latency = { minMs: 1_000, maxMs: 30_000 }
const mockOptions = { apiKeys: [KEY], latency, credits: 1e12, rateLimit: { enabled: false, limit: 1_000_000 } }

const methodOf = (input: RequestInfo | URL, init?: RequestInit) =>
  init?.method ?? (input instanceof Request ? input.method : "GET")

const lagOf = (server: MockServer, collectedAt: ReadonlyMap<string, number>, keyOf: (e: { id: string; metadata?: unknown }) => string) => {
  const lags: Array<number> = []
  for (const e of server.handle.enrichments(KEY)) {
    const at = collectedAt.get(keyOf(e))
    if (at !== undefined) lags.push((at - (e.completedAt ?? e.completesAt)) / 1000)
  }
  return lags.reduce((a, b) => a + b, 0) / Math.max(1, lags.length)
}

const library = (n: number, seed: number, step: Duration.DurationInput) =>
  Effect.gen(function*() {
    const clock = yield* effectClockWith({ resolutionMs: 50 })
    const server = makeMockServer({ ...mockOptions, seed, clock })
    yield* Effect.addFinalizer(() => Effect.promise(() => server.handle.close()))
    let gets = 0
    const counting = ((input: RequestInfo | URL, init?: RequestInit) => {
      if (methodOf(input, init) === "GET") gets++
      return server.fetch(input, init)
    }) as typeof fetch
    const layer = Layer.merge(
      LemlistClient.layer({ apiKey: Redacted.make(KEY), baseUrl: "http://lemlist.bench/api" }).pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.succeed(FetchHttpClient.Fetch, counting)),
        Layer.provide(RequestPacer.layer(limitOff))
      ),
      Journal.layerMemory
    )
    const collectedAt = new Map<string, number>()
    const outcomes = yield* Enrichment.run(leads(n), { types: ["find_email"], creditCheck: "off", total: n }).pipe(
      Stream.tap((o) => Effect.sync(() => collectedAt.set(o.key, clock.now()))),
      Stream.runCount,
      (e) => driven(e, { step }),
      Effect.provide(layer)
    )
    if (outcomes !== n) throw new Error(`library: ${outcomes} outcomes of ${n}`)
    return { gets, perLead: gets / n, lagS: lagOf(server, collectedAt, (e) => String(e.metadata)) }
  }).pipe(Effect.scoped, Effect.provide(TestContext.TestContext))

/** Naive: submit everything, then every second GET every pending id until it is done. */
const naive = async (n: number, seed: number) => {
  const clock = makeManualClock(Date.parse("2026-01-01T00:00:00Z"))
  const server = makeMockServer({ ...mockOptions, seed, clock })
  const auth = "Basic " + Buffer.from(`:${KEY}`).toString("base64")
  const pending = new Set<string>()
  for (let i = 0; i < n; i += 500) {
    const items = Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ input: leadInput(i + j), enrichmentRequests: ["find_email"] }))
    const res = await server.fetch(`http://lemlist.bench/api/v2/enrichments/bulk`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify(items)
    })
    for (const e of (await res.json()) as Array<{ id?: string }>) if (e.id) pending.add(e.id)
  }
  let gets = 0
  const collectedAt = new Map<string, number>()
  for (let second = 0; pending.size > 0 && second < 3600; second++) {
    clock.advance(1000)
    await Promise.all([...pending].map(async (id) => {
      gets++
      const res = await server.fetch(`http://lemlist.bench/api/enrich/${id}`, { headers: { authorization: auth } })
      const body = (await res.json()) as { enrichmentStatus?: string; status?: string }
      const status = body.enrichmentStatus ?? body.status
      if (status !== undefined && status !== "in-progress" && status !== "pending") {
        pending.delete(id)
        collectedAt.set(id, clock.now())
      }
    }))
  }
  await server.handle.close()
  if (pending.size > 0) throw new Error(`naive: ${pending.size} never done`)
  return { gets, perLead: gets / n, lagS: lagOf(server, collectedAt, (e) => e.id) }
}

export const main = async () => {
  const args = parseArgs()
  const n = Number(args.named.get("leads") ?? (args.quick ? 500 : 10_000))
  const runs = Number(args.named.get("runs") ?? (args.quick ? 1 : 3))
  const lib: Array<{ gets: number; perLead: number; lagS: number }> = []
  const nai: Array<{ gets: number; perLead: number; lagS: number }> = []
  for (let r = 0; r < runs; r++) {
    lib.push(await Effect.runPromise(library(n, 7 + r, args.quick ? "500 millis" : "250 millis")))
    nai.push(await naive(n, 7 + r))
    log(`collection run ${r + 1}/${runs}, ${n} leads: library ${lib.at(-1)!.perLead.toFixed(2)} GET/lead (lag ${lib.at(-1)!.lagS.toFixed(1)} s), naive ${nai.at(-1)!.perLead.toFixed(2)} GET/lead (lag ${nai.at(-1)!.lagS.toFixed(1)} s)`)
  }
  const m = (xs: typeof lib, k: "perLead" | "lagS") => median(xs.map((x) => x[k]))
  const result: ScenarioResult = {
    scenario: "collection",
    title: `4. Result collection by polling: ${n.toLocaleString("en")} leads, latency 1-30 s (virtual time)`,
    quick: args.quick,
    runs,
    figures: {
      leads: n,
      "library GET/lead": m(lib, "perLead"),
      "naive 1 s poller GET/lead": m(nai, "perLead"),
      "library/naive GETs": m(lib, "perLead") / m(nai, "perLead"),
      "library mean lag s": m(lib, "lagS"),
      "naive mean lag s": m(nai, "lagS")
    },
    goals: [],
    details: { machine: machine(), library: lib, naive: nai },
    notes: ["no numeric goal in the issues; lag is the price of fewer GETs (the library backs off 2 s, 4 s, 8 s... up to 30 s)"]
  }
  report(args, result)
}

if (isMain(import.meta.url)) await main()
