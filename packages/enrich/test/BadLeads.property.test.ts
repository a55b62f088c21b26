/**
 * Property-based bad leads at the library: random objects as `Lead.input`, random `types`
 * arrays, odd metadata and colliding keys go through `Enrichment.run` against the in-process
 * mock (virtual time). Whatever comes in, the run never fails or dies, every lead gets exactly
 * one outcome, invalid leads end `RejectedLocally` with the code lemlist's own rules give, and
 * no lead is submitted twice.
 *
 * Deterministic by default (fixed seed); `FC_SEED=<n>` / `FC_SEED=random` and
 * `FC_RUNS_FACTOR=<x>` explore further.
 */
import { Validation } from "@lemlist-effect/contract"
import { Enrichment, Journal, type Lead, Outcome } from "@lemlist-effect/enrich"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Exit, FastCheck as fc, Layer, Schema, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { driven } from "./support/drive.js"
import { mockEnv } from "./support/mockEnv.js"

const seed = process.env.FC_SEED === "random" ? undefined : Number(process.env.FC_SEED ?? 20_260_601)
const fastCheck = (numRuns: number) => ({
  fastCheck: { numRuns: Math.max(1, Math.round(numRuns * Number(process.env.FC_RUNS_FACTOR ?? 1))), ...(seed === undefined ? {} : { seed }) }
})

const validTypes = ["find_email", "find_phone", "verify", "linkedin_enrichment"] as const
const fields = ["linkedinUrl", "email", "companyName", "companyDomain", "firstName", "lastName", "jobTitle", "location"] as const

const oddString = fc.oneof(
  fc.constantFrom("", " ", "\t\n", "\u0000", "\uD800", "\uFEFF", "é", "😀", "a@b", "https://www.linkedin.com/in/x", "x".repeat(5_000)),
  fc.string({ maxLength: 20 }),
  fc.fullUnicodeString({ maxLength: 20 })
)
const oddValue = fc.oneof(oddString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }))

/** Objects with lemlist's fields (and others) holding any value. */
const input = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 10 })), oddValue, { maxKeys: 6 }) },
  { weight: 3, arbitrary: fc.record({ email: fc.emailAddress(), firstName: oddString }, { requiredKeys: [] }) },
  { weight: 3, arbitrary: fc.record({ linkedinUrl: fc.constant("https://www.linkedin.com/in/ada"), firstName: fc.string({ maxLength: 8 }), lastName: fc.string({ maxLength: 8 }), companyName: fc.string({ maxLength: 8 }), companyDomain: fc.domain() }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.constant(undefined), fc.array(fc.string()), fc.string(), fc.integer(), fc.constant(Object.create(null))) }
)

const types = fc.option(
  fc.array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...validTypes) }, { weight: 1, arbitrary: oddValue }), { maxLength: 5 }),
  { nil: undefined, freq: 3 }
)

const metadata = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined), oddString)

/** A few shared keys, so that leads collide by key as well as by content. */
const key = fc.option(fc.constantFrom("k-1", "k-2", "k-3", "", "\u0000"), { nil: undefined, freq: 6 })

const leads = fc.array(fc.record({ input, types, metadata, key }, { requiredKeys: ["input"] }), { minLength: 1, maxLength: 40 })

const defaultTypes = ["find_email"] as const

/** The code lemlist's rules give a lead, or undefined when it is valid. */
const expectedCode = (lead: { input: unknown; types?: ReadonlyArray<unknown> | undefined }) =>
  Validation.validateItem({ input: lead.input, enrichmentRequests: lead.types === undefined ? defaultTypes : [...new Set(lead.types)] })

const runLeads = (raw: ReadonlyArray<Record<string, unknown>>, journal?: Layer.Layer<Journal.Journal, unknown>) =>
  Effect.gen(function*() {
    // Tag each lead with its index, inside metadata, to match outcomes back.
    const tagged = raw.map((l, i) => ({ ...l, metadata: { i, m: l.metadata } })) as unknown as Array<Lead.Lead>
    const env = yield* mockEnv({ webhooks: true, mock: { latency: 0 }, ...(journal ? { journal } : {}) })
    const exit = yield* Enrichment.run(tagged, { types: defaultTypes, creditCheck: "off", batchWait: "10 millis" }).pipe(
      Stream.runCollect,
      Effect.map(Chunk.toReadonlyArray),
      driven,
      Effect.provide(env.layer),
      Effect.exit
    )
    return { exit, env, tagged }
  })

