import { describe, expect, it } from "vitest"
import { ExitCode } from "../src/ExitCode.js"
import { fastMock, runCli, tempDir, writeFile } from "./support/cli.js"

// Every bad input ends with one clear line on stderr, exit code 2, and never a stack trace.
const expectClean = (err: string) => {
  expect(err).not.toMatch(/\n\s+at /)
  expect(err).not.toMatch(/FiberFailure|TypeError|\{\s*_tag/)
}

describe("bad input", () => {
  const dir = tempDir()
  const cases: ReadonlyArray<readonly [string, string | Uint8Array | undefined, RegExp]> = [
    ["missing.csv", undefined, /input file not found: .*missing\.csv/],
    ["empty.csv", "", /is empty: expected a header line/],
    ["blank.csv", "\n\n  \n", /is empty/],
    ["header-only.csv", "First Name,Email\n", /header line but no data row/],
    ["no-usable.csv", "id,notes,score\n1,hello,3\n", /no column maps to a lemlist input field \(header: "id", "notes", "score"\)/],
    ["broken-quote.csv", "First Name,Email\nAda,ada@example.com\n\"Grace,grace@example.com\nAlan,alan@example.com\n", /line 3: broken CSV quoting \(a quoted field opens here and is never closed\)/],
    ["bad-closing.csv", "First Name,Email\n\"Ada\"x,ada@example.com\n", /line 2: broken CSV quoting/],
    // Past the reader's first arrays of 1,024 records: the line is still the broken one's.
    [
      "broken-quote-late.csv",
      "First Name,Email\n" + Array.from({ length: 2_500 }, (_, i) => `P${i},p${i}@example.com\n`).join("") + "\"Grace,grace@example.com\nAlan,alan@example.com\n",
      /line 2502: broken CSV quoting \(a quoted field opens here and is never closed\)/
    ],
    ["semicolon.csv", "Email\nada@example.com;Ada\n", /single column with delimiter ",", but the file uses ";"/],
    ["latin1.csv", Buffer.concat([Buffer.from("First Name,Email\nAda,ada@example.com\nRen"), Buffer.from([0xe9]), Buffer.from(",rene@example.com\n")]), /line 3 \(byte \d+\): not valid UTF-8/]
  ]

  for (const [name, content, message] of cases) {
    it(name, async () => {
      const file = content === undefined ? `${dir}/${name}` : writeFile(dir, name, content)
      const { code, err } = await runCli(["run", file, "--types", "verify", "--yes", "--out", `${dir}/${name}.out.csv`], { main: fastMock })
      expect(err).toMatch(message)
      expect(err).toMatch(/^error: /m)
      expectClean(err)
      expect(code).toBe(ExitCode.Usage)
    })
  }

  it("an explicit wrong --delimiter names the right one", async () => {
    const file = writeFile(dir, "tabs.tsv", "First Name\tEmail\nAda\tada@example.com\n")
    const { code, err } = await runCli(["run", file, "--types", "verify", "--delimiter", ",", "--yes"], { main: fastMock })
    expect(err).toMatch(/the file uses tab; pass --delimiter tab/)
    expect(code).toBe(ExitCode.Usage)
  })

  it("a directory, unknown types, a bad --map and a missing --types are usage errors", async () => {
    const file = writeFile(dir, "ok.csv", "Email\nada@example.com\n")
    for (const [argv, message] of [
      [["run", dir, "--types", "verify", "--yes"], /is a directory/],
      [["run", file, "--types", "verify,find_address", "--yes"], /unknown enrichment type find_address/],
      [["run", file, "--types", "verify", "--map", "email=Mail", "--yes"], /no column "Mail"/],
      [["run", file, "--types", "verify", "--map", "email", "--yes"], /expected field=Column/],
      [["run", file, "--yes"], /--types is required/]
    ] as const) {
      const { code, err } = await runCli(argv, { main: fastMock })
      expect(err).toMatch(message)
      expectClean(err)
      expect(code).toBe(ExitCode.Usage)
    }
  })

  it("an unknown option prints the usage and exits 2", async () => {
    const { code, err } = await runCli(["run", "x.csv", "--api-key", "secret"], { main: fastMock })
    expect(err.length).toBeGreaterThan(0)
    expect(code).toBe(ExitCode.Usage)
  })
})
