/**
 * The pacer store in Redis: the memory store's bookkeeping (`pacerMemory.ts`, its `rules`) as
 * one Lua script per operation, so that every process on one Redis shares one budget per key,
 * plus, for many processes, where late departures are common: slots are reserved against the
 * planned starts (the memory and SQL stores reserve against the real ones), and a start that
 * would overfill the window ending when it really leaves waits for room, as in the other stores
 * (see `reserveLua` and `departLua`).
 * Redis runs a script atomically, and the script reads Redis's own clock (`TIME`): processes on
 * different machines need not agree on the time, and no process can book with a stale "now".
 *
 * Per key, three Redis keys in one hash slot (the `{key}` tag, so a Redis Cluster keeps them
 * together): `<prefix>{<key>}:log`, a sorted set of starts (member: the reservation's id, score:
 * its time in ms: its slot until it leaves, then when it left), `<prefix>{<key>}:plan`, the same
 * starts at their slots, and `<prefix>{<key>}:state`, a hash (`next`: the spacing's next start,
 * `paused`: no start before, `limit`: lemlist's announced limit, `margin`: the learned margin,
 * `span` and `lim`: the window plus margin and the limit last reserved with, `seq`: the id
 * counter). All three expire once idle: the later of the last start, the pause and the spacing,
 * plus the span, plus {@link idleMillis}.
 *
 * Times are whole milliseconds (`TIME`'s microseconds floored; durations rounded up by the
 * caller), so every reply is an exact integer.
 *
 * @internal
 */
import type { Cluster, Redis } from "ioredis"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import { type Departure, PacerStoreError, type Store } from "../RequestPacer.js"

/**
 * How long a key's state outlives the moment it stops mattering (its last start left the
 * window, its pause and spacing passed): a minute, the pacer's default longest pause, so the
 * margin a 429 taught and the limit lemlist announced survive a short idle spell.
 *
 * @internal
 */
export const idleMillis = 60_000

/** @internal */
export const defaultPrefix = "lemlist-effect:pacer:"

/**
 * ARGV[1] is "now" in ms when the caller's clock is used (the contract tests, on the
 * `TestClock`: `clock: "caller"`), else empty and the script reads `TIME`. ARGV[2] is
 * {@link idleMillis}. KEYS[1] is the log, KEYS[2] the state.
 */
const prelude = `
local function now_ms()
  if ARGV[1] ~= "" then return tonumber(ARGV[1]) end
  local t = redis.call("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function keep(now, span)
  local last = redis.call("ZREVRANGE", KEYS[1], 0, 0, "WITHSCORES")
  local s = redis.call("HMGET", KEYS[2], "next", "paused", "span")
  local horizon = math.max(now, tonumber(last[2]) or 0, tonumber(s[1]) or 0, tonumber(s[2]) or 0)
  local ttl = math.ceil(horizon - now + math.max(span, tonumber(s[3]) or 0) + tonumber(ARGV[2]))
  redis.call("PEXPIRE", KEYS[1], ttl)
  redis.call("PEXPIRE", KEYS[2], ttl)
  redis.call("PEXPIRE", KEYS[3], ttl)
end
`

/**
 * `reserve` (ARGV[3..6]: interval, limit, window, margin) -> { id, slot, now }. The rules are
 * `pacerMemory.ts`'s: span = window + max(margin, learned), limit = max(1, min(limit,
 * announced)), slot = max(now, next, paused, the limit-th most recent start + span), but the
 * starts counted are the planned ones (KEYS[3], each start at its slot): a start that left late
 * does not push every later slot back (with several processes on a loaded machine, starts leave
 * tens of milliseconds late, and the key lost that much each window). `depart` checks the real
 * times (KEYS[1]).
 */
const reserveLua = `
local now = now_ms()
local interval, limit, window, margin = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local s = redis.call("HMGET", KEYS[2], "next", "paused", "limit", "margin")
local span = window + math.max(margin, tonumber(s[4]) or 0)
local lim = math.max(1, math.min(limit, tonumber(s[3]) or limit))
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - span)
redis.call("ZREMRANGEBYSCORE", KEYS[3], "-inf", now - span)
local slot = math.max(now, tonumber(s[1]) or 0, tonumber(s[2]) or 0)
local nth = redis.call("ZREVRANGE", KEYS[3], lim - 1, lim - 1, "WITHSCORES")
if nth[2] then slot = math.max(slot, tonumber(nth[2]) + span) end
local id = redis.call("HINCRBY", KEYS[2], "seq", 1)
redis.call("ZADD", KEYS[1], slot, id)
redis.call("ZADD", KEYS[3], slot, id)
redis.call("HSET", KEYS[2], "next", slot + interval, "span", span, "lim", lim)
keep(now, span)
return { id, slot, now }
`

