/**
 * From `@effect/platform` client errors to `Transport`, deciding whether the connection was
 * ever made.
 *
 * @internal
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import { Transport } from "../LemlistError.js"

// Errors that can only happen before a byte of the request left: no connection, no effect.
const NEVER_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EAI_FAIL",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "EADDRNOTAVAIL",
  "ENETDOWN",
  "EHOSTDOWN",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_INVALID_URL",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID"
])

/**
 * The error codes found along a cause chain (`cause`, `AggregateError.errors`), bounded so a
 * cyclic chain cannot loop.
 *
 * @internal
 */
export const causeCodes = (cause: unknown): Array<string> => {
  const codes: Array<string> = []
  const seen = new Set<unknown>()
  const queue: Array<unknown> = [cause]
  while (queue.length > 0 && seen.size < 32) {
    const current = queue.shift()
    if (typeof current !== "object" || current === null || seen.has(current)) continue
    seen.add(current)
    const record = current as { code?: unknown; cause?: unknown; errors?: unknown }
    if (typeof record.code === "string") codes.push(record.code)
    if (record.cause !== undefined) queue.push(record.cause)
    if (Array.isArray(record.errors)) queue.push(...record.errors)
  }
  return codes
}

/** @internal */
export const neverConnected = (cause: unknown): boolean => causeCodes(cause).some((code) => NEVER_CONNECTED.has(code))

const describe = (cause: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = cause
  for (let i = 0; i < 4 && typeof current === "object" && current !== null; i++) {
    const message = (current as { message?: unknown }).message
    if (typeof message === "string" && message !== "" && !parts.includes(message)) parts.push(message)
    current = (current as { cause?: unknown }).cause
  }
  const codes = causeCodes(cause)
  return [parts.join(": ") || "transport error", codes.length > 0 ? `(${codes.join(", ")})` : ""].join(" ").trim()
}

/**
 * The request's own error is never kept as the cause: it holds the request, headers included.
 * Only the low-level cause is, which knows nothing of the key.
 *
 * @internal
 */
export const fromRequestError = (error: HttpClientError.RequestError): Transport => {
  if (error.reason !== "Transport") {
    // Encode / InvalidUrl: the request was never sent.
    return new Transport({
      connected: false,
      description: `request not sent (${error.reason})${error.description ? `: ${error.description}` : ""}`,
      ...(error.cause === undefined ? {} : { cause: error.cause })
    })
  }
  return new Transport({
    connected: !neverConnected(error.cause),
    description: describe(error.cause ?? error.description),
    ...(error.cause === undefined ? {} : { cause: error.cause })
  })
}

/** @internal */
export const fromResponseError = (error: HttpClientError.ResponseError): Transport =>
  new Transport({
    connected: true,
    description: `answer lost while reading it (HTTP ${error.response.status}): ${describe(error.cause ?? error.description)}`,
    ...(error.cause === undefined ? {} : { cause: error.cause })
  })
