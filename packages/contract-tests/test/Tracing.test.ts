/**
 * Tracing: a run is one `Enrichment.run` span, and every request its fibers make (the bulk
 * call, the polls, on fibers of their own) is a `LemlistClient.*` span under it.
 */
import { FetchHttpClient } from "@effect/platform"
import { Enrichment, Journal, type Lead, LemlistClient, RequestPacer } from "@lemlist-effect/enrich"
import { layerInProcess } from "@lemlist-effect/mock-server"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Redacted, Stream, type Tracer } from "effect"
import { captured } from "./support/captured.js"

const leads: ReadonlyArray<Lead.Lead> = Array.from({ length: 40 }, (_, i) => ({
  input: { firstName: `First${i}`, lastName: `Last${i}`, companyName: `Acme ${i}`, companyDomain: `acme${i}.example` }
}))

const Lemlist = LemlistClient.layer({ apiKey: Redacted.make("trace-key"), baseUrl: "http://lemlist.mock/api" }).pipe(
  Layer.provide(FetchHttpClient.layer),
  Layer.provide(layerInProcess({ apiKeys: ["trace-key"], latency: 0, rateLimit: { enabled: false, limit: 1_000_000 } })),
  Layer.provide(RequestPacer.layer({ interval: 0, limit: 1_000_000 }))
)

const ancestors = (span: Tracer.Span): Array<Tracer.AnySpan> => {
  const out: Array<Tracer.AnySpan> = []
  let parent = span.parent
  while (Option.isSome(parent)) {
    out.push(parent.value)
    parent = parent.value._tag === "Span" ? parent.value.parent : Option.none()
  }
  return out
}

describe("tracing", () => {
  it.scopedLive("a run is one Enrichment.run span, parent of every request its fibers make", () =>
    Effect.gen(function*() {
      const { exit, spans } = yield* captured(
        Enrichment.run(leads, {
          types: ["find_email"],
          creditCheck: "off",
          total: leads.length,
          polling: { initialDelay: "20 millis" }
        }).pipe(
          Stream.runCount,
          Effect.provide([Lemlist, Journal.layerMemory])
        )
      )
      assert.deepStrictEqual(exit, Exit.succeed(leads.length))
      const runs = spans.filter((s) => s.name === "Enrichment.run")
      assert.strictEqual(runs.length, 1)
      const run = runs[0]!
      assert.strictEqual(run.status._tag, "Ended")
      assert.strictEqual(run.attributes.get("lemlist.types"), "find_email")
      assert.strictEqual(run.attributes.get("lemlist.total"), leads.length)
      const requests = spans.filter((s) => s.name.startsWith("LemlistClient."))
      assert.sameMembers([...new Set(requests.map((s) => s.name))], ["LemlistClient.bulkEnrich", "LemlistClient.getEnrichment"])
      for (const request of requests) assert.include(ancestors(request), run, `${request.name} under Enrichment.run`)
    }))
})
