/**
 * Reliability under faults (issue 6): 20,000 leads through `Enrichment.run` against the
 * in-process mock on virtual time, while the mock injects, at 5% each, 500/502/503 answers,
 * dropped connections, answers lost after processing, dropped and duplicated webhooks and 429
 * storms.
 *
 * What must hold: every lead ends with exactly one outcome; no lead is submitted twice (unless
 * `resendUndetermined` is on, and then exactly the leads whose answer was lost are created
 * more than once); and the undetermined leads are exactly the leads of the bulk calls whose
 * answer the client could not read: the ones the mock processed and then lost
 * (`stats.enrichmentsInLostAnswers`) plus the ones it answered 5xx or dropped before doing
 * anything (the client cannot tell these apart from a lost answer, so it must not resend them).
 *
 * The bulk calls are watched from the outside by wrapping the mock's in-process `fetch`: for
 * each one, the keys it carried and whether it was answered, answered 5xx, or reset.
 */
import { FetchHttpClient } from "@effect/platform"
import { Enrichment, Journal, type Lead, LemlistClient, type Outcome, RequestPacer, WebhookReceiver } from "@lemlist-effect/enrich"
import { effectClockWith, makeMockServer, type MockOptions } from "@lemlist-effect/mock-server"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, type Duration, Effect, Either, Layer, Redacted, Stream } from "effect"
import { driven } from "./support/drive.js"

const LEADS = Number(process.env.FAULT_LEADS ?? 20_000)
/**
 * Virtual time, real CPU: each run takes 25 to 80 s alone on this project's 2-core machines,
 * and once took over 240 s in CI beside the install test's builds. The bound is there to catch
 * a hang, not a slow machine.
 */
const TIMEOUT = 600_000
const apiKey = "key-faults"

/** Valid leads only (local rejection is tested elsewhere), each with its own explicit key. */
const makeLeads = (n: number): Array<Lead.Lead> =>
  Array.from({ length: n }, (_, i) =>
    i % 3 === 0
      ? { key: `lead-${i}`, input: { linkedinUrl: `https://www.linkedin.com/in/lead-${i}` }, metadata: i }
      : {
        key: `lead-${i}`,
        input: { firstName: `First${i}`, lastName: `Last${i}`, companyName: `Acme ${i % 97}`, companyDomain: `acme${i % 97}.example` },
        metadata: i
      })

const faults: MockOptions["faults"] = {
  serverError: 0.05,
  drop: 0.05,
  lostAnswer: 0.05,
  webhookDrop: 0.05,
  webhookDuplicate: 0.05,
  rateLimitStorm: 0.05
}

/** One bulk call as the client's transport saw it. */
interface BulkCall {
  readonly keys: ReadonlyArray<string>
  readonly answer: number | "reset"
}

const isBulk = (req: Request) => req.method === "POST" && new URL(req.url).pathname.endsWith("/v2/enrichments/bulk")

/** A scripted fault for the n-th bulk call (0-based), on top of the mock's random ones. */
type BulkScript = (n: number) => "lostAnswer" | "refused" | undefined

const connectionError = (code: "ECONNRESET" | "ECONNREFUSED") =>
  new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) })

