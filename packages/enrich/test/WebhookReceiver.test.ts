import { WebhookReceiver } from "@lemlist-effect/enrich"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, FiberId, Queue, Scope, Stream } from "effect"

const receiver = WebhookReceiver.make({ publicUrl: "https://hooks.example.com/lemlist/", maxBodyBytes: 2_048 })

const done = (id: string, email = "ada@acme.example") => ({
  type: "enrichmentDone",
  data: [{ id, data: { find_email: { email, status: "deliverable" } }, metadata: "lead-1" }]
})

/** How a delivery reaches the receiver: its web handler, or its plain call. */
type Via = "handler" | "receive"

const post = (
  r: WebhookReceiver.Service,
  body: unknown,
  options: { url?: string; type?: string; raw?: string; via?: Via } = {}
) => {
  const url = options.url ?? r.url
  const type = options.type ?? "application/json"
  const raw = options.raw ?? JSON.stringify(body)
  return Effect.promise((): Promise<{ readonly status: number }> =>
    options.via === "receive"
      ? r.receive({ path: new URL(url).pathname, contentType: type, body: raw })
      : r.handler(new Request(url, { method: "POST", headers: { "content-type": type }, body: raw }))
  )
}

describe("WebhookReceiver", () => {
  it.effect("its URL ends with an unguessable token", () =>
    Effect.gen(function*() {
      const a = yield* receiver
      const b = yield* receiver
      assert.match(a.url, /^https:\/\/hooks\.example\.com\/lemlist\/[A-Za-z0-9_-]{32}$/)
      assert.notStrictEqual(a.url, b.url)
    }))

  /** Subscribes, recording (or letting pass) each result as it comes. */
  const subscribed = (r: WebhookReceiver.Service, verdict: "recorded" | "pass" | "retry" = "recorded") =>
    Effect.gen(function*() {
      const seen: Array<any> = []
      const results = yield* r.subscribe
      yield* Stream.fromQueue(results).pipe(
        Stream.runForEach((received) =>
          Effect.sync(() => {
            seen.push(received.delivery)
            received[verdict]()
          })
        ),
        Effect.forkScoped
      )
      return seen
    })

  it.scoped("accepts a valid delivery and hands its result over, once", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const seen = yield* subscribed(r)
      assert.strictEqual((yield* post(r, done("enr_1"))).status, 200)
      assert.strictEqual((yield* post(r, done("enr_1", "other@acme.example"))).status, 200)
      assert.deepStrictEqual(seen, [{
        _tag: "Done",
        id: "enr_1",
        metadata: "lead-1",
        result: { find_email: { found: true, value: { email: "ada@acme.example", status: "deliverable" } } }
      }])
    }))

  it.scoped("answers only once a subscriber has recorded the result (a 200 means safe)", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const results = yield* r.subscribe
      const pending = yield* Effect.fork(post(r, done("enr_slow")))
      const received = yield* Queue.take(results)
      assert.strictEqual(received.delivery.id, "enr_slow")
      yield* Effect.yieldNow({ priority: 1 })
      assert.isNull(pending.unsafePoll(), "not answered before it is recorded")
      received.recorded()
      assert.strictEqual((yield* Fiber.join(pending)).status, 200)
    }))

  it.scoped("lemlist's second try of a result not yet recorded waits for it: a 200 means safe for a copy too", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const results = yield* r.subscribe
      const first = yield* Effect.fork(post(r, done("enr_twice"), { via: "receive" }))
      const copy = yield* Effect.fork(post(r, done("enr_twice"), { via: "receive" }))
      const received = yield* Queue.take(results)
      yield* Effect.yieldNow({ priority: 1 })
      assert.deepStrictEqual([first.unsafePoll(), copy.unsafePoll()], [null, null], "neither answered before it is recorded")
      received.recorded()
      assert.deepStrictEqual([(yield* Fiber.join(first)).status, (yield* Fiber.join(copy)).status], [200, 200])
      assert.strictEqual(yield* Queue.size(results), 0, "handed over once")
    }))

  it.scoped("a result no subscriber records is answered once each let it pass", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const seen = yield* subscribed(r, "pass")
      assert.strictEqual((yield* post(r, done("enr_early"))).status, 200)
      assert.deepStrictEqual(seen.map((d) => d.id), ["enr_early"])
    }))

  it.scoped("a result its subscriber asks for again (a run that stops first) is answered 503, and lemlist's next try handed over again", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const seen = yield* subscribed(r, "retry")
      const first = yield* post(r, done("enr_again"))
      assert.strictEqual(first.status, 503)
      assert.deepStrictEqual([r.counters.accepted, r.counters.refused], [0, 1])
      yield* post(r, done("enr_again"))
      assert.deepStrictEqual(seen.map((d) => d.id), ["enr_again", "enr_again"], "not answered as a duplicate")
    }))

  it.effect("results still queued for a subscriber whose scope closes: asked for again if it stopped, let pass if it ended", () =>
    Effect.gen(function*() {
      for (const [exit, status] of [[Exit.interrupt(FiberId.none), 503], [Exit.void, 200]] as const) {
        const r = yield* receiver
        const scope = yield* Scope.make()
        yield* Scope.extend(r.subscribe, scope)
        const pending = yield* Effect.fork(post(r, done("enr_queued"), { via: "receive" }))
        yield* Effect.yieldNow()
        assert.isNull(pending.unsafePoll(), "held for the subscriber")
        yield* Scope.close(scope, exit)
        assert.strictEqual((yield* Fiber.join(pending)).status, status)
      }
    }))

  it.scoped("a result that comes while nobody subscribes is answered at once and kept for the next subscriber", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      assert.strictEqual((yield* post(r, done("enr_before"))).status, 200)
      const first = yield* subscribed(r)
      yield* post(r, done("enr_after"))
      assert.deepStrictEqual(first.map((d) => d.id), ["enr_before", "enr_after"])
      const second = yield* subscribed(r)
      yield* post(r, done("enr_later"))
      assert.deepStrictEqual(second.map((d) => d.id), ["enr_later"], "handed over once")
    }))

  it.scoped("an error delivery becomes a failure with its code", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const seen = yield* subscribed(r)
      yield* post(r, { type: "enrichmentError", data: [{ id: "enr_2", error: { code: "PROVIDER_ERROR", message: "down" } }] })
      assert.strictEqual(seen[0]._tag, "Failed")
      assert.strictEqual(seen[0].code, "PROVIDER_ERROR")
    }))

  const refusals = [
    ["a missing token", { url: "https://hooks.example.com/lemlist/" }, 401],
    ["a wrong token", { url: "https://hooks.example.com/lemlist/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, 401],
    ["a body that is not JSON", { raw: "{not json" }, 400],
    ["a content type that is not JSON", { type: "text/plain" }, 415],
    ["a body that is not a webhook", { raw: JSON.stringify({ hello: "world" }) }, 400],
    ["an oversized body", { raw: JSON.stringify({ type: "enrichmentDone", data: [], pad: "x".repeat(5_000) }) }, 413],
    ["an oversized body of multibyte text", { raw: JSON.stringify({ type: "enrichmentDone", data: [], pad: "é".repeat(1_100) }) }, 413]
  ] as const
  it.effect.each((["handler", "receive"] as const).flatMap((via) => refusals.map(([what, options, status]) => [`${what} (${via})`, { ...options, via }, status] as const)))(
    "refuses %s",
    ([, options, status]) =>
      Effect.gen(function*() {
        const r = yield* receiver
        const response = yield* post(r, done("enr_3"), options)
        assert.strictEqual(response.status, status)
        assert.strictEqual(r.counters.refused, 1)
        assert.strictEqual(r.counters.accepted, 0)
      })
  )

  it.effect("refuses other methods", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const response = yield* Effect.promise(() => r.handler(new Request(r.url, { method: "GET" })))
      assert.strictEqual(response.status, 405)
      const reply = yield* Effect.promise(() => r.receive({ method: "GET", path: r.url, body: "" }))
      assert.deepStrictEqual(reply, { status: 405, body: JSON.stringify({ error: "method not allowed" }) })
    }))

  it.scoped("receive: a delivery as plain values (the whole URL or its path, text or bytes), answered once recorded", () =>
    Effect.gen(function*() {
      const r = yield* receiver
      const results = yield* r.subscribe
      const pending = yield* Effect.fork(Effect.promise(() => r.receive({ path: r.url, body: JSON.stringify(done("enr_4")) })))
      const received = yield* Queue.take(results)
      yield* Effect.yieldNow({ priority: 1 })
      assert.isNull(pending.unsafePoll(), "not answered before it is recorded")
      received.recorded()
      assert.deepStrictEqual(yield* Fiber.join(pending), { status: 200, body: "{\"ok\":true}" })

      const seen = yield* subscribed(r)
      const bytes = new TextEncoder().encode(JSON.stringify(done("enr_5", "zoë@acme.example")))
      const reply = yield* Effect.promise(() => r.receive({ path: new URL(r.url).pathname, body: bytes }))
      assert.strictEqual(reply.status, 200)
      assert.deepStrictEqual(seen.map((d) => [d.id, d.result.find_email.value.email]), [["enr_5", "zoë@acme.example"]])
      assert.deepStrictEqual(r.counters, { accepted: 2, refused: 0, items: 2 })
    }))
})
