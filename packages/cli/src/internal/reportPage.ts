/**
 * The report's HTML: one document, CSS and SVG inline, a few lines of JS for the rejected-rows
 * filter. Every figure carries `data-figure`/`data-value` so that tests read what people see.
 *
 * @internal
 */
import { n, summaryRows } from "../ProgressDisplay.js"
import type { ReportData } from "../Report.js"

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c]!)

const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 1000) / 10}%` : "0%")

const ms = (v: number): string => {
  if (v < 1000) return `${Math.round(v)} ms`
  if (v < 60_000) return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`
  const s = Math.round(v / 1000)
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`
}

/** A colour per outcome tag; the order and labels are the summary table's. */
const outcomeColors: Readonly<Record<string, string>> = {
  Enriched: "#2f9e6e",
  NotFound: "#8da2b8",
  RejectedLocally: "#e3a33b",
  RejectedByLemlist: "#e07b39",
  Failed: "#d64545",
  Undetermined: "#8e6cc9",
  Skipped: "#b5b5b5",
  Pending: "#cfd8e3"
}

const statusColor = (status: string): string =>
  ({
    found: "#2f9e6e",
    deliverable: "#2f9e6e",
    risky: "#9cc65a",
    "not found": "#8da2b8",
    undeliverable: "#d9822b",
    unknown: "#a9b4c2",
    "skipped: no inputs": "#e9d8a6",
    rejected: "#e3a33b",
    "rejected by lemlist": "#e07b39",
    failed: "#d64545",
    undetermined: "#8e6cc9",
    pending: "#cfd8e3"
  })[status] ?? "#9aa5b1"

const statusOrder = [
  "found",
  "deliverable",
  "risky",
  "undeliverable",
  "unknown",
  "not found",
  "skipped: no inputs",
  "rejected",
  "rejected by lemlist",
  "failed",
  "undetermined",
  "pending"
]

const figure = (name: string, value: number, text: string = n(value)) =>
  `<span data-figure="${esc(name)}" data-value="${value}">${esc(text)}</span>`

/** A horizontal stacked bar of parts, with a legend. */
const stacked = (parts: ReadonlyArray<{ label: string; value: number; color: string; figure?: string }>, total: number) => {
  const shown = parts.filter((p) => p.value > 0)
  const bar = shown
    .map((p) =>
      `<div class="seg" style="flex:${p.value};background:${p.color}" title="${esc(p.label)}: ${n(p.value)} (${pct(p.value, total)})"></div>`
    )
    .join("")
  const legend = shown
    .map((p) =>
      `<li><i style="background:${p.color}"></i>${esc(p.label)} <b>${p.figure ? figure(p.figure, p.value) : n(p.value)}</b>` +
      ` <small>${pct(p.value, total)}</small></li>`
    )
    .join("")
  return `<div class="stack">${bar || "<div class=\"seg empty\"></div>"}</div><ul class="legend">${legend}</ul>`
}

const quantile = (sorted: ReadonlyArray<number>, q: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

/** A "nice" step for an axis reaching `max` in about `ticks` steps. */
const niceStep = (max: number, ticks: number) => {
  const raw = Math.max(max, 1) / ticks
  const mag = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!
}

/** The most requests in any window of `windowMs` (each window ending at a request). */
const peakWindow = (sorted: ReadonlyArray<number>, windowMs: number): number => {
  let peak = 0
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[lo]! <= sorted[hi]! - windowMs) lo++
    peak = Math.max(peak, hi - lo + 1)
  }
  return peak
}

/**
 * Requests per second (bars), requests in the sliding window (line) and the limit (dashed).
 * Long runs get wider bars (their average rate) and a coarser line, so the page stays small.
 */
const requestChart = (r: ReportData["requests"], elapsed: number) => {
  const W = 860, H = 240, L = 44, R = 16, T = 14, B = 34
  const end = Math.max(elapsed, ...r.times, 1000)
  const binMs = 1000 * Math.max(1, Math.ceil(end / 1000 / 300))
  const bins = Math.ceil(end / binMs)
  const perBin = new Array<number>(bins).fill(0)
  for (const t of r.times) perBin[Math.min(bins - 1, Math.max(0, Math.floor(t / binMs)))]!++
  const rates = perBin.map((c) => c / (binMs / 1000))
  const sorted = [...r.times].sort((a, b) => a - b)
  const peak = peakWindow(sorted, r.windowMillis)
  // The count lemlist checks: requests in the last window, sampled at most 1,500 times.
  const step = Math.max(100, Math.ceil(end / 1500))
  const samples: Array<[number, number]> = []
  for (let t = 0, lo = 0, hi = 0; t <= end; t += step) {
    while (hi < sorted.length && sorted[hi]! <= t) hi++
    while (lo < hi && sorted[lo]! <= t - r.windowMillis) lo++
    samples.push([t, hi - lo])
  }
  const yMax = Math.max(r.limit * 1.2, peak, ...rates)
  const x = (t: number) => L + (t / end) * (W - L - R)
  const y = (v: number) => T + (1 - v / yMax) * (H - T - B)
  const bw = Math.max(1, (W - L - R) / bins - 1)
  const per = binMs === 1000 ? "" : ` (average over ${binMs / 1000} s)`
  const bars = rates
    .map((v, i) =>
      v === 0 ? "" : `<rect x="${x(i * binMs).toFixed(1)}" y="${y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" class="bar"><title>${ms(i * binMs)}: ${perBin[i]} request${perBin[i] === 1 ? "" : "s"}${per}</title></rect>`
    )
    .join("")
  const line = samples.map(([t, v], i) => `${i === 0 ? "M" : "L"}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join("")
  const marks = r.rateLimited.map((t) => `<circle cx="${x(t).toFixed(1)}" cy="${y(0) - 4}" r="4" class="r429"><title>429 at ${ms(t)}</title></circle>`).join("")
  const yStep = niceStep(yMax, 4)
  const grid = Array.from({ length: Math.floor(yMax / yStep) + 1 }, (_, i) => i * yStep)
    .map((v) => `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${L - 6}" y="${y(v) + 4}" class="tick" text-anchor="end">${v}</text>`)
    .join("")
  const tStep = niceStep(end / 1000, 8)
  const xticks = Array.from({ length: Math.floor(end / 1000 / tStep) + 1 }, (_, i) => i * tStep)
    .map((s) => `<text x="${x(s * 1000)}" y="${H - B + 16}" class="tick" text-anchor="middle">${s} s</text>`)
    .join("")
  return {
    peak,
    binSeconds: binMs / 1000,
    svg: `<svg viewBox="0 0 ${W} ${H}" class="chart" role="img" aria-label="Requests over time against the limit">${grid}${xticks}${bars}` +
      `<path d="${line}" class="window"/>` +
      `<line x1="${L}" x2="${W - R}" y1="${y(r.limit)}" y2="${y(r.limit)}" class="limit"/>` +
      `<text x="${W - R}" y="${y(r.limit) - 6}" class="limit-label" text-anchor="end">limit: ${r.limit} per ${r.windowMillis / 1000} s</text>` +
      `${marks}</svg>`
  }
}

