/**
 * Webhook delivery (docs/decisions.md #11): `POST` JSON, one delivery per enrichment, success on any
 * 2xx within the timeout, exponential retries, loopback targets only unless allowed, and the
 * webhook faults (drop, duplicate, delay, reorder).
 *
 * @since 0.1.0
 */
import type { Result } from "@lemlist-effect/contract"
import type { MockClock } from "./Clock.js"
import {
  Cancel,
  type DirectPost,
  makeWebhookClient,
  postDirect,
  type PostJson,
  postWithFetch
} from "./internal/webhookClient.js"
import type { ResolvedOptions } from "./Options.js"
import type { Rng } from "./Random.js"
import { Fifo } from "./State.js"

/**
 * One recorded delivery attempt.
 *
 * @since 0.1.0
 * @category models
 */
export interface Delivery {
  readonly url: string
  /** HTTP status, or `null` when no answer came (network error, timeout, dropped, blocked). */
  readonly status: number | null
  /** 1 for the first attempt, 2 for the first retry… */
  readonly attempt: number
  readonly body: Result.WebhookBody
  /** Mock clock time of the attempt. */
  readonly time: number
  readonly ok: boolean
  /** How long the attempt took on the mock's clock (omitted when nothing was sent). */
  readonly durationMs?: number
  /** `drop` (never sent), `duplicate` (second copy), `delay`, `reorder`, or `blocked` (non-loopback target). */
  readonly fault?: "drop" | "duplicate" | "delay" | "reorder" | "blocked"
  /** Why an attempt failed without a status. */
  readonly error?: string
}

interface Job {
  readonly url: string
  readonly body: Result.WebhookBody
  readonly text: string
  readonly attempt: number
  readonly duplicate: boolean
  readonly tag: "delay" | "reorder" | undefined
  /** Told once whether the delivery succeeded (a 2xx) or will not be tried again. */
  readonly settled: ((delivered: boolean) => void) | undefined
}

/**
 * Whether a URL points at this machine (`localhost`, `127.0.0.0/8`, `::1`).
 *
 * @since 0.1.0
 * @category utils
 */
export const isLoopback = (url: string): boolean => {
  try {
    const u = new URL(url)
    if (u.protocol !== "http:" && u.protocol !== "https:") return false
    const h = u.hostname.toLowerCase()
    return h === "localhost" || h.endsWith(".localhost") || h === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(h)
  } catch {
    return false
  }
}

/**
 * Whether a string is an acceptable webhook URL at all (absolute http or https).
 *
 * @since 0.1.0
 * @category utils
 */
export const isWebhookUrl = (url: string): boolean => {
  try {
    const u = new URL(url)
    return u.protocol === "http:" || u.protocol === "https:"
  } catch {
    return false
  }
}

