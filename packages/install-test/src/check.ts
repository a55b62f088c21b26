/**
 * `pnpm check:packages`: builds, packs every publishable package into a temp folder, and runs
 * publint and @arethetypeswrong/cli on each tarball. Exits 1 if either finds anything.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { attw, build, pack, publintProblems } from "./Packages.js"

const destination = mkdtempSync(join(tmpdir(), "lemlist-packs-"))
let failed = false
try {
  await build()
  for (const packed of await pack(destination)) {
    const problems = await publintProblems(packed.tarball)
    const types = await attw(packed.tarball)
    const clean = problems.length === 0 && types.ok
    failed ||= !clean
    console.log(`${clean ? "ok  " : "FAIL"} ${packed.name}@${packed.version} (${(packed.bytes / 1024).toFixed(1)} kB packed)`)
    for (const problem of problems) console.log(`     publint ${problem}`)
    if (!types.ok) console.log(types.report)
  }
} finally {
  rmSync(destination, { recursive: true, force: true })
}
process.exitCode = failed ? 1 : 0
