/**
 * The exact `text/plain` bodies lemlist documents (and docs/decisions.md settles), so that the mock
 * answers them and the client recognises them.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category constants
 */
export const Messages = {
  unauthorized: "The authentication you supplied is incorrect",
  noApiKey: "No API key provided",
  userBlocked: "User linked to this API key is blocked",
  noUser: "No user found for this API key",
  badTeam: "Bad team",
  badRequest: "Bad request",
  noEnrichmentRequested: "No enrichment requested (findEmail, findPhone, linkedinEnrichment or verifyEmail required)",
  invalidWebhookUrl: "Invalid webhookUrl",
  enrichmentNotFound: "Enrichment not found",
  webhookNotFound: "Webhook not found",
  tooManyRequests: "Too many requests",
  methodNotAllowed: "Method not allowed",
  notFound: "Not found",
  leadNotFound: "Lead not found",
  contactNotFound: "Contact not found for this lead",
  alreadyEnriched: "Enrichment skipped: contact already has the requested data or was recently enriched",
  alreadyBeingEnriched: "lead is already being enriched",
  failedToEnrichLead: "Failed to enrich lead",
  // Ours (lemlist documents the 409s of POST /hooks but not their bodies).
  hookAlreadyExists: "A webhook with this targetUrl already exists",
  tooManyHooks: "Too many webhooks for this team",
  // Ours: Express' body-parser text for an oversized body.
  payloadTooLarge: "request entity too large"
} as const

/**
 * The rate-limit headers lemlist sends on every answer (lower-cased, as HTTP/2 and
 * `Headers` give them).
 *
 * @since 0.1.0
 * @category constants
 */
export const RateLimitHeaders = {
  retryAfter: "retry-after",
  limit: "x-ratelimit-limit",
  remaining: "x-ratelimit-remaining",
  reset: "x-ratelimit-reset"
} as const
