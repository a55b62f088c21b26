/**
 * The checks every answer goes through: the official OpenAPI extract (status documented for
 * the route, media type, JSON schema via ajv), our Effect schemas (`@lemlist-effect/contract`),
 * and lemlist's rate-limit headers.
 *
 * @since 0.1.0
 */
import { Bulk, Result, Team } from "@lemlist-effect/contract"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as OpenApi from "./OpenApi.js"
import type { Answer } from "./Target.js"

/**
 * lemlist's routes: OpenAPI template and matcher.
 *
 * @since 0.1.0
 * @category constants
 */
export const routes: ReadonlyArray<{ readonly template: string; readonly pattern: RegExp }> = [
  { template: "/v2/enrichments/bulk", pattern: /^\/v2\/enrichments\/bulk\/?$/ },
  { template: "/enrich", pattern: /^\/enrich\/?$/ },
  { template: "/enrich/{enrichId}", pattern: /^\/enrich\/[^/]+\/?$/ },
  { template: "/leads/{leadId}/enrich", pattern: /^\/leads\/[^/]+\/enrich\/?$/ },
  { template: "/team/credits", pattern: /^\/team\/credits\/?$/ },
  { template: "/hooks", pattern: /^\/hooks\/?$/ },
  { template: "/hooks/{hookId}", pattern: /^\/hooks\/[^/]+\/?$/ }
]

/**
 * The OpenAPI template of a path (query string ignored), or `undefined` for an unknown route.
 *
 * @since 0.1.0
 * @category utils
 */
export const templateOf = (path: string): string | undefined => {
  const bare = path.split("?")[0]!
  return routes.find((r) => r.pattern.test(bare))?.template
}

const HookList = Schema.Array(Team.Hook)

/**
 * Our schema for a JSON answer, by route, method and status.
 *
 * @since 0.1.0
 * @category utils
 */
export const ourSchema = (template: string, method: string, status: number): Schema.Schema<any, any> | undefined => {
  const m = method.toUpperCase()
  if (status === 402) return Bulk.JsonErrorBody // docs/decisions.md #13 (ours)
  switch (template) {
    case "/v2/enrichments/bulk":
      return status === 200 ? Bulk.BulkAnswer : status === 400 ? Bulk.BulkErrorBody : undefined
    case "/enrich":
      return status === 200 ? Bulk.EnrichAnswer : undefined
    case "/enrich/{enrichId}":
      return status === 200 || status === 202 ? Result.PollingAnswer : undefined
    case "/leads/{leadId}/enrich":
      return status === 200 ? Bulk.EnrichAnswer : [404, 409, 500].includes(status) ? Bulk.JsonErrorBody : undefined
    case "/team/credits":
      return status === 200 ? Team.Credits : undefined
    case "/hooks":
      return status === 200 ? (m === "GET" ? HookList : Team.Hook) : undefined
    case "/hooks/{hookId}":
      return status === 200 ? Team.Hook : undefined
  }
  return undefined
}

/**
 * `X-RateLimit-Reset` as lemlist sends it: JS `Date.prototype.toString()`, e.g.
 * `Tue Feb 16 2021 09:02:42 GMT+0100 (Central European Standard Time)`.
 *
 * @since 0.1.0
 * @category constants
 */
export const dateToStringForm =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4}(?: \([^)]*\))?$/

/**
 * Problems with the rate-limit headers of an answer (empty when they are right).
 *
 * @since 0.1.0
 * @category utils
 */
export const rateLimitProblems = (headers: Headers, now = Date.now()): Array<string> => {
  const problems: Array<string> = []
  const int = (name: string) => {
    const v = headers.get(name)
    if (v === null) {
      problems.push(`${name} missing`)
      return undefined
    }
    if (!/^\d+$/.test(v.trim())) problems.push(`${name} is not a non-negative integer: ${JSON.stringify(v)}`)
    return Number(v)
  }
  const retryAfter = int("retry-after")
  const limit = int("x-ratelimit-limit")
  const remaining = int("x-ratelimit-remaining")
  if (limit !== undefined && limit < 1) problems.push(`x-ratelimit-limit < 1: ${limit}`)
  if (limit !== undefined && remaining !== undefined && remaining > limit) problems.push(`remaining ${remaining} > limit ${limit}`)
  if (retryAfter !== undefined && retryAfter > 3600) problems.push(`retry-after of more than an hour: ${retryAfter}`)
  const reset = headers.get("x-ratelimit-reset")
  if (reset === null) problems.push("x-ratelimit-reset missing")
  else if (!dateToStringForm.test(reset)) problems.push(`x-ratelimit-reset is not in Date.toString() form: ${JSON.stringify(reset)}`)
  else {
    const at = Date.parse(reset)
    // Allow for clock skew between us and the server.
    if (Number.isNaN(at) || at < now - 5 * 60_000 || at > now + 60 * 60_000) problems.push(`x-ratelimit-reset far from now: ${reset}`)
  }
  return problems
}