/** The latency histogram, with the median and the 90th percentile marked. */
const latencyChart = (latencies: ReadonlyArray<number>) => {
  const W = 860, H = 220, L = 44, R = 16, T = 14, B = 34
  const sorted = [...latencies].sort((a, b) => a - b)
  const max = Math.max(sorted.at(-1) ?? 0, 1)
  const step = niceStep(max, 24)
  const bins = new Array<number>(Math.max(1, Math.ceil((max + 1) / step))).fill(0)
  for (const v of sorted) bins[Math.min(bins.length - 1, Math.floor(v / step))]!++
  const yMax = Math.max(...bins, 1) * 1.15 // headroom for the quantile labels
  const x = (v: number) => L + (v / (bins.length * step)) * (W - L - R)
  const y = (c: number) => T + (1 - c / yMax) * (H - T - B)
  const bw = (W - L - R) / bins.length - 2
  const bars = bins
    .map((c, i) => (c === 0 ? "" : `<rect x="${(x(i * step) + 1).toFixed(1)}" y="${y(c).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(0) - y(c)).toFixed(1)}" class="hbar"><title>${ms(i * step)}-${ms((i + 1) * step)}: ${n(c)} lead${c === 1 ? "" : "s"}</title></rect>`))
    .join("")
  const p50 = quantile(sorted, 0.5), p90 = quantile(sorted, 0.9), p99 = quantile(sorted, 0.99)
  const marker = (v: number, label: string) =>
    `<line x1="${x(v)}" x2="${x(v)}" y1="${T}" y2="${y(0)}" class="q"/><text x="${x(v) + 4}" y="${T + 10}" class="qlabel">${label} ${ms(v)}</text>`
  const yStep = niceStep(yMax, 4)
  const grid = Array.from({ length: Math.floor(yMax / yStep) + 1 }, (_, i) => i * yStep)
    .map((v) => `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${L - 6}" y="${y(v) + 4}" class="tick" text-anchor="end">${n(v)}</text>`)
    .join("")
  const every = Math.max(1, Math.ceil(bins.length / 8))
  const xticks = bins
    .map((_, i) => (i % every === 0 ? `<text x="${x(i * step)}" y="${H - B + 16}" class="tick" text-anchor="middle">${ms(i * step)}</text>` : ""))
    .join("")
  return {
    p50,
    p90,
    p99,
    svg: sorted.length === 0
      ? `<p class="muted">No lead was sent in this run, so there is no latency to show.</p>`
      : `<svg viewBox="0 0 ${W} ${H}" class="chart" role="img" aria-label="Result latency histogram">${grid}${xticks}${bars}` +
        `${marker(p50, "median")}${p90 === p50 ? "" : marker(p90, "p90")}</svg>`
  }
}

