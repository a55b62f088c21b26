/**
 * Small HTTP helpers shared by the routes: the Hono env, auth parsing, the body limit,
 * query flags.
 *
 * @since 0.1.0
 */
import { Messages } from "@lemlist-effect/contract"
import type { Env, MiddlewareHandler } from "hono"
import { bodyLimit } from "hono/body-limit"
import type { Team } from "./State.js"

/**
 * The Hono env of lemlist routes: the caller's team, the request's clock time, and how many
 * enrichments the request created (for records and lost-answer stats).
 *
 * @since 0.1.0
 * @category models
 */
export type LemlistEnv = { Variables: { team: Team; now: number; created: number } }

/**
 * What the `Authorization` header says.
 *
 * @since 0.1.0
 * @category models
 */
export type Auth = { readonly _tag: "Missing" } | { readonly _tag: "Key"; readonly key: string } | { readonly _tag: "Malformed" }

/**
 * Parses `Authorization: Basic base64(":" + apiKey)` (lemlist's only scheme; docs/decisions.md #16).
 * Assumption (docs/decisions.md #16): the username is ignored, the password is the key; `Bearer`, a
 * header without a colon, or an empty key are malformed; the legacy `?access_token=` is not
 * supported.
 *
 * @since 0.1.0
 * @category utils
 */
export const parseAuth = (header: string | undefined): Auth => {
  if (header === undefined || header.trim() === "") return { _tag: "Missing" }
  const m = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header)
  if (!m) return { _tag: "Malformed" }
  const decoded = Buffer.from(m[1], "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon < 0) return { _tag: "Malformed" }
  const key = decoded.slice(colon + 1)
  return key.length === 0 ? { _tag: "Malformed" } : { _tag: "Key", key }
}

/**
 * Hono's `bodyLimit` with the mock's current `maxBodyBytes` (it may change with `setOptions`):
 * a body over it gets Express' 413 text, refused from `Content-Length` or while streaming, so
 * it is never buffered whole. Assumption (ours): lemlist's limit answers as Express does.
 *
 * @example
 * ```ts
 * import { cappedBody } from "@lemlist-effect/mock-server/Http"
 * import { Hono } from "hono"
 *
 * new Hono().post("/bulk", cappedBody(() => 1024), async (c) => c.text(await c.req.text()))
 * ```
 *
 * @since 0.1.0
 * @category middlewares
 */
export const cappedBody = <E extends Env>(maxBytes: () => number): MiddlewareHandler<E> => (c, next) => {
  // With a Content-Length (and no Transfer-Encoding) Hono's bodyLimit only compares the two;
  // doing it here without touching `c.req.raw.body` lets @hono/node-server read the body
  // straight from the socket later, instead of through a web ReadableStream.
  const headers = c.req.raw.headers
  const length = headers.get("content-length")
  if (length !== null && !headers.has("transfer-encoding")) {
    return parseInt(length || "0", 10) > maxBytes() ? Promise.resolve(c.text(Messages.payloadTooLarge, 413)) : next()
  }
  return bodyLimit({ maxSize: maxBytes(), onError: (c) => c.text(Messages.payloadTooLarge, 413) })(c, next)
}

/**
 * Parses JSON, or `undefined` when it is not JSON. Assumption (ours): a declared non-JSON
 * `Content-Type` counts as "not JSON", as Express' body parser would leave the body empty.
 *
 * @since 0.1.0
 * @category utils
 */
export const parseJson = (text: string, contentType: string | undefined): unknown => {
  if (contentType !== undefined && contentType !== "" && !/json/i.test(contentType)) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * A query flag: true only when exactly `"true"` (docs/decisions.md #17).
 *
 * @since 0.1.0
 * @category utils
 */
export const flag = (value: string | undefined): boolean => value === "true"
