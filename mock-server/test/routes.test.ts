import { describe, expect, it } from "@effect/vitest"
import { Ids, Messages } from "@lemlist-effect/contract"
import { Effect, TestClock } from "effect"
import { basic, bulk, call, fullItem, get, mock, post, verifyItem } from "./helpers.js"

describe("POST /api/v2/enrichments/bulk", () => {
  it.scoped("answers one entry per item, in order, with ids and echoed metadata", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      const res = yield* bulk(server, [
        verifyItem("a@acme.com", { id: "x" }),
        verifyItem("b@acme.com", "row-2"),
        verifyItem("c@acme.com"),
        { input: { firstName: "Ada" }, enrichmentRequests: ["find_email"], metadata: "row-4" },
        { input: { firstName: "Ada" }, enrichmentRequests: ["verify"] },
        { input: { firstName: "Ada" }, enrichmentRequests: ["linkedin_enrichment"] },
        { input: { firstName: "Ada" }, enrichmentRequests: ["find_phone"] }
      ])
      expect(res.status).toBe(200)
      expect(res.headers.get("content-type")).toMatch(/application\/json/)
      expect(res.json[0]).toEqual({ id: expect.any(String), metadata: { id: "x" } })
      expect(res.json[1]).toEqual({ id: expect.any(String), metadata: "row-2" })
      expect(res.json[2]).toEqual({ id: expect.any(String) })
      expect("metadata" in res.json[2]).toBe(false)
      expect(res.json.slice(3)).toEqual([
        { error: "MISSING_INPUTS", metadata: "row-4" },
        { error: "MISSING_EMAIL" },
        { error: "MISSING_LINKEDIN_URL" },
        { error: "MISSING_INPUTS" }
      ])
      for (const item of res.json.slice(0, 3)) expect(Ids.isId("enr", item.id)).toBe(true)
      expect(server.handle.enrichments()).toHaveLength(3)
    }))

  it.scoped("rejects the whole batch with the first structural fault (docs/decisions.md #1)", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      const cases: Array<[unknown, string]> = [
        ["not json", "WRONG_BODY_FORMAT"],
        [{ a: 1 }, "WRONG_BODY_FORMAT"],
        [[], "NO_ENRICHMENTS_REQUESTED"],
        [Array.from({ length: 501 }, () => ({})), "TOO_MANY_ENRICHMENTS_REQUESTED"],
        [[verifyItem("a@b.co"), { input: { email: "x" }, enrichmentRequests: "verify" }], "WRONG_ENRICHMENT_REQUEST_FORMAT"],
        [[{ input: { email: "x" }, enrichmentRequests: [] }], "NO_WORKFLOW_REQUESTED"],
        [[{ input: { email: "x" }, enrichmentRequests: ["verify", "find_address"] }], "UNAUTHORIZED_WORKFLOW_REQUESTED"],
        [[{ enrichmentRequests: ["verify"] }], "WRONG_INPUT_FORMAT"],
        [[{ input: "x", enrichmentRequests: ["verify"] }], "WRONG_INPUT_FORMAT"],
        [[{ input: { unknown: "x" }, enrichmentRequests: ["verify"] }], "WRONG_INPUT_FORMAT"],
        [[{ input: { email: 3 }, enrichmentRequests: ["verify"] }], "WRONG_INPUT_FORMAT"],
        [[{ input: { email: "x" }, enrichmentRequests: ["verify"], metadata: null }], "WRONG_METADATA_FORMAT"],
        [[{ input: { email: "x" }, enrichmentRequests: ["verify"], metadata: [1] }], "WRONG_METADATA_FORMAT"],
        [[{ input: { email: "x" }, enrichmentRequests: ["verify"], metadata: 3 }], "WRONG_METADATA_FORMAT"],
        // precedence: the enrichmentRequests check comes before input and metadata
        [[{ input: 1, enrichmentRequests: [], metadata: null }], "NO_WORKFLOW_REQUESTED"],
        // first failing item wins
        [[{ input: {}, enrichmentRequests: ["verify"] }, { enrichmentRequests: 1 }], "WRONG_INPUT_FORMAT"]
      ]
      for (const [body, code] of cases) {
        const res = yield* bulk(server, body)
        expect([res.status, res.json]).toEqual([400, { error: code }])
      }
      expect(server.handle.enrichments()).toHaveLength(0)
      expect(server.handle.stats("test-key").creditsSpent).toBe(0)
    }))

  it.scoped("never answers 500 to odd bodies", () =>
    Effect.gen(function*() {
      const server = yield* mock({ maxBodyBytes: 1000 })
      const odd: Array<BodyInit> = [
        "", "null", "\u00ff\u00fe[", "[" + "[".repeat(100_000), new Uint8Array([0xff, 0xfe, 0x00, 0x5b]),
        "\uFEFF" + JSON.stringify([verifyItem("a@b.co")]), "[{\"input\":{\"email\":\"a\"},\"enrichmentRequests\":[\"verify\"],\"__proto__\":{\"x\":1}}]"
      ]
      for (const body of odd) {
        const res = yield* call(server, "/api/v2/enrichments/bulk", { method: "POST", headers: { authorization: basic("test-key"), "content-type": "application/json" }, body })
        expect(res.status).toBeLessThan(500)
      }
      const deep = "{\"a\":".repeat(200_000) + "1" + "}".repeat(200_000)
      const big = yield* mock({ maxBodyBytes: 5_000_000 })
      const deepRes = yield* bulk(big, `[{"input":{"email":"a@b.co"},"enrichmentRequests":["verify"],"metadata":${deep}}]`)
      expect(deepRes.json).toEqual({ error: "WRONG_METADATA_FORMAT" })
      expect(big.handle.enrichments()).toHaveLength(0)
      const wrongType = yield* call(server, "/api/v2/enrichments/bulk", {
        method: "POST",
        headers: { authorization: basic("test-key"), "content-type": "text/plain" },
        body: JSON.stringify([verifyItem("a@b.co")])
      })
      expect(wrongType.json).toEqual({ error: "WRONG_BODY_FORMAT" })
    }))

  it.scoped("refuses oversized bodies with 413, by Content-Length and while streaming", () =>
    Effect.gen(function*() {
      const server = yield* mock({ maxBodyBytes: 100 })
      const declared = yield* call(server, "/api/v2/enrichments/bulk", {
        method: "POST",
        headers: { authorization: basic("test-key"), "content-length": "1000000" },
        body: "[]"
      })
      expect([declared.status, declared.text]).toEqual([413, Messages.payloadTooLarge])
      let pulled = 0
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++
          controller.enqueue(new TextEncoder().encode("x".repeat(64)))
          if (pulled > 1000) controller.close()
        }
      })
      const streamed = yield* call(server, "/api/v2/enrichments/bulk", {
        method: "POST",
        headers: { authorization: basic("test-key") },
        body: stream,
        // @ts-expect-error: Node's fetch needs duplex for a stream body
        duplex: "half"
      })
      expect(streamed.status).toBe(413)
      expect(pulled).toBeLessThan(10)
    }))

  it.scoped("rejects a malformed webhookUrl", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      const res = yield* bulk(server, [verifyItem("a@b.co")], { query: "?webhookUrl=not-a-url" })
      expect([res.status, res.text]).toEqual([400, Messages.invalidWebhookUrl])
    }))
})

