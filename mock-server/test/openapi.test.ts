/**
 * Every JSON answer of the mock, checked against the response schemas of lemlist's own
 * OpenAPI extract (where it has one for that route and status).
 */
import { describe, expect, it } from "@effect/vitest"
import { Ajv } from "ajv"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { basic, fullItem, mock, verifyItem } from "./helpers.js"

const doc = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../packages/contract/openapi/lemlist-openapi-enrich.json", import.meta.url)), "utf8")
)
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true })

const templates: Array<[RegExp, string]> = [
  [/^\/api\/v2\/enrichments\/bulk\/?$/, "/v2/enrichments/bulk"],
  [/^\/api\/enrich\/?$/, "/enrich"],
  [/^\/api\/enrich\/[^/]+\/?$/, "/enrich/{enrichId}"],
  [/^\/api\/leads\/[^/]+\/enrich\/?$/, "/leads/{leadId}/enrich"],
  [/^\/api\/team\/credits\/?$/, "/team/credits"],
  [/^\/api\/hooks\/?$/, "/hooks"],
  [/^\/api\/hooks\/[^/]+\/?$/, "/hooks/{hookId}"]
]

const schemaFor = (path: string, method: string, status: number) => {
  const template = templates.find(([re]) => re.test(path))?.[1]
  const response = template && doc.paths[template]?.[method.toLowerCase()]?.responses?.[String(status)]
  const schema = response?.content?.["application/json"]?.schema
  if (!schema) return undefined
  // lemlist's bulk 200 schema is a `oneOf` of two objects with no `required` keys, so every
  // object (their own examples included) matches both branches and fails `oneOf`. Read it as
  // the `anyOf` it means.
  return JSON.parse(JSON.stringify({ ...schema, components: doc.components }).replaceAll('"oneOf"', '"anyOf"'))
}

describe("answers match lemlist's OpenAPI response schemas", () => {
  it.scoped("every JSON answer with a documented schema validates", () =>
    Effect.gen(function*() {
      const server = yield* mock({
        apiKeys: ["test-key", "key-b"],
        latency: 1000,
        leads: [{ id: "lea_AAAAAAAAAAAAAAAAA", contact: { email: "a@acme.com" } }],
        results: { found: { find_email: 1, find_phone: 1, linkedin_enrichment: 1 } }
      })
      const h = { authorization: basic("test-key"), "content-type": "application/json" }
      const requests: Array<[string, string, unknown?]> = [
        ["POST", "/api/v2/enrichments/bulk", [fullItem(1), verifyItem("x@acme.com", "m"), { input: { firstName: "A" }, enrichmentRequests: ["find_email"] }]],
        ["POST", "/api/v2/enrichments/bulk", []],
        ["POST", "/api/v2/enrichments/bulk", [{ input: {}, enrichmentRequests: ["verify"] }]],
        ["POST", "/api/enrich?findEmail=true&linkedinUrl=https://www.linkedin.com/in/ada"],
        ["POST", "/api/leads/lea_AAAAAAAAAAAAAAAAA/enrich?verifyEmail=true"],
        ["POST", "/api/leads/lea_nope/enrich?verifyEmail=true"],
        ["GET", "/api/team/credits"],
        ["POST", "/api/hooks", { targetUrl: "http://127.0.0.1:1/h", type: "enrichmentDone" }],
        ["GET", "/api/hooks"]
      ]
      const answers: Array<{ method: string; path: string; status: number; json: unknown }> = []
      const send = (method: string, path: string, body?: unknown) =>
        Effect.promise(async () => {
          const res = await server.app.request(path, { method, headers: h, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
          const text = await res.text()
          const json = /json/.test(res.headers.get("content-type") ?? "") ? JSON.parse(text) : undefined
          answers.push({ method, path, status: res.status, json })
          return json as any
        })
      let firstId = ""
      for (const [method, path, body] of requests) {
        const json = yield* send(method, path, body)
        if (path.endsWith("/bulk") && Array.isArray(json) && firstId === "") firstId = json[0].id
      }
      yield* send("GET", `/api/enrich/${firstId}`)
      yield* Effect.promise(() => server.handle.completeAll())
      yield* send("GET", `/api/enrich/${firstId}`)
      const hooks = yield* send("GET", "/api/hooks")
      yield* send("DELETE", `/api/hooks/${hooks[0]._id}`)

      let checked = 0
      for (const a of answers) {
        if (a.json === undefined) continue
        const schema = schemaFor(a.path, a.method, a.status)
        if (!schema) continue
        const validate = ajv.compile(schema)
        const ok = validate(a.json)
        expect({ ...a, errors: ok ? null : validate.errors }).toMatchObject({ errors: null })
        checked++
      }
      expect(checked).toBeGreaterThanOrEqual(9)
    }))
})
