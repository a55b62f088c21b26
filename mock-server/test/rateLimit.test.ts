import { describe, expect, it } from "@effect/vitest"
import { Messages } from "@lemlist-effect/contract"
import { Effect, TestClock } from "effect"
import { call, get, mock } from "./helpers.js"

const credits = (server: Parameters<typeof get>[0], key = "test-key") => get(server, "/api/team/credits", key)

describe("rate limit (docs/decisions.md #14)", () => {
  it.scoped("sliding: 20 per 2 s per key, 429 text with Retry-After, the 429 does nothing", () =>
    Effect.gen(function*() {
      const server = yield* mock({ apiKeys: ["test-key", "other"] })
      for (let i = 0; i < 10; i++) expect((yield* credits(server)).status).toBe(200)
      yield* TestClock.adjust("1 second")
      for (let i = 0; i < 10; i++) {
        const res = yield* credits(server)
        expect(res.headers.get("x-ratelimit-remaining")).toBe(String(9 - i))
      }
      const refused = yield* call(server, "/api/v2/enrichments/bulk", {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(":test-key").toString("base64")}` },
        body: JSON.stringify([{ input: { email: "a@b.co" }, enrichmentRequests: ["verify"] }])
      })
      expect([refused.status, refused.text]).toEqual([429, Messages.tooManyRequests])
      expect(refused.headers.get("retry-after")).toBe("1")
      expect(server.handle.enrichments()).toHaveLength(0)
      // another key has its own window
      expect((yield* credits(server, "other")).status).toBe(200)
      // sliding: the first 10 leave the window at t=2000
      yield* TestClock.adjust("999 millis")
      expect((yield* credits(server)).status).toBe(429)
      yield* TestClock.adjust("1 millis")
      for (let i = 0; i < 10; i++) expect((yield* credits(server)).status).toBe(200)
      expect((yield* credits(server)).status).toBe(429)
      expect(server.handle.stats("test-key").rateLimited).toBe(3)
    }))

  it.scoped("fixed: the window restarts as a whole", () =>
    Effect.gen(function*() {
      const server = yield* mock({ rateLimit: { algorithm: "fixed", limit: 5, windowMs: 2000 } })
      for (let i = 0; i < 5; i++) expect((yield* credits(server)).status).toBe(200)
      yield* TestClock.adjust("1500 millis")
      const refused = yield* credits(server)
      expect(refused.status).toBe(429)
      expect(refused.headers.get("retry-after")).toBe("1")
      yield* TestClock.adjust("500 millis")
      for (let i = 0; i < 5; i++) expect((yield* credits(server)).status).toBe(200)
      expect((yield* credits(server)).status).toBe(429)
    }))

  it.scoped("the four headers are on every answer; reset in Date.toString() form", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      const answers = [
        yield* credits(server),
        yield* call(server, "/api/nope"),
        yield* call(server, "/api/enrich"),
        yield* call(server, "/api/hooks"),
        yield* get(server, "/api/enrich/enr_AAAAAAAAAAAAAAAAA")
      ]
      for (const a of answers) {
        expect(Number(a.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
        expect(a.headers.get("x-ratelimit-limit")).toBe("20")
        expect(a.headers.get("x-ratelimit-remaining")).toMatch(/^\d+$/)
        const reset = a.headers.get("x-ratelimit-reset")!
        expect(reset).toMatch(/^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4}/)
        expect(Number.isNaN(Date.parse(reset))).toBe(false)
      }
    }))

  it.scoped("off: never 429", () =>
    Effect.gen(function*() {
      const server = yield* mock({ rateLimit: { enabled: false } })
      for (let i = 0; i < 50; i++) expect((yield* credits(server)).status).toBe(200)
    }))
})
