/**
 * The one owner of a run's state. Admit, submit, the poller and the webhook receiver only send
 * events into a bounded queue; this fiber applies each to the leads it concerns
 * (`lifecycle.transition`), carries out the commands, then, once per round of events, writes
 * the journal, answers the webhooks it recorded, emits the outcomes and publishes progress.
 * An outcome is always in the journal before it is emitted, and a webhook answered 200 only
 * once its result is there (or is nobody's here). With several workers
 * (`workers.ts`), it also records the results its receiver got for other workers' leads.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Mailbox from "effect/Mailbox"
import * as Queue from "effect/Queue"
import { CreditsExhausted, type JournalError } from "../EnrichmentError.js"
import type * as Journal from "../Journal.js"
import type * as LemlistError from "../LemlistError.js"
import type { Outcome } from "../Outcome.js"
import * as Budget from "./budget.js"
import * as Deliveries from "./deliveries.js"
import type { Received } from "./deliveries.js"
import type { PollCommand, RunEvent } from "./events.js"
import * as Lifecycle from "./lifecycle.js"
import * as Outcomes from "./outcomes.js"
import type { Settings } from "./settings.js"
import * as Tally from "./tally.js"
import * as Workers from "./workers.js"

/** A lead on its way, as its owner keeps it. */
interface LeadEntry {
  readonly lead: Lifecycle.Lead
  state: Lifecycle.State
  /** Duplicates of the lead read while it was on its way: each gets a copy of its outcome. */
  readonly followers: Array<unknown>
}

