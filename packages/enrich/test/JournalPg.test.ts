/**
 * The PostgreSQL journal beyond the shared cases of `Journal.test.ts`: typed connection
 * failures, schemas that keep runs apart, workers migrating together, a run stopped and
 * resumed, and its connections killed mid-run (`pg_terminate_backend`).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Enrichment, Journal, type Lead, Outcome } from "@lemlist-effect/enrich"
import { JournalPg } from "@lemlist-effect/enrich/pg"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Context, Effect, Either, Exit, Layer, Option, Random, Redacted, Stream } from "effect"
import { driven } from "./support/drive.js"
import { makeFake } from "./support/FakeLemlist.js"
import * as Pg from "./support/postgres.js"
import { enriched } from "./support/outcomes.js"

const leads: ReadonlyArray<Lead.Lead> = Array.from({ length: 600 }, (_, i) => ({
  input: { linkedinUrl: `https://www.linkedin.com/in/lead-${i}` },
  metadata: i
}))
const options: Enrichment.Options = { types: ["find_email"], batchSize: 50, creditCheck: "off" }

describe("JournalPg failures to open", () => {
  it.effect("a server that does not answer is a typed JournalError (connect), quickly", () =>
    Effect.gen(function*() {
      const result = yield* Effect.flatMap(Journal.Journal, (j) => j.summary).pipe(
        Effect.provide(JournalPg.layer({ url: Redacted.make("postgres://postgres@127.0.0.1:1/test"), connectTimeout: "2 seconds" })),
        Effect.either
      )
      assert.isTrue(Either.isLeft(result) && result.left._tag === "JournalError" && result.left.operation === "connect")
    }))
})

/** Checks the run's journal and the fake lemlist after a final run: whole, nothing sent twice. */
const assertComplete = (final: ReadonlyArray<Outcome.Outcome>, fake: ReturnType<typeof makeFake>) => {
  assert.strictEqual(final.length, leads.length)
  assert.strictEqual(new Set(final.map((o) => o.metadata)).size, leads.length)
  assert.isTrue(final.every((o) => o._tag === "Enriched"), "no lead left undetermined")
  assert.strictEqual(fake.submittedKeys.length, new Set(fake.submittedKeys).size, "no lead sent twice")
  assert.strictEqual(new Set(fake.submittedKeys).size, leads.length)
}

