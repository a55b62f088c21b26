/**
 * The publishable packages as a user gets them: built (`tsc --build`), packed by pnpm (which
 * swaps in each manifest's `publishConfig` and rewrites `workspace:` ranges), then judged on the
 * tarball itself by publint and @arethetypeswrong/cli. Shared by `pnpm check:packages`
 * (`src/check.ts`) and the install test (`test/Install.test.ts`).
 */
import { execFile } from "node:child_process"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { publint } from "publint"
import { formatMessage } from "publint/utils"

/** The repository root. */
export const root = fileURLToPath(new URL("../../../", import.meta.url))

/** A tool's executable: this package's own devDependencies first, then the root's. */
const bin = (name: string) => {
  const own = fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url))
  return existsSync(own) ? own : join(root, "node_modules", ".bin", name)
}

/** What a finished child process said; `code` is 0 on success. */
export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs a command to completion, never throwing: the caller judges `code`.
 *
 * @example
 * const { code, stdout } = await run("node", ["--version"], { cwd: root })
 */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number }
): Promise<Ran> =>
  new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 170_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1
        resolve({ code, stdout, stderr: error !== null && code === 1 && stderr === "" ? String(error) : stderr })
      }
    )
  })

/** A workspace package that is published (not `private`). */
export interface Publishable {
  readonly name: string
  readonly version: string
  /** Its folder, relative to the root (`packages/enrich`). */
  readonly dir: string
  readonly manifest: Record<string, unknown>
}

/** The workspace's folders, from `pnpm-workspace.yaml` (`dir/*` globs and plain folders). */
const workspaceDirs = (): Array<string> =>
  readFileSync(join(root, "pnpm-workspace.yaml"), "utf8")
    .split("\n")
    .map((line) => /^\s*-\s*["']?([^"'\s]+)["']?\s*$/.exec(line)?.[1])
    .filter((glob): glob is string => glob !== undefined)
    .flatMap((glob) =>
      glob.endsWith("/*")
        ? readdirSync(join(root, glob.slice(0, -2))).map((name) => `${glob.slice(0, -2)}/${name}`)
        : [glob]
    )
    .filter((dir) => {
      try {
        return statSync(join(root, dir, "package.json")).isFile()
      } catch {
        return false
      }
    })

/**
 * Every workspace package that is not `private`, in the workspace's order.
 *
 * @example
 * publishable().map((p) => p.name) // ["@lemlist-effect/cli", ..., "@lemlist-effect/mock-server"]
 */
export const publishable = (): Array<Publishable> =>
  workspaceDirs().flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as Record<string, unknown>
    return manifest.private === true
      ? []
      : [{ name: String(manifest.name), version: String(manifest.version), dir, manifest }]
  })

/**
 * The `publishConfig.exports` a package must have: `./package.json`, then each top-level module
 * of `src/` (`index.ts` as `.`, `bin.ts` left out) as `types` and `default` conditions onto
 * `dist/`. `default`, not `import`: the files are ESM either way, and `default` also lets a
 * CommonJS app `require()` them where Node can (20.19, 22.12 and later); with `import` only,
 * `require` finds no entry at all. `src/internal/` is never exported. A new entry point (say `src/pg.ts`) is one more line,
 * written by `pnpm sync:exports`.
 *
 * @example
 * exportsFor("packages/enrich")["./sqlite"] // { types: "./dist/sqlite.d.ts", default: "./dist/sqlite.js" }
 */
export const exportsFor = (dir: string): Record<string, string | { readonly types: string; readonly default: string }> => {
  const modules = readdirSync(join(root, dir, "src"))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && file !== "bin.ts")
    .map((file) => file.slice(0, -3))
    .sort((a, b) => (a === "index" ? -1 : b === "index" ? 1 : a.localeCompare(b)))
  return {
    "./package.json": "./package.json",
    ...Object.fromEntries(modules.map((m) => [
      m === "index" ? "." : `./${m}`,
      { types: `./dist/${m}.d.ts`, default: `./dist/${m}.js` }
    ]))
  }
}

