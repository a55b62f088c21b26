/**
 * Receives lemlist's enrichment webhooks. The receiver is a standard `Request → Response`
 * handler, so it mounts anywhere: Hono (`app.post("/hooks/*", (c) => receiver.handler(c.req.raw))`),
 * `@effect/platform` (`receiver.httpApp`), Express through an adapter; `layerServer` also
 * serves it on a port of its own.
 *
 * The `webhookUrl` sent to lemlist carries an unguessable token as its last path segment;
 * deliveries without it are refused. Bodies are size-capped and validated; deliveries are
 * idempotent (the first result of an id wins). Results reach runs through `subscribe`.
 *
 * @since 0.1.0
 */
import * as HttpApp from "@effect/platform/HttpApp"
import type { HttpServerError } from "@effect/platform/HttpServerError"
import { ServeError } from "@effect/platform/HttpServerError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { JournalError } from "./EnrichmentError.js"
import * as Deliveries from "./internal/deliveries.js"
import { Journal } from "./Journal.js"
import * as Handler from "./internal/webhookHandler.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The URL to give lemlist as `webhookUrl` (it ends with the token). */
  readonly url: string
  /**
   * The URL outlives this process (fixed token, and a fixed or journaled port): a resumed run
   * can expect lemlist's retries of webhooks sent while it was down, so it polls its leads
   * still awaiting results only after the usual grace, instead of at once.
   */
  readonly stable: boolean
  /** The web handler: mount it at the path of `url`. */
  readonly handler: (request: Request) => Promise<Response>
  /** The same handler as an `@effect/platform` app. */
  readonly httpApp: HttpApp.Default<HttpServerError>
  /** The same handler as a Node listener: `node:http`, or an Express route (before any body parser). */
  readonly nodeListener: (req: IncomingMessage, res: ServerResponse) => void
  /**
   * The same handler as a plain call, for a host that is neither a Fetch-API server nor
   * `node:http` (a serverless function's event) and for a lemlist mock in the same process:
   * no `Request` to build, which costs more than the work itself. See {@link Incoming}.
   */
  readonly receive: (incoming: Incoming) => Promise<Reply>
  /** Deliveries accepted and refused, and enrichment items received. */
  readonly counters: { readonly accepted: number; readonly refused: number; readonly items: number }
  /**
   * The results received from now on, while the scope lasts, as `PubSub.subscribe` gives them
   * (`Enrichment.run` subscribes for the length of a run; `Stream.fromQueue` makes a stream of
   * it). Each result is published once (lemlist's retries and duplicates are answered with it);
   * lemlist's call is answered 200 once a subscriber has recorded it, or every subscriber has let
   * it pass, and 503 when every subscriber let it pass or asked for it again (`retry`) and one
   * asked: lemlist then sends it again. A subscription that closes with results still queued
   * lets them pass when its scope succeeded, and asks for them again otherwise. Results that
   * came while nobody subscribed go to the next subscriber.
   */
  readonly subscribe: Effect.Effect<Queue.Dequeue<Received>, never, Scope.Scope>
}

/**
 * A delivery given to {@link Service.receive} whole: `path` is the path it was made to (or the
 * whole URL: its last segment is the token); `method` defaults to `POST` and `contentType` to
 * `application/json`; `body` is the raw JSON, as a string or bytes (UTF-8).
 *
 * @example
 * ```ts
 * import { WebhookReceiver } from "@lemlist-effect/enrich"
 * import { Effect } from "effect"
 *
 * // A serverless function's event, handed to the receiver as it came.
 * const onEvent = (receiver: WebhookReceiver.Service) => (event: { rawPath: string; body: string }) =>
 *   receiver.receive({ path: event.rawPath, body: event.body })
 *     .then((reply) => ({ statusCode: reply.status, body: reply.body }))
 *
 * const program = Effect.map(WebhookReceiver.make({ publicUrl: "https://hooks.example.com/lemlist" }), onEvent)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Incoming = Handler.Incoming

/**
 * What {@link Service.receive} answers: the status and JSON body the handler would have sent
 * (200 once the delivery's results are recorded; 400, 401, 405, 413 or 415 when refused; 503
 * when the run that awaited a result stopped before recording it: lemlist sends it again).
 *
 * @since 0.1.0
 * @category models
 */
