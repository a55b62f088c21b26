/**
 * Submitting: one bulk call per batch, its answer journaled before anything else happens to
 * it, and every failure sorted by whether the call may have done something.
 *
 * @internal
 */
import type { Bulk, EnrichmentType } from "@lemlist-effect/contract"
import { EnrichmentType as Types } from "@lemlist-effect/contract"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type { JournalError } from "../EnrichmentError.js"
import type * as LemlistError from "../LemlistError.js"
import { Failed, type Outcome, RejectedByLemlist, Undetermined } from "../Outcome.js"
import * as Outcomes from "./outcomes.js"
import type { RunState, ToSubmit } from "./runState.js"

const notSent = (reason: "CreditsExhausted" | "BudgetExhausted", description: string) => (lead: ToSubmit) =>
  new Failed({ ...Outcomes.identity(lead), reason, description })

const undetermined = (lead: ToSubmit, errorTag: string, description: string) =>
  new Undetermined({ ...Outcomes.identity(lead), errorTag, description })

const failAll = (state: RunState, batch: ReadonlyArray<ToSubmit>, make: (lead: ToSubmit) => Outcome, store: boolean) => {
  for (const lead of batch) state.settle(lead.key, make(lead), store)
}

/**
 * `earlier`: with `resendUndetermined`, the first ambiguous failure of this batch. A resend
 * that then fails in a way that surely did nothing (429s exhausted, refused connection,
 * credits gone) does not undo what that earlier attempt may have done.
 */
const onSubmitError = (
  state: RunState,
  batch: ReadonlyArray<ToSubmit>,
  error: LemlistError.LemlistError,
  earlier: LemlistError.LemlistError | undefined
): Effect.Effect<void, JournalError | LemlistError.Unauthorized> =>
  Effect.gen(function*() {
    const keys = batch.map((lead) => lead.key)
    const allUndetermined = (cause: LemlistError.LemlistError, description: string) =>
      failAll(state, batch, (lead) => undetermined(lead, cause._tag, description), true)
    switch (error._tag) {
      case "Unauthorized":
        yield* state.journal.release(keys)
        return yield* Effect.fail(error)
      case "InsufficientCredits":
        state.flow.creditsGone = true
        if (earlier !== undefined) {
          return allUndetermined(earlier, `${earlier.message}; the resend was refused: ${error.message}`)
        }
        yield* state.journal.release(keys)
        state.flow.notSubmitted += batch.length
        return failAll(state, batch, notSent("CreditsExhausted", "lemlist reported the team's credits gone"), false)
      case "BatchRejected":
        return failAll(state, batch, (lead) => new RejectedByLemlist({ ...Outcomes.identity(lead), code: error.code }), true)
    }
    if (error.mayHaveTakenEffect) return allUndetermined(error, error.message)
    if (earlier !== undefined) return allUndetermined(earlier, `${earlier.message}; the resend failed: ${error.message}`)
    // Surely did nothing: forget the attempt, so that a rerun sends these leads.
    yield* state.journal.release(keys)
    return failAll(state, batch, (lead) =>
      new Failed({ ...Outcomes.identity(lead), reason: "Request", code: error._tag, description: error.message }), false)
  })

/**
 * Calls lemlist, records the ids, then awaits each result. The journal says `submitting` only
 * while the request is on the wire: from the moment its pacer slot is taken until its answer,
 * and back to not-sent after an attempt that surely did nothing (429, never connected), before
 * any wait. A crash can only leave `Undetermined` a lead whose request may have reached lemlist.
 */