describe("POST /api/enrich", () => {
  it.scoped("creates one enrichment for the flagged workflows", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      const res = yield* post(server, "/api/enrich?verifyEmail=true&findEmail=TRUE&email=ada@acme.com")
      expect(res.status).toBe(200)
      expect(Ids.isId("enr", res.json.id)).toBe(true)
      expect(server.handle.enrichments()[0].types).toEqual(["verify"])
    }))

  it.scoped("answers the documented 400 texts", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      expect((yield* post(server, "/api/enrich?verifyEmail=1&email=a@b.co")).text).toBe(Messages.noEnrichmentRequested)
      expect((yield* post(server, "/api/enrich?verifyEmail=true&email=a@b.co&webhookUrl=ftp://x")).text).toBe(Messages.invalidWebhookUrl)
      const missing = yield* post(server, "/api/enrich?findPhone=true&email=a@b.co")
      expect([missing.status, missing.text]).toEqual([400, Messages.badRequest])
      expect(missing.headers.get("content-type")).toMatch(/text\/plain/)
    }))
})

describe("GET /api/enrich/{id}", () => {
  it.scoped("answers 202 while running, then 200 with the result", () =>
    Effect.gen(function*() {
      const server = yield* mock({ latency: 1000 })
      const [{ id }] = (yield* bulk(server, [verifyItem("ada@acme.com", "m")])).json
      const running = yield* get(server, `/api/enrich/${id}`)
      expect(running.status).toBe(202)
      expect(running.json).toEqual({ enrichmentId: id, enrichmentStatus: "in-progress", input: { email: "ada@acme.com" }, data: {}, metadata: "m" })
      yield* TestClock.adjust("999 millis")
      expect((yield* get(server, `/api/enrich/${id}`)).status).toBe(202)
      yield* TestClock.adjust("1 millis")
      const done = yield* get(server, `/api/enrich/${id}/`)
      expect(done.status).toBe(200)
      expect(done.json.enrichmentStatus).toBe("done")
      expect(done.json.data.email.status).toMatch(/^(deliverable|risky|undeliverable|unknown)$/)
    }))

  it.scoped("404 for an unknown id, 400 Bad team for another team's", () =>
    Effect.gen(function*() {
      const server = yield* mock({ apiKeys: ["key-a", "key-b"] })
      const [{ id }] = (yield* bulk(server, [verifyItem("a@b.co")], { key: "key-a" })).json
      const unknown = yield* get(server, "/api/enrich/enr_AAAAAAAAAAAAAAAAA", "key-a")
      expect([unknown.status, unknown.text]).toEqual([404, Messages.enrichmentNotFound])
      const other = yield* get(server, `/api/enrich/${id}`, "key-b")
      expect([other.status, other.text]).toEqual([400, Messages.badTeam])
    }))

  it.scoped("renders an error enrichment with error { code, message }", () =>
    Effect.gen(function*() {
      const server = yield* mock({ results: { providerErrorRate: 1 } })
      const [{ id }] = (yield* bulk(server, [verifyItem("a@b.co")])).json
      const res = yield* get(server, `/api/enrich/${id}`)
      expect(res.status).toBe(200)
      expect(res.json).toMatchObject({ enrichmentStatus: "error", error: { code: "PROVIDER_ERROR", message: expect.any(String) } })
    }))
})

