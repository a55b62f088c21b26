/**
 * Several workers on one run, in one process (no service needed): two runs with the `worker`
 * option share one in-memory journal and one mock, the mock's webhooks alternating between
 * their two receivers. Each worker's stream gives one outcome per lead, no lead is sent twice,
 * and a worker that stops mid-run (its stream taken short: its claims stay, its heartbeat
 * stops) has its leads finished by the other once its lease expires. The multi-process
 * version, on PostgreSQL and Redis, is `Workers.processes.test.ts`.
 */
import { FetchHttpClient } from "@effect/platform"
import { makeMockServer } from "@lemlist-effect/mock-server"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Context, Effect, Layer, Redacted, Stream } from "effect"
import { Enrichment, Journal, Lead, LemlistClient, RequestPacer, WebhookReceiver } from "../src/index.js"

const leads: ReadonlyArray<Lead.Lead> = Array.from({ length: 400 }, (_, i) => ({
  input: { linkedinUrl: `https://www.linkedin.com/in/worker-${i}` },
  metadata: i
}))

const setup = Effect.gen(function*() {
  const apiKey = "key-workers"
  // Behind one public URL: the same token for both.
  const receivers = yield* Effect.all(
    [0, 1].map(() => WebhookReceiver.make({ publicUrl: "http://127.0.0.1:8787/hooks", token: "workers-token" }))
  )
  // A load balancer: each webhook to the next receiver still in it.
  const inBalancer = [true, true]
  let next = 0
  const pick = () => {
    while (!inBalancer[++next % 2]) {
      // skip a receiver taken out
    }
    return receivers[next % 2]!
  }
  const server = makeMockServer({
    apiKeys: [apiKey],
    latency: { minMs: 50, maxMs: 300 },
    rateLimit: { enabled: false },
    webhooks: {
      fetch: ((input: RequestInfo | URL, init?: RequestInit) => pick().handler(new Request(input, init))) as typeof fetch
    }
  })
  yield* Effect.addFinalizer(() => Effect.promise(() => server.handle.close()))
  const client = LemlistClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: "http://localhost/api" }).pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(Layer.succeed(FetchHttpClient.Fetch, server.fetch as typeof fetch)),
    Layer.provide(RequestPacer.layer({ interval: 0, limit: 1_000_000 }))
  )
  // One journal for both workers, as one database would be.
  const journal = Context.get(yield* Layer.build(Journal.layerMemory), Journal.Journal)
  // The leads each worker took over.
  const takenOver: [Array<string>, Array<string>] = [[], []]
  const journalOf = (i: 0 | 1): Journal.Service => ({
    ...journal,
    takeOver: (worker, lease, limit) =>
      Effect.tap(journal.takeOver(worker, lease, limit), (keys) => Effect.sync(() => takenOver[i].push(...keys)))
  })
  const worker = (i: 0 | 1, options: Partial<Enrichment.Options> = {}, take = leads.length) =>
    Enrichment.run(leads, {
      types: ["find_email"],
      batchSize: 20,
      batchWait: "20 millis",
      creditCheck: "off",
      polling: { webhookGrace: "1 second", initialDelay: "200 millis" },
      worker: { id: `worker-${i}`, lease: "1 second" },
      ...options
    }).pipe(
      Stream.take(take),
      Stream.runCollect,
      Effect.map(Chunk.toReadonlyArray),
      Effect.provide(Layer.mergeAll(client, Layer.succeed(Journal.Journal, journalOf(i)), Layer.succeed(WebhookReceiver.WebhookReceiver, receivers[i]!)))
    )
  const created = () => server.handle.enrichments(apiKey).map((e) => String(e.metadata))
  return { worker, journal, created, inBalancer, takenOver }
})

describe("several workers on one run, in one process", () => {
  it.scopedLive("two workers, webhooks alternating between them: one outcome per lead in each stream, none sent twice", () =>
    Effect.gen(function*() {
      const { created, journal, worker } = yield* setup
      const [a, b] = yield* Effect.all([worker(0), worker(1)], { concurrency: 2 })
      for (const outcomes of [a, b]) {
        assert.strictEqual(outcomes.length, leads.length)
        assert.strictEqual(new Set(outcomes.map((o) => o.metadata)).size, leads.length, "one outcome per lead")
        assert.isTrue(outcomes.every((o) => o._tag === "Enriched" || o._tag === "NotFound"))
      }
      const keys = created()
      assert.deepStrictEqual([keys.length, new Set(keys).size], [leads.length, leads.length], "every lead sent once")
      assert.strictEqual((yield* journal.summary).done, leads.length)
    }), { timeout: 30_000 })

  it.scopedLive("a worker that stops mid-run: the other takes its leads over once its lease expires, none sent twice", () =>
    Effect.gen(function*() {
      const { created, inBalancer, journal, takenOver, worker } = yield* setup
      // A worker that claimed the last 100 leads and died before sending any (lease 4 s).
      const deadKeys = leads.slice(300).map((lead) => Lead.keyOf(lead, ["find_email"]))
      assert.strictEqual((yield* journal.claim("dead", deadKeys, "4 seconds")).size, 100)
      // Worker 0 stops after 50 outcomes, holding the leads it read ahead (claimed, sent or not);
      // its receiver leaves the balancer with it (a receiver no run subscribes to answers at
      // once: the result would be polled). Then worker 1 runs.
      const stopped = yield* worker(0, {}, 50)
      inBalancer[0] = false
      assert.strictEqual(stopped.length, 50)
      const outcomes = yield* worker(1)
      assert.strictEqual(outcomes.length, leads.length)
      assert.strictEqual(new Set(outcomes.map((o) => o.metadata)).size, leads.length, "one outcome per lead")
      const keys = created()
      assert.strictEqual(keys.length, new Set(keys).size, "none sent twice")
      assert.strictEqual((yield* journal.summary).done, leads.length, "none lost")
      // Read while the dead worker's lease ran (both workers read 400 leads well within 4 s),
      // they waited; then the live worker took them over and sent them.
      const taken = new Set([...takenOver[0], ...takenOver[1]])
      assert.deepStrictEqual(deadKeys.filter((k) => !taken.has(k)), [], "the dead worker's leads taken over")
      assert.strictEqual(takenOver[0].length + takenOver[1].length, taken.size, "each taken over once")
      const sent = new Set(keys)
      assert.isTrue(deadKeys.every((k) => sent.has(k)), "and sent")
    }), { timeout: 30_000 })
})
