/**
 * How the mock posts a webhook over a real socket: undici's `request` through an `Agent` of the
 * mock's own, which keeps connections alive per origin. Node's global `fetch` is the same
 * client under a WHATWG layer (Request, Response, web streams, a signal per call) that cost
 * about 0.4 ms of CPU per delivery, capping the mock near 2,000 to 5,000 deliveries per second.
 */
import { EventEmitter } from "node:events"
import { Agent, request } from "undici"

/**
 * Aborts one attempt (the timeout on the mock's clock). An `EventEmitter`, which undici takes
 * as a signal: an `AbortController` per delivery cost several microseconds more.
 */
export class Cancel extends EventEmitter {
  aborted = false
  abort(): void {
    if (this.aborted) return
    this.aborted = true
    this.emit("abort")
  }
}

/**
 * Posts `body` as JSON and resolves with the status once the answer's body is drained (the
 * connection is then free for the next delivery); rejects on a network error or on `cancel`.
 */
export type PostJson = (url: string, body: string, cancel: Cancel) => Promise<number>

/** Node's own `fetch`, as it was when the mock loaded: a replaced `globalThis.fetch` is honoured. */
export const nativeFetch: typeof fetch | undefined = globalThis.fetch

const headers = { "content-type": "application/json" } as const

/**
 * A poster with its own keep-alive agent, made on first use; `close` drops its connections
 * (idle ones never hold the process open: undici unrefs them).
 */
export const makeWebhookClient = (): { readonly post: PostJson; readonly close: () => void } => {
  let agent: Agent | undefined
  return {
    post: async (url, body, cancel) => {
      agent ??= new Agent()
      const res = await request(url, { method: "POST", headers, body, signal: cancel, dispatcher: agent })
      // Drained, not parsed: the answer's content never matters, only its status.
      await res.body.dump().catch(() => undefined)
      return res.statusCode
    },
    close: () => {
      const a = agent
      agent = undefined
      void a?.destroy().catch(() => undefined)
    }
  }
}

/** A poster over a `fetch` (an in-process receiver, or a replaced `globalThis.fetch`). */
export const postWithFetch = (f: typeof fetch): PostJson => async (url, body, cancel) => {
  const controller = new AbortController()
  cancel.once("abort", () => controller.abort())
  const res = await f(url, { method: "POST", headers, body, signal: controller.signal })
  await res.arrayBuffer().catch(() => undefined)
  return res.status
}
