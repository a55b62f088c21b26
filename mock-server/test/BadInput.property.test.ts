/**
 * Property-based bad input at the mock (in-process, `app.request`): random methods, paths,
 * query strings, headers and bodies. Whatever arrives, the mock never throws, never answers
 * 5xx, and answers only statuses lemlist documents (or that docs/decisions.md adds: 402, 409, 413),
 * with bodies that match their content type.
 *
 * Deterministic by default (fixed seed); `FC_SEED=<n>` or `FC_SEED=random` and `FC_RUNS=<n>`
 * explore further.
 */
import { ErrorCode, Messages } from "@lemlist-effect/contract"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeMockServer, type MockServer } from "../src/index.js"

const seed = process.env.FC_SEED === "random" ? undefined : Number(process.env.FC_SEED ?? 20_260_601)
const runs = (n: number) => Math.max(1, Math.round(n * Number(process.env.FC_RUNS_FACTOR ?? 1)))
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns: runs(numRuns), ...(seed === undefined ? {} : { seed }) })

const KEY = "prop-key"
const basic = (key: string) => `Basic ${Buffer.from(`:${key}`).toString("base64")}`

/** What lemlist documents (generic table and per route) plus our docs/decisions.md (402, 409, 413). */
const allowed = new Set([200, 202, 400, 401, 402, 403, 404, 405, 409, 413, 429])

const batchCodes = new Set<string>(ErrorCode.BatchErrorCode.literals)
const itemCodes = new Set<string>(ErrorCode.ItemErrorCode.literals)
const texts = new Set<string>(Object.values(Messages))

interface Answer {
  readonly status: number
  readonly contentType: string
  readonly text: string
}

/** Sends a request in-process; the harness itself must never throw either. */
const send = async (server: MockServer, req: Req): Promise<Answer> => {
  const hasBody = req.body !== undefined && req.method !== "GET" && req.method !== "HEAD"
  const headers = new Headers()
  for (const [k, v] of req.headers) headers.append(k, v)
  const res = await server.app.request(req.path, {
    method: req.method,
    headers,
    ...(hasBody ? { body: req.body as BodyInit } : {})
  })
  return { status: res.status, contentType: (res.headers.get("content-type") ?? "").split(";")[0]!.trim(), text: await res.text() }
}

/** The invariants of every answer. */
const sane = (answer: Answer, req: Req) => {
  const where = `${req.method} ${req.path} -> ${answer.status} ${answer.text.slice(0, 200)}`
  expect(answer.status, where).toBeLessThan(500)
  expect(allowed.has(answer.status), where).toBe(true)
  expect(answer.text, where).not.toMatch(/\n\s+at |TypeError|ReferenceError|RangeError|SyntaxError/)
  if (req.method === "HEAD") return // no body, by definition
  if (answer.contentType === "application/json") expect(() => JSON.parse(answer.text), where).not.toThrow()
  else if (answer.contentType === "text/plain") expect(texts.has(answer.text), where).toBe(true)
}

interface Req {
  readonly method: string
  readonly path: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body?: string | Uint8Array | undefined
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const oddChars = fc.constantFrom("\u0000", "\uD800", "\uDFFF", "\uFEFF", "\u202E", "é", "😀", "\\", "\"", "%", "%00", "%ZZ", "..", "\n")
const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(oddChars, { maxLength: 8 }).map((a) => a.join("")),
  fc.integer({ min: 10_000, max: 200_000 }).map((n) => "x".repeat(n))
)

const segment = fc.oneof(
  fc.webSegment(),
  fc.constantFrom("enr_AAAAAAAAAAAAAAAAA", "lea_ContractLead00001", "hoo_X", "..", ".", "%2e%2e", "%00", "%ZZ", "%", "", "enrich", "bulk"),
  fc.string({ maxLength: 20 }).map(encodeURIComponent)
)

const knownPath = fc.constantFrom(
  "/api/v2/enrichments/bulk",
  "/api/v2/enrichments/bulk/",
  "/api/enrich",
  "/api/enrich/",
  "/api/team/credits",
  "/api/hooks",
  "/api/hooks/"
)
const templatedPath = fc.tuple(fc.constantFrom("/api/enrich/", "/api/leads/", "/api/hooks/", "/api/v2/enrichments/"), segment, fc.constantFrom("", "/", "/enrich", "/enrich/", "/x/y"))
  .map(([a, b, c]) => a + b + c)
const randomPath = fc.array(segment, { maxLength: 6 }).map((s) => "/" + s.join("/"))
const path = fc.oneof(knownPath, templatedPath, randomPath, fc.webPath().map((p) => (p.startsWith("/") ? p : "/" + p)))

const queryValue = fc.oneof(fc.constantFrom("true", "false", "TRUE", "1", "", "http://127.0.0.1:1/h", "https://example.com/h", "javascript:alert(1)", "not a url"), oddString)
const query = fc.dictionary(
  fc.oneof(fc.constantFrom("webhookUrl", "findEmail", "verifyEmail", "findPhone", "linkedinEnrichment", "email", "linkedinUrl", "firstName", "force", "access_token"), fc.string({ maxLength: 10 })),
  queryValue,
  { maxKeys: 6 }
).map((q) => {
  const s = new URLSearchParams(q as Record<string, string>).toString()
  return s ? `?${s}` : ""
})

