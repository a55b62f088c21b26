import { EnrichmentType } from "@lemlist-effect/contract"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { generateLabelled } from "../../../examples/generate-leads.js"
import { ExitCode } from "../src/ExitCode.js"
import { fastMock, leadsCsv, runCli, tempDir, writeFile } from "./support/cli.js"

const dirs: Array<string> = []
const dir = () => {
  const d = tempDir()
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })))

const example = path.join(__dirname, "../../../examples/leads.csv")
const readJsonl = (file: string) => fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l))

describe("--types auto: each lead runs the enrichments it has inputs for", () => {
  it("on examples/leads.csv, only the rows meant to be bad end RejectedLocally", async () => {
    const out = path.join(dir(), "leads.jsonl")
    const { code, err, out: stdout } = await runCli(["run", example, "--types", "auto", "--out", out, "--yes", "--json"], {
      main: fastMock
    })
    expect(err).toBe("")
    expect(code).toBe(ExitCode.Ok)
    const summary = JSON.parse(stdout)
    const lines = readJsonl(out)
    const kinds = generateLabelled().map((r) => r.kind)
    expect(lines.length).toBe(kinds.length)
    for (const line of lines) {
      const kind = kinds[line.row - 1]
      const tag = line.outcome._tag
      if (kind === "malformed") expect(tag, `row ${line.row}`).toBe("Skipped")
      else if (kind === "nothingUsable") {
        expect(tag, `row ${line.row}`).toBe("RejectedLocally")
        expect(line.outcome.skipped.map((s: { type: string }) => s.type)).toEqual(EnrichmentType.all)
      } else expect(tag, `row ${line.row} (${kind})`).toMatch(/^(Enriched|NotFound)$/)
    }
    const bad = kinds.filter((k) => k === "nothingUsable").length
    expect(summary.outcomes.RejectedLocally).toBe(bad)
    expect(bad).toBeLessThan(kinds.length * 0.05)

    // What ran and what was skipped make up what was asked, per lead; the estimate is built
    // from what runs, once per lead (a duplicate row is enriched once).
    let estimate = 0
    const seen = new Set<string>()
    for (const line of lines) {
      const o = line.outcome
      if (o._tag !== "Enriched" && o._tag !== "NotFound") continue
      const ran = Object.keys(o.result)
      const skipped = (o.skipped ?? []).map((s: { type: string }) => s.type)
      expect([...ran, ...skipped].sort()).toEqual([...EnrichmentType.all].sort())
      if (seen.has(o.key)) continue
      seen.add(o.key)
      estimate += EnrichmentType.maxCost(ran as Array<EnrichmentType.EnrichmentType>)
    }
    expect(summary.creditsEstimate).toBe(estimate)
    expect(summary.creditsSpent).toBeLessThanOrEqual(estimate)
  })

  it("--types a,b --missing-inputs skip-type runs the subset of a,b each lead can; the CSV names what was skipped", async () => {
    const d = dir()
    const input = writeFile(d, "leads.csv", leadsCsv)
    const out = path.join(d, "out.jsonl")
    const ran = await runCli(
      ["run", input, "--types", "find_email,verify", "--missing-inputs", "skip-type", "--out", out, "--yes", "--json"],
      { main: fastMock }
    )
    expect(ran.code).toBe(ExitCode.Ok)
    const byRow = readJsonl(out).map((l) => l.outcome)
    expect(Object.keys(byRow[0].result).sort()).toEqual(["find_email", "verify"]) // names, domain, email
    expect(Object.keys(byRow[1].result)).toEqual(["find_email"]) // LinkedIn only
    expect(byRow[1].skipped).toEqual([{ type: "verify", code: "MISSING_EMAIL", description: "verify needs an email" }])
    expect(byRow[3]).toMatchObject({ _tag: "RejectedLocally", code: "MISSING_INPUTS" }) // a job title alone

    const csv = path.join(d, "out.csv")
    const shown = await runCli(["run", input, "--types", "find_email,verify", "--missing-inputs", "skip-type", "--out", csv, "--yes"], {
      main: fastMock
    })
    expect(shown.err).toMatch(/Workflows: each lead runs those of find_email, verify it has inputs for: 2 run all, 3 run some, 1 can run none/)
    expect(fs.readFileSync(csv, "utf8")).toMatch(/verify: MISSING_EMAIL/)
  })

  it("rows naming their own types in --types-column follow the same rule", async () => {
    const d = dir()
    const input = writeFile(d, "leads.csv", [
      "Email,LinkedIn URL,Types",
      "ada@acme.example,,find_phone;verify",
      ",https://www.linkedin.com/in/example-grace,"
    ].join("\n") + "\n")
    const out = path.join(d, "out.jsonl")
    const ran = await runCli(
      ["run", input, "--types", "find_email", "--types-column", "Types", "--missing-inputs", "skip-type", "--out", out, "--yes", "-q"],
      { main: fastMock }
    )
    expect(ran.code).toBe(ExitCode.Ok)
    const [ada, grace] = readJsonl(out).map((l) => l.outcome)
    expect(Object.keys(ada.result)).toEqual(["verify"])
    expect(ada.skipped.map((s: { type: string }) => s.type)).toEqual(["find_phone"])
    expect(Object.keys(grace.result)).toEqual(["find_email"])
    expect(grace.skipped).toBeUndefined()
  })

  it("the same leads under the default (reject) are refused whole, and keep their keys across modes when complete", async () => {
    const d = dir()
    const input = writeFile(d, "leads.csv", leadsCsv)
    const out = path.join(d, "out.jsonl")
    await runCli(["run", input, "--types", "find_email,verify", "--out", out, "--yes", "-q"], { main: fastMock })
    const reject = readJsonl(out).map((l) => l.outcome)
    expect(reject[1]).toMatchObject({ _tag: "RejectedLocally", code: "MISSING_EMAIL" })
    // The same journal, now with skip-type: the complete lead resumes (same key), the others run.
    const again = await runCli(
      ["run", input, "--types", "find_email,verify", "--missing-inputs", "skip-type", "--out", out, "--yes", "--json"],
      { main: fastMock }
    )
    const skip = readJsonl(out).map((l) => l.outcome)
    expect(skip[0].key).toBe(reject[0].key)
    expect(JSON.parse(again.out).resumed).toBeGreaterThanOrEqual(1)
    expect(skip[1]._tag).toMatch(/^(Enriched|NotFound)$/)
  })

  it("contradictions and unknown modes are usage errors", async () => {
    const input = writeFile(dir(), "leads.csv", leadsCsv)
    const both = await runCli(["run", input, "--types", "auto", "--missing-inputs", "reject", "--yes"], { main: fastMock })
    expect(both.code).toBe(ExitCode.Usage)
    expect(both.err).toMatch(/--types auto .* cannot be combined with --missing-inputs reject/)
    const unknown = await runCli(["run", input, "--types", "verify", "--missing-inputs", "maybe", "--yes"], { main: fastMock })
    expect(unknown.code).toBe(ExitCode.Usage)
    expect(unknown.err).toMatch(/--missing-inputs maybe: expected reject or skip-type/)
  })
})
