/**
 * Ends a test run with one plain line, `Tests: N passed, N failed, N skipped`, that any CI can
 * read without knowing vitest's output.
 */
import type { Reporter, TestModule } from "vitest/node"

export default class Summary implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    const count = { passed: 0, failed: 0, skipped: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") count.passed++
        else if (state === "failed") count.failed++
        else count.skipped++
      }
    }
    // Last, after vitest's own summary.
    process.once("exit", () => console.log(`Tests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped`))
  }
}
