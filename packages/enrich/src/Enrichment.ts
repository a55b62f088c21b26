/**
 * Bulk enrichment as one `Stream`: leads in, outcomes out. Validation, batching, pacing, safe
 * retries, result collection (webhooks and polling) and the journal all happen inside.
 *
 * @since 0.1.0
 */
import type { EnrichmentType } from "@lemlist-effect/contract"
import type { NonEmptyReadonlyArray } from "effect/Array"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type * as SubscriptionRef from "effect/SubscriptionRef"
import type { EnrichmentError, JournalError } from "./EnrichmentError.js"
import * as internal from "./internal/run.js"
import * as internalPlan from "./internal/plan.js"
import type { Journal } from "./Journal.js"
import type { Lead, MissingInputs } from "./Lead.js"
import type { LemlistClient } from "./LemlistClient.js"
import type * as LemlistError from "./LemlistError.js"
import type { Outcome, Tag } from "./Outcome.js"
import type { Progress } from "./Progress.js"

/**
 * Options of a run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The workflows for every lead that does not name its own. */
  readonly types: NonEmptyReadonlyArray<EnrichmentType.EnrichmentType>
  /**
   * A lead without the inputs of some of its workflows: `"reject"` (default) refuses it
   * (`RejectedLocally`, as lemlist would); `"skip-type"` runs the workflows it has inputs for and
   * lists the others in the outcome's `skipped` (`RejectedLocally` only when none can run).
   */
  readonly missingInputs?: MissingInputs | undefined
  /** Leads per bulk call, at most 500 (the default). */
  readonly batchSize?: number | undefined
  /** The longest wait to fill a batch before sending it anyway. Default 200 ms. */
  readonly batchWait?: Duration.DurationInput | undefined
  /** Bulk calls in flight at once. Default 2 (the limiter paces them anyway). */
  readonly concurrency?: number | undefined
  /**
   * Leads read but not yet emitted, at most: the memory bound and the backpressure. Default
   * 20,000 (a few kB each, so about 100 MB). Raise it when results are slow to come and memory
   * is plentiful: with webhooks, throughput is at most this many leads per result latency.
   */
  readonly maxInFlight?: number | undefined
  /**
   * Resend leads whose submit failed ambiguously (timeout after sending, connection reset,
   * 5xx), in this run and when resuming. Off by default: a resend may charge twice.
   */
  readonly resendUndetermined?: boolean | undefined
  /** The most credits the run may commit; leads past it end `Failed` with `BudgetExhausted`. */
  readonly budget?: number | undefined
  /**
   * Before sending, compare the team's credits with the most the run can cost (needs `total`
   * or `budget`): `"fail"` (default) stops with `InsufficientCreditsForRun`, `"warn"` logs.
   */
  readonly creditCheck?: "fail" | "warn" | "off" | undefined
  /** How many leads the input holds, when known: for the credit check and the ETA. */
  readonly total?: number | undefined
  /** Where to publish live counters (see `Progress.make`). */
  readonly progress?: SubscriptionRef.SubscriptionRef<Progress> | undefined
  /** Result collection by polling. */
  readonly polling?: {
    /** First poll of a fresh enrichment when there is no webhook receiver. Default 2 s. */
    readonly initialDelay?: Duration.DurationInput | undefined
    /** With webhooks: how long to wait for one before polling. Default 2 minutes. */
    readonly webhookGrace?: Duration.DurationInput | undefined
    /** The longest wait between two polls of one id (the backoff doubles up to it). Default 30 s. */
    readonly maxInterval?: Duration.DurationInput | undefined
    /** After this, an enrichment still running ends `Failed` with `Deadline`. Default 1 hour. */
    readonly deadline?: Duration.DurationInput | undefined
    /** Polls in flight at once (the limiter paces them). Default 10. */
    readonly concurrency?: number | undefined
  } | undefined
  /** Credit costs, for the budget and the credits-spent counter. Default: lemlist's. */
  readonly costs?: EnrichmentType.CreditCosts | undefined
  /**
   * Several workers (processes) on one run: the same input, one journal they all reach
   * (`JournalPg`, the same schema), one pacer store (`PacerStoreRedis`). Off by default (one
   * process never claims). With it, the run claims each lead before sending it; a lead another
   * worker holds is not sent here but awaited through the journal (its `outcomesRecorded`
   * wake-ups, and a timer), and emitted as a resumed outcome, so every worker's stream still
   * gives one outcome per lead of its input. A heartbeat renews the worker's leases; when a
   * worker dies, the others take its leads over once its lease expired: unsent ones are sent,
   * submitted ones awaited (never resubmitted), those on the wire end `Undetermined`. A webhook
   * reaching this worker's receiver for another worker's lead is recorded in the journal.
   * See docs/scaling.md.
   */
  readonly worker?: {
    /** This worker's name in the journal's claims. Default: host, pid and a random suffix. */
    readonly id?: string | undefined
    /** How long a claim lasts without a heartbeat (renewed every quarter of it). Default 30 s. */
    readonly lease?: Duration.DurationInput | undefined
  } | undefined
}

