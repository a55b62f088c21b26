import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { bulk, get, mock, verifyItem } from "./helpers.js"

describe("credits (docs/decisions.md #13)", () => {
  it.scoped("charges per workflow and only for results that cost", () =>
    Effect.gen(function*() {
      const server = yield* mock({
        credits: 1000,
        results: { found: { find_email: 1, find_phone: 0, linkedin_enrichment: 1 }, verify: { deliverable: 1, risky: 0, undeliverable: 0, unknown: 0 } }
      })
      yield* bulk(server, [
        { input: { linkedinUrl: "https://www.linkedin.com/in/ada", email: "ada@acme.com" }, enrichmentRequests: ["find_email", "verify", "find_phone", "linkedin_enrichment"] }
      ])
      // find_email deliverable 5 + verify 1 + phone not found 0 + linkedin found 1
      expect(server.handle.credits("test-key")).toBe(1000 - 7)
      expect((yield* get(server, "/api/team/credits")).json.credits).toBe(993)
      expect(server.handle.stats("test-key").creditsSpent).toBe(7)
    }))

  it.scoped("fail mode: accepted, unpaid enrichments end in error INSUFFICIENT_CREDITS, balance never negative", () =>
    Effect.gen(function*() {
      const server = yield* mock({ credits: { "test-key": 2 } })
      const ids = (yield* bulk(server, [verifyItem("a@b.co"), verifyItem("b@b.co"), verifyItem("c@b.co")])).json
      expect(ids.every((i: any) => typeof i.id === "string")).toBe(true)
      const third = yield* get(server, `/api/enrich/${ids[2].id}`)
      expect(third.json).toMatchObject({ enrichmentStatus: "error", error: { code: "INSUFFICIENT_CREDITS" } })
      expect(server.handle.credits("test-key")).toBe(0)
      expect(server.handle.stats("test-key").byStatus).toEqual({ "in-progress": 0, done: 2, error: 1 })
    }))

  it.scoped("reject mode: 402 JSON and nothing created when the balance cannot cover the call", () =>
    Effect.gen(function*() {
      const server = yield* mock({ credits: 2, creditMode: "reject" })
      const res = yield* bulk(server, [verifyItem("a@b.co"), verifyItem("b@b.co"), verifyItem("c@b.co")])
      expect([res.status, res.json]).toEqual([402, { error: "INSUFFICIENT_CREDITS" }])
      expect(server.handle.enrichments()).toHaveLength(0)
      expect((yield* bulk(server, [verifyItem("a@b.co"), verifyItem("b@b.co")])).status).toBe(200)
      expect(server.handle.credits("test-key")).toBe(0)
      server.handle.setCredits("test-key", 10)
      expect((yield* bulk(server, [verifyItem("a@b.co")])).status).toBe(200)
    }))
})
