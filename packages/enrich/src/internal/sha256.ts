/**
 * SHA-256 of a text, once per lead on the hot paths (its key, the plan's fingerprint of it):
 * Node's one-shot `crypto.hash` (20.12 and later) costs a third of a `Hash` object's.
 *
 * @internal
 */
import * as crypto from "node:crypto"

const oneShot = typeof crypto.hash === "function"

/** @internal */
export const sha256Hex = (text: string): string =>
  oneShot ? crypto.hash("sha256", text, "hex") : crypto.createHash("sha256").update(text).digest("hex")

/** @internal */
export const sha256Bytes = (text: string): Buffer =>
  oneShot ? crypto.hash("sha256", text, "buffer") : crypto.createHash("sha256").update(text).digest()