const env = (seed: number, mockFaults: MockOptions["faults"] = faults, script: BulkScript = () => undefined) =>
  Effect.gen(function*() {
    // A 50 ms grid: thousands of enrichments complete in a few clock wake-ups.
    const clock = yield* effectClockWith({ resolutionMs: 50 })
    const receiver = yield* WebhookReceiver.make({ publicUrl: "http://127.0.0.1:8787/hooks" })
    const server = makeMockServer({
      apiKeys: [apiKey],
      seed,
      clock,
      latency: { minMs: 200, maxMs: 3000 },
      credits: 100_000_000,
      // Keep every request and webhook record: the figures count them.
      maxRecords: 1_000_000,
      // Limits off for speed (the pacer adopts the advertised limit); the storms stay on.
      rateLimit: { enabled: false, limit: 1_000_000 },
      faults: mockFaults,
      webhooks: {
        retries: 3,
        // Straight into the receiver (its handler's checks, without building a Request each).
        post: (url, body) => receiver.receive({ path: url, body }).then((reply) => reply.status)
      }
    })
    yield* Effect.addFinalizer(() => Effect.promise(() => server.handle.close()))
    const bulkCalls: Array<BulkCall> = []
    const watched = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const req = new Request(input, init)
      if (!isBulk(req)) return server.fetch(req)
      const items = await req.clone().json() as Array<{ metadata: string }>
      const keys = items.map((item) => item.metadata)
      const scripted = script(bulkCalls.length)
      if (scripted === "refused") {
        bulkCalls.push({ keys, answer: "reset" })
        throw connectionError("ECONNREFUSED")
      }
      try {
        const res = await server.fetch(req)
        if (scripted === "lostAnswer") throw connectionError("ECONNRESET")
        bulkCalls.push({ keys, answer: res.status })
        return res
      } catch (e) {
        bulkCalls.push({ keys, answer: "reset" })
        throw e
      }
    }
    const client = LemlistClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: "http://localhost/api" }).pipe(
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(Layer.succeed(FetchHttpClient.Fetch, watched as typeof fetch)),
      Layer.provide(RequestPacer.layer({ interval: 0, limit: 1_000_000 }))
    )
    const layer = Layer.mergeAll(client, Journal.layerMemory, Layer.succeed(WebhookReceiver.WebhookReceiver, receiver))
    return { server, layer, bulkCalls }
  })

const runWithFaults = (seed: number, options: Partial<Enrichment.Options> = {}) =>
  Effect.gen(function*() {
    const leads = makeLeads(LEADS)
    const { bulkCalls, layer, server } = yield* env(seed)
    const outcomes = yield* Enrichment.run(leads, {
      types: ["find_email"],
      creditCheck: "off",
      batchSize: 100,
      polling: { webhookGrace: "10 seconds", initialDelay: "1 second" },
      ...options
    }).pipe(
      Stream.runCollect,
      Effect.map(Chunk.toReadonlyArray),
      (effect) => driven(effect, { step: (process.env.FAULT_STEP ?? "500 millis") as Duration.DurationInput }),
      Effect.either,
      Effect.provide(layer)
    )
    const virtualMillis = server.clock.now()
    assert.isTrue(Either.isRight(outcomes), `the run failed: ${String(Either.isLeft(outcomes) ? outcomes.left : "")}`)
    const all = Either.getOrThrow(outcomes)
    // Exactly one outcome per lead.
    assert.strictEqual(all.length, leads.length, "as many outcomes as leads")
    const byKey = new Map<string, Outcome.Outcome>()
    for (const o of all) {
      assert.isFalse(byKey.has(o.key), `two outcomes for ${o.key}`)
      byKey.set(o.key, o)
    }
    for (const lead of leads) assert.isTrue(byKey.has(lead.key!), `no outcome for ${lead.key}`)
    for (const o of all) assert.strictEqual(o.metadata, Number(o.key.slice(5)), "each outcome carries its lead's metadata")
    return { leads, all, byKey, server, bulkCalls, virtualMillis }
  })

const tally = <A>(xs: Iterable<A>, f: (a: A) => string | undefined) => {
  const out: Record<string, number> = {}
  for (const x of xs) {
    const k = f(x)
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1
  }
  return out
}

const describeFigures = (
  label: string,
  all: ReadonlyArray<Outcome.Outcome>,
  server: ReturnType<typeof makeMockServer>,
  extra: Record<string, unknown>
) => {
  const requests = server.handle.requests()
  const stats = server.handle.stats(apiKey)
  const faultsByKind = {
    ...tally(requests, (r) => r.fault === undefined ? undefined : `${r.fault}${r.fault === "serverError" ? r.status : ""}`),
    ...tally(server.handle.deliveries(), (d) => d.fault === undefined ? undefined : `webhook-${d.fault}`)
  }
  console.log(
    `[faults] ${label}: leads=${all.length} outcomes=${JSON.stringify(tally(all, (o) => o._tag))} ` +
      `faults=${JSON.stringify(faultsByKind)} requests=${requests.length} ` +
      `bulk=${requests.filter((r) => r.route === "bulk").length} polls=${requests.filter((r) => r.route === "getEnrichment").length} ` +
      `429s=${stats.rateLimited} lostAnswers=${stats.lostAnswers} enrichmentsInLostAnswers=${stats.enrichmentsInLostAnswers} ` +
      `deliveries=${server.handle.deliveries().length} ${JSON.stringify(extra)}`
  )
}

