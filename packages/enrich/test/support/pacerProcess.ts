/**
 * One process of the two-process pacer test: takes `n` slots for one key from the SQLite store
 * in `file`, all at once, and prints when each left (`take`'s answer: the wall clock, in ms, at
 * which the store booked it, later than its slot if the process woke late).
 *
 * Usage: node --import tsx pacerProcess.ts <file> <n>
 */
import { Effect, Layer } from "effect"
import { RequestPacer } from "../../src/index.js"
import { PacerStoreSqlite } from "../../src/sqlite.js"

const [file, n] = [process.argv[2], Number(process.argv[3])]

const program = Effect.gen(function*() {
  const pacer = yield* RequestPacer.RequestPacer
  return yield* Effect.forEach(Array.from({ length: n }), () => pacer.take("shared-key"), { concurrency: "unbounded" })
}).pipe(
  // A short interval, so that the window (not the spacing) is what holds the two processes.
  Effect.provide(
    RequestPacer.layerFromStore({ interval: "10 millis" }).pipe(Layer.provide(PacerStoreSqlite.layerFile({ filename: file })))
  )
)

Effect.runPromise(program).then(
  (times) => process.stdout.write(JSON.stringify(times) + "\n"),
  (error) => {
    process.stderr.write(String(error) + "\n")
    process.exit(1)
  }
)