/**
 * `depart` (ARGV[3]: id; ARGV[4], the interval, unused: the plan keeps the spacing) ->
 * { 1, at } (departed), { 0, until } (paused: book again) or { 2, wait } (the window is full:
 * depart again in `wait` ms, the slot still booked).
 *
 * A start that leaves late (its process woke late: a busy event loop, a loaded machine, a
 * journal write before it) moves later in the log, into windows that starts reserved after it
 * were counted without it: with 4 processes on 2 loaded cores, that made 21 starts in 2 s
 * (`packages/enrich/test/PacerStoreRedis.processes.test.ts`). So every start checks the window
 * that ends when it leaves, on the real times: one that would hold more than the limit waits
 * until the oldest start that makes it full leaves the window, then departs again (it keeps its
 * place: booking again would send it behind every start reserved meanwhile).
 */
const departLua = `
local now = now_ms()
local id = ARGV[3]
local s = redis.call("HMGET", KEYS[2], "paused", "span", "lim")
local paused = tonumber(s[1]) or 0
if paused > now then
  redis.call("ZREM", KEYS[1], id)
  redis.call("ZREM", KEYS[3], id)
  return { 0, paused }
end
local at = math.max(now, tonumber(redis.call("ZSCORE", KEYS[1], id)) or now)
redis.call("ZADD", KEYS[1], at, id)
local span, lim = tonumber(s[2]), tonumber(s[3])
if span and lim then
  local over = redis.call("ZCOUNT", KEYS[1], "(" .. (at - span), at) - lim
  if over > 0 then
    redis.call("ZREM", KEYS[1], id)
    local oldest = redis.call("ZRANGEBYSCORE", KEYS[1], "(" .. (at - span), at, "WITHSCORES", "LIMIT", over - 1, 1)
    return { 2, math.max(1, tonumber(oldest[2]) + span - now) }
  end
end
keep(now, 0)
return { 1, at }
`

/** `release` (ARGV[3]: id): the start leaves the log and the plan. */
const releaseLua = `
redis.call("ZREM", KEYS[1], ARGV[3])
redis.call("ZREM", KEYS[3], ARGV[3])
return 1
`

/** `rateLimited` (ARGV[3..6]: pause, window, margin, announced limit or ""). */
const rateLimitedLua = `
local now = now_ms()
local pause, window, margin = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if ARGV[6] ~= "" then redis.call("HSET", KEYS[2], "limit", ARGV[6]) end
local s = redis.call("HMGET", KEYS[2], "margin", "paused")
local learned = math.ceil(math.min(window / 4, math.max(2 * math.max(margin, tonumber(s[1]) or 0), 50)))
redis.call("HSET", KEYS[2], "margin", learned, "paused", math.max(tonumber(s[2]) or 0, now + pause))
keep(now, window + math.max(margin, learned))
return 1
`

/**
 * `observed` (ARGV[3..7]: startedAt, window, announced limit or "", used or "", how many ms to
 * move the start at startedAt, at most to now, or ""). A moved start moves in the log only, as
 * one that left late: the plan keeps its slot, and `depart` sees the real time.
 */
const observedLua = `
local now = now_ms()
local startedAt, window = tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[5] ~= "" then redis.call("HSET", KEYS[2], "limit", ARGV[5]) end
if ARGV[7] ~= "" then
  local to = math.max(startedAt, math.min(now, startedAt + tonumber(ARGV[7])))
  local start = redis.call("ZRANGEBYSCORE", KEYS[1], startedAt, startedAt, "LIMIT", 0, 1)[1]
  if start then
    redis.call("ZADD", KEYS[1], to, start)
  else
    local id = redis.call("HINCRBY", KEYS[2], "seq", 1)
    redis.call("ZADD", KEYS[1], to, id)
    redis.call("ZADD", KEYS[3], to, id)
  end
end
if ARGV[6] ~= "" then
  local own = redis.call("ZCOUNT", KEYS[1], "(" .. (startedAt - window), now)
  for i = own + 1, tonumber(ARGV[6]) do
    local id = redis.call("HINCRBY", KEYS[2], "seq", 1)
    redis.call("ZADD", KEYS[1], now, id)
    redis.call("ZADD", KEYS[3], now, id)
  end
end
keep(now, window)
return 1
`

interface Script {
  readonly lua: string
  readonly sha: string
}

const script = (body: string): Script => {
  const lua = prelude + body
  return { lua, sha: createHash("sha1").update(lua).digest("hex") }
}

/** @internal */
export const scripts = {
  reserve: script(reserveLua),
  depart: script(departLua),
  release: script(releaseLua),
  rateLimited: script(rateLimitedLua),
  observed: script(observedLua)
} as const

