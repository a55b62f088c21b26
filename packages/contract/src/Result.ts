/**
 * Enrichment results: the two wire forms (polling `GET /enrich/{id}` and webhook bodies, with
 * different keys: docs/decisions.md #8) and the one normalised form both decode into.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { EnrichmentInput, Metadata } from "./Bulk.js"
import * as EnrichmentType from "./EnrichmentType.js"
import { LinkedinProfile } from "./Profile.js"

/**
 * Email deliverability statuses (docs/decisions.md #12).
 *
 * @since 0.1.0
 * @category models
 */
export const VerifyStatus = Schema.Literal("deliverable", "risky", "undeliverable", "unknown")

/**
 * @since 0.1.0
 * @category models
 */
export type VerifyStatus = typeof VerifyStatus.Type

/**
 * A status as decoded by a tolerant client: a known status, or any future string.
 *
 * @since 0.1.0
 * @category models
 */
export const AnyVerifyStatus = Schema.Union(VerifyStatus, Schema.String)

// ---------------------------------------------------------------------------------------------
// Wire forms
// ---------------------------------------------------------------------------------------------

const notFound = Schema.optional(Schema.Boolean)

/**
 * `data` of a polling answer: `email` (find_email and verify merged), `phone`, `linkedin`.
 *
 * @since 0.1.0
 * @category wire
 */
export const PollingData = Schema.Struct({
  email: Schema.optional(Schema.Struct({ email: Schema.optional(Schema.String), status: Schema.optional(AnyVerifyStatus), notFound })),
  phone: Schema.optional(Schema.Struct({ phone: Schema.optional(Schema.String), notFound })),
  linkedin: Schema.optional(Schema.extend(LinkedinProfile, Schema.Struct({ notFound })))
})

/**
 * @since 0.1.0
 * @category wire
 */
export type PollingData = typeof PollingData.Type

/**
 * `data` of one webhook item: the documented workflow keys.
 *
 * @since 0.1.0
 * @category wire
 */
export const WebhookData = Schema.Struct({
  find_email: Schema.optional(Schema.Struct({ email: Schema.optional(Schema.String), status: Schema.optional(AnyVerifyStatus), notFound })),
  verify: Schema.optional(Schema.Struct({ status: AnyVerifyStatus })),
  find_phone: Schema.optional(Schema.Struct({ phone: Schema.optional(Schema.String), notFound })),
  linkedin_enrichment: Schema.optional(Schema.extend(LinkedinProfile, Schema.Struct({ notFound })))
})

/**
 * @since 0.1.0
 * @category wire
 */
export type WebhookData = typeof WebhookData.Type

/**
 * The failure of an enrichment that ended in `error` (docs/decisions.md #6).
 *
 * @since 0.1.0
 * @category wire
 */
export const EnrichmentFailure = Schema.Struct({ code: Schema.String, message: Schema.optional(Schema.String) })

/**
 * @since 0.1.0
 * @category wire
 */
export type EnrichmentFailure = typeof EnrichmentFailure.Type

/**
 * The body of `GET /enrich/{id}` (200 when finished, 202 while running). The status stays a
 * plain string so that a future status decodes; `Status.ts` in the library classifies it.
 *
 * @since 0.1.0
 * @category wire
 */
export const PollingAnswer = Schema.Struct({
  enrichmentId: Schema.String,
  enrichmentStatus: Schema.String,
  input: Schema.optional(EnrichmentInput),
  data: Schema.optional(PollingData),
  error: Schema.optional(EnrichmentFailure),
  metadata: Schema.optional(Metadata)
})

/**
 * @since 0.1.0
 * @category wire
 */
export type PollingAnswer = typeof PollingAnswer.Type

/**
 * Webhook event types for enrichments.
 *
 * @since 0.1.0
 * @category wire
 */
export const WebhookType = Schema.Literal("enrichmentDone", "enrichmentError")

/**
 * One enrichment in a webhook body.
 *
 * @since 0.1.0
 * @category wire
 */
