/**
 * The Redis-backed services: `import { PacerStoreRedis } from "@lemlist-effect/enrich/redis"`.
 * A separate entry point, so that `ioredis` is needed only by apps that use it.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as PacerStoreRedis from "./PacerStoreRedis.js"
