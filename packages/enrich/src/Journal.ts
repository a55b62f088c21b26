/**
 * The journal: each lead's state, written before the step that depends on it, so that a run
 * killed at any moment and restarted with the same journal and input sends nothing twice and
 * loses no outcome. `layerMemory` here (tests, one-shot runs); SQLite (resumable runs) is
 * `JournalSqlite.layer` from `@lemlist-effect/enrich/sqlite`, PostgreSQL `JournalPg.layer` from
 * `@lemlist-effect/enrich/pg`.
 *
 * @since 0.1.0
 */
import type { EnrichmentType } from "@lemlist-effect/contract"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type { JournalError } from "./EnrichmentError.js"
import * as internal from "./internal/journal.js"
import type { Outcome } from "./Outcome.js"

/**
 * What the journal knows of a lead.
 *
 * - `Submitting`: a submit of it started and its answer was not recorded: if the process died
 *   there, lemlist may or may not have created the enrichment (a rerun makes it `Undetermined`).
 * - `Submitted`: lemlist gave it an enrichment id; its result is awaited.
 * - `Done`: its outcome.
 *
 * @since 0.1.0
 * @category models
 */
export type Entry =
  | { readonly _tag: "Submitting"; readonly types: ReadonlyArray<EnrichmentType.EnrichmentType> }
  | {
    readonly _tag: "Submitted"
    readonly enrichmentId: string
    readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  }
  | { readonly _tag: "Done"; readonly outcome: Outcome }

/**
 * Counts of a journal's leads by state and by outcome.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly total: number
  readonly submitting: number
  readonly submitted: number
  readonly done: number
  readonly outcomes: Readonly<Record<string, number>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The entries of these keys (absent keys are unknown leads). */
  readonly lookup: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, Entry>, JournalError>
  /** Immediately before a request leaves (its pacer slot taken): these leads are on the wire. */
  readonly markSubmitting: (
    leads: ReadonlyArray<{ readonly key: string; readonly types: ReadonlyArray<EnrichmentType.EnrichmentType> }>
  ) => Effect.Effect<void, JournalError>
  /** After a submit: the ids lemlist gave. */
  readonly recordSubmitted: (
    leads: ReadonlyArray<{
      readonly key: string
      readonly enrichmentId: string
      readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
    }>
  ) => Effect.Effect<void, JournalError>
  /** After an attempt that surely did nothing (never connected, 429): back to not-sent. */
  readonly release: (keys: ReadonlyArray<string>) => Effect.Effect<void, JournalError>
  /** Outcomes, before they are emitted. */
  readonly recordOutcomes: (outcomes: ReadonlyArray<Outcome>) => Effect.Effect<void, JournalError>
  /** Counts by state and outcome. */
  readonly summary: Effect.Effect<Summary, JournalError>
  /** A fact about the run by name (e.g. the webhook endpoint a restart must listen on). */
  readonly getMeta: (name: string) => Effect.Effect<Option.Option<string>, JournalError>
  /** Records a fact about the run, replacing any earlier value. */
  readonly setMeta: (name: string, value: string) => Effect.Effect<void, JournalError>
  /**
   * Several workers on one journal: claims these leads for `worker` for `lease`, and returns
   * those it now holds: unclaimed ones, its own (renewed), and those whose lease expired. At any
   * moment a lead has at most one holder. A single process never needs to claim.
   */
  readonly claim: (
    worker: string,
    keys: ReadonlyArray<string>,
    lease: Duration.DurationInput
  ) => Effect.Effect<ReadonlySet<string>, JournalError>
  /**
   * Emits when outcomes are recorded in this journal: by this process, or, on PostgreSQL, by any
   * process on the same schema (a webhook received by another worker). Each element names the
   * leads' keys when it can (an empty array: some outcomes, not named, as when their keys do not
   * fit a notification). A hint, not the truth: elements can be missed (a slow subscriber loses
   * the oldest, a notification sent while not listening is gone), so read the journal on one,
   * and on a timer too.
   */
  readonly outcomesRecorded: Stream.Stream<ReadonlyArray<string>, JournalError>
  /** Extends every lease `worker` still holds (its heartbeat). */
  readonly renew: (worker: string, lease: Duration.DurationInput) => Effect.Effect<void, JournalError>
  /**
   * Takes over, for `worker`, at most `limit` leads not done whose holder's lease expired (a
   * dead worker's): their journal entries say what is left (send, or await the result of a
   * lead already submitted, never resubmitted). Workers taking over together get disjoint sets.
   */
  readonly takeOver: (
    worker: string,
    lease: Duration.DurationInput,
    limit: number
  ) => Effect.Effect<ReadonlyArray<string>, JournalError>
}

/**
 * The journal service.
 *
 * @since 0.1.0
 * @category tags
 */
export class Journal extends Context.Tag("@lemlist-effect/enrich/Journal")<Journal, Service>() {}

/**
 * A journal in memory: resumable within the process only.
 *
 * @example
 * ```ts
 * import { Journal } from "@lemlist-effect/enrich"
 *
 * const JournalLive = Journal.layerMemory
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<Journal> = Layer.effect(Journal, internal.makeMemory)
