/**
 * Seeded randomness: every random choice of the mock (ids, latencies, faults, results) comes
 * from here, so the same seed and the same requests give the same ids and results
 * (Assumption (docs/decisions.md #18)).
 *
 * @since 0.1.0
 */
import { Ids } from "@lemlist-effect/contract"

/**
 * A source of floats in [0, 1).
 *
 * @since 0.1.0
 * @category models
 */
export type Rng = () => number

/**
 * sfc32-like small fast generator seeded with one 32-bit integer (splitmix32 expands it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRng = (seed: number): Rng => {
  // splitmix32, four times, written out: no inner closure on this hot path (one rng per
  // workflow of every enrichment).
  let s = seed >>> 0
  s = (s + 0x9e3779b9) >>> 0
  const a0 = mix32(s)
  s = (s + 0x9e3779b9) >>> 0
  const b0 = mix32(s)
  s = (s + 0x9e3779b9) >>> 0
  const c0 = mix32(s)
  s = (s + 0x9e3779b9) >>> 0
  const d0 = mix32(s)
  let a = a0, b = b0, c = c0, d = d0
  return () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
}

/** splitmix32's output function. */
function mix32(x: number): number {
  let z = x
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/**
 * 32-bit FNV-1a of a string, mixed with a seed. Used to make results a pure function of
 * (seed, input).
 *
 * @since 0.1.0
 * @category utils
 */
export const hash = (text: string, seed = 0): number => hashPair("", text, seed)

/**
 * `hash(prefix + text, seed)` without building the concatenated string (results are drawn
 * per enrichment and workflow, so this runs hundreds of thousands of times a second).
 *
 * @example
 * ```ts
 * import { hash, hashPair } from "@lemlist-effect/mock-server/Random"
 *
 * hashPair("find_email", "ada|lovelace", 7) === hash("find_emailada|lovelace", 7) // true
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const hashPair = (prefix: string, text: string, seed = 0): number => {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < prefix.length; i++) {
    h ^= prefix.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  // final avalanche so nearby strings spread well
  h ^= h >>> 16
  h = Math.imul(h, 0x7feb352d)
  h ^= h >>> 15
  return h >>> 0
}

/**
 * An id such as `enr_7y2vszPS5F6C9qLEg`: the prefix, `_`, then 17 characters of
 * `[A-Za-z0-9]` drawn from `rng`.
 *
 * @example
 * ```ts
 * import { makeRng, makeId } from "@lemlist-effect/mock-server/Random"
 *
 * makeId("enr", makeRng(7)) // same string on every run
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeId = (prefix: string, rng: Rng): string => {
  // One flat string built at once (it becomes a Map key at once), not a chain of concatenations.
  let codes = idCodes.get(prefix)
  if (codes === undefined) {
    codes = [...Array.from(prefix, (ch) => ch.charCodeAt(0)), 95, ...new Array<number>(Ids.randomLength).fill(0)]
    idCodes.set(prefix, codes)
  }
  const start = prefix.length + 1
  for (let i = 0; i < Ids.randomLength; i++) codes[start + i] = alphabetCodes[(rng() * 62) | 0]
  return String.fromCharCode.apply(null, codes)
}

const alphabetCodes = Array.from(Ids.alphabet, (ch) => ch.charCodeAt(0))
// Per prefix: its codes, "_", then room for the random part (reused: ids are made one at a time).
const idCodes = new Map<string, Array<number>>()

/**
 * Picks an index from weights (need not sum to 1).
 *
 * @since 0.1.0
 * @category utils
 */
export const pickWeighted = (weights: ReadonlyArray<number>, r: number): number => {
  let total = 0
  for (const w of weights) total += Math.max(0, w)
  if (total <= 0) return weights.length - 1
  let x = r * total
  for (let i = 0; i < weights.length; i++) {
    x -= Math.max(0, weights[i])
    if (x < 0) return i
  }
  return weights.length - 1
}
