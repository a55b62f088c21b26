/**
 * Retries by safety, timeouts, transport errors, 429 pauses, counters and spans, against a
 * stub `fetch` on the TestClock.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule, Tracer } from "effect"
import type { LemlistError } from "../src/index.js"
import { LemlistClient } from "../src/index.js"
import { json, text, withStub } from "./LemlistClient.helpers.js"
import type { StubAnswer } from "./LemlistClient.helpers.js"

const item = { input: { email: "ada@example.com" }, enrichmentRequests: ["verify"] } as const
const ok = () => json(200, [{ id: "enr_A" }])

/** A stub answering from a script, one answer per request, then `last` forever. */
const script = (answers: ReadonlyArray<StubAnswer>, last: () => StubAnswer) => (_: unknown, n: number) =>
  n < answers.length ? answers[n] : last()

describe("retries of GETs (idempotent)", () => {
  it.scoped("5xx, timeouts, transport errors and 429 are retried until success", () =>
    withStub(
      script(
        [text(503, "busy"), { fault: "hang" }, { fault: "reset" }, text(429, "Too many requests", { "retry-after": "1" })],
        () => json(200, { credits: 5 })
      ),
      (client, requests) =>
        Effect.gen(function*() {
          const credits = yield* client.credits
          assert.strictEqual(credits.credits, 5)
          assert.strictEqual(requests.length, 5)
          assert.deepStrictEqual(yield* client.stats, { requests: 5, rateLimited: 1, retries: 4 })
        }),
      { timeout: "5 seconds" }
    ))

  it.scoped("retries are bounded: the last error surfaces", () =>
    withStub(() => text(502, "bad gateway"), (client, requests) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.getEnrichment("enr_1"))
        assert.strictEqual(error._tag, "ServerError")
        assert.strictEqual(requests.length, 6) // 1 + 5 retries
      })))

  it.scoped("non-transient errors are not retried", () =>
    withStub(() => text(404, "Enrichment not found"), (client, requests) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.getEnrichment("enr_1"))
        assert.strictEqual(error._tag, "NotFound")
        assert.strictEqual(requests.length, 1)
      })))

  it.scoped("deleteHook is retried like a GET", () =>
    withStub(script([text(500, "x")], () => json(200, { _id: "hoo_1", targetUrl: "u" })), (client, requests) =>
      Effect.gen(function*() {
        assert.strictEqual((yield* client.deleteHook("hoo_1"))._id, "hoo_1")
        assert.strictEqual(requests.length, 2)
      })))

  it.scoped("the schedule can be overridden", () =>
    withStub(
      () => text(503, "busy"),
      (client, requests) =>
        Effect.gen(function*() {
          yield* Effect.flip(client.listHooks)
          assert.strictEqual(requests.length, 2)
        }),
      { retry: { idempotent: Schedule.recurs(1) } }
    ))
})