describe.skipIf(Pg.skipped !== undefined)("JournalPg on a live server", () => {
  /** A schema of the test's own, dropped when the test ends (through a client of its own). */
  const scopedSchema = Effect.gen(function*() {
    const schema = Pg.uniqueName("journal_test")
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`).pipe(
        Effect.provide(Pg.client()),
        Effect.orDie
      )
    )
    return schema
  })

  it.effect("a schema name that is not a plain identifier is refused, typed", () =>
    Effect.gen(function*() {
      const result = yield* Effect.flatMap(Journal.Journal, (j) => j.summary).pipe(
        Effect.provide(JournalPg.layer({ url: Pg.databaseUrl(), schema: "a.b; drop" })),
        Effect.either
      )
      assert.isTrue(Either.isLeft(result) && result.left._tag === "JournalError" && result.left.operation === "open")
    }))

  it.scoped("two schemas of one database are two journals", () =>
    Effect.gen(function*() {
      const [a, b] = [yield* scopedSchema, yield* scopedSchema]
      const write = (schema: string, n: number) =>
        Effect.flatMap(Journal.Journal, (j) => j.markSubmitting(Array.from({ length: n }, (_, i) => ({ key: `k${i}`, types: ["verify"] })))).pipe(
          Effect.provide(JournalPg.layer({ url: Pg.databaseUrl(), schema }))
        )
      const total = (schema: string) =>
        Effect.flatMap(Journal.Journal, (j) => j.summary).pipe(
          Effect.map((s) => s.total),
          Effect.provide(JournalPg.layer({ url: Pg.databaseUrl(), schema }))
        )
      yield* write(a, 3)
      yield* write(b, 5)
      assert.deepStrictEqual([yield* total(a), yield* total(b)], [3, 5])
    }))

  it.scoped("workers opening one new schema together migrate it once and share it", () =>
    Effect.gen(function*() {
      const schema = yield* scopedSchema
      const worker = (i: number) =>
        Effect.flatMap(Journal.Journal, (j) => j.recordOutcomes([]).pipe(Effect.zipRight(j.setMeta(`worker${i}`, "up")))).pipe(
          Effect.provide(JournalPg.layer({ url: Pg.databaseUrl(), schema }))
        )
      yield* Effect.forEach([0, 1, 2, 3], worker, { concurrency: "unbounded" })
      const migrations = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ n: number }>`SELECT CAST(count(*) AS INTEGER) AS n FROM ${sql(`${schema}.lemlist_enrich_migrations`)}`).pipe(
          Effect.provide(Pg.client())
        )
      assert.strictEqual(migrations[0]?.n, 4, "0001_leads, 0002_meta, 0003_claims, 0004_drop_leads_state, once each")
      const meta = yield* Effect.flatMap(Journal.Journal, (j) => Effect.forEach([0, 1, 2, 3], (i) => j.getMeta(`worker${i}`))).pipe(
        Effect.provide(JournalPg.layer({ url: Pg.databaseUrl(), schema }))
      )
      assert.isTrue(meta.every((value) => value._tag === "Some"))
    }))

  it.scopedLive("outcomes recorded by another process wake this one (LISTEN/NOTIFY) naming their keys, another schema's do not", () =>
    Effect.gen(function*() {
      const [schema, other] = [yield* scopedSchema, yield* scopedSchema]
      // Three processes' journals: each its own pool (and listening connection).
      const open = (s: string) =>
        Layer.build(JournalPg.layer({ url: Pg.databaseUrl(), schema: s })).pipe(Effect.map(Context.get(Journal.Journal)))
      const [listener, writer, stranger] = [yield* open(schema), yield* open(schema), yield* open(other)]
      let wakes = 0
      const named: Array<ReadonlyArray<string>> = []
      yield* listener.outcomesRecorded.pipe(
        Stream.runForEach((keys) =>
          Effect.sync(() => {
            wakes++
            named.push(keys)
          })
        ),
        Effect.forkScoped
      )
      // A wake-up sent before LISTEN is up is missed (as documented): write until one is heard.
      for (let i = 0; i < 100 && wakes === 0; i++) {
        yield* writer.recordOutcomes([enriched(`w${i}`)])
        yield* Effect.sleep("20 millis")
      }
      assert.isAbove(wakes, 0, "the writer's outcomes woke the listener")
      yield* Effect.sleep("100 millis")
      wakes = 0
      for (let i = 0; i < 5; i++) {
        yield* stranger.recordOutcomes([enriched(`s${i}`)])
        yield* Effect.sleep("40 millis")
      }
      assert.strictEqual(wakes, 0, "another schema's outcomes wake no one here")
      yield* writer.recordOutcomes([enriched("last")])
      for (let i = 0; i < 100 && wakes === 0; i++) yield* Effect.sleep("20 millis")
      assert.strictEqual(wakes, 1, "one write, one wake-up")
      assert.deepStrictEqual(named.at(-1), ["last"], "naming the key")
      assert.strictEqual((yield* listener.lookup(["w0"])).get("w0")?._tag, "Done", "and the journal has them")
      // 250 keys of 40 bytes do not fit one notification (8,000 bytes): several name them all;
      // a key longer than a notification is not named, and a notice of the schema alone says so.
      const many = Array.from({ length: 250 }, (_, i) => `k${String(i).padStart(39, "0")}`)
      const long = "x".repeat(9_000)
      named.length = 0
      yield* writer.recordOutcomes([...many, long].map(enriched))
      for (let i = 0; i < 100 && named.flat().length < many.length; i++) yield* Effect.sleep("20 millis")
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(named.flat().sort(), [...many].sort(), "every key that fits named once")
      assert.isAbove(named.filter((keys) => keys.length > 0).length, 1, "in several notifications")
      assert.isTrue(named.some((keys) => keys.length === 0), "and one naming none, for the long key")
    }))

  it.scoped("stopping at random points, then rerunning: every outcome, nothing sent twice", () =>
    Effect.gen(function*() {
      const fake = makeFake({ pollsBeforeDone: 3 })
      const schema = yield* scopedSchema
      // Each run opens the journal anew, as a restarted process would.
      const live = Layer.merge(JournalPg.layer({ url: Pg.databaseUrl(), schema }), fake.layer)
      for (let i = 0; i < 6; i++) {
        yield* Enrichment.run(leads, options).pipe(
          Stream.take(yield* Random.nextIntBetween(0, leads.length)),
          Stream.runDrain,
          driven,
          Effect.provide(live)
        )
        yield* Enrichment.run(leads, options).pipe(
          Stream.runDrain,
          Effect.timeout(`${(yield* Random.nextIntBetween(1, 40)) * 100} millis`),
          Effect.ignore,
          driven,
          Effect.provide(live)
        )
      }
      const final = yield* Enrichment.run(leads, options).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray), driven, Effect.provide(live))
      assertComplete(final, fake)
      const summary = yield* Effect.flatMap(Journal.Journal, (j) => j.summary).pipe(Effect.provide(live))
      assert.deepStrictEqual(summary.outcomes, { Enriched: leads.length })
    }), { timeout: 60_000 })

  it.scoped("its connections killed mid-run: the run reconnects or stops typed, a rerun loses nothing", () =>
    Effect.gen(function*() {
      const fake = makeFake({ pollsBeforeDone: 3 })
      const schema = yield* scopedSchema
      const application = Pg.uniqueName("journal_kill")
      // The run's own client, named so that another connection can find its backends.
      const live = Layer.merge(JournalPg.layerFromClient({ schema }).pipe(Layer.provide(Pg.client(application))), fake.layer)
      const admin = Context.get(yield* Layer.build(Pg.client()), SqlClient.SqlClient)
      let killed = 0
      // Materialized first: in a plain WHERE, PostgreSQL may call pg_terminate_backend on rows
      // the application_name test has not filtered out yet.
      const kill = admin<{ n: number }>`WITH targets AS MATERIALIZED (
          SELECT pid FROM pg_stat_activity WHERE application_name = ${application} AND pid <> pg_backend_pid()
        ) SELECT CAST(count(*) FILTER (WHERE pg_terminate_backend(pid)) AS INTEGER) AS n FROM targets`.pipe(
        Effect.tap((rows) => Effect.sync(() => killed += rows[0]?.n ?? 0)),
        Effect.orDie
      )
      let seen = 0
      const first = yield* Enrichment.run(leads, options).pipe(
        Stream.tap(() => ++seen === 100 || seen === 300 || seen === 500 ? kill : Effect.void),
        Stream.runDrain,
        driven,
        Effect.provide(live),
        Effect.exit
      )
      assert.isTrue(killed >= 3, `killed ${killed} backends`)
      if (Exit.isFailure(first)) {
        const error = Cause.failureOption(first.cause)
        assert.isTrue(Option.isSome(error) && error.value._tag === "JournalError", `stopped by ${Cause.pretty(first.cause)}`)
      }
      const final = yield* Enrichment.run(leads, options).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray), driven, Effect.provide(live))
      assertComplete(final, fake)
    }), { timeout: 60_000 })
})
