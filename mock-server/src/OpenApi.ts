/**
 * The mock describes itself: one OpenAPI 3.1 document with lemlist's routes (the official
 * extract vendored at `packages/contract/openapi/lemlist-openapi-enrich.json`, under `/api`)
 * and the admin API under `/__mock`, whose schemas are generated from Effect schemas
 * (`JSONSchema`) that reuse the contract's. Served at `/__mock/openapi.json`; printed by
 * `lemlist-mock --print-openapi`.
 *
 * @since 0.1.0
 */
import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import * as S from "./internal/adminSchemas.js"

/**
 * An OpenAPI 3.1 document (the parts this module writes).
 *
 * @example
 * ```ts
 * import { type OpenApiDocument, openApiDocument } from "@lemlist-effect/mock-server"
 *
 * const doc: OpenApiDocument = openApiDocument()
 * doc.components.schemas["MockRecordedRequest"] // a JSON Schema
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenApiDocument {
  readonly openapi: string
  readonly info: { readonly title: string; readonly version: string; readonly description: string }
  readonly servers: ReadonlyArray<{ readonly url: string; readonly description?: string }>
  readonly security: ReadonlyArray<Record<string, ReadonlyArray<string>>>
  readonly tags: ReadonlyArray<{ readonly name: string; readonly description?: string }>
  readonly paths: Record<string, Record<string, unknown>>
  readonly components: { readonly schemas: Record<string, unknown>; readonly securitySchemes: Record<string, unknown> }
}

const adminTag = "Mock admin"
const dashboardTag = "Mock dashboard"

/**
 * The extract ships in `@lemlist-effect/contract`'s `openapi/` folder. Found from the package
 * itself, so that it works from the sources and once published: its `package.json` is exported
 * when published; in the workspace, its entry point is one folder below its root.
 */
const extractUrl = (): URL => {
  const require = createRequire(import.meta.url)
  const file = "openapi/lemlist-openapi-enrich.json"
  try {
    return new URL(file, pathToFileURL(require.resolve("@lemlist-effect/contract/package.json")))
  } catch {
    return new URL(`../${file}`, pathToFileURL(require.resolve("@lemlist-effect/contract")))
  }
}

const lemlistExtract = (): {
  paths: Record<string, Record<string, unknown>>
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> }
  security: ReadonlyArray<Record<string, ReadonlyArray<string>>>
} => JSON.parse(readFileSync(extractUrl(), "utf8"))

const ref = (schema: Schema.Schema.Any) => {
  const id = schema.ast.annotations[Symbol.for("effect/annotation/Identifier")]
  if (typeof id !== "string") throw new Error("OpenApi: admin schemas must carry an identifier")
  return { $ref: `#/components/schemas/${id}` }
}

const json = (description: string, schema: Schema.Schema.Any | Record<string, unknown>) => ({
  description,
  content: { "application/json": { schema: "ast" in schema ? ref(schema as Schema.Schema.Any) : schema } }
})

const refused = (description: string) => json(description, S.AdminError)

const op = (summary: string, description: string, extra: Record<string, unknown>, tag = adminTag) => ({
  summary,
  description,
  tags: [tag],
  // The admin API is never behind lemlist's auth (docs/mock-server.md, "Admin API").
  security: [],
  ...extra
})

const adminPaths = (): Record<string, Record<string, unknown>> => ({
  "/__mock/reset": {
    post: op("Reset", "Back to the start: state cleared, random sources reseeded, construction options restored.", {
      responses: { 200: json("Reset.", S.Ok) }
    })
  },
  "/__mock/options": {
    get: op("Options in force", "Every option, defaults applied (not the clock nor the webhook fetch or post, which are code).", {
      responses: { 200: json("The options.", S.Options) }
    }),
    put: op("Change options", "Merges a partial update (nested groups merge field by field); an invalid or unknown field refuses the whole update.", {
      requestBody: { required: true, content: { "application/json": { schema: ref(S.OptionsUpdate) } } },
      responses: { 200: json("The options now in force.", S.Options), 400: refused("Not a JSON object, or invalid values (each named in `issues`).") }
    })
  },
  "/__mock/credits": {
    put: op("Set a key's credits", "Sets one API key's balance (the key given, or its team id).", {
      requestBody: { required: true, content: { "application/json": { schema: ref(S.SetCredits) } } },
      responses: {
        200: json("The new balance.", S.CreditsSet),
        400: refused("Not `{ apiKey or teamId, credits >= 0 }`."),
        404: refused("Unknown API key or team id.")
      }
    })
  },
  "/__mock/complete": {
    post: op("Complete pending work", "Finishes every pending enrichment now and delivers its webhooks (delayed and held ones too).", {
      responses: { 200: json("How many were pending.", S.Completed) }
    })
  },
  "/__mock/faults": {
    post: op("Inject a one-shot fault", "Queues a fault for the next matching request(s).", {
      requestBody: { required: true, content: { "application/json": { schema: ref(S.InjectedFault) } } },
      responses: { 200: json("Queued.", S.Ok), 400: refused("Unknown fault.") }
    })
  },
  "/__mock/requests": {
    get: op("Recorded requests", "Requests to lemlist's routes, oldest first (the newest `maxRecords`).", {
      responses: { 200: json("The records.", { type: "array", items: ref(S.RecordedRequest) }) }
    })
  },
  "/__mock/deliveries": {
    get: op("Webhook deliveries", "Every delivery attempt, oldest first (the newest `maxRecords`).", {
      responses: { 200: json("The attempts.", { type: "array", items: ref(S.Delivery) }) }
    })
  },
  "/__mock/stats": {
    get: op("Counters per team", "Keyed by team id; the key itself never appears, only a fingerprint.", {
      responses: { 200: json("The counters.", S.Stats) }
    })
  },
  "/__mock/enrichments": {
    get: op("Stored enrichments", "In creation order; expired ones are gone. Filters combine.", {
      parameters: [
        { name: "apiKey", in: "query", required: false, schema: { type: "string" }, description: "Only this key's." },
        { name: "status", in: "query", required: false, schema: { type: "string", enum: ["in-progress", "done", "error"] } },
        {
          name: "q",
          in: "query",
          required: false,
          schema: { type: "string" },
          description: "Case-insensitive text found in the id, the metadata or the input."
        },
        {
          name: "limit",
          in: "query",
          required: false,
          schema: { type: "integer", minimum: 0 },
          description: "Only the newest `limit` matches (still oldest first)."
        }
      ],
      responses: {
        200: {
          ...json("The matching enrichments.", { type: "array", items: ref(S.Enrichment) }),
          headers: { "X-Total-Count": { description: "How many matched before `limit`.", schema: { type: "integer" } } }
        },
        400: refused("A bad `status` or `limit`."),
        404: refused("Unknown API key.")
      }
    })
  },
  "/__mock/snapshot": {
    get: op("Dashboard summary", "Teams with their credits and live rate-limit window, counts, the knobs in force.", {
      responses: { 200: json("The summary.", S.Snapshot) }
    }, dashboardTag)
  },
  "/__mock/events": {
    get: op(
      "Live feed (server-sent events)",
      "A `snapshot` event on connection and after a reset, then an `update` event after state changes (at most every 250 ms). " +
        "Each event's data is a `MockFeedMessage` (JSON). Ends when the mock closes.",
      {
        responses: {
          200: {
            description: "An event stream.",
            content: { "text/event-stream": { schema: { type: "string", description: "events whose data is #/components/schemas/MockFeedMessage" } } }
          }
        }
      },
      dashboardTag
    )
  },
  "/__mock/ui": {
    get: op("Dashboard", "The dashboard page (self-contained HTML, works offline).", {
      responses: { 200: { description: "The page.", content: { "text/html": { schema: { type: "string" } } } } }
    }, dashboardTag)
  },
  "/__mock/openapi.json": {
    get: op("This document", "lemlist's routes (official extract) and the mock's admin API.", {
      responses: { 200: { description: "OpenAPI 3.1.", content: { "application/json": { schema: { type: "object" } } } } }
    })
  }
})

