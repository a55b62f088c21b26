import * as SqlClient from "@effect/sql/SqlClient"
import { Journal } from "@lemlist-effect/enrich"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Either, Fiber, Layer, Option, Stream, Tracer } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Pg from "./support/postgres.js"
import { enriched as enrichedOutcome } from "./support/outcomes.js"

const dirs: Array<string> = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "journal-"))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const tempFile = () => join(tempDir(), "run.sqlite")

const enriched = (key: string) => enrichedOutcome(key, { row: 1 })

/** The same cases against every engine (`skip`: the engine is not available here). */
const suite = (name: string, layer: () => Layer.Layer<Journal.Journal, unknown>, skip = false) =>
  describe.skipIf(skip)(name, () => {
    it.effect("moves a lead through submitting, submitted and done", () =>
      Effect.gen(function*() {
        const journal = yield* Journal.Journal
        yield* journal.markSubmitting([{ key: "a", types: ["find_email"] }, { key: "b", types: ["verify"] }])
        assert.deepStrictEqual((yield* journal.lookup(["a"])).get("a"), { _tag: "Submitting", types: ["find_email"] })
        yield* journal.recordSubmitted([{ key: "a", enrichmentId: "enr_1", types: ["find_email"] }])
        assert.deepStrictEqual((yield* journal.lookup(["a"])).get("a"), {
          _tag: "Submitted",
          enrichmentId: "enr_1",
          types: ["find_email"]
        })
        yield* journal.recordOutcomes([enriched("a")])
        const done = (yield* journal.lookup(["a", "b", "c"]))
        assert.strictEqual(done.get("a")?._tag, "Done")
        const entry = done.get("a")
        assert.deepStrictEqual(entry?._tag === "Done" ? entry.outcome : undefined, enriched("a"))
        assert.isFalse(done.has("c"))
        assert.deepStrictEqual(yield* journal.summary, {
          total: 2,
          submitting: 1,
          submitted: 0,
          done: 1,
          outcomes: { Enriched: 1 }
        })
      }).pipe(Effect.provide(layer())))

    it.effect("release forgets leads whose submit surely did nothing, and only those", () =>
      Effect.gen(function*() {
        const journal = yield* Journal.Journal
        yield* journal.markSubmitting([{ key: "a", types: ["verify"] }, { key: "b", types: ["verify"] }])
        yield* journal.recordSubmitted([{ key: "b", enrichmentId: "enr_2", types: ["verify"] }])
        yield* journal.release(["a", "b"])
        const entries = yield* journal.lookup(["a", "b"])
        assert.isFalse(entries.has("a"))
        assert.strictEqual(entries.get("b")?._tag, "Submitted")
      }).pipe(Effect.provide(layer())))

    it.effect("keeps facts about the run by name, the last write winning", () =>
      Effect.gen(function*() {
        const journal = yield* Journal.Journal
        assert.isTrue(Option.isNone(yield* journal.getMeta("webhook")))
        yield* journal.setMeta("webhook", "one")
        yield* journal.setMeta("webhook", "two")
        assert.deepStrictEqual(yield* journal.getMeta("webhook"), Option.some("two"))
      }).pipe(Effect.provide(layer())))

    it.live("wakes those listening when outcomes are recorded", () =>
      Effect.gen(function*() {
        const journal = yield* Journal.Journal
        const woken = yield* journal.outcomesRecorded.pipe(Stream.take(1), Stream.runDrain, Effect.fork)
        // A wake-up sent before the subscription is up is missed (as documented): write until heard.
        for (let i = 0; i < 100 && Option.isNone(yield* Fiber.poll(woken)); i++) {
          yield* journal.recordOutcomes([enriched(`w${i}`)])
          yield* Effect.sleep("20 millis")
        }
        assert.isTrue(Option.isSome(yield* Fiber.poll(woken)))
      }).pipe(Effect.provide(layer())))

    it.effect("looks up more keys than SQLite binds in one statement", () =>
      Effect.gen(function*() {
        const journal = yield* Journal.Journal
        const keys = Array.from({ length: 2_345 }, (_, i) => `k${i}`)
        yield* journal.markSubmitting(keys.map((key) => ({ key, types: ["verify"] })))
        assert.strictEqual((yield* journal.lookup(keys)).size, 2_345)
      }).pipe(Effect.provide(layer())))
  })

