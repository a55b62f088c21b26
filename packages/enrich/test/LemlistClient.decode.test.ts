/**
 * Every documented answer variant, and every status, against a stub `fetch`: the variants the
 * strict mock never produces (legacy JSON bodies, 202 without a body, webhook keys on polling,
 * unknown statuses and shapes) are covered here.
 */
import { assert, describe, it } from "@effect/vitest"
import { Messages } from "@lemlist-effect/contract"
import { FetchHttpClient } from "@effect/platform"
import { ConfigProvider, Effect, Layer, Schedule } from "effect"
import { LemlistClient, RequestPacer } from "../src/index.js"
import type { LemlistError } from "../src/index.js"
import { drive, json, stubFetch, text, withStub } from "./LemlistClient.helpers.js"
import type { Recorded, StubAnswer } from "./LemlistClient.helpers.js"

const noRetry = { retry: { idempotent: Schedule.stop, nonIdempotent: Schedule.stop } }

const failWith = <A>(
  answer: StubAnswer,
  call: (client: LemlistClient.Service) => Effect.Effect<A, LemlistError.LemlistError>
) =>
  withStub(() => answer, (client) => Effect.flip(call(client)), noRetry)

const succeedWith = <A>(
  answer: StubAnswer,
  call: (client: LemlistClient.Service) => Effect.Effect<A, LemlistError.LemlistError>
) => withStub(() => answer, (client) => call(client), noRetry)

const item = { input: { email: "ada@example.com" }, enrichmentRequests: ["verify"] } as const
const bulk = (c: LemlistClient.Service) => c.bulkEnrich([item])
const enrich = (c: LemlistClient.Service) => c.enrich({ email: "ada@example.com" }, ["verify"])
const enrichLead = (c: LemlistClient.Service) => c.enrichLead("lea_1", ["find_email"])
const get = (c: LemlistClient.Service) => c.getEnrichment("enr_1")
const credits = (c: LemlistClient.Service) => c.credits

const fields = (e: LemlistError.LemlistError): Record<string, unknown> => {
  const { _tag, ...rest } = e as unknown as Record<string, unknown>
  return { _tag, ...rest }
}

describe("LemlistClient requests", () => {
  it.scoped("bulkEnrich: Basic auth with an empty user, the array as body, webhookUrl in the query", () =>
    withStub(
      () => json(200, [{ id: "enr_A", metadata: { row: 1 } }, { error: "MISSING_EMAIL", metadata: "r2" }]),
      (client, requests) =>
        Effect.gen(function*() {
          const out = yield* client.bulkEnrich(
            [{ ...item, metadata: { row: 1 } }, { input: { firstName: "A" }, enrichmentRequests: ["verify"], metadata: "r2" }],
            { webhookUrl: "http://127.0.0.1:9/hook" }
          )
          assert.deepStrictEqual(out, [
            { _tag: "Accepted", id: "enr_A", metadata: { row: 1 } },
            { _tag: "MissingInput", code: "MISSING_EMAIL", metadata: "r2" }
          ])
          const [req] = requests
          assert.strictEqual(req.method, "POST")
          assert.strictEqual(req.url.pathname, "/api/v2/enrichments/bulk")
          assert.strictEqual(req.url.searchParams.get("webhookUrl"), "http://127.0.0.1:9/hook")
          assert.strictEqual(req.headers.get("authorization"), `Basic ${btoa(":test-key-0123456789")}`)
          assert.deepStrictEqual(JSON.parse(req.body)[0], { ...item, metadata: { row: 1 } })
        })
    ))

  it.scoped("enrich: flags and inputs in the query string", () =>
    withStub(() => json(200, { id: "enr_B" }), (client, requests) =>
      Effect.gen(function*() {
        const id = yield* client.enrich(
          { linkedinUrl: "https://linkedin.com/in/ada", firstName: "Ada" },
          ["find_email", "verify", "find_phone", "linkedin_enrichment"],
          { webhookUrl: "http://127.0.0.1:9/h" }
        )
        assert.strictEqual(id, "enr_B")
        const q = Object.fromEntries(requests[0].url.searchParams)
        assert.deepStrictEqual(q, {
          findEmail: "true",
          verifyEmail: "true",
          findPhone: "true",
          linkedinEnrichment: "true",
          linkedinUrl: "https://linkedin.com/in/ada",
          firstName: "Ada",
          webhookUrl: "http://127.0.0.1:9/h"
        })
        assert.strictEqual(requests[0].url.pathname, "/api/enrich")
      })))

  it.scoped("enrichLead: path, flags and force", () =>
    withStub(() => json(200, { id: "enr_C" }), (client, requests) =>
      Effect.gen(function*() {
        assert.strictEqual(yield* client.enrichLead("lea_X", ["find_phone"], { force: true }), "enr_C")
        assert.strictEqual(yield* client.enrichLead("lea_X", ["find_phone"]), "enr_C")
        assert.strictEqual(requests[0].url.pathname, "/api/leads/lea_X/enrich")
        assert.deepStrictEqual(Object.fromEntries(requests[0].url.searchParams), { findPhone: "true", force: "true" })
        assert.deepStrictEqual(Object.fromEntries(requests[1].url.searchParams), { findPhone: "true" })
      })))

  it.scoped("hooks: create (secret in the body), list, delete", () =>
    withStub(
      (req: Recorded) =>
        req.method === "POST"
          ? json(200, { _id: "hoo_1", targetUrl: "http://127.0.0.1/h", type: "enrichmentDone" })
          : req.method === "GET"
          ? json(200, [{ _id: "hoo_1", targetUrl: "http://127.0.0.1/h" }])
          : json(200, { _id: "hoo_1", targetUrl: "http://127.0.0.1/h" }),
      (client, requests) =>
        Effect.gen(function*() {
          const hook = yield* client.createHook({ targetUrl: "http://127.0.0.1/h", type: "enrichmentDone", secret: "s3" })
          assert.strictEqual(hook._id, "hoo_1")
          assert.deepStrictEqual(JSON.parse(requests[0].body), { targetUrl: "http://127.0.0.1/h", type: "enrichmentDone", secret: "s3" })
          assert.strictEqual((yield* client.listHooks).length, 1)
          assert.strictEqual((yield* client.deleteHook("hoo_1"))._id, "hoo_1")
          assert.strictEqual(requests[2].method, "DELETE")
          assert.strictEqual(requests[2].url.pathname, "/api/hooks/hoo_1")
        })
    ))

  it.scoped("credits", () =>
    succeedWith(json(200, { credits: 100, details: { remaining: { total: 100, paid: 10 } } }), credits).pipe(
      Effect.map((c) => assert.strictEqual(c.credits, 100))
    ))
})

