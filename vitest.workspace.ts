/**
 * The single list of test projects. The root `vitest.config.ts` reads it through
 * `test.projects` (vitest 3.2 deprecates the workspace file as an entry point, not as a list).
 */
import { readdirSync } from "node:fs"
import { configDefaults, type TestProjectInlineConfiguration } from "vitest/config"

const project = (name: string, root: string, extra: TestProjectInlineConfiguration["test"] = {}) => ({
  extends: true as const,
  test: { name, root, include: ["test/**/*.test.ts"], ...extra }
})

/** The enrich tests that run alone (below). */
const processesFiles = readdirSync(new URL("./packages/enrich/test", import.meta.url))
  .filter((file) => file.endsWith(".processes.test.ts"))
  .sort()

export const projects: Array<TestProjectInlineConfiguration> = [
  project("contract", "packages/contract"),
  project("mock-server", "mock-server"),
  project("enrich", "packages/enrich", { exclude: [...configDefaults.exclude, "test/**/*.processes.test.ts"] }),
  // Several Node processes on one key against lemlist's real sliding window, on real time: what
  // they assert (no 429, a share of the limit) needs the cores to themselves. Each file is a
  // project and a group of its own, run after every other file has finished (other files' load
  // made a worker's request reach the mock more than the pacer's margin late: one 429 in a run).
  ...processesFiles.map((file, i) =>
    project(`enrich-processes-${file.replace(".processes.test.ts", "")}`, "packages/enrich", {
      include: [`test/${file}`],
      sequence: { groupOrder: i + 1 }
    })
  ),
  project("cli", "packages/cli"),
  project("contract-tests", "packages/contract-tests"),
  // Builds, packs and npm-installs the packages in a temp project: minutes, not seconds.
  project("install-test", "packages/install-test", { testTimeout: 120_000, hookTimeout: 180_000 })
]
