import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, TestClock } from "effect"
import { effectClock, makeMockServer, type MockOptions } from "../src/index.js"
import { auth, bulk, get, mock, post, settle, verifyItem } from "./helpers.js"

/** An in-process receiver answering with the statuses given, then 200. */
const receiver = (statuses: Array<number | "hang"> = []) => {
  const received: Array<{ url: string; body: any }> = []
  const fetch = (async (url: string, init: RequestInit) => {
    const next = statuses.shift() ?? 200
    if (next === "hang") {
      return new Promise<Response>((_, reject) => init.signal?.addEventListener("abort", () => reject(init.signal!.reason)))
    }
    received.push({ url: String(url), body: JSON.parse(String(init.body)) })
    return new Response("ok", { status: next })
  }) as unknown as typeof globalThis.fetch
  return { received, fetch }
}

const withHooks = (fetch: typeof globalThis.fetch, options: MockOptions = {}) =>
  Effect.map(effectClock, (clock) =>
    makeMockServer({ latency: 0, ...options, clock, webhooks: { ...options.webhooks, fetch } }))

const hookUrl = "http://127.0.0.1:9999/hook"

/** Virtual time moved on by each duration in turn, the mock's work settled after each. */
const step = (...durations: ReadonlyArray<Duration.DurationInput>) =>
  Effect.forEach(durations, (d) => Effect.zipRight(TestClock.adjust(d), settle()), { discard: true })

/** A receiver called without HTTP (`webhooks.post`): the statuses given, then 200; "hang" never answers, "reject" fails. */
const directReceiver = (statuses: Array<number | "hang" | "reject"> = []) => {
  const received: Array<{ url: string; body: any }> = []
  const post = (url: string, body: string): Promise<number> => {
    const next = statuses.shift() ?? 200
    if (next === "hang") return new Promise<number>(() => {})
    if (next === "reject") return Promise.reject(new TypeError("fetch failed"))
    received.push({ url, body: JSON.parse(body) })
    return Promise.resolve(next)
  }
  return { received, post }
}

