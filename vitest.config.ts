import { defineConfig } from "vitest/config"
import { projects } from "./vitest.workspace.js"

export default defineConfig({
  test: {
    projects,
    reporters: ["default", "./vitest.summary.ts"],
    // Effect's TestClock drives time in tests; vitest's fake timers would fight it.
    fakeTimers: { toFake: [] },
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
