/**
 * Test helpers for the client: a stub `fetch`, and a driver that moves the TestClock while
 * real promises (fetch, Hono) settle.
 */
import { FetchHttpClient } from "@effect/platform"
import { Chunk, Clock, Duration, Effect, Exit, Fiber, Layer, Option, Redacted, TestClock } from "effect"
import type { Scope } from "effect"
import { LemlistClient, RequestPacer } from "../src/index.js"

/** Lets pending promise callbacks and I/O callbacks run. */
export const flush = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/**
 * Runs `effect` to completion, moving the TestClock whenever every fiber is asleep: the
 * TestClock never moves by itself and `adjust` does not wait for real I/O (fetch, Hono), so
 * each round first lets pending I/O settle, then jumps to the next registered wake-up (at most
 * `maxStep` ahead, so that a timer registered by I/O still in flight is not skipped far).
 */
export const drive = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly maxStep?: Duration.DurationInput; readonly max?: Duration.DurationInput } = {}
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const maxStep = Duration.toMillis(options.maxStep ?? "100 millis")
    const max = Duration.toMillis(options.max ?? "30 minutes")
    const start = yield* Clock.currentTimeMillis
    const fiber = yield* Effect.fork(effect)
    for (let idle = 0; idle < 10_000;) {
      yield* flush
      yield* flush
      yield* flush
      if (Option.isSome(yield* Fiber.poll(fiber))) break
      const now = yield* Clock.currentTimeMillis
      if (now - start > max) break
      const sleeps = Chunk.toReadonlyArray(yield* TestClock.sleeps())
      if (sleeps.length === 0) {
        idle++ // only real I/O is pending
        continue
      }
      idle = 0
      yield* TestClock.adjust(Math.max(1, Math.min(maxStep, Math.min(...sleeps) - now)))
    }
    const exit = yield* Fiber.await(fiber)
    return yield* exit
  })

/** What a stub route may answer. */
export type StubAnswer =
  | Response
  | { readonly fault: "refused" | "dns" | "reset" | "hang" }

export interface Recorded {
  readonly method: string
  readonly url: URL
  readonly headers: Headers
  readonly body: string
}

/** A `fetch` that answers from `handler` and records every request. */
export const stubFetch = (handler: (req: Recorded, n: number) => StubAnswer | Promise<StubAnswer>) => {
  const requests: Array<Recorded> = []
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const recorded: Recorded = {
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      body: init?.body === undefined || init.body === null ? "" : await request.text()
    }
    requests.push(recorded)
    const answer = await handler(recorded, requests.length - 1)
    if (answer instanceof Response) return answer
    switch (answer.fault) {
      case "refused":
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })
        })
      case "dns":
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("getaddrinfo ENOTFOUND api.invalid"), { code: "ENOTFOUND" })
        })
      case "reset":
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET", cause: { code: "ECONNRESET" } })
        })
      case "hang":
        return new Promise<Response>((_, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))
        })
    }
  }) as typeof globalThis.fetch
  return { fetch, requests }
}

export const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "content-type": "text/plain", ...headers } })

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

export const apiKey = Redacted.make("test-key-0123456789")

/** A client over a stub fetch, with its own pacer. */
export const stubClient = (
  fetch: typeof globalThis.fetch,
  options: Partial<LemlistClient.Options> = {},
  pacing?: RequestPacer.Options
): Layer.Layer<LemlistClient.LemlistClient> =>
  LemlistClient.layer({ apiKey, baseUrl: "http://lemlist.test/api", ...options }).pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(Layer.succeed(FetchHttpClient.Fetch, fetch)),
    Layer.provide(RequestPacer.layer(pacing))
  )

/** Runs `f` with a stub client, driving the clock. */
export const withStub = <A, E>(
  handler: (req: Recorded, n: number) => StubAnswer | Promise<StubAnswer>,
  f: (client: LemlistClient.Service, requests: ReadonlyArray<Recorded>) => Effect.Effect<A, E, Scope.Scope>,
  options: Partial<LemlistClient.Options> = {}
): Effect.Effect<A, E, Scope.Scope> => {
  const stub = stubFetch(handler)
  return drive(
    Effect.flatMap(LemlistClient.LemlistClient, (client) => f(client, stub.requests)).pipe(
      Effect.provide(stubClient(stub.fetch, options))
    )
  )
}

export const exitOf = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.exit(effect)
export { Exit }
