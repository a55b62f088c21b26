/**
 * The lemlist client: requests, pacing, timeouts, retries by safety, spans and counters.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import { flow, identity } from "effect/Function"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type { ClientStats, Options, SendHooks, Service } from "../LemlistClient.js"
import * as E from "../LemlistError.js"
import * as RequestPacer from "../RequestPacer.js"
import { rateLimitInfo } from "./clientHeaders.js"
import * as Connections from "./connections.js"
import * as Metrics from "./metrics.js"
import * as RequestCount from "./requestCount.js"
import * as Response from "./clientResponse.js"
import { isTransient, retrySchedule, safeToResend } from "./clientRetry.js"
import { type Call, routes, type Safety } from "./clientRoutes.js"
import { fromRequestError, fromResponseError } from "./clientTransport.js"

/** @internal */
export const defaultBaseUrl = "https://api.lemlist.com/api"

/** @internal */
export const defaultTimeout: Duration.DurationInput = "30 seconds"

/** @internal */
export const defaultMaxRateLimitWait: Duration.DurationInput = "60 seconds"

/** @internal */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const baseUrl = (options.baseUrl ?? defaultBaseUrl).replace(/\/+$/, "")
    const key = RequestPacer.keyId(Redacted.value(options.apiKey))
    const pacer = yield* Option.match(yield* Effect.serviceOption(RequestPacer.RequestPacer), {
      onNone: () => RequestPacer.make(options.pacing), // a pacer of the client's own
      onSome: Effect.succeed
    })
    const timeout = Duration.decode(options.timeout ?? defaultTimeout)
    const timeoutMillis = Duration.toMillis(timeout)
    const schedules: Record<Safety, Schedule.Schedule<unknown, E.LemlistError>> = {
      idempotent: options.retry?.idempotent ?? retrySchedule(),
      nonIdempotent: options.retry?.nonIdempotent ?? retrySchedule()
    }
    const defaultRetryAfterMillis = Duration.toMillis(options.pacing?.defaultPause ?? "2 seconds")
    const maxRateLimitWaitMillis = Duration.toMillis(options.maxRateLimitWait ?? defaultMaxRateLimitWait)

    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(flow(
        HttpClientRequest.prependUrl(baseUrl),
        // lemlist wants Basic with an empty user; the key stays Redacted in the request.
        HttpClientRequest.basicAuth("", options.apiKey),
        HttpClientRequest.acceptJson
      )),
      // The platform's own http.client span keeps the failed request in its exit, Authorization
      // header included: our LemlistClient.* spans carry what is useful, with clean errors.
      HttpClient.withTracerDisabledWhen(() => true),
      options.transformClient ?? identity
    )

    const counters = { requests: 0, rateLimited: 0, retries: 0 }
    const connections = Connections.make()

    const mapHttpError = (error: HttpClientError.HttpClientError): E.LemlistError =>
      error._tag === "RequestError" ? fromRequestError(error) : fromResponseError(error)

    /** Sends one request (the slot is already taken) and reads its answer. */
    const exchange = <A>(call: Call<A>, startedAt: number): Effect.Effect<A, E.LemlistError> =>
      Effect.gen(function*() {
        counters.requests++
        const run = yield* FiberRef.get(RequestCount.current)
        if (run !== undefined) run.requests++
        const sentAt = yield* Clock.currentTimeMillis
        const coldStart = connections.start(sentAt)
        const [response, text] = yield* client.execute(call.request).pipe(
          Effect.flatMap((response) => Effect.map(response.text, (text) => [response, text] as const)),
          Effect.mapError(mapHttpError),
          // The timeout covers sending and reading, not the wait for a slot.
          Effect.timeoutFail({ duration: timeout, onTimeout: () => new E.Timeout({ afterMillis: timeoutMillis }) }),
          Effect.tapError(() => Metrics.request(call.route, undefined)),
          Effect.onExit((exit) =>
            Effect.clockWith((clock) =>
              Effect.sync(() => connections.end(clock.unsafeCurrentTimeMillis(), Exit.isSuccess(exit)))
            )
          )
        )
        yield* Metrics.request(call.route, response.status)
        const now = yield* Clock.currentTimeMillis
        const info = rateLimitInfo(response.headers, now)
        yield* pacer.observe(key, {
          startedAt,
          status: response.status,
          limit: info.limit,
          remaining: info.remaining,
          retryAfterMillis: info.retryAfterMillis,
          coldStart,
          sentAt
        })
        if (response.status === 429) {
          counters.rateLimited++
          if (run !== undefined) run.rateLimited++
        }
        yield* Effect.annotateCurrentSpan("http.response.status_code", response.status)
        const body = Response.parseBody(text)
        if (Response.isSuccess(response.status)) return yield* call.decode(response.status, body)
        return yield* Effect.fail(Response.failure({
          route: call.route,
          id: call.id,
          retryAfterMillis: info.retryAfterMillis,
          defaultRetryAfterMillis
        }, response.status, body))
      })

    /**
     * One attempt. A request that changes nothing is interruptible throughout. A request that
     * may spend credits is interruptible only while it waits for its slot: once `beforeSend`
     * has run, it is on the wire, and abandoning it would leave its fate unknown, so an
     * interrupt waits for the answer (or the timeout, which still cuts it: the exchange runs in
     * a fiber of its own).
     */
    const attempt = <A, H>(call: Call<A>, hooks: SendHooks<H> | undefined): Effect.Effect<A, E.LemlistError | H> =>
      call.safety === "idempotent"
        ? Effect.flatMap(pacer.take(key), (startedAt) => exchange(call, startedAt))
        : Effect.uninterruptible(Effect.gen(function*() {
          // `beforeSend` runs when the slot comes, and the start is booked when it ends.
          const leave = hooks && { prepare: hooks.beforeSend, undo: hooks.didNothing }
          const startedAt = yield* Effect.interruptible(pacer.take(key, leave))
          // A daemon, not a child: an interrupt signal reaches a fiber's children even while the
          // fiber itself is uninterruptible, and would abort the request mid-flight.
          return yield* Fiber.join(yield* Effect.forkDaemon(Effect.interruptible(exchange(call, startedAt))))
        }))

    /**
     * Attempts until success, or an error that may not be retried, or the schedule's end.
     * Waits are interruptible (nothing is in flight then); a request that surely did nothing
     * is reported through `didNothing` before any wait; a 429 asking for more than
     * `maxRateLimitWait` ends the call (a typed `RateLimited`, not a hang).
     */
    const run = <A, H = never>(call: Call<A>, hooks?: SendHooks<H>): Effect.Effect<A, E.LemlistError | H> =>
      Effect.gen(function*() {
        const retryable = call.safety === "idempotent" ? isTransient : safeToResend
        const driver = yield* Schedule.driver(schedules[call.safety])
        for (let attempts = 1;; attempts++) {
          if (attempts > 1) counters.retries++
          const result = yield* Effect.either(attempt(call, hooks))
          if (result._tag === "Right") {
            yield* Effect.annotateCurrentSpan("lemlist.attempts", attempts)
            return result.right
          }
          const error = result.left
          const fail = Effect.zipRight(Effect.annotateCurrentSpan("lemlist.attempts", attempts), Effect.fail(error))
          if (!E.isLemlistError(error)) return yield* fail
          if (hooks && safeToResend(error)) yield* hooks.didNothing
          if (!retryable(error)) return yield* fail
          if (error._tag === "RateLimited" && error.retryAfterMillis > maxRateLimitWaitMillis) return yield* fail
          const next = yield* Effect.either(Effect.interruptible(driver.next(error)))
          if (next._tag === "Left") return yield* fail
        }
      }).pipe(
        Effect.withSpan(`LemlistClient.${call.route}`, {
          kind: "client",
          attributes: { "http.request.method": call.request.method, ...call.attributes }
        })
      )

    const service: Service = {
      ...routes(run),
      stats: Effect.sync((): ClientStats => ({ ...counters }))
    }
    return service
  })
