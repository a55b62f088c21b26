/**
 * `Enrichment.plan`: what a run would do with its leads, read once, before running them. The
 * rules are the run's own: a lead's key and workflows from `Lead.plan`, what the journal's entry
 * decides (`fateOf`, which `admit.ts` uses too) and what a lead can cost (`leadMaxCost`, which
 * the run's pre-flight credit check uses too, through `maxRunCost`).
 *
 * @internal
 */
import { EnrichmentType as Types } from "@lemlist-effect/contract"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Options, Plan } from "../Enrichment.js"
import type { JournalError } from "../EnrichmentError.js"
import { type Entry, Journal } from "../Journal.js"
import * as Lead from "../Lead.js"
import type { Tag } from "../Outcome.js"
import * as Progress from "../Progress.js"
import { sha256Bytes } from "./sha256.js"

/** Leads read and looked up in the journal at once. */
const chunkSize = 500

/**
 * What the journal's entry for a lead to run decides: `send` it (unknown, or resending is asked
 * for an undetermined one); re-emit its stored outcome (`done`); `await` the result of an
 * earlier run's submit; or end it `undetermined` (left `Submitting` by a crash).
 *
 * @internal
 */
export const fateOf = (entry: Entry | undefined, resendUndetermined: boolean): "send" | "done" | "await" | "undetermined" => {
  if (entry === undefined) return "send"
  switch (entry._tag) {
    case "Done":
      return entry.outcome._tag === "Undetermined" && resendUndetermined ? "send" : "done"
    case "Submitted":
      return "await"
    case "Submitting":
      return resendUndetermined ? "send" : "undetermined"
  }
}

/** The most one lead can cost: what its plan will really run (a refused lead costs nothing). */
export const leadMaxCost = (plan: Lead.Plan, costs: Types.CreditCosts): number =>
  plan._tag === "Run" ? Types.maxCost(plan.types, costs) : 0

/** The options that decide a lead's fate and cost, with their defaults. */
interface Rules {
  readonly types: ReadonlyArray<Types.EnrichmentType>
  readonly missingInputs: Lead.MissingInputs
  readonly costs: Types.CreditCosts
  readonly resendUndetermined: boolean
}

const rulesOf = (options: Options): Rules => ({
  types: [...new Set(options.types)],
  missingInputs: options.missingInputs ?? "reject",
  costs: options.costs ?? Types.defaultCosts,
  resendUndetermined: options.resendUndetermined ?? false
})

/**
 * The most a run can cost, for its pre-flight check (no journal there): lead by lead when the
 * leads are an array (read twice: here and by the run); else `total` times the most a lead of
 * the default workflows costs; unknown (`Infinity`) without either.
 *
 * @internal
 */
export const maxRunCost = (
  leads: unknown,
  rules: Omit<Rules, "resendUndetermined">,
  options: Pick<Options, "total">
): number => {
  if (Array.isArray(leads)) {
    let most = 0
    for (const lead of leads as ReadonlyArray<Lead.Lead>) {
      most += leadMaxCost(Lead.plan(lead, rules.types, rules.missingInputs), rules.costs)
    }
    return most
  }
  return options.total === undefined ? Infinity : options.total * Types.maxCost(rules.types, rules.costs)
}

/** @internal */
export const isStream = <A, E, R>(u: Stream.Stream<A, E, R> | Iterable<A>): u is Stream.Stream<A, E, R> =>
  Stream.StreamTypeId in u

/**
 * The keys seen so far, as 128-bit fingerprints (the first 16 bytes of the SHA-256 of the key)
 * in an open-addressing table: 24 to 48 bytes a distinct lead and no object per key, where a
 * `Set` of strings takes about 100. Two keys share a fingerprint with the odds of two leads
 * sharing `Lead.keyOf`'s own 128 bits: never, in practice.
 */
class KeySet {
  private slots = new Uint32Array(4 * 1024)
  private size = 0

