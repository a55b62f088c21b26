/**
 * The library against the in-process mock: a client whose `fetch` is the mock's, a webhook
 * receiver the mock delivers to in-process, a fresh pacer and journal, all on the Effect clock
 * (so the TestClock drives lemlist's latency, webhooks and rate-limit windows too).
 */
import { FetchHttpClient } from "@effect/platform"
import { Journal, LemlistClient, RequestPacer, WebhookReceiver } from "@lemlist-effect/enrich"
import { effectClockWith, makeMockServer, type MockOptions } from "@lemlist-effect/mock-server"
import { Effect, Layer, Redacted } from "effect"

export interface MockEnvOptions {
  readonly apiKey?: string
  readonly mock?: MockOptions
  /** Collect by webhook (a receiver is provided) or by polling only. */
  readonly webhooks: boolean
  readonly pacing?: RequestPacer.Options
  readonly journal?: Layer.Layer<Journal.Journal, unknown>
}

export const mockEnv = (options: MockEnvOptions) =>
  Effect.gen(function*() {
    const apiKey = options.apiKey ?? "key-test"
    // A 50 ms grid: thousands of enrichments complete in a few clock wake-ups (see effectClockWith).
    const clock = yield* effectClockWith({ resolutionMs: 50 })
    const receiver = yield* WebhookReceiver.make({ publicUrl: "http://127.0.0.1:8787/hooks" })
    const server = makeMockServer({
      apiKeys: [apiKey],
      latency: 0,
      ...options.mock,
      clock,
      webhooks: {
        ...options.mock?.webhooks,
        fetch: ((input: RequestInfo | URL, init?: RequestInit) => receiver.handler(new Request(input, init))) as typeof fetch
      }
    })
    yield* Effect.addFinalizer(() => Effect.promise(() => server.handle.close()))
    const client = LemlistClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: "http://localhost/api" }).pipe(
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(Layer.succeed(FetchHttpClient.Fetch, server.fetch as typeof fetch)),
      Layer.provide(RequestPacer.layer(options.pacing))
    )
    const layer = Layer.mergeAll(
      client,
      options.journal ?? Journal.layerMemory,
      options.webhooks ? Layer.succeed(WebhookReceiver.WebhookReceiver, receiver) : Layer.empty
    )
    return { apiKey, server, receiver, layer }
  })
