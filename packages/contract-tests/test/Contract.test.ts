/**
 * lemlist's enrichment contract, checked against a base URL: the mock (default, started here on
 * a loopback socket) or real lemlist (`LEMLIST_BASE_URL` + `LEMLIST_API_KEY`). Every answer goes
 * through `Check.check`: the official OpenAPI extract (status, media type, JSON schema via
 * ajv), our Effect schemas, and the rate-limit headers.
 *
 * Against a remote target only what costs no credit runs, unless `LEMLIST_CONTRACT_SPEND=1`.
 * Every bulk body sent by a credit-free test holds only items that lack their inputs, so even
 * a server that accepted it could create nothing and charge nothing.
 */
import { Messages, Result } from "@lemlist-effect/contract"
import { afterAll, assert, beforeAll, describe, expect, it } from "@effect/vitest"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { check } from "../src/Check.js"
import * as OpenApi from "../src/OpenApi.js"
import * as Target from "../src/Target.js"

const target = await Target.fromEnv()
const onMock = target.kind === "mock"
/** Costs nothing anywhere. */
const free = it
/** Spends credits on a remote target: runs on the mock, or with `LEMLIST_CONTRACT_SPEND=1`. */
const spend = target.spend ? it : it.skip
/** Behaviour lemlist does not document (our docs/decisions.md), or that needs the mock's fixtures/admin. */
const mockOnly = onMock ? it : it.skip

const skipped: Array<string> = []
const note = (group: string, runs: boolean) => {
  if (!runs) skipped.push(group)
}
note("enrichments that spend credits (set LEMLIST_CONTRACT_SPEND=1)", target.spend)
note("mock-only cases (our DECISIONS, lead fixtures, 429 burst, 413, other team, webhook bodies)", onMock)

beforeAll(() => {
  const where = onMock ? `the mock on ${target.baseUrl}` : target.baseUrl
  console.info(`[contract] target: ${where}${skipped.length ? `; skipped: ${skipped.join("; ")}` : "; running everything"}`)
})
afterAll(() => target.close())

/** An item that lacks its inputs (find_phone needs a LinkedIn URL): never creates an enrichment. */
const inert = (metadata?: unknown) => ({
  input: { firstName: "Contract", lastName: "Test" },
  enrichmentRequests: ["find_phone"],
  ...(metadata === undefined ? {} : { metadata })
})

const created = () => (onMock ? target.mock!.server.handle.stats(target.apiKey).enrichmentsCreated : 0)

const bulk = (options: Target.RequestOptions) => target.request("POST", "/v2/enrichments/bulk", options)

describe("the validator itself", () => {
  free("every example of the official extract conforms to its own response schema", () => {
    let n = 0
    for (const [path, methods] of Object.entries(OpenApi.document.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          const media = (response.content ?? {})["application/json"] as { schema?: unknown; example?: unknown; examples?: Record<string, { value: unknown }> } | undefined
          if (!media?.schema) continue
          const examples = [...(media.example === undefined ? [] : [media.example]), ...Object.values(media.examples ?? {}).map((e) => e.value)]
          for (const example of examples) {
            n++
            // The hook examples hold `{accountId}`-style placeholders, which are not URI characters.
            const filled = JSON.parse(JSON.stringify(example).replace(/\{(\w+)\}/g, "$1"))
            assert.isUndefined(OpenApi.validate(path, method, Number(status), filled), `${method} ${path} ${status}`)
          }
        }
      }
    }
    assert.isAbove(n, 10)
  })

  free("and it does reject what the extract forbids", () => {
    assert.isDefined(OpenApi.validate("/v2/enrichments/bulk", "post", 400, { error: "NOT_A_CODE" }))
    assert.isDefined(OpenApi.validate("/team/credits", "get", 200, { credits: 1.5 }))
    assert.isDefined(OpenApi.validate("/v2/enrichments/bulk", "post", 200, [{ id: 7 }]))
    assert.isDefined(OpenApi.validate("/v2/enrichments/bulk", "post", 200, [{ metadata: "neither id nor error" }]))
    assert.isDefined(OpenApi.validate("/v2/enrichments/bulk", "post", 200, [{ id: "enr_1", metadata: 3 }]))
    assert.isDefined(OpenApi.validate("/hooks", "get", 200, [{ _id: "hoo_1", targetUrl: "not a uri" }]))
  })
})

