/**
 * What the command talks to: real lemlist (the key from `LEMLIST_API_KEY`, results by
 * polling unless a public webhook URL is given), or the mock embedded in the same process
 * (no key, or `--mock`), whose results come by webhook to the command's receiver, delivered
 * inside the process as the mock's answers are.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import { JournalError } from "@lemlist-effect/enrich/EnrichmentError"
import type * as Journal from "@lemlist-effect/enrich/Journal"
import * as LemlistClient from "@lemlist-effect/enrich/LemlistClient"
import * as RequestPacer from "@lemlist-effect/enrich/RequestPacer"
import { PacerStoreSqlite } from "@lemlist-effect/enrich/sqlite"
import * as WebhookReceiver from "@lemlist-effect/enrich/WebhookReceiver"
import { makeMockServer, type MockOptions, type MockServer, parseLatency as mockLatency } from "@lemlist-effect/mock-server"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { UsageError } from "./CliError.js"

/**
 * The key of the embedded mock's only team.
 *
 * @since 0.1.0
 * @category constants
 */
export const embeddedMockKey = "embedded-mock-key"

/**
 * The embedded mock's defaults: lemlist's real limit (20 requests per 2 s), results after
 * 0.2 to 3 s, 100,000 credits. It forgets an enrichment once its webhook is delivered: the
 * receiver answered after the journal recorded the outcome, and the mock lives only as long as
 * the command, so nothing reads it again; its memory stays flat however long the file.
 *
 * @since 0.1.0
 * @category constants
 */
export const embeddedMockDefaults: MockOptions = {
  apiKeys: [embeddedMockKey],
  seed: 42,
  latency: { minMs: 200, maxMs: 3000 },
  credits: 100_000,
  rateLimit: { enabled: true, limit: 20, windowMs: 2000 },
  webhooks: { forgetDelivered: true }
}

/**
 * The run's pacer, its store in the run's journal (the `SqlClient` given, tables `pacer_*`): a
 * rerun after a kill starts where the killed process stopped, so a restart does not trip
 * lemlist's limit. Clients built without their own `RequestPacer` take it from the context.
 * A failure of its tables is the journal file's failure.
 *
 * @example
 * ```ts
 * import * as Backend from "@lemlist-effect/cli/Backend"
 * import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
 * import { Layer } from "effect"
 *
 * const Live = Layer.merge(JournalSqlite.layerFromClient, Backend.pacer).pipe(
 *   Layer.provide(JournalSqlite.layerClient({ filename: "out.journal.sqlite" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const pacer: Layer.Layer<RequestPacer.RequestPacer, JournalError, SqlClient.SqlClient> = RequestPacer
  .layerFromStore().pipe(
    Layer.provide(PacerStoreSqlite.layer),
    Layer.mapError((e) => new JournalError({ operation: `pacer ${e.operation}`, cause: e.cause }))
  )

/**
 * Hooks for tests: options merged into the embedded mock's, or a mock to reuse (so that a
 * rerun sees the state of the interrupted run, as a rerun against lemlist would).
 *
 * @since 0.1.0
 * @category models
 */