suite("Journal.layerMemory", () => Journal.layerMemory)
suite("JournalSqlite.layer", () => JournalSqlite.layer({ filename: tempFile() }))
suite("JournalPg.layer", () => Pg.freshJournal().layer, Pg.skipped !== undefined)

/** What the SQL engines read back is decoded by Schema: a malformed row is a typed error. */
const rowsSuite = (
  name: string,
  make: () => { readonly layer: Layer.Layer<Journal.Journal | SqlClient.SqlClient, unknown>; readonly leads: string },
  skip = false
) =>
  describe.skipIf(skip)(name, () => {
    it.effect("a malformed row is a typed JournalError, whatever is wrong with it", () => {
      const { layer, leads } = make()
      return Effect.gen(function*() {
        const journal = yield* Journal.Journal
        const sql = yield* SqlClient.SqlClient
        const table = sql(leads)
        const lookupError = Effect.gen(function*() {
          const result = yield* Effect.either(journal.lookup(["a"]))
          assert.isTrue(Either.isLeft(result))
          if (Either.isLeft(result)) {
            assert.strictEqual(result.left._tag, "JournalError")
            assert.strictEqual(result.left.operation, "lookup")
          }
        })
        yield* journal.markSubmitting([{ key: "a", types: ["verify"] }])
        yield* sql`UPDATE ${table} SET types = 'not json' WHERE key = 'a'`
        yield* lookupError
        yield* sql`UPDATE ${table} SET types = '["teleport"]' WHERE key = 'a'`
        yield* lookupError
        yield* sql`UPDATE ${table} SET types = '["verify"]', state = 'done' WHERE key = 'a'` // done, no outcome
        yield* lookupError
        yield* sql`UPDATE ${table} SET outcome = '{"_tag":"Enriched"}' WHERE key = 'a'`
        yield* lookupError
        yield* journal.recordOutcomes([enriched("a")])
        assert.strictEqual((yield* journal.lookup(["a"])).get("a")?._tag, "Done", "a good row decodes again")
      }).pipe(Effect.provide(layer))
    })
  })

rowsSuite("JournalSqlite rows", () => ({
  layer: JournalSqlite.layerFromClient.pipe(Layer.provideMerge(JournalSqlite.layerClient({ filename: tempFile() }))),
  leads: "leads"
}))
rowsSuite("JournalPg rows", () => {
  const { layer, schema } = Pg.freshJournal()
  return { layer, leads: `${schema}.leads` }
}, Pg.skipped !== undefined)

