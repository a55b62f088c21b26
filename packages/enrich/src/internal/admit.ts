/**
 * Reading leads: validate with lemlist's rules, fold duplicates into the lead already on its
 * way, consult the journal, and keep what must be sent.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type { JournalError } from "../EnrichmentError.js"
import type { Lead } from "../Lead.js"
import { plan as planLead } from "../Lead.js"
import { RejectedLocally, Undetermined } from "../Outcome.js"
import * as Outcomes from "./outcomes.js"
import { fateOf } from "./plan.js"
import type { RunState, ToSubmit } from "./runState.js"
import { withMetadata } from "./runState.js"

const describeRule = (code: string): string =>
  ({
    MISSING_INPUTS: "the lead lacks the inputs its workflows need",
    MISSING_EMAIL: "verify needs an email",
    MISSING_LINKEDIN_URL: "linkedin_enrichment needs a LinkedIn URL, an email, or names with a company",
    WRONG_INPUT_FORMAT: "the input has no usable field, or a field that is not a string",
    NO_WORKFLOW_REQUESTED: "no enrichment type was requested",
    UNAUTHORIZED_WORKFLOW_REQUESTED: "an unknown enrichment type was requested",
    WRONG_ENRICHMENT_REQUEST_FORMAT: "the enrichment types are not a list",
    WRONG_METADATA_FORMAT: "the metadata is neither a string nor an object"
  } as Record<string, string>)[code] ?? code

/**
 * Validates a chunk and folds duplicates; the leads that may need sending. Each candidate is
 * the lead's record in `state.active`, so the skipped workflows it carries reach the outcome
 * built from its result (`outcomes.ts`).
 */
const candidatesOf = (state: RunState, chunk: Chunk.Chunk<Lead>): Array<ToSubmit> => {
  const { active, counters, settings } = state
  const candidates: Array<ToSubmit> = []
  for (const lead of chunk) {
    const plan = planLead(lead, settings.types, settings.missingInputs)
    const { key } = plan
    const skipped = plan.skipped.length > 0 ? { skipped: plan.skipped } : {}
    if (plan._tag === "Reject") {
      counters.rejectedLocally++
      const description = plan.skipped.length > 0
        ? `no requested workflow can run: ${plan.skipped.map((s) => s.description).join("; ")}`
        : describeRule(plan.code)
      state.emit(new RejectedLocally({ key, metadata: lead.metadata, code: plan.code, description, ...skipped }))
      continue
    }
    const running = active.get(key)
    if (running) {
      running.followers.push(lead.metadata)
      continue
    }
    const candidate: ToSubmit = {
      key,
      metadata: lead.metadata,
      types: plan.types,
      input: lead.input,
      followers: [],
      ...skipped
    }
    active.set(key, candidate)
    candidates.push(candidate)
  }
  return candidates
}

/**
 * What the journal says decides each candidate's fate (`fateOf`, which `Enrichment.plan` uses
 * too): unknown → send; done → re-emit the stored outcome (or resend an undetermined one when
 * asked); submitted → await its result; submitting (a hard kill mid-call) → undetermined,
 * unless resending is asked.
 *
 * @internal
 */
export const admit = (state: RunState) => (chunk: Chunk.Chunk<Lead>): Effect.Effect<Chunk.Chunk<ToSubmit>, JournalError> =>
  Effect.gen(function*() {
    state.flow.outstanding += chunk.length
    state.counters.read += chunk.length
    const candidates = candidatesOf(state, chunk)
    if (candidates.length === 0) return Chunk.empty<ToSubmit>()
    const known = yield* state.journal.lookup(candidates.map((c) => c.key))
    const resend = state.settings.resendUndetermined
    const toSubmit: Array<ToSubmit> = []
    for (const candidate of candidates) {
      const entry = known.get(candidate.key)
      const fate = fateOf(entry, resend)
      if (fate === "send") {
        toSubmit.push(candidate)
      } else if (entry?._tag === "Done") {
        // Settled, not just emitted: duplicates of it in this chunk get their copy too.
        state.counters.resumed += 1 + candidate.followers.length
        state.settle(candidate.key, withMetadata(entry.outcome, candidate.metadata), false)
      } else if (entry?._tag === "Submitted") {
        // Sent by an earlier run: its webhook may be lost (poll now) or retried to this run's
        // receiver, when its URL outlived that run (poll after the grace).
        state.awaitResult(candidate, entry.enrichmentId, "an earlier run")
      } else {
        state.settle(
          candidate.key,
          new Undetermined({
            ...Outcomes.identity(candidate),
            errorTag: "Interrupted",
            description: "an earlier run stopped while sending this lead: lemlist may have enriched it"
          })
        )
      }
    }
    return Chunk.unsafeFromArray(toSubmit)
  })