describe("LemlistClient bulk answers", () => {
  it.scoped("an entry with an id is accepted even with extra keys; an unknown shape is that item's failure", () =>
    withStub(
      () => json(200, [{ id: "enr_A", error: null }, { whatever: true, metadata: "m" }, { error: "A_NEW_CODE" }]),
      (client) =>
        Effect.gen(function*() {
          const out = yield* client.bulkEnrich([item, item, item])
          assert.strictEqual(out[0]._tag, "Accepted")
          assert.strictEqual(out[1]._tag, "Undecodable")
          assert.strictEqual(out[1].metadata, "m")
          assert.deepStrictEqual(out[2], { _tag: "MissingInput", code: "A_NEW_CODE", metadata: undefined })
        })
    ))

  it.scoped("a length mismatch or a non-array fails the whole call as DecodeError (it may have taken effect)", () =>
    Effect.gen(function*() {
      const a = yield* failWith(json(200, [{ id: "enr_A" }, { id: "enr_B" }]), bulk)
      assert.strictEqual(a._tag, "DecodeError")
      assert.isTrue(a.mayHaveTakenEffect)
      const b = yield* failWith(text(200, "<html>oops</html>"), bulk)
      assert.strictEqual(b._tag, "DecodeError")
      const c = yield* failWith(json(200, { id: "enr_A" }), bulk)
      assert.strictEqual(c._tag, "DecodeError")
    }))
})

