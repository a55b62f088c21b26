/**
 * The official OpenAPI extract as an independent oracle: every answer is checked against the
 * response lemlist documents for its route and status, with a real JSON-schema validator (ajv).
 *
 * @since 0.1.0
 */
import { Ajv, type ValidateFunction } from "ajv"
import * as ajvFormats from "ajv-formats"
import { readFileSync } from "node:fs"

/**
 * The extract, parsed (`packages/contract/openapi/lemlist-openapi-enrich.json`).
 *
 * @since 0.1.0
 * @category constants
 */
export const document: {
  readonly paths: Record<string, Record<string, { readonly responses: Record<string, { readonly content?: Record<string, { readonly schema?: unknown }> }> }>>
} = JSON.parse(
  readFileSync(new URL("../../contract/openapi/lemlist-openapi-enrich.json", import.meta.url), "utf8")
)

/**
 * The statuses lemlist's generic error table documents for every route
 * (https://developer.lemlist.com/api-reference/getting-started/errors), even where a route's
 * own entry omits them (429 is in no route's entry).
 *
 * @since 0.1.0
 * @category constants
 */
export const genericStatuses: ReadonlyArray<number> = [200, 400, 401, 403, 404, 405, 429, 500]

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true })
const addFormats = ((ajvFormats as any).default ?? ajvFormats) as (a: Ajv) => Ajv
addFormats(ajv)
// OpenAPI 3.0 keywords that are annotations, not assertions.
for (const keyword of ["example", "xml", "externalDocs", "discriminator", "nullable"]) {
  if (!ajv.getKeyword(keyword)) ajv.addKeyword(keyword)
}
/**
 * The extract as the validator reads it. One repair, and only one: the bulk 200 answer's
 * items are `oneOf` two object schemas with no `required` (`{id, metadata}` and
 * `{error, metadata}`), so every object matches both and a literal `oneOf` rejects every
 * answer, lemlist's own examples included. What the docs mean is "an id, or an error": each
 * such alternative is made to require the properties only it declares (`id`, resp. `error`),
 * which makes them exclusive. `Contract.test.ts` proves that every official example still
 * validates and that wrong bodies are still refused.
 *
 * @since 0.1.0
 * @category utils
 */
export const forValidation = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(forValidation)
  if (node === null || typeof node !== "object") return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = forValidation(v)
  const alternatives = out.oneOf
  const loose = (a: any) => a !== null && typeof a === "object" && a.type === "object" && a.required === undefined && a.properties
  if (Array.isArray(alternatives) && alternatives.length > 1 && alternatives.every(loose)) {
    const keys = alternatives.map((a: any) => Object.keys(a.properties))
    const own = keys.map((mine, i) => mine.filter((k) => keys.every((theirs, j) => j === i || !theirs.includes(k))))
    if (own.every((o) => o.length > 0)) out.oneOf = alternatives.map((a: any, i) => ({ ...a, required: own[i] }))
  }
  return out
}

ajv.addSchema(forValidation(document) as object, "openapi")

const pointer = (...parts: ReadonlyArray<string>) =>
  parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")

const compiled = new Map<string, ValidateFunction>()

/**
 * What the extract documents for one route, method and status.
 *
 * @since 0.1.0
 * @category models
 */
export type Documented =
  | { readonly _tag: "Undocumented" }
  /** Documented with no body description (e.g. 405, or 401 on `/hooks`). */
  | { readonly _tag: "NoContent" }
  | { readonly _tag: "Content"; readonly mediaTypes: ReadonlyArray<string>; readonly jsonSchema: boolean }

/**
 * Looks up a documented response. `path` is the OpenAPI template (`/enrich/{enrichId}`).
 *
 * @since 0.1.0
 * @category utils
 */
export const documented = (path: string, method: string, status: number): Documented => {
  const response = document.paths[path]?.[method.toLowerCase()]?.responses[String(status)]
  if (!response) return { _tag: "Undocumented" }
  const content = response.content ?? {}
  const mediaTypes = Object.keys(content)
  if (mediaTypes.length === 0) return { _tag: "NoContent" }
  return { _tag: "Content", mediaTypes, jsonSchema: content["application/json"]?.schema !== undefined }
}

/**
 * Validates a JSON body against the documented `application/json` schema of a response.
 * Returns the validator's error text, or `undefined` when it conforms.
 *
 * @since 0.1.0
 * @category utils
 */
export const validate = (path: string, method: string, status: number, body: unknown): string | undefined => {
  const ref = `openapi#/${pointer("paths", path, method.toLowerCase(), "responses", String(status), "content", "application/json", "schema")}`
  let fn = compiled.get(ref)
  if (!fn) {
    fn = ajv.compile({ $ref: ref })
    compiled.set(ref, fn)
  }
  return fn(body) ? undefined : ajv.errorsText(fn.errors, { dataVar: "body" })
}