/** @internal */
export interface Options {
  readonly prefix: string
  /** Longest wait for one answer from Redis, in ms: then the operation fails (fail closed). */
  readonly timeout: number
  /**
   * Whose clock the scripts read: Redis's `TIME` (always, outside this package's tests), or
   * the caller's `Clock`, passed in, so the contract suite runs the same scripts on the
   * `TestClock` (`packages/enrich/test/RequestPacer.store.test.ts`).
   */
  readonly clock: "redis" | "caller"
}

/** The Redis keys of one pacer key. @internal */
export const keysOf = (prefix: string, key: string): readonly [log: string, state: string, plan: string] => [
  `${prefix}{${key}}:log`,
  `${prefix}{${key}}:state`,
  `${prefix}{${key}}:plan`
]

class Timeout extends Error {
  constructor(readonly millis: number) {
    super(`Redis did not answer within ${millis} ms`)
  }
}

/**
 * The answer, or a rejection after `millis` on the real clock: a lost connection must not
 * hold a request forever (ioredis queues commands while it reconnects), and a test's
 * `TestClock` must not fire it.
 *
 * @internal
 */
export const deadline = <A>(promise: Promise<A>, millis: number): Promise<A> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Timeout(millis)), millis)
    promise.then(
      (a) => (clearTimeout(timer), resolve(a)),
      (e) => (clearTimeout(timer), reject(e))
    )
  })

const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith("NOSCRIPT")

/** @internal */
export const make = (client: Redis | Cluster, options: Options): Store => {
  /**
   * `EVALSHA`, and `EVAL` (which caches the script) when Redis does not know the script yet
   * (first use, a restart, `SCRIPT FLUSH`): the client's own commands stay untouched, unlike
   * ioredis's `defineCommand`, which adds methods to a client we may not own.
   */
  const evaluate = (s: Script, keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>) =>
    client.evalsha(s.sha, keys.length, ...keys, ...args).catch((error: unknown) =>
      isNoScript(error) ? client.eval(s.lua, keys.length, ...keys, ...args) : Promise.reject(error)
    )

  const run = (
    operation: string,
    s: Script,
    key: string,
    args: ReadonlyArray<string | number>
  ): Effect.Effect<unknown, PacerStoreError> =>
    Effect.flatMap(
      options.clock === "caller" ? Effect.map(Clock.currentTimeMillis, String) : Effect.succeed(""),
      (now) =>
        Effect.tryPromise({
          try: () => deadline(evaluate(s, keysOf(options.prefix, key), [now, idleMillis, ...args]), options.timeout),
          catch: (cause) => new PacerStoreError({ operation, cause })
        })
    )

  const integers = (operation: string, reply: unknown, length: number): ReadonlyArray<number> => {
    if (Array.isArray(reply) && reply.length === length && reply.every(Number.isSafeInteger)) return reply
    throw new PacerStoreError({ operation, cause: new Error(`unexpected reply from Redis: ${JSON.stringify(reply)}`) })
  }
  const parse = <A>(operation: string, f: (reply: unknown) => A) => (reply: unknown) =>
    Effect.try({
      try: () => f(reply),
      catch: (e) => (e instanceof PacerStoreError ? e : new PacerStoreError({ operation, cause: e }))
    })

  // Durations reach the scripts as whole milliseconds, rounded up: a window is never shortened.
  const ms = Math.ceil
  const optional = (n: number | undefined) => (n === undefined ? "" : ms(n))

  return {
    reserve: (o) =>
      run("reserve", scripts.reserve, o.key, [ms(o.interval), Math.floor(o.limit), ms(o.window), ms(o.margin)]).pipe(
        Effect.flatMap(parse("reserve", (reply) => {
          const [id, slot, now] = integers("reserve", reply, 3)
          return { id: String(id), slot, now }
        }))
      ),
    depart: (o) =>
      run("depart", scripts.depart, o.key, [o.id, ms(o.interval)]).pipe(
        Effect.flatMap(parse("depart", (reply): Departure => {
          const [departed, at] = integers("depart", reply, 2)
          return departed === 1
            ? { _tag: "Departed", at }
            : departed === 2
            ? { _tag: "Full", retryIn: at }
            : { _tag: "Paused", until: at }
        }))
      ),
    release: (o) => run("release", scripts.release, o.key, [o.id]).pipe(Effect.asVoid),
    rateLimited: (o) =>
      run("rateLimited", scripts.rateLimited, o.key, [
        ms(o.pause),
        ms(o.window),
        ms(o.margin),
        optional(o.announcedLimit)
      ]).pipe(Effect.asVoid),
    observed: (o) =>
      run("observed", scripts.observed, o.key, [
        o.startedAt,
        ms(o.window),
        optional(o.announcedLimit),
        optional(o.used),
        optional(o.moveStart)
      ]).pipe(Effect.asVoid)
  }
}
