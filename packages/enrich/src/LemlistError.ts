/**
 * Typed errors of the lemlist client. Every failure is one tagged class users can
 * `Effect.catchTag`, and each says whether the request may have had an effect on lemlist's side
 * (`mayHaveTakenEffect`): the fact that decides whether resending a credit-spending call is safe.
 *
 * @since 0.1.0
 */
import { ErrorCode } from "@lemlist-effect/contract"
import * as Schema from "effect/Schema"

/**
 * The bulk call was refused whole (HTTP 400): nothing was created, nothing charged. Local
 * validation should have caught it, so it signals a bug; it is never retried.
 *
 * @example
 * ```ts
 * import { LemlistError } from "@lemlist-effect/enrich"
 *
 * const error = new LemlistError.BatchRejected({ code: "NO_ENRICHMENTS_REQUESTED" })
 * error.mayHaveTakenEffect // false
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class BatchRejected extends Schema.TaggedError<BatchRejected>("@lemlist-effect/enrich/BatchRejected")(
  "BatchRejected",
  { code: ErrorCode.BatchErrorCode }
) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = false
  /** @since 0.1.0 */
  override get message() {
    return `lemlist refused the whole batch: ${this.code}`
  }
}

/**
 * A plain-text 400 of `POST /enrich` or `POST /leads/{id}/enrich`: no workflow requested,
 * an invalid `webhookUrl`, or a generic "Bad request".
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>("@lemlist-effect/enrich/BadRequest")("BadRequest", {
  reason: Schema.Literal("NoEnrichmentRequested", "InvalidWebhookUrl", "BadRequest"),
  description: Schema.String
}) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = false
  /** @since 0.1.0 */
  override get message() {
    return `lemlist refused the request (${this.reason}): ${this.description}`
  }
}

/**
 * The API key was refused: wrong or missing key (401, or 400 "No API key provided" on
 * `/team/credits`), a blocked user (403), or no user for the key (404 on `/team/credits`).
 * It stops a run: nothing will work with this key.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>("@lemlist-effect/enrich/Unauthorized")(
  "Unauthorized",
  {
    reason: Schema.Literal("InvalidKey", "MissingKey", "UserBlocked", "NoUser"),
    status: Schema.Number
  }
) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = false
  /** @since 0.1.0 */
  override get message() {
    return `lemlist refused the API key (${this.reason}, HTTP ${this.status})`
  }
}

/**
 * "Bad team": the resource belongs to another API key's team (400).
 *
 * @since 0.1.0
 * @category errors
 */
export class BadTeam extends Schema.TaggedError<BadTeam>("@lemlist-effect/enrich/BadTeam")("BadTeam", {}) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = false
  /** @since 0.1.0 */
  override get message() {
    return "lemlist answered Bad team: the resource belongs to another team"
  }
}

/**
 * A 404: an enrichment id, a hook, a lead or its contact that does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>("@lemlist-effect/enrich/NotFound")("NotFound", {
  resource: Schema.Literal("Enrichment", "Hook", "Lead", "Contact", "Route"),
  id: Schema.optional(Schema.String),
  code: Schema.optional(ErrorCode.LeadErrorCode)
}) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = false
  /** @since 0.1.0 */
  override get message() {
    return `lemlist found no ${this.resource.toLowerCase()}${this.id === undefined ? "" : ` ${this.id}`}`
  }
}

/**
 * A 409 of `POST /leads/{id}/enrich`: the contact already has the data (`ALREADY_ENRICHED`,
 * resend with `force: true`), or an enrichment of the lead is running (`InProgress`).
 *
 * @since 0.1.0
 * @category errors
 */
export class LeadConflict extends Schema.TaggedError<LeadConflict>("@lemlist-effect/enrich/LeadConflict")(
  "LeadConflict",
  {
    reason: Schema.Literal("AlreadyEnriched", "InProgress"),
    description: Schema.String
  }
) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = false
  /** @since 0.1.0 */
  override get message() {
    return `lemlist refused to enrich the lead (${this.reason}): ${this.description}`
  }
}

/**
 * A 409 of `POST /hooks`: the `targetUrl` is already registered for the team, or the team has
 * its maximum of hooks. Nothing was created.
 *
 * @example
 * ```ts
 * import { LemlistError } from "@lemlist-effect/enrich"
 *
 * new LemlistError.HookConflict({ description: "Webhook already exists" }).mayHaveTakenEffect // false
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class HookConflict extends Schema.TaggedError<HookConflict>("@lemlist-effect/enrich/HookConflict")(
  "HookConflict",
  { description: Schema.String }
) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = false
  /** @since 0.1.0 */
  override get message() {
    return `lemlist refused the hook: ${this.description}`
  }
}

