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
  let s = seed >>> 0
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split(), b = split(), c = split(), d = split()
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

/**
 * 32-bit FNV-1a of a string, mixed with a seed. Used to make results a pure function of
 * (seed, input).
 *
 * @since 0.1.0
 * @category utils
 */
export const hash = (text: string, seed = 0): number => {
  let h = (0x811c9dc5 ^ seed) >>> 0
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
  let out = prefix + "_"
  for (let i = 0; i < Ids.randomLength; i++) out += Ids.alphabet[(rng() * 62) | 0]
  return out
}

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
