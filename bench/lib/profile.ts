/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function, and total
 * time per function (each function counted once per sample), with file:line.
 *
 *   node --import tsx bench/lib/profile.ts <file.cpuprofile> [top=30] [filter]
 */
import * as fs from "node:fs"

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: Array<number>
}

export const summarise = (file: string, top = 30, filter?: string) => {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: Array<Node>; samples: Array<number>; timeDeltas: Array<number> }
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const label = (n: Node) => {
    const url = n.callFrame.url.replace(/^file:\/\//, "").replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace("/work/main/", "")
    return `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`
  }
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  let all = 0
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0
    all += dt
    const n = byId.get(id)!
    self.set(label(n), (self.get(label(n)) ?? 0) + dt)
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!)
      if (!seen.has(l)) {
        seen.add(l)
        total.set(l, (total.get(l) ?? 0) + dt)
      }
    }
  })
  const show = (m: Map<string, number>) =>
    [...m.entries()].filter(([k]) => filter === undefined || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([k, v]) => `${(v / 1000).toFixed(0).padStart(7)} ms ${(100 * v / all).toFixed(1).padStart(5)}%  ${k}`)
  return { totalMs: all / 1000, self: show(self), total: show(total) }
}

if (process.argv[2]) {
  const s = summarise(process.argv[2], Number(process.argv[3] ?? 30), process.argv[4])
  console.log(`profile: ${s.totalMs.toFixed(0)} ms sampled\n-- self --\n${s.self.join("\n")}\n-- total --\n${s.total.join("\n")}`)
}