/**
 * Options of {@link check}.
 *
 * @since 0.1.0
 * @category models
 */
export interface CheckOptions {
  /** The status(es) the test expects. */
  readonly status?: number | ReadonlyArray<number> | undefined
  /** Statuses the route does not document that this answer may have (our docs/decisions.md: 402, 413). */
  readonly allowUndocumented?: ReadonlyArray<number> | undefined
  /** An extra schema the JSON body must decode with (besides the route's own). */
  readonly schema?: Schema.Schema<any, any> | undefined
  /** Check the rate-limit headers (default: on every known route). */
  readonly rateLimitHeaders?: boolean | undefined
}

/**
 * A contract violation, with the answer that shows it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ContractViolation extends Error {
  constructor(readonly answer: Answer, readonly problems: ReadonlyArray<string>) {
    super(
      `${answer.method} ${answer.path} -> ${answer.status} ${answer.contentType || "(no content type)"}: ` +
        problems.join("; ") + `\n  body: ${answer.text.slice(0, 500)}`
    )
    this.name = "ContractViolation"
  }
}

/**
 * The problems of one answer (empty when it honours the contract).
 *
 * @since 0.1.0
 * @category utils
 */
export const problemsOf = (answer: Answer, options: CheckOptions = {}): Array<string> => {
  const problems: Array<string> = []
  const expected = options.status === undefined ? undefined : typeof options.status === "number" ? [options.status] : options.status
  if (expected && !expected.includes(answer.status)) problems.push(`expected status ${expected.join(" or ")}`)
  const template = templateOf(answer.path)
  if (template === undefined) {
    // An unknown route: only lemlist's generic table applies.
    if (answer.status !== 404 && answer.status !== 405) problems.push("an unknown route must answer 404 (or 405)")
    return problems
  }
  const doc = OpenApi.documented(template, answer.method, answer.status)
  if (doc._tag === "Undocumented") {
    const generic = OpenApi.genericStatuses.includes(answer.status)
    if (!generic && !(options.allowUndocumented ?? []).includes(answer.status)) {
      problems.push(`status ${answer.status} is documented neither for ${answer.method} ${template} nor in lemlist's generic error table`)
    }
  } else if (doc._tag === "Content") {
    if (!doc.mediaTypes.includes(answer.contentType)) {
      problems.push(`content type ${JSON.stringify(answer.contentType)}, documented: ${doc.mediaTypes.join(", ")}`)
    } else if (answer.contentType === "application/json" && doc.jsonSchema) {
      if (answer.json === undefined) problems.push("the body is not JSON")
      else {
        const error = OpenApi.validate(template, answer.method, answer.status, answer.json)
        if (error !== undefined) problems.push(`OpenAPI schema: ${error}`)
      }
    }
  }
  if (answer.contentType.includes("json") && answer.json === undefined) problems.push("declared JSON but does not parse")
  if (answer.json !== undefined) {
    for (const schema of [ourSchema(template, answer.method, answer.status), options.schema]) {
      if (schema === undefined) continue
      const decoded = Schema.decodeUnknownEither(schema)(answer.json)
      if (Either.isLeft(decoded)) problems.push(`our schema: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`)
    }
  }
  if (options.rateLimitHeaders ?? true) problems.push(...rateLimitProblems(answer.headers))
  return problems
}

/**
 * Checks an answer against the contract and returns it; throws a {@link ContractViolation}
 * listing every problem otherwise.
 *
 * @example
 * ```ts
 * import { Check, Target } from "@lemlist-effect/contract-tests"
 *
 * const target = await Target.fromEnv()
 * const credits = Check.check(await target.request("GET", "/team/credits"), { status: 200 })
 * credits.json // { credits: 100000, details: { remaining: { ... } } }
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const check = (answer: Answer, options: CheckOptions = {}): Answer => {
  const problems = problemsOf(answer, options)
  if (problems.length > 0) throw new ContractViolation(answer, problems)
  return answer
}
