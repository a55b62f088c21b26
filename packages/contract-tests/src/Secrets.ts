/**
 * Every form an API key could leak in: the key, a distinctive fragment, the Basic header
 * forms lemlist's auth produces (`base64(":" + key)`, with and without padding), its base64
 * alone, and URL-encoded. The security tests look for each one in every output.
 *
 * @since 0.1.0
 */

/**
 * @example
 * ```ts
 * import { secretForms } from "@lemlist-effect/contract-tests/Secrets"
 *
 * secretForms("sk-live-SECRET-123456").length // 6
 * ```
 *
 * @since 0.1.0
 */
export const secretForms = (key: string): ReadonlyArray<string> => [
  key,
  key.slice(-Math.min(13, key.length)),
  Buffer.from(`:${key}`).toString("base64"),
  Buffer.from(`:${key}`).toString("base64").replace(/=+$/, ""),
  Buffer.from(key).toString("base64").replace(/=+$/, ""),
  encodeURIComponent(key)
]