describe("retries of credit-spending POSTs", () => {
  for (const [name, answer, tag, connected] of [
    ["a 5xx", () => text(500, "x"), "ServerError", undefined],
    ["a 503", () => text(503, "x"), "ServerError", undefined],
    ["a reset after sending", () => ({ fault: "reset" }) as const, "Transport", true],
    ["a timeout", () => ({ fault: "hang" }) as const, "Timeout", undefined],
    ["a 200 that does not decode", () => text(200, "<html>"), "DecodeError", undefined]
  ] as const) {
    it.scoped(`${name} is ambiguous: surfaced at once, never resent`, () =>
      withStub(() => answer(), (client, requests) =>
        Effect.gen(function*() {
          const calls: ReadonlyArray<Effect.Effect<unknown, LemlistError.LemlistError>> = [
            client.bulkEnrich([item]),
            client.enrich({ email: "a@b.c" }, ["verify"]),
            client.enrichLead("lea_1", ["verify"])
          ]
          for (const call of calls) {
            const error = yield* Effect.flip(call)
            assert.strictEqual(error._tag, tag)
            assert.isTrue(error.mayHaveTakenEffect)
            assert.isFalse(LemlistClient.safeToResend(error))
            if (connected !== undefined && error._tag === "Transport") assert.strictEqual(error.connected, connected)
          }
          assert.strictEqual(requests.length, 3)
          assert.strictEqual((yield* client.stats).retries, 0)
        }), { timeout: "1 second" }))
  }

  it.scoped("a timeout says how long it waited", () =>
    withStub(
      () => ({ fault: "hang" }),
      (client) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.bulkEnrich([item]))
          assert.deepStrictEqual(error._tag === "Timeout" && error.afterMillis, 2500)
          assert.include(error.message, "2500 ms")
        }),
      { timeout: "2500 millis" }
    ))

  it.scoped("a refused connection surely did nothing: resent", () =>
    withStub(script([{ fault: "refused" }, { fault: "dns" }], ok), (client, requests) =>
      Effect.gen(function*() {
        const out = yield* client.bulkEnrich([item])
        assert.strictEqual(out[0]._tag, "Accepted")
        assert.strictEqual(requests.length, 3)
        assert.strictEqual((yield* client.stats).retries, 2)
      })))

  it.scoped("a connection never made, for good: Transport with connected false, safe to resend", () =>
    withStub(() => ({ fault: "refused" }), (client, requests) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.bulkEnrich([item]))
        assert.deepStrictEqual(error._tag === "Transport" && error.connected, false)
        assert.isFalse(error.mayHaveTakenEffect)
        assert.include(error.message, "ECONNREFUSED")
        assert.strictEqual(requests.length, 6)
      })))

  it.scoped("a 429 is waited out per Retry-After, then resent once", () =>
    Effect.gen(function*() {
      const clock = yield* Effect.clock
      const times: Array<number> = []
      yield* withStub(
        (_, n) => {
          times.push(clock.unsafeCurrentTimeMillis())
          return n === 0 ? text(429, "Too many requests", { "retry-after": "3" }) : ok()
        },
        (client, requests) =>
          Effect.gen(function*() {
            yield* client.bulkEnrich([item])
            assert.strictEqual(requests.length, 2)
            assert.deepStrictEqual(yield* client.stats, { requests: 2, rateLimited: 1, retries: 1 })
          })
      )
      assert.isAtLeast(times[1] - times[0], 3000)
      assert.isBelow(times[1] - times[0], 3200)
    }))

  it.scoped("a 429 pauses every method of the key, not only the refused call", () =>
    Effect.gen(function*() {
      const clock = yield* Effect.clock
      const log: Array<[string, number]> = []
      yield* withStub(
        (req, n) => {
          log.push([req.url.pathname, clock.unsafeCurrentTimeMillis()])
          if (n === 0) return text(429, "Too many requests", { "retry-after": "2" })
          return req.url.pathname.endsWith("bulk") ? ok() : json(200, { credits: 1 })
        },
        (client) =>
          Effect.gen(function*() {
            const first = yield* Effect.fork(client.bulkEnrich([item]))
            yield* Effect.sleep("50 millis")
            yield* client.credits
            yield* first.await
          })
      )
      const creditsAt = log.find(([path]) => path.endsWith("credits"))![1]
      assert.isAtLeast(creditsAt, 2000)
    }))

  it.scoped("overriding the schedule cannot make an ambiguous failure retried", () =>
    withStub(
      () => text(500, "x"),
      (client, requests) =>
        Effect.gen(function*() {
          yield* Effect.flip(client.bulkEnrich([item]))
          assert.strictEqual(requests.length, 1)
        }),
      { retry: { nonIdempotent: Schedule.forever } }
    ))

  it.scoped("createHook is not resent after an ambiguous failure either", () =>
    withStub(() => text(502, "x"), (client, requests) =>
      Effect.gen(function*() {
        yield* Effect.flip(client.createHook({ targetUrl: "http://127.0.0.1/h", secret: "s" }))
        assert.strictEqual(requests.length, 1)
      })))
})

describe("spans and secrets", () => {
  it.scoped("one span per call, named after the route; no attribute holds the key or the secret", () =>
    Effect.gen(function*() {
      const base = yield* Effect.tracer
      const spans: Array<Tracer.Span> = []
      const tracer = Tracer.make({
        span: (...args) => {
          const span = base.span(...args)
          spans.push(span)
          return span
        },
        context: base.context
      })
      yield* withStub(
        (req) =>
          req.url.pathname.endsWith("bulk")
            ? ok()
            : req.url.pathname.endsWith("hooks")
            ? json(200, { _id: "hoo_1", targetUrl: "u" })
            : json(200, { credits: 1 }),
        (client) =>
          Effect.gen(function*() {
            yield* client.bulkEnrich([item])
            yield* client.credits
            yield* client.createHook({ targetUrl: "http://127.0.0.1/h", secret: "hook-secret-42" })
          }).pipe(Effect.withTracer(tracer))
      )
      const names = spans.map((s) => s.name)
      assert.includeMembers(names, ["LemlistClient.bulkEnrich", "LemlistClient.credits", "LemlistClient.createHook"])
      const bulk = spans.find((s) => s.name === "LemlistClient.bulkEnrich")!
      assert.strictEqual(bulk.attributes.get("lemlist.items"), 1)
      assert.strictEqual(bulk.attributes.get("http.response.status_code"), 200)
      const everything = JSON.stringify(spans.map((s) => [s.name, [...s.attributes.entries()]]))
      assert.notInclude(everything, "test-key-0123456789")
      assert.notInclude(everything, btoa(":test-key-0123456789"))
      assert.notInclude(everything, "hook-secret-42")
    }))
})
