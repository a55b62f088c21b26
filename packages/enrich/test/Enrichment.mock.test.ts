import { EnrichmentType } from "@lemlist-effect/contract"
import { Enrichment, Journal, type Lead, LemlistClient, type Outcome, Progress } from "@lemlist-effect/enrich"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Layer, Stream, SubscriptionRef } from "effect"
import { driven } from "./support/drive.js"
import { mockEnv, type MockEnvOptions } from "./support/mockEnv.js"

/** A realistic mix: complete leads, LinkedIn-only, verify-only, and 2% that lemlist would refuse. */
const makeLeads = (n: number): Array<Lead.Lead> =>
  Array.from({ length: n }, (_, i) => {
    switch (i % 50) {
      case 0:
        return { input: { firstName: `Only${i}` }, metadata: i } // missing inputs: rejected locally
      case 1:
        return { input: { email: `lead${i}@acme${i % 97}.example` }, types: ["verify"], metadata: i }
      default:
        return i % 3 === 0
          ? { input: { linkedinUrl: `https://www.linkedin.com/in/lead-${i}` }, types: ["find_email", "find_phone"], metadata: i }
          : {
            input: { firstName: `First${i}`, lastName: `Last${i}`, companyName: `Acme ${i % 97}`, companyDomain: `acme${i % 97}.example` },
            metadata: i
          }
    }
  })

const runAll = (leads: ReadonlyArray<Lead.Lead>, env: MockEnvOptions, options: Partial<Enrichment.Options> = {}) =>
  Effect.gen(function*() {
    const { apiKey, layer, server } = yield* mockEnv(env)
    const outcomes = yield* Enrichment.run(leads, { types: ["find_email"], creditCheck: "off", ...options }).pipe(
      Stream.runCollect,
      Effect.map(Chunk.toReadonlyArray),
      driven,
      Effect.either,
      Effect.provide(layer)
    )
    return { outcomes, server, apiKey }
  })

const tally = (outcomes: ReadonlyArray<Outcome.Outcome>) =>
  outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o._tag]: (acc[o._tag] ?? 0) + 1 }), {})

/** Each lead exactly one outcome; each valid lead created exactly once on the mock's side. */
const assertExactlyOnce = (
  leads: ReadonlyArray<Lead.Lead>,
  outcomes: ReadonlyArray<Outcome.Outcome>,
  created: ReadonlyArray<{ readonly metadata?: unknown }>
) => {
  assert.strictEqual(outcomes.length, leads.length)
  assert.strictEqual(new Set(outcomes.map((o) => o.metadata)).size, leads.length, "one outcome per lead")
  const keys = created.map((e) => e.metadata)
  assert.strictEqual(new Set(keys).size, keys.length, "no lead submitted twice")
  const rejected = outcomes.filter((o) => o._tag === "RejectedLocally").length
  assert.strictEqual(keys.length, leads.length - rejected, "every valid lead submitted")
}

