/**
 * How the mock posts a webhook over a real socket: undici's `Agent` (the mock's own, keeping
 * connections alive per origin) with `dispatch` and a small handler that keeps the status and
 * discards the body. Node's global `fetch` is the same client under a WHATWG layer (Request,
 * Response, web streams, a signal per call) that cost about 0.3 ms of CPU per delivery, which
 * held the mock near 2,000 to 5,000 deliveries per second; `request` still built a response
 * stream and a promise per answer (about 75 against 45 µs per delivery).
 */
import { EventEmitter } from "node:events"
import { Agent, type Dispatcher, errors } from "undici"
import { unlessAborted } from "./abortable.js"

/**
 * Aborts one attempt (the timeout on the mock's clock). A plain `EventEmitter`: an
 * `AbortController` per delivery cost several microseconds more (the fetch path makes one).
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
  // Targets repeat (one webhookUrl per run, a few team hooks): parsed once each.
  const targets = new Map<string, { readonly origin: string; readonly path: string }>()
  const target = (url: string) => {
    let t = targets.get(url)
    if (t === undefined) {
      const u = new URL(url)
      t = { origin: u.origin, path: `${u.pathname}${u.search}` }
      if (targets.size >= 1000) targets.clear()
      targets.set(url, t)
    }
    return t
  }
  return {
    post: (url, body, cancel) =>
      new Promise<number>((resolve, reject) => {
        agent ??= new Agent()
        const { origin, path } = target(url)
        // `dispatch` with a handler of our own: no response stream, no promise per body.
        agent.dispatch({ origin, path, method: "POST", headers, body }, new Attempt(resolve, reject, cancel))
      }),
    close: () => {
      const a = agent
      agent = undefined
      targets.clear()
      void a?.destroy().catch(() => undefined)
    }
  }
}

/** One attempt's undici handler: the status once the answer has ended (its body discarded). */
class Attempt implements Dispatcher.DispatchHandler {
  private status = 0
  private settled = false
  private controller: Dispatcher.DispatchController | undefined
  constructor(
    private readonly resolve: (status: number) => void,
    private readonly reject: (error: Error) => void,
    private readonly cancel: Cancel
  ) {
    cancel.once("abort", this.onAbort)
  }
  private readonly onAbort = () => {
    const error = new errors.RequestAbortedError()
    // Not started yet (queued behind busy connections): it is aborted when it starts.
    this.controller?.abort(error)
    this.fail(error)
  }
  private fail(error: Error) {
    if (this.settled) return
    this.settled = true
    this.cancel.off("abort", this.onAbort)
    this.reject(error)
  }
  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.cancel.aborted) controller.abort(new errors.RequestAbortedError())
    else this.controller = controller
  }
  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode
  }
  onResponseData(): void {}
  onResponseEnd(): void {
    if (this.settled) return
    this.settled = true
    this.cancel.off("abort", this.onAbort)
    this.resolve(this.status)
  }
  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error)
  }
}

/**
 * Delivers without HTTP (the mock's `webhooks.post`): resolves with the status the receiver
 * answered; a rejection counts as a network error.
 */
export type DirectPost = (url: string, body: string) => Promise<number>

/** A direct poster under the mock's timeout: an attempt still pending when `cancel` fires fails as aborted. */
export const postDirect = (post: DirectPost): PostJson => (url, body, cancel) =>
  unlessAborted(post(url, body), (onAbort) => {
    cancel.once("abort", onAbort)
    return () => cancel.off("abort", onAbort)
  }, () => new errors.RequestAbortedError())

/** A poster over a `fetch` (an in-process receiver, or a replaced `globalThis.fetch`). */
export const postWithFetch = (f: typeof fetch): PostJson => async (url, body, cancel) => {
  const controller = new AbortController()
  cancel.once("abort", () => controller.abort())
  const res = await f(url, { method: "POST", headers, body, signal: controller.signal })
  await res.arrayBuffer().catch(() => undefined)
  return res.status
}