const assertOneOutcomeEach = (
  raw: ReadonlyArray<Record<string, unknown>>,
  outcomes: ReadonlyArray<Outcome.Outcome>,
  createdKeys: number
) => {
  assert.strictEqual(outcomes.length, raw.length, "one outcome per lead")
  const seen = new Map<number, Outcome.Outcome>()
  for (const o of outcomes) {
    const i = (o.metadata as { i: number }).i
    assert.isFalse(seen.has(i), `lead ${i} has two outcomes`)
    seen.set(i, o)
    // Every outcome is a well-formed member of the public union.
    assert.isTrue(Schema.is(Outcome.Outcome)(o), `outcome of lead ${i} is typed`)
  }
  const validKeys = new Set<string>()
  raw.forEach((lead, i) => {
    const o = seen.get(i)!
    const code = expectedCode(lead as any)
    if (code !== undefined) {
      assert.strictEqual(o._tag, "RejectedLocally", `lead ${i}: ${JSON.stringify(lead).slice(0, 200)}`)
      assert.strictEqual((o as Outcome.RejectedLocally).code, code)
    } else {
      assert.include(["Enriched", "NotFound", "RejectedLocally"], o._tag, `lead ${i}`)
      validKeys.add(o.key)
    }
  })
  // Leads sharing a key share one submission; nothing is sent twice.
  assert.isAtMost(createdKeys, validKeys.size)
}

describe("Enrichment.run with malformed leads", () => {
  it.scoped.prop("random inputs and types: never a failure, exactly one typed outcome each", [leads], ([raw]) =>
    Effect.gen(function*() {
      const { env, exit } = yield* runLeads(raw)
      assert.isTrue(Exit.isSuccess(exit), Exit.isFailure(exit) ? String(exit.cause) : "")
      const outcomes = Exit.isSuccess(exit) ? exit.value : []
      const created = env.server.handle.enrichments(env.apiKey)
      const keys = created.map((e) => JSON.stringify(e.input) + e.types.join())
      assertOneOutcomeEach(raw, outcomes, created.length)
      // No enrichment created twice for the same lead key (metadata is never sent, so compare content).
      assert.isAtMost(new Set(keys).size, created.length)
    }), fastCheck(40))

  it.scoped.prop("the same with a SQLite journal: malformed leads and odd metadata are stored and read back", [leads], ([raw]) =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bad-leads-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      const { env, exit } = yield* runLeads(raw, JournalSqlite.layer({ filename: path.join(dir, "journal.sqlite") }))
      assert.isTrue(Exit.isSuccess(exit), Exit.isFailure(exit) ? String(exit.cause) : "")
      assertOneOutcomeEach(raw, Exit.isSuccess(exit) ? exit.value : [], env.server.handle.enrichments(env.apiKey).length)
    }), fastCheck(10))

  // Outside the typed API (`types` is an array there): a JS caller passing a number, a string or
  // an object. lemlist answers WRONG_ENRICHMENT_REQUEST_FORMAT, so the library rejects it so.
  it.scoped.prop("types that are not arrays at all (untyped callers): typed rejections", [
    fc.array(fc.record({ input: fc.record({ email: fc.emailAddress() }), types: fc.oneof(fc.integer(), fc.constant({}), fc.boolean(), fc.string({ maxLength: 12 }), fc.constant(null)) }), { minLength: 1, maxLength: 5 })
  ], ([raw]) =>
    Effect.gen(function*() {
      const { exit } = yield* runLeads(raw).pipe(Effect.timeoutFail({ duration: "30 minutes", onTimeout: () => "the run hung" }))
      assert.isTrue(Exit.isSuccess(exit), Exit.isFailure(exit) ? String(exit.cause) : "")
      const outcomes = Exit.isSuccess(exit) ? exit.value : []
      assert.strictEqual(outcomes.length, raw.length)
      for (const o of outcomes) {
        assert.strictEqual(o._tag === "RejectedLocally" && o.code, "WRONG_ENRICHMENT_REQUEST_FORMAT")
      }
    }), fastCheck(20))

  // Regressions found by the properties above.
  it.scoped("a lead that shares another's key gets a copy of its outcome that is still an Outcome instance", () =>
    Effect.gen(function*() {
      const input = { linkedinUrl: "https://www.linkedin.com/in/ada" }
      const { exit } = yield* runLeads([{ input, key: "same" }, { input: { linkedinUrl: "https://www.linkedin.com/in/grace" }, key: "same" }])
      assert.isTrue(Exit.isSuccess(exit))
      const outcomes = Exit.isSuccess(exit) ? exit.value : []
      assert.strictEqual(outcomes.length, 2)
      for (const o of outcomes) {
        assert.isTrue(Schema.is(Outcome.Outcome)(o))
        assert.isTrue(o instanceof Outcome.Enriched || o instanceof Outcome.NotFound)
      }
      assert.deepStrictEqual(outcomes.map((o) => (o.metadata as { i: number }).i).sort(), [0, 1])
    }))

  it.scoped("a defect while reading leads ends the stream instead of hanging it", () =>
    Effect.gen(function*() {
      const env = yield* mockEnv({ webhooks: true, mock: { latency: 0 } })
      const first: Lead.Lead = { input: { email: "ada@example.com" } }
      const source: Stream.Stream<Lead.Lead> = Stream.concat(Stream.make(first), Stream.die(new Error("a broken lead source")))
      const exit = yield* Enrichment.run(source, { types: ["verify"], creditCheck: "off" }).pipe(
        Stream.runDrain,
        driven,
        Effect.provide(env.layer),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit) && !Exit.isInterrupted(exit))
    }))
})
