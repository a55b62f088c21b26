/**
 * The state one run shares between its fibers (reader, submitter, poller, writer): the leads
 * on their way, the ids awaited, the counters. Every mutation happens on the single JS thread
 * between two yields, so plain mutable structures are safe here.
 *
 * @internal
 */
import type { Bulk, EnrichmentType, Validation } from "@lemlist-effect/contract"
import { EnrichmentType as Types, Result } from "@lemlist-effect/contract"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { Options } from "../Enrichment.js"
import type * as Journal from "../Journal.js"
import type * as LemlistClient from "../LemlistClient.js"
import type { Outcome } from "../Outcome.js"
import * as Progress from "../Progress.js"
import * as DueQueue from "./dueQueue.js"
import * as Outcomes from "./outcomes.js"
import type * as RequestCount from "./requestCount.js"
import type * as ResultHub from "./resultHub.js"

/** A lead on its way: its key, its workflows, what to echo, and duplicates waiting on it. */
export interface Active {
  readonly key: string
  readonly metadata: unknown
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  /** The requested workflows left out (`missingInputs: "skip-type"`), for its outcome. */
  readonly skipped?: ReadonlyArray<Validation.SkippedType> | undefined
  readonly followers: Array<unknown>
}

/** A lead to send. */
export interface ToSubmit extends Active {
  readonly input: Bulk.EnrichmentInput
}

/** An enrichment id being polled. */
export interface Polled {
  readonly key: string
  /** Sent by an earlier run. */
  readonly earlier: boolean
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  attempts: number
  readonly deadlineAt: number
}

/** An outcome on its way out. */
export interface Emission {
  readonly outcome: Outcome
  /** Write it to the journal first (false for outcomes already there, or meant to be retried). */
  readonly store: boolean
  /** Called once it is in the journal (the webhook receiver's answer waits for it). */
  readonly onRecorded?: (() => void) | undefined
}

/** The run's options with their defaults applied. */
export interface Settings {
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  readonly missingInputs: NonNullable<Options["missingInputs"]>
  readonly costs: EnrichmentType.CreditCosts
  readonly batchSize: number
  readonly maxInFlight: number
  readonly resendUndetermined: boolean
  readonly budget: number | undefined
  readonly webhookUrl: string | undefined
  readonly polling: {
    readonly initialDelay: number
    readonly webhookGrace: number
    readonly maxInterval: number
    readonly deadline: number
    readonly concurrency: number
  }
  /** When to poll a fresh enrichment first: soon without webhooks, after a grace with them. */
  readonly firstPoll: number
  /**
   * When to poll first an enrichment an earlier run submitted: at once, unless the receiver's
   * URL outlived that run (lemlist's webhook retries reach this one): then after the grace.
   */
  readonly resumedFirstPoll: number
}

/** @internal */
export const settings = (
  options: Options,
  receiver: { readonly url: string; readonly stable: boolean } | undefined
): Settings => {
  const webhookUrl = receiver?.url
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 500, 500))
  const polling = {
    initialDelay: Duration.toMillis(options.polling?.initialDelay ?? "2 seconds"),
    webhookGrace: Duration.toMillis(options.polling?.webhookGrace ?? "2 minutes"),
    maxInterval: Duration.toMillis(options.polling?.maxInterval ?? "30 seconds"),
    deadline: Duration.toMillis(options.polling?.deadline ?? "1 hour"),
    concurrency: options.polling?.concurrency ?? 10
  }
  return {
    types: [...new Set(options.types)],
    missingInputs: options.missingInputs ?? "reject",
    costs: options.costs ?? Types.defaultCosts,
    batchSize,
    maxInFlight: Math.max(batchSize * 2, options.maxInFlight ?? 20_000),
    resendUndetermined: options.resendUndetermined ?? false,
    budget: options.budget,
    webhookUrl,
    polling,
    firstPoll: webhookUrl === undefined ? polling.initialDelay : polling.webhookGrace,
    resumedFirstPoll: receiver?.stable === true ? polling.webhookGrace : 0
  }
}

/** A copy with other metadata, of the same class (a plain spread would lose the prototype). */
export const withMetadata = (outcome: Outcome, metadata: unknown): Outcome =>
  outcome.metadata === metadata
    ? outcome
    : (Object.assign(Object.create(Object.getPrototypeOf(outcome)), outcome, { metadata }) as Outcome)

