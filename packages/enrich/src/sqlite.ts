/**
 * The SQLite-backed services: `import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"`.
 * A separate entry point, so that `@effect/sql-sqlite-node` (a native module) is needed only
 * by apps that use it.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as JournalSqlite from "./JournalSqlite.js"

/** @since 0.1.0 */
export * as PacerStoreSqlite from "./PacerStoreSqlite.js"
