/**
 * Reading leads: validate with lemlist's rules and read what the journal knows of them; the
 * owner decides the rest.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type { JournalError } from "../EnrichmentError.js"
import type * as Journal from "../Journal.js"
import type { Lead } from "../Lead.js"
import { plan as planLead } from "../Lead.js"
import type * as Lifecycle from "./lifecycle.js"
import type { Admission, RunEvent } from "./events.js"
import type { Settings } from "./settings.js"
import * as Workers from "./workers.js"

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

/** Validates a chunk by lemlist's rules: each lead, to run (with its workflows) or refused. */
const admissionsOf = (settings: Settings, chunk: Chunk.Chunk<Lead>): Array<Admission> => {
  const admissions: Array<Admission> = []
  for (const lead of chunk) {
    const plan = planLead(lead, settings.types, settings.missingInputs)
    const record = {
      key: plan.key,
      metadata: lead.metadata,
      types: plan._tag === "Run" ? plan.types : [],
      input: lead.input,
      ...(plan.skipped.length > 0 ? { skipped: plan.skipped } : {})
    }
    if (plan._tag === "Run") {
      admissions.push({ lead: record })
      continue
    }
    const description = plan.skipped.length > 0
      ? `no requested workflow can run: ${plan.skipped.map((s) => s.description).join("; ")}`
      : describeRule(plan.code)
    admissions.push({ lead: record, rejection: { code: plan.code, description } })
  }
  return admissions
}

/**
 * Reads a chunk: validates it, claims its leads (several workers), reads the journal's entries
 * of its leads, and tells the owner, which folds duplicates into the lead already on its way and
 * decides each lead's fate from its entry (`fateOf`, which `Enrichment.plan` uses too) or from
 * its being held by another worker; the leads to send.
 *
 * @internal
 */
export const admit = (deps: {
  readonly settings: Settings
  readonly journal: Journal.Service
  readonly ask: <A>(event: (reply: (a: A) => void) => RunEvent) => Effect.Effect<A>
}) =>
(chunk: Chunk.Chunk<Lead>): Effect.Effect<Chunk.Chunk<Lifecycle.Lead>, JournalError> =>
  Effect.gen(function*() {
    const leads = admissionsOf(deps.settings, chunk)
    const keys = [...new Set(leads.flatMap((a) => (a.rejection === undefined ? [a.lead.key] : [])))]
    // Several workers: claimed first, so that the entries of the leads held here stay theirs.
    const held = deps.settings.worker === undefined ? undefined : yield* Workers.claim(deps.settings.worker, deps.journal, keys)
    const entries = keys.length === 0 ? new Map() : yield* deps.journal.lookup(keys)
    const toSend = yield* deps.ask<Array<Lifecycle.Lead>>((reply) => ({ _tag: "Read", leads, entries, held, reply }))
    return Chunk.unsafeFromArray(toSend)
  })
