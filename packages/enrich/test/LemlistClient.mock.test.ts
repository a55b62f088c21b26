/**
 * The client against the in-process mock (`@lemlist-effect/mock-server`) on the TestClock:
 * every method, the error mappings the mock produces, shared pacing at full load, 429s waited
 * out, and the faults that make a credit-spending call ambiguous.
 */
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { effectClock, makeMockServer } from "@lemlist-effect/mock-server"
import type { MockOptions, MockServer } from "@lemlist-effect/mock-server"
import { Clock, Effect, Either, Layer, Redacted, Schedule } from "effect"
import type { Scope } from "effect"
import { LemlistClient, RequestPacer } from "../src/index.js"
import { drive } from "./LemlistClient.helpers.js"
import { maxInWindow } from "./support/pacing.js"

const KEY = "mock-key-a"
const OTHER = "mock-key-b"

/** A mock on the TestClock, fresh for each test. */
const mock = (options: MockOptions = {}) =>
  Effect.map(effectClock, (clock) =>
    makeMockServer({ apiKeys: [KEY, OTHER], seed: 42, latency: 1000, clock, ...options }))

/** A client on the mock. Without `pacer`, the client builds a pacer of its own. */
const clientOn = (
  server: MockServer,
  options: Partial<LemlistClient.Options> & { readonly key?: string } = {},
  pacer?: Layer.Layer<RequestPacer.RequestPacer>
): Effect.Effect<LemlistClient.Service> => {
  const { key, ...rest } = options
  const base = LemlistClient.make({ apiKey: Redacted.make(key ?? KEY), baseUrl: "http://localhost/api", ...rest }).pipe(
    Effect.provide(FetchHttpClient.layer),
    Effect.provide(Layer.succeed(FetchHttpClient.Fetch, server.fetch as typeof globalThis.fetch))
  )
  return pacer ? Effect.provide(base, pacer) : base
}

const isolated = () => RequestPacer.layer()

const item = (email: string, metadata?: string) => ({
  input: { email },
  enrichmentRequests: ["verify"] as const,
  ...(metadata === undefined ? {} : { metadata })
})

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => drive(effect)

