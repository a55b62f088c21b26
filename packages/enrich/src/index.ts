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
/** @since 0.1.0 */
export * as Enrichment from "./Enrichment.js"
/** @since 0.1.0 */
export * as EnrichmentError from "./EnrichmentError.js"
/** @since 0.1.0 */
export * as EnrichmentMetrics from "./EnrichmentMetrics.js"
/** @since 0.1.0 */
export * as Journal from "./Journal.js"
/** @since 0.1.0 */
export * as Lead from "./Lead.js"
/** @since 0.1.0 */
export * as Outcome from "./Outcome.js"
/** @since 0.1.0 */
export * as Progress from "./Progress.js"
/** @since 0.1.0 */
export * as WebhookReceiver from "./WebhookReceiver.js"