describe("webhooks (docs/decisions.md #11)", () => {
  it.scoped("one POST per enrichment with { type, data: [{ id, data, metadata }] }", () =>
    Effect.gen(function*() {
      const r = receiver()
      const server = yield* withHooks(r.fetch, { results: { providerErrorRate: 0 } })
      const ids = (yield* bulk(server, [verifyItem("a@b.co", { row: 1 }), verifyItem("b@b.co")], { query: `?webhookUrl=${encodeURIComponent(hookUrl)}` })).json
      yield* settle()
      expect(r.received).toHaveLength(2)
      expect(r.received[0]).toEqual({
        url: hookUrl,
        body: { type: "enrichmentDone", data: [{ id: ids[0].id, data: { verify: { status: expect.any(String) } }, metadata: { row: 1 } }] }
      })
      expect("metadata" in r.received[1].body.data[0]).toBe(false)
      expect(server.handle.deliveries().map((d) => [d.status, d.attempt, d.ok])).toEqual([[200, 1, true], [200, 1, true]])
    }))

  it.scoped("errors are delivered as enrichmentError with error { code, message }", () =>
    Effect.gen(function*() {
      const r = receiver()
      const server = yield* withHooks(r.fetch, { results: { providerErrorRate: 1 } })
      yield* bulk(server, [verifyItem("a@b.co")], { query: `?webhookUrl=${hookUrl}` })
      yield* settle()
      expect(r.received[0].body).toMatchObject({ type: "enrichmentError", data: [{ error: { code: "PROVIDER_ERROR" } }] })
    }))

  it.scoped("team hooks receive matching events with their secret", () =>
    Effect.gen(function*() {
      const r = receiver()
      const server = yield* withHooks(r.fetch)
      yield* post(server, "/api/hooks", "test-key", { targetUrl: "http://127.0.0.1:1/all", secret: "s3cret" })
      yield* post(server, "/api/hooks", "test-key", { targetUrl: "http://127.0.0.1:1/errors", type: "enrichmentError" })
      yield* bulk(server, [verifyItem("a@b.co")])
      yield* settle()
      expect(r.received.map((x) => x.url)).toEqual(["http://127.0.0.1:1/all"])
      expect(r.received[0].body.secret).toBe("s3cret")
    }))

  it.scoped("retries exponentially on virtual time, then gives up", () =>
    Effect.gen(function*() {
      const r = receiver([500, 503, 404, 500, 500])
      const server = yield* withHooks(r.fetch, { webhooks: { retries: 3, baseDelayMs: 1000 } })
      yield* bulk(server, [verifyItem("a@b.co")], { query: `?webhookUrl=${hookUrl}` })
      yield* settle()
      expect(server.handle.deliveries()).toHaveLength(1)
      yield* step("999 millis")
      expect(server.handle.deliveries()).toHaveLength(1)
      yield* step("1 millis")
      expect(server.handle.deliveries()).toHaveLength(2)
      yield* step("2 seconds")
      expect(server.handle.deliveries()).toHaveLength(3)
      yield* step("4 seconds", "60 seconds")
      const ds = server.handle.deliveries()
      expect(ds.map((d) => [d.attempt, d.status])).toEqual([[1, 500], [2, 503], [3, 404], [4, 500]])
      expect(ds.map((d) => d.time - ds[0].time)).toEqual([0, 1000, 3000, 7000])
    }))

  it.scoped("an attempt without an answer within timeoutMs fails and is retried", () =>
    Effect.gen(function*() {
      const r = receiver(["hang"])
      const server = yield* withHooks(r.fetch, { webhooks: { timeoutMs: 10_000, baseDelayMs: 1000 } })
      yield* bulk(server, [verifyItem("a@b.co")], { query: `?webhookUrl=${hookUrl}` })
      yield* settle()
      yield* step("10 seconds")
      // durationMs: how long the attempt took on the mock's clock (the dashboard's latency).
      expect(server.handle.deliveries()[0]).toMatchObject({ status: null, ok: false, error: expect.stringContaining("timeout"), durationMs: 10_000 })
      yield* step("1 second")
      expect(server.handle.deliveries()[1]).toMatchObject({ status: 200, attempt: 2, ok: true, durationMs: 0 })
    }))

  it.scoped("post: delivers without HTTP, before any fetch; answers, rejections and silence count as over HTTP", () =>
    Effect.gen(function*() {
      const d = directReceiver([500, "reject", "hang"])
      const fetched = receiver()
      const server = yield* Effect.map(effectClock, (clock) =>
        makeMockServer({
          latency: 0,
          clock,
          results: { providerErrorRate: 0 },
          webhooks: { baseDelayMs: 1000, timeoutMs: 10_000, fetch: fetched.fetch, post: d.post }
        }))
      const ids = (yield* bulk(server, [verifyItem("a@b.co", { row: 1 })], { query: `?webhookUrl=${hookUrl}` })).json
      yield* settle()
      yield* step("1 second", "2 seconds")
      // The third attempt hangs: it fails at the timeout, and the fourth is answered.
      expect(server.handle.deliveries()).toHaveLength(2)
      yield* step("10 seconds", "8 seconds")
      expect(server.handle.deliveries().map((x) => [x.attempt, x.status, x.ok, x.error])).toEqual([
        [1, 500, false, undefined],
        [2, null, false, "fetch failed"],
        [3, null, false, "timeout after 10000 ms"],
        [4, 200, true, undefined]
      ])
      expect(d.received.map((x) => x.url)).toEqual([hookUrl, hookUrl])
      expect(d.received[1].body).toEqual({
        type: "enrichmentDone",
        data: [{ id: ids[0].id, data: { verify: { status: expect.any(String) } }, metadata: { row: 1 } }]
      })
      expect(fetched.received).toEqual([])
    }))

  it.scoped("retries: 0 means a single attempt", () =>
    Effect.gen(function*() {
      const r = receiver([500])
      const server = yield* withHooks(r.fetch, { webhooks: { retries: 0 } })
      yield* bulk(server, [verifyItem("a@b.co")], { query: `?webhookUrl=${hookUrl}` })
      yield* settle()
      yield* step("1 minute")
      expect(server.handle.deliveries()).toHaveLength(1)
    }))

  it.scoped("forgetDelivered: delivered enrichments are forgotten at once, undelivered ones kept for the retention", () =>
    Effect.gen(function*() {
      // The second delivery fails once and has no retry; the third is dropped.
      const r = receiver([200, 500])
      const server = yield* withHooks(r.fetch, { webhooks: { retries: 0, forgetDelivered: true }, retentionMs: 60_000 })
      const q = { query: `?webhookUrl=${hookUrl}` }
      const [delivered, failed] = (yield* bulk(server, [verifyItem("a@b.co"), verifyItem("b@b.co")], q)).json
      yield* settle()
      server.handle.setOptions({ faults: { webhookDrop: 1 } })
      const [dropped] = (yield* bulk(server, [verifyItem("c@b.co")], q)).json
      const [noHook] = (yield* bulk(server, [verifyItem("d@b.co")])).json
      yield* settle()
      expect(server.handle.deliveries().map((d) => d.fault ?? d.status)).toEqual([200, 500, "drop"])
      const status = (id: string) => Effect.map(get(server, `/api/enrich/${id}`), (a) => a.status)
      expect(yield* status(delivered.id)).toBe(404)
      expect(yield* status(failed.id)).toBe(200)
      expect(yield* status(dropped.id)).toBe(200)
      expect(yield* status(noHook.id)).toBe(200)
      yield* TestClock.adjust("1 minute")
      expect(server.handle.enrichments()).toHaveLength(0)
      expect(server.handle.stats("test-key").enrichmentsCreated).toBe(4)
    }))

  it.scoped("non-loopback targets are never called unless allowed", () =>
    Effect.gen(function*() {
      const r = receiver()
      const server = yield* withHooks(r.fetch)
      yield* bulk(server, [verifyItem("a@b.co")], { query: "?webhookUrl=https://example.com/hook" })
      yield* settle()
      expect(r.received).toHaveLength(0)
      expect(server.handle.deliveries()[0]).toMatchObject({ fault: "blocked", status: null })
      server.handle.setOptions({ webhooks: { allowNonLoopback: true } })
      yield* bulk(server, [verifyItem("a@b.co")], { query: "?webhookUrl=https://example.com/hook" })
      yield* settle()
      expect(r.received).toHaveLength(1)
    }))

  it.scoped("faults: drop, duplicate, delay, reorder", () =>
    Effect.gen(function*() {
      const r = receiver()
      const server = yield* withHooks(r.fetch, { faults: { webhookDrop: 1 } })
      const q = { query: `?webhookUrl=${hookUrl}` }
      yield* bulk(server, [verifyItem("a@b.co")], q)
      yield* settle()
      yield* TestClock.adjust("1 minute")
      expect(r.received).toHaveLength(0)
      expect(server.handle.deliveries()[0]).toMatchObject({ fault: "drop" })

      server.handle.setOptions({ faults: { webhookDrop: 0, webhookDuplicate: 1 } })
      yield* bulk(server, [verifyItem("b@b.co")], q)
      yield* settle()
      expect(r.received).toHaveLength(2)
      expect(r.received[0].body).toEqual(r.received[1].body)

      server.handle.setOptions({ faults: { webhookDuplicate: 0, webhookDelay: 1, webhookDelayMs: 5000 } })
      yield* bulk(server, [verifyItem("c@b.co")], q)
      yield* settle()
      expect(r.received).toHaveLength(2)
      yield* step("5 seconds")
      expect(r.received).toHaveLength(3)

      server.handle.setOptions({ faults: { webhookDelay: 0, webhookReorder: 1 } })
      const [first] = (yield* bulk(server, [verifyItem("d@b.co")], q)).json
      yield* settle()
      expect(r.received).toHaveLength(3)
      server.handle.setOptions({ faults: { webhookReorder: 0 } })
      const [second] = (yield* bulk(server, [verifyItem("e@b.co")], q)).json
      yield* settle()
      expect(r.received.slice(3).map((x) => x.body.data[0].id)).toEqual([second.id, first.id])
    }))

  it.scoped("completeAll finishes pending enrichments and delivers their webhooks, delayed ones included", () =>
    Effect.gen(function*() {
      const r = receiver()
      const server = yield* withHooks(r.fetch, { latency: 60_000, faults: { webhookDelay: 1, webhookDelayMs: 60_000 } })
      yield* bulk(server, [verifyItem("a@b.co"), verifyItem("b@b.co")], { query: `?webhookUrl=${hookUrl}` })
      expect(server.handle.pending()).toBe(2)
      yield* Effect.promise(() => server.handle.completeAll())
      expect(server.handle.pending()).toBe(0)
      expect(r.received).toHaveLength(2)
      expect(server.handle.enrichments().every((e) => e.status === "done")).toBe(true)
    }))

  it.scoped("admin POST /__mock/complete does the same over HTTP", () =>
    Effect.gen(function*() {
      const server = yield* mock({ latency: 10_000 })
      yield* bulk(server, [verifyItem("a@b.co")])
      const res = yield* Effect.promise(async () => server.app.request("/__mock/complete", { method: "POST", headers: auth() }))
      expect(res.status).toBe(200)
      expect(server.handle.enrichments()[0].status).toBe("done")
    }))
})
