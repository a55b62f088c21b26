import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"
import { projects } from "./vitest.workspace.js"

export default defineConfig({
  test: {
    projects,
    reporters: ["default", "./vitest.summary.ts"],
    // Effect's TestClock drives time in tests; vitest's fake timers would fight it.
    fakeTimers: { toFake: [] },
    // Vitest runs one file at a time on 2 cores (its default is one worker fewer than the
    // cores), and most of this suite's time is spent waiting on child processes, npm and the
    // services: two files at once on 2 cores.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
