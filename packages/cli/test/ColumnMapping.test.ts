import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ColumnMapping from "../src/ColumnMapping.js"

describe("ColumnMapping.automatic", () => {
  it("maps the usual header spellings", () => {
    const spellings: ReadonlyArray<readonly [ReadonlyArray<string>, Record<string, number>]> = [
      [["First Name", "Last Name", "Company", "Website", "Email", "LinkedIn URL", "Job Title"], {
        firstName: 0, lastName: 1, companyName: 2, companyDomain: 3, email: 4, linkedinUrl: 5, jobTitle: 6
      }],
      [["first_name", "last_name", "company_name", "company_domain", "e-mail", "linkedin_url", "title", "location"], {
        firstName: 0, lastName: 1, companyName: 2, companyDomain: 3, email: 4, linkedinUrl: 5, jobTitle: 6, location: 7
      }],
      [["firstname", "lastname", "Company Name", "domain", "E-Mail Address", "linkedin", "job title", "City"], {
        firstName: 0, lastName: 1, companyName: 2, companyDomain: 3, email: 4, linkedinUrl: 5, jobTitle: 6, location: 7
      }],
      [["Full Name", "Organization", "website", "Work Email"], { fullName: 0, companyName: 1, companyDomain: 2, email: 3 }]
    ]
    for (const [headers, expected] of spellings) {
      assert.deepStrictEqual(ColumnMapping.automatic(headers).columns, expected, headers.join(","))
    }
  })

  it("prefers a domain column over a website column", () => {
    assert.deepStrictEqual(ColumnMapping.automatic(["Website", "Company Domain"]).columns, { companyDomain: 1 })
  })
})

describe("ColumnMapping.resolve", () => {
  const headers = ["Prénom", "Nom de famille", "Société", "Site", "Workflows"]

  it.effect("--map overrides and unmaps; --types-column names the workflows column", () =>
    Effect.gen(function*() {
      const mapping = yield* ColumnMapping.resolve({
        path: "x.csv",
        headers,
        overrides: [["first_name", "Prénom"], ["lastName", "nom de famille"], ["companyName", "Société"], ["companyDomain", "Site"]],
        typesColumn: "workflows"
      })
      assert.deepStrictEqual(mapping.columns, { firstName: 0, lastName: 1, companyName: 2, companyDomain: 3 })
      assert.strictEqual(mapping.typesColumn, 4)
      const unmapped = yield* ColumnMapping.resolve({ path: "x.csv", headers: ["Email", "Website"], overrides: [["email", ""]] })
      assert.deepStrictEqual(unmapped.columns, { companyDomain: 1 })
    }))

  it.effect("fails clearly on unknown fields, unknown columns and headers with nothing usable", () =>
    Effect.gen(function*() {
      const unknownField = yield* Effect.either(ColumnMapping.resolve({ path: "x.csv", headers, overrides: [["shoeSize", "Site"]] }))
      assert.isTrue(Either.isLeft(unknownField) && unknownField.left._tag === "BadMapping" && /unknown field "shoeSize"/.test(unknownField.left.message))
      const unknownColumn = yield* Effect.either(ColumnMapping.resolve({ path: "x.csv", headers, overrides: [["email", "Mail"]] }))
      assert.isTrue(Either.isLeft(unknownColumn) && /no column "Mail"/.test(unknownColumn.left.message))
      const nothing = yield* Effect.either(ColumnMapping.resolve({ path: "x.csv", headers: ["id", "notes"] }))
      assert.isTrue(Either.isLeft(nothing) && nothing.left._tag === "NoUsableColumns")
    }))
})

describe("ColumnMapping.toLead", () => {
  const mapping = ColumnMapping.automatic(["Name", "Company", "Website", "LinkedIn", "Types"])

  it("normalises websites to domains and LinkedIn URLs to https, splits full names", () => {
    const lead = ColumnMapping.toLead(mapping, ["Ada  Lovelace King", "Analytical", "https://www.Analytical.example:443/x?y", "linkedin.com/in/ada", ""], ["find_email"])
    assert.deepStrictEqual(lead, {
      _tag: "Lead",
      input: {
        firstName: "Ada",
        lastName: "Lovelace King",
        companyName: "Analytical",
        companyDomain: "analytical.example",
        linkedinUrl: "https://linkedin.com/in/ada"
      },
      types: ["find_email"]
    })
  })

  it("skips rows with a wrong field count, or unknown types in the types column", () => {
    const withTypes = { ...mapping, typesColumn: 4 }
    assert.deepStrictEqual(ColumnMapping.toLead(mapping, ["a", "b"], ["verify"])._tag, "Skip")
    const unknown = ColumnMapping.toLead(withTypes, ["a", "b", "c", "d", "find_address"], ["verify"])
    assert.isTrue(unknown._tag === "Skip" && unknown.code === "UNKNOWN_TYPE")
    const own = ColumnMapping.toLead(withTypes, ["a", "b", "c", "d", "find_phone; verify"], ["find_email"])
    assert.isTrue(own._tag === "Lead" && own.types.join() === "find_phone,verify")
  })

  it("reduces websites to domains", () => {
    for (const [input, domain] of [
      ["example.com", "example.com"],
      ["HTTP://WWW.Example.com/", "example.com"],
      ["https://shop.example.co.uk/path#x", "shop.example.co.uk"],
      ["www2.example.org.", "example.org"],
      ["ada@example.net", "example.net"]
    ] as const) assert.strictEqual(ColumnMapping.toDomain(input), domain)
  })
})