describe("authentication", () => {
  const unauthorized = (answer: Target.Answer) => {
    check(answer, { status: 401 })
    // The three routes documenting a 401 body say this text.
    if (answer.contentType === "text/plain") assert.strictEqual(answer.text, Messages.unauthorized)
  }

  free("bulk: no Authorization header is 401 with the documented text", async () => {
    const answer = check(await bulk({ authorization: null, json: [inert()] }), { status: 401 })
    assert.strictEqual(answer.contentType, "text/plain")
    assert.strictEqual(answer.text, Messages.unauthorized)
  })

  free("bulk: a wrong key is 401", async () => unauthorized(await bulk({ authorization: Target.basic("not-a-real-key-0000"), json: [inert()] })))

  free("bulk: the right key as Bearer is 401 (lemlist is Basic only)", async () =>
    unauthorized(await bulk({ authorization: `Bearer ${target.apiKey}`, json: [inert()] })))

  free("bulk: the right key without the leading colon is 401", async () =>
    unauthorized(await bulk({ authorization: `Basic ${Buffer.from(target.apiKey).toString("base64")}`, json: [inert()] })))

  free("credits: no key is 400 No API key provided, a wrong key 401", async () => {
    const missing = check(await target.request("GET", "/team/credits", { authorization: null }), { status: 400 })
    assert.strictEqual(missing.text, Messages.noApiKey)
    unauthorized(await target.request("GET", "/team/credits", { authorization: Target.basic("not-a-real-key-0000") }))
  })

  free("enrich, get enrichment and hooks refuse a missing key with 401", async () => {
    unauthorized(await target.request("POST", "/enrich", { authorization: null, query: { verifyEmail: "true", email: "nobody@example.com" } }))
    unauthorized(await target.request("GET", "/enrich/enr_AAAAAAAAAAAAAAAAA", { authorization: null }))
    unauthorized(await target.request("GET", "/hooks", { authorization: null }))
  })
})

describe("bulk: whole-batch validation (400, JSON, nothing created)", () => {
  const cases: ReadonlyArray<readonly [string, Target.RequestOptions, string]> = [
    ["a JSON object instead of an array", { json: { ...inert() } }, "WRONG_BODY_FORMAT"],
    ["a JSON string", { json: "hello" }, "WRONG_BODY_FORMAT"],
    ["text that is not JSON", { raw: "[{not json" }, "WRONG_BODY_FORMAT"],
    ["an empty array", { json: [] }, "NO_ENRICHMENTS_REQUESTED"],
    ["501 items", { json: Array.from({ length: 501 }, (_, i) => inert(`row-${i}`)) }, "TOO_MANY_ENRICHMENTS_REQUESTED"],
    ["enrichmentRequests not an array", { json: [{ ...inert(), enrichmentRequests: "find_phone" }] }, "WRONG_ENRICHMENT_REQUEST_FORMAT"],
    ["enrichmentRequests missing", { json: [{ input: inert().input }] }, "WRONG_ENRICHMENT_REQUEST_FORMAT"],
    ["enrichmentRequests empty", { json: [{ ...inert(), enrichmentRequests: [] }] }, "NO_WORKFLOW_REQUESTED"],
    ["an unknown workflow", { json: [{ ...inert(), enrichmentRequests: ["find_address"] }] }, "UNAUTHORIZED_WORKFLOW_REQUESTED"],
    ["input a string", { json: [{ ...inert(), input: "Contract Test" }] }, "WRONG_INPUT_FORMAT"],
    ["input missing", { json: [{ enrichmentRequests: ["find_phone"] }] }, "WRONG_INPUT_FORMAT"],
    ["input without any known field", { json: [{ ...inert(), input: { nickname: "ct" } }] }, "WRONG_INPUT_FORMAT"],
    ["metadata a number", { json: [inert(42)] }, "WRONG_METADATA_FORMAT"],
    ["metadata null", { json: [inert(null)] }, "WRONG_METADATA_FORMAT"],
    ["metadata an array", { json: [inert(["a"])] }, "WRONG_METADATA_FORMAT"],
    ["a fault in the last item (all or nothing)", { json: [inert("ok-1"), inert("ok-2"), { ...inert(), enrichmentRequests: ["find_address"] }] }, "UNAUTHORIZED_WORKFLOW_REQUESTED"]
  ]
  for (const [name, options, code] of cases) {
    free(`${name} -> ${code}`, async () => {
      const before = created()
      const answer = check(await bulk(options), { status: 400 })
      assert.deepStrictEqual(answer.json, { error: code })
      assert.strictEqual(created(), before, "nothing created")
    })
  }
})

