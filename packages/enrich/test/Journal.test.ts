import { Journal, Outcome } from "@lemlist-effect/enrich"
import { JournalSqlite } from "@lemlist-effect/enrich/sqlite"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, Either, Layer, Option } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

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

const enriched = (key: string) =>
  new Outcome.Enriched({
    key,
    metadata: { row: 1 },
    enrichmentId: "enr_AAAAAAAAAAAAAAAAA",
    result: { find_email: { found: true, value: { email: "a@b.co", status: "deliverable" } } }
  })

const suite = (name: string, layer: () => Layer.Layer<Journal.Journal, unknown>) =>
  describe(name, () => {
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

  it.effect("a file that is not a database is a typed JournalError", () =>
    Effect.gen(function*() {
      const filename = join(tempDir(), "bad.sqlite")
      writeFileSync(filename, "this is not sqlite ".repeat(100))
      const result = yield* Effect.either(JournalSqlite.summarize(filename))
      assert.isTrue(Either.isLeft(result) && result.left._tag === "JournalError")
    }))
})
