/**
 * The data path of `Enrichment.run` (ARCHITECTURE.md): validate → journal → batch → submit →
 * journal → collect → journal → emit.
 *
 * One producer fiber reads the leads and submits batches; results arrive through the result
 * hub (webhooks, polls); one writer fiber records outcomes in the journal, then hands them to
 * the output mailbox. A semaphore bounds the leads read but not yet emitted, so memory stays
 * flat and the stream exerts backpressure on its source.
 *
 * @internal
 */
import { EnrichmentType as Types, Result, Validation } from "@lemlist-effect/contract"
import type { Bulk, EnrichmentType } from "@lemlist-effect/contract"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { Options } from "../Enrichment.js"
import { CreditsExhausted, InsufficientCreditsForRun, type JournalError } from "../EnrichmentError.js"
import { Journal } from "../Journal.js"
import type { Lead } from "../Lead.js"
import { keyOf } from "../Lead.js"
import { LemlistClient } from "../LemlistClient.js"
import type * as LemlistError from "../LemlistError.js"
import { Failed, type Outcome, RejectedByLemlist, RejectedLocally, Undetermined } from "../Outcome.js"
import * as Progress from "../Progress.js"
import { WebhookReceiver } from "../WebhookReceiver.js"
import * as DueQueue from "./dueQueue.js"
import * as Outcomes from "./outcomes.js"
import * as ResultHub from "./resultHub.js"

/** A lead on its way: its key, its workflows, what to echo, and duplicates waiting on it. */
interface Active {
  readonly key: string
  readonly metadata: unknown
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  readonly followers: Array<unknown>
}

interface ToSubmit extends Active {
  readonly input: Bulk.EnrichmentInput
}

interface Emission {
  readonly outcome: Outcome
  /** Write it to the journal first (false for outcomes already there, or meant to be retried). */
  readonly store: boolean
  readonly resumed: boolean
}

interface Polled {
  readonly key: string
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  attempts: number
  readonly deadlineAt: number
}

/** A copy with other metadata, of the same class (a plain spread would lose the prototype). */
const withMetadata = (outcome: Outcome, metadata: unknown): Outcome =>
  outcome.metadata === metadata
    ? outcome
    : (Object.assign(Object.create(Object.getPrototypeOf(outcome)), outcome, { metadata }) as Outcome)

const describeRule = (code: string): string =>
  ({
    MISSING_INPUTS: "the lead lacks the inputs its workflows need",
    MISSING_EMAIL: "verify needs an email",
    MISSING_LINKEDIN_URL: "linkedin_enrichment needs a LinkedIn URL, an email, or names with a company",
    WRONG_INPUT_FORMAT: "the input has no usable field, or a field that is not a string",
    NO_WORKFLOW_REQUESTED: "no enrichment type was requested",
    UNAUTHORIZED_WORKFLOW_REQUESTED: "an unknown enrichment type was requested",
    WRONG_ENRICHMENT_REQUEST_FORMAT: "the enrichment types are not a list",
    WRONG_METADATA_FORMAT: "the metadata is neither a string nor an object"
  } as Record<string, string>)[code] ?? code

/** @internal */
export const run = (
  leads: Stream.Stream<Lead> | Iterable<Lead>,
  options: Options
): Stream.Stream<
  Outcome,
  InsufficientCreditsForRun | CreditsExhausted | JournalError | LemlistError.Unauthorized,
  LemlistClient | Journal
> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const client = yield* LemlistClient
    const journal = yield* Journal
    const receiver = yield* Effect.serviceOption(WebhookReceiver)
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()

    const types = [...new Set(options.types)]
    const costs = options.costs ?? Types.defaultCosts
    const batchSize = Math.max(1, Math.min(options.batchSize ?? 500, 500))
    const maxInFlight = Math.max(batchSize * 2, options.maxInFlight ?? 100_000)
    const polling = {
      initialDelay: Duration.toMillis(options.polling?.initialDelay ?? "2 seconds"),
      webhookGrace: Duration.toMillis(options.polling?.webhookGrace ?? "2 minutes"),
      maxInterval: Duration.toMillis(options.polling?.maxInterval ?? "30 seconds"),
      deadline: Duration.toMillis(options.polling?.deadline ?? "1 hour"),
      concurrency: options.polling?.concurrency ?? 10
    }
    const hub = Option.match(receiver, { onNone: () => ResultHub.make(), onSome: (r) => r.hub })
    const webhookUrl = Option.getOrUndefined(Option.map(receiver, (r) => r.url))
    const progress = options.progress ?? (yield* Progress.make(options.total))

    // Pre-flight: the most the run can cost against what the team has.
    const creditCheck = options.creditCheck ?? "fail"
    if (creditCheck !== "off") {
      const maxRunCost = options.total === undefined ? undefined : options.total * Types.maxCost(types, costs)
      const required = Math.min(maxRunCost ?? Infinity, options.budget ?? Infinity)
      if (Number.isFinite(required)) {
        const credits = yield* client.credits.pipe(
          Effect.map((c) => Option.some(c.credits)),
          Effect.catchIf(
            (e): e is Exclude<LemlistError.LemlistError, LemlistError.Unauthorized> => e._tag !== "Unauthorized",
            (e) => Effect.as(Effect.logWarning(`credit check skipped: ${e.message}`), Option.none<number>())
          )
        )
        const available = Option.getOrElse(credits, () => Infinity)
        if (available < required) {
          const error = new InsufficientCreditsForRun({ available, required })
          if (creditCheck === "fail") return yield* Effect.fail(error)
          yield* Effect.logWarning(error.message)
        }
      }
    }

    // Mutable run state: every mutation happens on the single JS thread between yields.
    const active = new Map<string, Active>()
    const polled = new Map<string, Polled>()
    const due = DueQueue.make()
    const counters = { read: 0, rejectedLocally: 0, submitted: 0, pending: 0, resumed: 0, creditsSpent: 0 }
    const outcomeCounts = { ...Progress.initial(0).outcomes }
    let committedCredits = 0
    let creditsGone = false
    let notSubmitted = 0
    let inputDone = false
    let outstanding = 0

    const out = yield* Mailbox.make<Outcome, InsufficientCreditsForRun | CreditsExhausted | JournalError | LemlistError.Unauthorized>(
      { capacity: 4096 }
    )
    const emissions = yield* Queue.unbounded<Emission>()
    const inFlight = yield* Effect.makeSemaphore(maxInFlight)

    const publish = Effect.gen(function*() {
      const stats = yield* client.stats
      yield* SubscriptionRef.update(progress, (p) => ({
        ...p,
        ...counters,
        outcomes: { ...outcomeCounts },
        requests: stats.requests,
        rateLimited: stats.rateLimited,
        updatedAt: now()
      }))
    })

    const emit = (outcome: Outcome, store = true, resumed = false) =>
      Queue.unsafeOffer(emissions, { outcome, store, resumed })

    /** The outcome of an active lead, and a copy for each duplicate of it in the input. */
    const settle = (key: string, outcome: Outcome, store = true) => {
      const lead = active.get(key)
      active.delete(key)
      emit(outcome, store)
      for (const metadata of lead?.followers ?? []) emit(withMetadata(outcome, metadata), false, false)
    }

    const onDelivery = (key: string) => (delivery: ResultHub.Delivery) => {
      const lead = active.get(key)
      if (!lead) return
      polled.delete(delivery.id)
      counters.pending--
      if (delivery._tag === "Failed" && delivery.code === "INSUFFICIENT_CREDITS") creditsGone = true
      if (delivery._tag === "Done") counters.creditsSpent += Result.creditCost(delivery.result, costs)
      settle(key, Outcomes.fromDelivery(delivery, lead))
    }

    /** From here on, the lead's result is awaited by webhook and by polling. */
    const awaitResult = (lead: Active, enrichmentId: string, firstPollIn: number) => {
      counters.pending++
      polled.set(enrichmentId, { key: lead.key, types: lead.types, attempts: 0, deadlineAt: now() + polling.deadline })
      due.push(enrichmentId, now() + firstPollIn)
      hub.expect(enrichmentId, onDelivery(lead.key))
    }

    const firstPoll = webhookUrl === undefined ? polling.initialDelay : polling.webhookGrace

    // ---------------------------------------------------------------------------------------
    // Reading: validate, consult the journal, keep what must be sent.
    // ---------------------------------------------------------------------------------------
    const admit = (chunk: Chunk.Chunk<Lead>) =>
      Effect.gen(function*() {
        yield* inFlight.take(chunk.length)
        outstanding += chunk.length
        counters.read += chunk.length
        const candidates: Array<ToSubmit> = []
        for (const lead of chunk) {
          // Untyped callers may pass anything: a non-array is lemlist's WRONG_ENRICHMENT_REQUEST_FORMAT.
          const leadTypes: ReadonlyArray<EnrichmentType.EnrichmentType> = lead.types === undefined
            ? types
            : Array.isArray(lead.types)
            ? [...new Set(lead.types)]
            : lead.types
          const key = keyOf(lead, types)
          const code = Validation.validateItem({ input: lead.input, enrichmentRequests: leadTypes })
          if (code !== undefined) {
            counters.rejectedLocally++
            emit(new RejectedLocally({ key, metadata: lead.metadata, code, description: describeRule(code) }))
            continue
          }
          const running = active.get(key)
          if (running) {
            running.followers.push(lead.metadata)
            continue
          }
          const candidate: ToSubmit = { key, metadata: lead.metadata, types: leadTypes, input: lead.input, followers: [] }
          active.set(key, candidate)
          candidates.push(candidate)
        }
        if (candidates.length === 0) return Chunk.empty<ToSubmit>()
        const known = yield* journal.lookup(candidates.map((c) => c.key))
        const toSubmit: Array<ToSubmit> = []
        for (const candidate of candidates) {
          const entry = known.get(candidate.key)
          if (entry === undefined) {
            toSubmit.push(candidate)
          } else if (entry._tag === "Done") {
            if (entry.outcome._tag === "Undetermined" && options.resendUndetermined) {
              toSubmit.push(candidate)
            } else {
              counters.resumed++
              active.delete(candidate.key)
              emit(withMetadata(entry.outcome, candidate.metadata), false, true)
            }
          } else if (entry._tag === "Submitted") {
            // Sent by an earlier run: its webhook may be lost, so poll now.
            awaitResult(candidate, entry.enrichmentId, 0)
          } else if (options.resendUndetermined) {
            toSubmit.push(candidate)
          } else {
            settle(
              candidate.key,
              new Undetermined({
                key: candidate.key,
                metadata: candidate.metadata,
                errorTag: "Interrupted",
                description: "an earlier run stopped while sending this lead: lemlist may have enriched it"
              })
            )
          }
        }
        return Chunk.unsafeFromArray(toSubmit)
      })

    // ---------------------------------------------------------------------------------------
    // Submitting: one bulk call per batch, its answer journaled before anything else.
    // ---------------------------------------------------------------------------------------
    const failAll = (batch: ReadonlyArray<ToSubmit>, make: (lead: ToSubmit) => Outcome, store: boolean) => {
      for (const lead of batch) settle(lead.key, make(lead), store)
    }

    const notSent = (reason: "CreditsExhausted" | "BudgetExhausted", description: string) => (lead: ToSubmit) =>
      new Failed({ key: lead.key, metadata: lead.metadata, reason, description })

    /**
     * `earlier`: with `resendUndetermined`, the first ambiguous failure of this batch. A resend
     * that then fails in a way that surely did nothing (429s exhausted, refused connection,
     * credits gone) does not undo what that earlier attempt may have done.
     */
    const onSubmitError = (
      batch: ReadonlyArray<ToSubmit>,
      error: LemlistError.LemlistError,
      earlier?: LemlistError.LemlistError | undefined
    ) =>
      Effect.gen(function*() {
        const keys = batch.map((lead) => lead.key)
        const undetermined = (cause: LemlistError.LemlistError, description: string) =>
          failAll(batch, (lead) =>
            new Undetermined({ key: lead.key, metadata: lead.metadata, errorTag: cause._tag, description }), true)
        switch (error._tag) {
          case "Unauthorized":
            yield* journal.release(keys)
            return yield* Effect.fail(error)
          case "InsufficientCredits":
            creditsGone = true
            if (earlier !== undefined) {
              return undetermined(earlier, `${earlier.message}; the resend was refused: ${error.message}`)
            }
            yield* journal.release(keys)
            notSubmitted += batch.length
            return failAll(batch, notSent("CreditsExhausted", "lemlist reported the team's credits gone"), false)
          case "BatchRejected":
            return failAll(batch, (lead) => new RejectedByLemlist({ key: lead.key, metadata: lead.metadata, code: error.code }), true)
        }
        if (error.mayHaveTakenEffect) return undetermined(error, error.message)
        if (earlier !== undefined) return undetermined(earlier, `${earlier.message}; the resend failed: ${error.message}`)
        // Surely did nothing: forget the attempt, so that a rerun sends these leads.
        yield* journal.release(keys)
        return failAll(batch, (lead) =>
          new Failed({ key: lead.key, metadata: lead.metadata, reason: "Request", code: error._tag, description: error.message }), false)
      })

    const send = (batch: ReadonlyArray<ToSubmit>) =>
      Effect.gen(function*() {
        yield* journal.markSubmitting(batch.map(({ key, types }) => ({ key, types })))
        // Validated locally: every lead has at least one workflow. The key travels as metadata.
        const items = batch.map((lead): Bulk.BulkItem => ({
          input: lead.input,
          enrichmentRequests: lead.types as Bulk.BulkItem["enrichmentRequests"],
          metadata: lead.key
        }))
        let attempt = client.bulkEnrich(items as unknown as NonEmptyReadonlyArray<Bulk.BulkItem>, { webhookUrl })
        let earlier: LemlistError.LemlistError | undefined
        if (options.resendUndetermined) {
          attempt = attempt.pipe(
            Effect.tapError((e) =>
              Effect.sync(() => {
                if (e.mayHaveTakenEffect) earlier ??= e
              })
            ),
            Effect.retry({ times: 2, while: (e) => e.mayHaveTakenEffect })
          )
        }
        const answer = yield* Effect.either(attempt)
        if (answer._tag === "Left") return yield* onSubmitError(batch, answer.left, earlier)
        counters.submitted += batch.length
        const accepted: Array<{ key: string; enrichmentId: string }> = []
        answer.right.forEach((entry, i) => {
          const lead = batch[i]!
          if (entry._tag === "Accepted") accepted.push({ key: lead.key, enrichmentId: entry.id })
        })
        yield* journal.recordSubmitted(accepted)
        answer.right.forEach((entry, i) => {
          const lead = batch[i]!
          if (entry._tag === "Accepted") awaitResult(lead, entry.id, firstPoll)
          else if (entry._tag === "MissingInput") {
            settle(lead.key, new RejectedByLemlist({ key: lead.key, metadata: lead.metadata, code: entry.code }))
          } else {
            // An entry we cannot read may still be an enrichment lemlist created.
            settle(lead.key, new Undetermined({
              key: lead.key,
              metadata: lead.metadata,
              errorTag: "DecodeError",
              description: entry.description
            }))
          }
        })
        // An answer shorter than the batch breaks lemlist's contract: those leads are undetermined.
        for (const lead of batch.slice(answer.right.length)) {
          settle(lead.key, new Undetermined({
            key: lead.key,
            metadata: lead.metadata,
            errorTag: "DecodeError",
            description: "lemlist's answer had no entry for this lead"
          }))
        }
      })

    const submit = (chunk: Chunk.Chunk<ToSubmit>) =>
      Effect.gen(function*() {
        let batch = Chunk.toReadonlyArray(chunk)
        if (creditsGone) {
          notSubmitted += batch.length
          return failAll(batch, notSent("CreditsExhausted", "not sent: lemlist reported the team's credits gone"), false)
        }
        if (options.budget !== undefined) {
          const within: Array<ToSubmit> = []
          for (const lead of batch) {
            const most = Types.maxCost(lead.types, costs)
            if (committedCredits + most <= options.budget) {
              committedCredits += most
              within.push(lead)
            } else {
              settle(lead.key, notSent("BudgetExhausted", `not sent: the budget of ${options.budget} credits is committed`)(lead), false)
            }
          }
          batch = within
        }
        if (batch.length === 0) return
        // Uninterruptible: an interrupt waits for the answer and its journal entry, so that
        // stopping a run never leaves a lead whose fate is unknown.
        yield* Effect.uninterruptible(send(batch))
        yield* publish
      })

    // ---------------------------------------------------------------------------------------
    // Polling: due ids, paced by the client's shared limiter; the safety net for webhooks.
    // ---------------------------------------------------------------------------------------
    const backoff = (attempts: number) => Math.min(polling.maxInterval, polling.initialDelay * 2 ** attempts)

    /** Stops polling an id and settles its lead without a result. */
    const giveUp = (
      id: string,
      entry: Polled,
      failure: {
        readonly reason: "Deadline" | "UnknownStatus" | "Expired"
        readonly code?: string
        readonly description: string
      }
    ) => {
      polled.delete(id)
      hub.forget(id)
      counters.pending--
      settle(entry.key, new Failed({ key: entry.key, metadata: active.get(entry.key)?.metadata, enrichmentId: id, ...failure }))
    }

    const poll = (id: string) =>
      Effect.gen(function*() {
        const entry = polled.get(id)
        if (!entry) return
        const status = yield* Effect.either(client.getEnrichment(id, { types: entry.types }))
        if (!polled.has(id)) return // a webhook won the race
        const reschedule = () => {
          entry.attempts++
          if (now() < entry.deadlineAt) return due.push(id, now() + backoff(entry.attempts))
          giveUp(id, entry, {
            reason: "Deadline",
            description: `no result within ${Duration.format(Duration.millis(polling.deadline))}`
          })
        }
        if (status._tag === "Left") {
          const error = status.left
          if (error._tag === "Unauthorized") return yield* Effect.fail(error)
          // lemlist forgot the id (expired, or a mock restarted): waiting longer cannot help.
          if (error._tag === "NotFound") {
            return giveUp(id, entry, { reason: "Expired", code: "NOT_FOUND", description: `lemlist no longer knows ${id}` })
          }
          return reschedule()
        }
        const s = status.right
        switch (s._tag) {
          case "InProgress":
            return reschedule()
          case "Done":
          case "Failed":
            hub.deliver(s)
            return
          case "UnknownStatus":
            return giveUp(id, entry, {
              reason: "UnknownStatus",
              code: s.status,
              description: `lemlist answered an unknown status: ${s.status}`
            })
        }
      })

    const poller = Effect.gen(function*() {
      for (;;) {
        const ids = due.takeDue(now(), polling.concurrency * 5).filter((id) => polled.has(id))
        if (ids.length > 0) {
          yield* Effect.forEach(ids, poll, { concurrency: polling.concurrency, discard: true })
          yield* publish
        } else {
          const next = due.nextDueAt()
          yield* Effect.sleep(Duration.millis(Math.max(10, Math.min(1000, (next ?? Infinity) - now()))))
        }
      }
    })

    // ---------------------------------------------------------------------------------------
    // Writing: outcomes to the journal, then out; the end when nothing is left.
    // ---------------------------------------------------------------------------------------
    const finish = Effect.suspend(() =>
      creditsGone ? out.fail(new CreditsExhausted({ notSubmitted })) : out.end
    )

    const writer = Effect.gen(function*() {
      for (;;) {
        const batch = Chunk.toReadonlyArray(yield* Queue.takeBetween(emissions, 1, 1000))
        yield* journal.recordOutcomes(batch.filter((e) => e.store).map((e) => e.outcome))
        for (const { outcome } of batch) outcomeCounts[outcome._tag]++
        yield* out.offerAll(batch.map((e) => e.outcome))
        outstanding -= batch.length
        yield* inFlight.release(batch.length)
        yield* publish
        if (inputDone && outstanding === 0) return yield* finish
      }
    })

    const source: Stream.Stream<Lead> = Stream.StreamTypeId in leads
      ? leads as Stream.Stream<Lead>
      : Stream.fromIterable(leads as Iterable<Lead>)
    const producer = source.pipe(
      Stream.rechunk(batchSize),
      Stream.mapChunksEffect(admit),
      Stream.groupedWithin(batchSize, options.batchWait ?? "200 millis"),
      Stream.mapEffect(submit, { concurrency: options.concurrency ?? 2 }),
      Stream.runDrain,
      Effect.zipRight(Effect.suspend(() => {
        inputDone = true
        return outstanding === 0 ? finish : Effect.void
      }))
    )

    const failRun = (error: InsufficientCreditsForRun | CreditsExhausted | JournalError | LemlistError.Unauthorized) =>
      out.fail(error)
    // A defect in a background fiber ends the stream with it (otherwise the stream never ends).
    const guard = <E extends Parameters<typeof failRun>[0]>(self: Effect.Effect<void, E>) =>
      self.pipe(Effect.catchAll(failRun), Effect.catchAllDefect((defect) => out.failCause(Cause.die(defect))))
    yield* Effect.forkScoped(guard(writer))
    yield* Effect.forkScoped(guard(producer))
    const pollFiber = yield* Effect.forkScoped(guard(poller))
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(Fiber.interrupt(pollFiber), Effect.sync(() => {
        for (const id of polled.keys()) hub.forget(id)
      }))
    )
    return Mailbox.toStream(out)
  }))