  /** Adds the key; false when it was there already. */
  add(key: string): boolean {
    const digest = sha256Bytes(key)
    // An all-zero slot is empty: the low bit set keeps every fingerprint apart from it.
    const fp = [(digest.readUInt32LE(0) | 1) >>> 0, digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)]
    if (this.find(fp, true)) return false
    this.size++
    if (this.size * 10 > (this.slots.length / 4) * 7) this.grow()
    return true
  }

  /** Finds the fingerprint; inserts it in the first empty slot when absent and asked to. */
  private find(fp: ReadonlyArray<number>, insert: boolean): boolean {
    const s = this.slots
    const mask = s.length / 4 - 1
    for (let i = fp[1]! & mask;; i = (i + 1) & mask) {
      const at = i * 4
      if (s[at] === 0) {
        if (insert) s.set(fp, at)
        return false
      }
      if (s[at] === fp[0] && s[at + 1] === fp[1] && s[at + 2] === fp[2] && s[at + 3] === fp[3]) return true
    }
  }

  private grow() {
    const old = this.slots
    this.slots = new Uint32Array(old.length * 2)
    for (let at = 0; at < old.length; at += 4) {
      if (old[at] !== 0) this.find([old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!], true)
    }
  }
}

const byType = (): Record<Types.EnrichmentType, number> =>
  Object.fromEntries(Types.all.map((t) => [t, 0])) as Record<Types.EnrichmentType, number>

/** @internal */
export const plan = <E = never, R = never>(
  leads: Stream.Stream<Lead.Lead, E, R> | Iterable<Lead.Lead>,
  options: Options
): Effect.Effect<Plan, E | JournalError, R | Journal> =>
  Effect.gen(function*() {
    const journal = yield* Journal
    const rules = rulesOf(options)
    const seen = new KeySet()
    const rejected: Record<string, number> = {}
    const done = { ...Progress.initial(0).outcomes } as Record<Tag, number>
    const run = byType()
    const skipped = byType()
    const counts = { read: 0, rejected: 0, rejectedRecorded: 0, duplicates: 0, done: 0, awaiting: 0, interrupted: 0, toSend: 0, partial: 0 }
    const credits = { toSend: 0, duplicates: 0 }

    const planChunk = (chunk: Iterable<Lead.Lead>) =>
      Effect.gen(function*() {
        const candidates: Array<Extract<Lead.Plan, { _tag: "Run" }>> = []
        const refused: Array<string> = []
        for (const lead of chunk) {
          counts.read++
          const p = Lead.plan(lead, rules.types, rules.missingInputs)
          for (const s of p.skipped) if (s.type in skipped) skipped[s.type]++
          if (p._tag === "Reject") {
            counts.rejected++
            rejected[p.code] = (rejected[p.code] ?? 0) + 1
            refused.push(p.key)
            continue
          }
          if (p.skipped.length > 0) counts.partial++
          // The run folds a lead into the one with its key already on its way, or re-emits
          // that one's recorded outcome: a duplicate is never sent.
          if (!seen.add(p.key)) {
            counts.duplicates++
            credits.duplicates += leadMaxCost(p, rules.costs)
            continue
          }
          candidates.push(p)
        }
        if (candidates.length === 0 && refused.length === 0) return
        // The run refuses a lead again whatever the journal says; the plan still tells whether
        // an earlier run recorded that refusal (a caller reading outcomes back needs to know).
        const known = yield* journal.lookup([...candidates.map((c) => c.key), ...refused])
        for (const key of refused) if (known.get(key)?._tag === "Done") counts.rejectedRecorded++
        for (const c of candidates) {
          const entry = known.get(c.key)
          switch (fateOf(entry, rules.resendUndetermined)) {
            case "send":
              counts.toSend++
              credits.toSend += leadMaxCost(c, rules.costs)
              for (const t of c.types) run[t]++
              break
            case "done":
              counts.done++
              if (entry?._tag === "Done") done[entry.outcome._tag]++
              break
            case "await":
              counts.awaiting++
              break
            case "undetermined":
              counts.interrupted++
          }
        }
      })

    if (isStream(leads)) {
      yield* leads.pipe(Stream.rechunk(chunkSize), Stream.runForEachChunk(planChunk))
    } else {
      let chunk: Array<Lead.Lead> = []
      for (const lead of leads) {
        chunk.push(lead)
        if (chunk.length === chunkSize) {
          yield* planChunk(chunk)
          chunk = []
        }
      }
      yield* planChunk(chunk)
    }

    return {
      read: counts.read,
      rejected: { total: counts.rejected, byCode: rejected, recorded: counts.rejectedRecorded },
      duplicates: counts.duplicates,
      done: { total: counts.done, byOutcome: done },
      awaiting: counts.awaiting,
      interrupted: counts.interrupted,
      toSend: counts.toSend,
      workflows: { run, skipped, partial: counts.partial },
      credits: {
        toSend: credits.toSend,
        duplicates: credits.duplicates,
        max: Math.min(credits.toSend, options.budget ?? Infinity)
      }
    }
  })
