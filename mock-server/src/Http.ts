/**
 * Small HTTP helpers shared by the routes: the Hono env, auth parsing, capped body reading,
 * query flags.
 *
 * @since 0.1.0
 */
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
 * Reads a body as text, refusing it as soon as it exceeds `max` bytes: first from
 * `Content-Length`, then while streaming, so an oversized body is never buffered whole.
 *
 * @since 0.1.0
 * @category utils
 */
export const readCapped = async (req: Request, max: number): Promise<{ readonly text: string } | "tooLarge"> => {
  const declared = req.headers.get("content-length")
  if (declared !== null && Number(declared) > max) return "tooLarge"
  if (req.body === null) return { text: "" }
  const reader = req.body.getReader()
  const chunks: Array<Uint8Array> = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => undefined)
      return "tooLarge"
    }
    chunks.push(value)
  }
  // Lenient about odd encodings: invalid UTF-8 becomes U+FFFD (then fails JSON parsing), a BOM is dropped.
  const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
  return { text: new TextDecoder("utf-8").decode(bytes) }
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
