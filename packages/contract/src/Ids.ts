/**
 * lemlist's id format: a prefix, an underscore and 17 mixed-case alphanumerics.
 *
 * @since 0.1.0
 */

/**
 * The alphabet of an id's random part.
 *
 * @since 0.1.0
 * @category constants
 */
export const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/**
 * Length of an id's random part.
 *
 * @since 0.1.0
 * @category constants
 */
export const randomLength = 17

/**
 * Whether a string is an id of the given prefix (`enr`, `lea`, `hoo`, `tea`).
 *
 * @example
 * ```ts
 * import { Ids } from "@lemlist-effect/contract"
 *
 * Ids.isId("enr", "enr_7y2vszPS5F6C9qLEg") // true
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isId = (prefix: string, u: unknown): u is string =>
  typeof u === "string" && new RegExp(`^${prefix}_[A-Za-z0-9]{${randomLength}}$`).test(u)
