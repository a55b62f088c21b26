import { describe, expect, it } from "vitest"
import * as Report from "../src/Report.js"
import * as RunRecord from "../src/RunRecord.js"

const figure = (html: string, name: string): number | undefined => {
  const m = new RegExp(`data-figure="${name.replace(/\./g, "\\.")}" data-value="([^"]*)"`).exec(html)
  return m ? Number(m[1]) : undefined
}

const render = (over: {
  times?: Array<number>
  latencies?: Array<number>
  elapsed?: number
  tally?: Report.Tally
  rows?: number
  outcomes?: Record<string, number>
}) => {
  const record = RunRecord.make()
  const startedAt = 1_700_000_000_000
  record.requests.push(...(over.times ?? []).map((t) => startedAt + t))
  record.latencies.push(...(over.latencies ?? []))
  const summary = {
    input: "leads.csv", output: "out.csv", journal: "out.journal.sqlite", rows: over.rows ?? 1, outcomes: over.outcomes ?? { Enriched: 1 }, resumed: 0,
    requests: over.times?.length ?? 0, rateLimited: 0, creditsSpent: 5, creditsEstimate: 27, elapsedMillis: over.elapsed ?? 5000, exitCode: 0
  }
  return Report.render(Report.data({
    summary, startedAt, backend: "the mock", types: ["find_email", "verify"], missingInputs: "skip-type", estimate: 27,
    budget: undefined, creditsByType: { find_email: 5 }, tally: over.tally ?? Report.tally(), record
  }))
}

describe("Report", () => {
  it("finds the busiest 2 s window exactly, whatever the sampling", () => {
    const steady = Array.from({ length: 600 }, (_, i) => i * 100) // 10 per second for a minute
    expect(figure(render({ times: steady, elapsed: 60_000 }), "requests.peakWindow")).toBe(20)
    const burst = [...steady, 30_001, 30_002, 30_003, 30_004, 30_005]
    expect(figure(render({ times: burst, elapsed: 60_000 }), "requests.peakWindow")).toBe(25)
  })

  it("stays small for an hour of polling: charts are binned, not drawn per request", () => {
    const times = Array.from({ length: 36_000 }, (_, i) => i * 100)
    const latencies = Array.from({ length: 30_000 }, (_, i) => 200 + (i % 3000))
    const html = render({ times, latencies, elapsed: 3_600_000 })
    expect(html.length).toBeLessThan(200_000)
    expect(figure(html, "requests.timed")).toBe(36_000)
    expect(figure(html, "latency.count")).toBe(30_000)
    expect(html).toMatch(/averaged over 12 s/)
  })

  it("gives the Enriched card the outcome bar's percentage (of the rows, malformed ones included)", () => {
    const html = render({ rows: 2_000, outcomes: { Enriched: 1_834, NotFound: 100, RejectedLocally: 61, Skipped: 5 } })
    expect(html).toContain("91.7% of the rows")
    expect(html).toContain('title="Enriched: 1,834 (91.7%)"') // the outcome bar's segment
  })

  it("escapes what comes from the file, and loads nothing from outside", () => {
    const tally = Report.tally()
    Report.count(tally, {
      row: 7,
      cells: ["<script>alert(1)</script>", "\"quoted\" & more"],
      types: ["verify"],
      skipped: [],
      result: { _tag: "Skipped", code: "MALFORMED_ROW", message: "the row has 2 fields, the header 7" }
    })
    const html = render({ tally })
    expect(html).not.toContain("<script>alert(1)")
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;")
    expect(html).toContain("&quot;quoted&quot; &amp; more")
    expect(figure(html, "rejectedRows")).toBe(1)
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
  })
})
