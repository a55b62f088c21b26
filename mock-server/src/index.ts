/**
 * A faithful, stateful mock of lemlist's enrichment API.
 *
 * @since 0.1.0
 */
export { effectClock, effectClockWith, makeManualClock, type MockClock, realClock } from "./Clock.js"
export type { RecordedRequest } from "./Engine.js"
export { connectionError, type InjectedFault, type RequestFault } from "./Faults.js"
export {
  type EnrichmentView,
  makeMockServer,
  type MockHandle,
  type TeamStatsView
} from "./MockServer.js"
export type {
  FaultOptions,
  Latency,
  LeadFixture,
  MockOptions,
  OptionsUpdate,
  ResolvedOptions,
  ResultMix,
  RouteName
} from "./Options.js"
export { decodeUpdate, MockOptionsError, parseLatency } from "./Options.js"
export type { EnrichmentStatus, TeamStats } from "./State.js"
export type { Delivery } from "./Webhooks.js"
export { layerInProcess, layerServed, MockServerHandle } from "./Layer.js"
export { listen, type ListenOptions, readyLine, type ServedMock, serveMock } from "./Serve.js"
export { type OpenApiDocument, openApiDocument } from "./OpenApi.js"
export { mockHelp, parseMockArgs, type ParsedMockArgs } from "./Cli.js"
export { MockServer } from "./Namespace.js"
export { driven, settle } from "./Testing.js"
