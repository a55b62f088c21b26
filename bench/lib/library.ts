/**
 * One run of the library: `Enrichment.run` over a generator, against a served mock, results
 * by webhook to a `WebhookReceiver.layerServer` on loopback (or by polling).
 */
// The module, not the barrel: `@effect/platform`'s index loads every module of the package
// (about 60 MB of RSS under tsx), which the library itself never imports.
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Enrichment, Journal, LemlistClient, RequestPacer, WebhookReceiver } from "@lemlist-effect/enrich"
import { Effect, Layer, Redacted, Stream } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { leads } from "./leads.js"

export interface LibraryRun {
  readonly leads: number
  readonly outcomes: number
  readonly byTag: Record<string, number>
  readonly wallMs: number
  /** User + system CPU of this process during the run, in ms. */
  readonly cpuMs: number
  readonly requests: number
  readonly rateLimited: number
}

export interface LibraryRunOptions {
  readonly apiUrl: string
  readonly apiKey: string
  readonly n: number
  /** Start of the lead numbering (distinct leads across runs on one mock). */
  readonly offset?: number
  readonly webhooks?: boolean
  /**
   * How the receiver is served: `layerServer` (the library's own server, on
   * `@effect/platform`'s `NodeHttpServer`) or `mounted` (`WebhookReceiver.make` with its
   * `handler` mounted on a bare `node:http` server, as a user would mount it in their app).
   */
  readonly receiver?: "layerServer" | "mounted"
  /** Default: the library's (20 per 2 s, one per 100 ms). */
  readonly pacing?: RequestPacer.Options
  /** Default: memory. */
  readonly journal?: Layer.Layer<Journal.Journal, unknown>
  readonly enrichment?: Partial<Enrichment.Options>
  /** Called every second with the outcomes so far (progress, RSS sampling). */
  readonly onTick?: (outcomes: number) => void
}

export const limitOff: RequestPacer.Options = { interval: 0, limit: 1_000_000 }

/**
 * `WebhookReceiver.make` with its web handler mounted on a bare `node:http` server (port 0),
 * through the smallest Node-to-web adapter.
 */
export const mountedReceiver: Layer.Layer<WebhookReceiver.WebhookReceiver> = Layer.scoped(
  WebhookReceiver.WebhookReceiver,
  Effect.gen(function*() {
    let handler: ((request: Request) => Promise<Response>) | undefined
    const server = createServer((req, res) => {
      const parts: Array<Buffer> = []
      req.on("data", (b: Buffer) => parts.push(b))
      req.on("end", () => {
        const headers = new Headers()
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v)
        const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, { method: req.method ?? "GET", headers, body: req.method === "POST" ? Buffer.concat(parts) : null })
        void handler!(request).then(
          async (response) => {
            res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "text/plain" })
            res.end(Buffer.from(await response.arrayBuffer()))
          },
          () => res.writeHead(500).end()
        )
      })
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () => Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
    )
    const port = (server.address() as AddressInfo).port
    const receiver = yield* WebhookReceiver.make({ publicUrl: `http://127.0.0.1:${port}/lemlist-webhooks` })
    handler = receiver.handler
    return receiver
  })
)

export const runLibrary = async (o: LibraryRunOptions): Promise<LibraryRun> => {
  const client = LemlistClient.layer({ apiKey: Redacted.make(o.apiKey), baseUrl: o.apiUrl }).pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(RequestPacer.layer(o.pacing))
  )
  const layer = Layer.mergeAll(
    client,
    o.journal ?? Journal.layerMemory,
    o.webhooks === false ? Layer.empty : o.receiver === "mounted" ? mountedReceiver : WebhookReceiver.layerServer({ port: 0 })
  )
  const byTag: Record<string, number> = {}
  let outcomes = 0
  const program = Effect.gen(function*() {
    const lemlist = yield* LemlistClient.LemlistClient
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const ticker = o.onTick ? setInterval(() => o.onTick!(outcomes), 1000) : undefined
    yield* Enrichment.run(leads(o.n, o.offset ?? 0), { types: ["find_email"], creditCheck: "off", total: o.n, ...o.enrichment }).pipe(
      Stream.runForEach((outcome) =>
        Effect.sync(() => {
          outcomes++
          byTag[outcome._tag] = (byTag[outcome._tag] ?? 0) + 1
        })
      ),
      Effect.ensuring(Effect.sync(() => ticker && clearInterval(ticker)))
    )
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const stats = yield* lemlist.stats
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, requests: stats.requests, rateLimited: stats.rateLimited }
  })
  const r = await Effect.runPromise(Effect.scoped(program.pipe(Effect.provide(layer))))
  return { leads: o.n, outcomes, byTag, ...r }
}