const send = (state: RunState, batch: ReadonlyArray<ToSubmit>) =>
  Effect.gen(function*() {
    const { client, journal, settings } = state
    const keys = batch.map((lead) => lead.key)
    const hooks = {
      beforeSend: journal.markSubmitting(batch.map(({ key, types }) => ({ key, types }))),
      didNothing: journal.release(keys)
    }
    // Validated locally: every lead has at least one workflow. The key travels as metadata.
    const items = batch.map((lead): Bulk.BulkItem => ({
      input: lead.input,
      enrichmentRequests: lead.types as Bulk.BulkItem["enrichmentRequests"],
      metadata: lead.key
    }))
    let attempt = client.bulkEnrich(items as unknown as NonEmptyReadonlyArray<Bulk.BulkItem>, {
      webhookUrl: settings.webhookUrl,
      hooks
    })
    let earlier: LemlistError.LemlistError | undefined
    const ambiguous = (e: LemlistError.LemlistError | JournalError): e is LemlistError.LemlistError =>
      e._tag !== "JournalError" && e.mayHaveTakenEffect
    if (settings.resendUndetermined) {
      attempt = attempt.pipe(
        Effect.tapError((e) =>
          Effect.sync(() => {
            if (ambiguous(e)) earlier ??= e
          })
        ),
        Effect.retry({ times: 2, while: ambiguous })
      )
    }
    const answer = yield* Effect.either(attempt)
    if (answer._tag === "Left") {
      const error = answer.left
      if (error._tag === "JournalError") return yield* Effect.fail(error)
      return yield* onSubmitError(state, batch, error, earlier)
    }
    state.counters.submitted += batch.length
    const accepted: Array<{ key: string; enrichmentId: string; types: ReadonlyArray<EnrichmentType.EnrichmentType> }> = []
    answer.right.forEach((entry, i) => {
      const lead = batch[i]!
      if (entry._tag === "Accepted") accepted.push({ key: lead.key, enrichmentId: entry.id, types: lead.types })
    })
    yield* journal.recordSubmitted(accepted)
    answer.right.forEach((entry, i) => {
      const lead = batch[i]!
      if (entry._tag === "Accepted") state.awaitResult(lead, entry.id, "this run")
      else if (entry._tag === "MissingInput") {
        state.settle(lead.key, new RejectedByLemlist({ ...Outcomes.identity(lead), code: entry.code }))
      } else {
        // An entry we cannot read may still be an enrichment lemlist created.
        state.settle(lead.key, undetermined(lead, "DecodeError", entry.description))
      }
    })
    // An answer shorter than the batch breaks lemlist's contract: those leads are undetermined.
    for (const lead of batch.slice(answer.right.length)) {
      state.settle(lead.key, undetermined(lead, "DecodeError", "lemlist's answer had no entry for this lead"))
    }
  })

/** Keeps what the budget allows; the rest ends `Failed` (`BudgetExhausted`), not journaled. */
const withinBudget = (state: RunState, batch: ReadonlyArray<ToSubmit>, budget: number): ReadonlyArray<ToSubmit> => {
  const within: Array<ToSubmit> = []
  for (const lead of batch) {
    const most = Types.maxCost(lead.types, state.settings.costs)
    if (state.flow.committedCredits + most <= budget) {
      state.flow.committedCredits += most
      within.push(lead)
    } else {
      state.settle(lead.key, notSent("BudgetExhausted", `not sent: the budget of ${budget} credits is committed`)(lead), false)
    }
  }
  return within
}

/** @internal */
export const submit = (state: RunState) => (chunk: Chunk.Chunk<ToSubmit>): Effect.Effect<void, JournalError | LemlistError.Unauthorized> =>
  Effect.gen(function*() {
    let batch = Chunk.toReadonlyArray(chunk)
    if (state.flow.creditsGone) {
      state.flow.notSubmitted += batch.length
      return failAll(state, batch, notSent("CreditsExhausted", "not sent: lemlist reported the team's credits gone"), false)
    }
    if (state.settings.budget !== undefined) batch = withinBudget(state, batch, state.settings.budget)
    if (batch.length === 0) return
    // Uninterruptible but for the waits (the client makes its pacer and retry waits
    // interruptible: nothing is in flight then): an interrupt during a request waits for the
    // answer and its journal entry, so that stopping a run never leaves a lead's fate unknown.
    yield* Effect.uninterruptible(send(state, batch))
    yield* state.publish
  })
