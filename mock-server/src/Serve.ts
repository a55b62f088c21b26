/**
 * Serving the mock on a real socket with `@hono/node-server`.
 *
 * @since 0.1.0
 */
import { type HttpBindings, serve } from "@hono/node-server"
import type { AddressInfo } from "node:net"
import { connectionFaultHeader } from "./Faults.js"
import { makeMockServer, type MockServer } from "./MockServer.js"
import type { MockOptions } from "./Options.js"

/**
 * A served mock.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServedMock {
  /** `http://127.0.0.1:PORT` (admin API at `${url}/__mock`). */
  readonly url: string
  /** `http://127.0.0.1:PORT/api`: a client's base URL. */
  readonly apiUrl: string
  readonly port: number
  readonly server: MockServer
  /** Closes the socket (open connections included) and stops the mock's timers. */
  readonly close: () => Promise<void>
}

/**
 * Where to listen.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListenOptions {
  /** Default 0 (a free port). */
  readonly port?: number
  /** Default `127.0.0.1`. */
  readonly host?: string
}

/**
 * Serves an existing mock. Connection faults destroy the socket (a client sees a reset; a
 * refused connection also looks like a reset, since the socket was already accepted).
 *
 * @since 0.1.0
 * @category constructors
 */
export const listen = (server: MockServer, options: ListenOptions = {}): Promise<ServedMock> =>
  new Promise((resolve, reject) => {
    const host = options.host ?? "127.0.0.1"
    const node = serve({
      fetch: async (request, env) => {
        const res = await server.app.fetch(request, env)
        if (res.headers.get(connectionFaultHeader) !== null) {
          const { incoming } = env as HttpBindings
          incoming.socket.destroy()
          // The adapter writes into a destroyed socket, which it ignores.
          return new Response(null, { status: 204 })
        }
        return res
      },
      port: options.port ?? 0,
      hostname: host
    }, (info: AddressInfo) => {
      const shown = host.includes(":") ? `[${host}]` : host
      const url = `http://${shown === "0.0.0.0" ? "127.0.0.1" : shown}:${info.port}`
      resolve({
        url,
        apiUrl: `${url}/api`,
        port: info.port,
        server,
        close: () =>
          new Promise<void>((done) => {
            void server.handle.close()
            const s = node as import("node:http").Server
            s.closeAllConnections?.()
            s.close(() => done())
          })
      })
    })
    node.once("error", reject)
  })

/**
 * The line a served mock prints when ready: where the API, the admin API and the dashboard are.
 *
 * @example
 * ```ts
 * import { readyLine, serveMock } from "@lemlist-effect/mock-server"
 *
 * const served = await serveMock({ port: 0 })
 * process.stdout.write(readyLine(served))
 * // lemlist mock listening on http://127.0.0.1:PORT (API base URL …/api, admin …/__mock, dashboard …/__mock/ui)
 * await served.close()
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const readyLine = (served: Pick<ServedMock, "url" | "apiUrl">): string =>
  `lemlist mock listening on ${served.url} (API base URL ${served.apiUrl}, admin ${served.url}/__mock, dashboard ${served.url}/__mock/ui)\n`

/**
 * Builds and serves a mock: what `pnpm mock` and `lemlist-enrich mock` run.
 *
 * @example
 * ```ts
 * import { serveMock } from "@lemlist-effect/mock-server"
 *
 * const { apiUrl, close } = await serveMock({ port: 4010, seed: 7, latency: 0 })
 * // point a client at apiUrl, then
 * await close()
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const serveMock = (options: MockOptions & ListenOptions = {}): Promise<ServedMock> => {
  const { port, host, ...rest } = options
  return listen(makeMockServer(rest), {
    ...(port === undefined ? {} : { port }),
    ...(host === undefined ? {} : { host })
  })
}