describe("POST /api/leads/{leadId}/enrich", () => {
  const leads = [
    { id: "lea_AAAAAAAAAAAAAAAAA", contact: { email: "ada@acme.com", linkedinUrl: "https://www.linkedin.com/in/ada" } },
    { id: "lea_BBBBBBBBBBBBBBBBB", contact: null },
    { id: "lea_CCCCCCCCCCCCCCCCC", contact: { email: "x@acme.com" }, enriched: ["verify" as const] },
    { id: "lea_DDDDDDDDDDDDDDDDD", contact: { email: "y@acme.com" }, failing: true },
    { id: "lea_EEEEEEEEEEEEEEEEE", apiKey: "key-b", contact: { email: "z@acme.com" } }
  ]
  it.scoped("covers every documented answer", () =>
    Effect.gen(function*() {
      const server = yield* mock({ apiKeys: ["test-key", "key-b"], leads, latency: 1000 })
      const p = (path: string) => post(server, path)
      expect((yield* p("/api/leads/lea_AAAAAAAAAAAAAAAAA/enrich")).text).toBe(Messages.noEnrichmentRequested)
      expect((yield* p("/api/leads/lea_nope/enrich?verifyEmail=true")).json).toEqual({ error: Messages.leadNotFound, code: "LEAD_NOT_FOUND" })
      const contact = yield* p("/api/leads/lea_BBBBBBBBBBBBBBBBB/enrich?verifyEmail=true")
      expect([contact.status, contact.json]).toEqual([404, { error: Messages.contactNotFound, code: "CONTACT_NOT_FOUND" }])
      const bad = yield* p("/api/leads/lea_EEEEEEEEEEEEEEEEE/enrich?verifyEmail=true")
      expect([bad.status, bad.text]).toEqual([400, Messages.badTeam])
      const failing = yield* p("/api/leads/lea_DDDDDDDDDDDDDDDDD/enrich?verifyEmail=true")
      expect([failing.status, failing.json]).toEqual([500, { error: Messages.failedToEnrichLead }])
      const already = yield* p("/api/leads/lea_CCCCCCCCCCCCCCCCC/enrich?verifyEmail=true")
      expect([already.status, already.json]).toEqual([409, { error: Messages.alreadyEnriched, code: "ALREADY_ENRICHED" }])
      expect((yield* p("/api/leads/lea_CCCCCCCCCCCCCCCCC/enrich?verifyEmail=true&force=true")).status).toBe(200)
      const ok = yield* p("/api/leads/lea_AAAAAAAAAAAAAAAAA/enrich/?verifyEmail=true")
      expect(Ids.isId("enr", ok.json.id)).toBe(true)
      const running = yield* p("/api/leads/lea_AAAAAAAAAAAAAAAAA/enrich?verifyEmail=true&force=true")
      expect([running.status, running.json]).toEqual([409, { error: Messages.alreadyBeingEnriched }])
      yield* TestClock.adjust("1 second")
      expect((yield* p("/api/leads/lea_AAAAAAAAAAAAAAAAA/enrich?verifyEmail=true")).status).toBe(409)
      expect((yield* p("/api/leads/lea_AAAAAAAAAAAAAAAAA/enrich?verifyEmail=true&force=true")).status).toBe(200)
      expect(server.handle.enrichments().find((e) => e.id === ok.json.id)?.input).toEqual(leads[0].contact)
    }))
})

