/**
 * Showing a run: a live cli-progress bar on a terminal, plain periodic lines otherwise, and a
 * summary table at the end. Everything here reads the library's `Progress` snapshots; nothing
 * in the library prints.
 *
 * @since 0.1.0
 */
import * as Progress from "@lemlist-effect/enrich/Progress"
import cliProgress from "cli-progress"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type * as CliIo from "./CliIo.js"

const int = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })
const one = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 })

/**
 * `1,234`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const n = (value: number): string => int.format(value)

/**
 * A duration for people: `850 ms`, `12 s`, `3 min 20 s`, `1 h 05 min`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const duration = (millis: number): string => {
  if (millis < 1000) return `${Math.round(millis)} ms`
  const s = Math.round(millis / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`
}

/**
 * Requests per second between two snapshots (or since the start with one).
 *
 * @since 0.1.0
 * @category formatting
 */
export const requestRate = (p: Progress.Progress, previous?: Progress.Progress): number => {
  const from = previous ?? { requests: 0, updatedAt: p.startedAt }
  const seconds = (p.updatedAt - from.updatedAt) / 1000
  return seconds > 0 ? (p.requests - from.requests) / seconds : 0
}

const counts = (p: Progress.Progress) => {
  const o = p.outcomes
  return `enriched ${n(o.Enriched)} · not found ${n(o.NotFound)} · rejected ${n(o.RejectedLocally + o.RejectedByLemlist)} · ` +
    `failed ${n(o.Failed)} · undetermined ${n(o.Undetermined)}`
}

/** What a resumed run still awaits from the run it resumes (their results may take longer). */
const fromEarlierRun = (p: Progress.Progress): string =>
  p.pendingFromEarlierRun > 0 ? ` (${n(p.pendingFromEarlierRun)} sent by an earlier run)` : ""

/**
 * One plain progress line (what a non-terminal sees every few seconds).
 *
 * @example
 * ```ts
 * import { ProgressDisplay } from "@lemlist-effect/cli"
 * import { Progress } from "@lemlist-effect/enrich"
 *
 * ProgressDisplay.line(Progress.initial(0, 10))
 * // "[0 ms] 0/10 leads (0%) · enriched 0 · not found 0 · rejected 0 · failed 0 · undetermined 0 · pending 0 · 0.0 req/s · 429s 0 · credits 0 · ETA -"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const line = (p: Progress.Progress, previous?: Progress.Progress): string => {
  const done = Progress.done(p)
  const total = p.total
  const pct = total ? ` (${Math.floor((done / total) * 100)}%)` : ""
  const eta = Progress.etaMillis(p)
  return `[${duration(p.updatedAt - p.startedAt)}] ${n(done)}${total === undefined ? "" : `/${n(total)}`} leads${pct} · ` +
    `${counts(p)} · pending ${n(p.pending)}${fromEarlierRun(p)} · ${one.format(requestRate(p, previous))} req/s · ` +
    `429s ${n(p.rateLimited)} · credits ${n(p.creditsSpent)} · ETA ${eta === undefined ? "-" : duration(eta)}`
}

/**
 * How progress is shown.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "bar" | "lines" | "none"

/**
 * The mode for a run: nothing with `--quiet` or `--json`, a bar on a terminal, lines otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export const modeFor = (io: CliIo.Service, options: { readonly quiet: boolean; readonly json: boolean }): Mode =>
  options.quiet || options.json ? "none" : io.stderrIsTTY && io.stderrStream !== undefined ? "bar" : "lines"

/**
 * Shows the progress of a run until the scope closes (then draws the last state once more).
 *
 * @since 0.1.0
 * @category constructors
 */
export const show = (
  ref: SubscriptionRef.SubscriptionRef<Progress.Progress>,
  io: CliIo.Service,
  mode: Mode
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    if (mode === "none") return
    if (mode === "lines") {
      const state: { previous?: Progress.Progress } = {}
      const print = SubscriptionRef.get(ref).pipe(
        Effect.flatMap((p) =>
          Effect.sync(() => {
            io.stderr(line(p, state.previous) + "\n")
            state.previous = p
          })
        )
      )
      const every = io.progressInterval ?? 5000
      yield* Effect.sleep(every).pipe(Effect.zipRight(print), Effect.repeat(Schedule.spaced(every)), Effect.forkScoped)
      yield* Effect.addFinalizer(() => print)
      return
    }
    const bar = new cliProgress.SingleBar({
      stream: io.stderrStream!,
      format: "{bar} {percentage}% | {value}/{total} | {counts} | {rps} req/s · 429s {r429} · credits {credits} | ETA {etaText}",
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 10
    }, cliProgress.Presets.shades_classic)
    const initial = yield* SubscriptionRef.get(ref)
    bar.start(initial.total ?? 0, 0, payload(initial))
    const state: { previous: Progress.Progress } = { previous: initial }
    let ticks = 0
    const draw = SubscriptionRef.get(ref).pipe(
      Effect.flatMap((p) =>
        Effect.sync(() => {
          if (p.total !== undefined) bar.setTotal(p.total)
          bar.update(Progress.done(p), payload(p, state.previous))
          // requests/s over the last ~2 s
          if (++ticks % 8 === 0) state.previous = p
        })
      )
    )
    yield* draw.pipe(Effect.repeat(Schedule.spaced("250 millis")), Effect.forkScoped)
    yield* Effect.addFinalizer(() => draw.pipe(Effect.zipRight(Effect.sync(() => bar.stop()))))
  })

