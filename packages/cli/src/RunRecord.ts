/**
 * What a run measured as it went, for its report: when each request left and what it was
 * answered, when lemlist accepted each lead, and when each outcome arrived. Recorded by
 * wrapping the services the run already uses (the key's `RequestPacer`, the client's
 * `bulkEnrich`) and by watching the outcome stream; nothing is estimated after the fact.
 *
 * @since 0.1.0
 */
import * as LemlistClient from "@lemlist-effect/enrich/LemlistClient"
import type * as Outcome from "@lemlist-effect/enrich/Outcome"
import * as RequestPacer from "@lemlist-effect/enrich/RequestPacer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/**
 * The measurements of one run, in epoch milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunRecord {
  /** When each request left (its pacer slot), retries and polls included. */
  readonly requests: Array<number>
  /** When each request that lemlist answered 429 had left. */
  readonly rateLimited: Array<number>
  /** When lemlist accepted each lead of this run, by lead key (forgotten once its outcome came). */
  readonly acceptedAt: Map<string, number>
  /** For each lead sent in this run, from lemlist's acceptance to its outcome (8 bytes a lead). */
  readonly latencies: Array<number>
}

/**
 * An empty record.
 *
 * @example
 * ```ts
 * import { RunRecord } from "@lemlist-effect/cli"
 *
 * const record = RunRecord.make()
 * record.requests.length // 0
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): RunRecord => ({ requests: [], rateLimited: [], acceptedAt: new Map(), latencies: [] })

/**
 * The pacer in the context (the run's, `Backend.pacer`), else one like a client builds for
 * itself (`RequestPacer.make()`), that also notes when each request leaves and which were
 * answered 429. Provide it to the client's layer.
 *
 * @example
 * ```ts
 * import { RunRecord } from "@lemlist-effect/cli"
 * import { LemlistClient } from "@lemlist-effect/enrich"
 * import { Layer, Redacted } from "effect"
 *
 * const record = RunRecord.make()
 * const client = LemlistClient.layer({ apiKey: Redacted.make("key") }).pipe(Layer.provide(RunRecord.pacer(record)))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const pacer = (record: RunRecord): Layer.Layer<RequestPacer.RequestPacer> =>
  Layer.effect(
    RequestPacer.RequestPacer,
    Effect.map(Effect.flatMap(Effect.serviceOption(RequestPacer.RequestPacer), Option.match({
      onNone: () => RequestPacer.make(),
      onSome: Effect.succeed
    })), (inner): RequestPacer.Service => ({
      ...inner,
      take: (key, leave) => Effect.tap(inner.take(key, leave), () => Effect.sync(() => void record.requests.push(Date.now()))),
      observe: (key, observation) =>
        Effect.zipRight(
          Effect.sync(() => {
            if (observation.status === 429) record.rateLimited.push(Date.now())
          }),
          inner.observe(key, observation)
        )
    }))
  )

/**
 * The client given, noting when lemlist accepted each lead. The library sends each lead's key
 * as its item's `metadata` (docs/architecture.md, "Correlation"), so the answer names the lead.
 *
 * @example
 * ```ts
 * import { RunRecord } from "@lemlist-effect/cli"
 *
 * const record = RunRecord.make()
 * const layer = RunRecord.client(record) // Layer<LemlistClient, never, LemlistClient>
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const client = (
  record: RunRecord
): Layer.Layer<LemlistClient.LemlistClient, never, LemlistClient.LemlistClient> =>
  Layer.effect(
    LemlistClient.LemlistClient,
    Effect.map(LemlistClient.LemlistClient, (inner): LemlistClient.Service => ({
      ...inner,
      bulkEnrich: ((items, options) =>
        Effect.tap(inner.bulkEnrich(items, options), (entries) =>
          Effect.sync(() => {
            const now = Date.now()
            entries.forEach((entry, i) => {
              const key = items[i]?.metadata
              if (entry._tag === "Accepted" && typeof key === "string") record.acceptedAt.set(key, now)
            })
          }))) as LemlistClient.Service["bulkEnrich"]
    }))
  )

/**
 * Notes an outcome as it arrives from the run.
 *
 * @example
 * ```ts
 * import { RunRecord } from "@lemlist-effect/cli"
 * import { Outcome } from "@lemlist-effect/enrich"
 *
 * const record = RunRecord.make()
 * record.acceptedAt.set("k", Date.now() - 1500)
 * RunRecord.observe(record, new Outcome.NotFound({ key: "k", enrichmentId: "enr_1", result: {} }))
 * record.latencies // [about 1500]
 * ```
 *
 * @since 0.1.0
 * @category recording
 */
export const observe = (record: RunRecord, outcome: Outcome.Outcome): void => {
  // Duplicates share the key: the first outcome is the enrichment's, the copies add nothing.
  const accepted = record.acceptedAt.get(outcome.key)
  if (accepted === undefined) return
  record.acceptedAt.delete(outcome.key)
  record.latencies.push(Date.now() - accepted)
}
