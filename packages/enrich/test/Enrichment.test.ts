import {
  Enrichment,
  EnrichmentError,
  Journal,
  type Lead,
  LemlistClient,
  LemlistError,
  type Outcome,
  Progress,
  WebhookReceiver
} from "@lemlist-effect/enrich"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Context, Data, Deferred, Effect, Either, Fiber, Layer, Stream, TestClock } from "effect"
import { driven, settle } from "./support/drive.js"
import { makeFake } from "./support/FakeLemlist.js"

const lead = (i: number): Lead.Lead => ({
  input: { firstName: `F${i}`, lastName: `L${i}`, companyName: `C${i}`, companyDomain: `c${i}.example` },
  metadata: { row: i }
})

const collect = (leads: Iterable<Lead.Lead>, options: Partial<Enrichment.Options> = {}) =>
  Enrichment.run(leads, { types: ["find_email"], creditCheck: "off", ...options }).pipe(
    Stream.runCollect,
    Effect.map(Chunk.toReadonlyArray),
    driven
  )

const byTag = (outcomes: ReadonlyArray<Outcome.Outcome>) =>
  outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o._tag]: (acc[o._tag] ?? 0) + 1 }), {})

describe("Enrichment.run with a scripted client", () => {
  it.effect("one outcome per lead, metadata carried, in batches of at most 500", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const leads = Array.from({ length: 1_234 }, (_, i) => lead(i))
      const outcomes = yield* collect(leads).pipe(Effect.provide([fake.layer, Journal.layerMemory]))
      assert.strictEqual(outcomes.length, 1_234)
      assert.deepStrictEqual(byTag(outcomes), { Enriched: 1_234 })
      assert.deepStrictEqual(
        new Set(outcomes.map((o) => (o.metadata as { row: number }).row)).size,
        1_234
      )
      assert.strictEqual(fake.bulkCalls(), 3)
      assert.strictEqual(new Set(fake.submittedKeys).size, 1_234)
    }))

  it.effect("a lead that would fail is rejected locally, costing no request", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const outcomes = yield* collect([
        { input: { firstName: "Ada" }, key: "no-company" },
        { input: {}, key: "empty" },
        { input: { email: "ada@example.com" }, types: ["verify"], key: "ok" }
      ]).pipe(Effect.provide([fake.layer, Journal.layerMemory]))
      const rejected = outcomes.filter((o): o is Outcome.RejectedLocally => o._tag === "RejectedLocally")
      assert.deepStrictEqual(rejected.map((o) => [o.key, o.code]), [["no-company", "MISSING_INPUTS"], ["empty", "WRONG_INPUT_FORMAT"]])
      assert.deepStrictEqual(fake.submittedKeys, ["ok"])
    }))

  it.effect("duplicate leads are sent once and each gets an outcome", () =>
    Effect.gen(function*() {
      const fake = makeFake({ pollsBeforeDone: 2 })
      const outcomes = yield* collect([lead(1), { ...lead(1), metadata: "copy" }, lead(2)]).pipe(
        Effect.provide([fake.layer, Journal.layerMemory])
      )
      assert.strictEqual(outcomes.length, 3)
      assert.strictEqual(fake.submittedKeys.length, 2)
      assert.include(outcomes.map((o) => o.metadata), "copy")
    }))

  it.effect("an ambiguous submit ends undetermined and is not resent by default", () =>
    Effect.gen(function*() {
      const fake = makeFake({
        failBulk: (n) => n === 0 ? { error: new LemlistError.ServerError({ status: 502 }), created: true } : undefined
      })
      const outcomes = yield* collect([lead(1), lead(2)], { batchSize: 1 }).pipe(
        Effect.provide([fake.layer, Journal.layerMemory])
      )
      assert.deepStrictEqual(byTag(outcomes), { Undetermined: 1, Enriched: 1 })
      assert.strictEqual(fake.submittedKeys.length, 2)
    }))

  it.effect("resendUndetermined resends an ambiguous submit", () =>
    Effect.gen(function*() {
      const fake = makeFake({
        failBulk: (n) => n === 0 ? { error: new LemlistError.Timeout({ afterMillis: 30_000 }), created: false } : undefined
      })
      const outcomes = yield* collect([lead(1)], { resendUndetermined: true }).pipe(
        Effect.provide([fake.layer, Journal.layerMemory])
      )
      assert.deepStrictEqual(byTag(outcomes), { Enriched: 1 })
      assert.strictEqual(fake.bulkCalls(), 2)
    }))

  it.effect("an id lemlist no longer knows (404 on poll) ends the lead at once, not at the deadline", () =>
    Effect.gen(function*() {
      const fake = makeFake({ pollError: new LemlistError.NotFound({ resource: "Enrichment" }) })
      const outcomes = yield* collect([lead(1)]).pipe(Effect.provide([fake.layer, Journal.layerMemory]))
      assert.deepStrictEqual(outcomes.map((o) => o._tag === "Failed" && o.reason), ["Expired"])
    }))

  it.effect("bad credentials stop the run with a typed error", () =>
    Effect.gen(function*() {
      const fake = makeFake({
        failBulk: () => ({ error: new LemlistError.Unauthorized({ reason: "InvalidKey", status: 401 }), created: false })
      })
      const result = yield* Effect.either(collect([lead(1)]).pipe(Effect.provide([fake.layer, Journal.layerMemory])))
      assert.isTrue(Either.isLeft(result) && result.left._tag === "Unauthorized")
    }))

  it.effect("credits gone (402) mid-run: every lead accounted for, then a typed stop", () =>
    Effect.gen(function*() {
      const fake = makeFake({
        failBulk: (n) => n >= 2 ? { error: new LemlistError.InsufficientCredits(), created: false } : undefined
      })
      const seen: Array<Outcome.Outcome> = []
      const result = yield* Enrichment.run(Array.from({ length: 10 }, (_, i) => lead(i)), {
        types: ["find_email"],
        batchSize: 2,
        concurrency: 1,
        creditCheck: "off"
      }).pipe(
        Stream.runForEach((o) => Effect.sync(() => seen.push(o))),
        driven,
        Effect.either,
        Effect.provide([fake.layer, Journal.layerMemory])
      )
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.instanceOf(result.left, EnrichmentError.CreditsExhausted)
        assert.strictEqual((result.left as EnrichmentError.CreditsExhausted).notSubmitted, 6)
      }
      assert.strictEqual(seen.length, 10)
      assert.deepStrictEqual(byTag(seen), { Enriched: 4, Failed: 6 })
    }))

  it.effect("the pre-flight check refuses a run the team cannot pay", () =>
    Effect.gen(function*() {
      const fake = makeFake({ credits: 10 })
      const result = yield* Effect.either(
        collect([lead(1), lead(2), lead(3)], { total: 3, creditCheck: "fail" }).pipe(
          Effect.provide([fake.layer, Journal.layerMemory])
        )
      )
      assert.isTrue(Either.isLeft(result) && result.left._tag === "InsufficientCreditsForRun")
      assert.strictEqual(fake.bulkCalls(), 0)
    }))

  it.effect("the pre-flight check of an array counts each lead's own workflows, without `total`", () =>
    Effect.gen(function*() {
      // find_email costs at most 5: three leads that can run it need 15 credits, one that
      // cannot (skipped under skip-type) costs nothing.
      const leads = [lead(1), lead(2), lead(3), { input: { lastName: "Only" }, metadata: { row: 4 } }]
      const refused = yield* Effect.either(
        collect(leads, { creditCheck: "fail", missingInputs: "skip-type" }).pipe(
          Effect.provide([makeFake({ credits: 14 }).layer, Journal.layerMemory])
        )
      )
      assert.deepStrictEqual(
        Either.isLeft(refused) && refused.left._tag === "InsufficientCreditsForRun" && refused.left.required,
        15
      )
      const paid = yield* collect(leads, { creditCheck: "fail", missingInputs: "skip-type" }).pipe(
        Effect.provide([makeFake({ credits: 15 }).layer, Journal.layerMemory])
      )
      assert.strictEqual(paid.length, 4)
    }))

  it.effect("a rerun re-emits a done lead to each of its duplicates in the same chunk", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const journal = yield* Effect.provide(Journal.Journal, Journal.layerMemory)
      const layers = [fake.layer, Layer.succeed(Journal.Journal, journal)] as const
      yield* collect([lead(1)]).pipe(Effect.provide(layers))
      const again = yield* collect([lead(1), { ...lead(1), metadata: { row: 2 } }]).pipe(Effect.provide(layers))
      assert.deepStrictEqual(again.map((o) => o.metadata), [{ row: 1 }, { row: 2 }])
      assert.strictEqual(fake.bulkCalls(), 1, "nothing sent again")
    }))

  it.effect("the source stream keeps its error and requirement types", () =>
    Effect.gen(function*() {
      class SourceFailed extends Data.TaggedError("SourceFailed")<{ readonly row: number }> {}
      class Rows extends Context.Tag("Rows")<Rows, number>() {}
      const source = Stream.unwrap(Effect.map(Rows, (n) => Stream.range(1, n))).pipe(
        Stream.mapEffect((i) => (i === 3 ? Effect.fail(new SourceFailed({ row: i })) : Effect.succeed(lead(i))))
      )
      const fake = makeFake()
      const result = yield* Enrichment.run(source, { types: ["find_email"], creditCheck: "off" }).pipe(
        Stream.runCollect,
        driven,
        Effect.either,
        Effect.provide([fake.layer, Journal.layerMemory, Layer.succeed(Rows, 5)])
      )
      // Typed: `catchTag` sees SourceFailed next to the run's own errors.
      assert.deepStrictEqual(Either.isLeft(result) && result.left._tag === "SourceFailed" && result.left.row, 3)
    }))

  it.effect("a budget caps what is committed", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const outcomes = yield* collect(Array.from({ length: 5 }, (_, i) => lead(i)), { budget: 10 }).pipe(
        Effect.provide([fake.layer, Journal.layerMemory])
      )
      assert.deepStrictEqual(byTag(outcomes), { Enriched: 2, Failed: 3 })
      assert.strictEqual(fake.submittedKeys.length, 2)
    }))

  const rerunFake = makeFake()
  it.effect("a rerun with the same journal re-emits stored outcomes without calling lemlist", () =>
    Effect.gen(function*() {
      const fake = rerunFake
      const leads = Array.from({ length: 50 }, (_, i) => lead(i))
      const first = yield* collect(leads)
      const second = yield* collect(leads)
      assert.strictEqual(first.length, 50)
      assert.strictEqual(second.length, 50)
      assert.strictEqual(fake.bulkCalls(), 1)
      assert.deepStrictEqual(
        second.map((o) => o.key).sort(),
        first.map((o) => o.key).sort()
      )
    }).pipe(Effect.provide(Journal.layerMemory), Effect.provide(rerunFake.layer)))

  it.scoped("results that arrive together are recorded together: one journal write, not one for the first and one for the rest", () =>
    Effect.gen(function*() {
      const fake = makeFake()
      const receiver = yield* WebhookReceiver.make({ publicUrl: "https://hooks.example.com/lemlist/" })
      // The clock moves 60 ms as the bulk call answers, so the owner's round that handles the
      // answer publishes progress (it does at most every 50 ms of the clock): the signal that the
      // leads await their results. Results sent before it would wait as early ones instead.
      const client = Layer.effect(
        LemlistClient.LemlistClient,
        Effect.map(LemlistClient.LemlistClient, (c) => ({ ...c, bulkEnrich: (items, o) => Effect.zipLeft(c.bulkEnrich(items, o), TestClock.adjust("60 millis")) }))
      ).pipe(Layer.provide(fake.layer))
      const writes: Array<number> = []
      const journal = Layer.effect(
        Journal.Journal,
        Effect.map(Journal.Journal, (j) => ({ ...j, recordOutcomes: (o) => Effect.zipRight(Effect.sync(() => writes.push(o.length)), j.recordOutcomes(o)) }))
      ).pipe(Layer.provide(Journal.layerMemory))
      const progress = yield* Progress.make(40)
      const run = yield* Enrichment.run(Array.from({ length: 40 }, (_, i) => lead(i)), { types: ["find_email"], creditCheck: "off", batchSize: 40, progress }).pipe(
        Stream.runCollect,
        Effect.provide([client, journal, Layer.succeed(WebhookReceiver.WebhookReceiver, receiver)]),
        Effect.fork
      )
      yield* progress.changes.pipe(Stream.takeUntil((p) => p.submitted === 40), Stream.runDrain)
      // 40 webhooks read in one turn of the event loop, as from 40 sockets at once.
      const replies = yield* Effect.promise(() =>
        Promise.all([...fake.records.values()].map((r) =>
          receiver.receive({
            path: receiver.url,
            body: JSON.stringify({
              type: "enrichmentDone",
              data: [{ id: r.id, data: { find_email: { email: "ada@acme.example", status: "deliverable" } }, metadata: r.item.metadata }]
            })
          })
        ))
      )
      const outcomes = yield* Fiber.join(run)
      assert.deepStrictEqual(replies.map((r) => r.status), Array(40).fill(200))
      assert.deepStrictEqual(byTag(Chunk.toReadonlyArray(outcomes)), { Enriched: 40 })
      assert.deepStrictEqual(writes, [40])
    }))
})

