/**
 * The data path of `Enrichment.run` (docs/architecture.md): validate → journal → batch →
 * submit → journal → collect → journal → emit.
 *
 * One fiber owns the run's state (`owner.ts`), applying each lead's lifecycle (`lifecycle.ts`)
 * to the events the others send it: a producer fiber reads the leads (`admit.ts`) and submits
 * batches (`submit.ts`); results arrive from the webhook receiver's subscription and from the
 * poller (`poller.ts`). The owner records outcomes in the journal, then hands them to the output
 * mailbox. A semaphore bounds the leads read but not yet emitted, so memory stays flat and the
 * stream exerts backpressure on its source.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Record from "effect/Record"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { Options } from "../Enrichment.js"
import type { CreditsExhausted, JournalError } from "../EnrichmentError.js"
import { InsufficientCreditsForRun } from "../EnrichmentError.js"
import { PacerStoreError } from "../RequestPacer.js"
import { Journal } from "../Journal.js"
import * as Lead from "../Lead.js"
import { LemlistClient } from "../LemlistClient.js"
import type * as LemlistError from "../LemlistError.js"
import type { Outcome } from "../Outcome.js"
import * as Progress from "../Progress.js"
import { WebhookReceiver } from "../WebhookReceiver.js"
import { admit } from "./admit.js"
import type * as Lifecycle from "./lifecycle.js"
import * as Deliveries from "./deliveries.js"
import * as Metrics from "./metrics.js"
import * as Owner from "./owner.js"
import type { RunEvent } from "./events.js"
import { isStream, maxRunCost } from "./plan.js"
import type { PollCommand } from "./events.js"
import { poller } from "./poller.js"
import * as RequestCount from "./requestCount.js"
import * as Settings from "./settings.js"
import * as Tally from "./tally.js"
import { submit } from "./submit.js"
import * as Workers from "./workers.js"

type RunError = InsufficientCreditsForRun | CreditsExhausted | JournalError | PacerStoreError | LemlistError.Unauthorized

/** The most the run can cost against what the team has (needs an array, `total` or `budget`). */
const checkCredits = (client: LemlistClient["Type"], settings: Settings.Settings, options: Options, leads: unknown) =>
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
  })).pipe(
    // The run's fibers are forked inside it: the client's LemlistClient.* spans are its children.
    Stream.withSpan("Enrichment.run", {
      attributes: {
        "lemlist.types": options.types.join(","),
        ...(options.total === undefined ? {} : { "lemlist.total": options.total })
      }
    })
  )

