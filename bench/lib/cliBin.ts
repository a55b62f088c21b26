/**
 * `packages/cli/src/bin.ts` for the benchmark: the same `Cli.runProcess`, with one hook: the
 * embedded mock's starting credits (`LEMLIST_BENCH_MOCK_CREDITS`; the embedded mock starts with 100,000, which 1,000,000
 * `find_email` leads at 5 credits each would exceed, and the command would refuse to start).
 * Everything else is the embedded mock's defaults (lemlist's real limit, results after 0.2 to
 * 3 s). At the end it prints one `BENCH_RESULT` line: its exit code, peak RSS and CPU time.
 */
import * as Cli from "@lemlist-effect/cli/Cli"
import { emit } from "./common.js"

const credits = process.env.LEMLIST_BENCH_MOCK_CREDITS
const code = await Cli.runProcess(credits === undefined ? {} : { mock: { options: { credits: Number(credits) } } })
process.exitCode = code
const cpu = process.cpuUsage()
emit({ exitCode: code, peakRssKb: process.resourceUsage().maxRSS, cpuMs: (cpu.user + cpu.system) / 1000 })
