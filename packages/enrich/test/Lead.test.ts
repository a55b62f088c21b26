/**
 * `Lead.keyOf`: a journal written by an earlier version must keep its keys, so the keys are pinned,
 * and the direct writing of a plain lead's text must agree with `canonicalJson` on any input.
 */
import { Lead } from "@lemlist-effect/enrich"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { createHash } from "node:crypto"

const seed = process.env.FC_SEED === "random" ? undefined : Number(process.env.FC_SEED ?? 20_261_130)

/** The key as `keyOf` was first defined: the SHA-256 of the canonical JSON, 32 hex digits. */
const reference = (input: unknown, types: ReadonlyArray<string>) =>
  createHash("sha256").update(Lead.canonicalJson({ input, types: [...types].sort() })).digest("hex").slice(0, 32)

describe("Lead.keyOf", () => {
  it("gives the keys earlier versions gave (a journal keeps resuming across upgrades)", () => {
    assert.strictEqual(Lead.keyOf({ input: { email: "ada@example.com" } }, ["verify"]), "4baac53f092d696ea1fd5407d59b23f7")
    assert.strictEqual(
      Lead.keyOf({
        input: { lastName: "Lovelace", firstName: "Ada", companyDomain: "example.com", email: undefined },
        types: ["find_phone", "find_email"]
      }, ["verify"]),
      "fa618d3238f55db9291a4b2e8881c350"
    )
    assert.strictEqual(
      Lead.keyOf({ input: { firstName: "Zoë \"the\" \u2028 ✓", companyName: "Ü" } }, ["find_email"]),
      "2cdebbc87e5d85eabd825f8ec45686f5"
    )
    assert.strictEqual(Lead.keyOf({ input: {}, key: "row-7" }, ["verify"]), "row-7")
  })

  it("agrees with the canonical JSON's hash on any input, plain or not", () => {
    const text = fc.string({ unit: "grapheme-composite" })
    const plain = fc.dictionary(fc.oneof(text, fc.constantFrom("__proto__", "toJSON", "email", "a", "B")), fc.option(text, { nil: undefined }))
    const odd = fc.dictionary(text, fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(text), fc.dictionary(text, text)))
    const types = fc.array(fc.constantFrom("find_email", "find_phone", "verify", "linkedin_enrichment"), { minLength: 1, maxLength: 4 })
    fc.assert(
      fc.property(fc.oneof(plain, odd), types, (input, ts) => {
        assert.strictEqual(Lead.keyOf({ input: input as Lead.Lead["input"], types: ts as Lead.Lead["types"] }, ["verify"]), reference(input, ts))
      }),
      { numRuns: 2_000, ...(seed === undefined ? {} : { seed }) }
    )
  })
})
