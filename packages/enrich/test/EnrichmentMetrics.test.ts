import { assert, describe, it } from "@effect/vitest"
import { Enrichment, Journal, type Lead, Outcome, Progress } from "@lemlist-effect/enrich"
import { Chunk, Effect, Layer, Metric, Stream } from "effect"
import type { MetricPair } from "effect/MetricPair"
import { driven } from "./support/drive.js"
import { mockEnv } from "./support/mockEnv.js"

/** 300 leads, one in ten without the inputs of find_email (refused locally). */
const leads: ReadonlyArray<Lead.Lead> = Array.from({ length: 300 }, (_, i) => ({
  input: i % 10 === 0
    ? { firstName: `Only${i}` }
    : { firstName: `First${i}`, lastName: `Last${i}`, companyName: `Acme ${i}`, companyDomain: `acme${i}.example` }
}))

/** The process's counters now, by metric name and tags (`name{tag=value,...}`). */
const counters = Effect.map(Metric.snapshot, (pairs: ReadonlyArray<MetricPair.Untyped>) => {
  const out = new Map<string, number>()
  for (const pair of pairs) {
    if (!pair.metricKey.name.startsWith("lemlist_")) continue
    const tags = [...pair.metricKey.tags].map((t) => `${t.key}=${t.value}`).sort().join(",")
    out.set(`${pair.metricKey.name}{${tags}}`, (pair.metricState as unknown as { readonly count: number }).count)
  }
  return out
})

/** What grew between two snapshots. */
const growth = (before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>) =>
  Object.fromEntries([...after].flatMap(([key, n]) => n === (before.get(key) ?? 0) ? [] : [[key, n - (before.get(key) ?? 0)]]))

const byTag = (outcomes: ReadonlyArray<Outcome.Outcome>) =>
  Object.fromEntries(
    Outcome.tags.flatMap((tag) => {
      const n = outcomes.filter((o) => o._tag === tag).length
      return n === 0 ? [] : [[`lemlist_enrich_outcomes{outcome=${tag}}`, n]]
    })
  )

describe("EnrichmentMetrics", () => {
  it.scoped("count a run's outcomes, credits and requests, and a resumed run's outcomes as resumed", () =>
    Effect.gen(function*() {
      // Some answers are 429 (storms) or 5xx, some connections dropped (no answer): each counted by its status.
      const { layer, server } = yield* mockEnv({
        webhooks: false,
        mock: {
          latency: { minMs: 100, maxMs: 2_000 },
          faults: { serverError: 0.05, rateLimitStorm: 0.02, rateLimitStormMs: 1_000, drop: 0.03 }
        }
      })
      const journal = yield* Layer.build(Journal.layerMemory)
      const run = Effect.gen(function*() {
        const progress = yield* Progress.make(leads.length)
        const before = yield* counters
        const outcomes = yield* Enrichment.run(leads, { types: ["find_email"], creditCheck: "off", progress }).pipe(
          Stream.runCollect,
          Effect.map(Chunk.toReadonlyArray),
          driven
        )
        return { outcomes, grown: growth(before, yield* counters), progress: yield* progress.get }
      }).pipe(Effect.provide(Layer.merge(layer, Layer.succeedContext(journal))))

      const first = yield* run
      const answered = server.handle.requests()
      const statuses = new Map<string, number>()
      for (const r of answered) {
        const status = r.fault === "drop" ? "none" : String(r.status)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }
      for (const status of ["429", "none"]) assert.isAbove(statuses.get(status) ?? 0, 0, `the mock answered some requests ${status}`)
      assert.isTrue([...statuses.keys()].some((s) => s.startsWith("5")), "and some 5xx")
      assert.isAbove(first.progress.creditsSpent, 0)

      // Every request the mock answered, counted once, by status; the routes add up to it.
      const requests = Object.entries(first.grown).filter(([key]) => key.startsWith("lemlist_client_requests"))
      for (const [status, n] of statuses) {
        const counted = requests.filter(([key]) => key.includes(`status=${status}`)).reduce((sum, [, k]) => sum + k, 0)
        assert.strictEqual(counted, n, `requests answered ${status}`)
      }
      assert.strictEqual(requests.reduce((sum, [, n]) => sum + n, 0), answered.length)
      const bulk = answered.filter((r) => r.route === "bulk" && r.status === 200).length
      assert.strictEqual(first.grown["lemlist_client_requests{route=bulkEnrich,status=200}"], bulk)
      assert.deepStrictEqual(
        Object.fromEntries(Object.entries(first.grown).filter(([key]) => !key.startsWith("lemlist_client_requests"))),
        { ...byTag(first.outcomes), "lemlist_enrich_credits_spent{}": first.progress.creditsSpent }
      )

      // The same leads again, with the same journal: re-emitted, counted as resumed, no request.
      const second = yield* run
      assert.deepStrictEqual(second.grown, {
        ...byTag(second.outcomes),
        "lemlist_enrich_resumed{}": leads.length - leads.length / 10
      })
      assert.deepStrictEqual(byTag(second.outcomes), byTag(first.outcomes))
    }))
})
