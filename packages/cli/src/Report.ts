/**
 * The run report: one self-contained HTML file (inline CSS, SVG and a few lines of JS; no
 * network), written by `lemlist-enrich run --report out/report.html`. It shows the outcomes by
 * type and status, the credits spent against the estimate, the requests against lemlist's
 * 20 per 2 s limit over time, the result latency, and the rejected rows with their reasons.
 *
 * The figures come from the run itself: the rows and their outcomes as written to the output
 * (every row, resumed ones included), and what `RunRecord` measured while it ran.
 *
 * @since 0.1.0
 */
import type { EnrichmentType, Validation } from "@lemlist-effect/contract"
import { EnrichmentType as Types, Result } from "@lemlist-effect/contract"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { FileError } from "./CliError.js"
import { page } from "./internal/reportPage.js"
import type * as Output from "./Output.js"
import type * as ProgressDisplay from "./ProgressDisplay.js"
import type * as RunRecord from "./RunRecord.js"

/**
 * Everything the page shows. Times are milliseconds; `requests` and `latencies` are relative
 * to `startedAt`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReportData {
  readonly input: string
  readonly output: string | undefined
  readonly journal: string
  readonly backend: string | undefined
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  readonly missingInputs: "reject" | "skip-type"
  readonly startedAt: number
  readonly elapsedMillis: number
  readonly rows: number
  /** Rows per final state, as in the `--json` summary. */
  readonly outcomes: Readonly<Record<string, number>>
  /** Leads whose outcome came from an earlier run. */
  readonly resumed: number
  /** Per workflow: leads by status (`found`, a verify status, `skipped`, `rejected`...). */
  readonly byType: Readonly<Record<string, Readonly<Record<string, number>>>>
  readonly credits: {
    /** The most this run could cost, computed before it started from what each lead runs. */
    readonly estimate: number
    readonly spent: number
    readonly budget: number | undefined
    /** Spent per workflow, from this run's results. */
    readonly byType: Readonly<Record<string, number>>
  }
  readonly requests: {
    /** Requests made, as the client counted them (the `--json` summary's figure). */
    readonly total: number
    /** When each request left, in ms since the start. */
    readonly times: ReadonlyArray<number>
    /** When each request answered 429 had left, in ms since the start. */
    readonly rateLimited: ReadonlyArray<number>
    readonly limit: number
    readonly windowMillis: number
  }
  /** Time from lemlist's acceptance to the outcome, per lead sent in this run. */
  readonly latencies: ReadonlyArray<number>
  /** Rows refused (locally, by lemlist, or malformed), at most `rejectedShown` of them. */
  readonly rejected: ReadonlyArray<RejectedRow>
  readonly rejectedTotal: number
}

/**
 * A refused row.
 *
 * @since 0.1.0
 * @category models
 */
export interface RejectedRow {
  /** The row's number in the file (the header is row 0). */
  readonly row: number
  readonly tag: string
  readonly code: string
  readonly reason: string
  /** The workflows the row lacked inputs for, when it asked for several (`--types auto`). */
  readonly skipped: ReadonlyArray<Validation.SkippedType>
  /** The row's non-empty cells, for recognising it. */
  readonly cells: string
}

/**
 * At most this many rejected rows are listed (the count covers them all).
 *
 * @example
 * ```ts
 * import { Report } from "@lemlist-effect/cli"
 *
 * Report.rejectedShown // 1000
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const rejectedShown = 1000

/**
 * The per-row part of a report, accumulated while the output is written.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tally {
  readonly byType: Record<string, Record<string, number>>
  readonly rejected: Array<RejectedRow>
  rejectedTotal: number
}

/**
 * An empty tally.
 *
 * @example
 * ```ts
 * import { Report } from "@lemlist-effect/cli"
 *
 * Report.tally().rejectedTotal // 0
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const tally = (): Tally => ({ byType: {}, rejected: [], rejectedTotal: 0 })

/** The status of one workflow in a result: found or not, or the verify status. */
const statusIn = (result: Result.EnrichmentResult, type: EnrichmentType.EnrichmentType): string => {
  if (type === "verify") return result.verify?.status ?? "no status"
  return result[type]?.found ? "found" : "not found"
}

const rejectedTags = new Set(["RejectedLocally", "RejectedByLemlist", "Skipped"])

/**
 * Counts one written row: each workflow it ran (or was refused, or skipped) by status, and the
 * row itself when it was refused.
 *
 * @example
 * ```ts
 * import { Report } from "@lemlist-effect/cli"
 *
 * const t = Report.tally()
 * Report.count(t, { row: 1, cells: ["", "ada@example.com"], types: ["verify"], skipped: [], result: { _tag: "Pending" } })
 * t.byType.verify // { pending: 1 }
 * ```
 *
 * @since 0.1.0
 * @category recording
 */