export interface EmbeddedMockHooks {
  readonly options?: MockOptions | undefined
  readonly server?: MockServer | undefined
  /** The key the command sends to the embedded mock (default: the mock's first key). */
  readonly apiKey?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface BackendOptions {
  readonly mock: boolean
  readonly apiKey: Redacted.Redacted<string> | undefined
  readonly baseUrl: string | undefined
  readonly mockLatency: string | undefined
  readonly webhookUrl: string | undefined
  readonly webhookPort: number | undefined
  readonly hooks?: EmbeddedMockHooks | undefined
}

/**
 * How results come back.
 *
 * @since 0.1.0
 * @category models
 */
export type Collection = "webhooks" | "polling"

/**
 * @since 0.1.0
 * @category models
 */
export interface Backend {
  readonly kind: "mock" | "lemlist"
  readonly description: string
  readonly collection: Collection
  readonly client: Layer.Layer<LemlistClient.LemlistClient>
  /** The receiver, when results come by webhook (started when the run starts, after the journal). */
  readonly receiver: Layer.Layer<WebhookReceiver.WebhookReceiver, UsageError | JournalError, Journal.Journal> | undefined
}

/**
 * Parses `--mock-latency` with the mock's own syntax (`parseLatency` of the mock server): `500`
 * (fixed) or `200-3000` / `200..3000` (a range), in milliseconds.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseLatency = (text: string): Effect.Effect<MockOptions["latency"], UsageError> =>
  Effect.mapError(mockLatency(text), (detail) => new UsageError({ detail: `--mock-latency ${text}: ${detail}` }))

const receiverFailed = (port: number) => (e: unknown) =>
  new UsageError({
    detail: `cannot start the webhook receiver on port ${port}: ${String((e as Error)?.message ?? e)}` +
      (port === 0 ? "" : " (is the port in use? choose another with --webhook-port)")
  })

/**
 * The receiver behind `--webhook-url`: its token is kept in the run's journal, so that a rerun
 * after a kill listens at the same URL and gets the webhooks lemlist retried meanwhile.
 */
const receiverServer = (options: { port: number; publicUrl?: string | undefined }) =>
  WebhookReceiver.layerServerResumable(options).pipe(
    Layer.mapError((e) => e._tag === "JournalError" ? e : receiverFailed(options.port)(e))
  )

/** A mock given by a test's hooks delivers over loopback: the mock lives and dies with the process, so nothing to keep. */
const receiverLoopback = WebhookReceiver.layerServer({ port: 0 }).pipe(Layer.mapError(receiverFailed(0)))

/** Where the embedded mock's webhooks go: the receiver while the run lasts. */
interface InProcess {
  receive: WebhookReceiver.Service["receive"] | undefined
}

/**
 * The embedded mock's receiver, without a socket: the mock hands each webhook's body to the
 * receiver in the process, as the client calls the mock. No port to open, and neither HTTP nor
 * a `Request` between two ends of one process (docs/performance.md).
 */
const receiverInProcess = (target: InProcess) =>
  Layer.scoped(
    WebhookReceiver.WebhookReceiver,
    Effect.acquireRelease(
      Effect.tap(WebhookReceiver.make({ publicUrl: "http://localhost/lemlist-webhooks" }), (receiver) =>
        Effect.sync(() => {
          target.receive = receiver.receive
        })),
      () =>
        Effect.sync(() => {
          target.receive = undefined
        })
    )
  )

/** The mock's `webhooks.post` into `target`: refused, as by a closed port, when no run listens. */
const deliverTo = (target: InProcess) => (url: string, body: string): Promise<number> =>
  target.receive === undefined
    ? Promise.reject(new TypeError("fetch failed"))
    : target.receive({ path: url, body }).then((reply) => reply.status)

/**
 * Chooses and builds the backend.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: BackendOptions): Effect.Effect<Backend, UsageError> =>
  Effect.gen(function*() {
    const useMock = options.mock || options.apiKey === undefined
    if (!useMock) {
      const baseUrl = options.baseUrl ?? "https://api.lemlist.com/api"
      const client = LemlistClient.layer({ apiKey: options.apiKey!, baseUrl }).pipe(Layer.provide(FetchHttpClient.layer))
      const webhooks = options.webhookUrl !== undefined
      if (options.webhookPort !== undefined && !webhooks) {
        return yield* new UsageError({ detail: "--webhook-port needs --webhook-url (the public URL lemlist calls)" })
      }
      return {
        kind: "lemlist",
        description: baseUrl === "https://api.lemlist.com/api" ? "lemlist" : `lemlist API at ${baseUrl}`,
        collection: webhooks ? "webhooks" : "polling",
        client,
        receiver: webhooks ? receiverServer({ port: options.webhookPort ?? 8787, publicUrl: options.webhookUrl }) : undefined
      }
    }
    const latency = options.mockLatency === undefined ? undefined : yield* parseLatency(options.mockLatency)
    const target: InProcess = { receive: undefined }
    const mockOptions: MockOptions = {
      ...embeddedMockDefaults,
      ...(latency === undefined ? {} : { latency }),
      ...options.hooks?.options,
      webhooks: { ...embeddedMockDefaults.webhooks, ...options.hooks?.options?.webhooks, post: deliverTo(target) }
    }
    const apiKey = mockOptions.apiKeys?.[0] ?? embeddedMockKey
    const serverLayer = Layer.scoped(
      FetchHttpClient.Fetch,
      Effect.acquireRelease(
        Effect.sync(() => options.hooks?.server ?? makeMockServer(mockOptions)),
        (server) => options.hooks?.server ? Effect.void : Effect.promise(() => server.handle.close())
      ).pipe(Effect.map((server) => server.fetch as typeof globalThis.fetch))
    )
    const client = LemlistClient.layer({
      apiKey: Redacted.make(
        options.hooks?.apiKey ??
          (options.hooks?.server ? (options.hooks.server.handle.options().apiKeys[0] ?? apiKey) : apiKey)
      ),
      baseUrl: "http://lemlist-mock.internal/api"
    }).pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(serverLayer))
    return {
      kind: "mock",
      description: "the embedded lemlist mock (offline: fake results, no real credits)",
      collection: "webhooks",
      client,
      receiver: options.hooks?.server ? receiverLoopback : receiverInProcess(target)
    }
  })