describe("LemlistClient error mapping", () => {
  const cases: Array<[string, StubAnswer, (c: LemlistClient.Service) => Effect.Effect<unknown, LemlistError.LemlistError>, Record<string, unknown>]> = [
    // bulk
    ["bulk 400 code", json(400, { error: "NO_ENRICHMENTS_REQUESTED" }), bulk, { _tag: "BatchRejected", code: "NO_ENRICHMENTS_REQUESTED" }],
    ["bulk 400 every code", json(400, { error: "WRONG_METADATA_FORMAT" }), bulk, { _tag: "BatchRejected", code: "WRONG_METADATA_FORMAT" }],
    ["bulk 400 unknown code", json(400, { error: "NEW_THING" }), bulk, { _tag: "BadRequest", reason: "BadRequest", description: "NEW_THING" }],
    ["bulk 401 text", text(401, Messages.unauthorized), bulk, { _tag: "Unauthorized", reason: "InvalidKey", status: 401 }],
    ["bulk 401 no body", new Response(null, { status: 401 }), bulk, { _tag: "Unauthorized", reason: "InvalidKey", status: 401 }],
    ["bulk 402", json(402, { error: "INSUFFICIENT_CREDITS" }), bulk, { _tag: "InsufficientCredits" }],
    ["bulk 429 Retry-After", text(429, Messages.tooManyRequests, { "retry-after": "3" }), bulk, { _tag: "RateLimited", retryAfterMillis: 3000 }],
    ["bulk 429 JSON, no header", json(429, { error: "Rate limit exceeded" }), bulk, { _tag: "RateLimited", retryAfterMillis: 2000 }],
    ["bulk 500", json(500, { error: "boom" }), bulk, { _tag: "ServerError", status: 500, description: "boom" }],
    ["bulk 503 text", text(503, "Service Unavailable"), bulk, { _tag: "ServerError", status: 503, description: "Service Unavailable" }],
    ["bulk 405", text(405, Messages.methodNotAllowed), bulk, { _tag: "ServerError", status: 405, description: Messages.methodNotAllowed }],
    ["bulk 404 (wrong base URL)", text(404, "Not found"), bulk, { _tag: "NotFound", resource: "Route" }],
    // enrich
    ["enrich 400 no workflow", text(400, Messages.noEnrichmentRequested), enrich, { _tag: "BadRequest", reason: "NoEnrichmentRequested", description: Messages.noEnrichmentRequested }],
    ["enrich 400 legacy JSON", json(400, { error: Messages.noEnrichmentRequested }), enrich, { _tag: "BadRequest", reason: "NoEnrichmentRequested", description: Messages.noEnrichmentRequested }],
    ["enrich 400 webhookUrl", text(400, Messages.invalidWebhookUrl), enrich, { _tag: "BadRequest", reason: "InvalidWebhookUrl", description: Messages.invalidWebhookUrl }],
    ["enrich 400 Bad team", text(400, Messages.badTeam), enrich, { _tag: "BadTeam" }],
    ["enrich 400 Bad request", text(400, Messages.badRequest), enrich, { _tag: "BadRequest", reason: "BadRequest", description: Messages.badRequest }],
    ["enrich 200 no id", json(200, { ok: true }), enrich, { _tag: "DecodeError", status: 200 }],
    // enrichLead
    ["lead 404 lead", json(404, { error: Messages.leadNotFound, code: "LEAD_NOT_FOUND" }), enrichLead, { _tag: "NotFound", resource: "Lead", id: "lea_1", code: "LEAD_NOT_FOUND" }],
    ["lead 404 contact", json(404, { error: Messages.contactNotFound, code: "CONTACT_NOT_FOUND" }), enrichLead, { _tag: "NotFound", resource: "Contact", id: "lea_1", code: "CONTACT_NOT_FOUND" }],
    ["lead 404 text", text(404, Messages.leadNotFound), enrichLead, { _tag: "NotFound", resource: "Lead", id: "lea_1", code: "LEAD_NOT_FOUND" }],
    ["lead 409 already enriched", json(409, { error: Messages.alreadyEnriched, code: "ALREADY_ENRICHED" }), enrichLead, { _tag: "LeadConflict", reason: "AlreadyEnriched", description: Messages.alreadyEnriched }],
    ["lead 409 in progress (no code)", json(409, { error: Messages.alreadyBeingEnriched }), enrichLead, { _tag: "LeadConflict", reason: "InProgress", description: Messages.alreadyBeingEnriched }],
    ["lead 400 Bad team", text(400, Messages.badTeam), enrichLead, { _tag: "BadTeam" }],
    ["lead 400 legacy invalid id", json(400, { error: "Invalid leadId" }), enrichLead, { _tag: "BadRequest", reason: "BadRequest", description: "Invalid leadId" }],
    ["lead 400 no workflow", text(400, "No enrichment requested…"), enrichLead, { _tag: "BadRequest", reason: "NoEnrichmentRequested", description: "No enrichment requested…" }],
    ["lead 500", json(500, { error: Messages.failedToEnrichLead }), enrichLead, { _tag: "ServerError", status: 500, description: Messages.failedToEnrichLead }],
    // get
    ["get 404 text", text(404, Messages.enrichmentNotFound), get, { _tag: "NotFound", resource: "Enrichment", id: "enr_1" }],
    ["get 404 legacy JSON", json(404, { enrichmentId: "enr_1", enrichmentStatus: "not-found", error: "Enrichment not found", data: {} }), get, { _tag: "NotFound", resource: "Enrichment", id: "enr_1" }],
    ["get 400 Bad team", text(400, Messages.badTeam), get, { _tag: "BadTeam" }],
    ["get 401", new Response(null, { status: 401 }), get, { _tag: "Unauthorized", reason: "InvalidKey", status: 401 }],
    ["get 200 bad data", json(200, { enrichmentId: "enr_1", enrichmentStatus: "done", data: { email: "not an object" } }), get, { _tag: "DecodeError", status: 200 }],
    ["get 200 empty", new Response(null, { status: 200 }), get, { _tag: "DecodeError", status: 200, description: "empty body" }],
    // credits
    ["credits 400 no key", text(400, Messages.noApiKey), credits, { _tag: "Unauthorized", reason: "MissingKey", status: 400 }],
    ["credits 401", text(401, Messages.unauthorized), credits, { _tag: "Unauthorized", reason: "InvalidKey", status: 401 }],
    ["credits 403", text(403, Messages.userBlocked), credits, { _tag: "Unauthorized", reason: "UserBlocked", status: 403 }],
    ["credits 404", text(404, Messages.noUser), credits, { _tag: "Unauthorized", reason: "NoUser", status: 404 }],
    ["credits 200 bad", json(200, { credits: "many" }), credits, { _tag: "DecodeError", status: 200 }],
    // hooks
    ["createHook 409", json(409, { error: "Webhook already exists" }), (c) => c.createHook({ targetUrl: "http://x" }), { _tag: "HookConflict", description: "Webhook already exists" }],
    ["createHook 400 Bad team", text(400, Messages.badTeam), (c) => c.createHook({ targetUrl: "http://x" }), { _tag: "BadTeam" }],
    ["deleteHook 404", text(404, Messages.webhookNotFound), (c) => c.deleteHook("hoo_9"), { _tag: "NotFound", resource: "Hook", id: "hoo_9" }],
    ["listHooks 200 not array", json(200, { hooks: [] }), (c) => c.listHooks, { _tag: "DecodeError", status: 200 }]
  ]
  for (const [name, answer, call, expected] of cases) {
    it.scoped(name, () =>
      failWith(answer, call).pipe(Effect.map((error) => {
        const actual = fields(error)
        for (const [k, v] of Object.entries(expected)) {
          if (k === "description" && expected._tag === "DecodeError") continue
          assert.deepStrictEqual(actual[k], v, `${name}: ${k}`)
        }
        if (expected._tag === "DecodeError" && typeof expected.description === "string") {
          assert.strictEqual(actual.description, expected.description)
        }
      })))
  }

  it.scoped("every error says whether it may have taken effect, and never shows the key", () =>
    Effect.gen(function*() {
      for (const [, answer, call] of cases) {
        const error = yield* failWith(answer, call)
        assert.isBoolean(error.mayHaveTakenEffect)
        assert.notInclude(error.message, "test-key-0123456789")
        assert.notInclude(JSON.stringify(error), "test-key-0123456789")
        assert.notInclude(JSON.stringify(error), btoa(":test-key-0123456789"))
      }
    }))
})

