/** @internal */
/**
 * The in-memory journal, and the tally every journal's summary is counted with.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Entry, Service, Summary } from "../Journal.js"

/** @internal */
export const makeMemory = (): Service => {
  const entries = new Map<string, Entry>()
  const meta = new Map<string, string>()
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
      }),
    summary: Effect.sync(() => tally(Array.from(entries.values(), rowOf))),
    getMeta: (name) => Effect.sync(() => Option.fromNullable(meta.get(name))),
    setMeta: (name, value) => Effect.sync(() => void meta.set(name, value))
  }
  return service
}

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