describe("every method against the mock", () => {
  it.scoped("bulkEnrich, then getEnrichment until done", () =>
    run(Effect.gen(function*() {
      const server = yield* mock()
      const client = yield* clientOn(server, {}, isolated())
      const entries = yield* client.bulkEnrich([
        item("ada@acme.com", "row-1"),
        { input: { firstName: "Ada" }, enrichmentRequests: ["verify"], metadata: "row-2" }
      ])
      assert.strictEqual(entries.length, 2)
      assert.strictEqual(entries[0]._tag, "Accepted")
      assert.deepStrictEqual(entries[1], { _tag: "MissingInput", code: "MISSING_EMAIL", metadata: "row-2" })
      const id = entries[0]._tag === "Accepted" ? entries[0].id : ""
      assert.match(id, /^enr_[A-Za-z0-9]{17}$/)
      assert.strictEqual(entries[0].metadata, "row-1")

      const first = yield* client.getEnrichment(id, { types: ["verify"] })
      assert.strictEqual(first._tag, "InProgress")
      yield* Effect.sleep("1100 millis")
      const done = yield* client.getEnrichment(id, { types: ["verify"] })
      assert.strictEqual(done._tag, "Done")
      if (done._tag === "Done") {
        assert.isString(done.result.verify?.status)
        assert.strictEqual(done.metadata, "row-1")
      }
      assert.strictEqual(server.handle.enrichments(KEY).length, 1)
    })))

  it.scoped("enrich: one id for several workflows, result normalised", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ latency: 0 })
      const client = yield* clientOn(server, {}, isolated())
      const id = yield* client.enrich(
        { linkedinUrl: "https://www.linkedin.com/in/ada", firstName: "Ada", lastName: "L", companyName: "Acme", companyDomain: "acme.com" },
        ["find_email", "find_phone", "linkedin_enrichment"]
      )
      const [view] = server.handle.enrichments(KEY)
      assert.strictEqual(view.id, id)
      assert.deepStrictEqual([...view.types].sort(), ["find_email", "find_phone", "linkedin_enrichment"])
      yield* Effect.sleep("10 millis")
      const status = yield* client.getEnrichment(id, { types: view.types })
      assert.strictEqual(status._tag, "Done")
      if (status._tag === "Done") {
        assert.containsAllKeys(status.result, ["find_email", "find_phone", "linkedin_enrichment"])
      }
    })))

  it.scoped("enrichLead: ALREADY_ENRICHED, then force; in progress; unknown lead; no contact", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({
        leads: [
          { id: "lea_done", contact: { email: "ada@acme.com" }, enriched: ["verify"] },
          { id: "lea_nocontact", contact: null }
        ]
      })
      const client = yield* clientOn(server, {}, isolated())
      const conflict = yield* Effect.flip(client.enrichLead("lea_done", ["verify"]))
      assert.deepStrictEqual(conflict._tag === "LeadConflict" && conflict.reason, "AlreadyEnriched")
      const id = yield* client.enrichLead("lea_done", ["verify"], { force: true })
      assert.match(id, /^enr_/)
      const running = yield* Effect.flip(client.enrichLead("lea_done", ["verify"], { force: true }))
      assert.deepStrictEqual(running._tag === "LeadConflict" && running.reason, "InProgress")
      const unknown = yield* Effect.flip(client.enrichLead("lea_nope", ["verify"]))
      assert.deepStrictEqual(unknown._tag === "NotFound" && [unknown.resource, unknown.code], ["Lead", "LEAD_NOT_FOUND"])
      const noContact = yield* Effect.flip(client.enrichLead("lea_nocontact", ["verify"]))
      assert.deepStrictEqual(noContact._tag === "NotFound" && noContact.resource, "Contact")
      const noFlag = yield* Effect.flip(client.enrichLead("lea_done", [] as any))
      assert.deepStrictEqual(noFlag._tag === "BadRequest" && noFlag.reason, "NoEnrichmentRequested")
    })))

  it.scoped("credits and hooks", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ credits: 1234 })
      const client = yield* clientOn(server, {}, isolated())
      assert.strictEqual((yield* client.credits).credits, 1234)
      const hook = yield* client.createHook({ targetUrl: "http://127.0.0.1:9999/hook", type: "enrichmentDone", secret: "s3cret" })
      assert.match(hook._id, /^hoo_/)
      const duplicate = yield* Effect.flip(client.createHook({ targetUrl: "http://127.0.0.1:9999/hook" }))
      assert.strictEqual(duplicate._tag, "HookConflict")
      assert.deepStrictEqual((yield* client.listHooks).map((h) => h._id), [hook._id])
      assert.strictEqual((yield* client.deleteHook(hook._id))._id, hook._id)
      const gone = yield* Effect.flip(client.deleteHook(hook._id))
      assert.deepStrictEqual(gone._tag === "NotFound" && gone.resource, "Hook")
      assert.deepStrictEqual(yield* client.listHooks, [])
    })))
})

