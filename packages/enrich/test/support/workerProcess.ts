/**
 * One worker of the multi-process run test (`Workers.processes.test.ts`): `Enrichment.run` over
 * the test's leads with the `worker` option, a PostgreSQL journal (the test's schema), the pacer
 * in Redis (the test's prefix), and a webhook receiver on a port of its own whose public URL is
 * the test's round-robin proxy (every worker has the same token, as replicas behind a load
 * balancer would).
 *
 * Prints `receiver <port>` once it listens, waits for a line on stdin (every worker starts at
 * once), then prints one JSON line: how many outcomes its stream gave, for how many distinct
 * keys, by tag.
 *
 * Usage: node --import tsx workerProcess.ts '<json config>'
 */
import { FetchHttpClient } from "@effect/platform"
import { type Duration, Effect, Layer, Redacted, Stream } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Enrichment, LemlistClient, RequestPacer, WebhookReceiver } from "../../src/index.js"
import { JournalPg } from "../../src/pg.js"
import { PacerStoreRedis } from "../../src/redis.js"
import { workerLeads } from "./workerLeads.js"

interface Config {
  readonly apiUrl: string
  readonly apiKey: string
  readonly databaseUrl: string
  readonly schema: string
  readonly redisUrl: string
  readonly prefix: string
  readonly leads: number
  readonly worker: string
  readonly lease: number
  readonly batchSize: number
  readonly token: string
  readonly publicUrl: string
  /** false: the pacer in this process's memory, blind to the other workers. */
  readonly sharedPacer: boolean
  /** The pacer's margin (a duration), or null for the library's default (50 ms). */
  readonly margin: string | null
}
const config: Config = JSON.parse(process.argv[2]!)

const go = Effect.async<void>((resume) => {
  process.stdin.once("data", () => resume(Effect.void))
})

const program = Effect.gen(function*() {
  const receiver = yield* WebhookReceiver.make({ publicUrl: config.publicUrl, token: config.token })
  const server = createServer(receiver.nodeListener)
  yield* Effect.acquireRelease(
    Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
    () => Effect.sync(() => server.close())
  )
  process.stdout.write(`receiver ${(server.address() as AddressInfo).port}\n`)
  yield* go
  const started = Date.now()
  const byTag: Record<string, number> = {}
  const keys = new Set<string>()
  let outcomes = 0
  yield* Enrichment.run(workerLeads(config.leads), {
    types: ["find_email"],
    batchSize: config.batchSize,
    creditCheck: "off",
    worker: { id: config.worker, lease: config.lease }
  }).pipe(
    Stream.runForEach((outcome) =>
      Effect.sync(() => {
        outcomes++
        keys.add(outcome.key)
        byTag[outcome._tag] = (byTag[outcome._tag] ?? 0) + 1
      })
    ),
    Effect.provide(Layer.succeed(WebhookReceiver.WebhookReceiver, receiver))
  )
  // The process's CPU (user + system, ms) from start to end: what a worker costs, printed by the test.
  const cpu = process.cpuUsage()
  const cpuMs = Math.round((cpu.user + cpu.system) / 1000)
  process.stdout.write(JSON.stringify({ outcomes, distinct: keys.size, byTag, millis: Date.now() - started, cpuMs }) + "\n")
}).pipe(Effect.scoped)

const Journal = JournalPg.layer({ url: Redacted.make(config.databaseUrl), schema: config.schema })
const pacing = config.margin === null ? {} : { margin: config.margin as Duration.DurationInput }
const Pacer = config.sharedPacer
  ? RequestPacer.layerFromStore(pacing).pipe(
    Layer.provide(PacerStoreRedis.layer({ url: config.redisUrl, prefix: config.prefix }))
  )
  : RequestPacer.layer(pacing)
const Client = LemlistClient.layer({ apiKey: Redacted.make(config.apiKey), baseUrl: config.apiUrl }).pipe(
  Layer.provide([FetchHttpClient.layer, Pacer])
)

Effect.runPromise(program.pipe(Effect.provide([Client, Journal]))).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error}\n`)
    process.exit(1)
  }
)
