import { describe, expect, it } from "@effect/vitest"
import { ExitCode } from "../src/ExitCode.js"
import { runCli } from "./support/cli.js"

describe("lemlist-enrich mock", () => {
  it("--print-openapi prints the mock's OpenAPI document", async () => {
    const ran = await runCli(["mock", "--print-openapi"])
    expect(ran.code).toBe(ExitCode.Ok)
    expect(JSON.parse(ran.out)).toMatchObject({ openapi: expect.any(String), paths: expect.any(Object) })
  })

  it("--help names this command; an invalid value is a usage error naming it", async () => {
    const help = await runCli(["mock", "--help"])
    expect(help.code).toBe(ExitCode.Ok)
    expect(help.out).toContain("lemlist-enrich mock")
    const bad = await runCli(["mock", "--latency", "9-1"])
    expect(bad.code).toBe(ExitCode.Usage)
    expect(bad.err).toContain("--latency 9-1")
  })
})