describe("GET /api/team/credits", () => {
  it.scoped("answers the Credits shape; 400 without a key, 401 with a wrong one", () =>
    Effect.gen(function*() {
      const server = yield* mock({ credits: 42 })
      expect((yield* get(server, "/api/team/credits")).json).toEqual({
        credits: 42,
        details: { remaining: { total: 42, freemium: 0, subscription: 42, gifted: 0, paid: 0 } }
      })
      const none = yield* call(server, "/api/team/credits")
      expect([none.status, none.text]).toEqual([400, Messages.noApiKey])
      expect((yield* get(server, "/api/team/credits", "wrong")).status).toBe(401)
    }))
})

describe("/api/hooks", () => {
  it.scoped("creates, lists, refuses duplicates and deletes team hooks", () =>
    Effect.gen(function*() {
      const server = yield* mock({ apiKeys: ["test-key", "key-b"] })
      const created = yield* post(server, "/api/hooks", "test-key", { targetUrl: "http://127.0.0.1:9/h", type: "enrichmentDone", secret: "s3" })
      expect(created.status).toBe(200)
      expect(created.json).toEqual({ _id: expect.stringMatching(/^hoo_/), targetUrl: "http://127.0.0.1:9/h", createdAt: expect.any(String), type: "enrichmentDone" })
      expect(JSON.stringify(created.json)).not.toContain("s3")
      expect((yield* post(server, "/api/hooks", "test-key", { targetUrl: "http://127.0.0.1:9/h" })).status).toBe(409)
      expect((yield* post(server, "/api/hooks", "test-key", { nope: 1 })).status).toBe(400)
      expect((yield* get(server, "/api/hooks")).json).toEqual([created.json])
      expect((yield* get(server, "/api/hooks", "key-b")).json).toEqual([])
      const del = (key: string, id: string) => call(server, `/api/hooks/${id}`, { method: "DELETE", headers: { authorization: basic(key) } })
      expect((yield* del("key-b", created.json._id)).text).toBe(Messages.badTeam)
      expect((yield* del("test-key", created.json._id)).json).toEqual(created.json)
      const gone = yield* del("test-key", created.json._id)
      expect([gone.status, gone.text]).toEqual([404, Messages.webhookNotFound])
    }))

  it.scoped("refuses the 201st hook with 409", () =>
    Effect.gen(function*() {
      const server = yield* mock({ rateLimit: { enabled: false } })
      for (let i = 0; i < 200; i++) expect((yield* post(server, "/api/hooks", "test-key", { targetUrl: `http://127.0.0.1:9/h?${i}` })).status).toBe(200)
      expect((yield* post(server, "/api/hooks", "test-key", { targetUrl: "http://127.0.0.1:9/h?x" })).status).toBe(409)
    }))
})

