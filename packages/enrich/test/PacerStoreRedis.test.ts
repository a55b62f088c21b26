/**
 * What only the Redis store does (its contract cases run in `RequestPacer.store.test.ts`):
 * Redis's own clock, its keys (prefixed, expiring once idle), its layers, and failing closed
 * when Redis is gone or stops answering. Runs when `LEMLIST_TEST_REDIS_URL` is set.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Config, ConfigProvider, Effect, Exit, Fiber, Layer, Option } from "effect"
import { RequestPacer } from "../src/index.js"
import { PacerStoreRedis } from "../src/redis.js"
import { deadPort, keysUnder, noRedis, redisUrl, relay, scopedClient, testPrefix } from "./support/redis.js"

const lemlist = { key: "k", interval: 100, limit: 20, window: 2000, margin: 25 }

/** A pacer over the store, for the rest of the test's scope (the store's connection with it). */
const pacerOver = <E>(store: Layer.Layer<RequestPacer.PacerStore, E>, options?: RequestPacer.Options) =>
  Effect.flatMap(Layer.build(store), (context) => Effect.provide(RequestPacer.makeFromStore(options), context))

/** The `PacerStoreError` a pacer's fiber died with, if it did. */
const storeDefect = <A>(exit: Exit.Exit<A, unknown>): RequestPacer.PacerStoreError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const defect = Option.getOrUndefined(Cause.dieOption(exit.cause))
  return defect instanceof RequestPacer.PacerStoreError ? defect : undefined
}

describe.skipIf(noRedis("PacerStoreRedis"))("PacerStoreRedis", () => {
  it.scoped("is timed by Redis's clock, not the caller's (the TestClock stays at 0)", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      const client = yield* scopedClient(prefix)
      const store = yield* PacerStoreRedis.make(client, { prefix })
      const [seconds, micros] = yield* Effect.promise(() => client.time())
      const before = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
      const r = yield* store.reserve(lemlist)
      assert.isAtLeast(r.now, before)
      assert.isBelow(r.now, before + 1000)
      assert.strictEqual(r.slot, r.now)
    }))

  it.scoped("keeps a key's state under the prefix, in one hash slot, expiring once idle", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      const client = yield* scopedClient(prefix)
      const store = yield* PacerStoreRedis.make(client, { prefix })
      const key = RequestPacer.keyId("an API key")
      for (let i = 0; i < 21; i++) yield* store.reserve({ ...lemlist, key })
      yield* store.rateLimited({ key, pause: 30_000, window: 2000, margin: 25, announcedLimit: 20 })
      assert.deepStrictEqual(yield* Effect.promise(() => keysUnder(client, prefix)), [
        `${prefix}{${key}}:log`,
        `${prefix}{${key}}:plan`,
        `${prefix}{${key}}:state`
      ])
      assert.strictEqual(yield* Effect.promise(() => client.zcard(`${prefix}{${key}}:log`)), 21)
      // Kept past the pause (30 s) plus the window and margin plus a minute of idleness; no longer.
      for (const suffix of ["log", "plan", "state"]) {
        const ttl = yield* Effect.promise(() => client.pttl(`${prefix}{${key}}:${suffix}`))
        assert.isAbove(ttl, 30_000 + 2_000 + 60_000 - 1_000)
        assert.isAtMost(ttl, 30_000 + 2_000 + 500 + 60_000)
      }
      const state = yield* Effect.promise(() => client.hgetall(`${prefix}{${key}}:state`))
      assert.strictEqual(state.limit, "20")
      assert.strictEqual(state.margin, "50")
      // Nothing about the API key itself is stored.
      assert.notInclude(JSON.stringify(state), "an API key")
    }))

  it.scoped("the layer connects with a URL, and layerConfig reads it from Config", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      yield* scopedClient(prefix) // deletes the prefix afterwards
      const viaLayer = yield* Effect.provide(
        Effect.flatMap(RequestPacer.PacerStore, (store) => store.reserve(lemlist)),
        PacerStoreRedis.layer({ url: redisUrl!, prefix })
      )
      const viaConfig = yield* Effect.provide(
        Effect.flatMap(RequestPacer.PacerStore, (store) => store.reserve(lemlist)),
        PacerStoreRedis.layerConfig({ url: Config.redacted("REDIS_URL"), prefix: Config.string("PREFIX") }).pipe(
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["REDIS_URL", redisUrl!], ["PREFIX", prefix]]))))
        )
      )
      // Two connections, one log: the second reservation is spaced after the first.
      assert.isAtLeast(viaConfig.slot, viaLayer.slot + 100)
    }))

  it.live("a Redis that refuses the connection fails the layer with a PacerStoreError, at once", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(deadPort)
      const started = Date.now()
      const error = yield* Effect.flip(
        Effect.provide(RequestPacer.PacerStore, PacerStoreRedis.layer({ port, host: "127.0.0.1", timeout: "1 second" }))
      )
      assert.strictEqual(error._tag, "PacerStoreError")
      assert.strictEqual(error.operation, "connect")
      assert.isBelow(Date.now() - started, 1500)
    }))

  it.scopedLive("Redis stops answering mid-run: take fails closed with a PacerStoreError after a bounded wait, no slot given; then resumes", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      const client = yield* scopedClient(prefix)
      const network = yield* relay()
      const pacer = yield* pacerOver(PacerStoreRedis.layer({ url: network.url, prefix, timeout: "300 millis" }))
      const key = "k"
      const before = yield* Effect.forEach(Array.from({ length: 3 }), () => pacer.take(key))
      assert.strictEqual(before.length, 3)

      network.freeze()
      const started = Date.now()
      const exit = yield* Effect.exit(pacer.take(key))
      const waited = Date.now() - started
      console.log(`Redis silent: take failed after ${waited} ms (timeout 300 ms, 5 attempts)`)
      const error = storeDefect(exit)
      assert.isDefined(error, `expected a PacerStoreError defect, got ${Exit.isSuccess(exit) ? "a slot" : Cause.pretty(exit.cause)}`)
      // 5 attempts of 300 ms (the pacer retries 4 times, 50 to 400 ms apart): about 2.25 s.
      assert.isAtLeast(waited, 5 * 300)
      assert.isBelow(waited, 5_000)
      // Nothing was booked while the relay held the commands: the log has the 3 starts before.
      assert.strictEqual(yield* Effect.promise(() => client.zcard(`${prefix}{${key}}:log`)), 3)

      // Redis is back: the held commands reach it late (each may book a slot nobody uses: only
      // slower, never over the limit), and the pacer gives slots again.
      network.thaw()
      const after = yield* pacer.take(key)
      assert.isAbove(after, before[2])
    }))

  it.scopedLive("a take that waits for its slot when Redis stops answering dies without leaving", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      yield* scopedClient(prefix)
      const network = yield* relay()
      const pacer = yield* pacerOver(PacerStoreRedis.layer({ url: network.url, prefix, timeout: "300 millis" }), {
        interval: "500 millis"
      })
      yield* pacer.take("k")
      // The second waits 500 ms for its slot; Redis goes silent meanwhile: its depart fails.
      const second = yield* Effect.fork(pacer.take("k"))
      yield* Effect.sleep("100 millis")
      network.freeze()
      const exit = yield* Fiber.await(second)
      assert.isDefined(storeDefect(exit))
      network.thaw()
    }))
})