/** @internal */
export interface RunState {
  readonly settings: Settings
  readonly client: LemlistClient.Service
  readonly journal: Journal.Service
  readonly hub: ResultHub.ResultHub
  readonly now: () => number
  /** Leads read and not yet settled, by key. */
  readonly active: Map<string, Active>
  /** Enrichment ids awaited, by id. */
  readonly polled: Map<string, Polled>
  /** When each awaited id is next polled. */
  readonly due: DueQueue.DueQueue
  /** Outcomes waiting for the writer. */
  readonly emissions: Queue.Queue<Emission>
  /** The run's own requests (the client counts into it through `RequestCount.current`). */
  readonly requestCount: RequestCount.RequestCount
  readonly counters: {
    read: number
    rejectedLocally: number
    submitted: number
    pending: number
    pendingFromEarlierRun: number
    resumed: number
    creditsSpent: number
  }
  readonly outcomeCounts: { -readonly [K in keyof Progress.Progress["outcomes"]]: number }
  readonly flow: {
    /** Credits committed against the budget. */
    committedCredits: number
    /** lemlist reported the credits gone: send nothing more. */
    creditsGone: boolean
    /** Leads not sent because the credits were gone. */
    notSubmitted: number
    /** The source is exhausted. */
    inputDone: boolean
    /** Leads read whose outcome has not been emitted yet. */
    outstanding: number
  }
  /** Queues an outcome for the writer. */
  readonly emit: (outcome: Outcome, store?: boolean, onRecorded?: () => void) => void
  /** The outcome of an active lead, and a copy for each duplicate of it in the input. */
  readonly settle: (key: string, outcome: Outcome, store?: boolean, onRecorded?: () => void) => void
  /** From now on, the lead's result is awaited by webhook and by polling. */
  readonly awaitResult: (lead: Active, enrichmentId: string, sentBy: "this run" | "an earlier run") => void
  /** The result of an awaited id came (or will never come): stop awaiting it. */
  readonly stopAwaiting: (enrichmentId: string) => void
  /** Publishes the counters to the progress reference, at most every 50 ms of the clock. */
  readonly publish: Effect.Effect<void>
  /** Publishes them now (the last snapshot of a run). */
  readonly publishNow: Effect.Effect<void>
}

/** @internal */
export const make = (deps: {
  readonly settings: Settings
  readonly client: LemlistClient.Service
  readonly journal: Journal.Service
  readonly hub: ResultHub.ResultHub
  readonly progress: SubscriptionRef.SubscriptionRef<Progress.Progress>
  readonly requestCount: RequestCount.RequestCount
}): Effect.Effect<RunState> =>
  Effect.gen(function*() {
    const { hub, settings } = deps
    const clock = yield* Effect.clock
    const emissions = yield* Queue.unbounded<Emission>()
    // A snapshot per outcome would cost more than the outcome: publish on a 50 ms beat.
    let lastPublished = -Infinity
    const state: RunState = {
      ...deps,
      now: () => clock.unsafeCurrentTimeMillis(),
      active: new Map(),
      polled: new Map(),
      due: DueQueue.make(),
      emissions,
      requestCount: deps.requestCount,
      counters: { read: 0, rejectedLocally: 0, submitted: 0, pending: 0, pendingFromEarlierRun: 0, resumed: 0, creditsSpent: 0 },
      outcomeCounts: { ...Progress.initial(0).outcomes },
      flow: { committedCredits: 0, creditsGone: false, notSubmitted: 0, inputDone: false, outstanding: 0 },
      emit: (outcome, store = true, onRecorded) => {
        Queue.unsafeOffer(emissions, { outcome, store, onRecorded })
      },
      settle: (key, outcome, store = true, onRecorded) => {
        const lead = state.active.get(key)
        state.active.delete(key)
        state.emit(outcome, store, onRecorded)
        for (const metadata of lead?.followers ?? []) state.emit(withMetadata(outcome, metadata), false)
      },
      awaitResult: (lead, enrichmentId, sentBy) => {
        const now = state.now()
        const earlier = sentBy === "an earlier run"
        state.counters.pending++
        if (earlier) state.counters.pendingFromEarlierRun++
        state.polled.set(enrichmentId, {
          key: lead.key,
          earlier,
          types: lead.types,
          attempts: 0,
          deadlineAt: now + settings.polling.deadline
        })
        state.due.push(enrichmentId, now + (earlier ? settings.resumedFirstPoll : settings.firstPoll))
        hub.expect(enrichmentId, (delivery) => {
          const active = state.active.get(lead.key)
          if (!active) return
          state.stopAwaiting(delivery.id)
          if (delivery._tag === "Failed" && delivery.code === "INSUFFICIENT_CREDITS") state.flow.creditsGone = true
          if (delivery._tag === "Done") state.counters.creditsSpent += Result.creditCost(delivery.result, settings.costs)
          return new Promise<void>((recorded) => state.settle(lead.key, Outcomes.fromDelivery(delivery, active), true, recorded))
        })
      },
      stopAwaiting: (enrichmentId) => {
        const entry = state.polled.get(enrichmentId)
        if (entry === undefined) return
        state.polled.delete(enrichmentId)
        state.counters.pending--
        if (entry.earlier) state.counters.pendingFromEarlierRun--
      },
      publish: Effect.suspend(() => (state.now() - lastPublished < 50 ? Effect.void : state.publishNow)),
      publishNow: Effect.gen(function*() {
        lastPublished = state.now()
        yield* SubscriptionRef.update(deps.progress, (p) => ({
          ...p,
          ...state.counters,
          outcomes: { ...state.outcomeCounts },
          requests: state.requestCount.requests,
          rateLimited: state.requestCount.rateLimited,
          updatedAt: lastPublished
        }))
      })
    }
    return state
  })
