import { assert, describe, it } from "@effect/vitest"
import { Enrichment, type Lead } from "@lemlist-effect/enrich"
import { Effect, Option, Stream, Tracer } from "effect"
import { driven } from "./support/drive.js"
import { mockEnv } from "./support/mockEnv.js"

const leads: ReadonlyArray<Lead.Lead> = Array.from({ length: 120 }, (_, i) => ({
  input: { firstName: `First${i}`, lastName: `Last${i}`, companyName: `Acme ${i}`, companyDomain: `acme${i}.example` }
}))

/** The spans an effect starts, as the tracer created them. */
const traced = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const spans: Array<Tracer.Span> = []
    const base = yield* Effect.tracer
    const tracer = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        spans.push(span)
        return span
      },
      context: (f, fiber) => base.context(f, fiber)
    })
    const value = yield* Effect.withTracer(self, tracer)
    return { value, spans }
  })

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
  it.scoped("a run is one Enrichment.run span, parent of every request its fibers make", () =>
    Effect.gen(function*() {
      const { layer } = yield* mockEnv({ webhooks: false })
      const { spans, value } = yield* traced(
        Enrichment.run(leads, { types: ["find_email"], creditCheck: "off", total: leads.length }).pipe(
          Stream.runCount,
          driven,
          Effect.provide(layer)
        )
      )
      assert.strictEqual(value, leads.length)
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