export type Reply = Handler.Answer

/**
 * A result as a subscriber of {@link Service.subscribe} sees it: call `recorded` once it is
 * safely stored (lemlist's call is answered then), `pass` (once) when it is not yours, or
 * `retry` (once, instead of `pass`) when it is yours but you stop before you can store it:
 * lemlist's call is then answered 503, unless another subscriber records it, and lemlist sends it
 * again.
 *
 * @example
 * ```ts
 * import { WebhookReceiver } from "@lemlist-effect/enrich"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const receiver = yield* WebhookReceiver.make({ publicUrl: "https://hooks.example.com/lemlist" })
 *   const results = yield* receiver.subscribe
 *   yield* Stream.fromQueue(results).pipe(
 *     Stream.runForEach((r) => Effect.sync(() => r.recorded())),
 *     Effect.forkScoped
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Received = Deliveries.Received

/**
 * The webhook receiver service. When it is provided, `Enrichment.run` collects results by
 * webhook (with polling as a safety net); without it, by polling.
 *
 * @since 0.1.0
 * @category tags
 */
export class WebhookReceiver extends Context.Tag("@lemlist-effect/enrich/WebhookReceiver")<WebhookReceiver, Service>() {}

/**
 * Options of a receiver.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The public base URL lemlist can reach, e.g. `https://hooks.example.com/lemlist`. */
  readonly publicUrl: string
  /** The token; a fresh 192-bit random one by default. */
  readonly token?: string | undefined
  /** Bodies larger than this are refused (413). Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** The URL outlives the process (see `Service.stable`). Default: a token was given. */
  readonly stable?: boolean | undefined
}

