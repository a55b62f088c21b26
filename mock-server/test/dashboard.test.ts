/**
 * The dashboard's server side, in-process on the test's clock: the page, its live feed
 * (server-sent events pushed by state changes, ended when the mock closes) and the enrichment
 * search it calls. The page itself is driven in Chromium by `dashboard.browser.test.ts`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { spawn } from "node:child_process"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { layerServed, MockServerHandle } from "../src/index.js"
import { bulk, call, mock, verifyItem } from "./helpers.js"

interface Event {
  readonly event: string
  readonly data: any
}

/** Reads server-sent events from a response body, one at a time. */
const events = (res: Response) => {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ""
  const next = async (): Promise<Event | "end"> => {
    for (;;) {
      const cut = buffer.indexOf("\n\n")
      if (cut >= 0) {
        const block = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        const lines = block.split("\n")
        const event = lines.find((l) => l.startsWith("event: "))?.slice(7)
        const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n")
        if (event === undefined) continue // a comment (ping)
        return { event, data: JSON.parse(data) }
      }
      const { done, value } = await reader.read()
      if (done) return "end"
      buffer += decoder.decode(value, { stream: true })
    }
  }
  return { next: Effect.promise(next), cancel: Effect.promise(() => reader.cancel()) }
}

describe("dashboard", () => {
  it.scoped("the page is one self-contained document: nothing loaded from elsewhere", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      const res = yield* Effect.promise(async () => server.app.request("/__mock/ui"))
      expect(res.status).toBe(200)
      expect(res.headers.get("content-type")).toMatch(/text\/html/)
      const html = yield* Effect.promise(() => res.text())
      expect(html).toContain("window.MOCK_BASE = \"/__mock\"")
      expect(html).toContain("new EventSource(base + \"/events\")")
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!data:)|@import|url\((?!data:)/)
    }))

  it.scoped("the feed pushes a snapshot, then what changed, and ends when the mock closes", () =>
    Effect.gen(function*() {
      const server = yield* mock({ apiKeys: ["test-key", "key-b"], latency: 1000 })
      const res = yield* Effect.promise(async () => server.app.request("/__mock/events"))
      expect(res.headers.get("content-type")).toBe("text/event-stream")
      const feed = events(res)

      const first = yield* feed.next
      expect(first).toMatchObject({ event: "snapshot", data: { requests: [], deliveries: [] } })
      expect(first !== "end" && first.data.summary.teams.map((t: any) => t.window.used)).toEqual([0, 0])

      const answer = yield* bulk(server, [verifyItem("a@acme.com", { row: 1 }), verifyItem("b@acme.com")])
      expect(answer.status).toBe(200)
      const second = yield* feed.next
      if (second === "end") throw new Error("the feed ended early")
      expect(second.event).toBe("update")
      expect(second.data.requests).toEqual([expect.objectContaining({ route: "bulk", status: 200, created: 2 })])
      expect(second.data.summary.enrichments.byStatus).toEqual({ "in-progress": 2, done: 0, error: 0 })
      expect(second.data.summary.teams[0].window).toMatchObject({ used: 1, limit: 20, enabled: true })
      expect(second.data.summary.requests.byClass["2xx"]).toBe(1)
      // The key never travels, only its fingerprint.
      expect(JSON.stringify(second.data)).not.toContain("test-key")

      // Completion is a state change too: pushed once the virtual clock gets there.
      yield* TestClock.adjust("1 second")
      const third = yield* feed.next
      expect(third !== "end" && third.data.summary.enrichments.byStatus).toEqual({ "in-progress": 0, done: 2, error: 0 })
      expect(third !== "end" && third.data.requests).toEqual([])

      // A reset starts the reader over with a fresh snapshot.
      yield* call(server, "/__mock/reset", { method: "POST" })
      const fourth = yield* feed.next
      expect(fourth !== "end" && [fourth.event, fourth.data.summary.epoch]).toEqual(["snapshot", 1])

      yield* Effect.promise(() => server.handle.close())
      expect(yield* feed.next).toBe("end")
    }))

  it.scoped("served on the test's clock: closing the layer ends an open feed and the server", () =>
    Effect.gen(function*() {
      const feed = yield* Effect.scoped(Effect.gen(function*() {
        const { origin } = yield* MockServerHandle
        const feed = events(yield* Effect.promise(() => fetch(`${origin}/__mock/events`)))
        expect(yield* feed.next).toMatchObject({ event: "snapshot" })
        return feed
      }).pipe(Effect.provide(layerServed({ latency: 1000 }))))
      // The scope closed with the feed open: the stream ended rather than hold anything alive.
      expect(yield* feed.next.pipe(Effect.catchAllDefect(() => Effect.succeed("end" as const)))).toBe("end")
    }))

  it.scoped("a feed opened after the mock closed sends one snapshot and ends", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      yield* Effect.promise(() => server.handle.close())
      const feed = events(yield* Effect.promise(async () => server.app.request("/__mock/events")))
      expect(yield* feed.next).toMatchObject({ event: "snapshot" })
      expect(yield* feed.next).toBe("end")
    }))

  it.scoped("a reader that goes away unsubscribes: later changes find no listener", () =>
    Effect.gen(function*() {
      const server = yield* mock()
      const feed = events(yield* Effect.promise(async () => server.app.request("/__mock/events")))
      yield* feed.next
      yield* feed.cancel
      // Nothing is left to push to; a change must not throw or write into a dead stream.
      const answer = yield* bulk(server, [verifyItem("a@acme.com")])
      expect(answer.status).toBe(200)
    }))

  it.scoped("enrichments are searchable by id, metadata and input, by status, newest last", () =>
    Effect.gen(function*() {
      const server = yield* mock({ latency: 1000 })
      const items = Array.from({ length: 30 }, (_, i) => verifyItem(`lead${i}@acme.com`, { row: i, campaign: i % 2 ? "odd" : "even" }))
      const ids: Array<string> = (yield* bulk(server, items)).json.map((x: any) => x.id)
      yield* TestClock.adjust("1 second")
      yield* bulk(server, [verifyItem("late@acme.com", { row: 99 })])

      const list = (query: string) =>
        Effect.map(call(server, `/__mock/enrichments${query}`), (a) => ({ total: a.headers.get("x-total-count"), status: a.status, json: a.json }))

      const byId = yield* list(`?q=${ids[7].toLowerCase()}`)
      expect(byId.json.map((e: any) => e.id)).toEqual([ids[7]])
      const odd = yield* list("?q=%22odd%22&limit=5")
      expect([odd.total, odd.json.length]).toEqual(["15", 5])
      expect(odd.json.map((e: any) => e.metadata.row)).toEqual([21, 23, 25, 27, 29])
      const byEmail = yield* list("?q=LEAD12@")
      expect(byEmail.json.map((e: any) => e.metadata.row)).toEqual([12])
      const running = yield* list("?status=in-progress")
      expect(running.json.map((e: any) => e.metadata.row)).toEqual([99])
      expect((yield* list("?status=done")).total).toBe("30")
      expect((yield* list("?status=finished")).status).toBe(400)
      expect((yield* list("?limit=-1")).status).toBe(400)
      expect((yield* list("")).json.length).toBe(31)
    }))

  it.scoped("the snapshot shows each key's live window, and forgets slots as time passes", () =>
    Effect.gen(function*() {
      const server = yield* mock({ apiKeys: ["test-key"] })
      for (let i = 0; i < 3; i++) yield* call(server, "/api/team/credits", { headers: { authorization: `Basic ${btoa(":test-key")}` } })
      const before = (yield* call(server, "/__mock/snapshot")).json
      expect(before.teams[0].window).toMatchObject({ used: 3, limit: 20, windowMs: 2000 })
      expect(before.teams[0].window.resetAt).toBe(before.now + 2000)
      expect(before.requests).toMatchObject({ seq: 3, retained: 3 })
      yield* TestClock.adjust("2 seconds")
      const after = (yield* call(server, "/__mock/snapshot")).json
      expect(after.teams[0].window).toMatchObject({ used: 0, slots: [], resetAt: null })
    }))
})