/**
 * The fields that TypeScript's `node10` resolution reads, since it knows no `exports`
 * (`moduleResolution: node`, the default under `module: commonjs`, as in a NestJS app): `main`
 * and `types` for the package's root (when it has `src/index.ts`), and `typesVersions` mapping
 * each other entry point to its `.d.ts`, as Effect's own packages do. Node reads `exports` and
 * ignores `typesVersions`, so what loads does not change. Written by `pnpm sync:exports`.
 *
 * @example
 * legacyFieldsFor("packages/enrich").typesVersions["*"].sqlite // ["./dist/sqlite.d.ts"]
 */
export const legacyFieldsFor = (dir: string): {
  readonly main?: string
  readonly types?: string
  readonly typesVersions: { readonly "*": Record<string, ReadonlyArray<string>> }
} => {
  const entries = Object.entries(exportsFor(dir)).flatMap(([subpath, target]) => typeof target === "string" ? [] : [{ subpath, target }])
  const index = entries.find((e) => e.subpath === ".")?.target
  return {
    ...(index === undefined ? {} : { main: index.default, types: index.types }),
    typesVersions: { "*": Object.fromEntries(entries.filter((e) => e.subpath !== ".").map((e) => [e.subpath.slice(2), [e.target.types]])) }
  }
}

/**
 * `pnpm build`: `tsc --build` of every publishable package to its `dist/` (incremental: a
 * no-op when nothing changed). Fails with tsc's output.
 *
 * @example
 * await build()
 */
export const build = async (): Promise<void> => {
  const ran = await run(bin("tsc"), ["--build", "tsconfig.build.json"], { cwd: root })
  if (ran.code !== 0) throw new Error(`tsc --build failed:\n${ran.stdout}${ran.stderr}`)
}

/** A packed package. */
export interface Packed extends Publishable {
  readonly tarball: string
  readonly bytes: number
}

/**
 * Packs every publishable package into `destination` with pnpm, as `pnpm publish` would.
 *
 * @example
 * const packed = await pack(mkdtempSync(join(tmpdir(), "packs-")))
 */
export const pack = async (destination: string): Promise<Array<Packed>> => {
  const packed: Array<Packed> = []
  for (const pkg of publishable()) {
    const ran = await run("pnpm", ["pack", "--pack-destination", destination], { cwd: join(root, pkg.dir) })
    if (ran.code !== 0) throw new Error(`pnpm pack in ${pkg.dir} failed:\n${ran.stdout}${ran.stderr}`)
    const tarball = join(destination, `${pkg.name.replace(/^@/, "").replace("/", "-")}-${pkg.version}.tgz`)
    packed.push({ ...pkg, tarball, bytes: statSync(tarball).size })
  }
  return packed
}

/**
 * publint's findings on a tarball (strict: warnings count), one line each; empty when clean.
 *
 * @example
 * expect(await publintProblems(packed.tarball)).toEqual([])
 */
export const publintProblems = async (tarball: string): Promise<Array<string>> => {
  const data = readFileSync(tarball)
  const { messages, pkg } = await publint({
    pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer },
    strict: true
  })
  return messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)
}

/**
 * @arethetypeswrong/cli on a tarball, every resolution (node10, node16 from CommonJS and from
 * ESM, bundler) but one rule: `cjs-resolves-to-esm`, since attw 0.18 knows no `require()` of an
 * ES module (Node 20.19, 22.12 and later); the install test runs such a consumer instead. Its
 * report, and whether it is clean.
 *
 * @example
 * const { ok, report } = await attw(packed.tarball)
 */
export const attw = async (tarball: string): Promise<{ readonly ok: boolean; readonly report: string }> => {
  const ran = await run(bin("attw"), [tarball, "--ignore-rules", "cjs-resolves-to-esm", "--format", "table-flipped"], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }
  })
  return { ok: ran.code === 0, report: ran.stdout + ran.stderr }
}