describe("error mappings the mock produces", () => {
  it.scoped("wrong key, whole-batch 400, no workflow, unknown id, another team's id", () =>
    run(Effect.gen(function*() {
      const server = yield* mock()
      const client = yield* clientOn(server, {}, isolated())
      const wrong = yield* clientOn(server, { key: "nope" }, isolated())
      const other = yield* clientOn(server, { key: OTHER }, isolated())

      const unauthorized = yield* Effect.flip(wrong.bulkEnrich([item("a@b.c")]))
      assert.deepStrictEqual(unauthorized._tag === "Unauthorized" && unauthorized.reason, "InvalidKey")
      assert.notInclude(unauthorized.message, "nope")

      const rejected = yield* Effect.flip(client.bulkEnrich([{ input: { email: "a@b.c" }, enrichmentRequests: [] as any }]))
      assert.deepStrictEqual(rejected._tag === "BatchRejected" && rejected.code, "NO_WORKFLOW_REQUESTED")
      const tooMany = yield* Effect.flip(client.bulkEnrich(Array.from({ length: 501 }, () => item("a@b.c")) as any))
      assert.deepStrictEqual(tooMany._tag === "BatchRejected" && tooMany.code, "TOO_MANY_ENRICHMENTS_REQUESTED")

      const noWorkflow = yield* Effect.flip(client.enrich({ email: "a@b.c" }, [] as any))
      assert.deepStrictEqual(noWorkflow._tag === "BadRequest" && noWorkflow.reason, "NoEnrichmentRequested")

      const missing = yield* Effect.flip(client.getEnrichment("enr_AAAAAAAAAAAAAAAAA"))
      assert.deepStrictEqual(missing._tag === "NotFound" && missing.resource, "Enrichment")

      const [entry] = yield* client.bulkEnrich([item("a@b.c")])
      const badTeam = yield* Effect.flip(other.getEnrichment(entry._tag === "Accepted" ? entry.id : ""))
      assert.strictEqual(badTeam._tag, "BadTeam")
      assert.strictEqual(server.handle.stats(KEY).rateLimited, 0)
    })))

  it.scoped("credit mode reject: 402 becomes InsufficientCredits, nothing created", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ credits: 0, creditMode: "reject" })
      const client = yield* clientOn(server, {}, isolated())
      const error = yield* Effect.flip(client.bulkEnrich([item("a@b.c")]))
      assert.strictEqual(error._tag, "InsufficientCredits")
      assert.isFalse(error.mayHaveTakenEffect)
      assert.strictEqual(server.handle.enrichments(KEY).length, 0)
    })))

  it.scoped("credit mode fail: accepted, then Failed with INSUFFICIENT_CREDITS", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ credits: 0, latency: 0 })
      const client = yield* clientOn(server, {}, isolated())
      const [entry] = yield* client.bulkEnrich([item("a@b.c")])
      yield* Effect.sleep("10 millis")
      const status = yield* client.getEnrichment(entry._tag === "Accepted" ? entry.id : "")
      assert.deepStrictEqual(status._tag === "Failed" && status.code, "INSUFFICIENT_CREDITS")
    })))

  it.scoped("a 5xx on a credit-spending call is ServerError, not resent; on a GET it is retried", () =>
    run(Effect.gen(function*() {
      const server = yield* mock()
      const client = yield* clientOn(server, {}, isolated())
      server.handle.injectFault({ fault: "serverError", route: "bulk", status: 503 })
      const error = yield* Effect.flip(client.bulkEnrich([item("a@b.c")]))
      assert.deepStrictEqual(error._tag === "ServerError" && error.status, 503)
      assert.isTrue(error.mayHaveTakenEffect)
      assert.strictEqual(server.handle.requests().filter((r) => r.route === "bulk").length, 1)

      server.handle.injectFault({ fault: "serverError", route: "credits", times: 2 })
      assert.strictEqual((yield* client.credits).credits, 100_000)
      assert.strictEqual(server.handle.requests().filter((r) => r.route === "credits").length, 3)
    })))
})

