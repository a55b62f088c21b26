/**
 * lemlist bulk enrichment for Effect.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as LemlistClient from "./LemlistClient.js"
/** @since 0.1.0 */
export * as LemlistError from "./LemlistError.js"
/** @since 0.1.0 */
export * as RequestPacer from "./RequestPacer.js"
