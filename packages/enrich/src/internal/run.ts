/**
 * The data path of `Enrichment.run` (docs/architecture.md): validate → journal → batch →
 * submit → journal → collect → journal → emit.
 *
 * A producer fiber reads the leads (`admit.ts`) and submits batches (`submit.ts`); results
 * arrive through the result hub (webhooks, and `poller.ts`); a writer fiber records outcomes
 * in the journal, then hands them to the output mailbox. A semaphore bounds the leads read but
 * not yet emitted, so memory stays flat and the stream exerts backpressure on its source.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { Options } from "../Enrichment.js"
import { CreditsExhausted, InsufficientCreditsForRun, type JournalError } from "../EnrichmentError.js"
import { Journal } from "../Journal.js"
import * as Lead from "../Lead.js"
import { LemlistClient } from "../LemlistClient.js"
import type * as LemlistError from "../LemlistError.js"
import type { Outcome } from "../Outcome.js"
import * as Progress from "../Progress.js"
import { WebhookReceiver } from "../WebhookReceiver.js"
import { admit } from "./admit.js"
import { isStream, maxRunCost } from "./plan.js"
import * as RequestCount from "./requestCount.js"
import { poller } from "./poller.js"
import * as ResultHub from "./resultHub.js"
import * as RunState from "./runState.js"
import { submit } from "./submit.js"

type RunError = InsufficientCreditsForRun | CreditsExhausted | JournalError | LemlistError.Unauthorized

/** The most the run can cost against what the team has (needs an array, `total` or `budget`). */
const checkCredits = (client: LemlistClient["Type"], settings: RunState.Settings, options: Options, leads: unknown) =>
  Effect.gen(function*() {
    const mode = options.creditCheck ?? "fail"
    if (mode === "off") return
    const required = Math.min(maxRunCost(leads, settings, options), options.budget ?? Infinity)
    if (!Number.isFinite(required)) return
    const credits = yield* client.credits.pipe(
      Effect.map((c) => Option.some(c.credits)),
      Effect.catchIf(
        (e): e is Exclude<LemlistError.LemlistError, LemlistError.Unauthorized> => e._tag !== "Unauthorized",
        (e) => Effect.as(Effect.logWarning(`credit check skipped: ${e.message}`), Option.none<number>())
      )
    )
    const available = Option.getOrElse(credits, () => Infinity)
    if (available >= required) return
    const error = new InsufficientCreditsForRun({ available, required })
    if (mode === "fail") return yield* Effect.fail(error)
    yield* Effect.logWarning(error.message)
  })

/** @internal */
export const run = <E = never, R = never>(
  leads: Stream.Stream<Lead.Lead, E, R> | Iterable<Lead.Lead>,
  options: Options
): Stream.Stream<Outcome, RunError | E, R | LemlistClient | Journal> =>
  Stream.unwrapScoped(Effect.suspend(() => {
    const requestCount: RequestCount.RequestCount = { requests: 0, rateLimited: 0 }
    // Every fiber of the run (and the client's, forked from them) counts into this run's own.
    return Effect.locally(start(leads, options, requestCount), RequestCount.current, requestCount)
  }))

const start = <E, R>(
  leads: Stream.Stream<Lead.Lead, E, R> | Iterable<Lead.Lead>,
  options: Options,
  requestCount: RequestCount.RequestCount
) =>
  Effect.gen(function*() {
    const client = yield* LemlistClient
    const journal = yield* Journal
    const receiver = yield* Effect.serviceOption(WebhookReceiver)
    const settings = RunState.settings(options, Option.getOrUndefined(receiver))
    yield* checkCredits(client, settings, options, leads)

    const state = yield* RunState.make({
      settings,
      client,
      journal,
      hub: Option.match(receiver, { onNone: () => ResultHub.make(), onSome: (r) => r.hub }),
      progress: options.progress ?? (yield* Progress.make(options.total)),
      requestCount
    })
    const { flow } = state
    const out = yield* Mailbox.make<Outcome, RunError | E>({ capacity: 4096 })
    const inFlight = yield* Effect.makeSemaphore(settings.maxInFlight)

    // The end, once the input is read and every lead has its outcome out.
    const finish = Effect.zipRight(
      state.publishNow,
      Effect.suspend(() => flow.creditsGone ? out.fail(new CreditsExhausted({ notSubmitted: flow.notSubmitted })) : out.end)
    )

    // Outcomes to the journal first, then out: an emitted outcome is always recorded.
    const writer = Effect.gen(function*() {
      for (;;) {
        const batch = Chunk.toReadonlyArray(yield* Queue.takeBetween(state.emissions, 1, 1000))
        yield* journal.recordOutcomes(batch.filter((e) => e.store).map((e) => e.outcome))
        for (const e of batch) e.onRecorded?.()
        for (const { outcome } of batch) state.outcomeCounts[outcome._tag]++
        yield* out.offerAll(batch.map((e) => e.outcome))
        flow.outstanding -= batch.length
        yield* inFlight.release(batch.length)
        yield* state.publish
        if (flow.inputDone && flow.outstanding === 0) return yield* finish
      }
    })

    const source: Stream.Stream<Lead.Lead, E, R> = isStream(leads) ? leads : Stream.fromIterable(leads)
    const producer = source.pipe(
      Stream.rechunk(settings.batchSize),
      Stream.mapChunksEffect((chunk) => Effect.zipRight(inFlight.take(chunk.length), admit(state)(chunk))),
      Stream.groupedWithin(settings.batchSize, options.batchWait ?? "200 millis"),
      Stream.mapEffect(submit(state), { concurrency: options.concurrency ?? 2 }),
      Stream.runDrain,
      Effect.zipRight(Effect.suspend(() => {
        flow.inputDone = true
        return flow.outstanding === 0 ? finish : Effect.void
      }))
    )

    // A failure or a defect in a background fiber ends the stream with it (otherwise the
    // stream would never end).
    const guard = <A extends RunError | E, Req>(self: Effect.Effect<void, A, Req>) =>
      self.pipe(Effect.catchAll((e) => out.fail(e)), Effect.catchAllDefect((defect) => out.failCause(Cause.die(defect))))
    yield* Effect.forkScoped(guard(writer))
    yield* Effect.forkScoped(guard(producer))
    const pollFiber = yield* Effect.forkScoped(guard(poller(state)))
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(Fiber.interrupt(pollFiber), Effect.sync(() => {
        for (const id of state.polled.keys()) state.hub.forget(id)
      }))
    )
    return Mailbox.toStream(out)
  })
