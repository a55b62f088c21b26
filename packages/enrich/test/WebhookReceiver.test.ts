import { WebhookReceiver } from "@lemlist-effect/enrich"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

const receiver = WebhookReceiver.make({ publicUrl: "https://hooks.example.com/lemlist/", maxBodyBytes: 2_048 })

const done = (id: string, email = "ada@acme.example") => ({
  type: "enrichmentDone",
  data: [{ id, data: { find_email: { email, status: "deliverable" } }, metadata: "lead-1" }]
})

const post = (r: WebhookReceiver.Service, body: unknown, options: { url?: string; type?: string; raw?: string } = {}) =>
  Effect.promise(() =>
    r.handler(
      new Request(options.url ?? r.url, {
        method: "POST",
        headers: { "content-type": options.type ?? "application/json" },
        body: options.raw ?? JSON.stringify(body)
      })
    )
  )

describe("WebhookReceiver", () => {
  it.effect("its URL ends with an unguessable token", () =>
    Effect.gen(function*() {
      const a = yield* receiver
      const b = yield* receiver
      assert.match(a.url, /^https:\/\/hooks\.example\.com\/lemlist\/[A-Za-z0-9_-]{32}$/)
      assert.notStrictEqual(a.url, b.url)
    }))

  it.effect("accepts a valid delivery and hands its result over, once", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const seen: Array<unknown> = []
      r.hub.expect("enr_1", (d) => void seen.push(d))
      assert.strictEqual((yield* post(r, done("enr_1"))).status, 200)
      assert.strictEqual((yield* post(r, done("enr_1", "other@acme.example"))).status, 200)
      assert.deepStrictEqual(seen, [{
        _tag: "Done",
        id: "enr_1",
        metadata: "lead-1",
        result: { find_email: { found: true, value: { email: "ada@acme.example", status: "deliverable" } } }
      }])
    }))

  it.effect("a delivery that beats the bulk answer waits for its id (out of order is harmless)", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      yield* post(r, done("enr_early"))
      const seen: Array<unknown> = []
      r.hub.expect("enr_early", (d) => void seen.push(d))
      assert.strictEqual(seen.length, 1)
    }))

  it.effect("an error delivery becomes a failure with its code", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const seen: Array<any> = []
      r.hub.expect("enr_2", (d) => void seen.push(d))
      yield* post(r, { type: "enrichmentError", data: [{ id: "enr_2", error: { code: "PROVIDER_ERROR", message: "down" } }] })
      assert.strictEqual(seen[0]._tag, "Failed")
      assert.strictEqual(seen[0].code, "PROVIDER_ERROR")
    }))

  it.effect.each([
    ["a missing token", { url: "https://hooks.example.com/lemlist/" }, 401],
    ["a wrong token", { url: "https://hooks.example.com/lemlist/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, 401],
    ["a body that is not JSON", { raw: "{not json" }, 400],
    ["a content type that is not JSON", { type: "text/plain" }, 415],
    ["a body that is not a webhook", { raw: JSON.stringify({ hello: "world" }) }, 400],
    ["an oversized body", { raw: JSON.stringify({ type: "enrichmentDone", data: [], pad: "x".repeat(5_000) }) }, 413]
  ] as const)("refuses %s", ([, options, status]) =>
    Effect.gen(function*() {
      const r = yield* receiver
      const response = yield* post(r, done("enr_3"), options)
      assert.strictEqual(response.status, status)
      assert.strictEqual(r.counters.refused, 1)
      assert.strictEqual(r.counters.accepted, 0)
    }))

  it.effect("refuses other methods", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const response = yield* Effect.promise(() => r.handler(new Request(r.url, { method: "GET" })))
      assert.strictEqual(response.status, 405)
    }))
})
