/**
 * Redis for the tests that need one: `LEMLIST_TEST_REDIS_URL` (`.ci/run` sets it and checks
 * that Redis answers, so CI never skips them). Every test writes under a prefix of its own and
 * deletes it afterwards (`SCAN` + `DEL`), leaving the server as it found it.
 */
import { Effect, Layer } from "effect"
import { Redis } from "ioredis"
import { randomUUID } from "node:crypto"
import * as net from "node:net"
import * as internal from "../../src/internal/pacerRedis.js"
import { RequestPacer } from "../../src/index.js"
import { PacerStoreRedis } from "../../src/redis.js"

/** @internal */
export const redisUrl: string | undefined = process.env.LEMLIST_TEST_REDIS_URL || undefined

/** For `describe.skipIf(noRedis)`; says once, per file, that the tests are skipped. */
export const noRedis = (what: string): boolean => {
  if (redisUrl === undefined) console.log(`${what}: skipped, LEMLIST_TEST_REDIS_URL is not set`)
  return redisUrl === undefined
}

/** A prefix no other test (or run, or engineer) uses. */
export const testPrefix = (): string => `lemlist-effect-test:${randomUUID().slice(0, 8)}:`

/** Deletes every key under `prefix`; how many it deleted. */
export const deletePrefix = async (client: Redis, prefix: string): Promise<number> => {
  let cursor = "0", deleted = 0
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500)
    cursor = next
    if (keys.length > 0) deleted += await client.del(...keys)
  } while (cursor !== "0")
  return deleted
}

/** The keys under `prefix`. */
export const keysUnder = async (client: Redis, prefix: string): Promise<Array<string>> => {
  let cursor = "0"
  const all: Array<string> = []
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500)
    cursor = next
    all.push(...keys)
  } while (cursor !== "0")
  return all.sort()
}

/** A connected client for the scope; on release, the prefix is deleted and the client closed. */
export const scopedClient = (prefix: string, url = redisUrl!) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Redis(url, { lazyConnect: true, commandTimeout: 5_000, maxRetriesPerRequest: 1 })
      await client.connect()
      return client
    }),
    (client) =>
      Effect.promise(async () => {
        await deletePrefix(client, prefix)
        await client.quit()
      })
  )

/**
 * The Redis store on the caller's clock (the `TestClock` in `it.effect`), under a fresh prefix
 * deleted when the layer's scope ends: the same scripts as in production, with "now" passed in
 * rather than read from `TIME`, so the contract cases can assert exact times.
 */
export const layerOnCallerClock: Layer.Layer<RequestPacer.PacerStore> = Layer.scoped(
  RequestPacer.PacerStore,
  Effect.suspend(() => {
    const prefix = testPrefix()
    return Effect.map(scopedClient(prefix), (client) => internal.make(client, { prefix, timeout: 5_000, clock: "caller" }))
  })
)

/** The production store (Redis's `TIME`) under a fresh prefix, deleted when the scope ends. */
export const layerOnRedisClock: Layer.Layer<RequestPacer.PacerStore> = Layer.scoped(
  RequestPacer.PacerStore,
  Effect.suspend(() => {
    const prefix = testPrefix()
    return Effect.flatMap(scopedClient(prefix), (client) => PacerStoreRedis.make(client, { prefix }))
  })
)

/**
 * A TCP relay in front of Redis that can stop answering, like a network partition: `freeze`
 * stops reading from both sides (what was sent waits in the kernel's buffers, nothing is lost),
 * `thaw` lets it through again. Closed with the scope.
 */
export const relay = (url = redisUrl!) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly freeze: () => void; readonly thaw: () => void; readonly server: net.Server; readonly sockets: Set<net.Socket> }>((resume) => {
      const target = new URL(url)
      const sockets = new Set<net.Socket>()
      let frozen = false
      const server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname)
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on("error", () => s.destroy())
          s.on("close", () => sockets.delete(s))
          if (frozen) s.pause()
        }
        // Forwarded by hand (not `pipe`, which resumes a paused source when its destination drains).
        client.on("data", (d) => upstream.write(d))
        upstream.on("data", (d) => client.write(d))
        client.on("close", () => upstream.destroy())
        upstream.on("close", () => client.destroy())
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo
        resume(Effect.succeed({
          url: `redis://127.0.0.1:${port}${target.pathname}`,
          server,
          sockets,
          freeze: () => {
            frozen = true
            for (const s of sockets) s.pause()
          },
          thaw: () => {
            frozen = false
            for (const s of sockets) s.resume()
          }
        }))
      })
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const s of sockets) s.destroy()
        server.close(() => resume(Effect.void))
      })
  )

/** A loopback port with nothing listening on it (bound, then closed). */
export const deadPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
