/**
 * The run report in a real browser (headless Debian Chromium): a small enrichment through the
 * command, then the page's figures against the run's `--json` summary, offline.
 */
import { launch, unavailable } from "@lemlist-effect/contract-tests/Browser"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { generate, header } from "../../../examples/generate-leads.js"
import { ExitCode } from "../src/ExitCode.js"
import { csvText } from "../src/Output.js"
import { runCli, tempDir, writeFile } from "./support/cli.js"

const skip = unavailable()
if (skip) console.warn(`[browser tests skipped] ${skip}`)

const artifacts = path.join(__dirname, "../../../out/test-artifacts")
const dir = tempDir()
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe.skipIf(skip !== undefined)("the run report in Chromium", () => {
  it("shows the run's figures, works offline, and its filter finds the rejected rows", async () => {
    // 300 rows of the example's mix (complete, LinkedIn only, email only, nothing usable, malformed).
    const rows = generate(300, 7)
    rows.splice(100, 0, ["Extra", "Field", "Acme", "acme.example", "x@acme.example", "", "CTO", "unexpected"], ["Too", "Few"])
    const input = writeFile(dir, "leads.csv", csvText([header, ...rows]))
    const report = path.join(dir, "out", "report.html")
    const ran = await runCli(
      ["run", input, "--types", "auto", "--out", path.join(dir, "out", "leads.csv"), "--report", report, "--json", "--yes"],
      { main: { mock: { options: { latency: { minMs: 50, maxMs: 600 } } } } }
    )
    expect(ran.err).toBe("")
    expect(ran.code).toBe(ExitCode.Ok)
    const summary = JSON.parse(ran.out)
    expect(summary.report).toBe(report)

    const browser = await launch()
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
      const external: Array<string> = []
      await page.route("**/*", (route) => {
        const url = route.request().url()
        if (url.startsWith("file:")) return route.continue()
        external.push(url)
        return route.abort()
      })
      await page.goto(`file://${report}`)
      const figures: Record<string, number> = Object.fromEntries(
        await page.$$eval("[data-figure]", (els) => els.map((e) => [e.getAttribute("data-figure"), Number(e.getAttribute("data-value"))]))
      )
      expect(external).toEqual([])

      const o = summary.outcomes as Record<string, number>
      expect(figures.rows).toBe(summary.rows)
      for (const [tag, count] of Object.entries(o)) if (count > 0) expect(figures[`outcome.${tag}`], tag).toBe(count)
      expect(figures.Enriched).toBe(o.Enriched ?? 0)
      expect(figures.rejected).toBe((o.RejectedLocally ?? 0) + (o.RejectedByLemlist ?? 0))
      expect(figures.rejectedRows).toBe((o.RejectedLocally ?? 0) + (o.RejectedByLemlist ?? 0) + (o.Skipped ?? 0))
      expect(figures.creditsSpent).toBe(summary.creditsSpent)
      expect(figures["credits.spent"]).toBe(summary.creditsSpent)
      expect(figures.creditsEstimate).toBe(summary.creditsEstimate)
      expect(figures.requests).toBe(summary.requests)
      expect(figures["requests.timed"]).toBe(summary.requests) // the chart has every request
      expect(figures.rateLimited).toBe(summary.rateLimited)
      expect(figures["requests.peakWindow"]).toBeGreaterThan(0)
      expect(figures["requests.peakWindow"]).toBeLessThanOrEqual(20)
      // A latency per lead sent: every distinct lead that got a result from lemlist.
      expect(figures["latency.count"]).toBeGreaterThan(0)
      expect(figures["latency.count"]).toBeLessThanOrEqual((o.Enriched ?? 0) + (o.NotFound ?? 0) + (o.Failed ?? 0))
      // Per type, every lead (malformed rows aside) is counted once, with its status.
      const leads = summary.rows - (o.Skipped ?? 0)
      for (const type of ["find_email", "find_phone", "verify", "linkedin_enrichment"]) {
        const sum = Object.entries(figures).filter(([k]) => k.startsWith(`type.${type}.`)).reduce((a, [, v]) => a + v, 0)
        expect(sum, type).toBe(leads)
      }

      // The filter keeps the rows whose code matches.
      expect(o.Skipped).toBe(2)
      await page.fill("#filter", "MALFORMED_ROW")
      expect(await page.textContent("#shown")).toBe("2")
      expect(o.RejectedLocally).toBeGreaterThan(0)
      await page.fill("#filter", "no requested workflow has its inputs")
      expect(await page.textContent("#shown")).toBe(String(o.RejectedLocally))
      await page.fill("#filter", "")

      fs.mkdirSync(artifacts, { recursive: true })
      await page.screenshot({ path: path.join(artifacts, "report.png"), fullPage: true })
    } finally {
      await browser.close()
    }
  }, 120_000)
})