describe("bulk: per-item missing inputs (200, nothing created, nothing charged)", () => {
  const items = [
    { input: { firstName: "Ada", lastName: "Lovelace" }, enrichmentRequests: ["find_email"], metadata: "row-1" },
    { input: { firstName: "Ada" }, enrichmentRequests: ["verify"], metadata: { row: 2, tags: ["x"] } },
    { input: { companyName: "Acme" }, enrichmentRequests: ["linkedin_enrichment"], metadata: "row-3" },
    { input: { companyDomain: "acme.example" }, enrichmentRequests: ["find_phone"] }
  ]

  const expectCodes = (answer: Target.Answer) => {
    const body = answer.json as Array<Record<string, unknown>>
    assert.strictEqual(body.length, items.length, "one entry per item, in order")
    assert.deepStrictEqual(body.map((e) => e.error), ["MISSING_INPUTS", "MISSING_EMAIL", "MISSING_LINKEDIN_URL", "MISSING_INPUTS"])
    for (const e of body) assert.notProperty(e, "id")
    // Metadata comes back unchanged, of the same type.
    assert.deepStrictEqual(body.slice(0, 3).map((e) => e.metadata), items.slice(0, 3).map((i) => i.metadata))
    // docs/decisions.md #4 (ours): the key is omitted when the item had none.
    if (onMock) assert.notProperty(body[3], "metadata")
  }

  free("one code per item, in request order, metadata echoed", async () => {
    const before = created()
    const credits = onMock ? target.mock!.server.handle.credits(target.apiKey) : undefined
    expectCodes(check(await bulk({ json: items }), { status: 200 }))
    assert.strictEqual(created(), before)
    if (onMock) assert.strictEqual(target.mock!.server.handle.credits(target.apiKey), credits)
  })

  free("a trailing slash is accepted", async () =>
    expectCodes(check(await target.request("POST", "/v2/enrichments/bulk/", { json: items }), { status: 200 })))
})

describe("POST /enrich (one person): requests that create nothing", () => {
  free("no workflow flag -> 400 text", async () => {
    const answer = check(await target.request("POST", "/enrich", { query: { email: "nobody@example.com" } }), { status: 400 })
    assert.strictEqual(answer.text, Messages.noEnrichmentRequested)
  })
  free("a flag that is not exactly \"true\" counts as no flag", async () => {
    const answer = check(await target.request("POST", "/enrich", { query: { verifyEmail: "yes", email: "nobody@example.com" } }), { status: 400 })
    assert.strictEqual(answer.text, Messages.noEnrichmentRequested)
  })
})

