/** Stepping virtual time with real promises settling in between: the mock server's helpers. */
export { driven, settle } from "@lemlist-effect/mock-server"