describe("Enrichment.run and results that beat their bulk call's answer", () => {
  /**
   * A run of `n` leads in one batch whose bulk call is made (the fake creates the enrichments)
   * and answered only once `answer` is given, with a webhook receiver; `held` is done once the
   * call is made.
   */
  /** Turns of the event loop enough for a result to go from the receiver to the run's owner and back. */
  const settled = Effect.repeatN(settle, 20)

  const heldRun = (n: number, consumer: { readonly stop?: Deferred.Deferred<void> } = {}) =>
    Effect.gen(function*() {
      const fake = makeFake()
      const made = yield* Deferred.make<void>()
      const answer = yield* Deferred.make<void>()
      const client = Layer.effect(
        LemlistClient.LemlistClient,
        Effect.map(LemlistClient.LemlistClient, (c) => ({
          ...c,
          bulkEnrich: (items, o) =>
            c.bulkEnrich(items, o).pipe(Effect.tap(() => Deferred.succeed(made, undefined)), Effect.zipLeft(Deferred.await(answer)))
        }))
      ).pipe(Layer.provide(fake.layer))
      const journal = yield* Layer.build(Journal.layerMemory)
      const receiver = yield* WebhookReceiver.make({ publicUrl: "https://hooks.example.com/lemlist/" })
      const run = yield* Enrichment.run(Array.from({ length: n }, (_, i) => lead(i)), { types: ["find_email"], creditCheck: "off", batchSize: n }).pipe(
        // A consumer that stops early ends the stream without an interrupt.
        (stream) => (consumer.stop === undefined ? stream : Stream.interruptWhen(stream, Deferred.await(consumer.stop))),
        Stream.runCollect,
        Effect.provide([client, Layer.succeed(WebhookReceiver.WebhookReceiver, receiver)]),
        Effect.provide(journal),
        Effect.fork
      )
      yield* Deferred.await(made)
      /** Posts a result as lemlist would; its reply's status once it is answered. */
      const post = (id: string, metadata: unknown) => {
        const reply: { status?: number } = {}
        void receiver.receive({
          path: receiver.url,
          body: JSON.stringify({
            type: "enrichmentDone",
            data: [{ id, data: { find_email: { email: "ada@acme.example", status: "deliverable" } }, metadata }]
          })
        }).then((r) => (reply.status = r.status))
        return reply
      }
      const results = () => [...fake.records.values()].map((r) => ({ key: String(r.item.metadata), reply: post(r.id, r.item.metadata) }))
      const recorded = (keys: ReadonlyArray<string>) =>
        Effect.map(Context.get(journal, Journal.Journal).lookup(keys), (entries) => keys.filter((k) => entries.get(k)?._tag === "Done"))
      return { answer, results, post, recorded, run }
    })

  it.scoped("each is answered once its outcome is recorded, after the answer, not before", () =>
    Effect.gen(function*() {
      const { answer, recorded, results, run } = yield* heldRun(5)
      const posted = results()
      yield* settled
      assert.deepStrictEqual(posted.map((p) => p.reply.status), Array(5).fill(undefined), "held: a 200 now would be lost with the process")
      yield* Deferred.succeed(answer, undefined)
      const outcomes = yield* Fiber.join(run)
      yield* settled
      assert.deepStrictEqual(byTag(Chunk.toReadonlyArray(outcomes)), { Enriched: 5 })
      assert.deepStrictEqual(posted.map((p) => p.reply.status), Array(5).fill(200))
      assert.strictEqual((yield* recorded(posted.map((p) => p.key))).length, 5)
    }))

  it.scoped("a run stopped meanwhile answers 200 only the results it recorded, 503 the others: lemlist sends them again", () =>
    Effect.gen(function*() {
      const { answer, recorded, results, run } = yield* heldRun(5)
      const posted = results()
      yield* settled
      // The request on the wire holds the interruption until its answer comes.
      const stopping = yield* Effect.fork(Fiber.interrupt(run))
      yield* settled
      yield* Deferred.succeed(answer, undefined)
      yield* Fiber.join(stopping)
      yield* settled
      const done = new Set(yield* recorded(posted.map((p) => p.key)))
      assert.deepStrictEqual(
        posted.map((p) => p.reply.status),
        posted.map((p) => (done.has(p.key) ? 200 : 503)),
        "200 if and only if recorded; none left unanswered"
      )
      assert.isBelow(done.size, 5, "the stop came first: some results are lemlist's to send again")
    }))

  it.scoped("a consumer that stops early (the stream ended, not interrupted): results still on their way to the run are asked for again", () =>
    Effect.gen(function*() {
      const stop = yield* Deferred.make<void>()
      const { answer, recorded, results, run } = yield* heldRun(5, { stop })
      yield* Deferred.succeed(stop, undefined)
      yield* settled
      // The run's fibers are stopping (the request on the wire holds them): these results
      // reach its subscription, not its owner.
      const posted = results()
      yield* settled
      yield* Deferred.succeed(answer, undefined)
      const outcomes = yield* Fiber.join(run)
      yield* settled
      assert.strictEqual(outcomes.length, 0)
      assert.deepStrictEqual(yield* recorded(posted.map((p) => p.key)), [])
      assert.deepStrictEqual(posted.map((p) => p.reply.status), Array(5).fill(503), "none answered 200 unrecorded")
    }))

  it.scoped("one whose id the run never learns (another run's) is answered 200 after 5 s, or at once when no call is on the wire", () =>
    Effect.gen(function*() {
      const { answer, post, results, run } = yield* heldRun(1)
      const stranger = post("enr_of_another_run", "another-run-lead")
      yield* settled
      yield* TestClock.adjust("4 seconds")
      yield* settled
      assert.isUndefined(stranger.status, "held while the call on the wire may name it")
      yield* TestClock.adjust("2 seconds")
      yield* settled
      assert.strictEqual(stranger.status, 200, "under lemlist's 10 s timeout for a delivery")
      yield* Deferred.succeed(answer, undefined)
      yield* settled
      const another = post("enr_of_yet_another_run", "another-run-lead-2")
      yield* settled
      assert.strictEqual(another.status, 200, "no call on the wire: nothing to wait for")
      const own = results()
      const outcomes = yield* Fiber.join(run)
      yield* settled
      assert.deepStrictEqual(byTag(Chunk.toReadonlyArray(outcomes)), { Enriched: 1 })
      assert.deepStrictEqual(own.map((p) => p.reply.status), [200])
    }))
})