describe("lemlist-mock", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url))
  const bin = (args: Array<string>) =>
    spawn(join(root, "node_modules", ".bin", "tsx"), [join(root, "mock-server", "src", "bin.ts"), ...args], { stdio: ["ignore", "pipe", "pipe"] })

  it("the ready line names the dashboard, which answers; SIGTERM stops it", async () => {
    const proc = bin(["--port", "0", "--latency", "0"])
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)))
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ""
        proc.stdout.on("data", (chunk) => {
          out += chunk
          if (out.includes("\n")) resolve(out.split("\n")[0]!)
        })
        proc.once("exit", () => reject(new Error(`exited before the ready line: ${out}`)))
      })
      const dashboard = /dashboard (http:\/\/127\.0\.0\.1:\d+\/__mock\/ui)\)/.exec(line)?.[1]
      expect(line).toMatch(/^lemlist mock listening on http:\/\/127\.0\.0\.1:\d+ \(API base URL .*\/api, admin .*\/__mock, dashboard .*\/__mock\/ui\)$/)
      const page = await fetch(dashboard!)
      expect([page.status, page.headers.get("content-type")]).toEqual([200, "text/html; charset=UTF-8"])
    } finally {
      proc.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
  }, 30_000)

  it("--print-openapi prints the document and exits 0", async () => {
    const proc = bin(["--print-openapi"])
    let out = ""
    proc.stdout.on("data", (chunk) => (out += chunk))
    const code = await new Promise<number | null>((resolve) => proc.once("exit", resolve))
    expect(code).toBe(0)
    expect(JSON.parse(out)).toMatchObject({ openapi: "3.1.0", info: { title: "lemlist mock" } })
  }, 30_000)
})
