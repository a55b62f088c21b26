import { describe, expect, it } from "@effect/vitest"
import * as Progress from "../src/Progress.js"

/** A snapshot `seconds` into a run of `total` leads. */
const at = (
  seconds: number,
  total: number | undefined,
  counts: Partial<Omit<Progress.Progress, "outcomes">> & { readonly outcomes?: Partial<Progress.Progress["outcomes"]> }
): Progress.Progress => {
  const initial = Progress.initial(0, total)
  return { ...initial, ...counts, outcomes: { ...initial.outcomes, ...counts.outcomes }, updatedAt: seconds * 1000 }
}

describe("Progress.etaMillis", () => {
  it("leaves rows refused at once out of the rate: 703 refused in the first second do not promise the rest at 703 a second", () => {
    // `lemlist-enrich run examples/leads.csv --types find_email` by polling, 5 s in: every row
    // read, 703 refused locally, 26 results from lemlist. Counting the refused, the ETA said 9 s,
    // then grew (21, 29, 33 s) while the run took 2 minutes more.
    const p = at(5, 1_995, { read: 1_995, rejectedLocally: 703, outcomes: { RejectedLocally: 703, Enriched: 13, NotFound: 13 } })
    expect(Progress.etaMillis(p)).toBeCloseTo(((1_995 - 729) / (26 / 5)) * 1000)
    expect(Progress.etaMillis(p)! / 1000).toBeGreaterThan(200)
  })

  it("leaves outcomes re-emitted from the journal out of the rate", () => {
    const p = at(10, 1_000, { read: 1_000, resumed: 800, outcomes: { Enriched: 850 } })
    expect(Progress.etaMillis(p)).toBe(30_000) // 150 left at 5 a second
  })

  it("counts the leads not read yet at the share of outcomes that came at once among those read", () => {
    const p = at(10, 1_000, { read: 600, rejectedLocally: 100, outcomes: { RejectedLocally: 100, Enriched: 50 } })
    expect(Progress.etaMillis(p)).toBeCloseTo(((450 + 400 * (5 / 6)) / 5) * 1000)
  })

  it("has none before lemlist's first result or without a total, and is 0 once every lead is done", () => {
    expect(Progress.etaMillis(at(3, 100, { read: 100, rejectedLocally: 40, outcomes: { RejectedLocally: 40 } }))).toBeUndefined()
    expect(Progress.etaMillis(at(3, undefined, { read: 10, outcomes: { Enriched: 5 } }))).toBeUndefined()
    expect(Progress.etaMillis(at(0, 10, { read: 10, outcomes: { Enriched: 5 } }))).toBeUndefined()
    expect(Progress.etaMillis(at(3, 10, { read: 10, rejectedLocally: 10, outcomes: { RejectedLocally: 10 } }))).toBe(0)
  })
})