describe("auth, 404, 405, trailing slashes", () => {
  it.scoped("auth cases (docs/decisions.md #16)", () =>
    Effect.gen(function*() {
      const server = yield* mock({ apiKeys: ["key-a"] })
      const statusWith = (authorization?: string) =>
        call(server, "/api/hooks", { headers: authorization === undefined ? {} : { authorization } }).pipe(Effect.map((r) => [r.status, r.text]))
      const unauthorized = [401, Messages.unauthorized]
      expect(yield* statusWith()).toEqual(unauthorized)
      expect(yield* statusWith("Bearer key-a")).toEqual(unauthorized)
      expect(yield* statusWith(`Basic ${Buffer.from("key-a").toString("base64")}`)).toEqual(unauthorized)
      expect(yield* statusWith(`Basic ${Buffer.from(":key-b").toString("base64")}`)).toEqual(unauthorized)
      expect(yield* statusWith(`Basic ${Buffer.from(":").toString("base64")}`)).toEqual(unauthorized)
      expect(yield* statusWith("Basic !!!")).toEqual(unauthorized)
      expect((yield* statusWith(basic("key-a")))[0]).toBe(200)
      expect((yield* statusWith(`basic ${Buffer.from("user:key-a").toString("base64")}`))[0]).toBe(200)
      const legacy = yield* call(server, "/api/hooks?access_token=key-a")
      expect(legacy.status).toBe(401)
    }))

  it.scoped("404 unknown routes, 405 other methods, trailing slashes accepted", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      const h = { authorization: basic("test-key") }
      for (const path of ["/api/nope", "/api/v2/enrichments", "/api/enrich/a/b", "/nope"]) {
        expect((yield* call(server, path, { headers: h })).status).toBe(404)
      }
      for (const [method, path] of [["GET", "/api/v2/enrichments/bulk"], ["GET", "/api/enrich"], ["POST", "/api/enrich/enr_x"], ["PUT", "/api/hooks"], ["GET", "/api/hooks/hoo_x"], ["POST", "/api/team/credits/"], ["GET", "/api/leads/lea_x/enrich"]]) {
        const res = yield* call(server, path, { method, headers: h })
        expect([method, path, res.status, res.text]).toEqual([method, path, 405, Messages.methodNotAllowed])
      }
      expect((yield* get(server, "/api/team/credits/")).status).toBe(200)
      expect((yield* bulk(server, [verifyItem("a@b.co")], { query: "/" })).status).toBe(200)
      expect((yield* post(server, "/api/enrich/?verifyEmail=true&email=a@b.co")).status).toBe(200)
    }))
})

describe("realistic results", () => {
  it.scoped("emails on the company domain, E.164 phones, profiles with position groups", () =>
    Effect.gen(function*() {
      const server = yield* mock({ rateLimit: { enabled: false }, results: { found: { find_email: 1, find_phone: 1, linkedin_enrichment: 1 } } })
      const ids = (yield* bulk(server, Array.from({ length: 20 }, (_, i) => fullItem(i)))).json
      for (const { id } of ids) {
        const { json } = yield* get(server, `/api/enrich/${id}`)
        expect(json.data.email.email).toMatch(/@acme\.com$/)
        expect(json.data.phone.phone).toMatch(/^\+[1-9]\d{7,14}$/)
        expect(json.data.linkedin.positionGroups.length).toBeGreaterThanOrEqual(2)
        expect(json.data.linkedin.positionGroups[0].date.end).toEqual({})
        expect(json.data.linkedin.companyDomain).toBe("acme.com")
      }
    }))
})
