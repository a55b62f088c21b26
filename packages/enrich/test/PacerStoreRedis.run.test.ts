/**
 * A run whose pacer's Redis stops answering mid-run, on the real clock against the in-process
 * mock (its real 20 per 2 s window): the run stops with the `PacerStoreError` (the pacer fails
 * closed), and a rerun with the same journal once Redis is back gives every lead one outcome,
 * none sent twice, no 429. Runs when `LEMLIST_TEST_REDIS_URL` is set.
 */
import { FetchHttpClient } from "@effect/platform"
import { makeMockServer } from "@lemlist-effect/mock-server"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Fiber, Layer, Option, Redacted, Stream } from "effect"
import { Enrichment, Journal, type Lead, LemlistClient, RequestPacer, WebhookReceiver } from "../src/index.js"
import { PacerStoreRedis } from "../src/redis.js"
import { noRedis, relay, scopedClient, testPrefix } from "./support/redis.js"

const leads: ReadonlyArray<Lead.Lead> = Array.from({ length: 100 }, (_, i) => ({
  input: { linkedinUrl: `https://www.linkedin.com/in/redis-${i}` },
  metadata: i
}))
// 20 requests of 5 leads: 2 s at lemlist's pace, so Redis goes silent in the middle.
const options: Enrichment.Options = { types: ["find_email"], batchSize: 5, batchWait: "10 millis", creditCheck: "off" }

describe.skipIf(noRedis("PacerStoreRedis in a run"))("PacerStoreRedis in a run", () => {
  it.scopedLive("Redis silent mid-run: the run stops with PacerStoreError; the rerun gives every lead one outcome, none sent twice", () =>
    Effect.gen(function*() {
      const apiKey = "key-redis-run"
      const prefix = testPrefix()
      yield* scopedClient(prefix) // deletes the prefix when the test ends
      const network = yield* relay()
      const receiver = yield* WebhookReceiver.make({ publicUrl: "http://127.0.0.1:8787/hooks" })
      const server = makeMockServer({
        apiKeys: [apiKey],
        latency: 0,
        webhooks: {
          fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
            receiver.handler(new Request(input, init))) as typeof fetch
        }
      })
      yield* Effect.addFinalizer(() => Effect.promise(() => server.handle.close()))
      // One journal and one Redis connection for both runs, as a restarted worker would find them.
      const shared = yield* Layer.build(Layer.merge(
        Journal.layerMemory,
        RequestPacer.layerFromStore().pipe(
          Layer.provide(PacerStoreRedis.layer({ url: network.url, prefix, timeout: "300 millis" }))
        )
      ))
      const client = LemlistClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: "http://localhost/api" }).pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.succeed(FetchHttpClient.Fetch, server.fetch as typeof fetch))
      )
      const run = Enrichment.run(leads, options).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        Effect.provide(Layer.merge(client, Layer.succeed(WebhookReceiver.WebhookReceiver, receiver))),
        Effect.provide(shared)
      )

      const first = yield* Effect.fork(run)
      yield* Effect.sleep("700 millis")
      network.freeze()
      const exit = yield* Fiber.await(first)
      // Typed, in the run's error channel, not a defect.
      const failure = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
      assert.instanceOf(failure, RequestPacer.PacerStoreError, Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "the run finished")
      const sentBeforeKeys = server.handle.enrichments(apiKey).map((e) => e.metadata)
      const sentBefore = sentBeforeKeys.length
      assert.isAbove(sentBefore, 0)
      assert.isBelow(sentBefore, leads.length)

      network.thaw()
      const outcomes = yield* run
      assert.strictEqual(outcomes.length, leads.length)
      assert.strictEqual(new Set(outcomes.map((o) => o.metadata)).size, leads.length, "one outcome per lead")
      // A batch answered while Redis was silent (the pacer could not record lemlist's headers
      // for it: `observe` fails closed too) stopped before its ids were journaled: its leads end
      // Undetermined, as after a crash mid-request, never resent. No other lead may.
      const sentFirst = new Set(sentBeforeKeys)
      const undetermined = outcomes.filter((o) => o._tag === "Undetermined")
      assert.isTrue(undetermined.every((o) => sentFirst.has(o.key)), "only leads sent before the stop are undetermined")
      assert.isFalse(outcomes.some((o) => o._tag === "Failed"))
      const created = server.handle.enrichments(apiKey).map((e) => e.metadata)
      assert.strictEqual(created.length, leads.length, "every lead sent")
      assert.strictEqual(new Set(created).size, leads.length, "no lead sent twice")
      assert.strictEqual(server.handle.requests().filter((r) => r.status === 429).length, 0, "no 429")
      console.log(`Redis silent mid-run: ${sentBefore} of ${leads.length} leads sent before the run stopped, ` +
        `${undetermined.length} of them undetermined; the rerun sent the other ${leads.length - sentBefore}`)
    }))
})
