/**
 * What `run` says before it sends anything, from the scan's plan: the input, the workflows, the
 * journal's state; then the run's one credit check (the team's credits against the most the
 * plan says the run can cost) and the confirmation.
 *
 * @internal
 */
import * as LemlistClient from "@lemlist-effect/enrich/LemlistClient"
import * as Effect from "effect/Effect"
import type * as Backend from "../../Backend.js"
import { AuthFailed, Cancelled, ConfirmationRequired, NotEnoughCredits, RunFailed } from "../../CliError.js"
import type * as CliIo from "../../CliIo.js"
import * as ProgressDisplay from "../../ProgressDisplay.js"
import type * as Scan from "./scan.js"

const { n } = ProgressDisplay

/** How the command talks: `say` prints a line to stderr unless `--quiet` or `--json`. */
export interface Voice {
  readonly io: CliIo.Service
  readonly say: (text: string) => Effect.Effect<void>
}

/** The scan's figures: rows, the workflows each lead runs, and where the journal stands. */
export const describeScan = (
  voice: Voice,
  context: { readonly input: Scan.Input; readonly path: string; readonly journal: string; readonly journalExisted: boolean },
  scan: Scan.Scan
) =>
  Effect.gen(function*() {
    const { plan } = scan
    yield* voice.say(
      `Input: ${context.path}: ${n(scan.rows)} rows, ${n(plan.read)} leads` +
        (plan.duplicates > 0 ? ` (${n(plan.duplicates)} duplicate${plan.duplicates === 1 ? "" : "s"}, enriched once)` : "") +
        (scan.malformed > 0 ? `, ${n(scan.malformed)} malformed rows skipped` : "")
    )
    if (context.input.missingInputs === "skip-type") {
      const none = plan.rejected.total
      const some = plan.workflows.partial
      yield* voice.say(
        `Workflows: each lead runs those of ${context.input.runTypes.join(", ")} it has inputs for: ` +
          `${n(plan.read - some - none)} run all, ${n(some)} run some, ${n(none)} can run none (rejected before sending).`
      )
    }
    if (context.journalExisted && scan.haveOutcome > 0) {
      yield* voice.say(
        `Resuming from the journal ${context.journal}: ${n(scan.haveOutcome)} of ${n(scan.leads)} leads ` +
          `already have an outcome; ${n(scan.toGo)} to go.`
      )
    } else {
      yield* voice.say(`Journal: ${context.journal} (rerun the same command to resume after an interruption)`)
    }
  })

/**
 * The credit check and the confirmation, once the backend is known. The only credit check of
 * the run: the library's own is off (`enrich.ts`), since it could only multiply the leads by
 * the dearest lead, where the plan knows each lead's workflows and the journal's state.
 */
export const confirm = (
  voice: Voice,
  options: { readonly yes: boolean; readonly budget: number | undefined },
  backend: Backend.Backend,
  scan: Scan.Scan
): Effect.Effect<void, AuthFailed | RunFailed | NotEnoughCredits | ConfirmationRequired | Cancelled, LemlistClient.LemlistClient> =>
  Effect.gen(function*() {
    const { io, say } = voice
    const { plan } = scan
    yield* say(`Backend: ${backend.description}`)
    if (plan.awaiting > 0 && backend.kind === "mock") {
      yield* say(
        `Note: ${n(plan.awaiting)} leads were in flight at the embedded mock of an earlier process; ` +
          `its state is gone, so they will end Failed (Expired) at their first poll. ` +
          `Serve the mock with \`lemlist-enrich mock\` to resume across processes.`
      )
    }
    const required = plan.credits.max
    const client = yield* LemlistClient.LemlistClient
    const credits = yield* client.credits.pipe(
      Effect.map((c) => c.credits),
      Effect.catchAll((e): Effect.Effect<never, AuthFailed | RunFailed> =>
        e._tag === "Unauthorized"
          ? Effect.fail(new AuthFailed({ detail: e.message }))
          : Effect.fail(new RunFailed({ detail: `cannot read the team's credits: ${e.message}` }))
      )
    )
    yield* say(
      `Credits: this run can cost up to ${n(plan.credits.toSend)} credits` +
        (options.budget !== undefined ? ` (capped by --budget at ${n(options.budget)})` : "") +
        `; the team has ${n(credits)}.`
    )
    if (credits < required) return yield* new NotEnoughCredits({ available: credits, required })
    const polled = plan.toSend + plan.awaiting
    if (backend.collection === "polling") {
      yield* say(
        `Results by polling: one request per lead at up to 10 requests/s, so about ` +
          `${ProgressDisplay.duration(Math.ceil(polled / 10) * 1000)} or more for ${n(polled)} leads ` +
          `(give --webhook-url to receive them by webhook instead).`
      )
    } else {
      yield* say(`Results by webhook${backend.kind === "mock" ? " (delivered in the process)" : ""}, with polling as a safety net.`)
    }
    if (!options.yes && required > 0) {
      if (!io.stdinIsTTY || io.confirm === undefined) return yield* new ConfirmationRequired({ maxCost: required })
      const ask = io.confirm
      const ok = yield* Effect.promise(() => ask(`Enrich ${n(scan.toGo)} leads, spending up to ${n(required)} credits?`))
      if (!ok) return yield* new Cancelled()
    }
  })