const start = <E, R>(
  leads: Stream.Stream<Lead.Lead, E, R> | Iterable<Lead.Lead>,
  options: Options,
  requestCount: RequestCount.RequestCount
) =>
  Effect.gen(function*() {
    const client = yield* LemlistClient
    const journal = yield* Journal
    const receiver = yield* Effect.serviceOption(WebhookReceiver)
    const settings = Settings.settings(options, Option.getOrUndefined(receiver))
    // Subscribed first: results that come from now on (lemlist's retries reaching a restarted
    // process) wait for the owner in the subscription.
    const results = Option.isSome(receiver) ? yield* receiver.value.subscribe : undefined
    // Whether the run ended (every lead its outcome) rather than stopped: a consumer that takes
    // fewer outcomes ends the stream, and the run's scope, without an interrupt. What the run
    // still holds when it is over is let pass if it ended, asked for again if it stopped.
    let ended = false
    if (results !== undefined) {
      // Runs before the subscription's own finalizer, which knows only the scope's exit.
      yield* Effect.addFinalizer(() =>
        Effect.map(Queue.takeAll(results), Chunk.forEach((r) => Deliveries.release(r, ended)))
      )
    }
    yield* checkCredits(client, settings, options, leads)

    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const progress = options.progress ?? (yield* Progress.make(options.total))
    const out = yield* Mailbox.make<Outcome, RunError | E>({ capacity: 4096 })
    const inFlight = yield* Effect.makeSemaphore(settings.maxInFlight)
    const events = yield* Queue.bounded<RunEvent>(4096)
    const polls = yield* Queue.unbounded<PollCommand>()
    // Several workers: leads taken over from a dead worker, to send.
    const resends = yield* Queue.unbounded<Lifecycle.Lead>()
    const tell = (event: RunEvent) => Queue.offer(events, event)
    const ask = <A>(event: (reply: (a: A) => void) => RunEvent) =>
      Effect.flatMap(Deferred.make<A>(), (deferred) =>
        Effect.zipRight(tell(event((a) => Deferred.unsafeDone(deferred, Effect.succeed(a)))), Deferred.await(deferred)))

    // Progress is a fold over the run's events (the leads' states) and its own requests,
    // published at most every 50 ms of the clock: a snapshot per outcome would cost more than it.
    let lastPublished = -Infinity
    // Every round, not throttled as progress is: a run stopped early still counts what it emitted.
    const recordMetrics = Metrics.recorder()
    const owner = Owner.make<RunError | E>({
      settings,
      journal,
      now,
      out,
      polls,
      resend: (leads) => leads.forEach((lead) => resends.unsafeOffer(lead)),
      onRound: (tally, extra, emitted, last) =>
        Effect.zipRight(
          Effect.zipRight(inFlight.release(emitted), recordMetrics(tally, extra)),
          !last && now() - lastPublished < 50 ? Effect.void : Effect.suspend(() => {
            lastPublished = now()
            return SubscriptionRef.update(progress, (p) => ({
              ...p,
              read: extra.read,
              rejectedLocally: tally.rejectedLocally,
              submitted: tally.submitted,
              pending: tally.pending,
              pendingFromEarlierRun: tally.pendingFromEarlierRun,
              resumed: Tally.resumedWithCopies(tally, extra),
              creditsSpent: tally.creditsSpent,
              outcomes: Record.map(tally.outcomes, (_, tag) => Tally.outcomesWithCopies(tally, extra, tag)),
              requests: requestCount.requests,
              rateLimited: requestCount.rateLimited,
              updatedAt: lastPublished
            }))
          })
        )
    })

    const source: Stream.Stream<Lead.Lead, E, R> = isStream(leads) ? leads : Stream.fromIterable(leads)
    // Read in chunks of at least 500 (each costs a journal read, and a claim with several
    // workers, whatever its size), batched for sending below.
    const admitted = source.pipe(
      Stream.rechunk(Math.max(settings.batchSize, Math.min(500, settings.maxInFlight))),
      Stream.mapChunksEffect((chunk) => Effect.zipRight(inFlight.take(chunk.length), admit({ settings, journal, ask })(chunk)))
    )
    // Several workers: the leads taken over join the batches; the run ends when the owner says.
    const toSend = settings.worker === undefined
      ? admitted
      : Stream.merge(Stream.concat(admitted, Stream.execute(tell({ _tag: "InputDone" }))), Stream.fromQueue(resends))
    const producer = toSend.pipe(
      Stream.groupedWithin(settings.batchSize, options.batchWait ?? "200 millis"),
      Stream.mapEffect(submit({ settings, client, journal, tell, ask }), { concurrency: options.concurrency ?? 2 }),
      Stream.runDrain,
      Effect.zipRight(tell({ _tag: "InputDone" }))
    )

    // A failure or a defect in a background fiber ends the stream with it (otherwise the
    // stream would never end). The pacer's store failing kills the request's fiber (the pacer
    // and the client have no error channel for it): the run fails with it, typed.
    const guard = <A extends RunError | E, Req>(self: Effect.Effect<unknown, A, Req>) =>
      self.pipe(
        Effect.catchAll((e) => out.fail(e)),
        Effect.catchAllDefect((defect) =>
          defect instanceof PacerStoreError ? out.fail(defect) : out.failCause(Cause.die(defect))
        )
      )
    // Results the owner had not taken when the run is over (this finalizer runs after it is
    // interrupted), released as those it held (`owner.ts`).
    yield* Effect.addFinalizer(() =>
      Effect.map(Queue.takeAll(events), (left) => {
        for (const event of left) if (event._tag === "Delivered" && event.received) Deliveries.release(event.received, ended)
      })
    )
    yield* Effect.forkScoped(guard(Effect.tap(owner.run(events), () => Effect.sync(() => (ended = true)))))
    yield* Effect.forkScoped(guard(producer))
    yield* Effect.forkScoped(guard(poller({ client, concurrency: settings.polling.concurrency, now, commands: polls, events })))
    if (settings.worker !== undefined) {
      yield* Effect.annotateCurrentSpan("lemlist.worker", settings.worker.id)
      yield* Effect.forkScoped(guard(Workers.background({ worker: settings.worker, journal, ask, tell })))
    }
    if (results !== undefined) {
      // A batch of results per offer: a turn of the owner per batch, not per result.
      yield* Effect.forkScoped(Deliveries.forward(
        results,
        (received) => Queue.offerAll(events, Chunk.map(received, (r): RunEvent => ({ _tag: "Delivered", delivery: r.delivery, received: r }))),
        () => ended
      ))
      // A round at least every second: an early result held for its id is answered in time.
      yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep("1 second"), tell({ _tag: "Tick" }))))
    }
    return Mailbox.toStream(out)
  })
