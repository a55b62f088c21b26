/**
 * The PostgreSQL-backed services: `import { JournalPg } from "@lemlist-effect/enrich/pg"`.
 * A separate entry point, so that `@effect/sql-pg` (and `pg`) are needed only by apps that use
 * it.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as JournalPg from "./JournalPg.js"
