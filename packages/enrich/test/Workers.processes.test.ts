/**
 * Several workers on one run (issue 13): 4 Node processes, one API key, the same leads, one
 * journal in PostgreSQL (a fresh schema), one pacer in Redis, the mock in a process of its own
 * with lemlist's real window (20 requests in any sliding 2 s), and webhooks spread round-robin
 * over the 4 workers' receivers by a loopback proxy (`support/workers.ts`).
 *
 * - Together: every lead one outcome in the journal, written once; each worker's stream one
 *   outcome per lead of its input; no lead created twice at the mock; no 429; the bulk calls at
 *   more than half the key's 10 per second (a floor against pacing regressions).
 * - The same workers, each with its own pacer in memory: lemlist answers 429 (the first test can
 *   fail).
 * - SIGKILL at 3 random moments, each time to the living worker holding the most leads not done:
 *   the others take its leads over once its lease expires (the unsent ones sent, the submitted
 *   ones awaited), and the last worker finishes them all; none sent twice, none lost; only leads
 *   a victim had on the wire may end `Undetermined` (a victim's unsent leads too, when the worker
 *   that took them over is a later victim, killed while sending them).
 *
 * 10,000 leads by default (about 20 to 40 s on this project's loaded 2-core machine);
 * `LEMLIST_WORKERS_LEADS=40000 LEMLIST_WORKERS_MARGIN=default` runs the issue's measurement: its
 * 40,000 leads with the pacer's default margin. Runs when `LEMLIST_TEST_DATABASE_URL`
 * and `LEMLIST_TEST_REDIS_URL` are set.
 */
import { afterEach, assert, describe, it } from "vitest"
import * as Pg from "./support/postgres.js"
import { noRedis } from "./support/redis.js"
import { census, cleanup, result, setup, withSql } from "./support/workers.js"

const skip = noRedis("Several workers on one run") || Pg.skipped !== undefined
const LEADS = Number(process.env.LEMLIST_WORKERS_LEADS ?? 10_000)
// The pacer's margin: 200 ms over lemlist's window (the library's default is 50 ms). Each batch's
// `submitting` write runs when its slot comes and the start is booked when it ends
// (`RequestPacer.Leave`), so the margin covers only the time from that booking to the mock
// reading the request: on this project's 2-core machine, with 4 workers, the mock, PostgreSQL and
// the rest of the suite on it, event loops run that late by more than 100 ms (50 ms drew one 429
// in 10,000 leads with a few other test files beside it, 150 ms one in three runs of the kill
// test; docs/scaling.md, "Findings"). Since requests that leave late have their starts moved
// (`Observation.sentAt`), the default drew none in 14 runs of 10,000 leads and 2 of the whole file
// here; the test keeps 200 ms for slower hours of the machine. A deployment's network jitter is
// what the default covers.
const MARGIN = process.env.LEMLIST_WORKERS_MARGIN === "default" ? null : process.env.LEMLIST_WORKERS_MARGIN ?? "200 millis"
const KILL_LEADS = 6_000
const KILLS = 3
const WORKERS = 4

afterEach(cleanup)

/** mulberry32: the kill's random moment (the moment varies, what is asserted does not). */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Polls `condition` every 25 ms until it holds, at most `timeoutMs`. */
const until = async (condition: () => Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await condition()) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return false
}