export const WebhookItem = Schema.Struct({
  id: Schema.String,
  data: Schema.optional(WebhookData),
  error: Schema.optional(EnrichmentFailure),
  metadata: Schema.optional(Metadata)
})

/**
 * @since 0.1.0
 * @category wire
 */
export type WebhookItem = typeof WebhookItem.Type

/**
 * A webhook delivery: `{ type, data: [ { id, data, metadata? } ] }` (docs/decisions.md #11); team
 * hooks add the `secret` they were created with. `type` is a string for tolerance.
 *
 * @since 0.1.0
 * @category wire
 */
export const WebhookBody = Schema.Struct({
  type: Schema.String,
  data: Schema.Array(WebhookItem),
  secret: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category wire
 */
export type WebhookBody = typeof WebhookBody.Type

// ---------------------------------------------------------------------------------------------
// Normalised form
// ---------------------------------------------------------------------------------------------

/**
 * A found value, or lemlist's "not found".
 *
 * @since 0.1.0
 * @category models
 */
export type Found<A> = { readonly found: true; readonly value: A } | { readonly found: false }

/**
 * The result of one enrichment, whatever the channel that brought it: one entry per workflow
 * that ran.
 *
 * @since 0.1.0
 * @category models
 */
export interface EnrichmentResult {
  readonly find_email?: Found<{ readonly email: string; readonly status?: string | undefined }>
  readonly verify?: { readonly status: string }
  readonly find_phone?: Found<{ readonly phone: string }>
  readonly linkedin_enrichment?: Found<LinkedinProfile>
}

const FoundSchema = <A, I>(value: Schema.Schema<A, I>) =>
  Schema.Union(
    Schema.Struct({ found: Schema.Literal(true), value }),
    Schema.Struct({ found: Schema.Literal(false) })
  )

/**
 * The schema of a normalised result (how journals store it).
 *
 * @since 0.1.0
 * @category models
 */
export const EnrichmentResultSchema: Schema.Schema<EnrichmentResult> = Schema.Struct({
  find_email: Schema.optionalWith(
    FoundSchema(Schema.Struct({ email: Schema.String, status: Schema.optional(Schema.String) })),
    { exact: true }
  ),
  verify: Schema.optionalWith(Schema.Struct({ status: Schema.String }), { exact: true }),
  find_phone: Schema.optionalWith(FoundSchema(Schema.Struct({ phone: Schema.String })), { exact: true }),
  linkedin_enrichment: Schema.optionalWith(FoundSchema(LinkedinProfile), { exact: true })
})

const found = <A>(value: A | undefined, isNotFound: boolean | undefined): Found<A> =>
  value === undefined || isNotFound === true ? { found: false } : { found: true, value }

const stripNotFound = <A extends { readonly notFound?: boolean | undefined }>(a: A): Omit<A, "notFound"> => {
  const { notFound: _, ...rest } = a
  return rest
}

/**
 * Normalises webhook `data`.
 *
 * @since 0.1.0
 * @category normalise
 */
export const fromWebhookData = (data: WebhookData): EnrichmentResult => {
  const out: { -readonly [K in keyof EnrichmentResult]: EnrichmentResult[K] } = {}
  if (data.find_email) {
    const e = data.find_email
    out.find_email = found(e.email === undefined ? undefined : { email: e.email, ...statusOf(e.status) }, e.notFound)
  }
  if (data.verify) out.verify = { status: data.verify.status }
  if (data.find_phone) {
    const p = data.find_phone
    out.find_phone = found(p.phone === undefined ? undefined : { phone: p.phone }, p.notFound)
  }
  if (data.linkedin_enrichment) {
    const l = data.linkedin_enrichment
    out.linkedin_enrichment = l.notFound === true ? { found: false } : { found: true, value: stripNotFound(l) }
  }
  return out
}

/**
 * Normalises polling `data`. `find_email` and `verify` share the `email` key there, so the
 * requested workflows (when known) say which of them ran; without them, a `notFound` flag or
 * an `email` value means `find_email` ran and a `status` alone means `verify` ran.
 *
 * @since 0.1.0
 * @category normalise
 */
export const fromPollingData = (
  data: PollingData,
  types?: ReadonlyArray<EnrichmentType.EnrichmentType>
): EnrichmentResult => {
  const out: { -readonly [K in keyof EnrichmentResult]: EnrichmentResult[K] } = {}
  if (data.email) {
    const e = data.email
    const ranFind = types ? types.includes("find_email") : e.notFound !== undefined || e.email !== undefined
    const ranVerify = types ? types.includes("verify") : !ranFind && e.status !== undefined
    if (ranFind) out.find_email = found(e.email === undefined ? undefined : { email: e.email, ...statusOf(e.status) }, e.notFound)
    if (ranVerify && e.status !== undefined) out.verify = { status: e.status }
  }
  if (data.phone) {
    const p = data.phone
    out.find_phone = found(p.phone === undefined ? undefined : { phone: p.phone }, p.notFound)
  }
  if (data.linkedin) {
    const l = data.linkedin
    out.linkedin_enrichment = l.notFound === true ? { found: false } : { found: true, value: stripNotFound(l) }
  }
  return out
}

/**
 * Renders a result in webhook form (what the mock sends).
 *
 * @since 0.1.0
 * @category render
 */
export const toWebhookData = (result: EnrichmentResult): WebhookData => {
  const out: { -readonly [K in keyof WebhookData]: WebhookData[K] } = {}
  if (result.find_email) {
    out.find_email = result.find_email.found
      ? { email: result.find_email.value.email, ...statusOf(result.find_email.value.status) }
      : { notFound: true }
  }
  if (result.verify) out.verify = { status: result.verify.status }
  if (result.find_phone) {
    out.find_phone = result.find_phone.found ? { phone: result.find_phone.value.phone } : { notFound: true }
  }
  if (result.linkedin_enrichment) {
    out.linkedin_enrichment = result.linkedin_enrichment.found ? result.linkedin_enrichment.value : { notFound: true }
  }
  return out
}

const statusOf = (status: string | undefined) => (status === undefined ? {} : { status })

/**
 * Renders a result in polling form (what the mock answers on `GET /enrich/{id}`): `find_email`
 * and `verify` merged under `email`.
 *
 * @since 0.1.0
 * @category render
 */
export const toPollingData = (result: EnrichmentResult): PollingData => {
  const out: { -readonly [K in keyof PollingData]: PollingData[K] } = {}
  if (result.find_email || result.verify) {
    const status = result.find_email?.found ? result.find_email.value.status : result.verify?.status
    out.email = {
      ...(result.find_email?.found ? { email: result.find_email.value.email } : {}),
      ...statusOf(status ?? result.verify?.status),
      ...(result.find_email ? { notFound: !result.find_email.found } : {})
    }
  }
  if (result.find_phone) {
    out.phone = result.find_phone.found ? { phone: result.find_phone.value.phone, notFound: false } : { notFound: true }
  }
  if (result.linkedin_enrichment) {
    out.linkedin = result.linkedin_enrichment.found
      ? { ...result.linkedin_enrichment.value, notFound: false }
      : { notFound: true }
  }
  return out
}

/**
 * What a result costs (docs/decisions.md #13): `find_email` only for a deliverable or risky email,
 * `verify` always, `find_phone` and `linkedin_enrichment` only when found.
 *
 * @example
 * ```ts
 * import { Result } from "@lemlist-effect/contract"
 *
 * Result.creditCost({ find_email: { found: true, value: { email: "a@b.co", status: "risky" } } }) // 5
 * Result.creditCost({ find_phone: { found: false } }) // 0
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const creditCost = (
  result: EnrichmentResult,
  costs: EnrichmentType.CreditCosts = EnrichmentType.defaultCosts
): number => {
  let total = 0
  const email = result.find_email
  if (email?.found && (email.value.status === "deliverable" || email.value.status === "risky")) total += costs.find_email
  if (result.verify) total += costs.verify
  if (result.find_phone?.found) total += costs.find_phone
  // Assumption (docs/decisions.md #13): LinkedIn enrichment costs 1 and only when found.
  if (result.linkedin_enrichment?.found) total += costs.linkedin_enrichment
  return total
}
