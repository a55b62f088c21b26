/**
 * The contract suite's toolkit: a target (the mock, or any base URL), and the checks every
 * answer goes through (official OpenAPI extract, our schemas, rate-limit headers).
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Check from "./Check.js"
/** @since 0.1.0 */
export * as OpenApi from "./OpenApi.js"
/** @since 0.1.0 */
export * as Target from "./Target.js"
/** @since 0.1.0 */
export * as Secrets from "./Secrets.js"
/** @since 0.1.0 */
export * as Browser from "./Browser.js"
/** @since 0.1.0 */
export * as Processes from "./Processes.js"
