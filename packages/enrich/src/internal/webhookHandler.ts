/**
 * The webhook receiver as a plain web handler (`Request → Response`): token check, size cap,
 * JSON and schema validation, then hand-over to the result hub. It answers at once; the work
 * behind it is a map lookup.
 *
 * @internal
 */
import { Result } from "@lemlist-effect/contract"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { timingSafeEqual } from "node:crypto"
import type { Delivery, ResultHub } from "./resultHub.js"

const decodeBody = Schema.decodeUnknownEither(Result.WebhookBody)

/** @internal */
export interface ReceiverCounters {
  accepted: number
  refused: number
  items: number
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

const sameToken = (given: string, token: string) => {
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Reads at most `max` bytes of the body; undefined when it is longer. */
const readCapped = async (request: Request, max: number): Promise<Uint8Array | undefined> => {
  const declared = Number(request.headers.get("content-length") ?? "0")
  if (declared > max) return undefined
  if (!request.body) return new Uint8Array()
  const reader = request.body.getReader()
  const parts: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel()
      return undefined
    }
    parts.push(value)
  }
  return Buffer.concat(parts)
}

/** @internal */
export const toDeliveries = (body: Result.WebhookBody): Array<Delivery> =>
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

/** @internal */
export const make = (options: {
  readonly token: string
  readonly hub: ResultHub
  readonly maxBodyBytes: number
  readonly counters: ReceiverCounters
}) =>
async (request: Request): Promise<Response> => {
  const { counters, hub, maxBodyBytes, token } = options
  const refuse = (status: number, error: string) => {
    counters.refused++
    return json(status, { error })
  }
  if (request.method !== "POST") return refuse(405, "method not allowed")
  const segment = new URL(request.url).pathname.split("/").filter((s) => s.length > 0).pop() ?? ""
  if (!sameToken(segment, token)) return refuse(401, "unknown webhook token")
  const type = request.headers.get("content-type") ?? ""
  if (!type.toLowerCase().includes("json")) return refuse(415, "expected application/json")
  const bytes = await readCapped(request, maxBodyBytes)
  if (bytes === undefined) return refuse(413, `body larger than ${maxBodyBytes} bytes`)
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))
  } catch {
    return refuse(400, "body is not JSON")
  }
  const body = decodeBody(parsed)
  if (Either.isLeft(body)) return refuse(400, "body is not an enrichment webhook")
  for (const delivery of toDeliveries(body.right)) {
    counters.items++
    hub.deliver(delivery)
  }
  counters.accepted++
  return json(200, { ok: true })
}
