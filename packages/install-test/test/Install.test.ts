/**
 * Installed like any npm package (issue 11): every publishable package is built, packed by pnpm,
 * linted on the tarball (publint, attw), and installed with npm into a fresh project in a temp
 * folder outside the workspace, with its peers from the registry. Then, with no loader:
 * the shipped .d.ts type-check a consumer under NodeNext (as ESM and as CommonJS), under
 * Bundler resolution and under CommonJS with node10 resolution, the README's `enrich.mjs` enriches 200 leads under plain `node`, and again
 * as CommonJS with `require()` (Node 20.19 or later), and both bins run.
 *
 * The one shortcut: npm installs with `--ignore-scripts`, and the app gets the workspace's own
 * compiled `better_sqlite3.node` for the identical better-sqlite3 version (pinned by
 * `overrides`), instead of a 90 s native build on every test run. Everything else comes from the
 * registry and the tarballs. npm runs with the machine's own configuration: the `npm_*`
 * variables pnpm sets for its scripts are dropped so they cannot redirect it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { attw, build, exportsFor, legacyFieldsFor, pack, type Packed, publintProblems, root, run } from "../src/Packages.js"

const fixture = join(root, "packages", "install-test", "fixture")
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)))
const npm = (args: ReadonlyArray<string>, cwd: string) =>
  run("npm", [...args, "--no-audit", "--no-fund", "--ignore-scripts"], { cwd, env: npmEnv })

/** A version installed in the workspace (what the app pins its peers to, for a warm npm cache). */
const workspaceVersion = (name: string, from = join(root, "packages", "enrich")) =>
  (createRequire(join(realpathSync(from), "package.json"))(`${name}/package.json`) as { version: string }).version

/** The workspace's better-sqlite3: where @effect/sql-sqlite-node finds it. */
const workspaceSqlite = () => {
  const driver = realpathSync(join(root, "packages", "enrich", "node_modules", "@effect", "sql-sqlite-node"))
  return dirname(createRequire(join(driver, "package.json")).resolve("better-sqlite3/package.json"))
}

/** Whether this Node can `require()` an ES module (20.19, 22.12 and later). */
const requireModule = (process.features as { readonly require_module?: boolean }).require_module === true
if (!requireModule) console.log(`install test: Node ${process.version} cannot require() an ES module: the CommonJS run is skipped`)

const peers = ["effect", "@effect/platform", "@effect/platform-node", "@effect/sql", "@effect/sql-sqlite-node"]

let temp: string
let packed: Array<Packed>
let app: string
const timings: Record<string, number> = {}
const timed = async <A>(label: string, f: () => Promise<A>): Promise<A> => {
  const start = Date.now()
  try {
    return await f()
  } finally {
    timings[label] = Date.now() - start
  }
}

const tarballOf = (name: string) => `file:${packed.find((p) => p.name === name)!.tarball}`
/** A tarball's content, as npm unpacks it (`package/...`), under `temp/unpacked/<name>`. */
const unpacked = (p: Packed) => join(temp, "unpacked", p.name.replace("/", "-"), "package")

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), "lemlist-install-"))
  await timed("build", build)
  mkdirSync(join(temp, "tarballs"))
  packed = await timed("pack", () => pack(join(temp, "tarballs")))
  for (const p of packed) {
    mkdirSync(dirname(unpacked(p)), { recursive: true })
    const untar = await run("tar", ["-xzf", p.tarball, "-C", dirname(unpacked(p))], { cwd: temp })
    if (untar.code !== 0) throw new Error(`cannot unpack ${p.tarball}: ${untar.stderr}`)
  }

  // The app: the tarballs of the packages it uses, their peers, and @types/node for its tsc.
  app = join(temp, "app")
  mkdirSync(app)
  const sqlite = workspaceSqlite()
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify(
      {
        name: "lemlist-install-test-app",
        private: true,
        type: "module",
        dependencies: {
          ...Object.fromEntries(
            ["@lemlist-effect/contract", "@lemlist-effect/enrich", "@lemlist-effect/mock-server", "@lemlist-effect/cli"]
              .map((name) => [name, tarballOf(name)])
          ),
          ...Object.fromEntries(peers.map((name) => [name, workspaceVersion(name)])),
          "@types/node": workspaceVersion("@types/node", root)
        },
        overrides: { "better-sqlite3": JSON.parse(readFileSync(join(sqlite, "package.json"), "utf8")).version }
      },
      null,
      2
    )
  )
  const installed = await timed("npm install", () => npm(["install"], app))
  if (installed.code !== 0) throw new Error(`npm install failed:\n${installed.stdout}${installed.stderr}`)
  const binding = join("build", "Release", "better_sqlite3.node")
  mkdirSync(join(app, "node_modules", "better-sqlite3", "build", "Release"), { recursive: true })
  copyFileSync(join(sqlite, binding), join(app, "node_modules", "better-sqlite3", binding))
  for (const file of readdirSync(fixture)) cpSync(join(fixture, file), join(app, file))
  // The same consumer as a CommonJS module (the app is "type": "module": .cts is CommonJS).
  cpSync(join(fixture, "app.ts"), join(app, "app.cts"))
}, 170_000)

