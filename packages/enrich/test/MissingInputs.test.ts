import { Validation } from "@lemlist-effect/contract"
import { Enrichment, Lead, Outcome } from "@lemlist-effect/enrich"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Schema, Stream } from "effect"
import { driven } from "./support/drive.js"
import { mockEnv } from "./support/mockEnv.js"

const all = ["find_email", "find_phone", "verify", "linkedin_enrichment"] as const

// One lead of each shape a CRM export holds; `runs` is what lemlist's rules let it run.
const shapes: ReadonlyArray<{ readonly lead: Lead.Lead; readonly runs: ReadonlyArray<string> }> = [
  {
    lead: { input: { firstName: "Ada", lastName: "Q", companyName: "Acme", companyDomain: "acme.example", email: "ada@acme.example" } },
    runs: ["find_email", "verify", "linkedin_enrichment"]
  },
  { lead: { input: { linkedinUrl: "https://www.linkedin.com/in/grace" } }, runs: ["find_email", "find_phone", "linkedin_enrichment"] },
  { lead: { input: { email: "alan@globex.example" } }, runs: ["verify", "linkedin_enrichment"] },
  { lead: { input: { firstName: "Linus", lastName: "P", companyName: "Initech" } }, runs: ["linkedin_enrichment"] },
  { lead: { input: { jobTitle: "Head of Growth" } }, runs: [] }
]

const run = (options: Partial<Enrichment.Options>) =>
  Effect.gen(function*() {
    const { apiKey, layer, server } = yield* mockEnv({ webhooks: true })
    const leads = shapes.map(({ lead }, i) => ({ ...lead, metadata: i }))
    const outcomes = yield* Enrichment.run(leads, { types: all, creditCheck: "off", ...options }).pipe(
      Stream.runCollect,
      Effect.map(Chunk.toReadonlyArray),
      driven,
      Effect.provide(layer)
    )
    const byRow = [...outcomes].sort((a, b) => (a.metadata as number) - (b.metadata as number))
    return { outcomes: byRow, sent: server.handle.enrichments(apiKey) }
  })

describe("missingInputs", () => {
  it.scoped("\"reject\" (the default) refuses every lead that lacks an input of any requested workflow", () =>
    Effect.gen(function*() {
      const { outcomes, sent } = yield* run({})
      assert.deepStrictEqual(outcomes.map((o) => o._tag), ["RejectedLocally", "RejectedLocally", "RejectedLocally", "RejectedLocally", "RejectedLocally"])
      assert.isTrue(outcomes.every((o) => o.skipped === undefined))
      assert.strictEqual(sent.length, 0)
    }))

  it.scoped("\"skip-type\" runs what each lead can, records the rest, and rejects only a lead that can run nothing", () =>
    Effect.gen(function*() {
      const { outcomes, sent } = yield* run({ missingInputs: "skip-type" })
      shapes.forEach(({ runs }, i) => {
        const outcome = outcomes[i]!
        const skipped = all.filter((t) => !runs.includes(t))
        assert.deepStrictEqual(outcome.skipped?.map((s) => s.type), skipped, `row ${i}`)
        for (const s of outcome.skipped ?? []) assert.strictEqual(s.code, Validation.missingInputFor(shapes[i]!.lead.input, s.type))
        if (runs.length === 0) {
          assert.strictEqual(outcome._tag, "RejectedLocally")
          assert.match((outcome as Outcome.RejectedLocally).description, /^no requested workflow can run: find_email needs/)
        } else {
          assert.include(["Enriched", "NotFound"], outcome._tag, `row ${i}`)
          const result = (outcome as Outcome.Enriched).result
          assert.deepStrictEqual(Object.keys(result).sort(), [...runs].sort(), `row ${i}`)
        }
      })
      // The mock (lemlist's rules) saw exactly the runnable workflows of the four runnable leads.
      assert.deepStrictEqual(
        sent.map((e) => [...e.types].sort()).sort(),
        shapes.filter((s) => s.runs.length > 0).map((s) => [...s.runs].sort()).sort()
      )
    }))

  it("a lead's key is stable, is keyOf's when nothing is skipped, and names the subset when something is", () => {
    const complete = { input: { email: "a@b.example", linkedinUrl: "https://www.linkedin.com/in/a" } }
    const partial = { input: { email: "a@b.example" } }
    const plan = (lead: Lead.Lead, mode: Lead.MissingInputs) => Lead.plan(lead, all, mode)
    assert.strictEqual(plan(complete, "skip-type").key, Lead.keyOf(complete, all))
    assert.strictEqual(plan(complete, "skip-type").key, plan(complete, "reject").key)
    assert.strictEqual(plan(partial, "skip-type").key, plan({ ...partial }, "skip-type").key)
    assert.strictEqual(plan(partial, "skip-type").key, Lead.keyOf({ ...partial, types: ["verify", "linkedin_enrichment"] }, all))
    assert.notStrictEqual(plan(partial, "skip-type").key, plan(partial, "reject").key)
    assert.deepStrictEqual(plan({ input: {} }, "skip-type"), { _tag: "Reject", key: Lead.keyOf({ input: {} }, all), code: "WRONG_INPUT_FORMAT", skipped: [] })
  })

  it("the skipped field survives the journal's JSON encoding, and an outcome stored before it decodes", () => {
    const { skipped } = Validation.runnableTypes({ email: "a@b.example" }, all)
    const decode = Schema.decodeSync(Outcome.OutcomeJson)
    const encode = Schema.encodeSync(Outcome.OutcomeJson)
    const withSkips = decode(encode(new Outcome.NotFound({ key: "k", enrichmentId: "enr_1", result: {}, skipped })))
    assert.deepStrictEqual(withSkips.skipped, skipped)
    const old = decode(JSON.stringify({ _tag: "Enriched", key: "k", enrichmentId: "enr_1", result: {} }))
    assert.strictEqual(old._tag, "Enriched")
    assert.isUndefined(old.skipped)
  })
})
