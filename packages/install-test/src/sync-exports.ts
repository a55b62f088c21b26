/**
 * `pnpm sync:exports`: writes each publishable package's `publishConfig.exports` from its
 * `src/` modules (`exportsFor`), and the `main`, `types` and `typesVersions` that TypeScript's
 * node10 resolution reads (`legacyFieldsFor`), touching nothing else in the manifest. Run it
 * after adding or removing a public module; the install test fails until it is run.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { exportsFor, legacyFieldsFor, publishable, root } from "./Packages.js"

for (const pkg of publishable()) {
  const file = join(root, pkg.dir, "package.json")
  const manifest = JSON.parse(readFileSync(file, "utf8")) as { publishConfig?: Record<string, unknown> }
  const before = JSON.stringify(manifest.publishConfig)
  manifest.publishConfig = { ...manifest.publishConfig, ...legacyFieldsFor(pkg.dir), exports: exportsFor(pkg.dir) }
  if (JSON.stringify(manifest.publishConfig) === before) continue
  writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n")
  console.log(`${pkg.dir}/package.json: publishConfig updated`)
}