afterAll(() => {
  if (temp !== undefined) rmSync(temp, { recursive: true, force: true })
  if (packed !== undefined) {
    const sizes = packed.map((p) => `${p.name} ${(p.bytes / 1024).toFixed(1)} kB`).join(", ")
    const times = Object.entries(timings).map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)} s`).join(", ")
    console.log(`install test: ${sizes}; ${times}`)
  }
})

describe("the packed packages", () => {
  it("are every workspace package but the private ones", () => {
    expect(packed.map((p) => p.name).sort()).toEqual([
      "@lemlist-effect/cli",
      "@lemlist-effect/contract",
      "@lemlist-effect/contract-tests",
      "@lemlist-effect/enrich",
      "@lemlist-effect/mock-server"
    ])
  })

  it("are clean for publint (strict)", async () => {
    const problems = await Promise.all(packed.map(async (p) => (await publintProblems(p.tarball)).map((m) => `${p.name}: ${m}`)))
    expect(problems.flat()).toEqual([])
  })

  it("are clean for @arethetypeswrong/cli (every resolution, node10 included)", async () => {
    for (const p of packed) {
      const { ok, report } = await attw(p.tarball)
      expect(ok, `${p.name}:\n${report}`).toBe(true)
    }
  })

  it("export every public module of their sources from dist/, and hide src/internal", () => {
    for (const p of packed) {
      const manifest = JSON.parse(readFileSync(join(unpacked(p), "package.json"), "utf8"))
      expect(manifest.exports, `${p.name}: run pnpm sync:exports after adding or removing a module of src/`).toEqual(exportsFor(p.dir))
      const { main, types, typesVersions } = manifest
      expect(JSON.parse(JSON.stringify({ main, types, typesVersions })), `${p.name}: run pnpm sync:exports`).toEqual(legacyFieldsFor(p.dir))
      for (const [subpath, target] of Object.entries<Record<string, string> | string>(manifest.exports)) {
        if (typeof target === "string") continue
        expect(existsSync(join(unpacked(p), target.default!)), `${p.name} ${subpath}`).toBe(true)
        expect(existsSync(join(unpacked(p), target.types!)), `${p.name} ${subpath}`).toBe(true)
      }
      expect(manifest.private, p.name).toBeUndefined()
      expect(JSON.stringify(manifest), p.name).not.toMatch(/workspace:/)
    }
  })

  it("ship dist/ (with maps) and src/, and no tests or tsconfig", () => {
    for (const p of packed) {
      const top = readdirSync(unpacked(p)).sort()
      expect(top.filter((f) => !/^(dist|src|openapi|package\.json|README\.md|CHANGELOG\.md|LICENSE)$/.test(f)), p.name).toEqual([])
      const main = existsSync(join(root, p.dir, "src", "index.ts")) ? "index" : "bin"
      const dist = readdirSync(join(unpacked(p), "dist"))
      expect(dist, p.name).toEqual(expect.arrayContaining([`${main}.js`, `${main}.js.map`, `${main}.d.ts`, `${main}.d.ts.map`]))
    }
  })

  it("declare effect and @effect/* as peers only, and enrich's storage engines as optional peers", () => {
    for (const p of packed) {
      const manifest = JSON.parse(readFileSync(join(unpacked(p), "package.json"), "utf8"))
      const effectDeps = Object.keys(manifest.dependencies ?? {}).filter((d) => d === "effect" || d.startsWith("@effect/"))
      // The command line is an application: it needs SQLite for its journal, for real, and
      // PostgreSQL behind --database-url.
      const allowed = p.name === "@lemlist-effect/cli" ? ["@effect/sql", "@effect/sql-sqlite-node", "@effect/sql-pg"] : []
      expect(effectDeps.filter((d) => !allowed.includes(d)), p.name).toEqual([])
      expect(manifest.peerDependencies.effect, p.name).toMatch(/^\^3\./)
    }
    const enrich = JSON.parse(readFileSync(join(unpacked(packed.find((p) => p.name === "@lemlist-effect/enrich")!), "package.json"), "utf8"))
    expect(enrich.peerDependenciesMeta).toMatchObject({ "@effect/sql": { optional: true }, "@effect/sql-sqlite-node": { optional: true } })
    // What sits behind an entry point of its own (./sqlite, ./pg...) is optional: only these are needed.
    const required = Object.keys(enrich.peerDependencies).filter((d) => enrich.peerDependenciesMeta?.[d]?.optional !== true)
    expect(required.sort()).toEqual(["@effect/platform", "effect"])
  })

  it("have bins that plain node runs", () => {
    for (const [name, bin] of [["@lemlist-effect/cli", "lemlist-enrich"], ["@lemlist-effect/mock-server", "lemlist-mock"]] as const) {
      const p = packed.find((q) => q.name === name)!
      const target = JSON.parse(readFileSync(join(unpacked(p), "package.json"), "utf8")).bin[bin]
      expect(target).toBe("./dist/bin.js")
      expect(readFileSync(join(unpacked(p), target), "utf8").split("\n")[0]).toBe("#!/usr/bin/env node")
    }
  })
})

describe("installed with npm in a fresh project", () => {
  // One consumer (fixture/app.ts), type-checked against the shipped .d.ts as each kind of app would.
  it.each([
    ["tsconfig.nodenext.json", "an ESM app under module NodeNext"],
    ["tsconfig.bundler.json", "an app under moduleResolution Bundler"],
    ["tsconfig.commonjs.json", "a CommonJS module (.cts) under module NodeNext"],
    ["tsconfig.node10.json", "a CommonJS app with node10 resolution, which knows no exports (a NestJS app's tsconfig)"]
  ])("type-checks a consumer (%s): %s", async (tsconfig) => {
    const ran = await run(join(root, "node_modules", ".bin", "tsc"), ["-p", tsconfig], { cwd: app })
    expect(ran.code, ran.stdout + ran.stderr).toBe(0)
  })

  it("runs the README's program under plain node: 200 leads, SQLite journal, webhooks, one outcome each", async () => {
    const ran = await run(process.execPath, ["enrich.mjs"], { cwd: app, timeoutMs: 60_000 })
    expect(ran.code, ran.stdout + ran.stderr).toBe(0)
    expect(ran.stdout).toMatch(/200 leads, one outcome each: \{.*\}/)
    expect(existsSync(join(app, "leads.sqlite"))).toBe(true)
  })

  it.runIf(requireModule)("runs the README's program as CommonJS, with require(), under plain node", async () => {
    // enrich.mjs with each import turned into a require: the same program, loaded the CommonJS way.
    const source = readFileSync(join(app, "enrich.mjs"), "utf8")
    const commonjs = source.replace(/^import (\{[^}]*\}) from ("[^"]+")$/gm, "const $1 = require($2)")
    expect(commonjs).not.toMatch(/^import /m)
    const dir = join(app, "commonjs")
    mkdirSync(dir)
    writeFileSync(join(dir, "enrich.cjs"), commonjs)
    const ran = await run(process.execPath, ["enrich.cjs"], { cwd: dir, timeoutMs: 60_000 })
    expect(ran.code, ran.stdout + ran.stderr).toBe(0)
    expect(ran.stdout).toMatch(/200 leads, one outcome each: \{.*\}/)
    expect(ran.stderr).toBe("")
    expect(existsSync(join(dir, "leads.sqlite"))).toBe(true)
  })

  it("runs the installed lemlist-enrich on a small CSV", async () => {
    const csv = readFileSync(join(root, "examples", "leads.csv"), "utf8").split("\n").slice(0, 21).join("\n") + "\n"
    writeFileSync(join(app, "leads.csv"), csv)
    const ran = await run(join(app, "node_modules", ".bin", "lemlist-enrich"), ["run", "leads.csv", "--types", "find_email", "--out", "out.csv", "--yes"], {
      cwd: app,
      env: { ...npmEnv, LEMLIST_API_KEY: "" },
      timeoutMs: 60_000
    })
    expect(ran.code, ran.stdout + ran.stderr).toBe(0)
    expect(ran.stdout).toMatch(/total rows\s+20/)
    expect(readFileSync(join(app, "out.csv"), "utf8").trim().split("\n")).toHaveLength(21)
  })

  it("says what to do when better-sqlite3's native module was never built (its install script skipped)", async () => {
    const build = join(app, "node_modules", "better-sqlite3", "build")
    const csv = readFileSync(join(root, "examples", "leads.csv"), "utf8").split("\n").slice(0, 6).join("\n") + "\n"
    writeFileSync(join(app, "native.csv"), csv)
    renameSync(build, `${build}.off`)
    try {
      const ran = await run(join(app, "node_modules", ".bin", "lemlist-enrich"), ["run", "native.csv", "--types", "find_email", "--out", "native-out.csv", "--yes"], {
        cwd: app,
        env: { ...npmEnv, LEMLIST_API_KEY: "" },
        timeoutMs: 60_000
      })
      expect(ran.code, ran.stdout + ran.stderr).toBe(5)
      expect(ran.stderr).toContain("better-sqlite3, the SQLite driver, cannot load its native module")
      expect(ran.stderr).toContain("it was never built (its install script did not run)")
      expect(ran.stderr).toContain("npm rebuild better-sqlite3")
      expect(ran.stderr).not.toContain("internal error")
    } finally {
      renameSync(`${build}.off`, build)
    }
  })

  it("runs the installed lemlist-mock --help", async () => {
    const ran = await run(join(app, "node_modules", ".bin", "lemlist-mock"), ["--help"], { cwd: app, env: npmEnv })
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stdout).toContain("--port")
  })

  it("serves the mock with the installed lemlist-mock until SIGTERM", async () => {
    const mock = spawn(join(app, "node_modules", ".bin", "lemlist-mock"), ["--port", "0"], { cwd: app, env: npmEnv })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ""
        mock.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString()
          const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
          if (listening) resolve(listening[1]!)
        })
        mock.once("exit", (code) => reject(new Error(`lemlist-mock exited with ${code}: ${out}`)))
      })
      const options = await fetch(`${url}/__mock/options`)
      expect(options.status).toBe(200)
      const exited = new Promise<number | null>((resolve) => mock.once("exit", resolve))
      mock.kill("SIGTERM")
      expect(await exited).toBe(0)
    } finally {
      mock.kill("SIGKILL")
    }
  })

  it("installs no native module for an app that uses only the library and the memory journal", async () => {
    const lean = join(temp, "lean")
    mkdirSync(lean)
    const enrich = ["@lemlist-effect/contract", "@lemlist-effect/enrich"]
    writeFileSync(join(lean, "package.json"), JSON.stringify({
      name: "lemlist-install-test-lean",
      private: true,
      dependencies: {
        ...Object.fromEntries(enrich.map((name) => [name, tarballOf(name)])),
        ...Object.fromEntries(["effect", "@effect/platform", "@effect/platform-node"].map((name) => [name, workspaceVersion(name)]))
      }
    }))
    const ran = await npm(["install", "--package-lock-only"], lean)
    expect(ran.code, ran.stdout + ran.stderr).toBe(0)
    const locked = Object.keys(JSON.parse(readFileSync(join(lean, "package-lock.json"), "utf8")).packages)
    expect(locked).toContain("node_modules/@lemlist-effect/enrich")
    expect(locked.filter((p) => /node_modules\/(better-sqlite3|@effect\/sql-sqlite-node|@effect\/sql-pg|pg|ioredis)$/.test(p))).toEqual([])
  })
})
