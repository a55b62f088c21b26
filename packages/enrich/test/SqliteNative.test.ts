import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { nativeModuleProblem } from "../src/internal/sqliteNative.js"

/** What Node throws for a native module it cannot load: a real one, from a file that is not one. */
const dlopenError = (): Error => {
  const dir = mkdtempSync(join(tmpdir(), "sqlite-native-"))
  try {
    const file = join(dir, "better_sqlite3.node")
    writeFileSync(file, "not a shared object")
    process.dlopen({ exports: {} }, file)
    throw new Error("dlopen accepted a text file")
  } catch (error) {
    return error as Error
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe("better-sqlite3's native module failing to load", () => {
  it("a module Node cannot load (ERR_DLOPEN_FAILED): named, with the fix, Node's error kept as the cause", () => {
    const error = dlopenError()
    expect((error as { code?: string }).code).toBe("ERR_DLOPEN_FAILED")
    const problem = nativeModuleProblem(error)!
    expect(problem.message).toContain(`cannot load its native module in Node ${process.version}`)
    expect(problem.message).toContain("npm rebuild better-sqlite3")
    expect(problem.cause).toBe(error)
  })

  it("built for another Node (Node's ERR_DLOPEN_FAILED text for it) or never built (the bindings package's text)", () => {
    const otherNode = Object.assign(
      new Error(
        "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
          "was compiled against a different Node.js version using\nNODE_MODULE_VERSION 127. This version of Node.js requires\n" +
          "NODE_MODULE_VERSION 115. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`)."
      ),
      { code: "ERR_DLOPEN_FAILED" }
    )
    expect(nativeModuleProblem(otherNode)!.message).toContain("it was built for another version of Node")
    const neverBuilt = new Error("Could not locate the bindings file. Tried:\n → /app/node_modules/better-sqlite3/build/better_sqlite3.node")
    expect(nativeModuleProblem(neverBuilt)!.message).toContain("it was never built (its install script did not run)")
    expect(nativeModuleProblem(neverBuilt)!.message).toContain("npm install-scripts approve better-sqlite3")
  })

  it("leaves every other defect alone", () => {
    expect(nativeModuleProblem(new Error("SQLITE_CANTOPEN: unable to open database file"))).toBeUndefined()
    expect(nativeModuleProblem("boom")).toBeUndefined()
    expect(nativeModuleProblem(null)).toBeUndefined()
  })
})