describe("pacing against the mock's sliding window", () => {
  it.scoped("two clients on one key sharing one RequestPacer: no 429 at full load", () =>
    run(Effect.gen(function*() {
      const key = `shared-${Math.random().toString(36).slice(2)}`
      const server = yield* mock({ apiKeys: [key], latency: 500 })
      const shared = Layer.succeed(RequestPacer.RequestPacer, yield* RequestPacer.make())
      const a = yield* clientOn(server, { key }, shared)
      const b = yield* clientOn(server, { key }, shared)
      const start = yield* Effect.clockWith((c) => c.currentTimeMillis)
      const work = (client: LemlistClient.Service, n: number) =>
        Effect.forEach(
          Array.from({ length: n }, (_, i) => i),
          (i): Effect.Effect<unknown, unknown> =>
            i % 3 === 0
              ? client.bulkEnrich([item(`p${i}@acme.com`)])
              : i % 3 === 1
              ? client.credits
              : client.getEnrichment("enr_AAAAAAAAAAAAAAAAA").pipe(Effect.catchTag("NotFound", () => Effect.void)),
          { concurrency: 16 }
        )
      yield* Effect.all([work(a, 100), work(b, 100)], { concurrency: "unbounded" })
      const elapsed = (yield* Effect.clockWith((c) => c.currentTimeMillis)) - start
      const stats = server.handle.stats(key)
      assert.strictEqual(stats.rateLimited, 0)
      assert.strictEqual(stats.requests, 200)
      const [sa, sb] = [yield* a.stats, yield* b.stats]
      assert.strictEqual(sa.rateLimited + sb.rateLimited, 0)
      assert.strictEqual(sa.retries + sb.retries, 0)
      // 200 requests at 20 per 2.025 s: about 20 s, and not much more
      assert.isAtMost(elapsed, 21_000)
      assert.isAtLeast(elapsed, 19_000)
    })))

  it.scoped("two clients with no RequestPacer each pace alone: together they overrun the key's window", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ latency: 0 })
      const a = yield* clientOn(server, { retry: { idempotent: Schedule.stop } })
      const b = yield* clientOn(server, { retry: { idempotent: Schedule.stop } })
      yield* Effect.all(
        [a, b].map((c) => Effect.forEach(Array.from({ length: 20 }), () => Effect.either(c.credits), { concurrency: 20 })),
        { concurrency: "unbounded" }
      )
      assert.isAbove(server.handle.stats(KEY).rateLimited, 0)
    })))

  it.scoped("two clients sharing one RequestPacer layer: same guarantee", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ latency: 0 })
      const shared = yield* RequestPacer.make()
      const layer = Layer.succeed(RequestPacer.RequestPacer, shared)
      const a = yield* clientOn(server, {}, layer)
      const b = yield* clientOn(server, {}, layer)
      yield* Effect.all(
        [a, b].map((c) => Effect.forEach(Array.from({ length: 60 }), () => c.credits, { concurrency: 30 })),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(server.handle.stats(KEY).rateLimited, 0)
      assert.strictEqual(server.handle.stats(KEY).requests, 120)
    })))

  it.scoped("without a shared pacer, 429s are the backstop: waited out, nothing lost or doubled", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ latency: 0 })
      const a = yield* clientOn(server, { retry: { nonIdempotent: LemlistClient.retrySchedule({ times: 20 }) } }, isolated())
      const b = yield* clientOn(server, { retry: { nonIdempotent: LemlistClient.retrySchedule({ times: 20 }) } }, isolated())
      const submit = (c: LemlistClient.Service, prefix: string) =>
        Effect.forEach(Array.from({ length: 30 }, (_, i) => i), (i) => c.bulkEnrich([item(`${prefix}${i}@acme.com`)]), {
          concurrency: 10
        })
      yield* Effect.all([submit(a, "a"), submit(b, "b")], { concurrency: "unbounded" })
      const stats = server.handle.stats(KEY)
      assert.isAbove(stats.rateLimited, 0)
      assert.strictEqual(server.handle.enrichments(KEY).length, 60)
      assert.strictEqual((yield* a.stats).rateLimited + (yield* b.stats).rateLimited, stats.rateLimited)
    })))

  it.scoped("a request that opens a connection reaches lemlist late: its start moves to its answer, and the 21st keeps the window", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ latency: 0 })
      const start = yield* Clock.currentTimeMillis
      // The first request spends 60 ms opening its connection before it reaches the mock (more
      // than the pacer's 50 ms margin); every answer takes 30 ms to come back.
      let sent = 0
      const network = (client: HttpClient.HttpClient) =>
        client.pipe(
          HttpClient.mapRequestEffect((request) => Effect.as(Effect.sleep(sent++ === 0 ? "60 millis" : "0 millis"), request)),
          HttpClient.transformResponse(Effect.tap(() => Effect.sleep("30 millis")))
        )
      const inner = yield* RequestPacer.make()
      const cold: Array<boolean | undefined> = []
      const pacer = Layer.succeed(RequestPacer.RequestPacer, {
        ...inner,
        observe: (key, observation) => Effect.zipRight(Effect.sync(() => cold.push(observation.coldStart)), inner.observe(key, observation))
      })
      const client = yield* clientOn(server, { transformClient: network, retry: { idempotent: Schedule.stop } }, pacer)
      const answers = yield* Effect.forEach(Array.from({ length: 40 }), () => Effect.either(client.credits), { concurrency: 4 })
      const arrivals = server.handle.requests().map((r) => r.time - start)
      // The fault happened where meant: the first request reached the mock 60 ms after its start.
      assert.strictEqual(sent, 40)
      assert.strictEqual(arrivals[0], 60)
      assert.strictEqual(arrivals[1], 100)
      assert.strictEqual(server.handle.stats(KEY).rateLimited, 0)
      assert.strictEqual(answers.filter(Either.isLeft).length, 0)
      assert.strictEqual(maxInWindow(arrivals, 2000), 20)
      // The 21st left when the first had been answered (90) plus the window and the margin.
      assert.strictEqual(arrivals[20], 90 + 2050)
      // Only the first found no idle connection: the others' starts stay where they were.
      assert.deepStrictEqual(cold, [true, ...Array<boolean>(39).fill(false)])
    })))

  it.scoped("a request that leaves late after its booking (the store's answer read late): its start moves by that much, and the 22nd keeps the window", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ latency: 0 })
      const start = yield* Clock.currentTimeMillis
      const network = (client: HttpClient.HttpClient) => client.pipe(HttpClient.transformResponse(Effect.tap(() => Effect.sleep("30 millis"))))
      // The second request's booking is answered 90 ms after the store made it, as a busy event
      // loop reads a Redis reply late: booked at 100, it leaves at 190 (more than the margin).
      const memory = yield* RequestPacer.PacerStore.pipe(Effect.provide(RequestPacer.layerStoreMemory))
      let departs = 0
      const store: RequestPacer.Store = {
        ...memory,
        depart: (o) => departs++ === 0 ? Effect.tap(memory.depart(o), () => Effect.sleep("90 millis")) : memory.depart(o)
      }
      const inner = yield* RequestPacer.makeFromStore().pipe(Effect.provideService(RequestPacer.PacerStore, store))
      const sent = new Map<number, number | undefined>()
      const pacer = Layer.succeed(RequestPacer.RequestPacer, {
        ...inner,
        observe: (key, observation) =>
          Effect.zipRight(
            Effect.sync(() => sent.set(observation.startedAt - start, observation.sentAt && observation.sentAt - start)),
            inner.observe(key, observation)
          )
      })
      const client = yield* clientOn(server, { transformClient: network, retry: { idempotent: Schedule.stop } }, pacer)
      const answers = yield* Effect.forEach(Array.from({ length: 40 }), () => Effect.either(client.credits), { concurrency: 4 })
      const arrivals = server.handle.requests().map((r) => r.time - start)
      // The fault happened where meant: the start booked at 100 was sent at 190.
      assert.strictEqual(sent.get(100), 190)
      assert.deepStrictEqual(arrivals.slice(0, 4), [0, 190, 200, 300])
      assert.strictEqual(server.handle.stats(KEY).rateLimited, 0)
      assert.strictEqual(answers.filter(Either.isLeft).length, 0)
      assert.strictEqual(maxInWindow(arrivals, 2000), 20)
      // The 21st waits for the first (cold: moved to its answer, 30), the 22nd for the late one
      // as it left (190), each plus the window and the margin (at its booking, 100, the 22nd
      // would leave at 2180 and meet it in lemlist's window).
      assert.deepStrictEqual(arrivals.slice(20, 22), [30 + 2050, 190 + 2050])
    })))

  it.scoped("a 429 storm forced by the mock is waited out per Retry-After; one enrichment created", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ faults: { rateLimitStormMs: 3000 } })
      const client = yield* clientOn(server, {}, isolated())
      server.handle.injectFault({ fault: "rateLimitStorm", route: "bulk" })
      const start = yield* Effect.clockWith((c) => c.currentTimeMillis)
      const [entry] = yield* client.bulkEnrich([item("storm@acme.com")])
      const elapsed = (yield* Effect.clockWith((c) => c.currentTimeMillis)) - start
      assert.strictEqual(entry._tag, "Accepted")
      assert.isAtLeast(elapsed, 3000)
      assert.isAtMost(elapsed, 3200)
      const stats = yield* client.stats
      assert.strictEqual(stats.rateLimited, 1)
      assert.strictEqual(stats.retries, 1)
      assert.strictEqual(server.handle.enrichments(KEY).length, 1)
      // the requests in between were held by the pacer, not sent into the storm
      assert.strictEqual(server.handle.stats(KEY).rateLimited, 1)
    })))
})