export const count = (
  t: Tally,
  row: {
    readonly row: number
    readonly cells: ReadonlyArray<string>
    /** The workflows the row runs (or asked for, when refused). */
    readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
    readonly skipped: ReadonlyArray<Validation.SkippedType>
    readonly result: Output.RowResult
  }
): void => {
  const bump = (type: string, status: string) => {
    const counts = (t.byType[type] ??= {})
    counts[status] = (counts[status] ?? 0) + 1
  }
  const { result } = row
  if (result._tag !== "Skipped") {
    for (const type of row.types) {
      if (result._tag === "Pending") bump(type, "pending")
      else {
        const o = result.outcome
        if (o._tag === "Enriched" || o._tag === "NotFound") bump(type, statusIn(o.result, type))
        else if (o._tag === "RejectedLocally") {
          // Under skip-type a refused lead lists every type as skipped (counted below).
          if (o.skipped === undefined) bump(type, "rejected")
        } else bump(type, o._tag === "RejectedByLemlist" ? "rejected by lemlist" : o._tag === "Failed" ? "failed" : "undetermined")
      }
    }
    for (const s of row.skipped) bump(s.type, "skipped: no inputs")
  }
  const tag = result._tag === "Outcome" ? result.outcome._tag : result._tag
  if (!rejectedTags.has(tag)) return
  t.rejectedTotal++
  if (t.rejected.length >= rejectedShown) return
  const [code, reason] = result._tag === "Skipped"
    ? [result.code, result.message]
    : result._tag === "Outcome" && result.outcome._tag === "RejectedLocally"
    ? [result.outcome.code, result.outcome.skipped ? "no requested workflow has its inputs" : result.outcome.description]
    : result._tag === "Outcome" && result.outcome._tag === "RejectedByLemlist"
    ? [result.outcome.code, "lemlist refused the lead in its answer"]
    : ["", ""]
  const skipped = result._tag === "Outcome" ? result.outcome.skipped ?? [] : []
  t.rejected.push({ row: row.row, tag, code, reason, skipped, cells: row.cells.filter((c) => c.trim() !== "").join(" · ") })
}

/**
 * Credits spent per workflow by the results of one outcome (lemlist's published costs).
 *
 * @example
 * ```ts
 * import { Report } from "@lemlist-effect/cli"
 *
 * const spent: Record<string, number> = {}
 * Report.creditsByType({ verify: { status: "deliverable" }, find_phone: { found: false } }, spent)
 * spent // { verify: 1, find_phone: 0 }
 * ```
 *
 * @since 0.1.0
 * @category recording
 */
export const creditsByType = (result: Result.EnrichmentResult, into: Record<string, number>): void => {
  for (const type of Types.all) {
    const entry = result[type]
    if (entry === undefined) continue
    into[type] = (into[type] ?? 0) + Result.creditCost({ [type]: entry } as Result.EnrichmentResult)
  }
}

/**
 * The report's data from a finished run: the summary's figures, the tally of the rows and the
 * run's record.
 *
 * @example
 * ```ts
 * import { Report, RunRecord } from "@lemlist-effect/cli"
 *
 * const data = Report.data({
 *   summary: {
 *     input: "leads.csv", output: "out.csv", journal: "out.journal.sqlite", rows: 0, outcomes: {}, resumed: 0,
 *     requests: 0, rateLimited: 0, creditsSpent: 0, creditsEstimate: 0, elapsedMillis: 0, exitCode: 0
 *   },
 *   startedAt: Date.now(), backend: undefined, types: ["verify"], missingInputs: "reject",
 *   estimate: 0, budget: undefined, creditsByType: {}, tally: Report.tally(), record: RunRecord.make()
 * })
 * Report.render(data).startsWith("<!doctype html>") // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const data = (options: {
  readonly summary: ProgressDisplay.Summary
  readonly startedAt: number
  readonly backend: string | undefined
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  readonly missingInputs: "reject" | "skip-type"
  readonly estimate: number
  readonly budget: number | undefined
  readonly creditsByType: Readonly<Record<string, number>>
  readonly tally: Tally
  readonly record: RunRecord.RunRecord
}): ReportData => {
  const { record, startedAt, summary } = options
  return {
    input: summary.input,
    output: summary.output,
    journal: summary.journal,
    backend: options.backend,
    types: options.types,
    missingInputs: options.missingInputs,
    startedAt,
    elapsedMillis: summary.elapsedMillis,
    rows: summary.rows,
    outcomes: summary.outcomes,
    resumed: summary.resumed,
    byType: options.tally.byType,
    credits: { estimate: options.estimate, spent: summary.creditsSpent, budget: options.budget, byType: options.creditsByType },
    requests: {
      total: summary.requests,
      times: record.requests.map((t) => t - startedAt),
      rateLimited: record.rateLimited.map((t) => t - startedAt),
      limit: 20,
      windowMillis: 2000
    },
    latencies: record.latencies,
    rejected: options.tally.rejected,
    rejectedTotal: options.tally.rejectedTotal
  }
}

/**
 * The report as one HTML document (no external resource).
 *
 * @example
 * ```ts
 * import { Report } from "@lemlist-effect/cli"
 *
 * // const html = Report.render(Report.data({ ... })) // see `data`
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (report: ReportData): string => page(report)

/**
 * Writes the report, creating its folder.
 *
 * @example
 * ```ts
 * import { Report } from "@lemlist-effect/cli"
 *
 * // Report.write("out/report.html", data): Effect<void, FileError>
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const write = (path: string, report: ReportData): Effect.Effect<void, FileError> =>
  Effect.try({
    try: () => {
      fs.mkdirSync(nodePath.dirname(nodePath.resolve(path)), { recursive: true })
      fs.writeFileSync(path, render(report))
    },
    catch: (e) => new FileError({ path, operation: "write", detail: (e as Error).message })
  })
