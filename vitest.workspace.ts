/**
 * The single list of test projects. The root `vitest.config.ts` reads it through
 * `test.projects` (vitest 3.2 deprecates the workspace file as an entry point, not as a list).
 */
import type { TestProjectInlineConfiguration } from "vitest/config"

const project = (name: string, root: string, extra: TestProjectInlineConfiguration["test"] = {}) => ({
  extends: true as const,
  test: { name, root, include: ["test/**/*.test.ts"], ...extra }
})

export const projects: Array<TestProjectInlineConfiguration> = [
  project("contract", "packages/contract"),
  project("mock-server", "mock-server"),
  project("enrich", "packages/enrich"),
  project("cli", "packages/cli"),
  project("contract-tests", "packages/contract-tests"),
  // Builds, packs and npm-installs the packages in a temp project: minutes, not seconds.
  project("install-test", "packages/install-test", { testTimeout: 120_000, hookTimeout: 180_000 })
]
