/**
 * The wire contract of lemlist's enrichment API, shared by the library and the mock.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Bulk from "./Bulk.js"
/** @since 0.1.0 */
export * as EnrichmentType from "./EnrichmentType.js"
/** @since 0.1.0 */
export * as ErrorCode from "./ErrorCode.js"
/** @since 0.1.0 */
export * as Ids from "./Ids.js"
/** @since 0.1.0 */
export * from "./Messages.js"
/** @since 0.1.0 */
export * as Profile from "./Profile.js"
/** @since 0.1.0 */
export * as Result from "./Result.js"
/** @since 0.1.0 */
export * as Team from "./Team.js"
/** @since 0.1.0 */
export * as Validation from "./Validation.js"
