/** The mock's Effect clock on a 50 ms grid: see `effectClockWith` in the mock server. */
import { effectClockWith } from "@lemlist-effect/mock-server"

export const batchedClock = (resolutionMs = 50) => effectClockWith({ resolutionMs })
