/**
 * The webhook receiver: token check, size cap, JSON and schema validation, then hand-over to
 * the runs that await results (`deliveries.ts`). The decision is framework-free (`screen`, then
 * `consume`); three thin adapters serve it: a web handler (`Request → Response`), a Node
 * listener (`(req, res)`) and a plain call (`receive`), the last two without building web
 * requests, which costs more than the work itself.
 *
 * @internal
 */
import { Result } from "@lemlist-effect/contract"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { timingSafeEqual } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Deliveries } from "./deliveries.js"
import type { Delivery } from "./outcomes.js"

const decodeBody = Schema.decodeUnknownEither(Result.WebhookBody)
const utf8 = new TextDecoder("utf-8", { fatal: true })

/** @internal */
export interface ReceiverCounters {
  accepted: number
  refused: number
  items: number
}

/** @internal */
export interface Receiver {
  readonly token: string
  readonly deliveries: Deliveries
  readonly maxBodyBytes: number
  readonly counters: ReceiverCounters
}

/** What a delivery looks like before its body is read. */
interface Envelope {
  readonly method: string
  readonly path: string
  readonly contentType: string
}

/** An answer: a status and a small JSON body. @internal */
export interface Answer {
  readonly status: number
  readonly body: string
}

/** A delivery handed over as plain values (`receive`). @internal */
export interface Incoming {
  /** Default `POST`; anything else is answered 405. */
  readonly method?: string | undefined
  /**
   * The request's path, or its whole URL (an in-process poster has only the URL): its last
   * segment is the token, a query string is ignored.
   */
  readonly path: string
  /** Default `application/json`; a type without `json` in it is answered 415. */
  readonly contentType?: string | undefined
  /** The raw body, as text or bytes; over `maxBodyBytes` (in bytes) it is answered 413. */
  readonly body: string | Uint8Array
}

const sameToken = (given: string, token: string) => {
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

const refuse = (receiver: Receiver, status: number, error: string): Answer => {
  receiver.counters.refused++
  return { status, body: JSON.stringify({ error }) }
}

const accepted: Answer = { status: 200, body: "{\"ok\":true}" }

const accept = (receiver: Receiver): Answer => {
  receiver.counters.accepted++
  return accepted
}

/** The run that awaited a result stopped before recording it: lemlist is to send it again. */
const sendAgain = (receiver: Receiver) =>
  refuse(receiver, 503, "the run stopped before recording this result: send it again")

const toDeliveries = (body: Result.WebhookBody): Array<Delivery> =>
  body.data.map((item) =>
    item.error !== undefined || body.type === "enrichmentError"
      ? {
        _tag: "Failed",
        id: item.id,
        code: item.error?.code ?? "UNKNOWN_ERROR",
        description: item.error?.message,
        metadata: item.metadata
      }
      : { _tag: "Done", id: item.id, result: Result.fromWebhookData(item.data ?? {}), metadata: item.metadata }
  )

/** Checks what can be checked before reading the body; `undefined` when it may be read. */
const screen = (receiver: Receiver, envelope: Envelope, declaredLength: number): Answer | undefined => {
  if (envelope.method !== "POST") return refuse(receiver, 405, "method not allowed")
  const segment = envelope.path.split("?")[0]!.split("/").filter((s) => s.length > 0).pop() ?? ""
  if (!sameToken(segment, receiver.token)) return refuse(receiver, 401, "unknown webhook token")
  if (!envelope.contentType.toLowerCase().includes("json")) return refuse(receiver, 415, "expected application/json")
  if (declaredLength > receiver.maxBodyBytes) return tooLarge(receiver)
  return undefined
}

const tooLarge = (receiver: Receiver) => refuse(receiver, 413, `body larger than ${receiver.maxBodyBytes} bytes`)

/**
 * Decodes a body read whole and publishes its results. The answer waits for the results to be
 * recorded by the run that awaits them: a 200 then means "safe", and a crash before it leaves
 * lemlist retrying.
 */
const consume = (receiver: Receiver, body: string | Uint8Array): Answer | Promise<Answer> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(typeof body === "string" ? body : utf8.decode(body))
  } catch {
    return refuse(receiver, 400, "body is not JSON")
  }
  const decoded = decodeBody(parsed)
  if (Either.isLeft(decoded)) return refuse(receiver, 400, "body is not an enrichment webhook")
  let recorded: Array<Promise<boolean>> | undefined
  for (const delivery of toDeliveries(decoded.right)) {
    receiver.counters.items++
    const pending = receiver.deliveries.publish(delivery)
    if (pending !== undefined) (recorded ??= []).push(pending)
  }
  if (recorded === undefined) return accept(receiver)
  return Promise.all(recorded).then((taken) => taken.every(Boolean) ? accept(receiver) : sendAgain(receiver))
}