describe("Enrichment.run under faults (20,000 leads, 5% of each fault, virtual time)", () => {
  it.scoped("every lead one outcome, none submitted twice, undetermined = the leads of unreadable bulk answers", () =>
    Effect.gen(function*() {
      const { all, bulkCalls, byKey, leads, server, virtualMillis } = yield* runWithFaults(6)
      const requests = server.handle.requests()
      const stats = server.handle.stats(apiKey)
      
      // No lead submitted twice.
      const created = server.handle.enrichments(apiKey)
      const createdKeys = new Set(created.map((e) => e.metadata as string))
      assert.strictEqual(createdKeys.size, created.length, "no lead submitted twice")

      // The bulk calls, as the mock recorded them and as the client's transport saw them.
      const bulkRecords = requests.filter((r) => r.route === "bulk")
      const recorded = tally(bulkRecords, (r) => r.fault ?? "none")
      const seen = tally(bulkCalls, (c) => c.answer === "reset" ? "reset" : c.answer >= 500 ? "5xx" : String(c.answer))
      assert.strictEqual(bulkCalls.length, bulkRecords.length, "every bulk call recorded")
      assert.strictEqual(seen["5xx"] ?? 0, recorded.serverError ?? 0)
      assert.strictEqual(seen.reset ?? 0, (recorded.drop ?? 0) + (recorded.lostAnswer ?? 0))
      assert.strictEqual(seen["429"] ?? 0, recorded.rateLimitStorm ?? 0)
      assert.isAbove(recorded.serverError ?? 0, 0, "some bulk calls were answered 5xx")
      assert.isAbove(recorded.drop ?? 0, 0, "some bulk calls were dropped")
      assert.isAbove(recorded.lostAnswer ?? 0, 0, "some bulk answers were lost")
      assert.isAbove(recorded.rateLimitStorm ?? 0, 0, "some bulk calls met a 429 storm")

      // Lost answers: the mock created enrichments whose ids the client never saw.
      const lostCreated = bulkRecords.filter((r) => r.fault === "lostAnswer").reduce((n, r) => n + (r.created ?? 0), 0)
      assert.strictEqual(lostCreated, stats.enrichmentsInLostAnswers, "lost-answer enrichments, by record and by stats")
      // Bulk calls answered 5xx or dropped before processing: nothing created, the client cannot know.
      const unreadable = bulkCalls.filter((c) => c.answer === "reset" || c.answer >= 500)
      const unreadableKeys = unreadable.flatMap((c) => c.keys)
      const neverCreated = unreadableKeys.filter((k) => !createdKeys.has(k)).length
      const createdInLost = unreadableKeys.filter((k) => createdKeys.has(k)).length
      assert.strictEqual(createdInLost, stats.enrichmentsInLostAnswers, "the reset calls that created something are the lost answers")

      // Undetermined leads: exactly those.
      const undetermined = all.filter((o) => o._tag === "Undetermined")
      assert.strictEqual(undetermined.length, stats.enrichmentsInLostAnswers + neverCreated, "undetermined = lost-answer leads + 5xx/dropped leads")
      assert.deepStrictEqual(new Set(undetermined.map((o) => o.key)), new Set(unreadableKeys))

      // Every other lead: created once and answered, or refused by the rate limiter (never sent).
      for (const lead of leads) {
        const o = byKey.get(lead.key!)!
        if (o._tag === "Enriched" || o._tag === "NotFound") assert.isTrue(createdKeys.has(lead.key!))
        else if (o._tag === "Failed") {
          assert.strictEqual(o.reason, "Request", `${o.key}: ${o.description}`)
          assert.isFalse(createdKeys.has(lead.key!), "a lead failed before sending was never created")
        } else assert.strictEqual(o._tag, "Undetermined", `${o.key}: ${o._tag}`)
      }
      describeFigures("resend off", all, server, {
        virtualSeconds: Math.round(virtualMillis / 1000),
        bulkCalls: bulkCalls.length,
        bulkFaults: recorded,
        undetermined: undetermined.length,
        undeterminedFromLostAnswers: stats.enrichmentsInLostAnswers,
        undeterminedFrom5xxOrDrop: neverCreated,
        created: created.length
      })
    }), TIMEOUT)

  it.scoped("with resendUndetermined: every lead gets a result; the leads created twice are exactly the lost answers", () =>
    Effect.gen(function*() {
      const { all, bulkCalls, server, virtualMillis } = yield* runWithFaults(6, { resendUndetermined: true })
      const stats = server.handle.stats(apiKey)
      const created = server.handle.enrichments(apiKey)
      const perKey = tally(created, (e) => e.metadata as string)
      const copies = tally(Object.values(perKey), (n) => `x${n}`)
      const distinct = Object.keys(perKey).length
      assert.isAbove(stats.enrichmentsInLostAnswers, 0, "some answers were lost")
      // Each lost answer created one copy too many; nothing else did.
      assert.strictEqual(created.length - distinct, stats.enrichmentsInLostAnswers, "extra copies = enrichments created in lost answers")
      // Each lead's fate follows from its bulk calls, as the transport saw them: a result when
      // the last one was answered; undetermined when it was unreadable too (three ambiguous
      // attempts in a row: possible, rare); after 429s exhausted, undetermined if an earlier
      // attempt was ambiguous, else failed before sending.
      const callsOf = new Map<string, Array<BulkCall>>()
      for (const call of bulkCalls) for (const key of call.keys) callsOf.set(key, [...(callsOf.get(key) ?? []), call])
      const unreadable = (c: BulkCall) => c.answer === "reset" || c.answer >= 500
      let expectedUndetermined = 0
      for (const o of all) {
        const calls = callsOf.get(o.key) ?? []
        const last = calls[calls.length - 1]!
        if (last.answer === 200) assert.isTrue(o._tag === "Enriched" || o._tag === "NotFound", `${o.key}: ${o._tag}`)
        else if (unreadable(last) || calls.some(unreadable)) {
          expectedUndetermined++
          assert.strictEqual(o._tag, "Undetermined", o.key)
        } else assert.isTrue(o._tag === "Failed" && o.reason === "Request", `${o.key}: ${o._tag}`)
      }
      const outcomes = tally(all, (o) => o._tag)
      assert.strictEqual(outcomes.Undetermined ?? 0, expectedUndetermined)
      // With this seed no batch failed three times in a row: every lead got a result.
      if (LEADS === 20_000) assert.strictEqual(outcomes.Undetermined ?? 0, 0, "no lead left undetermined")
      describeFigures("resend on", all, server, {
        virtualSeconds: Math.round(virtualMillis / 1000),
        bulkCalls: bulkCalls.length,
        created: created.length,
        distinctLeadsCreated: distinct,
        undetermined: outcomes.Undetermined ?? 0,
        createdPerLead: copies
      })
    }), TIMEOUT)

  it.scoped("resend after a lost answer, then a refused connection: the batch stays Undetermined (it was created)", () =>
    Effect.gen(function*() {
      const leads = makeLeads(10)
      const { bulkCalls, layer, server } = yield* env(1, {}, (n) => n === 0 ? "lostAnswer" : "refused")
      const all = yield* Enrichment.run(leads, { types: ["find_email"], creditCheck: "off", resendUndetermined: true }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        driven,
        Effect.provide(layer)
      )
      assert.strictEqual(server.handle.enrichments(apiKey).length, 10, "the first call created every lead")
      assert.isAbove(bulkCalls.length, 2, "resent, then refused")
      assert.deepStrictEqual(tally(all, (o) => o._tag), { Undetermined: 10 })
    }))
})
