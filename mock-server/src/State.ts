/**
 * The mock's state: teams (one per API key) and their enrichments, kept lean so that a
 * long-running server stays small (a record holds references, not copies; results are
 * regenerated on read).
 *
 * @since 0.1.0
 */
import type { Bulk, EnrichmentType } from "@lemlist-effect/contract"
import { Heap } from "heap-js"
import { createHash } from "node:crypto"
import type { ResolvedOptions } from "./Options.js"
import { hash, makeId, makeRng } from "./Random.js"
import { makeWindow, type RateWindow } from "./RateLimit.js"

/**
 * `in-progress`, then `done` or `error`.
 *
 * @since 0.1.0
 * @category models
 */
export type EnrichmentStatus = "in-progress" | "done" | "error"

/**
 * One stored enrichment.
 *
 * @since 0.1.0
 * @category models
 */
export interface EnrichmentRecord {
  readonly id: string
  readonly team: Team
  readonly input: Bulk.EnrichmentInput
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  /** `undefined` when the request had none (the key is then omitted everywhere: docs/decisions.md #4). */
  readonly metadata: Bulk.Metadata | undefined
  readonly webhookUrl: string | undefined
  readonly leadId: string | undefined
  readonly createdAt: number
  readonly completesAt: number
  /** The seed and result mix in force at creation, so a later option change never rewrites a result. */
  readonly seed: number
  readonly mix: ResolvedOptions["results"]
  status: EnrichmentStatus
  errorCode: "PROVIDER_ERROR" | "INSUFFICIENT_CREDITS" | undefined
  completedAt: number | undefined
  creditsCharged: number
}

/**
 * Counters of one team.
 *
 * @since 0.1.0
 * @category models
 */
export interface TeamStats {
  readonly teamId: string
  readonly keyFingerprint: string
  enrichmentsCreated: number
  byStatus: { "in-progress": number; done: number; error: number }
  creditsSpent: number
  /** 429s served (rate limit and storms). */
  rateLimited: number
  /** "Answer lost after processing" faults served. */
  lostAnswers: number
  /** Enrichments created by requests whose answer was then lost: the client never saw their ids. */
  enrichmentsInLostAnswers: number
  /** Connections dropped before the answer (`drop` fault). */
  droppedConnections: number
  requests: number
}

/**
 * A team hook (`POST /hooks`).
 *
 * @since 0.1.0
 * @category models
 */
export interface TeamHook {
  readonly _id: string
  readonly targetUrl: string
  readonly createdAt: string
  readonly type: string | undefined
  readonly secret: string | undefined
}

/**
 * One team: one API key's world.
 *
 * @since 0.1.0
 * @category models
 */
export interface Team {
  readonly id: string
  readonly apiKey: string
  readonly fingerprint: string
  credits: number
  readonly hooks: Map<string, TeamHook>
  readonly window: RateWindow
  stormUntil: number
  readonly stats: TeamStats
  /** Per lead: the running enrichment, and which workflows already found data / found nothing. */
  readonly leads: Map<string, { running: EnrichmentRecord | undefined; enriched: Set<string>; notFound: Set<string> }>
}

/**
 * A short, non-reversible fingerprint of a key, for records and stats (never the key itself).
 *
 * @since 0.1.0
 * @category utils
 */
export const fingerprint = (apiKey: string): string =>
  createHash("sha256").update(apiKey).digest("hex").slice(0, 12)

/**
 * A fresh team. Its id derives from (seed, key) so that adding a key never shifts another's.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeTeam = (apiKey: string, credits: number, seed: number): Team => {
  const id = makeId("tea", makeRng(hash(apiKey, seed)))
  const keyFingerprint = fingerprint(apiKey)
  return {
    id,
    apiKey,
    fingerprint: keyFingerprint,
    credits,
    hooks: new Map(),
    window: makeWindow(),
    stormUntil: Number.NEGATIVE_INFINITY,
    stats: {
      teamId: id,
      keyFingerprint,
      enrichmentsCreated: 0,
      byStatus: { "in-progress": 0, done: 0, error: 0 },
      creditsSpent: 0,
      rateLimited: 0,
      lostAnswers: 0,
      enrichmentsInLostAnswers: 0,
      droppedConnections: 0,
      requests: 0
    },
    leads: new Map()
  }
}

/**
 * A min-heap (`heap-js`) of pending enrichments by completion time: one timer serves them all.
 *
 * @example
 * ```ts
 * import { PendingHeap } from "@lemlist-effect/mock-server/State"
 *
 * const pending = new PendingHeap()
 * pending.peek() // undefined: nothing pending
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export class PendingHeap {
  private readonly heap = new Heap<EnrichmentRecord>((a, b) => a.completesAt - b.completesAt)
  get size(): number {
    return this.heap.length
  }
  peek(): EnrichmentRecord | undefined {
    return this.heap.peek()
  }
  push(r: EnrichmentRecord): void {
    this.heap.push(r)
  }
  pop(): EnrichmentRecord | undefined {
    return this.heap.pop()
  }
  clear(): void {
    this.heap.clear()
  }
}

/**
 * A FIFO with O(1) amortised shift, used for retention (completion order is time order).
 *
 * @since 0.1.0
 * @category models
 */
export class Fifo<A> {
  private items: Array<A> = []
  private head = 0
  get size(): number {
    return this.items.length - this.head
  }
  push(a: A): void {
    this.items.push(a)
  }
  peek(): A | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined
  }
  shift(): A | undefined {
    if (this.head >= this.items.length) return undefined
    const a = this.items[this.head]
    ;(this.items as Array<A | undefined>)[this.head] = undefined
    this.head++
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return a
  }
  clear(): void {
    this.items = []
    this.head = 0
  }
  toArray(): Array<A> {
    return this.items.slice(this.head)
  }
  /** The newest `n` items, oldest first. */
  last(n: number): Array<A> {
    return this.items.slice(Math.max(this.head, this.items.length - Math.max(0, n)))
  }
}

/**
 * A bounded log: keeps the newest `max` entries. `seq` counts every entry ever pushed (since
 * the last `clear`), so a reader that remembers it can ask for what came after (the dashboard's
 * live feed does).
 *
 * @since 0.1.0
 * @category models
 */
export class BoundedLog<A> {
  private fifo = new Fifo<A>()
  private pushed = 0
  constructor(private max: () => number, private onPush: () => void = () => {}) {}
  get seq(): number {
    return this.pushed
  }
  push(a: A): void {
    const max = this.max()
    if (max <= 0) return
    this.pushed++
    this.fifo.push(a)
    while (this.fifo.size > max) this.fifo.shift()
    this.onPush()
  }
  toArray(): Array<A> {
    return this.fifo.toArray()
  }
  /** Entries pushed after `seq` was read (at most `limit`, the newest), oldest first. */
  since(seq: number, limit: number): Array<A> {
    return this.fifo.last(Math.min(limit, Math.max(0, this.pushed - seq)))
  }
  clear(): void {
    this.fifo.clear()
    this.pushed = 0
  }
}
