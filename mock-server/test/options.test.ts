import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeUpdate, makeMockServer, MockOptionsError, parseLatency, parseMockArgs } from "../src/index.js"

const issues = (u: unknown) => {
  const decoded = decodeUpdate(u)
  return Either.isLeft(decoded) ? decoded.left.issues.map((i) => i.path) : []
}

describe("options decoded by Schema", () => {
  it("names each invalid or unknown value", () => {
    expect(issues({ faults: { slow: 2 } })).toEqual(["faults.slow"])
    expect(issues({ latency: { minMs: 50, maxMs: 10 } })).toContain("latency.maxMs")
    expect(issues({ rateLimit: { limit: 0, windowMs: 0 }, seed: "7" })).toEqual(["seed", "rateLimit.limit", "rateLimit.windowMs"])
    expect(issues({ webhooks: { retries: -1 }, maxBodyBytes: 0, apiKeys: [""] })).toEqual(["apiKeys.0", "webhooks.retries", "maxBodyBytes"])
    expect(issues({ fault: { drop: 1 } })).toEqual(["fault"])
    expect(issues([1])).toEqual(["(options)"])
  })

  it("accepts valid updates, and the code parts of MockOptions unchecked", () => {
    expect(decodeUpdate({ latency: { minMs: 10, maxMs: 20 }, faults: { slow: 0.5, routes: null } })).toEqual(
      Either.right({ latency: { minMs: 10, maxMs: 20 }, faults: { slow: 0.5, routes: null } })
    )
    expect(Either.isRight(decodeUpdate({ clock: {}, webhooks: { fetch: globalThis.fetch, retries: 0 } }))).toBe(true)
  })

  it("makeMockServer and setOptions throw MockOptionsError; nothing changes", async () => {
    expect(() => makeMockServer({ rateLimit: { limit: 0 } })).toThrow(MockOptionsError)
    expect(() => makeMockServer({ faults: { drop: -0.5 } })).toThrow(/faults\.drop/)
    const server = makeMockServer({ latency: 0 })
    try {
      expect(() => server.handle.setOptions({ results: { providerErrorRate: 3 } })).toThrow(/results\.providerErrorRate/)
      expect(server.handle.options().results.providerErrorRate).toBe(0)
    } finally {
      await server.handle.close()
    }
  })

  it("PUT /__mock/options answers 400 with each field and why, and changes nothing", async () => {
    const server = makeMockServer({ latency: 0 })
    try {
      const res = await server.app.request("/__mock/options", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ faults: { serverError: 1.5, nope: 1 }, creditMode: "maybe", latency: 5 })
      })
      expect(res.status).toBe(400)
      const body = await res.json() as { error: string; issues: ReadonlyArray<{ path: string; message: string }> }
      expect(body.issues.map((i) => i.path).sort()).toEqual(["creditMode", "creditMode", "faults.nope", "faults.serverError"])
      expect(body.error).toMatch(/faults\.serverError: Expected a number between 0 and 1, actual 1\.5/)
      expect(server.handle.options().latency).toBe(0)
      expect(server.handle.options().faults.serverError).toBe(0)
    } finally {
      await server.handle.close()
    }
  })
})

describe("one latency syntax", () => {
  it("takes a constant, min-max and min..max", () => {
    expect(parseLatency("0")).toEqual(Either.right(0))
    expect(parseLatency("200-3000")).toEqual(Either.right({ minMs: 200, maxMs: 3000 }))
    expect(parseLatency(" 200 .. 3000 ")).toEqual(Either.right({ minMs: 200, maxMs: 3000 }))
    expect(Either.isLeft(parseLatency("3000-200"))).toBe(true)
    expect(Either.isLeft(parseLatency("fast"))).toBe(true)
  })

  it("the mock's command line takes it too, and refuses invalid values by name", () => {
    expect(parseMockArgs(["--latency", "200..3000"])).toMatchObject({ options: { latency: { minMs: 200, maxMs: 3000 } } })
    expect(parseMockArgs(["--latency", "9-1"])).toMatchObject({ _tag: "Invalid", message: expect.stringMatching(/--latency 9-1/) })
    expect(parseMockArgs(["--fault", "drop=2"])).toMatchObject({ _tag: "Invalid", message: expect.stringMatching(/faults\.drop/) })
    expect(parseMockArgs(["--rate-limit", "maybe"])).toEqual({ _tag: "Invalid", message: "--rate-limit: expected on or off, got maybe" })
    expect(parseMockArgs(["--port", "abc"])).toEqual({ _tag: "Invalid", message: "--port: expected a number, got abc" })
    expect(parseMockArgs(["--rate-limit-limit", "0"])).toMatchObject({ _tag: "Invalid", message: expect.stringMatching(/rateLimit\.limit/) })
  })
})
