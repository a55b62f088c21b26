/**
 * Submitting: one bulk call per batch, its answer journaled before anything else happens to
 * it; the owner then sorts the answer, or the failure by whether the call may have done
 * something (`lifecycle.ts`).
 *
 * @internal
 */
import type { Bulk, EnrichmentType } from "@lemlist-effect/contract"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { JournalError } from "../EnrichmentError.js"
import type * as Journal from "../Journal.js"
import type * as LemlistClient from "../LemlistClient.js"
import type * as LemlistError from "../LemlistError.js"
import type * as Lifecycle from "./lifecycle.js"
import type { RunEvent } from "./events.js"
import type { Settings } from "./settings.js"
import * as Workers from "./workers.js"

interface Deps {
  readonly settings: Settings
  readonly client: LemlistClient.Service
  readonly journal: Journal.Service
  readonly tell: (event: RunEvent) => Effect.Effect<void>
  readonly ask: <A>(event: (reply: (a: A) => void) => RunEvent) => Effect.Effect<A>
}

/**
 * Calls lemlist and records the ids. The journal says `submitting` only while the request is on
 * the wire: from the moment its pacer slot is taken until its answer, and back to not-sent
 * after an attempt that surely did nothing (429, never connected), before any wait. A crash can
 * only leave `Undetermined` a lead whose request may have reached lemlist.
 */
const send = (deps: Deps, batch: ReadonlyArray<Lifecycle.Lead>) =>
  Effect.gen(function*() {
    const { client, journal, settings } = deps
    const keys = batch.map((lead) => lead.key)
    const hooks = {
      beforeSend: journal.markSubmitting(batch.map(({ key, types }) => ({ key, types }))),
      didNothing: journal.release(keys)
    }
    // Validated locally: every lead has at least one workflow. The key travels as metadata.
    const items = batch.map((lead): Bulk.BulkItem => ({
      input: lead.input,
      enrichmentRequests: lead.types as Bulk.BulkItem["enrichmentRequests"],
      metadata: lead.key
    }))
    let attempt = client.bulkEnrich(items as unknown as NonEmptyReadonlyArray<Bulk.BulkItem>, {
      webhookUrl: settings.webhookUrl,
      hooks
    })
    // With `resendUndetermined`, the first ambiguous failure: a resend that then fails in a way
    // that surely did nothing (429s exhausted, refused connection, credits gone) does not undo
    // what that earlier attempt may have done.
    let earlier: LemlistError.LemlistError | undefined
    const ambiguous = (e: LemlistError.LemlistError | JournalError): e is LemlistError.LemlistError =>
      e._tag !== "JournalError" && e.mayHaveTakenEffect
    if (settings.resendUndetermined) {
      attempt = attempt.pipe(
        Effect.tapError((e) =>
          Effect.sync(() => {
            if (ambiguous(e)) earlier ??= e
          })
        ),
        Effect.retry({ times: 2, while: ambiguous })
      )
    }
    const answer = yield* Effect.either(attempt)
    if (Either.isLeft(answer)) {
      const error = answer.left
      if (error._tag === "JournalError") return yield* Effect.fail(error)
      return { _tag: "SubmitFailed", batch, error, earlier } as const
    }
    const accepted: Array<{ key: string; enrichmentId: string; types: ReadonlyArray<EnrichmentType.EnrichmentType> }> = []
    answer.right.forEach((entry, i) => {
      const lead = batch[i]!
      if (entry._tag === "Accepted") accepted.push({ key: lead.key, enrichmentId: entry.id, types: lead.types })
    })
    yield* journal.recordSubmitted(accepted)
    return { _tag: "Answered", batch, entries: answer.right } as const
  })

/** @internal */
export const submit = (deps: Deps) => (chunk: Chunk.Chunk<Lifecycle.Lead>): Effect.Effect<void, JournalError> =>
  Effect.gen(function*() {
    // The owner keeps what the credits and the budget allow; the rest ends `Failed`, not sent.
    // Several workers: re-claimed, so that a lead this worker no longer holds is not sent.
    const leads = Chunk.toReadonlyArray(chunk)
    const { worker } = deps.settings
    const held = worker === undefined ? undefined : yield* Workers.claim(worker, deps.journal, leads.map((lead) => lead.key))
    const batch = yield* deps.ask<Array<Lifecycle.Lead>>((reply) => ({ _tag: "Take", batch: leads, held, reply }))
    if (batch.length === 0) return
    // Uninterruptible but for the waits (the client makes its pacer and retry waits
    // interruptible: nothing is in flight then): an interrupt during a request waits for the
    // answer and its journal entry, so that stopping a run never leaves a lead's fate unknown.
    const event = yield* Effect.uninterruptible(send(deps, batch))
    yield* deps.tell(event)
  })
