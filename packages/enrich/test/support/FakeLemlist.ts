/**
 * A scripted in-memory `LemlistClient` for unit tests of the data path: synchronous, so that
 * virtual time alone drives it, and able to fail any call in any typed way.
 */
import type { Bulk, Result } from "@lemlist-effect/contract"
import { LemlistClient, type LemlistError } from "@lemlist-effect/enrich"
import { Effect, Layer } from "effect"

export interface FakeOptions {
  /** Result for an input; default: an email found on the lead's domain, deliverable. */
  readonly result?: (item: Bulk.BulkItem) => Result.EnrichmentResult
  /** Fails the n-th bulk call (0-based) with this error, after creating (lost answer) or not. */
  readonly failBulk?: (call: number) => { readonly error: LemlistError.LemlistError; readonly created: boolean } | undefined
  /** Polls answer in progress this many times before the result. Default 0. */
  readonly pollsBeforeDone?: number
  readonly credits?: number
  /** Every poll fails with this error. */
  readonly pollError?: LemlistError.LemlistError
}

export interface FakeRecord {
  readonly id: string
  readonly item: Bulk.BulkItem
  polls: number
}

export const makeFake = (options: FakeOptions = {}) => {
  const records = new Map<string, FakeRecord>()
  const submittedKeys: Array<string> = []
  let bulkCalls = 0
  let requests = 0
  const resultOf = options.result ??
    ((item: Bulk.BulkItem): Result.EnrichmentResult => ({
      find_email: { found: true, value: { email: `lead@${item.input.companyDomain ?? "example.com"}`, status: "deliverable" } }
    }))
  const create = (items: ReadonlyArray<Bulk.BulkItem>) =>
    items.map((item) => {
      const id = `enr_${String(records.size).padStart(17, "0")}`
      records.set(id, { id, item, polls: 0 })
      submittedKeys.push(String(item.metadata))
      return { _tag: "Accepted" as const, id, metadata: item.metadata }
    })
  const service: LemlistClient.Service = {
    // As the real client: `beforeSend` just before the request leaves, `didNothing` after an
    // attempt that surely did nothing (no retries here: the scripted failure is final).
    bulkEnrich: (items, o) =>
      Effect.gen(function*() {
        if (o?.hooks) yield* o.hooks.beforeSend
        requests++
        const call = bulkCalls++
        const failure = options.failBulk?.(call)
        if (failure) {
          if (failure.created) create(items)
          else if (o?.hooks && LemlistClient.safeToResend(failure.error)) yield* o.hooks.didNothing
          return yield* Effect.fail(failure.error)
        }
        return create(items)
      }),
    getEnrichment: (id, o) =>
      options.pollError ? Effect.fail(options.pollError) : Effect.sync(() => {
        requests++
        const record = records.get(id)!
        if (record.polls++ < (options.pollsBeforeDone ?? 0)) return { _tag: "InProgress" as const, id }
        const result = resultOf(record.item)
        void o
        return { _tag: "Done" as const, id, result, metadata: record.item.metadata }
      }),
    enrich: () => Effect.die("not used"),
    enrichLead: () => Effect.die("not used"),
    credits: Effect.sync(() => ({ credits: options.credits ?? 1_000_000 })),
    createHook: () => Effect.die("not used"),
    listHooks: Effect.die("not used"),
    deleteHook: () => Effect.die("not used"),
    stats: Effect.sync(() => ({ requests, rateLimited: 0, retries: 0 }))
  }
  return {
    layer: Layer.succeed(LemlistClient.LemlistClient, service),
    records,
    submittedKeys,
    bulkCalls: () => bulkCalls
  }
}
