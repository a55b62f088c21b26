/**
 * The benchmark harness: `pnpm bench` (full) or `pnpm bench --quick` (under a minute).
 * Runs every scenario in its own child process (`bench/scenarios/<name>.ts --json`), one after
 * the other, prints one table, and writes `out/bench/latest.json` (and `full.json` or
 * `quick.json`): each scenario's figures, goals and runs, with the machine's description. The
 * tracked record, `bench/results/<mode>.json`, changes only with `--record`: a quick check or a
 * CI run leaves the work tree clean.
 *
 *   pnpm bench [--quick] [--only pacing,overhead] [--record]
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { benchDir, type Goal, machine, parseArgs, round, runTs, type ScenarioResult } from "./lib/common.js"

export const scenarios = ["pacing", "overhead", "memory", "collection", "mock", "client", "scale", "cli", "journal"] as const

const args = parseArgs()
const only = args.named.get("only")?.split(",").map((s) => s.trim())
const chosen = scenarios.filter((s) => only === undefined || only.includes(s))
const mode = args.quick ? "quick" : "full"
const started = performance.now()
const host = machine()
process.stderr.write(`bench (${mode}): ${chosen.join(", ")} on ${host.cpu}, ${host.cores} cores, Node ${host.node}, load ${host.loadAverage.join(" ")}\n`)

const results: Array<ScenarioResult | { scenario: string; error: string; seconds: number }> = []
const seconds: Record<string, number> = {}
for (const name of chosen) {
  const t0 = performance.now()
  process.stderr.write(`> ${name}\n`)
  try {
    const r = await runTs<ScenarioResult>(path.join(benchDir, "scenarios", `${name}.ts`), ["--json", ...(args.quick ? ["--quick"] : [])], {
      timeoutMs: args.quick ? 120_000 : 60 * 60_000
    })
    results.push(r)
  } catch (e) {
    results.push({ scenario: name, error: String((e as Error).message ?? e), seconds: (performance.now() - t0) / 1000 })
  }
  seconds[name] = (performance.now() - t0) / 1000
  process.stderr.write(`< ${name} (${seconds[name]!.toFixed(1)} s)\n`)
}
const totalS = (performance.now() - started) / 1000

// ---- the table ---------------------------------------------------------------------------------
const rows: Array<[string, string] | string> = []
for (const r of results) {
  if ("error" in r) {
    rows.push(`${r.scenario}: FAILED: ${r.error.slice(0, 200)}`)
    continue
  }
  rows.push(`${r.title} [median of ${r.runs}, ${seconds[r.scenario]!.toFixed(0)} s]`)
  for (const [k, v] of Object.entries(r.figures)) rows.push([k, typeof v === "number" ? round(v).toLocaleString("en") : v])
  for (const g of r.goals as ReadonlyArray<Goal>) {
    rows.push([`goal: ${g.name} ${g.target}`, `${round(g.value).toLocaleString("en")} ${g.met ? "met" : "MISSED"}`])
  }
}
const width = Math.max(...rows.map((r) => (typeof r === "string" ? 0 : r[0].length)))
const line = "-".repeat(Math.min(100, width + 20))
for (const row of rows) {
  if (typeof row === "string") console.log(`${line}\n${row}`)
  else console.log(`  ${row[0].padEnd(width)}  ${row[1].padStart(12)}`)
}
console.log(line)
const failed = results.filter((r) => "error" in r)
const missed = results.flatMap((r) => ("error" in r ? [] : r.goals.filter((g) => !g.met).map((g) => `${r.scenario}: ${g.name}`)))
console.log(`${mode} run: ${totalS.toFixed(0)} s; ${failed.length} scenario(s) failed; goals missed: ${missed.length === 0 ? "none" : missed.join("; ")}`)

// ---- the record --------------------------------------------------------------------------------
const recordIt = process.argv.includes("--record")
const dir = recordIt ? path.join(benchDir, "results") : path.join(benchDir, "..", "out", "bench")
fs.mkdirSync(dir, { recursive: true })
// With --only, the other scenarios of the last run of this mode are kept (from the same place).
const previous = (() => {
  if (only === undefined) return undefined
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, `${mode}.json`), "utf8")) as { scenarios: typeof results; scenarioSeconds: Record<string, number> }
  } catch {
    return undefined
  }
})()
const merged = previous
  ? scenarios.flatMap((name) => {
    const fresh = results.find((r) => r.scenario === name)
    const old = previous.scenarios.find((r) => r.scenario === name)
    return fresh ? [fresh] : old ? [old] : []
  })
  : results
const runRecord = {
  mode,
  machine: host,
  totalSeconds: totalS,
  scenarioSeconds: { ...previous?.scenarioSeconds, ...seconds },
  ...(previous ? { note: `scenarios ${chosen.join(", ")} rerun on ${host.date}; the others are from the previous ${mode} run` } : {}),
  scenarios: merged
}
for (const name of ["latest.json", `${mode}.json`]) {
  const tmp = path.join(dir, `${name}.tmp${process.pid}`)
  fs.writeFileSync(tmp, JSON.stringify(runRecord, null, 2) + "\n")
  fs.renameSync(tmp, path.join(dir, name))
}
const shown = path.relative(path.join(benchDir, ".."), dir)
console.log(`written: ${shown}/latest.json, ${shown}/${mode}.json${recordIt ? "" : " (add --record to update the tracked bench/results)"}`)
process.exitCode = failed.length > 0 ? 1 : 0