/** The one body reader of both adapters: collects chunks until they pass `max` bytes. */
const cappedBody = (max: number) => {
  const parts: Array<Uint8Array> = []
  let size = 0
  return {
    /** False, and nothing kept, once the body is over the cap. */
    add: (chunk: Uint8Array): boolean => {
      size += chunk.byteLength
      if (size > max) {
        parts.length = 0
        return false
      }
      parts.push(chunk)
      return true
    },
    bytes: (): Uint8Array => Buffer.concat(parts)
  }
}

/** Reads at most `max` bytes of a web body; undefined when it is longer. */
const readWebBody = async (request: Request, max: number): Promise<Uint8Array | undefined> => {
  if (!request.body) return new Uint8Array()
  const reader = request.body.getReader()
  const body = cappedBody(max)
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return body.bytes()
    if (!body.add(value)) {
      await reader.cancel()
      return undefined
    }
  }
}

/** The receiver as a web handler (Hono, `@effect/platform`, any Fetch-API server). @internal */
export const webHandler = (receiver: Receiver) => async (request: Request): Promise<Response> => {
  const early = screen(receiver, {
    method: request.method,
    path: new URL(request.url).pathname,
    contentType: request.headers.get("content-type") ?? ""
  }, Number(request.headers.get("content-length") ?? "0"))
  const bytes = early === undefined ? await readWebBody(request, receiver.maxBodyBytes) : undefined
  const answer = early ?? (bytes === undefined ? tooLarge(receiver) : await consume(receiver, bytes))
  return new Response(answer.body, { status: answer.status, headers: { "content-type": "application/json" } })
}

/** The receiver as a Node listener (`node:http`, Express). @internal */
export const nodeListener = (receiver: Receiver) => (req: IncomingMessage, res: ServerResponse): void => {
  const reply = (answer: Answer, close = false) => {
    res.writeHead(answer.status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(answer.body),
      ...(close ? { connection: "close" } : {})
    })
    // An oversized body is not read to its end: close the connection once the answer is out.
    res.end(answer.body, close ? () => req.destroy() : undefined)
  }
  const early = screen(receiver, {
    method: req.method ?? "GET",
    path: req.url ?? "/",
    contentType: req.headers["content-type"] ?? ""
  }, Number(req.headers["content-length"] ?? "0"))
  if (early) return reply(early, early.status === 413)
  const body = cappedBody(receiver.maxBodyBytes)
  let refused = false
  req.on("data", (chunk: Buffer) => {
    if (refused || body.add(chunk)) return
    refused = true
    reply(tooLarge(receiver), true)
  })
  req.on("end", () => {
    if (refused) return
    const answer = consume(receiver, body.bytes())
    if (answer instanceof Promise) void answer.then((a) => reply(a))
    else reply(answer)
  })
  req.on("error", () => {
    if (!refused && !res.headersSent) reply(refuse(receiver, 400, "the body could not be read"), true)
  })
}

/** The bytes of a body given whole (`receive`): a string is measured only when it may be too long. */
const byteLength = (body: string | Uint8Array, max: number): number =>
  typeof body !== "string" ? body.byteLength : body.length * 3 <= max ? body.length : Buffer.byteLength(body)

/** The receiver as a plain call: a delivery given whole, without HTTP. @internal */
export const receive = (receiver: Receiver) => (incoming: Incoming): Promise<Answer> => {
  const size = byteLength(incoming.body, receiver.maxBodyBytes)
  const early = screen(receiver, {
    method: incoming.method ?? "POST",
    path: incoming.path,
    contentType: incoming.contentType ?? "application/json"
  }, size)
  return Promise.resolve(early ?? consume(receiver, incoming.body))
}