describe("LemlistClient polling answers", () => {
  const poll = (answer: StubAnswer, types?: ReadonlyArray<"find_email" | "verify" | "find_phone" | "linkedin_enrichment">) =>
    succeedWith(answer, (c) => c.getEnrichment("enr_1", { types }))

  it.scoped("202 with or without a body is in progress", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* poll(new Response(null, { status: 202 })), { _tag: "InProgress", id: "enr_1" })
      assert.deepStrictEqual(
        yield* poll(json(202, { enrichmentId: "enr_1", enrichmentStatus: "in-progress", input: {}, data: {} })),
        { _tag: "InProgress", id: "enr_1" }
      )
      assert.deepStrictEqual(yield* poll(text(202, "")), { _tag: "InProgress", id: "enr_1" })
    }))

  it.scoped("done, polling keys, find_email and verify merged under email", () =>
    Effect.gen(function*() {
      const status = yield* poll(
        json(200, {
          enrichmentId: "enr_1",
          enrichmentStatus: "done",
          input: { email: "a@b.c" },
          data: { email: { email: "ada@acme.com", status: "deliverable", notFound: false }, phone: { notFound: true } },
          metadata: { row: 7 }
        }),
        ["find_email", "verify", "find_phone"]
      )
      assert.deepStrictEqual(status, {
        _tag: "Done",
        id: "enr_1",
        metadata: { row: 7 },
        result: {
          find_email: { found: true, value: { email: "ada@acme.com", status: "deliverable" } },
          verify: { status: "deliverable" },
          find_phone: { found: false }
        }
      })
    }))

  it.scoped("done, webhook keys on a poll decode into the same result", () =>
    Effect.gen(function*() {
      const status = yield* poll(json(200, {
        enrichmentId: "enr_1",
        enrichmentStatus: "done",
        data: { find_email: { email: "ada@acme.com", status: "risky" }, verify: { status: "risky" }, find_phone: { phone: "+15550000000" } }
      }))
      assert.strictEqual(status._tag, "Done")
      if (status._tag === "Done") {
        assert.deepStrictEqual(status.result, {
          find_email: { found: true, value: { email: "ada@acme.com", status: "risky" } },
          verify: { status: "risky" },
          find_phone: { found: true, value: { phone: "+15550000000" } }
        })
      }
    }))

  it.scoped("verify alone: a status and no email", () =>
    poll(json(200, { enrichmentId: "enr_1", enrichmentStatus: "done", data: { email: { status: "undeliverable" } } })).pipe(
      Effect.map((s) => assert.deepStrictEqual(s._tag === "Done" && s.result, { verify: { status: "undeliverable" } }))
    ))

  it.scoped("error status: failed with the code", () =>
    poll(json(200, { enrichmentId: "enr_1", enrichmentStatus: "error", error: { code: "PROVIDER_ERROR", message: "x" } })).pipe(
      Effect.map((s) =>
        assert.deepStrictEqual(s, { _tag: "Failed", id: "enr_1", code: "PROVIDER_ERROR", description: "x", metadata: undefined })
      )
    ))

  it.scoped("a future status is UnknownStatus with the raw body, not a crash", () =>
    Effect.gen(function*() {
      const body = { enrichmentId: "enr_1", enrichmentStatus: "quantum", data: { weird: [1] } }
      assert.deepStrictEqual(yield* poll(json(200, body)), { _tag: "UnknownStatus", id: "enr_1", status: "quantum", raw: body })
      const noStatus = yield* poll(json(200, { enrichmentId: "enr_1" }))
      assert.strictEqual(noStatus._tag, "UnknownStatus")
    }))
})

