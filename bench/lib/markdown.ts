/**
 * Renders a results file as the markdown tables of `docs/performance.md`:
 *
 *   node --import tsx bench/lib/markdown.ts bench/results/full.json
 */
import * as fs from "node:fs"
import { round, type ScenarioResult } from "./common.js"

const file = process.argv[2] ?? "bench/results/latest.json"
const record = JSON.parse(fs.readFileSync(file, "utf8")) as {
  mode: string
  machine: { cpu: string; cores: number; memoryMb: number; node: string; loadAverage: Array<number>; date: string }
  totalSeconds: number
  note?: string
  scenarioSeconds: Record<string, number>
  scenarios: Array<ScenarioResult | { scenario: string; error: string }>
}
const m = record.machine
const out: Array<string> = []
out.push(`${record.mode} run of ${m.date.slice(0, 16).replace("T", " ")} UTC on ${m.cpu}, ${m.cores} cores, ${Math.round(m.memoryMb / 1024)} GB, Node ${m.node}; load average at the start ${m.loadAverage.join(" / ")}; ${Math.round(Object.values(record.scenarioSeconds).reduce((a, b) => a + b, 0))} s of scenarios in all.${record.note ? ` (${record.note}.)` : ""}`)
for (const s of record.scenarios) {
  out.push("")
  if ("error" in s) {
    out.push(`**${s.scenario}**: failed: ${s.error}`)
    continue
  }
  out.push(`**${s.title}** (median of ${s.runs}, ${Math.round(record.scenarioSeconds[s.scenario] ?? 0)} s)`)
  out.push("")
  out.push("| figure | value |")
  out.push("|---|---:|")
  for (const [k, v] of Object.entries(s.figures)) out.push(`| ${k} | ${typeof v === "number" ? round(v).toLocaleString("en") : v} |`)
  for (const g of s.goals) out.push(`| goal: ${g.name} ${g.target.replace(">=", "≥")} | ${round(g.value).toLocaleString("en")} **${g.met ? "met" : "missed"}** |`)
}
console.log(out.join("\n"))