/**
 * The delivery service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Webhooks {
  /**
   * Queues a delivery. `settled` is told once: `true` at its first 2xx, `false` when it is not
   * tried again (dropped, blocked, out of retries); never after a reset.
   */
  readonly send: (url: string, body: Result.WebhookBody, settled?: (delivered: boolean) => void) => void
  /** Sends every delayed or held delivery now, then waits for every attempt in flight. */
  readonly flush: () => Promise<void>
  readonly reset: () => void
  readonly delivered: () => number
  /** Drops the kept-alive connections (the mock is closing). */
  readonly close: () => void
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const makeWebhooks = (deps: {
  readonly clock: MockClock
  readonly options: () => ResolvedOptions
  /** The fetch to deliver with; `undefined`: the mock's own keep-alive HTTP client (undici). */
  readonly fetch: () => typeof fetch | undefined
  /** Delivers without HTTP; before `fetch` when given. */
  readonly post?: DirectPost | undefined
  readonly rng: () => Rng
  readonly record: (d: Delivery) => void
}): Webhooks => {
  const queue = new Fifo<Job>()
  let inFlight = 0
  let delivered = 0
  let pumpScheduled = false
  const timers = new Map<number, { cancel: () => void; job: Job | undefined }>()
  let timerSeq = 0
  const held: Array<Job> = []
  let idleWaiters: Array<() => void> = []
  let generation = 0
  const client = makeWebhookClient()
  let viaFetch: { readonly f: typeof fetch; readonly post: PostJson } | undefined
  const direct = deps.post === undefined ? undefined : postDirect(deps.post)
  const poster = (): PostJson => {
    if (direct !== undefined) return direct
    const f = deps.fetch()
    if (f === undefined) return client.post
    if (viaFetch?.f !== f) viaFetch = { f, post: postWithFetch(f) }
    return viaFetch.post
  }

  const later = (ms: number, job: Job | undefined, fn: () => void) => {
    const id = timerSeq++
    const cancel = deps.clock.setTimeout(() => {
      timers.delete(id)
      fn()
    }, ms)
    timers.set(id, { cancel, job })
  }

  const enqueue = (job: Job) => {
    queue.push(job)
    if (!pumpScheduled) {
      pumpScheduled = true
      // After the current answer is written: lemlist calls back after it answered.
      setImmediate(pump)
    }
  }

  const settleIdle = () => {
    if (inFlight === 0 && queue.size === 0 && idleWaiters.length > 0) {
      const ws = idleWaiters
      idleWaiters = []
      for (const w of ws) w()
    }
  }

  const pump = () => {
    pumpScheduled = false
    const limit = deps.options().webhooks.concurrency
    let started = false
    while (inFlight < limit && queue.size > 0) {
      const job = queue.shift()!
      if (job.tag !== "reorder") started = true
      void attempt(job)
    }
    if (started && held.length > 0) for (const j of held.splice(0)) enqueue({ ...j, tag: "reorder" })
    settleIdle()
  }

  const attempt = async (job: Job): Promise<void> => {
    const gen = generation
    const o = deps.options().webhooks
    const time = deps.clock.now()
    const fault = job.duplicate ? "duplicate" as const : job.tag
    if (!o.allowNonLoopback && !(isLoopbackCache(job.url))) {
      // Assumption (docs/decisions.md #11): the mock never calls out of the machine unless allowed.
      deps.record({ url: job.url, status: null, attempt: job.attempt, body: job.body, time, ok: false, fault: "blocked", error: "non-loopback target (set webhooks.allowNonLoopback)" })
      job.settled?.(false)
      return
    }
    inFlight++
    const cancel = new Cancel()
    let timedOut = false
    const cancelTimeout = deps.clock.setTimeout(() => {
      timedOut = true
      cancel.abort()
    }, o.timeoutMs)
    let status: number | null = null
    let error: string | undefined
    try {
      status = await poster()(job.url, job.text, cancel)
    } catch (e) {
      error = timedOut ? `timeout after ${o.timeoutMs} ms` : e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e)
    } finally {
      cancelTimeout()
      inFlight--
    }
    if (gen !== generation) return
    const ok = status !== null && status >= 200 && status < 300 && !timedOut
    if (ok) delivered++
    deps.record({
      url: job.url,
      status: timedOut ? null : status,
      attempt: job.attempt,
      body: job.body,
      time,
      ok,
      durationMs: deps.clock.now() - time,
      ...(fault ? { fault } : {}),
      ...(error !== undefined ? { error } : {})
    })
    if (ok) {
      job.settled?.(true)
      const faults = deps.options().faults
      if (!job.duplicate && faults.webhookDuplicate > 0 && deps.rng()() < faults.webhookDuplicate) {
        enqueue({ ...job, attempt: 1, duplicate: true, tag: undefined, settled: undefined })
      }
    } else if (job.attempt <= o.retries) {
      // Exponential: base, 2×base, 4×base…
      later(o.baseDelayMs * 2 ** (job.attempt - 1), { ...job, attempt: job.attempt + 1 }, () =>
        enqueue({ ...job, attempt: job.attempt + 1, tag: undefined }))
    } else {
      job.settled?.(false)
    }
    if (queue.size > 0 && !pumpScheduled) {
      pumpScheduled = true
      setImmediate(pump)
    }
    settleIdle()
  }

  const loopbackCache = new Map<string, boolean>()
  const isLoopbackCache = (url: string) => {
    let v = loopbackCache.get(url)
    if (v === undefined) {
      v = isLoopback(url)
      if (loopbackCache.size > 1000) loopbackCache.clear()
      loopbackCache.set(url, v)
    }
    return v
  }

  return {
    send: (url, body, settled) => {
      const faults = deps.options().faults
      const job: Job = { url, body, text: JSON.stringify(body), attempt: 1, duplicate: false, tag: undefined, settled }
      const roll = (p: number) => p > 0 && deps.rng()() < p
      if (roll(faults.webhookDrop)) {
        deps.record({ url, status: null, attempt: 1, body, time: deps.clock.now(), ok: false, fault: "drop" })
        settled?.(false)
        return
      }
      if (roll(faults.webhookDelay)) {
        later(faults.webhookDelayMs, job, () => enqueue({ ...job, tag: "delay" }))
        return
      }
      if (roll(faults.webhookReorder)) {
        held.push(job)
        // Never held forever: released after the delay if nothing else is sent.
        later(faults.webhookDelayMs, undefined, () => {
          const i = held.indexOf(job)
          if (i >= 0) enqueue({ ...held.splice(i, 1)[0], tag: "reorder" })
        })
        return
      }
      enqueue(job)
    },
    flush: () => {
      for (const [id, t] of [...timers]) {
        if (t.job) {
          t.cancel()
          timers.delete(id)
          enqueue(t.job.attempt > 1 ? t.job : { ...t.job, tag: t.job.tag ?? "delay" })
        }
      }
      for (const j of held.splice(0)) enqueue({ ...j, tag: "reorder" })
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve)
        if (!pumpScheduled) {
          pumpScheduled = true
          setImmediate(pump)
        }
      })
    },
    reset: () => {
      generation++
      for (const t of timers.values()) t.cancel()
      timers.clear()
      held.length = 0
      queue.clear()
      delivered = 0
    },
    delivered: () => delivered,
    close: () => client.close()
  }
}
