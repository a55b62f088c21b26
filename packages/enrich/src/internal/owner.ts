/**
 * The one owner of a run's state. Admit, submit, the poller and the webhook receiver only send
 * events into a bounded queue; this fiber applies each to the leads it concerns
 * (`lifecycle.transition`), carries out the commands, then, once per round of events, writes
 * the journal, answers the webhooks it recorded, emits the outcomes and publishes progress.
 * An outcome is always in the journal before it is emitted.
 *
 * @internal
 */
import { EnrichmentType as Types } from "@lemlist-effect/contract"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type * as Mailbox from "effect/Mailbox"
import * as Queue from "effect/Queue"
import { CreditsExhausted, type JournalError } from "../EnrichmentError.js"
import type * as Journal from "../Journal.js"
import type * as LemlistError from "../LemlistError.js"
import type { Outcome } from "../Outcome.js"
import type { Received } from "./deliveries.js"
import type { PollCommand, RunEvent } from "./events.js"
import * as Lifecycle from "./lifecycle.js"
import * as Outcomes from "./outcomes.js"
import type { Settings } from "./settings.js"
import * as Tally from "./tally.js"

interface Record {
  readonly lead: Lifecycle.Lead
  state: Lifecycle.State
  /** Duplicates of the lead read while it was on its way: each gets a copy of its outcome. */
  readonly followers: Array<unknown>
}

/** Counters beyond the leads' states: the input read and the duplicates' copies. */
export interface Extra {
  read: number
  copies: { resumed: number; outcomes: { [K in Outcome["_tag"]]: number } }
}

/** @internal */
export const make = <E>(deps: {
  readonly settings: Settings
  readonly journal: Journal.Service
  readonly now: () => number
  readonly out: Mailbox.Mailbox<Outcome, E | CreditsExhausted | LemlistError.Unauthorized>
  readonly polls: Queue.Queue<PollCommand>
  /** Called after each round, with the counters (progress, the in-flight bound). */
  readonly onRound: (tally: Tally.Tally, extra: Extra, emitted: number, last: boolean) => Effect.Effect<void>
}) => {
  const { journal, now, out, polls, settings } = deps
  const records = new Map<string, Record>()
  const byId = new Map<string, string>()
  // Results that came before their id was known (a webhook can beat the bulk answer).
  const early = new Map<string, Outcomes.Delivery>()
  const tally = Tally.empty()
  const extra: Extra = { read: 0, copies: { resumed: 0, outcomes: { ...Tally.empty().outcomes } } }
  const flow = { outstanding: 0, inputDone: false, creditsGone: false, committed: 0 }
  // This round's work, carried out once its events are applied.
  let release: Array<string> = []
  let record: Array<Outcome> = []
  let emitted: Array<Outcome> = []
  let recorded: Array<Received> = []
  let fatal: LemlistError.Unauthorized | undefined

  const apply = (r: Record, event: Lifecycle.Event): boolean => {
    const before = r.state
    const step = Lifecycle.transition(r.lead, before, event, settings)
    Tally.count(tally, r.state, -1)
    Tally.count(tally, step.state, 1)
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
          break
      }
    }
    // A result that came early is delivered as soon as its id is awaited.
    if (step.state._tag === "Awaiting" && before._tag !== "Awaiting" && early.has(step.state.enrichmentId)) {
      const delivery = early.get(step.state.enrichmentId)!
      early.delete(delivery.id)
      return apply(r, { _tag: "Delivered", delivery })
    }
    return settled
  }

  const withRecords = (batch: ReadonlyArray<Lifecycle.Lead>, f: (r: Record, i: number) => void) =>
    batch.forEach((lead, i) => {
      const r = records.get(lead.key)
      if (r !== undefined) f(r, i)
    })

  const handle = (event: RunEvent): void => {
    switch (event._tag) {
      case "Read": {
        const toSend: Array<Lifecycle.Lead> = []
        for (const { lead, rejection } of event.leads) {
          extra.read++
          flow.outstanding++
          const running = rejection === undefined ? records.get(lead.key) : undefined
          if (running !== undefined) {
            running.followers.push(lead.metadata)
            continue
          }
          const r: Record = { lead, state: Lifecycle.initial, followers: [] }
          if (rejection === undefined) records.set(lead.key, r)
          if (apply(r, { _tag: "Admitted", ...(rejection ? { rejection } : {}) })) continue
          apply(r, { _tag: "FoundInJournal", entry: event.entries.get(lead.key), now: now() })
          if (r.state._tag === "Queued") toSend.push(lead)
        }
        return event.reply(toSend)
      }
      case "Take": {
        const allowed: Array<Lifecycle.Lead> = []
        const budget = settings.budget
        withRecords(event.batch, (r) => {
          if (flow.creditsGone) {
            const description = "not sent: lemlist reported the team's credits gone"
            return void apply(r, { _tag: "NotSent", reason: "CreditsExhausted", description })
          }
          if (budget !== undefined) {
            const most = Types.maxCost(r.lead.types, settings.costs)
            if (flow.committed + most > budget) {
              const description = `not sent: the budget of ${budget} credits is committed`
              return void apply(r, { _tag: "NotSent", reason: "BudgetExhausted", description })
            }
            flow.committed += most
          }
          apply(r, { _tag: "Sending" })
          allowed.push(r.lead)
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
          if (early.size >= 100_000) early.delete(early.keys().next().value!)
          early.set(event.delivery.id, event.delivery)
          return event.received?.pass()
        }
        const settles = apply(r, { _tag: "Delivered", delivery: event.delivery })
        if (event.received === undefined) return
        if (settles) recorded.push(event.received)
        else event.received.pass()
        return
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
    }
  }

  /** One round: the events waiting (at least one), applied, then written and emitted. */
  const round = (events: Queue.Dequeue<RunEvent>): Effect.Effect<boolean, JournalError> =>
    Effect.gen(function*() {
      for (const event of Chunk.toReadonlyArray(yield* Queue.takeBetween(events, 1, 1024))) handle(event)
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
    })

  return { run }
}
