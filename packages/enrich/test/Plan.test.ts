/**
 * `Enrichment.plan`: its counts against hand-made inputs, and the property that they are what a
 * run then does: a journal pre-filled by real runs (done, submitted, half-sent leads), a plan,
 * then the run, against the scripted fake (virtual time).
 */
import { EnrichmentType } from "@lemlist-effect/contract"
import { Enrichment, Journal, Lead, Progress } from "@lemlist-effect/enrich"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, FastCheck as fc, Layer, Stream, SubscriptionRef, TestContext } from "effect"
import { driven } from "./support/drive.js"
import { makeFake } from "./support/FakeLemlist.js"

const seed = process.env.FC_SEED === "random" ? undefined : Number(process.env.FC_SEED ?? 20_261_130)

const person = (i: number) => ({ firstName: "Ada", lastName: `L${i}`, companyName: "Acme", companyDomain: `acme${i}.example` })

describe("Enrichment.plan", () => {
  it.effect("counts refusals by code, duplicates, workflows and the most the run can cost", () =>
    Effect.gen(function*() {
      const leads: ReadonlyArray<Lead.Lead> = [
        { input: { ...person(1), email: "ada@acme1.example" } }, // find_email and verify
        { input: { ...person(1), email: "ada@acme1.example" } }, // a duplicate of the first
        { input: person(2) }, // find_email only: verify needs an email
        { input: { jobTitle: "CTO" } }, // nothing usable
        { input: { email: "grace@navy.example" }, types: ["verify"] } // its own types
      ]
      const plan = yield* Enrichment.plan(leads, { types: ["find_email", "verify"], missingInputs: "skip-type" })
      assert.deepStrictEqual(
        { read: plan.read, duplicates: plan.duplicates, toSend: plan.toSend, done: plan.done.total, awaiting: plan.awaiting },
        { read: 5, duplicates: 1, toSend: 3, done: 0, awaiting: 0 }
      )
      assert.deepStrictEqual(plan.rejected, { total: 1, byCode: { MISSING_INPUTS: 1 }, recorded: 0 })
      assert.deepStrictEqual(plan.workflows.run, { find_email: 2, find_phone: 0, verify: 2, linkedin_enrichment: 0 })
      // person(2) skips verify; the job title alone skips both (and is refused).
      assert.deepStrictEqual(plan.workflows.skipped, { find_email: 1, find_phone: 0, verify: 2, linkedin_enrichment: 0 })
      assert.strictEqual(plan.workflows.partial, 1)
      assert.deepStrictEqual(plan.credits, { toSend: 6 + 5 + 1, duplicates: 6, max: 12 })

      // The default mode refuses person(2) whole; a budget caps the most the run can cost.
      const rejecting = yield* Enrichment.plan(leads, { types: ["find_email", "verify"], budget: 4 })
      assert.deepStrictEqual(rejecting.rejected, { total: 2, byCode: { MISSING_INPUTS: 1, MISSING_EMAIL: 1 }, recorded: 0 })
      assert.deepStrictEqual(rejecting.credits, { toSend: 7, duplicates: 6, max: 4 })
    }).pipe(Effect.provide(Journal.layerMemory)))

  it.effect("reads a stream in chunks and keeps its error", () =>
    Effect.gen(function*() {
      const leads = Stream.range(1, 1_200).pipe(Stream.map((i): Lead.Lead => ({ input: { email: `lead${i % 1_000}@x.example` } })))
      const plan = yield* Enrichment.plan(leads, { types: ["verify"] })
      assert.deepStrictEqual([plan.read, plan.toSend, plan.duplicates, plan.credits.max], [1_200, 1_000, 200, 1_000])

      const failing = Stream.concat(leads.pipe(Stream.take(10)), Stream.fail("unreadable row" as const))
      const error = yield* Effect.flip(Enrichment.plan(failing, { types: ["verify"] }))
      assert.strictEqual(error, "unreadable row")
    }).pipe(Effect.provide(Journal.layerMemory)))

  it.effect("what the journal holds: done by outcome, awaited, half-sent (or resent when asked)", () =>
    Effect.gen(function*() {
      const journal = yield* Journal.Journal
      const types = ["verify"] as const
      const leads = [0, 1, 2, 3, 4].map((i): Lead.Lead => ({ input: { email: `lead${i}@x.example` } }))
      const refused: Lead.Lead = { input: { jobTitle: "CTO" } }
      const [, undetermined, submitted, submitting] = leads.map((l) => Lead.keyOf(l, types))
      // Leads 1 to 3 on the wire when a process died; lead 2's answer was recorded.
      yield* journal.markSubmitting([undetermined!, submitted!, submitting!].map((key) => ({ key, types })))
      yield* journal.recordSubmitted([{ key: submitted!, enrichmentId: "enr_1", types }])
      // A run of leads 0 and 1: 0 is enriched, 1 (half-sent) ends Undetermined.
      const ran = yield* Enrichment.run([...leads.slice(0, 2), refused], { types: ["verify"], creditCheck: "off" }).pipe(
        Stream.runCollect,
        driven,
        Effect.provide(makeFake().layer)
      )
      // (The fake finds no status to verify.)
      assert.deepStrictEqual(Chunk.toReadonlyArray(ran).map((o) => o._tag).sort(), ["NotFound", "RejectedLocally", "Undetermined"])

      const plan = yield* Enrichment.plan(leads, { types: ["verify"] })
      assert.deepStrictEqual(
        [plan.done.total, plan.done.byOutcome.NotFound, plan.done.byOutcome.Undetermined, plan.awaiting, plan.interrupted, plan.toSend],
        [2, 1, 1, 1, 1, 1]
      )
      assert.strictEqual(plan.credits.max, 1)
      const withRefused = yield* Enrichment.plan([refused, { input: { email: "" } }], { types: ["verify"] })
      assert.deepStrictEqual(withRefused.rejected, { total: 2, byCode: { MISSING_EMAIL: 1, WRONG_INPUT_FORMAT: 1 }, recorded: 1 })
      // Resending: the undetermined and the half-sent leads go again; the awaited one does not.
      const resending = yield* Enrichment.plan(leads, { types: ["verify"], resendUndetermined: true })
      assert.deepStrictEqual([resending.done.total, resending.awaiting, resending.interrupted, resending.toSend], [1, 1, 0, 3])
    }).pipe(Effect.provide(Journal.layerMemory)))

  it.effect("property: the plan's counts are what the run then does", () =>
    Effect.gen(function*() {
      const types = ["find_email", "verify", "linkedin_enrichment"] as const
      // A small pool, drawn with repeats: duplicates, refusals and partial leads all occur.
      const pool = fc.record({
        i: fc.integer({ min: 0, max: 40 }),
        email: fc.boolean(),
        names: fc.boolean(),
        linkedin: fc.boolean(),
        own: fc.option(fc.subarray([...types], { minLength: 1 }), { nil: undefined })
      }).map(({ email, i, linkedin, names, own }): Lead.Lead => ({
        input: {
          ...(names ? person(i) : { jobTitle: "CTO" }),
          ...(email ? { email: `lead${i}@acme${i}.example` } : {}),
          ...(linkedin ? { linkedinUrl: `https://www.linkedin.com/in/lead-${i}` } : {})
        },
        ...(own === undefined ? {} : { types: own })
      }))
      const scenario = fc.record({
        leads: fc.array(pool, { minLength: 1, maxLength: 60 }),
        missingInputs: fc.constantFrom("reject" as const, "skip-type" as const),
        resendUndetermined: fc.boolean(),
        budget: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
        // Which leads an earlier run finished, sent without a result yet, or left half-sent.
        earlier: fc.array(fc.constantFrom("none", "done", "submitted", "submitting"), { minLength: 60, maxLength: 60 })
      })
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(scenario, (s) =>
            Effect.runPromise(Effect.gen(function*() {
              const options: Enrichment.Options = {
                types: [...types],
                missingInputs: s.missingInputs,
                resendUndetermined: s.resendUndetermined,
                creditCheck: "off",
                ...(s.budget === undefined ? {} : { budget: s.budget })
              }
              const fake = makeFake({ pollsBeforeDone: 0 })
              const layer = Layer.merge(Journal.layerMemory, fake.layer)
              return yield* Effect.gen(function*() {
                const journal = yield* Journal.Journal
                const pick = (state: string) => s.leads.filter((_, i) => s.earlier[i] === state)
                // Done: a real run. Submitted: a real run cut before its first poll (2 s).
                yield* Enrichment.run(pick("done"), options).pipe(Stream.runDrain, driven)
                yield* Enrichment.run(pick("submitted"), options).pipe(Stream.runDrain, Effect.timeout("1 second"), Effect.ignore, driven)
                // Submitting: what a kill in the middle of a submit leaves.
                const half = pick("submitting").flatMap((l) => {
                  const p = Lead.plan(l, types, s.missingInputs)
                  return p._tag === "Run" ? [{ key: p.key, types: p.types }] : []
                })
                const known = yield* journal.lookup(half.map((h) => h.key))
                yield* journal.markSubmitting(half.filter((h) => !known.has(h.key)))
                const earlierIds = new Set(fake.records.keys())
                const pollsBefore = new Map([...fake.records.values()].map((r) => [r.id, r.polls]))
                const sentBefore = fake.submittedKeys.length

                const plan = yield* Enrichment.plan(Stream.fromIterable(s.leads), options)
                const progress = yield* Progress.make(s.leads.length)
                const outcomes = Chunk.toReadonlyArray(
                  yield* Enrichment.run(s.leads, { ...options, progress }).pipe(Stream.runCollect, driven)
                )
                assert.strictEqual(plan.done.total, (yield* SubscriptionRef.get(progress)).resumed, "done: the outcomes re-emitted")

                const sent = [...fake.records.values()].filter((r) => !earlierIds.has(r.id))
                assert.strictEqual(fake.submittedKeys.length - sentBefore, sent.length)
                const overBudget = new Set(outcomes.flatMap((o) => (o._tag === "Failed" && o.reason === "BudgetExhausted" ? [o.key] : [])))
                const sentOrBudget = sent.length + overBudget.size
                assert.strictEqual(plan.toSend, sentOrBudget, "to send: the leads the run sent (or refused for the budget)")
                assert.strictEqual(plan.read, outcomes.length)
                const rejected = outcomes.filter((o) => o._tag === "RejectedLocally")
                assert.strictEqual(plan.rejected.total, rejected.length)
                const byCode: Record<string, number> = {}
                for (const o of rejected) if (o._tag === "RejectedLocally") byCode[o.code] = (byCode[o.code] ?? 0) + 1
                assert.deepStrictEqual(plan.rejected.byCode, byCode)
                // Every other lead is one of the distinct keys, or a duplicate of one.
                const keys = new Set(outcomes.filter((o) => o._tag !== "RejectedLocally").map((o) => o.key))
                assert.strictEqual(plan.duplicates, outcomes.length - rejected.length - keys.size)
                assert.strictEqual(keys.size, plan.toSend + plan.done.total + plan.awaiting + plan.interrupted)
                // Awaited: the earlier run's enrichments this run polled (no webhooks here).
                const awaited = [...fake.records.values()].filter((r) => earlierIds.has(r.id) && r.polls > (pollsBefore.get(r.id) ?? 0))
                assert.strictEqual(plan.awaiting, new Set(awaited.map((r) => r.item.metadata)).size)
                const interrupted = new Set(outcomes.flatMap((o) => (o._tag === "Undetermined" && o.errorTag === "Interrupted" ? [o.key] : [])))
                assert.strictEqual(plan.interrupted, interrupted.size)
                // What it will really run: per type, and in credits, as lemlist received it.
                const runByType = Object.fromEntries(EnrichmentType.all.map((t) => [t, 0])) as Record<string, number>
                let cost = 0
                for (const r of sent) {
                  for (const t of r.item.enrichmentRequests) runByType[t]!++
                  cost += EnrichmentType.maxCost(r.item.enrichmentRequests)
                }
                if (s.budget === undefined) {
                  assert.deepStrictEqual(plan.workflows.run, runByType)
                  assert.strictEqual(plan.credits.toSend, cost)
                }
                assert.isAtMost(cost, plan.credits.max)
                assert.strictEqual(plan.credits.max, Math.min(plan.credits.toSend, s.budget ?? Infinity))
              }).pipe(Effect.provide(layer))
            }).pipe(Effect.provide(TestContext.TestContext)))
          ),
          { numRuns: 40, ...(seed === undefined ? {} : { seed }) }
        )
      )
    }))
})