describe.skipIf(skip)("several workers on one run: one key, one journal, one pacer", () => {
  it(`${WORKERS} workers, ${LEADS} leads, webhooks round-robin: one outcome per lead, written once, none created twice, no 429`, async () => {
    const s = await setup({ workers: WORKERS, leads: LEADS, batchSize: 100, leaseMs: 5_000, latency: [500, 2_500], seed: 13, margin: MARGIN })
    const started = Date.now()
    s.go()
    const exits = await Promise.all(s.workers.map((w) => w.child.exited))
    exits.forEach((exit, i) => assert.strictEqual(exit.code, 0, s.workers[i]!.child.stderr()))
    const streams = s.workers.map(result)
    const c = await census(s)
    const forwarded = s.workers.map((w) => s.proxy.forwarded.get(w.port) ?? 0)
    console.log(
      `[workers] ${WORKERS} workers, ${LEADS} leads, margin ${MARGIN ?? "default"}, in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(streams ${streams.map((r) => (r.millis / 1000).toFixed(1)).join("/")} s, CPU ${streams.map((r) => (r.cpuMs / 1000).toFixed(1)).join("/")} s; bulk calls from ${c.times.firstBulk - started} to ` +
        `${c.times.lastBulk - started} ms, last webhook at ${c.times.lastDelivery - started} ms): ` +
        `bulk calls ${c.bulk} at ${(c.share * 10).toFixed(2)} req/s (${c.share.toFixed(2)} of 10), 429s ${c.rateLimited}, polls ${c.polls}; ` +
        `webhooks per receiver ${forwarded.join("/")}; outcome writes ${c.journal.writes}; outcomes ${JSON.stringify(streams[0]!.byTag)}`
    )
    for (const r of streams) assert.deepStrictEqual([r.outcomes, r.distinct], [LEADS, LEADS], "each stream: one outcome per lead")
    assert.strictEqual(c.journal.done, LEADS, "every lead done in the journal")
    assert.strictEqual(c.journal.rows, LEADS)
    assert.deepStrictEqual([c.journal.written, c.journal.twice], [LEADS, 0], "each outcome written once")
    assert.deepStrictEqual([c.created, c.createdKeys], [LEADS, LEADS], "every lead created once at the mock")
    assert.strictEqual(forwarded.reduce((a, b) => a + b, 0), LEADS, "one webhook answered per lead")
    for (const n of forwarded) assert.isAbove(n, LEADS / WORKERS / 2, `webhooks spread over the receivers: ${forwarded}`)
    assert.strictEqual(c.rateLimited, 0, "no 429")
    // A floor against pacing regressions (a shared store that serialised the workers, a window
    // counted twice), not the issue's goal: 0.95 of 10 is measured with 40,000 leads and the
    // default margin on an idle machine (docs/scaling.md). With the 200 ms margin this test
    // gives the workers (0.91 at best), runs on this project's machines give 0.70 to 0.89.
    assert.isAbove(c.share, 0.5, "together, the workers use at least half of the key's 10 requests per second")
  }, Math.max(180_000, LEADS * 15))

  it(`the same ${WORKERS} workers with each its own pacer (no shared store): lemlist answers 429`, async () => {
    // The test above can fail: without the store in Redis the workers' starts add up.
    // 120 bulk calls over some 12 s: each worker's pacer adopts what lemlist's headers say of the
    // others' traffic, so 429s come from the workers racing for each window as it frees (1 to 8
    // in 60 calls); six windows make none at all unlikely. Batches of 25 make the calls with a
    // quarter of the leads (and of the webhooks: the test's time).
    const leads = 3_000
    const s = await setup({ workers: WORKERS, leads, batchSize: 25, leaseMs: 5_000, latency: [200, 500], seed: 15, sharedPacer: false, margin: MARGIN })
    s.go()
    const exits = await Promise.all(s.workers.map((w) => w.child.exited))
    exits.forEach((exit, i) => assert.strictEqual(exit.code, 0, s.workers[i]!.child.stderr()))
    const c = await census(s)
    console.log(`[workers] without the shared pacer: ${c.bulk} bulk calls, ${c.rateLimited} answered 429`)
    assert.isAbove(c.rateLimited, 0, "429s: each worker paced as if alone")
    assert.strictEqual(c.journal.done, leads, "and still one outcome per lead (429s are retried)")
    assert.strictEqual(c.created, c.createdKeys, "none sent twice")
  }, 120_000)

  it(`${WORKERS} workers, ${KILL_LEADS} leads, SIGKILL at ${KILLS} random moments (each time the worker holding most): the last finishes, none sent twice, none lost`, async () => {
    const started = Date.now()
    const s = await setup({ workers: WORKERS, leads: KILL_LEADS, batchSize: 100, leaseMs: 3_000, latency: [1_000, 3_000], seed: 14, margin: MARGIN })
    const random = rng(Date.now())
    s.go()
    assert.isTrue(await until(async () => (await s.admin<Array<{ route?: string }>>("requests")).some((r) => r.route === "bulk")))
    const killed: Array<{ readonly name: string; readonly delay: number; readonly held: ReadonlyArray<{ key: string; state: string | null }> }> = []
    const alive = new Set(s.workers)
    // What a worker holds not done: unsent, awaited, perhaps on the wire.
    const held = (name: string) =>
      withSql((sql) =>
        sql.unsafe<{ key: string; state: string | null }>(
          `SELECT c.key, l.state FROM ${s.schema}.claims c LEFT JOIN ${s.schema}.leads l ON l.key = c.key
           WHERE c.owner = $1 AND (l.state IS NULL OR l.state <> 'done')`,
          [name]
        )
      )
    for (let k = 0; k < KILLS; k++) {
      const delay = Math.round(200 + random() * 1_300)
      await new Promise((resolve) => setTimeout(resolve, delay)) // the random moment, not a synchronisation
      // The victim: the living worker holding the most leads not done at that moment.
      const counts = await Promise.all([...alive].map(async (w) => ({ w, n: (await held(w.name)).length })))
      counts.sort((a, b) => b.n - a.n || a.w.name.localeCompare(b.w.name))
      const victim = counts[0]!.w
      victim.child.process.kill("SIGKILL")
      const exit = await victim.child.exited
      assert.strictEqual(exit.signal, "SIGKILL", `kill ${k + 1} landed mid-run`)
      alive.delete(victim)
      killed.push({ name: victim.name, delay, held: await held(victim.name) })
    }
    for (const [k, kill] of killed.entries()) assert.isAbove(kill.held.length, 0, `kill ${k + 1}: the victim held leads not done`)

    const survivors = [...alive]
    const exits = await Promise.all(survivors.map((w) => w.child.exited))
    exits.forEach((exit, i) => assert.strictEqual(exit.code, 0, survivors[i]!.child.stderr()))
    for (const r of survivors.map(result)) {
      assert.deepStrictEqual([r.outcomes, r.distinct], [KILL_LEADS, KILL_LEADS], "each surviving stream: one outcome per lead")
    }
    const c = await census(s)
    const onTheWire = new Set(killed.flatMap((kill) => kill.held.filter((r) => r.state === "submitting").map((r) => r.key)))
    const undetermined = new Set((await withSql((sql) =>
      sql.unsafe<{ key: string }>(`SELECT key FROM ${s.schema}.leads WHERE outcome_tag = 'Undetermined'`)
    )).map((r) => r.key))
    // Each victim's leads never sent: to be taken over by another worker and sent, once. That
    // worker may die in its turn while sending them (when a later kill comes after the first
    // victim's lease expired): then they were on the wire at that kill, may never have reached
    // the mock, and end `Undetermined`, not sent again.
    const unsent = killed.flatMap((kill, k) =>
      kill.held.filter((r) => r.state === null).map((r) => ({ key: r.key, victim: kill.name, kill: k }))
    )
    const onTheWireAfter = (u: (typeof unsent)[number]) =>
      killed.slice(u.kill + 1).some((kill) => kill.held.some((r) => r.key === u.key && r.state === "submitting"))
    const neverCreated = unsent.filter((u) => !c.createdKeySet.has(u.key))
    const holders = new Map((await withSql((sql) =>
      sql.unsafe<{ key: string; owner: string }>(`SELECT key, owner FROM ${s.schema}.claims WHERE key = ANY($1)`, [
        unsent.map((u) => u.key)
      ])
    )).map((r) => [r.key, r.owner]))
    // Printed before the assertions: a failure comes with the story of its run.
    console.log(
      `[workers] ${KILLS} kills: ${killed.map((kill) => `${kill.name} after ${kill.delay} ms holding ${kill.held.length} ` +
        `(unsent ${kill.held.filter((r) => r.state === null).length}, on the wire ${kill.held.filter((r) => r.state === "submitting").length})`).join("; ")}; ` +
        `unsent then on the wire at a later kill ${neverCreated.length}; undetermined ${undetermined.size}; ` +
        `created ${c.created} (${c.createdKeys} distinct), 429s ${c.rateLimited}, polls ${c.polls}; ` +
        `${survivors.length} stream(s) of ${KILL_LEADS} in ${((Date.now() - started) / 1000).toFixed(1)} s`
    )
    assert.strictEqual(c.journal.done, KILL_LEADS, "none lost: every lead done in the journal")
    assert.strictEqual(c.created, c.createdKeys, "none sent twice")
    assert.strictEqual(c.rateLimited, 0, "no 429")
    assert.deepStrictEqual([...undetermined].filter((key) => !onTheWire.has(key)), [], "Undetermined only if on the wire at a kill")
    assert.deepStrictEqual(unsent.filter((u) => holders.get(u.key) === u.victim), [], "unsent leads taken over")
    assert.deepStrictEqual(
      neverCreated.filter((u) => !onTheWireAfter(u) || !undetermined.has(u.key)),
      [],
      "unsent leads sent, or on the wire when their new holder was killed (and then Undetermined)"
    )
  }, 240_000)
})
