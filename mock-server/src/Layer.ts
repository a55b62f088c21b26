/**
 * The mock as Effect layers, running on the Effect `Clock` (so `TestClock.adjust` drives
 * completion, webhook retries and rate-limit windows).
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { effectClock } from "./Clock.js"
import { makeMockServer, type MockServer } from "./MockServer.js"
import type { MockOptions } from "./Options.js"
import { listen, type ListenOptions } from "./Serve.js"

/**
 * A running mock: where to reach it and its admin handle.
 *
 * @since 0.1.0
 * @category tags
 */
export class MockServerHandle extends Context.Tag("@lemlist-effect/mock-server/MockServerHandle")<
  MockServerHandle,
  {
    /** A client's base URL: `http://127.0.0.1:PORT/api` (in-process: `http://lemlist.mock/api`). */
    readonly baseUrl: string
    /** The origin: `http://127.0.0.1:PORT` (admin API at `${origin}/__mock`). */
    readonly origin: string
    readonly server: MockServer
  }
>() {}

const withClock = (options: MockOptions) =>
  Effect.map(effectClock, (clock) => makeMockServer({ ...options, clock: options.clock ?? clock }))

/**
 * Serves the mock on a free loopback port for the layer's lifetime, on the Effect clock.
 *
 * @example
 * ```ts
 * import { it } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { MockServerHandle, layerServed } from "@lemlist-effect/mock-server"
 *
 * it.effect("talks to the mock over a socket", () =>
 *   Effect.gen(function*() {
 *     const { baseUrl, server } = yield* MockServerHandle
 *     // point the client at baseUrl; inspect server.handle.requests()
 *   }).pipe(Effect.provide(layerServed({ latency: 0 }))))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServed = (options: MockOptions & ListenOptions = {}): Layer.Layer<MockServerHandle> =>
  Layer.scoped(
    MockServerHandle,
    Effect.gen(function*() {
      const { port, host, ...rest } = options
      const server = yield* withClock(rest)
      const served = yield* Effect.acquireRelease(
        Effect.promise(() =>
          listen(server, { ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }) })
        ),
        (s) => Effect.promise(() => s.close())
      )
      return { baseUrl: served.apiUrl, origin: served.url, server }
    })
  )

/**
 * The mock in-process (no socket) on the Effect clock, plus `FetchHttpClient.Fetch` bound to
 * its `fetch` (connection faults included). Provide `FetchHttpClient.layer` on top to get an
 * `HttpClient`.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { layerInProcess } from "@lemlist-effect/mock-server"
 *
 * const TestHttp = FetchHttpClient.layer.pipe(Layer.provideMerge(layerInProcess({ latency: 0 })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerInProcess = (
  options: MockOptions = {}
): Layer.Layer<MockServerHandle | FetchHttpClient.Fetch> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const server = yield* withClock(options)
      yield* Effect.addFinalizer(() => Effect.promise(() => server.handle.close()))
      return Context.make(MockServerHandle, { baseUrl: "http://lemlist.mock/api", origin: "http://lemlist.mock", server }).pipe(
        Context.add(FetchHttpClient.Fetch, server.fetch as typeof globalThis.fetch)
      )
    })
  )
