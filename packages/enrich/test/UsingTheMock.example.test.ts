import { FetchHttpClient } from "@effect/platform"
import { Enrichment, Journal, LemlistClient, RequestPacer } from "@lemlist-effect/enrich"
import { layerInProcess, MockServerHandle } from "@lemlist-effect/mock-server"
import { assert, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Stream, TestClock } from "effect"

// The mock in-process (no socket), on the test's clock; a fresh pacer and journal per test.
const Mock = layerInProcess({ apiKeys: ["test-key"], latency: { minMs: 500, maxMs: 5_000 } })
const Lemlist = LemlistClient.layer({ apiKey: Redacted.make("test-key"), baseUrl: "http://lemlist.mock/api" }).pipe(
  Layer.provide([FetchHttpClient.layer, RequestPacer.layer()]),
  Layer.provideMerge(Mock)
)

// Virtual time only moves when told to: let real promises settle, then move it on.
const tick = Effect.promise(() => new Promise((resolve) => setImmediate(resolve))).pipe(
  Effect.zipRight(TestClock.adjust("100 millis"))
)

it.scoped("every lead gets one outcome, and the mock created each enrichment once", () =>
  Effect.gen(function*() {
    const leads = Array.from({ length: 50 }, (_, i) => ({ input: { email: `lead${i}@acme.example` } }))
    const fiber = yield* Enrichment.run(leads, { types: ["verify"] }).pipe(Stream.runCollect, Effect.fork)
    yield* Effect.repeat(tick, { until: () => fiber.unsafePoll() !== null })
    const outcomes = yield* fiber

    const mock = yield* MockServerHandle
    assert.strictEqual(outcomes.length, 50)
    assert.strictEqual(mock.server.handle.enrichments("test-key").length, 50)
  }).pipe(Effect.provide([Lemlist, Journal.layerMemory])))
