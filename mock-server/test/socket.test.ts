/**
 * The served mock over real loopback sockets: webhooks posted by the mock's own keep-alive
 * HTTP client (undici, when no `webhooks.fetch` is given), and the body limit read from
 * `Content-Length` or while streaming.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { makeManualClock, type MockOptions, serveMock, type ServedMock } from "../src/index.js"
import { auth } from "./helpers.js"

const opened: Array<{ close: () => Promise<void> }> = []
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close()
})

const served = async (options: MockOptions): Promise<ServedMock> => {
  const s = await serveMock({ latency: 0, rateLimit: { enabled: false }, ...options })
  opened.push(s)
  return s
}

/** A receiver on 127.0.0.1: `handle` answers (or not); every request and connection is counted. */
const receiver = async (handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) => {
  const requests: Array<{ headers: IncomingMessage["headers"]; body: string }> = []
  let connections = 0
  let waiting: { n: number; resolve: () => void } | undefined
  const server: Server = createServer((req, res) => {
    const parts: Array<Buffer> = []
    req.on("data", (b: Buffer) => parts.push(b))
    req.on("end", () => {
      const body = Buffer.concat(parts).toString("utf8")
      requests.push({ headers: req.headers, body })
      handle(req, body, res)
      if (waiting && requests.length >= waiting.n) waiting.resolve()
    })
  })
  server.on("connection", () => void connections++)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const r = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    requests,
    connections: () => connections,
    /** Resolves once `n` requests have arrived. */
    until: (n: number) => new Promise<void>((resolve) => (requests.length >= n ? resolve() : (waiting = { n, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  opened.push(r)
  return r
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ input: { email: `ada${i}@acme.com` }, enrichmentRequests: ["verify"] }))

const bulk = async (mock: ServedMock, body: string, query = "") => {
  const res = await fetch(`${mock.apiUrl}/v2/enrichments/bulk${query}`, { method: "POST", headers: auth(), body })
  return { status: res.status, text: await res.text() }
}

describe("served mock, real sockets", () => {
  it("delivers each webhook once, as JSON, over kept-alive connections", async () => {
    const hooks = await receiver((_req, _body, res) => void res.end("ok"))
    const mock = await served({ webhooks: { concurrency: 4 } })
    const answer = await bulk(mock, JSON.stringify(items(200)), `?webhookUrl=${encodeURIComponent(hooks.url)}`)
    expect(answer.status).toBe(200)
    await mock.server.handle.completeAll()
    const ids = (JSON.parse(answer.text) as Array<{ id: string }>).map((a) => a.id)
    expect(hooks.requests).toHaveLength(200)
    expect(hooks.requests.every((r) => r.headers["content-type"] === "application/json")).toBe(true)
    const delivered = hooks.requests.map((r) => JSON.parse(r.body) as { type: string; data: Array<{ id: string }> })
    expect(delivered.every((d) => d.type === "enrichmentDone" && d.data.length === 1)).toBe(true)
    expect(new Set(delivered.map((d) => d.data[0].id))).toEqual(new Set(ids))
    expect(mock.server.handle.deliveries().filter((d) => d.ok)).toHaveLength(200)
    // Connections are reused: far fewer than deliveries (4 in flight; undici may open a spare
    // when a connection is not yet released, so not exactly 4).
    expect(hooks.connections()).toBeLessThan(50)
  })

  it("a refused connection is a failed attempt with the network error, then retried", async () => {
    const closed = await receiver(() => undefined)
    await closed.close()
    const mock = await served({ webhooks: { retries: 0 } })
    await bulk(mock, JSON.stringify(items(1)), `?webhookUrl=${encodeURIComponent(closed.url)}`)
    await mock.server.handle.completeAll()
    expect(mock.server.handle.deliveries()).toMatchObject([{ status: null, ok: false, attempt: 1, error: expect.stringContaining("ECONNREFUSED") }])
  })

  it("an attempt without an answer within timeoutMs (on the mock's clock) is aborted", async () => {
    const clock = makeManualClock(1_000)
    const hooks = await receiver(() => undefined) // never answers
    const mock = await served({ clock, webhooks: { retries: 0, timeoutMs: 10_000 } })
    await bulk(mock, JSON.stringify(items(1)), `?webhookUrl=${encodeURIComponent(hooks.url)}`)
    await hooks.until(1)
    const flushed = mock.server.handle.completeAll()
    clock.advance(10_000)
    await flushed
    expect(mock.server.handle.deliveries()).toMatchObject([{ status: null, ok: false, error: "timeout after 10000 ms", durationMs: 10_000 }])
  })

  it("413 from Content-Length, and while streaming a body without one", async () => {
    const mock = await served({ maxBodyBytes: 1_000 })
    const big = JSON.stringify(items(40))
    expect(big.length).toBeGreaterThan(1_000)
    expect(await bulk(mock, big)).toEqual({ status: 413, text: "request entity too large" })
    const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(`${mock.apiUrl}/v2/enrichments/bulk`, { method: "POST", headers: { ...auth(), "transfer-encoding": "chunked" } }, (res) => {
        const parts: Array<Buffer> = []
        res.on("data", (b: Buffer) => parts.push(b))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString("utf8") }))
      })
      req.on("error", reject)
      for (let i = 0; i < big.length; i += 100) req.write(big.slice(i, i + 100))
      req.end()
    })
    expect(chunked).toEqual({ status: 413, text: "request entity too large" })
    // Under the limit, with a Content-Length: read and answered as usual.
    const small = await bulk(mock, JSON.stringify(items(3)))
    expect(small.status).toBe(200)
    expect(JSON.parse(small.text)).toHaveLength(3)
  })
})
