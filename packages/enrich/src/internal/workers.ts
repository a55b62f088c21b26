/**
 * Several workers (processes) on one run, one journal (`Enrichment.Options.worker`): what a
 * worker does beside the one-process run. It claims the leads it reads and re-claims a batch
 * before sending it (`claim`); a heartbeat renews its leases; a watcher reads the journal for
 * the leads whose outcome may come through it (this worker's own, whose webhook reached another
 * worker, and the leads another worker holds): on each `outcomesRecorded` notice those it
 * names, on a timer a sweep through all of them, and takes a dead worker's leads over; and the
 * results this worker's receiver gets for leads it does not await are recorded in the journal
 * for the worker that awaits them (`foreignDeliveries`). The owner decides what each finding
 * does to a lead (`lifecycle.ts`).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { JournalError } from "../EnrichmentError.js"
import type * as Journal from "../Journal.js"
import type { Outcome } from "../Outcome.js"
import * as Deliveries from "./deliveries.js"
import type { Received } from "./deliveries.js"
import type { RunEvent, Watched } from "./events.js"
import type * as Lifecycle from "./lifecycle.js"
import * as Outcomes from "./outcomes.js"
import type { Settings } from "./settings.js"

/** A worker's name and lease (ms). */
export type Worker = NonNullable<Settings["worker"]>

/** The most leads taken over at once (a dead worker's leads come in several passes). */
const takeOverLimit = 2_000
/** The most watched leads whose entries one sweep reads (4 statements). */
const perPass = 2_000
/** How long a key a notification named waits for its lead to be watched. */
const heardFor = 10_000

/** Claims `keys` for the worker; those it holds (all of them with one worker: `undefined`). */
export const claim = (
  worker: Worker | undefined,
  journal: Journal.Service,
  keys: ReadonlyArray<string>
): Effect.Effect<ReadonlySet<string> | undefined, JournalError> =>
  worker === undefined || keys.length === 0 ? Effect.succeed(undefined) : journal.claim(worker.id, keys, worker.lease)

/**
 * The heartbeat and the watcher, forever (the run interrupts them). The watcher reads the
 * journal on each wake-up, at most every `minGap`, and at least every `every` (a wake-up
 * can be missed: the journal is the truth), `perPass` watched leads at a time.
 */
export const background = (deps: {
  readonly worker: Worker
  readonly journal: Journal.Service
  readonly ask: <A>(event: (reply: (a: A) => void) => RunEvent) => Effect.Effect<A>
  readonly tell: (event: RunEvent) => Effect.Effect<void>
  readonly every?: Duration.DurationInput
  readonly minGap?: Duration.DurationInput
}): Effect.Effect<never, JournalError> =>
  Effect.gen(function*() {
    const { ask, journal, tell, worker } = deps
    const heartbeat = journal.renew(worker.id, worker.lease).pipe(
      Effect.repeat(Schedule.spaced(Duration.millis(worker.lease / 4)))
    )
    const wake = yield* Queue.sliding<void>(1)
    // The keys notifications named, with when: a pass reads those it watches, not every watched
    // lead (with 4 workers on 40,000 leads each watches 30,000). A key heard before its lead is
    // watched (the notice raced the bulk call's answer) is kept for a while.
    const heard = new Map<string, number>()
    let unnamed = false
    const clock = yield* Effect.clock
    // A notification lost, or the listener failing, costs at most a sweep: logged, listened again.
    const listen = journal.outcomesRecorded.pipe(
      Stream.runForEach((keys) =>
        Effect.suspend(() => {
          const now = clock.unsafeCurrentTimeMillis()
          if (keys.length === 0) unnamed = true
          for (const key of keys) heard.set(key, now)
          return Queue.offer(wake, undefined)
        })
      ),
      Effect.tapError((e) => Effect.logWarning(`workers: not listening for outcomes (${e.message}); reading the journal on a timer`)),
      Effect.retry(Schedule.spaced("1 second"))
    )
    const every = Duration.toMillis(deps.every ?? "1 second")
    // Each sweep reads at most `perPass` of the watched leads, the next ones each time round:
    // the truth behind the notifications, which can be lost.
    let offset = 0
    let lastSweep = -Infinity
    const pass = Effect.gen(function*() {
      const now = clock.unsafeCurrentTimeMillis()
      const sweep = unnamed || now - lastSweep >= every
      unnamed = false
      const watched = yield* ask<Watched>((reply) => ({ _tag: "Watched", reply }))
      const keys = new Set<string>()
      for (const key of watched.keys) {
        if (heard.delete(key)) keys.add(key)
      }
      for (const [key, at] of heard) if (now - at > heardFor) heard.delete(key)
      if (sweep && watched.keys.length > 0) {
        lastSweep = now
        if (offset >= watched.keys.length) offset = 0
        const page = watched.keys.slice(offset, offset + perPass)
        offset += page.length
        for (const key of page) keys.add(key)
      }
      if (keys.size > 0) {
        const entries = yield* journal.lookup([...keys])
        const done = new Map([...entries].filter(([, entry]) => entry._tag === "Done"))
        if (done.size > 0) yield* tell({ _tag: "Found", entries: done })
      }
      if (sweep && watched.elsewhere > 0) {
        const keys = yield* journal.takeOver(worker.id, worker.lease, Math.min(watched.elsewhere, takeOverLimit))
        if (keys.length > 0) {
          const entries = yield* journal.lookup(keys)
          yield* Effect.logDebug(`workers: ${worker.id} took over ${keys.length} leads`)
          yield* tell({ _tag: "TakenOver", keys, entries })
        }
      }
    })
    const watcher = Effect.forever(
      Effect.zipRight(
        Effect.race(Queue.take(wake), Effect.sleep(every)),
        Effect.zipRight(pass, Effect.sleep(deps.minGap ?? "200 millis"))
      )
    )
    // Any of them failing (the journal, after its own retries) ends the run with it.
    return yield* Effect.all([heartbeat, listen, watcher], { concurrency: "unbounded", discard: true }).pipe(
      Effect.zipRight(Effect.never)
    )
  })