describe("rate-limit headers", () => {
  free("on a 200, a 400 and a 401, in lemlist's formats (X-RateLimit-Reset in Date.toString() form)", async () => {
    const ok = check(await target.request("GET", "/team/credits"), { status: 200 })
    check(await bulk({ json: [] }), { status: 400 })
    check(await bulk({ authorization: null, json: [] }), { status: 401 })
    const reset = ok.headers.get("x-ratelimit-reset")!
    expect(reset).toMatch(/^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4}/)
    assert.isFalse(Number.isNaN(new Date(reset).getTime()))
    assert.strictEqual(ok.headers.get("x-ratelimit-limit"), "20", "lemlist's documented 20 per 2 s")
  })

  free("X-RateLimit-Remaining counts this request", async () => {
    const a = check(await target.request("GET", "/team/credits"), { status: 200 })
    assert.isBelow(Number(a.headers.get("x-ratelimit-remaining")), Number(a.headers.get("x-ratelimit-limit")))
  })

  mockOnly("X-RateLimit-Remaining counts down from the limit in a fresh window", async () => {
    // The main key is paced at ~10/s, so its sliding window stays near full; another key's is fresh.
    const other = Target.requester(target.baseUrl, target.otherApiKey!, async () => undefined)
    const a = check(await other("GET", "/team/credits"), { status: 200 })
    const b = check(await other("GET", "/team/credits"), { status: 200 })
    assert.strictEqual(a.headers.get("x-ratelimit-remaining"), "19")
    assert.strictEqual(b.headers.get("x-ratelimit-remaining"), "18")
  })

  // Not against lemlist: the suite promises to stay under the limit there.
  mockOnly("over the limit: 429, Too many requests, Retry-After >= 1, and the request does nothing", async () => {
    const burst = Target.requester(target.baseUrl, Target.mockKeys.burst, async () => undefined)
    const handle = target.mock!.server.handle
    const before = handle.stats(Target.mockKeys.burst).enrichmentsCreated
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => burst("POST", "/v2/enrichments/bulk", { json: [{ input: { email: "a@example.com" }, enrichmentRequests: ["verify"] }] }))
    )
    const limited = answers.filter((a) => a.status === 429)
    assert.strictEqual(answers.filter((a) => a.status === 200).length, 20)
    assert.strictEqual(limited.length, 5)
    for (const a of limited) {
      check(a, { status: 429 })
      assert.strictEqual(a.text, Messages.tooManyRequests)
      assert.isAtLeast(Number(a.headers.get("retry-after")), 1)
      assert.strictEqual(a.headers.get("x-ratelimit-remaining"), "0")
    }
    assert.strictEqual(handle.stats(Target.mockKeys.burst).enrichmentsCreated, before + 20)
  })
})

describe("routes", () => {
  free("an unknown enrichment id -> 404 Enrichment not found", async () => {
    const answer = check(await target.request("GET", "/enrich/enr_Zz9Yy8Xx7Ww6Vv5Uu"), { status: 404 })
    assert.strictEqual(answer.text, Messages.enrichmentNotFound)
  })
  free("a known path with another method -> 405", async () => {
    check(await target.request("GET", "/v2/enrichments/bulk"), { status: 405, rateLimitHeaders: false })
    check(await target.request("DELETE", "/team/credits"), { status: 405, rateLimitHeaders: false })
  })
  free("an unknown path -> 404", async () => {
    check(await target.request("GET", "/v2/enrichments/no-such-route"), { status: 404, rateLimitHeaders: false })
  })
  mockOnly("deleting an unknown hook -> 404 text", async () => {
    check(await target.request("DELETE", "/hooks/hoo_Zz9Yy8Xx7Ww6Vv5Uu"), { status: 404 })
  })
})

describe("credits", () => {
  free("the documented shape; credits equals remaining.total", async () => {
    const answer = check(await target.request("GET", "/team/credits"), { status: 200 })
    const body = answer.json as { credits: number; details?: { remaining?: { total?: number } } }
    assert.isTrue(Number.isInteger(body.credits) && body.credits >= 0)
    if (body.details?.remaining?.total !== undefined) assert.strictEqual(body.details.remaining.total, body.credits)
    if (onMock) assert.strictEqual(body.credits, target.mock!.server.handle.credits(target.apiKey))
  })
  free("with a trailing slash", async () => {
    check(await target.request("GET", "/team/credits/"), { status: 200 })
  })
})