const payload = (p: Progress.Progress, previous?: Progress.Progress) => {
  const eta = Progress.etaMillis(p)
  return {
    counts: counts(p) + (p.pendingFromEarlierRun > 0 ? ` · pending ${n(p.pending)}${fromEarlierRun(p)}` : ""),
    rps: one.format(requestRate(p, previous)),
    r429: n(p.rateLimited),
    credits: n(p.creditsSpent),
    etaText: eta === undefined ? "-" : duration(eta)
  }
}

/**
 * What a finished (or stopped) run reports.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly input: string
  readonly output: string | undefined
  readonly journal: string
  readonly rows: number
  /** Rows per final state: the outcome tags, plus `Skipped` and `Pending`. */
  readonly outcomes: Readonly<Record<string, number>>
  /** Leads whose outcome came from an earlier run. */
  readonly resumed: number
  readonly requests: number
  readonly rateLimited: number
  readonly creditsSpent: number
  /** The most the run could cost, from the workflows each lead runs (before it started). */
  readonly creditsEstimate: number
  readonly elapsedMillis: number
  readonly exitCode: number
  /** The HTML report written, if asked for (`--report`). */
  readonly report?: string | undefined
  /**
   * With `--shared`: this process as one worker of the run: its name, the leads it sent, and
   * the outcomes it read from the journal instead (other workers' and earlier runs').
   */
  readonly worker?: {
    readonly id: string
    readonly sent: number
    readonly fromJournal: number
  } | undefined
}

/**
 * The rows of the summary table, in a fixed order.
 *
 * @since 0.1.0
 * @category constants
 */
export const summaryRows: ReadonlyArray<readonly [string, string]> = [
  ["Enriched", "enriched"],
  ["NotFound", "not found"],
  ["RejectedLocally", "rejected before sending"],
  ["RejectedByLemlist", "rejected by lemlist"],
  ["Failed", "failed"],
  ["Undetermined", "undetermined"],
  ["Skipped", "skipped (malformed row)"],
  ["Pending", "pending (rerun to finish)"]
]

/**
 * The summary table printed at the end of a run.
 *
 * @since 0.1.0
 * @category formatting
 */
export const table = (s: Summary): string => {
  const rows: Array<[string, string]> = summaryRows
    .filter(([tag]) => (s.outcomes[tag] ?? 0) > 0 || (tag !== "Pending" && tag !== "Skipped"))
    .map(([tag, label]) => [label, n(s.outcomes[tag] ?? 0)])
  rows.push(["total rows", n(s.rows)])
  const w = Math.max(...rows.map(([l]) => l.length))
  const v = Math.max(...rows.map(([, x]) => x.length))
  const rule = "-".repeat(w + v + 3)
  return [
    rule,
    ...rows.map(([l, x], i) => (i === rows.length - 1 ? `${rule}\n` : "") + `${l.padEnd(w)}   ${x.padStart(v)}`),
    rule,
    `${n(s.requests)} requests (${n(s.rateLimited)} answered 429) · ${n(s.creditsSpent)} credits spent (at most ${n(s.creditsEstimate)}) · ` +
    `${duration(s.elapsedMillis)}` +
    (s.resumed > 0 ? ` · ${n(s.resumed)} outcomes from an earlier run` : ""),
    ...(s.worker === undefined ? [] : [
      `worker:  ${s.worker.id}: sent ${n(s.worker.sent)} leads; ${n(s.worker.fromJournal)} outcomes read from the journal ` +
      `(other workers', earlier runs')`
    ]),
    ...(s.output === undefined ? [] : [`output:  ${s.output}`]),
    `journal: ${s.journal}`,
    ...(s.report === undefined ? [] : [`report:  ${s.report}`])
  ].join("\n")
}
