import { Validation } from "@lemlist-effect/contract"
import { assert, describe, it } from "@effect/vitest"

const item = (over: Record<string, unknown> = {}) => ({
  input: { email: "ada@example.com" },
  enrichmentRequests: ["verify"],
  ...over
})

const batchCode = (body: unknown) => {
  const verdict = Validation.validateBulk(body)
  return verdict._tag === "BatchRejected" ? verdict.code : undefined
}

describe("validateBulk: whole-batch codes in DECISIONS.md #1 order", () => {
  it.each([
    ["not an array", { a: 1 }, "WRONG_BODY_FORMAT"],
    ["not JSON", undefined, "WRONG_BODY_FORMAT"],
    ["empty", [], "NO_ENRICHMENTS_REQUESTED"],
    ["501 items", Array.from({ length: 501 }, () => item()), "TOO_MANY_ENRICHMENTS_REQUESTED"],
    ["an item that is not an object", [5], "WRONG_ENRICHMENT_REQUEST_FORMAT"],
    ["enrichmentRequests a string", [item({ enrichmentRequests: "verify" })], "WRONG_ENRICHMENT_REQUEST_FORMAT"],
    ["enrichmentRequests empty", [item({ enrichmentRequests: [] })], "NO_WORKFLOW_REQUESTED"],
    ["an unknown workflow", [item({ enrichmentRequests: ["verify", "find_address"] })], "UNAUTHORIZED_WORKFLOW_REQUESTED"],
    ["input missing", [item({ input: undefined })], "WRONG_INPUT_FORMAT"],
    ["input an array", [item({ input: ["a"] })], "WRONG_INPUT_FORMAT"],
    ["input without a known field", [item({ input: { nickname: "ada" } })], "WRONG_INPUT_FORMAT"],
    ["input with only empty strings", [item({ input: { email: "  " } })], "WRONG_INPUT_FORMAT"],
    ["a known field of the wrong type", [item({ input: { email: "a@b.co", firstName: 3 } })], "WRONG_INPUT_FORMAT"],
    ["metadata null", [item({ metadata: null })], "WRONG_METADATA_FORMAT"],
    ["metadata an array", [item({ metadata: [1] })], "WRONG_METADATA_FORMAT"],
    ["metadata a number", [item({ metadata: 1 })], "WRONG_METADATA_FORMAT"]
  ])("%s", (_, body, code) => assert.strictEqual(batchCode(body), code))

  it("the first faulty item decides, whatever comes after", () => {
    assert.strictEqual(batchCode([item(), item({ metadata: 1 }), item({ enrichmentRequests: [] })]), "WRONG_METADATA_FORMAT")
  })

  it("500 valid items pass", () => assert.isUndefined(batchCode(Array.from({ length: 500 }, () => item()))))
})

describe("missing inputs: per item, first failing workflow in request order (DECISIONS.md #2, #3)", () => {
  it.each([
    [["verify"], { firstName: "A" }, "MISSING_EMAIL"],
    [["find_phone"], { email: "a@b.co" }, "MISSING_INPUTS"],
    [["find_email"], { firstName: "A", lastName: "B", companyName: "C" }, "MISSING_INPUTS"],
    [["find_email"], { firstName: "A", lastName: "B", companyName: "C", companyDomain: "c.co" }, undefined],
    [["find_email"], { linkedinUrl: "https://www.linkedin.com/in/a" }, undefined],
    [["linkedin_enrichment"], { firstName: "A", lastName: "B" }, "MISSING_LINKEDIN_URL"],
    [["linkedin_enrichment"], { firstName: "A", lastName: "B", companyDomain: "c.co" }, undefined],
    [["linkedin_enrichment"], { email: "a@b.co" }, undefined],
    [["verify", "find_phone"], { firstName: "A" }, "MISSING_EMAIL"],
    [["find_phone", "verify"], { firstName: "A" }, "MISSING_INPUTS"]
  ] as const)("%j with %j", (types, input, code) => {
    assert.strictEqual(Validation.missingInput(input, types), code)
    const verdict = Validation.validateBulk([{ input, enrichmentRequests: types, metadata: "m" }])
    assert.strictEqual(verdict._tag, "Items")
    if (verdict._tag === "Items") {
      const [only] = verdict.items
      assert.strictEqual(only!._tag, code === undefined ? "Accepted" : "MissingInput")
      assert.strictEqual(only!.metadata, "m")
    }
  })

  it("validateItem answers the same code the batch would", () => {
    assert.strictEqual(Validation.validateItem(item({ metadata: null })), "WRONG_METADATA_FORMAT")
    assert.strictEqual(Validation.validateItem(item({ input: { firstName: "A" } })), "MISSING_EMAIL")
    assert.isUndefined(Validation.validateItem(item()))
  })

  it("accepted items keep only the known string fields", () => {
    const verdict = Validation.validateBulk([item({ input: { email: "a@b.co", nickname: "x" } })])
    assert.deepStrictEqual(verdict._tag === "Items" && verdict.items[0], {
      _tag: "Accepted",
      input: { email: "a@b.co" },
      types: ["verify"],
      metadata: undefined
    })
  })
})

describe("runnableTypes: each workflow judged alone, by the same rules", () => {
  it("keeps the runnable ones and names why the others cannot run, in request order", () => {
    const { runnable, skipped } = Validation.runnableTypes(
      { email: "a@b.co" },
      ["find_email", "verify", "find_phone", "verify", "linkedin_enrichment"]
    )
    assert.deepStrictEqual(runnable, ["verify", "linkedin_enrichment"])
    assert.deepStrictEqual(skipped.map((s) => [s.type, s.code]), [["find_email", "MISSING_INPUTS"], ["find_phone", "MISSING_INPUTS"]])
    assert.match(skipped[1]!.description, /^find_phone needs a LinkedIn URL/)
  })

  it("agrees with missingInput on every input shape and every single workflow", () => {
    const fields = ["linkedinUrl", "email", "companyName", "companyDomain", "firstName", "lastName"] as const
    for (let mask = 0; mask < 1 << fields.length; mask++) {
      const input = Object.fromEntries(fields.filter((_, i) => mask & (1 << i)).map((f) => [f, "x"]))
      for (const type of ["find_email", "find_phone", "verify", "linkedin_enrichment"] as const) {
        const code = Validation.missingInput(input, [type])
        assert.strictEqual(Validation.missingInputFor(input, type), code)
        const { runnable, skipped } = Validation.runnableTypes(input, [type])
        assert.deepStrictEqual(runnable, code === undefined ? [type] : [])
        assert.deepStrictEqual(skipped.map((s) => s.code), code === undefined ? [] : [code])
      }
    }
  })
})