/**
 * A 429: the request did nothing. `retryAfterMillis` is what lemlist asked us to wait.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("@lemlist-effect/enrich/RateLimited")(
  "RateLimited",
  { retryAfterMillis: Schema.Number }
) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = false
  /** @since 0.1.0 */
  override get message() {
    return `lemlist rate limit reached: retry after ${this.retryAfterMillis} ms`
  }
}

/**
 * The team has no credits left for this call (402 `INSUFFICIENT_CREDITS`, docs/decisions.md #13
 * mode `reject`). Nothing was created. It stops a run.
 *
 * @since 0.1.0
 * @category errors
 */
export class InsufficientCredits extends Schema.TaggedError<InsufficientCredits>(
  "@lemlist-effect/enrich/InsufficientCredits"
)("InsufficientCredits", {}) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = false
  /** @since 0.1.0 */
  override get message() {
    return "lemlist reports that the team has no credits left"
  }
}

/**
 * A 5xx, or a status lemlist does not document for the route. Whether the request did
 * anything is unknown.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>("@lemlist-effect/enrich/ServerError")(
  "ServerError",
  {
    status: Schema.Number,
    description: Schema.optional(Schema.String)
  }
) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = true
  /** @since 0.1.0 */
  override get message() {
    return `lemlist answered HTTP ${this.status}${this.description ? `: ${this.description}` : ""}`
  }
}

/**
 * No answer within the per-request timeout. The request was sent, so it may have taken effect.
 *
 * @since 0.1.0
 * @category errors
 */
export class Timeout extends Schema.TaggedError<Timeout>("@lemlist-effect/enrich/Timeout")("Timeout", {
  afterMillis: Schema.Number
}) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = true
  /** @since 0.1.0 */
  override get message() {
    return `lemlist did not answer within ${this.afterMillis} ms`
  }
}

/**
 * The connection failed. `connected: false` means it was never made (refused, DNS): the
 * request surely did nothing. `connected: true` means it broke after the request was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class Transport extends Schema.TaggedError<Transport>("@lemlist-effect/enrich/Transport")("Transport", {
  connected: Schema.Boolean,
  description: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  /** @since 0.1.0 */
  get mayHaveTakenEffect() {
    return this.connected
  }
  /** @since 0.1.0 */
  override get message() {
    return `connection to lemlist failed${this.connected ? " after sending" : " before sending"}: ${this.description}`
  }
}

/**
 * An answer whose body matched no documented variant. The request did reach lemlist.
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Schema.TaggedError<DecodeError>("@lemlist-effect/enrich/DecodeError")(
  "DecodeError",
  {
    status: Schema.Number,
    description: Schema.String
  }
) {
  /** @since 0.1.0 */
  readonly mayHaveTakenEffect = true
  /** @since 0.1.0 */
  override get message() {
    return `unexpected answer from lemlist (HTTP ${this.status}): ${this.description}`
  }
}

/**
 * Every error the client can fail with.
 *
 * @example
 * ```ts
 * import type { LemlistError } from "@lemlist-effect/enrich"
 *
 * const safeToResend = (error: LemlistError.LemlistError) => !error.mayHaveTakenEffect
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export type LemlistError =
  | BatchRejected
  | BadRequest
  | Unauthorized
  | BadTeam
  | NotFound
  | LeadConflict
  | HookConflict
  | RateLimited
  | InsufficientCredits
  | ServerError
  | Timeout
  | Transport
  | DecodeError

/**
 * The schema of every client error (for journals and logs).
 *
 * @since 0.1.0
 * @category schemas
 */
export const LemlistError = Schema.Union(
  BatchRejected,
  BadRequest,
  Unauthorized,
  BadTeam,
  NotFound,
  LeadConflict,
  HookConflict,
  RateLimited,
  InsufficientCredits,
  ServerError,
  Timeout,
  Transport,
  DecodeError
)

/**
 * Whether a value is one of the client's errors (and not, say, an error of a caller's hook).
 *
 * @example
 * ```ts
 * import { LemlistError } from "@lemlist-effect/enrich"
 *
 * LemlistError.isLemlistError(new LemlistError.RateLimited({ retryAfterMillis: 1000 })) // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isLemlistError: (u: unknown) => u is LemlistError = Schema.is(LemlistError)
