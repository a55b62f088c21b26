/**
 * The journal's writes of a run, without the run: what `Enrichment.run` asks of the `Journal`
 * service per lead, in the batch sizes it uses, timed call by call (scenario 9, `journal`).
 *
 * Per chunk of 500 leads read: a worker claims them (`claim`, as `admit.ts` does), then their
 * entries are read (`lookup`). The leads held go to the sender in batches of 500: a worker claims
 * the batch again (`claim`, as `submit.ts` does), then `markSubmitting`, `recordSubmitted`, and
 * the outcomes in calls of `outcomesPerCall` (the receiver's batches, as webhooks arrive). A
 * single process (`worker` undefined) never claims. Nothing else runs: no pacer, no HTTP, no
 * heartbeat (`renew`, one UPDATE per quarter lease) nor watcher reads.
 */
import { Journal, Lead, Outcome } from "@lemlist-effect/enrich"
import { Effect } from "effect"

export const types = ["find_email"] as const

/** Lead `i`'s key: the library's own (a hash of the input and types), as a run would write it. */
export const keyOf = (i: number): string => Lead.keyOf({ input: { email: `lead${i}@example.com` } }, types)

export const keys = (n: number): Array<string> => Array.from({ length: n }, (_, i) => keyOf(i))

export const operations = ["claim", "lookup", "markSubmitting", "recordSubmitted", "recordOutcomes"] as const
export type Operation = (typeof operations)[number]

export interface OperationStats {
  calls: number
  /** Keys passed, summed over the calls. */
  leads: number
  ms: number
  /** Each call's duration (ms). */
  durations: Array<number>
}

export interface LoadResult {
  /** Leads this writer took through the whole lifecycle (held, submitted, done). */
  readonly leads: number
  readonly wallMs: number
  /** This process's CPU time (user + system) during the lifecycle, in ms. */
  readonly cpuMs: number
  readonly operations: Record<Operation, OperationStats>
}

const outcomeOf = (key: string, i: number): Outcome.Outcome =>
  new Outcome.Enriched({
    key,
    enrichmentId: `enr_${i.toString(36).padStart(12, "0")}`,
    result: { find_email: { found: true, value: { email: `lead${i}@example.com`, status: "deliverable" } } }
  })

export interface LoadOptions {
  /** A worker's claims (several workers on one journal), else none. */
  readonly worker?: { readonly id: string; readonly lease: number } | undefined
  readonly batchSize?: number
  readonly outcomesPerCall?: number
}

/** Takes `keys` through the journal's lifecycle, timing every call. */
export const runLifecycle = (journal: Journal.Service, leadKeys: ReadonlyArray<string>, options: LoadOptions = {}) =>
  Effect.gen(function*() {
    const batchSize = options.batchSize ?? 500
    const outcomesPerCall = options.outcomesPerCall ?? 100
    const stats = Object.fromEntries(
      operations.map((op) => [op, { calls: 0, leads: 0, ms: 0, durations: [] }])
    ) as unknown as Record<Operation, OperationStats>
    const timed = <A, E>(op: Operation, leads: number, effect: Effect.Effect<A, E>) =>
      Effect.suspend(() => {
        const t0 = performance.now()
        return Effect.tap(effect, () =>
          Effect.sync(() => {
            const ms = performance.now() - t0
            const s = stats[op]
            s.calls++
            s.leads += leads
            s.ms += ms
            s.durations.push(ms)
          }))
      })
    // Built before the clock starts: the figures are the journal's, not the making of outcomes.
    const submitted = new Map(leadKeys.map((key, i) => [key, { key, types, enrichmentId: `enr_${i.toString(36).padStart(12, "0")}` }]))
    const outcomes = new Map(leadKeys.map((key, i) => [key, outcomeOf(key, i)]))
    const worker = options.worker
    let done = 0

    const send = (batch: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const held = worker === undefined
          ? batch
          : [...(yield* timed("claim", batch.length, journal.claim(worker.id, batch, worker.lease)))]
        if (held.length === 0) return
        yield* timed("markSubmitting", held.length, journal.markSubmitting(held.map((key) => ({ key, types }))))
        yield* timed(
          "recordSubmitted",
          held.length,
          journal.recordSubmitted(held.map((key) => submitted.get(key)!))
        )
        for (let i = 0; i < held.length; i += outcomesPerCall) {
          const part = held.slice(i, i + outcomesPerCall)
          yield* timed("recordOutcomes", part.length, journal.recordOutcomes(part.map((key) => outcomes.get(key)!)))
        }
        done += held.length
      })

    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    let pending: Array<string> = []
    for (let i = 0; i < leadKeys.length; i += batchSize) {
      const chunk = leadKeys.slice(i, i + batchSize)
      const held = worker === undefined
        ? chunk
        : yield* timed("claim", chunk.length, journal.claim(worker.id, chunk, worker.lease))
      yield* timed("lookup", chunk.length, journal.lookup(chunk))
      for (const key of chunk) if (worker === undefined || (held as ReadonlySet<string>).has(key)) pending.push(key)
      while (pending.length >= batchSize) {
        yield* send(pending.slice(0, batchSize))
        pending = pending.slice(batchSize)
      }
    }
    if (pending.length > 0) yield* send(pending)
    const cpu = process.cpuUsage(cpu0)
    return { leads: done, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, operations: stats } satisfies LoadResult
  })
