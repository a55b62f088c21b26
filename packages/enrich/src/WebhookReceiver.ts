/**
 * Receives lemlist's enrichment webhooks. The receiver is a standard `Request → Response`
 * handler, so it mounts anywhere: Hono (`app.post("/hooks/*", (c) => receiver.handler(c.req.raw))`),
 * `@effect/platform` (`receiver.httpApp`), Express through an adapter; `layerServer` also
 * serves it on a port of its own.
 *
 * The `webhookUrl` sent to lemlist carries an unguessable token as its last path segment;
 * deliveries without it are refused. Bodies are size-capped and validated; deliveries are
 * idempotent (the first result of an id wins).
 *
 * @since 0.1.0
 */
import * as HttpApp from "@effect/platform/HttpApp"
import type { HttpServerError } from "@effect/platform/HttpServerError"
import { ServeError } from "@effect/platform/HttpServerError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as ResultHub from "./internal/resultHub.js"
import * as Handler from "./internal/webhookHandler.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The URL to give lemlist as `webhookUrl` (it ends with the token). */
  readonly url: string
  /** The web handler: mount it at the path of `url`. */
  readonly handler: (request: Request) => Promise<Response>
  /** The same handler as an `@effect/platform` app. */
  readonly httpApp: HttpApp.Default<HttpServerError>
  /** The same handler as a Node listener: `node:http`, or an Express route (before any body parser). */
  readonly nodeListener: (req: IncomingMessage, res: ServerResponse) => void
  /** Deliveries accepted and refused, and enrichment items received. */
  readonly counters: { readonly accepted: number; readonly refused: number; readonly items: number }
  /** @internal */
  readonly hub: ResultHub.ResultHub
}

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
  Effect.sync(() => {
    const token = options.token ?? randomBytes(24).toString("base64url")
    const receiver: Handler.Receiver = {
      token,
      hub: ResultHub.make(),
      counters: { accepted: 0, refused: 0, items: 0 },
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024
    }
    const handler = Handler.webHandler(receiver)
    return {
      url: `${options.publicUrl.replace(/\/+$/, "")}/${token}`,
      handler,
      httpApp: HttpApp.fromWebHandler(handler),
      nodeListener: Handler.nodeListener(receiver),
      counters: receiver.counters,
      hub: receiver.hub
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
 * A receiver served on its own HTTP server (`host` defaults to 127.0.0.1; `port` 0 picks a
 * free one). `publicUrl` is what lemlist must call: behind a tunnel or a reverse proxy, give
 * the public address; by default it is the local address itself (for the mock).
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
export const layerServer = (options: {
  readonly port: number
  readonly host?: string | undefined
  readonly publicUrl?: string | undefined
  readonly token?: string | undefined
  readonly maxBodyBytes?: number | undefined
}): Layer.Layer<WebhookReceiver, ServeError> =>
  Layer.scoped(
    WebhookReceiver,
    Effect.gen(function*() {
      const host = options.host ?? "127.0.0.1"
      // Plain node:http with the Node listener: a delivery costs a map lookup and a JSON parse,
      // where a web-request adapter would cost several times that.
      let listener: (req: IncomingMessage, res: ServerResponse) => void = (_, res) => res.writeHead(503).end()
      const server = createServer((req, res) => listener(req, res))
      yield* Effect.acquireRelease(
        Effect.async<void, ServeError>((resume) => {
          server.once("error", (cause) => resume(Effect.fail(new ServeError({ cause }))))
          server.listen(options.port, host, () => resume(Effect.void))
        }),
        () =>
          Effect.async<void>((resume) => {
            server.close(() => resume(Effect.void))
            server.closeAllConnections()
          })
      )
      const { port } = server.address() as AddressInfo
      const receiver = yield* make({
        publicUrl: options.publicUrl ?? `http://${host}:${port}/lemlist-webhooks`,
        token: options.token,
        maxBodyBytes: options.maxBodyBytes
      })
      listener = receiver.nodeListener
      return receiver
    })
  )