const authorization = fc.oneof(
  fc.constant(basic(KEY)),
  fc.constant(basic(KEY)),
  fc.constant(undefined),
  fc.constant(`Bearer ${KEY}`),
  fc.constant(`Basic ${Buffer.from(KEY).toString("base64")}`),
  fc.constant(`basic   ${Buffer.from(`:${KEY}`).toString("base64")}  `),
  fc.constant("Basic " + "=".repeat(2000)),
  fc.constant("Basic " + Buffer.from([0xff, 0xfe, 0x3a, 0x80, 0x00]).toString("base64")),
  fc.string({ maxLength: 60 }).map((s) => "Basic " + Buffer.from(s).toString("base64")),
  fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, ""))
)

const contentType = fc.oneof(
  fc.constantFrom("application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/vnd.api+json", ""),
  fc.constant(undefined),
  fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, ""))
)

const anyInput = fc.dictionary(
  fc.oneof(fc.constantFrom("email", "linkedinUrl", "firstName", "lastName", "companyName", "companyDomain", "jobTitle", "location", "__proto__", "constructor"), fc.string({ maxLength: 12 })),
  fc.oneof(oddString, fc.jsonValue({ maxDepth: 2 })),
  { maxKeys: 6 }
)
const anyItem = fc.oneof(
  fc.record({
    input: fc.oneof(anyInput, fc.jsonValue({ maxDepth: 2 })),
    enrichmentRequests: fc.oneof(
      fc.array(fc.oneof(fc.constantFrom("find_email", "find_phone", "verify", "linkedin_enrichment"), fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })), { maxLength: 5 }),
      fc.jsonValue({ maxDepth: 1 })
    ),
    metadata: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 3 }))
  }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 })
)
const jsonBody = fc.oneof(
  fc.array(anyItem, { maxLength: 8 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ targetUrl: fc.oneof(fc.webUrl(), oddString), type: fc.jsonValue({ maxDepth: 1 }), secret: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
  fc.constant([]),
  fc.integer({ min: 499, max: 520 }).map((n) => Array.from({ length: n }, () => ({ input: { email: "a@example.com" }, enrichmentRequests: ["verify"] })))
).map((v) => JSON.stringify(v))

const body = fc.oneof(
  jsonBody,
  // Truncated JSON.
  fc.tuple(jsonBody, fc.nat()).map(([s, n]) => s.slice(0, s.length === 0 ? 0 : n % s.length)),
  // A BOM, odd bytes, invalid UTF-8, NULs.
  jsonBody.map((s) => "\uFEFF" + s),
  fc.uint8Array({ maxLength: 200 }),
  fc.constant(new Uint8Array([0x5b, 0xc3, 0x28, 0x5d])),
  oddString,
  fc.constant(undefined)
)

const method = fc.constantFrom("GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")

const request: fc.Arbitrary<Req> = fc.record({
  method,
  path: fc.tuple(path, query).map(([p, q]) => p + q),
  authorization,
  contentType,
  extra: fc.array(fc.tuple(fc.constantFrom("x-forwarded-for", "content-length", "transfer-encoding", "accept", "x-ratelimit-remaining", "cookie"), fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, ""))), { maxLength: 2 }),
  body
}).map(({ authorization, body, contentType, extra, method, path }) => ({
  method,
  path,
  headers: [
    ...(authorization === undefined ? [] : [["authorization", authorization] as const]),
    ...(contentType === undefined ? [] : [["content-type", contentType] as const]),
    // A forged content-length would make the in-process Request itself invalid; keep it out.
    ...extra.filter(([k]) => k !== "content-length" && k !== "transfer-encoding")
  ],
  body
}))

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe("the mock under random bad input", () => {
  const options = {
    apiKeys: [KEY, "other-key"],
    latency: 0,
    seed: 3,
    // Off for most properties, so that validation is reached rather than 429.
    rateLimit: { enabled: false },
    maxBodyBytes: 64 * 1024,
    leads: [{ id: "lea_ContractLead00001", contact: { linkedinUrl: "https://www.linkedin.com/in/x" } }]
  } as const

  it("any method, path, query, headers and body: no throw, no 5xx, only documented statuses", async () => {
    const server = makeMockServer(options)
    try {
      await fc.assert(
        fc.asyncProperty(request, async (req) => sane(await send(server, req), req)),
        params(400)
      )
    } finally {
      await server.handle.close()
    }
  }, 30_000)

  it("malformed bulk bodies with a valid key: 200, or 400 with a documented code, or 413", async () => {
    const server = makeMockServer(options)
    try {
      await fc.assert(
        fc.asyncProperty(body, contentType, async (b, type) => {
          const req: Req = {
            method: "POST",
            path: "/api/v2/enrichments/bulk",
            headers: [["authorization", basic(KEY)], ...(type === undefined ? [] : [["content-type", type] as const])],
            body: b
          }
          const answer = await send(server, req)
          sane(answer, req)
          expect([200, 400, 413]).toContain(answer.status)
          if (answer.status === 400) {
            expect(answer.contentType).toBe("application/json")
            expect(batchCodes.has(JSON.parse(answer.text).error)).toBe(true)
          }
          if (answer.status === 200) {
            const entries = JSON.parse(answer.text) as Array<{ id?: string; error?: string }>
            const sent = JSON.parse(typeof b === "string" ? b.replace(/^\uFEFF/, "") : new TextDecoder().decode(b))
            expect(entries.length).toBe(sent.length)
            for (const e of entries) expect(e.id !== undefined || itemCodes.has(e.error!)).toBe(true)
          }
        }),
        params(300)
      )
    } finally {
      await server.handle.close()
    }
  }, 30_000)

  it("a valid item with unknown extra fields (item and input) is accepted", async () => {
    const server = makeMockServer(options)
    const known = new Set(["input", "enrichmentRequests", "metadata", "email", "linkedinUrl", "firstName", "lastName", "companyName", "companyDomain", "jobTitle", "location", "__proto__"])
    const extras = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !known.has(k)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
    try {
      await fc.assert(
        fc.asyncProperty(extras, extras, async (itemExtra, inputExtra) => {
          const item = { ...itemExtra, input: { ...inputExtra, email: "ada@example.com" }, enrichmentRequests: ["verify"] }
          const req: Req = { method: "POST", path: "/api/v2/enrichments/bulk", headers: [["authorization", basic(KEY)], ["content-type", "application/json"]], body: JSON.stringify([item]) }
          const answer = await send(server, req)
          sane(answer, req)
          expect(answer.status, answer.text).toBe(200)
          expect(JSON.parse(answer.text)[0].id).toMatch(/^enr_/)
        }),
        params(100)
      )
    } finally {
      await server.handle.close()
    }
  })

  it("with the rate limit on, random traffic still gets only documented answers (429 included)", async () => {
    const server = makeMockServer({ ...options, rateLimit: { enabled: true } })
    try {
      await fc.assert(
        fc.asyncProperty(request, async (req) => {
          const answer = await send(server, req)
          sane(answer, req)
          if (answer.status === 429 && req.method !== "HEAD") expect(answer.text).toBe(Messages.tooManyRequests)
        }),
        params(150)
      )
    } finally {
      await server.handle.close()
    }
  })

  it("random admin updates never break the lemlist routes", async () => {
    const garbage = fc.oneof(fc.jsonValue({ maxDepth: 3 }), oddString)
    const update = fc.record({
      apiKeys: fc.oneof(garbage, fc.array(fc.oneof(fc.constant(KEY), fc.string({ maxLength: 8 })), { maxLength: 3 })),
      seed: garbage,
      latency: garbage,
      results: garbage,
      credits: fc.oneof(garbage, fc.dictionary(fc.constantFrom(KEY, "x"), garbage)),
      creditMode: fc.oneof(fc.constantFrom("fail", "reject"), garbage),
      costs: fc.oneof(garbage, fc.record({ verify: garbage, find_email: garbage })),
      rateLimit: garbage,
      webhooks: garbage,
      retentionMs: garbage,
      leads: fc.oneof(garbage, fc.array(garbage, { maxLength: 3 })),
      maxBodyBytes: garbage,
      maxRecords: garbage
    }, { requiredKeys: [] })
    await fc.assert(
      fc.asyncProperty(update, fc.array(request, { minLength: 1, maxLength: 4 }), async (u, reqs) => {
        const server = makeMockServer(options)
        try {
          const res = await server.app.request("/__mock/options", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(u) })
          expect(res.status).toBeLessThan(500)
          for (const req of reqs) sane(await send(server, req), req)
          // And the documented happy path still works for the key, if it is still configured.
          const credits = await send(server, { method: "GET", path: "/api/team/credits", headers: [["authorization", basic(KEY)]] })
          expect(credits.status).toBeLessThan(500)
        } finally {
          await server.handle.close()
        }
      }),
      params(150)
    )
  }, 30_000)

  it("random bodies at the admin API: 2xx or 4xx, never 5xx", async () => {
    const adminPath = fc.constantFrom("/__mock/options", "/__mock/credits", "/__mock/faults", "/__mock/reset", "/__mock/complete", "/__mock/requests", "/__mock/enrichments?apiKey=nope", "/__mock/stats", "/__mock/nope")
    await fc.assert(
      fc.asyncProperty(adminPath, fc.constantFrom("GET", "POST", "PUT", "DELETE"), body, async (p, m, b) => {
        const server = makeMockServer(options)
        try {
          const res = await server.app.request(p, {
            method: m,
            headers: { "content-type": "application/json" },
            ...(m === "GET" || b === undefined ? {} : { body: b as BodyInit })
          })
          expect(res.status, `${m} ${p}`).toBeLessThan(500)
          await res.text()
        } finally {
          await server.handle.close()
        }
      }),
      params(150)
    )
  })
})
