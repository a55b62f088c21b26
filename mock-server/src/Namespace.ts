/**
 * `MockServer` as a value: the constructors and layers under one name
 * (`MockServer.make`, `MockServer.layer`, `MockServer.effectClock`…).
 *
 * @since 0.1.0
 */
import { effectClock } from "./Clock.js"
import { layerInProcess, layerServed, MockServerHandle } from "./Layer.js"
import { makeMockServer, type MockServer as MockServerShape } from "./MockServer.js"
import { serveMock } from "./Serve.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface MockServer extends MockServerShape {}

/**
 * @example
 * ```ts
 * import { MockServer } from "@lemlist-effect/mock-server"
 *
 * const layer = MockServer.layer({ latency: 0 }) // served on a free loopback port
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const MockServer = {
  make: makeMockServer,
  /** Served on a free loopback port, on the Effect clock (same as `layerServed`). */
  layer: layerServed,
  layerServed,
  layerInProcess,
  effectClock,
  serve: serveMock,
  Handle: MockServerHandle
} as const
