/**
 * The steps `lifecycle.transition` is made of: the outcomes a lead settles with, and where the
 * journal (or another worker's record in it) sends a lead. Pure, like the transition.
 *
 * @internal
 */
import { Result } from "@lemlist-effect/contract"
import type { Entry } from "../Journal.js"
import type * as LemlistError from "../LemlistError.js"
import { Failed, type Outcome, RejectedByLemlist, Undetermined } from "../Outcome.js"
import type { Command, Context, Lead, State, Step } from "./lifecycle.js"
import * as Outcomes from "./outcomes.js"
import { fateOf } from "./plan.js"

export const stay = (state: State): Step => ({ state, commands: [] })

export const settled = (
  outcome: Outcome,
  persist: boolean,
  extra: Partial<Omit<Extract<State, { _tag: "Settled" }>, "_tag" | "outcome">> = {},
  commands: ReadonlyArray<Command> = []
): Step => ({
  state: { _tag: "Settled", outcome: outcome._tag, resumed: false, submitted: false, notSubmitted: false, credits: 0, ...extra },
  commands: [...commands, { _tag: "Emit", outcome, persist }]
})

export const awaiting = (enrichmentId: string, earlier: boolean, now: number, context: Context, firstPoll?: number): Step => ({
  state: { _tag: "Awaiting", enrichmentId, earlier, attempts: 0, deadlineAt: now + context.polling.deadline },
  commands: [{
    _tag: "PollAt",
    enrichmentId,
    at: now + (firstPoll ?? (earlier ? context.resumedFirstPoll : context.firstPoll))
  }]
})

export const undetermined = (lead: Lead, errorTag: string, description: string) =>
  new Undetermined({ ...Outcomes.identity(lead), errorTag, description })

/** A failed submit, sorted by whether the call may have done something. */
export const submitFailed = (
  lead: Lead,
  error: LemlistError.LemlistError,
  earlier: LemlistError.LemlistError | undefined
): Step => {
  const after = { submitted: false }
  switch (error._tag) {
    case "Unauthorized":
      return { state: { _tag: "Queued" }, commands: [{ _tag: "Release" }, { _tag: "Fail", error }] }
    case "InsufficientCredits":
      if (earlier !== undefined) {
        return settled(undetermined(lead, earlier._tag, `${earlier.message}; the resend was refused: ${error.message}`), true, after, [
          { _tag: "CreditsGone" }
        ])
      }
      return settled(
        new Failed({ ...Outcomes.identity(lead), reason: "CreditsExhausted", description: "lemlist reported the team's credits gone" }),
        false,
        { notSubmitted: true },
        [{ _tag: "CreditsGone" }, { _tag: "Release" }]
      )
    case "BatchRejected":
      return settled(new RejectedByLemlist({ ...Outcomes.identity(lead), code: error.code }), true)
  }
  if (error.mayHaveTakenEffect) return settled(undetermined(lead, error._tag, error.message), true)
  if (earlier !== undefined) return settled(undetermined(lead, earlier._tag, `${earlier.message}; the resend failed: ${error.message}`), true)
  // Surely did nothing: forget the attempt, so that a rerun sends the lead.
  return settled(
    new Failed({ ...Outcomes.identity(lead), reason: "Request", code: error._tag, description: error.message }),
    false,
    after,
    [{ _tag: "Release" }]
  )
}

/** An outcome the journal holds, as this lead's: its metadata, and the workflows it left out. */
export const stored = (outcome: Outcome, lead: Lead): Outcome => {
  const own = Outcomes.withMetadata(outcome, lead.metadata)
  if (lead.skipped === undefined || lead.skipped.length === 0 || "skipped" in own) return own
  return Object.assign(Object.create(Object.getPrototypeOf(own)), own, { skipped: lead.skipped }) as Outcome
}

/**
 * Where the journal's entry sends a lead this worker holds. `taken`: the lead was taken over
 * from a dead worker: one it submitted is awaited like this run's own (its webhook reaches any
 * worker's receiver behind the load balancer: polled after the usual first delay).
 */
export const fromJournal = (lead: Lead, entry: Entry | undefined, now: number, context: Context, taken = false): Step => {
  switch (fateOf(entry, context.resendUndetermined)) {
    case "send":
      return { state: { _tag: "Queued" }, commands: [{ _tag: "Send" }] }
    case "done":
      return settled(stored((entry as Extract<Entry, { _tag: "Done" }>).outcome, lead), false, { resumed: true })
    case "await":
      // Sent by an earlier run: its webhook may be lost (poll now) or retried to this run's
      // receiver, when its URL outlived that run (poll after the grace).
      return awaiting(
        (entry as Extract<Entry, { _tag: "Submitted" }>).enrichmentId,
        true,
        now,
        context,
        taken ? context.firstPoll : undefined
      )
    case "undetermined":
      return settled(
        undetermined(
          lead,
          "Interrupted",
          taken
            ? "the worker that held this lead stopped while sending it: lemlist may have enriched it"
            : "an earlier run stopped while sending this lead: lemlist may have enriched it"
        ),
        true
      )
  }
}

/** An awaited lead whose outcome another worker recorded (its webhook reached that one). */
export const foundDone = (lead: Lead, state: Extract<State, { _tag: "Awaiting" }>, outcome: Outcome, context: Context): Step => {
  const credits = outcome._tag === "Enriched" || outcome._tag === "NotFound" ? Result.creditCost(outcome.result, context.costs) : 0
  return settled(stored(outcome, lead), false, { submitted: !state.earlier, credits }, [
    { _tag: "StopPolling", enrichmentId: state.enrichmentId }
  ])
}

export const giveUp = (enrichmentId: string, submitted: boolean, failure: ConstructorParameters<typeof Failed>[0]) =>
  settled(new Failed({ ...failure, enrichmentId }), true, { submitted }, [{ _tag: "StopPolling", enrichmentId }])