describe("Enrichment.run against the in-process mock, on virtual time", () => {
  it.scoped("10,000 leads with webhooks", () =>
    Effect.gen(function*() {
      const leads = makeLeads(10_000)
      const { apiKey, outcomes, server } = yield* runAll(leads, { webhooks: true, mock: { latency: { minMs: 200, maxMs: 3000 } } })
      assert.isTrue(Either.isRight(outcomes))
      const all = Either.getOrThrow(outcomes)
      assertExactlyOnce(leads, all, server.handle.enrichments(apiKey))
      const counts = tally(all)
      assert.strictEqual(counts.RejectedLocally, 200)
      assert.isAbove(counts.Enriched ?? 0, 6_000)
      assert.isAbove(counts.NotFound ?? 0, 500)
      // Webhooks did the work: no poll was needed.
      assert.isFalse(server.handle.requests().some((r) => r.method === "GET"))
    }))

  it.scoped("10,000 leads by polling only", () =>
    Effect.gen(function*() {
      const leads = makeLeads(Number(process.env.POLL_LEADS ?? 10_000))
      const { apiKey, outcomes, server } = yield* runAll(leads, {
        webhooks: false,
        // Limits off for speed (the pacer adopts the mock's advertised limit): the next test
        // polls under the real one.
        pacing: { interval: 0, limit: 1_000_000 },
        mock: { latency: { minMs: 200, maxMs: 3000 }, rateLimit: { enabled: false, limit: 1_000_000 } }
      }, { polling: { initialDelay: "1 second" } })
      const all = Either.getOrThrow(outcomes)
      assertExactlyOnce(leads, all, server.handle.enrichments(apiKey))
      const polls = server.handle.requests().filter((r) => r.method === "GET").length
      assert.isAtLeast(polls, 9_800, "one poll per submitted lead at least")
    }))

  it.scoped("polling under lemlist's real 20 per 2 s sliding window: no 429", () =>
    Effect.gen(function*() {
      const leads = makeLeads(300)
      const { apiKey, outcomes, server } = yield* runAll(leads, {
        webhooks: false,
        mock: { latency: { minMs: 200, maxMs: 3000 } }
      })
      assertExactlyOnce(leads, Either.getOrThrow(outcomes), server.handle.enrichments(apiKey))
      assert.strictEqual(server.handle.stats(apiKey).rateLimited, 0)
    }))

  it.scoped("20% of webhooks dropped: the polling safety net collects the rest", () =>
    Effect.gen(function*() {
      const leads = makeLeads(10_000)
      const { apiKey, outcomes, server } = yield* runAll(leads, {
        webhooks: true,
        pacing: { interval: 0, limit: 1_000_000 },
        mock: {
          latency: { minMs: 200, maxMs: 3000 },
          rateLimit: { enabled: false, limit: 1_000_000 },
          faults: { webhookDrop: 0.2 },
          webhooks: { retries: 0 }
        }
      }, { polling: { webhookGrace: "10 seconds" } })
      const all = Either.getOrThrow(outcomes)
      assertExactlyOnce(leads, all, server.handle.enrichments(apiKey))
      const polls = server.handle.requests().filter((r) => r.method === "GET").length
      assert.isAbove(polls, 1_000, "the dropped ones were polled")
      assert.isBelow(polls, 4_000, "the delivered ones were not")
    }))

  it.scoped("duplicated and reordered webhooks change nothing", () =>
    Effect.gen(function*() {
      const leads = makeLeads(2_000)
      const mock = { seed: 7, latency: { minMs: 200, maxMs: 3000 } }
      const calm = Either.getOrThrow((yield* runAll(leads, { webhooks: true, mock })).outcomes)
      const { apiKey, outcomes, server } = yield* runAll(leads, {
        webhooks: true,
        mock: { ...mock, faults: { webhookDuplicate: 0.5, webhookReorder: 0.5, webhookDelay: 0.3 } }
      })
      const stormy = Either.getOrThrow(outcomes)
      assertExactlyOnce(leads, stormy, server.handle.enrichments(apiKey))
      const byKey = (os: ReadonlyArray<Outcome.Outcome>) => new Map(os.map((o) => [o.key, o]))
      const a = byKey(calm), b = byKey(stormy)
      for (const [key, outcome] of a) {
        const other = b.get(key)!
        assert.strictEqual(other._tag, outcome._tag, key)
        assert.deepStrictEqual("result" in other ? other.result : undefined, "result" in outcome ? outcome.result : undefined)
      }
      assert.isAbove(server.handle.deliveries().length, leads.length, "duplicates were sent")
    }))

  it.scoped.each(["fail", "reject"] as const)("credits running out mid-run (mode %s) stop cleanly, every lead accounted for", (creditMode) =>
    Effect.gen(function*() {
      const leads = makeLeads(3_000)
      const { apiKey, layer, server } = yield* mockEnv({
        webhooks: true,
        mock: { latency: 0, credits: 2_000, creditMode, results: { found: { find_email: 1 }, verify: { deliverable: 1 } } }
      })
      const seen: Array<Outcome.Outcome> = []
      const result = yield* Enrichment.run(leads, { types: ["find_email"], creditCheck: "off", batchSize: 100, concurrency: 1 }).pipe(
        Stream.runForEach((o) => Effect.sync(() => seen.push(o))),
        driven,
        Effect.either,
        Effect.provide(layer)
      )
      assert.isTrue(Either.isLeft(result) && result.left._tag === "CreditsExhausted", String(result))
      assert.strictEqual(seen.length, leads.length)
      assert.strictEqual(new Set(seen.map((o) => o.metadata)).size, leads.length)
      const created = server.handle.enrichments(apiKey)
      assert.strictEqual(new Set(created.map((e) => e.metadata)).size, created.length)
      assert.isBelow(created.length, leads.length, "it stopped sending")
      const left = server.handle.credits(apiKey)
      if (creditMode === "fail") assert.isBelow(left, EnrichmentType.defaultCosts.find_email, "spent down to what no email pays")
      else assert.isTrue(server.handle.requests().some((r) => r.status === 402), "a submit was refused with 402")
      assert.isAtLeast(left, 0)
    }))

  it.scoped("progress counts the run's own requests, not the client's lifetime, when runs share a client", () =>
    Effect.gen(function*() {
      const { layer } = yield* mockEnv({ webhooks: true, mock: { latency: 0 } })
      const shared = yield* Layer.build(layer) // one client for both runs
      const runOnce = (n: number) =>
        Effect.gen(function*() {
          const progress = yield* Progress.make(n)
          yield* Enrichment.run(makeLeads(n).slice(2), { types: ["find_email"], creditCheck: "off", progress }).pipe(
            Stream.runDrain,
            driven,
            Effect.provide(Journal.layerMemory), // a journal per run: the second sends its leads again
            Effect.provide(shared)
          )
          return yield* SubscriptionRef.get(progress)
        })
      const first = yield* runOnce(1_200)
      const second = yield* runOnce(600)
      const client = yield* Effect.provide(LemlistClient.LemlistClient, shared)
      const lifetime = yield* client.stats
      // 1,198 leads in batches of 500: three bulk calls; then 598: two.
      assert.deepStrictEqual([first.requests, second.requests], [3, 2])
      assert.strictEqual(lifetime.requests, 5)
    }))
})