const componentSchemas = (): Record<string, unknown> => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const roots = [
    S.Ok, S.AdminError, S.Options, S.OptionsUpdate, S.SetCredits, S.CreditsSet, S.Completed, S.InjectedFault,
    S.RecordedRequest, S.Delivery, S.Stats, S.Enrichment, S.Snapshot, S.FeedMessage
  ]
  for (const schema of roots) {
    // Registers the schema (and every identified schema it uses) under #/components/schemas/.
    JSONSchema.fromAST(schema.ast, { definitions, definitionPath: "#/components/schemas/", target: "openApi3.1" })
  }
  return withoutIds(definitions) as Record<string, unknown>
}

/**
 * Effect marks `Unknown` and `Any` with `$id: "/schemas/unknown"` (or `any`): repeated, those
 * ids are ambiguous in a 2020-12 document (validators refuse them), and they mean "anything".
 */
const withoutIds = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutIds)
  if (node === null || typeof node !== "object") return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) if (!(k === "$id" && typeof v === "string" && v.startsWith("/schemas/"))) out[k] = withoutIds(v)
  return out
}

let cached: OpenApiDocument | undefined

/**
 * The document. `serverUrl` is the mock's origin (default `http://127.0.0.1:4010`, where
 * `pnpm mock` listens); paths are absolute (`/api/...`, `/__mock/...`).
 *
 * @example
 * ```ts
 * import { openApiDocument } from "@lemlist-effect/mock-server"
 *
 * const doc = openApiDocument({ serverUrl: "http://127.0.0.1:4010" })
 * Object.keys(doc.paths) // ["/api/team/credits", …, "/__mock/reset", …]
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const openApiDocument = (options: { readonly serverUrl?: string } = {}): OpenApiDocument => {
  if (cached === undefined) {
    const lemlist = lemlistExtract()
    const paths: Record<string, Record<string, unknown>> = {}
    // lemlist's server URL ends in /api; here one origin serves both, so its paths move under /api.
    for (const [path, item] of Object.entries(lemlist.paths)) paths[`/api${path}`] = item
    Object.assign(paths, adminPaths())
    const lemlistTags = new Set<string>()
    for (const item of Object.values(lemlist.paths)) {
      for (const o of Object.values(item)) for (const t of (o as { tags?: Array<string> }).tags ?? []) lemlistTags.add(t)
    }
    cached = {
      openapi: "3.1.0",
      info: {
        title: "lemlist mock",
        version: "0.1.0",
        description: "lemlist's enrichment API as the offline mock serves it (routes from lemlist's official OpenAPI " +
          "extract, under /api), and the mock's own admin API and dashboard under /__mock. See docs/mock-server.md."
      },
      servers: [],
      security: lemlist.security,
      tags: [
        ...[...lemlistTags].map((name) => ({ name, description: "lemlist (official extract)" })),
        { name: adminTag, description: "State, knobs and records of the mock; no auth." },
        { name: dashboardTag, description: "The dashboard at /__mock/ui and its live feed." }
      ],
      paths,
      components: {
        schemas: { ...lemlist.components.schemas, ...componentSchemas() },
        securitySchemes: lemlist.components.securitySchemes
      }
    }
  }
  return { ...cached, servers: [{ url: options.serverUrl ?? "http://127.0.0.1:4010", description: "the mock" }] }
}
