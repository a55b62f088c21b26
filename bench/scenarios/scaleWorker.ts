/**
 * One process of the `scale` scenario: a `LemlistClient` whose pacer keeps its state in Redis
 * (`PacerStoreRedis`), against the served mock. Prints `ready` once connected, waits for a line
 * on stdin (so that every process starts together), then calls `GET /team/credits` from 4
 * fibers for `seconds`, and emits how many answers it got and how many 429s it saw.
 *
 * Usage: node --import tsx bench/scenarios/scaleWorker.ts <apiUrl> <apiKey> <redisUrl> <prefix> <seconds>
 */
import { FetchHttpClient } from "@effect/platform"
import { LemlistClient, RequestPacer } from "@lemlist-effect/enrich"
import { PacerStoreRedis } from "@lemlist-effect/enrich/redis"
import { Context, Effect, Layer, Redacted } from "effect"
import { emitAndExit } from "../lib/common.js"

const [apiUrl, apiKey, redisUrl, prefix, seconds] = process.argv.slice(2)

const go = Effect.async<void>((resume) => {
  process.stdin.once("data", () => resume(Effect.void))
})

const program = Effect.gen(function*() {
  const context = yield* Layer.build(
    LemlistClient.layer({ apiKey: Redacted.make(apiKey!), baseUrl: apiUrl! }).pipe(
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(RequestPacer.layerFromStore().pipe(Layer.provide(PacerStoreRedis.layer({ url: redisUrl!, prefix: prefix! }))))
    )
  )
  const client = Context.get(context, LemlistClient.LemlistClient)
  process.stdout.write("ready\n")
  yield* go
  const deadline = Date.now() + Number(seconds) * 1000
  let answers = 0
  const fiber = Effect.gen(function*() {
    while (Date.now() < deadline) {
      yield* client.credits
      answers++
    }
  })
  yield* Effect.all(Array.from({ length: 4 }, () => fiber), { concurrency: "unbounded" })
  const stats = yield* client.stats
  return { answers, stats }
}).pipe(Effect.scoped)

void emitAndExit("scale worker", Effect.runPromise(program))
