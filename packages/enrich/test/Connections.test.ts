/**
 * The client's model of its connection pool (`internal/connections.ts`): which requests may
 * have to open a connection, and so reach lemlist later than their start was booked.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Connections from "../src/internal/connections.js"

describe("Connections", () => {
  it("the first request opens a connection; one after it ended reuses it", () => {
    const c = Connections.make()
    assert.isTrue(c.start(0))
    c.end(40, true)
    assert.isFalse(c.start(100))
    c.end(140, true)
    assert.isFalse(c.start(200))
  })

  it("one more at once than ever before opens one; as many as before reuse them", () => {
    const c = Connections.make()
    assert.isTrue(c.start(0))
    assert.isTrue(c.start(100)) // the first is still in flight
    c.end(150, true)
    c.end(160, true)
    assert.isFalse(c.start(200))
    assert.isFalse(c.start(300))
    assert.isTrue(c.start(400))
  })

  it("a connection idle for longer than it is trusted is counted closed", () => {
    const c = Connections.make(1_000)
    c.start(0)
    c.end(10, true)
    assert.isFalse(c.start(1_009))
    c.end(1_020, true)
    assert.isTrue(c.start(2_020))
  })

  it("a request that failed gives no connection back (it may be gone)", () => {
    const c = Connections.make()
    c.start(0)
    c.end(10, false)
    assert.isTrue(c.start(100))
  })
})
