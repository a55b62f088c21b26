/**
 * The program the library's crash tests kill: `Enrichment.run` over N synthetic leads against a
 * lemlist base URL, as an app would write it for resumable runs: a SQLite journal, the pacer's
 * store in the same file, and a webhook receiver whose endpoint is kept in the journal.
 *
 *   node --import tsx crashProgram.ts <baseUrl> <apiKey> <journal.sqlite> <leads>

 * Prints the receiver's URL once it listens, then one JSON line with the outcome counts.
 */
import { FetchHttpClient } from "@effect/platform"
import { Enrichment, type Lead, LemlistClient, RequestPacer, WebhookReceiver } from "@lemlist-effect/enrich"
import { JournalSqlite, PacerStoreSqlite } from "@lemlist-effect/enrich/sqlite"
import { Effect, Layer, Redacted, Stream } from "effect"

const [baseUrl, apiKey, filename, count] = process.argv.slice(2) as [string, string, string, string]

/** Lead i, the same in every run: its key (derived from the content) is stable. */
const leads: ReadonlyArray<Lead.Lead> = Array.from({ length: Number(count) }, (_, i) => ({
  input: { firstName: `First${i}`, lastName: `Last${i}`, companyName: `Crash Co ${i % 17}`, companyDomain: `crash${i % 17}.example` },
  metadata: i
}))

const Sql = JournalSqlite.layerClient({ filename })
const Journal = JournalSqlite.layerFromClient.pipe(Layer.provide(Sql))
const Pacer = RequestPacer.layerFromStore().pipe(Layer.provide(PacerStoreSqlite.layer), Layer.provide(Sql))
const Client = LemlistClient.layer({ apiKey: Redacted.make(apiKey), baseUrl }).pipe(
  Layer.provide([FetchHttpClient.layer, Pacer])
)
const Receiver = WebhookReceiver.layerServerResumable({ port: 0 }).pipe(Layer.provide(Journal))

const program = Effect.gen(function*() {
  const receiver = yield* WebhookReceiver.WebhookReceiver
  console.log(`receiver ${receiver.url}`)
  const counts: Record<string, number> = {}
  // A webhook grace of 10 s (2 minutes by default): a result whose webhook was answered by a
  // process killed before it recorded it (docs/webhooks-and-polling.md) is polled sooner.
  yield* Enrichment.run(leads, { types: ["find_email"], total: leads.length, polling: { webhookGrace: "10 seconds" } }).pipe(
    Stream.runForEach((outcome) => Effect.sync(() => void (counts[outcome._tag] = (counts[outcome._tag] ?? 0) + 1)))
  )
  console.log(JSON.stringify(counts))
})

Effect.runPromise(program.pipe(Effect.provide([Client, Journal, Receiver]))).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
