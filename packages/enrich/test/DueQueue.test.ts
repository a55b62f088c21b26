/**
 * The poller's schedule (`internal/dueQueue.ts`): earliest first, ties in the order pushed, and
 * `retain` drops the ids no longer polled without reordering the rest.
 */
import { assert, describe, it } from "@effect/vitest"
import * as DueQueue from "../src/internal/dueQueue.js"

describe("DueQueue", () => {
  it("gives what is due, earliest first, ties in the order pushed", () => {
    const due = DueQueue.make()
    due.push("c", 30)
    due.push("a", 10)
    due.push("b", 10)
    due.push("d", 50)
    assert.deepStrictEqual(due.takeDue(5, 10), [])
    assert.deepStrictEqual(due.takeDue(30, 2), ["a", "b"])
    assert.deepStrictEqual(due.takeDue(30, 10), ["c"])
    assert.strictEqual(due.nextDueAt(), 50)
  })

  it("retain drops the stopped ids and keeps the order of the others", () => {
    const due = DueQueue.make()
    for (let i = 0; i < 1_000; i++) due.push(`id-${i}`, i % 7)
    due.retain((id) => Number(id.slice(3)) % 2 === 0)
    assert.strictEqual(due.size(), 500)
    const out = due.takeDue(10, 1_000)
    const expected = Array.from({ length: 1_000 }, (_, i) => i).filter((i) => i % 2 === 0)
      .sort((a, b) => (a % 7) - (b % 7) || a - b).map((i) => `id-${i}`)
    assert.deepStrictEqual(out, expected)
  })
})