interface Pending {
  readonly delivery: Outcomes.Delivery
  readonly key: string
  readonly received: Received
  readonly since: number
}

/** What became of a result received for a lead this worker does not await. */
export type Resolved =
  /** Its outcome, to record (then answer lemlist). */
  | { readonly _tag: "Record"; readonly id: string; readonly key: string; readonly outcome: Outcome; readonly received: Received }
  /** The journal has the lead's outcome already: answer lemlist. */
  | { readonly _tag: "Known"; readonly id: string; readonly key: string; readonly outcome: Outcome; readonly received: Received }
  /** Its lead was never submitted with this id here (another run's, or too late): not ours. */
  | { readonly _tag: "Pass"; readonly received: Received }

/**
 * Results received for leads this worker does not await. The lead's key travels as the bulk
 * item's metadata; the journal's `Submitted` entry, once its holder recorded the id, gives the
 * workflows. Kept until then, at most `giveUpAfter` ms (the holder may still be sending).
 */
export const foreignDeliveries = (options: { readonly giveUpAfter?: number; readonly recheck?: number } = {}) => {
  const giveUpAfter = options.giveUpAfter ?? Deliveries.holdFor
  const recheck = options.recheck ?? 250
  const pending = new Map<string, Pending>()
  let fresh = false
  let checkedAt = -Infinity
  const resolve = (entries: ReadonlyMap<string, Journal.Entry>, now: number): Array<Resolved> => {
    const out: Array<Resolved> = []
    for (const [id, p] of pending) {
      const entry = entries.get(p.key)
      if (entry?._tag === "Done") out.push({ _tag: "Known", id, key: p.key, outcome: entry.outcome, received: p.received })
      else if (entry?._tag === "Submitted" && entry.enrichmentId === id) {
        const outcome = Outcomes.fromDelivery(p.delivery, { key: p.key, metadata: undefined, types: entry.types })
        out.push({ _tag: "Record", id, key: p.key, outcome, received: p.received })
      } else if (now - p.since >= giveUpAfter) out.push({ _tag: "Pass", received: p.received })
      else continue
      pending.delete(id)
    }
    return out
  }
  return {
    /** Keeps a result; false when it names no lead key (not a lead of this library's runs). */
    add: (delivery: Outcomes.Delivery, received: Received, now: number): boolean => {
      if (typeof delivery.metadata !== "string") return false
      pending.get(delivery.id)?.received.pass()
      pending.set(delivery.id, { delivery, key: delivery.metadata, received, since: now })
      fresh = true
      return true
    },
    /** The run is over: what it still holds is let pass (it ended) or asked for again (it stopped). */
    releaseAll: (ended: boolean) => {
      for (const p of pending.values()) Deliveries.release(p.received, ended)
      pending.clear()
    },
    /** The ticket of a result this worker's own lead took after all (it was early). */
    take: (id: string): Received | undefined => {
      const p = pending.get(id)
      pending.delete(id)
      return p?.received
    },
    /**
     * Reads the journal's entries of the results' leads (when new results came, or every
     * `recheck` ms) and sorts the results by them.
     */
    check: (journal: Journal.Service, now: number): Effect.Effect<Array<Resolved>, JournalError> => {
      if (pending.size === 0 || (!fresh && now - checkedAt < recheck)) return Effect.succeed([])
      fresh = false
      checkedAt = now
      return Effect.map(journal.lookup([...new Set(Array.from(pending.values(), (p) => p.key))]), (e) => resolve(e, now))
    }
  }
}

/** The leads whose outcome may come through the journal: awaited here, or held elsewhere. */
export const watched = (records: ReadonlyMap<string, { readonly state: Lifecycle.State }>): Watched => {
  const keys: Array<string> = []
  let elsewhere = 0
  for (const [key, r] of records) {
    if (r.state._tag === "Elsewhere") elsewhere++
    if (r.state._tag === "Elsewhere" || r.state._tag === "Awaiting") keys.push(key)
  }
  return { keys, elsewhere }
}
