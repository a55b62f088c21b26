/**
 * The exit codes of `lemlist-enrich`: one typed table, documented in docs/cli.md.
 *
 * @since 0.1.0
 */

/**
 * Every exit code, with what it means.
 *
 * @since 0.1.0
 * @category constants
 */
export const ExitCode = {
  /** Every lead has an outcome and none of them failed (rejected and not-found leads are normal outcomes). */
  Ok: 0,
  /** The run finished but some leads ended `Failed` or `Undetermined` (see the output's error columns). */
  SomeLeadsFailed: 1,
  /** Bad arguments or bad input: missing, empty or malformed file, no usable column, a journal of another input. */
  Usage: 2,
  /** lemlist refused the API key. */
  Auth: 3,
  /** Not enough credits for the run, or credits ran out during it. */
  Credits: 4,
  /** The run stopped before every lead had an outcome (network, lemlist or journal failure); rerun to continue. */
  RunFailed: 5,
  /** `export` only: some rows have no outcome in the journal yet (written `Pending`); export again once the run is done. */
  Incomplete: 6,
  /** A bug: an unexpected error (please report it). */
  Internal: 70,
  /** Interrupted (Ctrl-C) or cancelled at the confirmation; rerun the same command to continue. */
  Interrupted: 130
} as const

/**
 * @since 0.1.0
 * @category models
 */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/**
 * @since 0.1.0
 * @category models
 */
export type ExitCodeName = keyof typeof ExitCode

/**
 * One line per code, for `--help` and the docs.
 *
 * @since 0.1.0
 * @category constants
 */
export const descriptions: ReadonlyArray<readonly [ExitCode, ExitCodeName, string]> = [
  [ExitCode.Ok, "Ok", "every lead has an outcome, none failed"],
  [ExitCode.SomeLeadsFailed, "SomeLeadsFailed", "finished, but some leads ended Failed or Undetermined"],
  [ExitCode.Usage, "Usage", "bad arguments or bad input file"],
  [ExitCode.Auth, "Auth", "lemlist refused the API key"],
  [ExitCode.Credits, "Credits", "not enough credits for the run, or credits ran out"],
  [ExitCode.RunFailed, "RunFailed", "the run stopped early (network, lemlist, journal); rerun to continue"],
  [ExitCode.Incomplete, "Incomplete", "export: some rows have no outcome yet (written Pending)"],
  [ExitCode.Internal, "Internal", "unexpected error (a bug)"],
  [ExitCode.Interrupted, "Interrupted", "interrupted (Ctrl-C) or cancelled at the confirmation"]
]