const style = `
:root{--bg:#f6f7fb;--card:#fff;--ink:#1d2433;--muted:#667085;--line:#e4e7ec;--accent:#4f46e5}
@media (prefers-color-scheme:dark){:root{--bg:#0f1320;--card:#171c2c;--ink:#e6e9f2;--muted:#98a2b3;--line:#2a3145;--accent:#8b87ff}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:960px;margin:0 auto;padding:32px 20px 48px}
header h1{margin:0;font-size:26px;letter-spacing:-.01em}header p{margin:4px 0 0;color:var(--muted)}
.pill{display:inline-block;padding:1px 9px;border-radius:999px;background:color-mix(in srgb,var(--accent) 14%,transparent);color:var(--accent);font-size:13px;margin-right:6px}
.kpis{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;margin:24px 0}@media (max-width:760px){.kpis{grid-template-columns:repeat(3,1fr)}}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:12px 14px}
.kpi b{display:block;font-size:24px;font-weight:650;letter-spacing:-.02em;white-space:nowrap}.kpi span.l{color:var(--muted);font-size:13px}
section{background:var(--card);border:1px solid var(--line);border-radius:16px;padding:20px 22px;margin:16px 0}
section h2{margin:0 0 4px;font-size:18px}section p.sub{margin:0 0 14px;color:var(--muted);font-size:14px}
.stack{display:flex;height:22px;border-radius:8px;overflow:hidden;gap:2px;background:var(--line)}.seg{min-width:3px}.seg.empty{flex:1}
.legend{list-style:none;padding:0;margin:10px 0 0;display:flex;flex-wrap:wrap;gap:6px 18px;font-size:14px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:6px}.legend small{color:var(--muted)}
.type{display:grid;grid-template-columns:170px 1fr;gap:4px 16px;align-items:start;padding:10px 0;border-top:1px solid var(--line)}
.type:first-of-type{border-top:0}.type h3{margin:0;font-size:15px}.type h3 small{display:block;color:var(--muted);font-weight:400}
.credits{display:grid;grid-template-columns:110px 1fr 90px;gap:8px 14px;align-items:center}
.meter{height:16px;border-radius:8px;background:var(--line);overflow:hidden}.meter div{height:100%;border-radius:8px}
.chart{width:100%;height:auto;display:block}.grid{stroke:var(--line)}.tick{fill:var(--muted);font-size:11px}
.bar{fill:color-mix(in srgb,var(--accent) 55%,transparent)}.window{fill:none;stroke:var(--accent);stroke-width:2}
.limit{stroke:#d64545;stroke-dasharray:6 5;stroke-width:1.5}.limit-label{fill:#d64545;font-size:12px}.r429{fill:#d64545}
.hbar{fill:#2f9e6e}.q{stroke:var(--ink);stroke-dasharray:3 3;opacity:.6}.qlabel{fill:var(--ink);font-size:12px}
.facts{display:flex;flex-wrap:wrap;gap:8px 22px;margin:10px 0 0;font-size:14px;color:var(--muted)}.facts b{color:var(--ink)}
table{width:100%;border-collapse:collapse;font-size:13.5px}th,td{text-align:left;padding:7px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;position:sticky;top:0;background:var(--card)}td.num{font-variant-numeric:tabular-nums;color:var(--muted)}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--bg);padding:1px 6px;border-radius:6px}
.scroll{max-height:420px;overflow:auto;border:1px solid var(--line);border-radius:10px}
input[type=search]{width:100%;padding:8px 12px;border:1px solid var(--line);border-radius:10px;background:var(--bg);color:var(--ink);font:inherit;margin-bottom:10px}
.needs{margin:4px 0 0;display:flex;flex-wrap:wrap;gap:4px}.chip{font-size:12px;padding:0 7px;border-radius:999px;background:#f6e7c1;color:#7a5a12;cursor:help}.kpi small{display:block;font-size:12.5px;font-weight:400;white-space:normal}
.facts b.over{color:#d64545}.muted{color:var(--muted)}footer{color:var(--muted);font-size:13px;margin-top:24px}footer code{background:transparent;padding:0}
`

