/**
 * PostgreSQL and Redis for the tests that need them: `LEMLIST_TEST_DATABASE_URL` and
 * `LEMLIST_TEST_REDIS_URL` (`.ci/run` sets both and checks they answer). Unset, those tests are
 * skipped, and say so (never in CI). Each test uses names of its own (a run id, an API key) and
 * removes what it wrote: the schema, the pacer's keys.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { PgClient } from "@effect/sql-pg"
import * as RequestPacer from "@lemlist-effect/enrich/RequestPacer"
import { Effect, Redacted } from "effect"
import { Redis } from "ioredis"
import { randomUUID } from "node:crypto"
import * as net from "node:net"

export const databaseUrl: string | undefined = process.env.LEMLIST_TEST_DATABASE_URL || undefined
export const redisUrl: string | undefined = process.env.LEMLIST_TEST_REDIS_URL || undefined

/** For `describe.skipIf`: true (and says so) when the service's variable is not set. */
const skip = (variable: string, value: string | undefined, what: string): boolean => {
  if (value !== undefined) return false
  if (process.env.CI) throw new Error(`${what} cannot be skipped in CI: ${variable} is not set`)
  console.warn(`[${what} skipped] ${variable} is not set`)
  return true
}
export const noPostgres = (what: string) => skip("LEMLIST_TEST_DATABASE_URL", databaseUrl, what)
export const noRedis = (what: string) => skip("LEMLIST_TEST_REDIS_URL", redisUrl, what)

/** A name no other test, process or engineer uses (a run id: letters, digits, `-`). */
export const uniqueId = (prefix: string): string => `${prefix}-${process.pid}-${randomUUID().slice(0, 8)}`

/** Runs one statement against the test database. */
const sql = <A>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, f).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(databaseUrl!) })),
      Effect.scoped,
      Effect.orDie
    )
  )

export const schemaExists = (schema: string): Promise<boolean> =>
  sql((s) => s<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = ${schema}`)
    .then((rows) => rows[0]!.n > 0)

/** The leads a journal's schema holds, by state. */
export const journalStates = (schema: string): Promise<Record<string, number>> =>
  sql((s) => s<{ state: string; n: number }>`SELECT state, count(*)::int AS n FROM ${s(schema)}.leads GROUP BY state`)
    .then((rows) => Object.fromEntries(rows.map((r) => [r.state, r.n])))

export const dropSchema = (schema: string): Promise<void> =>
  sql((s) => s`DROP SCHEMA IF EXISTS ${s(schema)} CASCADE`).then(() => undefined)

/** The Redis keys the pacer's store keeps for an API key (default prefix), after a run. */
export const pacerKeys = async (apiKey: string): Promise<{ keys: Array<string>; starts: number }> => {
  const client = new Redis(redisUrl!, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await client.connect()
    const base = `lemlist-effect:pacer:{${RequestPacer.keyId(apiKey)}}`
    const keys = (await client.keys(`${base}*`)).sort()
    const starts = await client.zcard(`${base}:log`)
    return { keys, starts }
  } finally {
    client.disconnect()
  }
}

export const deletePacerKeys = async (apiKey: string): Promise<void> => {
  const client = new Redis(redisUrl!, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await client.connect()
    const keys = await client.keys(`lemlist-effect:pacer:{${RequestPacer.keyId(apiKey)}}*`)
    if (keys.length > 0) await client.del(...keys)
  } finally {
    client.disconnect()
  }
}

/** A loopback port nothing listens on (bound, then closed): connections to it are refused. */
export const deadPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
