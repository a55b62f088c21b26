/**
 * From an HTTP answer to a typed result or a typed error. Tolerant by design (docs/decisions.md,
 * "the mock is strict, the client is tolerant"): JSON or text error bodies, 202 with or without
 * a body, both result key styles, unknown statuses, and never a crash on an unknown shape.
 *
 * @internal
 */
import { Bulk, ErrorCode, Messages, Result, Team } from "@lemlist-effect/contract"
import type { EnrichmentType } from "@lemlist-effect/contract"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { BulkEntry, EnrichmentStatus } from "../LemlistClient.js"
import * as E from "../LemlistError.js"

/** @internal */
export type Route =
  | "bulkEnrich"
  | "enrich"
  | "enrichLead"
  | "getEnrichment"
  | "credits"
  | "createHook"
  | "listHooks"
  | "deleteHook"

/** @internal */
export interface Body {
  readonly text: string
  /** The parsed JSON, or `undefined` when the body is empty or not JSON. */
  readonly json: unknown
}

/** @internal */
export const parseBody = (text: string): Body => {
  const trimmed = text.trim()
  if (trimmed === "") return { text, json: undefined }
  const first = trimmed[0]
  if (first === "{" || first === "[" || first === "\"") {
    try {
      return { text, json: JSON.parse(trimmed) }
    } catch {
      return { text, json: undefined }
    }
  }
  return { text, json: undefined }
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The human message of an error body: `{ error }` in JSON, a JSON string, or the text. */
const messageOf = (body: Body): string => {
  if (isRecord(body.json) && typeof body.json.error === "string") return body.json.error
  if (isRecord(body.json) && typeof body.json.message === "string") return body.json.message
  if (typeof body.json === "string") return body.json
  const text = body.text.trim()
  return text.length > 300 ? text.slice(0, 300) + "…" : text
}

const codeOf = (body: Body): string | undefined =>
  isRecord(body.json) && typeof body.json.code === "string" ? body.json.code : undefined

const same = (a: string, b: string) => a.trim().toLowerCase() === b.toLowerCase()
const startsWith = (a: string, b: string) => a.trim().toLowerCase().startsWith(b.toLowerCase())

const describe = (error: ParseResult.ParseError) => ParseResult.TreeFormatter.formatErrorSync(error)

/** @internal */
export interface Context {
  readonly route: Route
  readonly id?: string | undefined
  readonly retryAfterMillis: number | undefined
  readonly defaultRetryAfterMillis: number
}

/**
 * Maps a non-2xx answer to its error.
 *
 * @internal
 */
export const failure = (ctx: Context, status: number, body: Body): E.LemlistError => {
  const message = messageOf(body)
  switch (status) {
    case 429:
      return new E.RateLimited({ retryAfterMillis: ctx.retryAfterMillis ?? ctx.defaultRetryAfterMillis })
    case 401:
      return new E.Unauthorized({ reason: "InvalidKey", status })
    case 402:
      return new E.InsufficientCredits()
    case 403:
      return new E.Unauthorized({ reason: "UserBlocked", status })
    case 400:
      return badRequest(ctx, body, message)
    case 404:
      return notFound(ctx, body, message)
    case 409:
      return conflict(ctx, body, message)
  }
  return new E.ServerError({ status, ...(message === "" ? {} : { description: message }) })
}

const badRequest = (ctx: Context, body: Body, message: string): E.LemlistError => {
  if (ctx.route === "bulkEnrich") {
    const code = isRecord(body.json) ? body.json.error : undefined
    if (ErrorCode.isBatchErrorCode(code)) return new E.BatchRejected({ code })
  }
  if (same(message, Messages.badTeam)) return new E.BadTeam()
  if (same(message, Messages.noApiKey)) return new E.Unauthorized({ reason: "MissingKey", status: 400 })
  if (startsWith(message, "No enrichment requested")) {
    return new E.BadRequest({ reason: "NoEnrichmentRequested", description: message })
  }
  if (same(message, Messages.invalidWebhookUrl)) return new E.BadRequest({ reason: "InvalidWebhookUrl", description: message })
  return new E.BadRequest({ reason: "BadRequest", description: message === "" ? "HTTP 400" : message })
}

const notFound = (ctx: Context, body: Body, message: string): E.LemlistError => {
  const id = ctx.id === undefined ? {} : { id: ctx.id }
  switch (ctx.route) {
    case "credits":
      // On /team/credits a 404 is "No user found for this API key" (packages/contract/openapi/lemlist-openapi-enrich.json).
      return new E.Unauthorized({ reason: "NoUser", status: 404 })
    case "getEnrichment":
      return new E.NotFound({ resource: "Enrichment", ...id })
    case "deleteHook":
      return new E.NotFound({ resource: "Hook", ...id })
    case "enrichLead": {
      const code = codeOf(body)
      if (code === "CONTACT_NOT_FOUND" || startsWith(message, "Contact not found")) {
        return new E.NotFound({ resource: "Contact", ...id, code: "CONTACT_NOT_FOUND" })
      }
      if (code === "LEAD_NOT_FOUND" || startsWith(message, "Lead not found")) {
        return new E.NotFound({ resource: "Lead", ...id, code: "LEAD_NOT_FOUND" })
      }
      return new E.NotFound({ resource: "Route" })
    }
    default:
      return new E.NotFound({ resource: "Route" })
  }
}

const conflict = (ctx: Context, body: Body, message: string): E.LemlistError => {
  switch (ctx.route) {
    case "enrichLead":
      return codeOf(body) === "ALREADY_ENRICHED" || startsWith(message, "Enrichment skipped")
        ? new E.LeadConflict({ reason: "AlreadyEnriched", description: message })
        : new E.LeadConflict({ reason: "InProgress", description: message === "" ? "HTTP 409" : message })
    case "createHook":
      return new E.HookConflict({ description: message === "" ? "HTTP 409" : message })
    default:
      return new E.ServerError({ status: 409, ...(message === "" ? {} : { description: message }) })
  }
}

const decodeError = (status: number, description: string) => new E.DecodeError({ status, description })

const decode = <A, I>(schema: Schema.Schema<A, I>, status: number, body: Body): Either.Either<A, E.LemlistError> => {
  if (body.json === undefined) {
    return Either.left(decodeError(status, body.text.trim() === "" ? "empty body" : "body is not JSON"))
  }
  return Either.mapLeft(Schema.decodeUnknownEither(schema)(body.json), (e) => decodeError(status, describe(e)))
}

// ---------------------------------------------------------------------------------------------
// Successes
// ---------------------------------------------------------------------------------------------

const decodeItem = Schema.decodeUnknownEither(Bulk.BulkAnswerItem)
const decodeMetadata = Schema.decodeUnknownEither(Bulk.Metadata)

const metadataOf = (raw: unknown): Bulk.Metadata | undefined =>
  isRecord(raw) && raw.metadata !== undefined ? Either.getOrUndefined(decodeMetadata(raw.metadata)) : undefined

/**
 * The bulk 200 answer. The array is matched to the items by position, so a length mismatch
 * fails the whole call; an entry of unknown shape becomes an `Undecodable` entry of its own.
 *
 * @internal
 */
export const bulkEntries = (
  status: number,
  body: Body,
  expected: number
): Either.Either<ReadonlyArray<BulkEntry>, E.LemlistError> => {
  if (!Array.isArray(body.json)) {
    return Either.left(decodeError(status, body.json === undefined ? "body is not JSON" : "body is not an array"))
  }
  if (body.json.length !== expected) {
    return Either.left(decodeError(status, `${body.json.length} entries for ${expected} items`))
  }
  return Either.right(body.json.map((raw): BulkEntry => {
    // An id wins: if lemlist created the enrichment, we must not lose it (it is charged).
    if (isRecord(raw) && typeof raw.id === "string" && raw.id !== "") {
      return { _tag: "Accepted", id: raw.id, metadata: metadataOf(raw) }
    }
    return Either.match(decodeItem(raw), {
      onLeft: (e) => ({ _tag: "Undecodable", raw, description: describe(e), metadata: metadataOf(raw) }),
      onRight: (item) =>
        "id" in item
          ? { _tag: "Accepted", id: item.id, metadata: metadataOf(raw) }
          : { _tag: "MissingInput", code: item.error, metadata: metadataOf(raw) }
    })
  }))
}

/** @internal */
export const enrichmentId = (status: number, body: Body): Either.Either<string, E.LemlistError> =>
  Either.map(decode(Bulk.EnrichAnswer, status, body), (a) => a.id)

// A loose envelope: the status stays a string (a future one must decode), `data` is decoded
// apart so that a bad `data` is reported as such.
const PollingEnvelope = Schema.Struct({
  enrichmentId: Schema.optional(Schema.String),
  enrichmentStatus: Schema.optional(Schema.String),
  data: Schema.optional(Schema.Unknown),
  error: Schema.optional(Schema.Unknown),
  metadata: Schema.optional(Schema.Unknown)
})
const decodeEnvelope = Schema.decodeUnknownEither(PollingEnvelope)
const decodePollingData = Schema.decodeUnknownEither(Result.PollingData)
const decodeWebhookData = Schema.decodeUnknownEither(Result.WebhookData)
const webhookKeys = ["find_email", "verify", "find_phone", "linkedin_enrichment"]

/**
 * `data` in either key style: polling keys (`email`, `phone`, `linkedin`) or the webhook's
 * workflow keys, which a future API version could return on polling too.
 */
const resultOf = (
  data: unknown,
  types: ReadonlyArray<EnrichmentType.EnrichmentType> | undefined
): Either.Either<Result.EnrichmentResult, ParseResult.ParseError> => {
  const hasWebhookKeys = isRecord(data) && webhookKeys.some((k) => data[k] !== undefined)
  return Either.flatMap(decodePollingData(data), (polling) => {
    const fromPolling = Result.fromPollingData(polling, types)
    if (!hasWebhookKeys) return Either.right(fromPolling)
    return Either.map(decodeWebhookData(data), (webhook) => ({ ...Result.fromWebhookData(webhook), ...fromPolling }))
  })
}
const decodeFailure = Schema.decodeUnknownEither(Result.EnrichmentFailure)

const IN_PROGRESS = new Set(["in-progress", "in_progress", "inprogress", "pending", "running", "processing", "queued"])
const DONE = new Set(["done", "completed", "complete", "finished", "success"])
const FAILED = new Set(["error", "failed", "failure"])

/**
 * `GET /enrich/{id}`: 200 or 202, with or without a body, normalised.
 *
 * @internal
 */
export const enrichmentStatus = (
  id: string,
  status: number,
  body: Body,
  types: ReadonlyArray<EnrichmentType.EnrichmentType> | undefined
): Either.Either<EnrichmentStatus, E.LemlistError> => {
  if (body.json === undefined) {
    // 202 "In progress" is documented with no body (docs/decisions.md #5: clients also accept it).
    if (status === 202) return Either.right({ _tag: "InProgress", id })
    return Either.left(decodeError(status, body.text.trim() === "" ? "empty body" : "body is not JSON"))
  }
  const envelope = decodeEnvelope(body.json)
  if (Either.isLeft(envelope)) return Either.left(decodeError(status, describe(envelope.left)))
  const answer = envelope.right
  const enrichmentId = answer.enrichmentId ?? id
  const metadata = answer.metadata === undefined ? undefined : Either.getOrUndefined(decodeMetadata(answer.metadata))
  const raw = answer.enrichmentStatus
  const normalised = raw?.trim().toLowerCase()
  if (normalised === undefined) {
    if (status === 202) return Either.right({ _tag: "InProgress", id: enrichmentId })
    return Either.right({ _tag: "UnknownStatus", id: enrichmentId, status: "", raw: body.json })
  }
  if (IN_PROGRESS.has(normalised)) return Either.right({ _tag: "InProgress", id: enrichmentId })
  if (DONE.has(normalised)) {
    const result = resultOf(answer.data ?? {}, types)
    if (Either.isLeft(result)) return Either.left(decodeError(status, describe(result.left)))
    return Either.right({ _tag: "Done", id: enrichmentId, result: result.right, metadata })
  }
  if (FAILED.has(normalised)) {
    const failureBody = Either.getOrUndefined(decodeFailure(answer.error))
    return Either.right({
      _tag: "Failed",
      id: enrichmentId,
      code: failureBody?.code ?? (typeof answer.error === "string" ? answer.error : "UNKNOWN"),
      description: failureBody?.message,
      metadata
    })
  }
  if (normalised === "not-found" || normalised === "not_found") {
    return Either.left(new E.NotFound({ resource: "Enrichment", id }))
  }
  return Either.right({ _tag: "UnknownStatus", id: enrichmentId, status: raw ?? "", raw: body.json })
}

/** @internal */
export const credits = (status: number, body: Body) => decode(Team.Credits, status, body)

/** @internal */
export const hook = (status: number, body: Body) => decode(Team.Hook, status, body)

/** @internal */
export const hooks = (status: number, body: Body) => decode(Schema.Array(Team.Hook), status, body)

/**
 * `DELETE /hooks/{id}`: the deleted hook. lemlist documents it in the answer; if it is missing
 * the deletion still happened, so the answer is the id alone rather than an error.
 *
 * @internal
 */
export const deletedHook = (id: string, status: number, body: Body): Either.Either<Team.Hook, E.LemlistError> =>
  Either.orElse(decode(Team.Hook, status, body), () =>
    Either.right({ _id: isRecord(body.json) && typeof body.json._id === "string" ? body.json._id : id, targetUrl: "" }))

/** @internal */
export const isSuccess = (status: number) => status >= 200 && status < 300