const filterScript = `
const box=document.getElementById("filter");const rows=[...document.querySelectorAll("#rejected tbody tr")];
const shown=document.getElementById("shown");
box&&box.addEventListener("input",()=>{const q=box.value.toLowerCase();let k=0;
for(const r of rows){const on=!q||r.textContent.toLowerCase().includes(q);r.hidden=!on;if(on)k++}shown.textContent=k.toLocaleString("en-US")});
`

/** @internal */
export const page = (d: ReportData): string => {
  const o = (tag: string) => d.outcomes[tag] ?? 0
  const rejected = o("RejectedLocally") + o("RejectedByLemlist")
  const requests = requestChart(d.requests, d.elapsedMillis)
  const latency = latencyChart(d.latencies)
  const when = new Date(d.startedAt).toISOString().replace("T", " ").slice(0, 19) + " UTC"

  const kpis = [
    ["Rows", figure("rows", d.rows)],
    // Of the rows, as the outcome bar below counts them: one denominator for one figure.
    ["Enriched", figure("Enriched", o("Enriched")) + `<small class="muted">${pct(o("Enriched"), d.rows)} of the rows</small>`],
    ["Rejected", figure("rejected", rejected) + `<small class="muted">${o("Skipped") > 0 ? `+${n(o("Skipped"))} malformed` : "before or by lemlist"}</small>`],
    ["Credits", figure("creditsSpent", d.credits.spent) + `<small class="muted">spent, of ≤ ${figure("creditsEstimate", d.credits.estimate)} estimated</small>`],
    ["Requests", figure("requests", d.requests.total) + `<small class="muted">${figure("rateLimited", d.requests.rateLimited.length)} answered 429</small>`],
    ["Latency", (d.latencies.length === 0 ? "–" : figure("latencyMedian", Math.round(latency.p50), ms(latency.p50))) + `<small class="muted">median · p90 ${d.latencies.length === 0 ? "–" : ms(latency.p90)}</small>`]
  ].map(([label, value]) => `<div class="kpi"><span class="l">${label}</span><b>${value}</b></div>`).join("")

  const outcomeBar = stacked(
    summaryRows.map(([tag, label]) => ({
      label: label[0]!.toUpperCase() + label.slice(1),
      value: o(tag),
      color: outcomeColors[tag] ?? "#9aa5b1",
      figure: `outcome.${tag}`
    })),
    d.rows
  )

  const typeRows = d.types.map((type) => {
    const counts = d.byType[type] ?? {}
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    const parts = Object.entries(counts)
      .sort(([a], [b]) => (statusOrder.indexOf(a) + 100) % 100 - (statusOrder.indexOf(b) + 100) % 100)
      .map(([status, value]) => ({ label: status, value, color: statusColor(status), figure: `type.${type}.${status}` }))
    return `<div class="type"><h3>${esc(type)}<small>${n(total)} leads</small></h3><div>${stacked(parts, total)}</div></div>`
  }).join("")

  const creditMax = Math.max(d.credits.estimate, d.credits.spent, d.credits.budget ?? 0, 1)
  const meter = (label: string, value: number, color: string, name: string) =>
    `<span>${label}</span><div class="meter"><div style="width:${((value / creditMax) * 100).toFixed(2)}%;background:${color}"></div></div><b>${figure(name, value)}</b>`
  const creditTypes = Object.entries(d.credits.byType).filter(([, v]) => v > 0)
    .map(([type, v]) => `<span><code>${esc(type)}</code> <b>${n(v)}</b></span>`).join("")

  const rejectedRows = d.rejected.map((r) => {
    // The types it lacked inputs for, as chips; what each needs is in the tooltip.
    const needs = r.skipped.map((s) => `<span class="chip" title="${esc(s.description)} (${esc(s.code)})">${esc(s.type)}</span>`).join("")
    return `<tr><td class="num">${r.row}</td><td><code>${esc(r.code)}</code></td><td>${esc(r.reason)}${needs ? `<div class="needs">${needs}</div>` : ""}</td><td class="muted">${esc(r.cells)}</td></tr>`
  }).join("")

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Run report: ${esc(d.input)}</title><style>${style}</style></head>
<body><main>
<header><h1>Enrichment report</h1>
<p><b>${esc(d.input)}</b> · ${when} · ${figure("elapsedMillis", d.elapsedMillis, ms(d.elapsedMillis))} · ${esc(d.backend ?? "no request needed")}</p>
<p><span class="pill">${d.types.map(esc).join(" · ")}</span><span class="pill">${d.missingInputs === "skip-type" ? "each lead runs what it has inputs for" : "a lead missing an input is rejected"}</span>${d.resumed > 0 ? `<span class="pill">${n(d.resumed)} outcomes resumed from the journal</span>` : ""}</p></header>
<div class="kpis">${kpis}</div>
<section id="outcomes"><h2>Outcomes</h2><p class="sub">Every row of the input, by what became of it.</p>${outcomeBar}</section>
<section id="types"><h2>By enrichment type</h2><p class="sub">For each workflow, the leads that asked for it, by result. <i>Skipped</i>: the lead lacks that workflow's inputs and ran the others.</p>${typeRows || "<p class=\"muted\">No lead.</p>"}</section>
<section id="credits"><h2>Credits</h2><p class="sub">Estimated before the run from the workflows each lead really runs (the most it can cost: lemlist charges some only when something is found), against what the results cost.${d.resumed > 0 ? ` This run only: the ${n(d.resumed)} outcomes resumed from the journal were paid for by an earlier run.` : ""}</p>
<div class="credits">${meter("Estimate", d.credits.estimate, "#c7cbe0", "credits.estimate")}${meter("Spent", d.credits.spent, "#4f46e5", "credits.spent")}${d.credits.budget === undefined ? "" : meter("Budget", d.credits.budget, "#e3a33b", "credits.budget")}</div>
${creditTypes ? `<div class="facts">${creditTypes}</div>` : ""}</section>
<section id="requests"><h2>Requests against the rate limit</h2><p class="sub">Bars: requests started per second${requests.binSeconds === 1 ? "" : ` (averaged over ${requests.binSeconds} s)`}. Line: requests in the last ${d.requests.windowMillis / 1000} s, the count lemlist limits to ${d.requests.limit}. Red dots: 429 answers.</p>
${requests.svg}
<div class="facts"><span>requests <b>${figure("requests.timed", d.requests.times.length)}</b></span><span>peak in any ${d.requests.windowMillis / 1000} s <b${requests.peak > d.requests.limit ? " class=\"over\"" : ""}>${figure("requests.peakWindow", requests.peak)}</b> of ${d.requests.limit}</span><span>429 answers <b>${n(d.requests.rateLimited.length)}</b></span></div></section>
<section id="latency"><h2>Result latency</h2><p class="sub">Per lead sent in this run: from lemlist accepting it to its outcome arriving (by webhook or poll).</p>
${latency.svg}
${d.latencies.length === 0 ? "" : `<div class="facts"><span>leads <b>${figure("latency.count", d.latencies.length)}</b></span><span>median <b>${ms(latency.p50)}</b></span><span>p90 <b>${ms(latency.p90)}</b></span><span>p99 <b>${ms(latency.p99)}</b></span><span>max <b>${ms(d.latencies.reduce((a, b) => Math.max(a, b), 0))}</b></span></div>`}</section>
<section id="rejected-rows"><h2>Rejected rows <small class="muted">(${figure("rejectedRows", d.rejectedTotal)})</small></h2>
<p class="sub">Refused before sending (lemlist's rules applied locally: no request, no credit), refused by lemlist, or malformed in the file.${d.rejectedTotal > d.rejected.length ? ` The first ${n(d.rejected.length)} are listed.` : ""}</p>
${d.rejected.length === 0 ? "<p class=\"muted\">None: every row was sent.</p>" : `<input type="search" id="filter" placeholder="Filter by code, reason or content…" aria-label="Filter rejected rows"><div class="scroll"><table id="rejected"><thead><tr><th>row</th><th>code</th><th>reason <small class="muted">(hover a type: what it needs)</small></th><th>content</th></tr></thead><tbody>${rejectedRows}</tbody></table></div><p class="muted"><span id="shown">${n(d.rejected.length)}</span> shown</p>`}</section>
<footer>Output <code>${esc(d.output ?? "-")}</code> · journal <code>${esc(d.journal)}</code> · written by lemlist-enrich</footer>
</main><script>${filterScript}</script></body></html>
`
}