describe("JournalSqlite.layer across processes' lifetimes", () => {
  it.effect("a second opening of the same file sees what the first wrote (migrations run once)", () =>
    Effect.gen(function*() {
      const filename = tempFile()
      yield* Effect.flatMap(Journal.Journal, (j) => j.recordOutcomes([enriched("x")])).pipe(
        Effect.provide(JournalSqlite.layer({ filename }))
      )
      const summary = yield* JournalSqlite.summarize(filename)
      assert.strictEqual(summary.done, 1)
    }))

  it.effect("a journal written before migration 0004 opens with its leads, without the index on state", () =>
    Effect.gen(function*() {
      const filename = tempFile()
      const indexes = Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads' AND sql IS NOT NULL`)
      // The file as 0.x left it: the index of 0001 still there, 0004 not run yet.
      yield* Effect.gen(function*() {
        const j = yield* Journal.Journal
        yield* j.recordOutcomes([enriched("old")])
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE INDEX leads_state ON leads (state)`
        yield* sql`DELETE FROM lemlist_enrich_migrations WHERE migration_id = 4`
        assert.deepStrictEqual((yield* indexes).map((i) => i.name), ["leads_state"])
      }).pipe(Effect.provide(JournalSqlite.layerFromClient.pipe(Layer.provideMerge(JournalSqlite.layerClient({ filename })))))
      const after = yield* Effect.gen(function*() {
        const j = yield* Journal.Journal
        return { entries: yield* j.lookup(["old"]), indexes: yield* indexes }
      }).pipe(Effect.provide(JournalSqlite.layerFromClient.pipe(Layer.provideMerge(JournalSqlite.layerClient({ filename })))))
      assert.deepStrictEqual(after.indexes, [])
      assert.strictEqual(after.entries.get("old")?._tag, "Done")
    }))

  it.effect("its connection checkpoints the write-ahead log every 10,000 pages, not SQLite's 1,000", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`
      assert.strictEqual(row?.wal_autocheckpoint, 10_000)
    }).pipe(Effect.provide(JournalSqlite.layerClient({ filename: tempFile() }))))

  it.effect("the connection's level is set, not SQLite's default: NORMAL (FULL for submissions), or FULL for every commit", () =>
    Effect.gen(function*() {
      // SQLite's own default is "normal" on a connection that finds the file in WAL mode already.
      const synchronous = Effect.map(
        SqlClient.SqlClient,
        (sql) => Effect.map(sql<{ synchronous: number }>`PRAGMA synchronous`, ([row]) => row?.synchronous)
      ).pipe(Effect.flatten)
      const filename = tempFile()
      const reads = (options: Partial<JournalSqlite.ClientOptions>) =>
        Effect.provide(synchronous, JournalSqlite.layerClient({ filename, ...options }))
      assert.strictEqual(yield* reads({ sync: "every-commit" }), 2, "a new file")
      assert.strictEqual(yield* reads({ sync: "every-commit" }), 2, "the same file, now in WAL mode")
      assert.strictEqual(yield* reads({}), 1)
      assert.strictEqual(yield* reads({ sync: "submissions" }), 1)
    }))

  /** The SQL statements `self` runs, in order (`@effect/sql` names each in its span). */
  const statementsOf = <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      const statements: Array<string> = []
      const native = yield* Effect.tracer
      const recording = Tracer.make({
        span: (...args) => {
          const span = native.span(...args)
          const attribute = span.attribute.bind(span)
          span.attribute = (key, value) => {
            if (key === "db.query.text") statements.push(String(value).replace(/\s+/g, " ").slice(0, 80))
            attribute(key, value)
          }
          return span
        },
        context: native.context
      })
      yield* Effect.withTracer(self, recording)
      return statements
    })

  /** A statement as the tests below tell them apart. */
  const kind = (statement: string) =>
    statement.startsWith("PRAGMA")
      ? statement
      : statement.startsWith(`INSERT INTO "leads"`)
      ? statement.includes(`"types","updated_at"`) ? "INSERT submitting" : "INSERT submitted"
      : statement

  it.effect("sync: submissions: a submission is written under FULL (synced with all before it), the level restored after", () =>
    Effect.gen(function*() {
      const filename = tempFile()
      const writes = Effect.gen(function*() {
        const j = yield* Journal.Journal
        return yield* statementsOf(Effect.zipRight(
          j.markSubmitting([{ key: "a", types: ["find_email"] }]),
          j.recordSubmitted([{ key: "a", types: ["find_email"], enrichmentId: "enr_a" }])
        ))
      })
      const submissions = yield* Effect.provide(writes, JournalSqlite.layer({ filename }))
      assert.deepStrictEqual(submissions.map(kind), [
        "PRAGMA synchronous = FULL",
        "INSERT submitting",
        "PRAGMA synchronous = 1",
        "INSERT submitted"
      ])
      const everyCommit = yield* Effect.provide(writes, JournalSqlite.layer({ filename, sync: "every-commit" }))
      assert.strictEqual(everyCommit.filter((s) => s.startsWith("PRAGMA")).length, 0, "already FULL: nothing to raise")
    }))

  it.effect("on a connection the journal did not open, a submission is raised to FULL too, and its level set back", () =>
    Effect.gen(function*() {
      const filename = tempFile()
      const submit = Effect.flatMap(Journal.Journal, (j) => j.markSubmitting([{ key: "b", types: ["find_email"] }]))
      const bare = JournalSqlite.layerFromClient.pipe(Layer.provide(SqliteClient.layer({ filename })))
      for (const opening of ["a new file", "the file again, in WAL mode"]) {
        const statements = (yield* statementsOf(Effect.provide(submit, bare))).map(kind)
        assert.deepStrictEqual(statements.slice(-4), [
          "PRAGMA synchronous = 1",
          "PRAGMA synchronous = FULL",
          "INSERT submitting",
          "PRAGMA synchronous = 1"
        ], opening)
      }
    }))

  it.effect("a file that is not a database is a typed JournalError", () =>
    Effect.gen(function*() {
      const filename = join(tempDir(), "bad.sqlite")
      writeFileSync(filename, "this is not sqlite ".repeat(100))
      const result = yield* Effect.either(JournalSqlite.summarize(filename))
      assert.isTrue(Either.isLeft(result) && result.left._tag === "JournalError")
    }))
})
