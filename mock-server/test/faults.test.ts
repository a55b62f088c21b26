import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { auth, mock, verifyItem } from "./helpers.js"

const submit = (server: { fetch: (i: string, init?: RequestInit) => Promise<Response> }) =>
  Effect.promise(() =>
    server.fetch("http://127.0.0.1/api/v2/enrichments/bulk", {
      method: "POST",
      headers: auth(),
      body: JSON.stringify([verifyItem("a@b.co")])
    }).then((r) => ({ ok: true as const, status: r.status }), (e: TypeError) => ({ ok: false as const, message: e.message, code: (e.cause as any)?.code }))
  )

describe("request faults", () => {
  it.scoped("drop: fetch rejects with ECONNRESET and nothing is processed", () =>
    Effect.gen(function*() {
      const server = yield* mock({ faults: { drop: 1 } })
      expect(yield* submit(server)).toEqual({ ok: false, message: "fetch failed", code: "ECONNRESET" })
      expect(server.handle.enrichments()).toHaveLength(0)
      expect(server.handle.stats("test-key").droppedConnections).toBe(1)
      expect(server.handle.requests()[0]).toMatchObject({ fault: "drop", status: 0 })
    }))

  it.scoped("lostAnswer: the enrichments exist, then fetch rejects with ECONNRESET", () =>
    Effect.gen(function*() {
      const server = yield* mock({ faults: { lostAnswer: 1 } })
      expect(yield* submit(server)).toEqual({ ok: false, message: "fetch failed", code: "ECONNRESET" })
      expect(server.handle.enrichments()).toHaveLength(1)
      expect(server.handle.stats("test-key").lostAnswers).toBe(1)
    }))

  it.scoped("refused: ECONNREFUSED, nothing processed, not counted by the rate limit", () =>
    Effect.gen(function*() {
      const server = yield* mock({ faults: { refused: 1 }, rateLimit: { limit: 1 } })
      expect(yield* submit(server)).toMatchObject({ ok: false, code: "ECONNREFUSED" })
      server.handle.setOptions({ faults: { refused: 0 } })
      expect(yield* submit(server)).toEqual({ ok: true, status: 200 })
      expect(server.handle.enrichments()).toHaveLength(1)
    }))

  it.scoped("serverError: 500/502/503 and nothing processed", () =>
    Effect.gen(function*() {
      const server = yield* mock({ faults: { serverError: 1 }, rateLimit: { enabled: false } })
      const statuses = new Set<number>()
      for (let i = 0; i < 30; i++) {
        const r = yield* submit(server)
        if (r.ok) statuses.add(r.status)
      }
      expect([...statuses].sort()).toEqual([500, 502, 503])
      expect(server.handle.enrichments()).toHaveLength(0)
    }))

  it.scoped("slow: the answer waits slowMs on the mock's clock", () =>
    Effect.gen(function*() {
      const server = yield* mock({ faults: { slow: 1, slowMs: 15_000 } })
      const fiber = yield* Effect.fork(submit(server))
      yield* TestClock.adjust("14 seconds")
      expect(fiber.unsafePoll()).toBe(null)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toEqual({ ok: true, status: 200 })
    }))

  it.scoped("a client abort while slow rejects the fetch", () =>
    Effect.gen(function*() {
      const server = yield* mock({ faults: { slow: 1 } })
      const controller = new AbortController()
      const p = server.fetch("/api/team/credits", { headers: auth(), signal: controller.signal }).catch((e) => e.name)
      controller.abort()
      expect(yield* Effect.promise(() => p)).toBe("AbortError")
    }))

  it.scoped("rateLimitStorm: every request of the team gets 429 for rateLimitStormMs", () =>
    Effect.gen(function*() {
      const server = yield* mock({ faults: { rateLimitStorm: 1, rateLimitStormMs: 5000 } })
      expect(yield* submit(server)).toEqual({ ok: true, status: 429 })
      server.handle.setOptions({ faults: { rateLimitStorm: 0 } })
      yield* TestClock.adjust("4 seconds")
      const res = yield* Effect.promise(() => server.fetch("/api/team/credits", { headers: auth() }))
      expect([res.status, res.headers.get("retry-after")]).toEqual([429, "1"])
      yield* TestClock.adjust("1 second")
      expect(yield* submit(server)).toEqual({ ok: true, status: 200 })
      expect(server.handle.stats("test-key").rateLimited).toBe(2)
    }))

  it.scoped("injectFault hits the next matching request only; faults.routes limits random faults", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      server.handle.injectFault({ fault: "lostAnswer", route: "bulk" })
      const credits = yield* Effect.promise(() => server.fetch("/api/team/credits", { headers: auth() }))
      expect(credits.status).toBe(200)
      expect(yield* submit(server)).toMatchObject({ ok: false, code: "ECONNRESET" })
      expect(yield* submit(server)).toEqual({ ok: true, status: 200 })
      server.handle.setOptions({ faults: { drop: 1, routes: ["getEnrichment"] } })
      expect(yield* submit(server)).toEqual({ ok: true, status: 200 })
    }))

  it.scoped("seeded: the same seed gives the same fault sequence", () =>
    Effect.gen(function*() {
      const run = Effect.gen(function*() {
        const server = yield* mock({ seed: 3, faults: { serverError: 0.5 }, rateLimit: { enabled: false } })
        const out: Array<unknown> = []
        for (let i = 0; i < 20; i++) out.push(yield* submit(server))
        return out
      })
      expect(yield* run).toEqual(yield* run)
    }))
})
