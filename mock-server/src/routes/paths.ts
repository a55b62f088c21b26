/**
 * lemlist's route table (paths relative to `/api`), used to answer 404 for an unknown path
 * and 405 for a known path with another method before anything else (docs/decisions.md #17).
 */
import type { RouteName } from "../Options.js"

const table: ReadonlyArray<{ readonly name: RouteName; readonly pattern: RegExp; readonly methods: ReadonlyArray<string> }> = [
  { name: "bulk", pattern: /^\/v2\/enrichments\/bulk\/?$/, methods: ["POST"] },
  { name: "enrich", pattern: /^\/enrich\/?$/, methods: ["POST"] },
  { name: "getEnrichment", pattern: /^\/enrich\/[^/]+\/?$/, methods: ["GET", "HEAD"] },
  { name: "enrichLead", pattern: /^\/leads\/[^/]+\/enrich\/?$/, methods: ["POST"] },
  { name: "credits", pattern: /^\/team\/credits\/?$/, methods: ["GET", "HEAD"] },
  { name: "hooks", pattern: /^\/hooks\/?$/, methods: ["GET", "HEAD", "POST"] },
  { name: "hook", pattern: /^\/hooks\/[^/]+\/?$/, methods: ["DELETE"] }
]

export type RouteMatch =
  | { readonly _tag: "Route"; readonly name: RouteName }
  | { readonly _tag: "MethodNotAllowed"; readonly allow: ReadonlyArray<string> }
  | { readonly _tag: "NotFound" }

export const matchRoute = (method: string, path: string): RouteMatch => {
  for (const r of table) {
    if (!r.pattern.test(path)) continue
    return r.methods.includes(method) ? { _tag: "Route", name: r.name } : { _tag: "MethodNotAllowed", allow: r.methods }
  }
  return { _tag: "NotFound" }
}