/**
 * Enriches leads: one outcome per lead, in completion order, each with its lead's key and
 * metadata. Results come by webhook when a `WebhookReceiver` is provided (polling stays on as
 * a safety net), by polling otherwise. The stream fails only for what stops the run: bad
 * credentials, credits gone, the journal failing, or the source stream's own error (its error
 * and requirement types are kept: no `Stream.orDie` needed).
 *
 * @example
 * ```ts
 * import { Enrichment, Journal, LemlistClient } from "@lemlist-effect/enrich"
 * import { Effect, Stream } from "effect"
 *
 * const leads = [
 *   { input: { email: "ada@example.com" } },
 *   { input: { firstName: "Grace", lastName: "Hopper", companyName: "Navy", companyDomain: "navy.example" } }
 * ]
 *
 * const program = Enrichment.run(leads, { types: ["find_email", "verify"], total: leads.length }).pipe(
 *   Stream.runForEach((outcome) => Effect.log(outcome._tag, outcome.key)),
 *   Effect.provide(Journal.layerMemory)
 * )
 * // provide LemlistClient.layerConfig(...) and an HttpClient, then run it
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const run: <E = never, R = never>(
  leads: Stream.Stream<Lead, E, R> | Iterable<Lead>,
  options: Options
) => Stream.Stream<Outcome, E | EnrichmentError | LemlistError.Unauthorized, R | LemlistClient | Journal> = internal.run

/**
 * What a run of these leads would do, found before running it (`plan`). Every lead read is in
 * exactly one of `rejected`, `duplicates`, `done`, `awaiting`, `interrupted` and `toSend`.
 *
 * @example
 * ```ts
 * import type { Enrichment } from "@lemlist-effect/enrich"
 *
 * const describe = (plan: Enrichment.Plan) =>
 *   `${plan.toSend} of ${plan.read} leads to send, at most ${plan.credits.max} credits; ` +
 *   `${plan.done.total} already done, ${plan.awaiting} awaiting an earlier run's result`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Plan {
  /** Leads read. */
  readonly read: number
  /**
   * Leads refused locally by lemlist's rules (they end `RejectedLocally`), by code; `recorded`:
   * of them, those whose refusal the journal holds from an earlier run (the run refuses them
   * again either way).
   */
  readonly rejected: {
    readonly total: number
    readonly byCode: Readonly<Record<string, number>>
    readonly recorded: number
  }
  /** Leads whose key an earlier lead of the input has: folded into it, never sent. */
  readonly duplicates: number
  /** Leads the journal has an outcome for: re-emitted without calling lemlist, by outcome. */
  readonly done: { readonly total: number; readonly byOutcome: { readonly [K in Tag]: number } }
  /** Leads an earlier run sent (`Submitted` in the journal): their results are awaited, not resent. */
  readonly awaiting: number
  /**
   * Leads an earlier run left `Submitting` (killed while sending them): they end `Undetermined`
   * without being sent (with `resendUndetermined` they are in `toSend` instead).
   */
  readonly interrupted: number
  /** Leads the run will send to lemlist. */
  readonly toSend: number
  readonly workflows: {
    /** Per type, the leads to send that will run it. */
    readonly run: { readonly [K in EnrichmentType.EnrichmentType]: number }
    /** Per type, the leads read whose plan leaves it out (`missingInputs: "skip-type"`). */
    readonly skipped: { readonly [K in EnrichmentType.EnrichmentType]: number }
    /** Leads read (refused ones aside) that run only some of their workflows. */
    readonly partial: number
  }
  readonly credits: {
    /** The most the leads to send can cost: `EnrichmentType.maxCost` of what each will run. */
    readonly toSend: number
    /** What the duplicates would cost if each were sent: what folding them saves. */
    readonly duplicates: number
    /** The most the run can cost: `toSend`, capped by the `budget`. */
    readonly max: number
  }
}

/**
 * Plans a run without running it: reads the leads once (500 at a time, memory flat but for 24
 * to 48 bytes a distinct key to find duplicates) and, by the very rules `run` applies, counts
 * the leads refused locally, the duplicates, those the journal has an outcome for, those an
 * earlier run sent or left half-sent, and those to send, with the workflows they will run and
 * the most the run can cost. Only reads the journal; sends nothing. Give it the options the
 * run will get: `types`, `missingInputs`, `resendUndetermined`, `budget` and `costs` decide.
 *
 * @example
 * ```ts
 * import { Enrichment, Journal } from "@lemlist-effect/enrich"
 * import { Effect } from "effect"
 *
 * const leads = [
 *   { input: { email: "ada@example.com" } },
 *   { input: { email: "ada@example.com" } }, // a duplicate: folded, never sent
 *   { input: { jobTitle: "CTO" } } // nothing usable: refused locally
 * ]
 *
 * const plan = await Effect.runPromise(
 *   Enrichment.plan(leads, { types: ["verify"] }).pipe(Effect.provide(Journal.layerMemory))
 * )
 * // plan.toSend === 1, plan.duplicates === 1, plan.rejected.byCode.MISSING_EMAIL === 1
 * // plan.credits.max === 1 (verify costs 1 credit)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const plan: <E = never, R = never>(
  leads: Stream.Stream<Lead, E, R> | Iterable<Lead>,
  options: Options
) => Effect.Effect<Plan, E | JournalError, R | Journal> = internalPlan.plan