/** @internal */
export const make = <E>(deps: {
  readonly settings: Settings
  readonly journal: Journal.Service
  readonly now: () => number
  readonly out: Mailbox.Mailbox<Outcome, E | CreditsExhausted | LemlistError.Unauthorized>
  readonly polls: Queue.Queue<PollCommand>
  /** Several workers: leads taken over, to send (the one-process run sends only what it reads). */
  readonly resend?: ((leads: ReadonlyArray<Lifecycle.Lead>) => void) | undefined
  /** Called after each round, with the counters (progress, the in-flight bound). */
  readonly onRound: (tally: Tally.Tally, extra: Tally.Extra, emitted: number, last: boolean) => Effect.Effect<void>
}) => {
  const { journal, now, out, polls, settings } = deps
  const records = new Map<string, LeadEntry>()
  const byId = new Map<string, string>()
  // Results that came before their id was known (a webhook can beat the bulk answer).
  const early = new Map<string, Outcomes.Delivery>()
  // Their webhooks' answers, held while a bulk call is being sent (its answer may name them), at
  // most `Deliveries.holdFor` ms: a 200 before that would leave the result only in this process,
  // lost if it stopped. Oldest first. With no call being sent they are answered at once: holding
  // another run's results would tie up lemlist's deliveries for nothing.
  const held = new Map<string, { readonly received: Received; readonly since: number }>()
  // Leads being sent (their bulk call waiting for its slot, or on the wire).
  let sending = 0
  // Several workers: results for leads this worker does not await, to record for their holder.
  const foreign = settings.worker === undefined ? undefined : Workers.foreignDeliveries()
  const tally = Tally.empty()
  const extra: Tally.Extra = { read: 0, copies: { resumed: 0, outcomes: { ...Tally.empty().outcomes } } }
  const flow = { outstanding: 0, inputDone: false, creditsGone: false }
  const allow = Budget.make(settings)
  // This round's work, carried out once its events are applied.
  let release: Array<string> = []
  let record: Array<Outcome> = []
  let emitted: Array<Outcome> = []
  let recorded: Array<Received> = []
  let sends: Array<Lifecycle.Lead> = []
  let fatal: LemlistError.Unauthorized | undefined

  const apply = (r: LeadEntry, event: Lifecycle.Event): boolean => {
    const before = r.state
    const step = Lifecycle.transition(r.lead, before, event, settings)
    Tally.count(tally, r.state, -1)
    Tally.count(tally, step.state, 1)
    if (before._tag === "Sending") sending--
    if (step.state._tag === "Sending") sending++
    r.state = step.state
    let settled = false
    for (const command of step.commands) {
      switch (command._tag) {
        case "PollAt":
          if (!byId.has(command.enrichmentId)) byId.set(command.enrichmentId, r.lead.key)
          polls.unsafeOffer({ _tag: "At", id: command.enrichmentId, at: command.at, types: r.lead.types })
          break
        case "StopPolling":
          byId.delete(command.enrichmentId)
          polls.unsafeOffer({ _tag: "Stop", id: command.enrichmentId })
          break
        case "Emit": {
          settled = true
          if (command.persist) record.push(command.outcome)
          emitted.push(command.outcome)
          for (const metadata of r.followers) {
            emitted.push(Outcomes.withMetadata(command.outcome, metadata))
            extra.copies.outcomes[command.outcome._tag]++
            if (step.state._tag === "Settled" && step.state.resumed) extra.copies.resumed++
          }
          if (records.get(r.lead.key) === r) records.delete(r.lead.key)
          break
        }
        case "Release":
          release.push(r.lead.key)
          break
        case "CreditsGone":
          flow.creditsGone = true
          break
        case "Fail":
          fatal = command.error
          break
        case "Send":
          sends.push(r.lead)
          break
      }
    }
    // A result that came early is delivered as soon as its id is awaited.
    if (step.state._tag === "Awaiting" && before._tag !== "Awaiting" && early.has(step.state.enrichmentId)) {
      const delivery = early.get(step.state.enrichmentId)!
      early.delete(delivery.id)
      const received = unhold(delivery.id) ?? foreign?.take(delivery.id)
      const settles = apply(r, { _tag: "Delivered", delivery })
      answer(received, settles)
      return settles
    }
    return settled
  }

  const unhold = (id: string): Received | undefined => {
    const h = held.get(id)
    held.delete(id)
    return h?.received
  }

  /** A webhook's ticket: answered once its outcome is recorded, or let pass. */
  const answer = (received: Received | undefined, settles: boolean) =>
    received === undefined ? undefined : settles ? void recorded.push(received) : received.pass()

  const withRecords = (batch: ReadonlyArray<Lifecycle.Lead>, f: (r: LeadEntry, i: number) => void) =>
    batch.forEach((lead, i) => {
      const r = records.get(lead.key)
      if (r !== undefined) f(r, i)
    })

  const handle = (event: RunEvent): void => {
    switch (event._tag) {
      case "Read": {
        for (const { lead, rejection } of event.leads) {
          extra.read++
          flow.outstanding++
          const running = rejection === undefined ? records.get(lead.key) : undefined
          if (running !== undefined) {
            running.followers.push(lead.metadata)
            continue
          }
          const r: LeadEntry = { lead, state: Lifecycle.initial, followers: [] }
          if (rejection === undefined) records.set(lead.key, r)
          if (apply(r, { _tag: "Admitted", ...(rejection ? { rejection } : {}) })) continue
          const entry = event.entries.get(lead.key)
          apply(r, event.held?.has(lead.key) === false ? { _tag: "HeldElsewhere", entry } : { _tag: "FoundInJournal", entry, now: now() })
        }
        return event.reply(sends.splice(0))
      }
      case "Take": {
        const allowed: Array<Lifecycle.Lead> = []
        withRecords(event.batch, (r) => {
          // Several workers: a lead no longer held here (this worker stalled past its lease) is not sent.
          if (event.held?.has(r.lead.key) === false) return void apply(r, { _tag: "LostClaim" })
          const next = allow(r.lead, flow.creditsGone)
          apply(r, next)
          if (next._tag === "Sending") allowed.push(r.lead)
        })
        return event.reply(allowed)
      }
      case "Answered":
        return withRecords(event.batch, (r, i) => void apply(r, { _tag: "Submitted", entry: event.entries[i], now: now() }))
      case "SubmitFailed":
        return withRecords(event.batch, (r) => void apply(r, { _tag: "SubmitFailed", error: event.error, earlier: event.earlier }))
      case "Delivered": {
        const key = byId.get(event.delivery.id)
        const r = key === undefined ? undefined : records.get(key)
        if (r === undefined) {
          const { id } = event.delivery
          if (early.size >= 100_000) {
            const oldest = early.keys().next().value!
            early.delete(oldest)
            unhold(oldest)?.pass()
          }
          early.set(id, event.delivery)
          if (event.received === undefined || foreign?.add(event.delivery, event.received, now())) return
          unhold(id)?.pass()
          if (sending === 0) return event.received.pass()
          return void held.set(id, { received: event.received, since: now() })
        }
        const settles = apply(r, { _tag: "Delivered", delivery: event.delivery })
        return answer(event.received, settles)
      }
      case "PollFailed":
      case "PollGaveUp": {
        const key = byId.get(event.enrichmentId)
        const r = key === undefined ? undefined : records.get(key)
        if (r === undefined) return
        return void apply(r, event._tag === "PollFailed" ? { _tag: "PollFailed", now: now() } : { ...event, _tag: "PollGaveUp" })
      }
      case "InputDone":
        flow.inputDone = true
        return
      case "Tick":
        return
      case "Watched":
        return event.reply(Workers.watched(records))
      case "Found":
        return event.entries.forEach((entry, key) => foundDone(key, entry))
      case "TakenOver":
        for (const key of event.keys) {
          const r = records.get(key)
          if (r !== undefined) apply(r, { _tag: "TakenOver", entry: event.entries.get(key), now: now() })
        }
        return deps.resend?.(sends.splice(0))
    }
  }

  /** The journal holds this lead's outcome: a lead of this run waiting for it takes it. */
  const foundDone = (key: string, entry: Journal.Entry | undefined) => {
    const r = records.get(key)
    if (r !== undefined && entry?._tag === "Done") apply(r, { _tag: "FoundDone", outcome: entry.outcome })
  }

  /** One round: the events waiting (at least one), applied, then written and emitted. */
  const round = (events: Queue.Dequeue<RunEvent>): Effect.Effect<boolean, JournalError> =>
    Effect.gen(function*() {
      // The first event waited for, then what came with it: `takeBetween(1, n)` would hand a
      // waiting owner only the first of a batch offered at once, and leave the rest (a batch of
      // webhooks, most of it) to a round of its own: twice the rounds, journal writes and
      // emissions for the same events.
      handle(yield* Queue.take(events))
      for (const event of Chunk.toReadonlyArray(yield* Queue.takeUpTo(events, 1023))) handle(event)
      // Early results whose id is still unknown once no call is being sent, or after
      // `Deliveries.holdFor` (another run's, or a lead this run has not read yet): answered,
      // kept in memory in case their lead comes.
      for (const [id, h] of held) {
        if (sending > 0 && now() - h.since < Deliveries.holdFor) break
        held.delete(id)
        h.received.pass()
      }
      // Several workers: results for leads this worker does not await, recorded for their holder.
      for (const resolved of foreign === undefined ? [] : yield* foreign.check(journal, now())) {
        if (resolved._tag === "Pass") resolved.received.pass()
        else {
          early.delete(resolved.id)
          if (resolved._tag === "Record") record.push(resolved.outcome)
          recorded.push(resolved.received)
          foundDone(resolved.key, { _tag: "Done", outcome: resolved.outcome })
        }
      }
      const done = { release, record, emitted, recorded }
      release = []
      record = []
      emitted = []
      recorded = []
      if (done.release.length > 0) yield* journal.release(done.release)
      if (done.record.length > 0) yield* journal.recordOutcomes(done.record)
      for (const received of done.recorded) received.recorded()
      if (done.emitted.length > 0) yield* out.offerAll(done.emitted)
      flow.outstanding -= done.emitted.length
      const last = fatal !== undefined || (flow.inputDone && flow.outstanding === 0)
      yield* deps.onRound(tally, extra, done.emitted.length, last)
      if (fatal !== undefined) yield* out.fail(fatal)
      else if (last) yield* flow.creditsGone ? out.fail(new CreditsExhausted({ notSubmitted: tally.notSubmitted })) : out.end
      return last
    })

  /** Runs rounds until the run ends. */
  const run = (events: Queue.Dequeue<RunEvent>): Effect.Effect<void, JournalError> =>
    Effect.gen(function*() {
      while (!(yield* round(events))) {
        // next round
      }
    }).pipe(Effect.onExit((exit) =>
      Effect.sync(() => {
        // Ended: what it holds is not its own. Stopped: lemlist is to send it again.
        const ended = Exit.isSuccess(exit)
        for (const h of held.values()) Deliveries.release(h.received, ended)
        held.clear()
        foreign?.releaseAll(ended)
      })
    ))

  return { run }
}
