/**
 * The multi-process run test's harness (`Workers.processes.test.ts`): the mock in a process of
 * its own, a round-robin proxy in front of the workers' webhook receivers (a load balancer that
 * skips a receiver that refuses connections), worker processes, the journal's schema in
 * PostgreSQL with a trigger counting the outcome writes of each lead, and a Redis prefix; all of
 * it stopped, dropped and deleted by `cleanup`.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Layer, Redacted } from "effect"
import { Redis } from "ioredis"
import { type ChildProcess, spawn } from "node:child_process"
import { createServer, request, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { JournalPg } from "../../src/pg.js"
import * as Pg from "./postgres.js"
import { deletePrefix, redisUrl, testPrefix } from "./redis.js"

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url))

/** A child process, its output so far, and its end. */
export interface Child {
  readonly process: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  /** Resolves with the first line that starts with `prefix`. */
  readonly line: (prefix: string) => Promise<string>
}

const start = (name: string, args: ReadonlyArray<string>): Child => {
  const child = spawn(process.execPath, ["--import", "tsx", script(name), ...args], { stdio: ["pipe", "pipe", "pipe"] })
  let stdout = "", stderr = ""
  const waiting: Array<() => void> = []
  child.stdout!.on("data", (d) => {
    stdout += d
    for (const check of waiting) check()
  })
  child.stderr!.on("data", (d) => (stderr += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  )
  const line = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = stdout.split("\n").find((l, i, all) => l.startsWith(prefix) && i < all.length - 1)
        if (found !== undefined) resolve(found)
      }
      waiting.push(check)
      check()
      void exited.then(() => reject(new Error(`${name} exited before printing "${prefix}": ${stderr}`)))
    })
  return { process: child, stdout: () => stdout, stderr: () => stderr, exited, line }
}

