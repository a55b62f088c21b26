/** @internal */
/**
 * The in-memory journal, and the tally every journal's summary is counted with.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import type { Entry, Service, Summary } from "../Journal.js"

/** @internal */
export const makeMemory: Effect.Effect<Service> = Effect.gen(function*() {
  const recorded = yield* recordings
  const entries = new Map<string, Entry>()
  const meta = new Map<string, string>()
  const claims = new Map<string, { owner: string; leaseUntil: number }>()
  /** The lease's end, on the caller's clock (as the SQL journal's `updated_at`). */
  const until = (lease: Duration.DurationInput) =>
    Effect.clockWith((clock) => clock.currentTimeMillis).pipe(Effect.map((now) => ({ now, until: now + Duration.toMillis(lease) })))
  const service: Service = {
    lookup: (keys) =>
      Effect.sync(() => {
        const found = new Map<string, Entry>()
        for (const key of keys) {
          const entry = entries.get(key)
          if (entry) found.set(key, entry)
        }
        return found
      }),
    markSubmitting: (leads) =>
      Effect.sync(() => {
        for (const { key, types } of leads) entries.set(key, { _tag: "Submitting", types })
      }),
    recordSubmitted: (leads) =>
      Effect.sync(() => {
        for (const { enrichmentId, key, types } of leads) entries.set(key, { _tag: "Submitted", enrichmentId, types })
      }),
    release: (keys) =>
      Effect.sync(() => {
        for (const key of keys) {
          if (entries.get(key)?._tag === "Submitting") entries.delete(key)
        }
      }),
    recordOutcomes: (outcomes) =>
      Effect.sync(() => {
        for (const outcome of outcomes) entries.set(outcome.key, { _tag: "Done", outcome })
      }).pipe(Effect.zipRight(outcomes.length > 0 ? recorded.publish(outcomes.map((o) => o.key)) : Effect.void)),
    outcomesRecorded: recorded.stream,
    summary: Effect.sync(() => tally(Array.from(entries.values(), rowOf))),
    getMeta: (name) => Effect.sync(() => Option.fromNullable(meta.get(name))),
    setMeta: (name, value) => Effect.sync(() => void meta.set(name, value)),
    claim: (worker, keys, lease) =>
      Effect.map(until(lease), ({ now, until }) => {
        const held = new Set<string>()
        for (const key of keys) {
          const claim = claims.get(key)
          if (claim === undefined || claim.owner === worker || claim.leaseUntil <= now) {
            claims.set(key, { owner: worker, leaseUntil: until })
            held.add(key)
          }
        }
        return held
      }),
    renew: (worker, lease) =>
      Effect.map(until(lease), ({ until }) => {
        for (const claim of claims.values()) if (claim.owner === worker) claim.leaseUntil = until
      }),
    takeOver: (worker, lease, limit) =>
      Effect.map(until(lease), ({ now, until }) => {
        const expired = Array.from(claims).filter(([key, claim]) =>
          claim.owner !== worker && claim.leaseUntil <= now && entries.get(key)?._tag !== "Done"
        ).sort(([, a], [, b]) => a.leaseUntil - b.leaseUntil).slice(0, Math.max(0, limit))
        for (const [key] of expired) claims.set(key, { owner: worker, leaseUntil: until })
        return expired.map(([key]) => key)
      })
  }
  return service
})

/**
 * The keys of recorded outcomes, for `outcomesRecorded`: a subscriber more than 256 writes
 * behind loses the oldest (a hint only: the journal is the truth). @internal
 */
export const recordings = Effect.map(PubSub.sliding<ReadonlyArray<string>>(256), (pubsub) => ({
  publish: (keys: ReadonlyArray<string>) => Effect.asVoid(PubSub.publish(pubsub, keys)),
  stream: Stream.fromPubSub(pubsub) as Stream.Stream<ReadonlyArray<string>, never>
}))

/** Counts by state and outcome, from rows that each stand for `n` leads. @internal */
export const tally = (
  rows: Iterable<{ readonly state: string; readonly outcome_tag: string | null; readonly n: number }>
): Summary => {
  let total = 0, submitting = 0, submitted = 0, done = 0
  const outcomes: Record<string, number> = {}
  for (const { n, outcome_tag, state } of rows) {
    total += n
    if (state === "submitting") submitting += n
    else if (state === "submitted") submitted += n
    else {
      done += n
      if (outcome_tag) outcomes[outcome_tag] = (outcomes[outcome_tag] ?? 0) + n
    }
  }
  return { total, submitting, submitted, done, outcomes }
}

const rowOf = (entry: Entry) => ({
  state: entry._tag === "Done" ? "done" : entry._tag === "Submitted" ? "submitted" : "submitting",
  outcome_tag: entry._tag === "Done" ? entry.outcome._tag : null,
  n: 1
})

