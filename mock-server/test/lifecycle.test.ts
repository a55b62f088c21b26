import { FetchHttpClient, HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { layerInProcess, layerServed, MockServer, MockServerHandle, parseMockArgs } from "../src/index.js"
import { auth, basic, bulk, fullItem, get, mock, verifyItem } from "./helpers.js"

describe("determinism (docs/decisions.md #18)", () => {
  it.scoped("same seed and requests give the same ids and results; another seed differs", () =>
    Effect.gen(function*() {
      const run = (seed: number) =>
        Effect.gen(function*() {
          const server = yield* mock({ seed, rateLimit: { enabled: false }, latency: { minMs: 10, maxMs: 500 } })
          const ids = (yield* bulk(server, Array.from({ length: 10 }, (_, i) => fullItem(i)))).json
          yield* Effect.promise(() => server.handle.completeAll())
          const results = []
          for (const { id } of ids) results.push((yield* get(server, `/api/enrich/${id}`)).json)
          return { ids, results, latencies: server.handle.enrichments().map((e) => e.completesAt - e.createdAt) }
        })
      const a = yield* run(7)
      expect(yield* run(7)).toEqual(a)
      const b = yield* run(8)
      expect(b.ids).not.toEqual(a.ids)
    }))

  it.scoped("results depend on the input and seed, not on the order or the batch", () =>
    Effect.gen(function*() {
      const server = yield* mock({ rateLimit: { enabled: false } })
      const [x] = (yield* bulk(server, [fullItem(1)])).json
      const [, y] = (yield* bulk(server, [fullItem(2), fullItem(1)])).json
      const rx = (yield* get(server, `/api/enrich/${x.id}`)).json
      const ry = (yield* get(server, `/api/enrich/${y.id}`)).json
      expect(rx.data).toEqual(ry.data)
    }))
})

describe("retention", () => {
  it.scoped("completed enrichments expire after retentionMs; pending ones stay", () =>
    Effect.gen(function*() {
      const server = yield* mock({ retentionMs: 60_000, latency: 0 })
      const [{ id }] = (yield* bulk(server, [verifyItem("a@b.co")])).json
      server.handle.setOptions({ latency: 120_000 })
      const [{ id: slow }] = (yield* bulk(server, [verifyItem("b@b.co")])).json
      yield* TestClock.adjust("59 seconds")
      expect((yield* get(server, `/api/enrich/${id}`)).status).toBe(200)
      yield* TestClock.adjust("1 second")
      expect((yield* get(server, `/api/enrich/${id}`)).status).toBe(404)
      expect((yield* get(server, `/api/enrich/${slow}`)).status).toBe(202)
      expect(server.handle.enrichments()).toHaveLength(1)
      expect(server.handle.stats("test-key").enrichmentsCreated).toBe(2)
    }))

  it.scoped("request and delivery records are bounded", () =>
    Effect.gen(function*() {
      const server = yield* mock({ maxRecords: 5, rateLimit: { enabled: false } })
      for (let i = 0; i < 20; i++) yield* get(server, "/api/team/credits")
      expect(server.handle.requests()).toHaveLength(5)
    }))
})

describe("admin", () => {
  it.scoped("reset, options, credits, requests (without the key), stats, enrichments over HTTP", () =>
    Effect.gen(function*() {
      const server = yield* mock({ apiKeys: ["secret-key-123"] })
      const admin = (path: string, init?: RequestInit) =>
        Effect.promise(async () => {
          const res = await server.app.request(`/__mock${path}`, init)
          return { status: res.status, json: await res.json() as any }
        })
      yield* bulk(server, [verifyItem("a@b.co")], { key: "secret-key-123" })
      const put = (path: string, body: unknown) => admin(path, { method: "PUT", body: JSON.stringify(body), headers: { "content-type": "application/json" } })
      expect((yield* put("/credits", { apiKey: "secret-key-123", credits: 5 })).json.credits).toBe(5)
      expect((yield* put("/credits", { apiKey: "nope", credits: 5 })).status).toBe(404)
      expect((yield* put("/options", { latency: 250, faults: { drop: 0.5 } })).json).toMatchObject({ latency: 250, faults: { drop: 0.5 } })
      const requests = yield* admin("/requests")
      expect(JSON.stringify(requests.json)).not.toContain("secret-key-123")
      expect(requests.json[0]).toMatchObject({ method: "POST", path: "/api/v2/enrichments/bulk", status: 200, teamId: expect.stringMatching(/^tea_/) })
      const stats = (yield* admin("/stats")).json
      expect(Object.values(stats)[0]).toMatchObject({ enrichmentsCreated: 1, byStatus: { done: 1 }, creditsSpent: 1 })
      expect((yield* admin("/enrichments")).json).toHaveLength(1)
      expect((yield* admin("/deliveries")).json).toEqual([])
      expect((yield* admin("/reset", { method: "POST" })).json).toEqual({ ok: true })
      expect(server.handle.enrichments()).toHaveLength(0)
      expect(server.handle.options().latency).toBe(0)
      expect(server.handle.credits("secret-key-123")).toBe(100_000)
    }))
})

describe("layers", () => {
  it.scoped("layerServed serves on a loopback port with the Effect clock", () =>
    Effect.gen(function*() {
      const { baseUrl, server } = yield* MockServerHandle
      expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/)
      const res = yield* Effect.promise(() =>
        fetch(`${baseUrl}/v2/enrichments/bulk`, { method: "POST", headers: auth(), body: JSON.stringify([verifyItem("a@b.co")]) })
      )
      const [{ id }] = yield* Effect.promise(() => res.json() as Promise<any>)
      const poll = () => Effect.promise(() => fetch(`${baseUrl}/enrich/${id}`, { headers: { authorization: basic("test-key") } }).then((r) => r.status))
      expect(yield* poll()).toBe(202)
      yield* TestClock.adjust("5 seconds")
      expect(yield* poll()).toBe(200)
      expect(server.handle.requests()).toHaveLength(3)
    }).pipe(Effect.provide(layerServed({ latency: 5000 }))))

  it.scoped("over a socket, lostAnswer creates the enrichments then destroys the connection", () =>
    Effect.gen(function*() {
      const { baseUrl, server } = yield* MockServerHandle
      server.handle.injectFault({ fault: "lostAnswer", route: "bulk" })
      const outcome = yield* Effect.promise(() =>
        fetch(`${baseUrl}/v2/enrichments/bulk`, { method: "POST", headers: auth(), body: JSON.stringify([verifyItem("a@b.co")]) })
          .then((r) => `status ${r.status}`, (e: TypeError) => e.message)
      )
      expect(outcome).toBe("fetch failed")
      expect(server.handle.enrichments()).toHaveLength(1)
      const after = yield* Effect.promise(() => fetch(`${baseUrl}/team/credits`, { headers: { authorization: basic("test-key") } }))
      expect(after.status).toBe(200)
    }).pipe(Effect.provide(layerServed({ latency: 0 }))))

  it.scoped("layerInProcess provides FetchHttpClient.Fetch bound to the mock", () =>
    Effect.gen(function*() {
      const { baseUrl } = yield* MockServerHandle
      const client = yield* HttpClient.HttpClient
      const res = yield* client.get(`${baseUrl}/team/credits`, { headers: { authorization: basic("test-key") } })
      expect(res.status).toBe(200)
      expect(yield* res.json).toMatchObject({ credits: 100_000 })
    }).pipe(Effect.provide(FetchHttpClient.layer.pipe(Layer.provideMerge(layerInProcess({ latency: 0 }))))))

  it("MockServer namespace", () => {
    expect(MockServer.layer).toBe(layerServed)
    expect(typeof MockServer.make({ latency: 0 }).fetch).toBe("function")
  })
})

describe("command line", () => {
  it("parses the documented options", () => {
    const parsed = parseMockArgs(["--port", "4010", "--seed", "7", "--api-key", "key-a", "--api-key", "key-b", "--latency", "200-3000", "--credits", "100000", "--credit-mode", "reject", "--rate-limit", "off", "--allow-non-loopback", "--fault", "lostAnswer=0.1"])
    expect(parsed).toEqual({
      _tag: "Serve",
      options: {
        port: 4010,
        seed: 7,
        apiKeys: ["key-a", "key-b"],
        latency: { minMs: 200, maxMs: 3000 },
        credits: 100000,
        creditMode: "reject",
        rateLimit: { enabled: false },
        webhooks: { allowNonLoopback: true },
        faults: { lostAnswer: 0.1 }
      }
    })
    expect(parseMockArgs(["--latency", "0"])).toMatchObject({ options: { latency: 0 } })
    expect(parseMockArgs(["--help"])._tag).toBe("Help")
    expect(parseMockArgs(["--nope"])._tag).toBe("Invalid")
    expect(parseMockArgs(["--rate-limit", "maybe"])._tag).toBe("Invalid")
  })
})