/** A load balancer in front of the receivers: each webhook to the next one; a dead one skipped. */
const proxy = async () => {
  const ports: Array<number> = []
  const forwarded = new Map<number, number>()
  let next = 0
  const forward = (port: number, method: string, path: string, headers: Record<string, string>, body: Buffer) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
        const parts: Array<Buffer> = []
        res.on("data", (d: Buffer) => parts.push(d))
        res.on("end", () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(parts) }))
        res.on("error", reject)
      })
      req.on("error", reject)
      req.end(body)
    })
  const server: Server = createServer((req, res) => {
    const parts: Array<Buffer> = []
    req.on("data", (d: Buffer) => parts.push(d))
    req.on("end", async () => {
      const headers = { "content-type": req.headers["content-type"] ?? "application/json" }
      for (let tries = 0; tries < ports.length; tries++) {
        const port = ports[next++ % ports.length]!
        try {
          const answer = await forward(port, req.method ?? "POST", req.url ?? "/", headers, Buffer.concat(parts))
          forwarded.set(port, (forwarded.get(port) ?? 0) + 1)
          res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body)
          return
        } catch {
          // refused (a dead worker): the next receiver
        }
      }
      res.writeHead(502).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    add: (port: number) => ports.push(port),
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** Runs `f` with a SQL client on the test database. */
export const withSql = <A>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>): Promise<A> =>
  Effect.runPromise(Effect.flatMap(SqlClient.SqlClient, f).pipe(Effect.provide(Pg.client("lemlist-workers-test")), Effect.orDie))

export interface Setup {
  readonly apiKey: string
  readonly mock: { readonly url: string; readonly apiUrl: string }
  readonly schema: string
  readonly prefix: string
  readonly proxy: Awaited<ReturnType<typeof proxy>>
  readonly workers: Array<{ readonly name: string; readonly child: Child; readonly port: number }>
  /** Lets every worker go at once. */
  readonly go: () => void
  /** GET on the mock's admin API. */
  readonly admin: <A>(path: string) => Promise<A>
}

const cleanups: Array<() => Promise<void>> = []

/** Stops what `setup` started, drops the schema, deletes the Redis keys. */
export const cleanup = async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch((e) => console.error("cleanup:", e))
}

/**
 * The mock, the proxy, the journal's schema (migrated, with the write-counting trigger) and
 * `n` workers ready (their receivers listening, registered with the proxy), not started yet.
 */
export const setup = async (options: {
  readonly workers: number
  readonly leads: number
  readonly batchSize: number
  readonly leaseMs: number
  readonly latency: readonly [number, number]
  readonly seed: number
  /** The pacer in Redis, shared by the workers (default), or each worker's own, in memory. */
  readonly sharedPacer?: boolean
  /** The pacer's margin; null: the library's default. */
  readonly margin: string | null
}): Promise<Setup> => {
  const apiKey = "workers-test-key"
  const mockChild = start("mockProcess.ts", [apiKey, String(options.seed), String(options.latency[0]), String(options.latency[1])])
  cleanups.push(async () => {
    mockChild.process.kill("SIGKILL")
    await mockChild.exited
  })
  const mock = JSON.parse(await mockChild.line("{")) as { url: string; apiUrl: string }
  const lb = await proxy()
  cleanups.push(lb.close)

  const schema = Pg.uniqueName("workers_test")
  cleanups.push(() => withSql((sql) => sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`).then(() => undefined))
  // Migrated once here, then a trigger: one row in done_writes per write of an outcome.
  await Effect.runPromise(Layer.build(JournalPg.layer({ url: Pg.databaseUrl(), schema })).pipe(Effect.scoped))
  await withSql((sql) =>
    Effect.all([
      sql.unsafe(`CREATE TABLE ${schema}.done_writes (key text NOT NULL)`),
      sql.unsafe(`CREATE FUNCTION ${schema}.count_done() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.state = 'done' THEN INSERT INTO ${schema}.done_writes (key) VALUES (NEW.key); END IF; RETURN NEW; END $$`),
      sql.unsafe(`CREATE TRIGGER count_done AFTER INSERT OR UPDATE ON ${schema}.leads
        FOR EACH ROW EXECUTE FUNCTION ${schema}.count_done()`)
    ], { discard: true })
  )

  const prefix = testPrefix()
  cleanups.push(async () => {
    const client = new Redis(redisUrl!)
    await deletePrefix(client, prefix)
    await client.quit()
  })

  const token = "workers-test-token"
  const workers = await Promise.all(Array.from({ length: options.workers }, async (_, i) => {
    const name = `worker-${i}`
    const child = start("workerProcess.ts", [JSON.stringify({
      apiUrl: mock.apiUrl,
      apiKey,
      databaseUrl: Redacted.value(Pg.databaseUrl()),
      schema,
      redisUrl,
      prefix,
      leads: options.leads,
      worker: name,
      lease: options.leaseMs,
      batchSize: options.batchSize,
      token,
      publicUrl: lb.url,
      sharedPacer: options.sharedPacer ?? true,
      margin: options.margin
    })])
    cleanups.push(async () => {
      child.process.kill("SIGKILL")
      await child.exited
    })
    const port = Number((await child.line("receiver ")).split(" ")[1])
    return { name, child, port }
  }))
  for (const w of workers) lb.add(w.port)
  return {
    apiKey,
    mock,
    schema,
    prefix,
    proxy: lb,
    workers,
    go: () => workers.forEach((w) => w.child.process.stdin!.write("go\n")),
    admin: async <A>(path: string) => (await (await fetch(`${mock.url}/__mock/${path}`)).json()) as A
  }
}

/** A worker's last line: its stream's count of outcomes, its time and its process's CPU. */
export const result = (w: Setup["workers"][number]) =>
  JSON.parse(w.child.stdout().trim().split("\n").at(-1)!) as { outcomes: number; distinct: number; byTag: Record<string, number>; millis: number; cpuMs: number }

/** What the journal and the mock say once the run is over. */
export const census = async (s: Setup) => {
  const { schema } = s
  const [journal] = await withSql((sql) =>
    sql.unsafe<{ done: number; rows: number; writes: number; written: number; twice: number }>(
      `SELECT (SELECT count(*)::int FROM ${schema}.leads WHERE state = 'done') AS done,
              (SELECT count(*)::int FROM ${schema}.leads) AS rows,
              (SELECT count(*)::int FROM ${schema}.done_writes) AS writes,
              (SELECT count(DISTINCT key)::int FROM ${schema}.done_writes) AS written,
              (SELECT count(*)::int FROM (SELECT key FROM ${schema}.done_writes GROUP BY key HAVING count(*) > 1) t) AS twice`
    )
  )
  const enrichments = await s.admin<Array<{ metadata: unknown }>>(`enrichments?apiKey=${s.apiKey}`)
  const requests = await s.admin<Array<{ route?: string; status: number; time: number }>>("requests")
  const deliveries = await s.admin<Array<{ ok: boolean; time: number }>>("deliveries")
  const bulk = requests.filter((r) => r.route === "bulk")
  const times = bulk.map((r) => r.time).sort((a, b) => a - b)
  return {
    journal: journal!,
    created: enrichments.length,
    createdKeys: new Set(enrichments.map((e) => String(e.metadata))).size,
    createdKeySet: new Set(enrichments.map((e) => String(e.metadata))),
    rateLimited: requests.filter((r) => r.status === 429).length,
    bulk: bulk.length,
    polls: requests.filter((r) => r.route === "getEnrichment").length,
    /** Wall-clock times: the first and last bulk calls, the last webhook answered 2xx. */
    times: { firstBulk: times[0] ?? 0, lastBulk: times.at(-1) ?? 0, lastDelivery: Math.max(0, ...deliveries.filter((d) => d.ok).map((d) => d.time)) },
    /** Bulk calls per second from the first to the last, over lemlist's 10. */
    share: times.length < 2 ? 0 : ((times.length - 1) * 1000) / (times.at(-1)! - times[0]!) / 10
  }
}