describe("faults that make a call ambiguous", () => {
  it.scoped("answer lost after processing: one enrichment server-side, an ambiguous Transport client-side", () =>
    run(Effect.gen(function*() {
      const server = yield* mock()
      const client = yield* clientOn(server, {}, isolated())
      server.handle.injectFault({ fault: "lostAnswer", route: "bulk" })
      const error = yield* Effect.flip(client.bulkEnrich([item("lost@acme.com")]))
      assert.strictEqual(error._tag, "Transport")
      assert.isTrue(error.mayHaveTakenEffect)
      assert.deepStrictEqual(error._tag === "Transport" && error.connected, true)
      assert.isFalse(LemlistClient.safeToResend(error))
      assert.strictEqual(server.handle.enrichments(KEY).length, 1)
      assert.strictEqual(server.handle.requests().filter((r) => r.route === "bulk").length, 1)
      assert.strictEqual((yield* client.stats).retries, 0)
    })))

  it.scoped("dropped connection: ambiguous for the client (it cannot know), not resent", () =>
    run(Effect.gen(function*() {
      const server = yield* mock()
      const client = yield* clientOn(server, {}, isolated())
      server.handle.injectFault({ fault: "drop", route: "enrich" })
      const error = yield* Effect.flip(client.enrich({ email: "a@b.c" }, ["verify"]))
      assert.deepStrictEqual(error._tag === "Transport" && error.connected, true)
      assert.strictEqual(server.handle.requests().filter((r) => r.route === "enrich").length, 1)
    })))

  it.scoped("refused connection: surely did nothing, resent, exactly one enrichment", () =>
    run(Effect.gen(function*() {
      const server = yield* mock()
      const client = yield* clientOn(server, {}, isolated())
      server.handle.injectFault({ fault: "refused", route: "bulk", times: 2 })
      const [entry] = yield* client.bulkEnrich([item("refused@acme.com")])
      assert.strictEqual(entry._tag, "Accepted")
      assert.strictEqual(server.handle.enrichments(KEY).length, 1)
      assert.strictEqual((yield* client.stats).retries, 2)
    })))

  it.scoped("timeouts: a slow bulk is a Timeout (ambiguous, one enrichment); a slow GET is retried", () =>
    run(Effect.gen(function*() {
      const server = yield* mock({ faults: { slowMs: 15_000 } })
      const client = yield* clientOn(server, { timeout: "5 seconds" }, isolated())
      server.handle.injectFault({ fault: "slow", route: "bulk" })
      const error = yield* Effect.flip(client.bulkEnrich([item("slow@acme.com")]))
      assert.deepStrictEqual(error._tag === "Timeout" && error.afterMillis, 5000)
      assert.isTrue(error.mayHaveTakenEffect)
      yield* Effect.sleep("11 seconds") // the mock finishes the slow request anyway
      assert.strictEqual(server.handle.enrichments(KEY).length, 1)

      server.handle.injectFault({ fault: "slow", route: "credits" })
      assert.strictEqual((yield* client.credits).credits, 100_000 - (server.handle.stats(KEY).creditsSpent))
      assert.strictEqual((yield* client.stats).retries, 1)
    })))
})
