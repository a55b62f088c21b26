/**
 * The command's own typed errors. Each carries its exit code and a message written for the
 * person at the terminal: the command never prints a stack trace.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import { ExitCode } from "./ExitCode.js"

/**
 * The input file does not exist (or is not a file).
 *
 * @since 0.1.0
 * @category errors
 */
export class InputNotFound extends Data.TaggedError("InputNotFound")<{ readonly path: string; readonly isDirectory?: boolean }> {
  readonly exitCode = ExitCode.Usage
  override get message() {
    return this.isDirectory
      ? `${this.path} is a directory, not a CSV file`
      : `input file not found: ${this.path}`
  }
}

/**
 * The input file is empty, or has a header and no row.
 *
 * @since 0.1.0
 * @category errors
 */
export class EmptyInput extends Data.TaggedError("EmptyInput")<{ readonly path: string; readonly hasHeader: boolean }> {
  readonly exitCode = ExitCode.Usage
  override get message() {
    return this.hasHeader
      ? `${this.path} has a header line but no data row: nothing to enrich`
      : `${this.path} is empty: expected a header line and at least one row`
  }
}

/**
 * The header has a single column while the lines contain another delimiter.
 *
 * @since 0.1.0
 * @category errors
 */
export class WrongDelimiter extends Data.TaggedError("WrongDelimiter")<{
  readonly path: string
  readonly expected: string
  readonly found: string
}> {
  readonly exitCode = ExitCode.Usage
  override get message() {
    return `${this.path}: the header splits into a single column with delimiter ${show(this.expected)}, ` +
      `but the file uses ${show(this.found)}; pass --delimiter ${flag(this.found)} (or leave --delimiter out to detect it)`
  }
}

const show = (d: string) => (d === "\t" ? "tab" : `"${d}"`)
const flag = (d: string) => (d === "\t" ? "tab" : d === ";" ? "';'" : d === "|" ? "'|'" : d)

/**
 * The CSV quoting is broken (an unclosed quote, text after a closing quote...).
 *
 * @since 0.1.0
 * @category errors
 */
export class BrokenQuoting extends Data.TaggedError("BrokenQuoting")<{
  readonly path: string
  readonly line: number
  readonly detail: string
}> {
  readonly exitCode = ExitCode.Usage
  override get message() {
    return `${this.path}, line ${this.line}: broken CSV quoting (${this.detail}); ` +
      `fix the quotes on that line (a field containing " must be quoted and the quote doubled: "say ""hi""")`
  }
}

/**
 * The file is not UTF-8 text.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidEncoding extends Data.TaggedError("InvalidEncoding")<{
  readonly path: string
  readonly line: number
  readonly byteOffset: number
}> {
  readonly exitCode = ExitCode.Usage
  override get message() {
    return `${this.path}, line ${this.line} (byte ${this.byteOffset}): not valid UTF-8; ` +
      `re-export the file as "CSV UTF-8" (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv)`
  }
}

/**
 * The file could not be read or written.
 *
 * @since 0.1.0
 * @category errors
 */
export class FileError extends Data.TaggedError("FileError")<{
  readonly path: string
  readonly operation: "read" | "write"
  readonly detail: string
}> {
  readonly exitCode = ExitCode.Usage
  override get message() {
    return `cannot ${this.operation} ${this.path}: ${this.detail}`
  }
}

/**
 * No column of the header maps to a lemlist input field.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoUsableColumns extends Data.TaggedError("NoUsableColumns")<{
  readonly path: string
  readonly headers: ReadonlyArray<string>
}> {
  readonly exitCode = ExitCode.Usage
  override get message() {
    return `${this.path}: no column maps to a lemlist input field (header: ${
      this.headers.map((h) => JSON.stringify(h)).join(", ")
    }); name columns like "First Name", "Last Name", "Company", "Website", "Email", "LinkedIn URL", ` +
      `or map them with --map firstName=Column`
  }
}

/**
 * A `--map` or `--types-column` names something that is not there.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadMapping extends Data.TaggedError("BadMapping")<{ readonly detail: string }> {
  readonly exitCode = ExitCode.Usage
  override get message() {
    return this.detail
  }
}

/**
 * A bad argument value that `@effect/cli` cannot check by itself.
 *
 * @since 0.1.0
 * @category errors
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly detail: string }> {
  readonly exitCode = ExitCode.Usage
  override get message() {
    return this.detail
  }
}

/**
 * The run needs a confirmation and nobody can give it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfirmationRequired extends Data.TaggedError("ConfirmationRequired")<{ readonly maxCost: number }> {
  readonly exitCode = ExitCode.Usage
  override get message() {
    return `this run can spend up to ${this.maxCost} credits and needs a confirmation, but the input is not a terminal; ` +
      `pass --yes to confirm`
  }
}

/**
 * The user answered "no" at the confirmation.
 *
 * @since 0.1.0
 * @category errors
 */
export class Cancelled extends Data.TaggedError("Cancelled")<{}> {
  readonly exitCode = ExitCode.Interrupted
  override get message() {
    return "cancelled: nothing was submitted"
  }
}

/**
 * The team does not have the credits the run may need.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotEnoughCredits extends Data.TaggedError("NotEnoughCredits")<{
  readonly available: number
  readonly required: number
}> {
  readonly exitCode = ExitCode.Credits
  override get message() {
    return `not enough credits: this run can cost up to ${this.required} credits and the team has ${this.available}; ` +
      `add credits, cap the spending with --budget ${this.available}, or enrich fewer leads`
  }
}

/**
 * lemlist refused the API key.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthFailed extends Data.TaggedError("AuthFailed")<{ readonly detail: string }> {
  readonly exitCode = ExitCode.Auth
  override get message() {
    return `${this.detail}; check LEMLIST_API_KEY`
  }
}

/**
 * The run stopped before every lead had an outcome.
 *
 * @since 0.1.0
 * @category errors
 */
export class RunFailed extends Data.TaggedError("RunFailed")<{ readonly detail: string; readonly journal?: string }> {
  readonly exitCode = ExitCode.RunFailed
  override get message() {
    return `the run stopped: ${this.detail}` +
      (this.journal ? `; what was done is in ${this.journal}, rerun the same command to continue` : "")
  }
}

/**
 * Every error of the command.
 *
 * @since 0.1.0
 * @category errors
 */
export type CliError =
  | InputNotFound
  | EmptyInput
  | WrongDelimiter
  | BrokenQuoting
  | InvalidEncoding
  | FileError
  | NoUsableColumns
  | BadMapping
  | UsageError
  | ConfirmationRequired
  | Cancelled
  | NotEnoughCredits
  | AuthFailed
  | RunFailed

const tags = new Set([
  "InputNotFound",
  "EmptyInput",
  "WrongDelimiter",
  "BrokenQuoting",
  "InvalidEncoding",
  "FileError",
  "NoUsableColumns",
  "BadMapping",
  "UsageError",
  "ConfirmationRequired",
  "Cancelled",
  "NotEnoughCredits",
  "AuthFailed",
  "RunFailed"
])

/**
 * @since 0.1.0
 * @category guards
 */
export const isCliError = (u: unknown): u is CliError =>
  typeof u === "object" && u !== null && "_tag" in u && tags.has((u as { _tag: string })._tag) && "exitCode" in u
