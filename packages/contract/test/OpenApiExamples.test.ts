import { Bulk, Result, Team } from "@lemlist-effect/contract"
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { readFileSync } from "node:fs"

const openapi = JSON.parse(
  readFileSync(new URL("../openapi/lemlist-openapi-enrich.json", import.meta.url), "utf8")
) as { paths: Record<string, Record<string, any>> }

type Example = { readonly where: string; readonly value: unknown }

/** Every `example` and `examples.*.value` of one media type object. */
const examplesOf = (where: string, media: any): Array<Example> => [
  ...(media?.example !== undefined ? [{ where, value: media.example }] : []),
  ...Object.entries<any>(media?.examples ?? {}).map(([name, e]) => ({ where: `${where} (${name})`, value: e.value }))
]

const jsonExamples = (path: string, method: string, part: "request" | number): Array<Example> => {
  const op = openapi.paths[path]![method]!
  const media = part === "request"
    ? op.requestBody?.content?.["application/json"]
    : op.responses?.[String(part)]?.content?.["application/json"]
  return examplesOf(`${method.toUpperCase()} ${path} ${part}`, media)
}

const decodes = (schema: Schema.Schema<any, any>, examples: ReadonlyArray<Example>) => {
  assert.isAbove(examples.length, 0, "the extract has examples for this part")
  for (const { value, where } of examples) {
    const result = Schema.decodeUnknownEither(schema)(value)
    assert.isTrue(Either.isRight(result), `${where}: ${Either.isLeft(result) ? result.left.message : ""}`)
  }
}

describe("the official OpenAPI examples decode with our schemas", () => {
  it("bulk request bodies", () => decodes(Bulk.BulkRequest, jsonExamples("/v2/enrichments/bulk", "post", "request")))
  it("bulk 200 answers", () => decodes(Bulk.BulkAnswer, jsonExamples("/v2/enrichments/bulk", "post", 200)))
  it("bulk 400 bodies", () => decodes(Bulk.BulkErrorBody, jsonExamples("/v2/enrichments/bulk", "post", 400)))
  it("enrich 200", () => decodes(Bulk.EnrichAnswer, jsonExamples("/enrich", "post", 200)))
  it("enrich lead 200", () => decodes(Bulk.EnrichAnswer, jsonExamples("/leads/{leadId}/enrich", "post", 200)))
  it("enrich lead 404, 409 and 500 bodies", () =>
    decodes(Bulk.JsonErrorBody, [404, 409, 500].flatMap((s) => jsonExamples("/leads/{leadId}/enrich", "post", s))))
  it("get enrichment 200", () => decodes(Result.PollingAnswer, jsonExamples("/enrich/{enrichId}", "get", 200)))
  it("team credits", () => decodes(Team.Credits, jsonExamples("/team/credits", "get", 200)))
  it("hooks list", () => decodes(Schema.Array(Team.Hook), jsonExamples("/hooks", "get", 200)))
  it("hook created and deleted", () =>
    decodes(Team.Hook, [...jsonExamples("/hooks", "post", 200), ...jsonExamples("/hooks/{hookId}", "delete", 200)]))

  it("every whole-batch code in the OpenAPI enum is in our union, and only those", () => {
    const schema = openapi.paths["/v2/enrichments/bulk"]!.post.responses["400"].content["application/json"].schema
    assert.deepStrictEqual([...schema.properties.error.enum].sort(), [...Bulk.BulkErrorBody.fields.error.literals].sort())
  })

  it("the documented webhook sample decodes and normalises like its polling form", () => {
    const body = Schema.decodeUnknownSync(Result.WebhookBody)({
      type: "enrichmentDone",
      data: [{
        id: "enr_A1B2C3D4E5F6G7H8I",
        data: {
          find_email: { email: "john@acme.com", status: "deliverable" },
          find_phone: { phone: "+15550000000" },
          linkedin_enrichment: { firstName: "John", positionGroups: [{ company: { name: "Acme" }, date: { start: { month: 1, year: 2020 }, end: {} } }] }
        }
      }]
    })
    const fromWebhook = Result.fromWebhookData(body.data[0]!.data!)
    const fromPolling = Result.fromPollingData(Result.toPollingData(fromWebhook))
    assert.deepStrictEqual(fromPolling, fromWebhook)
  })
})