/**
 * Builds a receiver; mount its `handler` on your server at `publicUrl`.
 *
 * @example
 * ```ts
 * import { WebhookReceiver } from "@lemlist-effect/enrich"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const receiver = yield* WebhookReceiver.make({ publicUrl: "https://hooks.example.com/lemlist" })
 *   // app.post("/lemlist/:token", (c) => receiver.handler(c.req.raw))
 *   return receiver.url
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service> =>
  Effect.map(Deliveries.make(), (deliveries) => {
    const token = options.token ?? randomBytes(24).toString("base64url")
    const receiver: Handler.Receiver = {
      token,
      deliveries,
      counters: { accepted: 0, refused: 0, items: 0 },
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024
    }
    const handler = Handler.webHandler(receiver)
    return {
      url: `${options.publicUrl.replace(/\/+$/, "")}/${token}`,
      stable: options.stable ?? options.token !== undefined,
      handler,
      httpApp: HttpApp.fromWebHandler(handler),
      nodeListener: Handler.nodeListener(receiver),
      receive: Handler.receive(receiver),
      counters: receiver.counters,
      subscribe: receiver.deliveries.subscribe
    }
  })

/**
 * A receiver for a handler you mount yourself.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<WebhookReceiver> => Layer.effect(WebhookReceiver, make(options))

/**
 * Options of a receiver on its own HTTP server.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerOptions {
  /** The port; 0 picks a free one. */
  readonly port: number
  /** Default 127.0.0.1. */
  readonly host?: string | undefined
  /** What lemlist must call; by default the local address itself (for the mock). */
  readonly publicUrl?: string | undefined
  /** The token; a fresh 192-bit random one by default. */
  readonly token?: string | undefined
  /** Bodies larger than this are refused (413). Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined
}

/** Listens on `port` (0: a free one) with the Node listener; closed with the scope. */
const listen = (port: number, host: string) =>
  Effect.gen(function*() {
    // Plain node:http with the Node listener: a delivery costs a map lookup and a JSON parse,
    // where a web-request adapter would cost several times that.
    let listener: (req: IncomingMessage, res: ServerResponse) => void = (_, res) => res.writeHead(503).end()
    const server = createServer((req, res) => listener(req, res))
    yield* Effect.acquireRelease(
      Effect.async<void, ServeError>((resume) => {
        server.once("error", (cause) => resume(Effect.fail(new ServeError({ cause }))))
        server.listen(port, host, () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    return {
      port: (server.address() as AddressInfo).port,
      serve: (receiver: Service) => {
        listener = receiver.nodeListener
      }
    }
  })

const serveAt = (options: ServerOptions, port: number, token: string | undefined, stable: boolean) =>
  Effect.gen(function*() {
    const host = options.host ?? "127.0.0.1"
    const server = yield* listen(port, host)
    const receiver = yield* make({
      publicUrl: options.publicUrl ?? `http://${host}:${server.port}/lemlist-webhooks`,
      token,
      maxBodyBytes: options.maxBodyBytes,
      stable
    })
    server.serve(receiver)
    return { receiver, port: server.port, token: receiver.url.slice(receiver.url.lastIndexOf("/") + 1) }
  })

/**
 * A receiver served on its own HTTP server (`host` defaults to 127.0.0.1; `port` 0 picks a
 * free one). `publicUrl` is what lemlist must call: behind a tunnel or a reverse proxy, give
 * the public address; by default it is the local address itself (for the mock).
 *
 * Its endpoint lives as long as the process: a restarted process listens elsewhere (unless
 * `port` and `token` are fixed), so lemlist's retries of webhooks sent while it was down are
 * lost and those results are polled. {@link layerServerResumable} keeps the endpoint across
 * restarts.
 *
 * @example
 * ```ts
 * import { WebhookReceiver } from "@lemlist-effect/enrich"
 *
 * const ReceiverLive = WebhookReceiver.layerServer({ port: 8787, publicUrl: "https://hooks.example.com" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServer = (options: ServerOptions): Layer.Layer<WebhookReceiver, ServeError> =>
  Layer.scoped(
    WebhookReceiver,
    Effect.map(
      serveAt(options, options.port, options.token, options.port !== 0 && options.token !== undefined),
      (s) => s.receiver
    )
  )

/** The journal's name for the receiver's endpoint. */
const endpointMeta = "webhookReceiver"
const Endpoint = Schema.parseJson(Schema.Struct({ port: Schema.Int, token: Schema.String }))

/**
 * A receiver on its own HTTP server whose endpoint (port and token, hence the webhook URL
 * lemlist was given) is kept in the run's journal and reused when the run resumes: webhooks
 * lemlist retries while the process is down reach the restarted one, instead of being lost to
 * polling. A `port` or `token` given in the options wins over the stored one. When the stored
 * port is taken by now, the receiver listens on a free one (with a warning): the deliveries
 * meant for the old port are then collected by polling.
 *
 * @example
 * ```ts
 * import { WebhookReceiver } from "@lemlist-effect/enrich"
 * import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
 * import { Layer } from "effect"
 *
 * const Journal = JournalSqlite.layer({ filename: "run.sqlite" })
 * const Receiver = WebhookReceiver.layerServerResumable({ port: 0 }).pipe(Layer.provide(Journal))
 * // provide [Receiver, Journal, Lemlist] to Enrichment.run: the same Journal layer is built once
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServerResumable = (
  options: ServerOptions
): Layer.Layer<WebhookReceiver, ServeError | JournalError, Journal> =>
  Layer.scoped(
    WebhookReceiver,
    Effect.gen(function*() {
      const journal = yield* Journal
      const stored = Option.flatMap(yield* journal.getMeta(endpointMeta), Schema.decodeOption(Endpoint))
      const port = options.port !== 0 ? options.port : Option.match(stored, { onNone: () => 0, onSome: (e) => e.port })
      const token = options.token ?? Option.getOrUndefined(Option.map(stored, (e) => e.token))
      const served = yield* serveAt(options, port, token, true).pipe(
        Effect.catchAll((error) =>
          port === options.port
            ? Effect.fail(error)
            : Effect.zipRight(
              Effect.logWarning(`webhook receiver: port ${port} of the earlier run is taken; listening on a new one`),
              serveAt(options, 0, token, false)
            )
        )
      )
      yield* journal.setMeta(endpointMeta, Schema.encodeSync(Endpoint)({ port: served.port, token: served.token }))
      return served.receiver
    })
  )
