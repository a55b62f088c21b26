/**
 * One process of the Redis multi-process pacer test: builds a pacer with lemlist's limits over
 * the Redis store at `url` under `prefix` (or over its own memory store with `memory`), prints
 * `ready`, waits for a line on stdin (so that every process starts at once), takes `n` slots
 * for one key, all at once, and prints the times `take` returned (ms, wall clock: the store's
 * clock is Redis's `TIME` or this machine's, the same clock on one machine).
 *
 * Usage: node --import tsx pacerRedisProcess.ts <url|memory> <prefix> <n>
 */
import { Context, Effect, Layer } from "effect"
import { RequestPacer } from "../../src/index.js"
import { PacerStoreRedis } from "../../src/redis.js"

const [url, prefix, n] = [process.argv[2], process.argv[3], Number(process.argv[4])]

const store = url === "memory" ? RequestPacer.layerStoreMemory : PacerStoreRedis.layer({ url, prefix })

const go = Effect.async<void>((resume) => {
  process.stdin.once("data", () => resume(Effect.void))
})

const program = Effect.gen(function*() {
  const context = yield* Layer.build(RequestPacer.layerFromStore().pipe(Layer.provide(store)))
  const pacer = Context.get(context, RequestPacer.RequestPacer)
  process.stdout.write("ready\n")
  yield* go
  return yield* Effect.forEach(Array.from({ length: n }), () => pacer.take("shared-key"), { concurrency: "unbounded" })
}).pipe(Effect.scoped)

Effect.runPromise(program).then(
  (times) => {
    process.stdout.write(JSON.stringify(times) + "\n")
    process.exit(0)
  },
  (error) => {
    process.stderr.write(String(error) + "\n")
    process.exit(1)
  }
)