describe("team hooks: created, listed and deleted again", () => {
  free("create (secret never returned), list, delete, delete again -> 404", async () => {
    const targetUrl = `https://example.com/lemlist-effect-contract/${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
    const created = check(await target.request("POST", "/hooks", { json: { targetUrl, type: "enrichmentDone", secret: "contract-secret" } }), { status: 200 })
    const hook = created.json as { _id: string; targetUrl: string }
    try {
      assert.strictEqual(hook.targetUrl, targetUrl)
      assert.notInclude(created.text, "contract-secret")
      const list = check(await target.request("GET", "/hooks"), { status: 200 })
      assert.isTrue((list.json as Array<{ _id: string }>).some((h) => h._id === hook._id))
      assert.notInclude(list.text, "contract-secret")
      if (onMock) {
        // Newest docs: one hook per targetUrl (409); its body is ours.
        check(await target.request("POST", "/hooks", { json: { targetUrl } }), { status: 409, allowUndocumented: [409] })
      }
    } finally {
      const deleted = check(await target.request("DELETE", `/hooks/${hook._id}`), { status: 200 })
      assert.strictEqual((deleted.json as { _id: string })._id, hook._id)
    }
    check(await target.request("DELETE", `/hooks/${hook._id}`), { status: 404 })
    const after = check(await target.request("GET", "/hooks"), { status: 200 })
    assert.isFalse((after.json as Array<{ _id: string }>).some((h) => h._id === hook._id))
  })
})

// ---------------------------------------------------------------------------------------------
// What spends credits (free on the mock; opt-in on lemlist: at most 3 `verify` credits).
// ---------------------------------------------------------------------------------------------

const pollInterval = onMock ? 100 : 2_000
const pollTimeout = onMock ? 10_000 : 180_000

/** Polls `GET /enrich/{id}` until the enrichment leaves `in-progress`; checks every answer. */
const pollToEnd = async (id: string) => {
  const seen: Array<number> = []
  const deadline = Date.now() + pollTimeout
  for (;;) {
    const answer = check(await target.request("GET", `/enrich/${id}`), { status: [200, 202] })
    seen.push(answer.status)
    const body = answer.json as Result.PollingAnswer | undefined
    if (answer.status === 200 && body && body.enrichmentStatus !== "in-progress") return { body, seen }
    if (Date.now() > deadline) throw new Error(`enrichment ${id} still in progress after ${pollTimeout} ms`)
    await new Promise((resolve) => setTimeout(resolve, pollInterval))
  }
}

const emails = (process.env.LEMLIST_CONTRACT_EMAILS ?? "postmaster@example.com,hostmaster@example.org").split(",").map((s) => s.trim()).slice(0, 2)

describe("enrichments end to end (spends credits on lemlist)", () => {
  spend("bulk verify of two addresses, then polling each to its end", { timeout: pollTimeout * 2 + 30_000 }, async () => {
    const creditsBefore = onMock ? target.mock!.server.handle.credits(target.apiKey) : undefined
    const items = emails.map((email, i) => ({ input: { email }, enrichmentRequests: ["verify"], metadata: { contractTest: i } }))
    const answer = check(await bulk({ json: items }), { status: 200 })
    const entries = answer.json as Array<{ id: string; metadata?: unknown }>
    assert.strictEqual(entries.length, items.length)
    for (const [i, entry] of entries.entries()) {
      expect(entry.id).toMatch(/^enr_[A-Za-z0-9]{17}$/)
      assert.deepStrictEqual(entry.metadata, items[i]!.metadata)
    }
    for (const [i, entry] of entries.entries()) {
      const { body, seen } = await pollToEnd(entry.id)
      assert.strictEqual(body.enrichmentId, entry.id)
      assert.strictEqual(body.enrichmentStatus, "done")
      assert.strictEqual(body.input?.email, items[i]!.input.email)
      assert.isString(body.data?.email?.status, "verify answers a status under data.email")
      if (onMock) {
        assert.include(["deliverable", "risky", "undeliverable", "unknown"], body.data?.email?.status)
        if (i === 0) assert.strictEqual(seen[0], 202, "first seen in progress (mock latency 150-300 ms)")
      }
    }
    if (onMock) assert.strictEqual(target.mock!.server.handle.credits(target.apiKey), creditsBefore! - items.length)
  })

  spend("POST /enrich with verifyEmail, then polling it to its end", { timeout: pollTimeout + 30_000 }, async () => {
    const answer = check(await target.request("POST", "/enrich", { query: { verifyEmail: "true", email: emails[0]! } }), { status: 200 })
    const { id } = answer.json as { id: string }
    expect(id).toMatch(/^enr_[A-Za-z0-9]{17}$/)
    const { body } = await pollToEnd(id)
    assert.strictEqual(body.enrichmentStatus, "done")
  })

  mockOnly("another team's enrichment -> 400 Bad team", async () => {
    const answer = check(await bulk({ json: [{ input: { email: "ada@example.com" }, enrichmentRequests: ["verify"] }] }), { status: 200 })
    const { id } = (answer.json as Array<{ id: string }>)[0]!
    const other = Target.requester(target.baseUrl, target.otherApiKey!, async () => undefined)
    const foreign = check(await other("GET", `/enrich/${id}`), { status: 400 })
    assert.strictEqual(foreign.text, Messages.badTeam)
  })

  mockOnly("a webhook delivery decodes with our schema and names the enrichment and its metadata", async () => {
    const bodies: Array<unknown> = []
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        bodies.push({ contentType: req.headers["content-type"], method: req.method, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) })
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
      const answer = check(await bulk({ query: { webhookUrl }, json: [{ input: { email: "ada@example.com" }, enrichmentRequests: ["verify"], metadata: "w-1" }] }), { status: 200 })
      const { id } = (answer.json as Array<{ id: string }>)[0]!
      for (let i = 0; i < 100 && bodies.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
      assert.strictEqual(bodies.length, 1)
      const got = bodies[0] as { contentType: string; method: string; body: Result.WebhookBody }
      assert.strictEqual(got.method, "POST")
      expect(got.contentType).toMatch(/^application\/json/)
      const { Schema } = await import("effect")
      const body = Schema.decodeUnknownSync(Result.WebhookBody)(got.body)
      assert.strictEqual(body.type, "enrichmentDone")
      assert.deepStrictEqual(body.data.map((d) => [d.id, d.metadata]), [[id, "w-1"]])
      assert.notProperty(got.body, "secret", "per-request hooks carry no secret")
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

describe("mock-only: fixtures and our DECISIONS", () => {
  mockOnly("POST /leads/{id}/enrich: already enriched 409 unless force, unknown lead and missing contact 404", async () => {
    const already = check(await target.request("POST", "/leads/lea_ContractLead00001/enrich", { query: { findEmail: "true" } }), { status: 409 })
    assert.deepInclude(already.json as object, { code: "ALREADY_ENRICHED" })
    check(await target.request("POST", "/leads/lea_ContractLead00001/enrich", { query: { findEmail: "true", force: "true" } }), { status: 200 })
    const unknown = check(await target.request("POST", "/leads/lea_NoSuchLead0000000/enrich", { query: { findEmail: "true" } }), { status: 404 })
    assert.deepStrictEqual(unknown.json, { error: Messages.leadNotFound, code: "LEAD_NOT_FOUND" })
    const noContact = check(await target.request("POST", "/leads/lea_ContractNoContact1/enrich", { query: { findEmail: "true" } }), { status: 404 })
    assert.deepStrictEqual(noContact.json, { error: Messages.contactNotFound, code: "CONTACT_NOT_FOUND" })
  })

  mockOnly("POST /enrich: an invalid webhookUrl and missing inputs are 400 texts", async () => {
    const badHook = check(await target.request("POST", "/enrich", { query: { verifyEmail: "true", email: "a@example.com", webhookUrl: "not a url" } }), { status: 400 })
    assert.strictEqual(badHook.text, Messages.invalidWebhookUrl)
    const missing = check(await target.request("POST", "/enrich", { query: { findPhone: "true", firstName: "Ada" } }), { status: 400 })
    assert.strictEqual(missing.text, Messages.badRequest)
  })

  mockOnly("an oversized body -> 413 (our choice), refused before being read whole", async () => {
    const big = "[" + Array.from({ length: 60_000 }, () => JSON.stringify(inert("x".repeat(64)))).join(",") + "]"
    assert.isAbove(big.length, 5 * 1024 * 1024)
    const answer = check(await bulk({ raw: big }), { status: 413, allowUndocumented: [413] })
    assert.strictEqual(answer.text, Messages.payloadTooLarge)
  })
})