describe("LemlistClient hooks tolerance", () => {
  it.scoped("a delete answered without a body still reports the deleted id", () =>
    succeedWith(new Response(null, { status: 200 }), (c) => c.deleteHook("hoo_7")).pipe(
      Effect.map((hook) => assert.strictEqual(hook._id, "hoo_7"))
    ))
})


/** `layerConfig` over a stub answering `{ credits: 3 }`, with this environment; reads the credits. */
const creditsFromEnv = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const stub = stubFetch(() => json(200, { credits: 3 }))
    const layer = LemlistClient.layerConfig().pipe(
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(Layer.succeed(FetchHttpClient.Fetch, stub.fetch)),
      Layer.provide(RequestPacer.layer()),
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
    )
    const { credits } = yield* drive(Effect.flatMap(LemlistClient.LemlistClient, (c) => c.credits).pipe(Effect.provide(layer)))
    return { credits, stub }
  })

describe("LemlistClient.layerConfig", () => {
  it.scoped("reads LEMLIST_API_KEY (Redacted) and LEMLIST_BASE_URL", () =>
    Effect.gen(function*() {
      const { credits, stub } = yield* creditsFromEnv({ LEMLIST_API_KEY: "env-key-42", LEMLIST_BASE_URL: "http://env.test/api/" })
      assert.strictEqual(credits, 3)
      assert.strictEqual(stub.requests[0].url.href, "http://env.test/api/team/credits")
      assert.strictEqual(stub.requests[0].headers.get("authorization"), `Basic ${btoa(":env-key-42")}`)
    }))

  it.scoped("defaults the base URL to lemlist's", () =>
    Effect.gen(function*() {
      const { stub } = yield* creditsFromEnv({ LEMLIST_API_KEY: "k" })
      assert.strictEqual(stub.requests[0].url.href, "https://api.lemlist.com/api/team/credits")
    }))

  it.scoped("fails with a ConfigError without a key", () =>
    Effect.gen(function*() {
      const layer = LemlistClient.layerConfig().pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map())))
      )
      const exit = yield* Effect.exit(Effect.provide(LemlistClient.LemlistClient, layer))
      assert.isTrue(exit._tag === "Failure")
    }))
})
