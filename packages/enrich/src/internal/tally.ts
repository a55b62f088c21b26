/**
 * A run's counters as a fold over its leads' states: each transition takes the lead's old state
 * out and puts the new one in; a settled state is final, so it stays counted once the lead is
 * forgotten. `recount` computes the same figures from states directly: the property tests hold
 * the fold to it.
 *
 * @internal
 */
import type { Outcome } from "../Outcome.js"
import type { State } from "./lifecycle.js"

/** @internal */
export interface Tally {
  pending: number
  pendingFromEarlierRun: number
  submitted: number
  resumed: number
  creditsSpent: number
  notSubmitted: number
  rejectedLocally: number
  outcomes: { [K in Outcome["_tag"]]: number }
}

/** Counters beyond the leads' states: the input read and the duplicates' copies. @internal */
export interface Extra {
  read: number
  copies: { resumed: number; outcomes: { [K in Outcome["_tag"]]: number } }
}

/** A tag's outcomes as the run reports them: its leads' and their duplicates' copies. @internal */
export const outcomesWithCopies = (tally: Tally, extra: Extra, tag: Outcome["_tag"]): number =>
  tally.outcomes[tag] + extra.copies.outcomes[tag]

/** Outcomes re-emitted from the journal, the duplicates' copies included. @internal */
export const resumedWithCopies = (tally: Tally, extra: Extra): number => tally.resumed + extra.copies.resumed

/** @internal */
export const empty = (): Tally => ({
  pending: 0,
  pendingFromEarlierRun: 0,
  submitted: 0,
  resumed: 0,
  creditsSpent: 0,
  notSubmitted: 0,
  rejectedLocally: 0,
  outcomes: { Enriched: 0, NotFound: 0, RejectedLocally: 0, RejectedByLemlist: 0, Failed: 0, Undetermined: 0 }
})

/** Counts `state` into `tally` (`sign` 1) or out of it (-1). @internal */
export const count = (tally: Tally, state: State, sign: 1 | -1): void => {
  switch (state._tag) {
    case "Awaiting":
      tally.pending += sign
      if (state.earlier) tally.pendingFromEarlierRun += sign
      else tally.submitted += sign
      return
    case "Settled":
      tally.outcomes[state.outcome] += sign
      if (state.outcome === "RejectedLocally") tally.rejectedLocally += sign
      if (state.resumed) tally.resumed += sign
      if (state.submitted) tally.submitted += sign
      if (state.notSubmitted) tally.notSubmitted += sign
      tally.creditsSpent += sign * state.credits
      return
    default:
      return
  }
}

/** The counters of these states, counted afresh. @internal */
export const recount = (states: Iterable<State>): Tally => {
  const tally = empty()
  for (const state of states) count(tally, state, 1)
  return tally
}
