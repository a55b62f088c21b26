/**
 * One worker of the `journal` scenario: a `JournalPg` journal on the scenario's schema, the
 * run's journal writes with a worker's claims (`bench/lib/journalLoad.ts`). Prints `ready` once
 * connected, waits for a line on stdin (so that every worker starts together), then takes the
 * input's leads through the lifecycle (the same input as the other workers: what it claims is
 * its share) and emits its timings.
 *
 * Usage: node --import tsx bench/scenarios/journalWorker.ts <databaseUrl> <schema> <leads> <workerId>
 */
import { Journal } from "@lemlist-effect/enrich"
import { JournalPg } from "@lemlist-effect/enrich/pg"
import { Context, Effect, Layer, Redacted } from "effect"
import { emitAndExit } from "../lib/common.js"
import { keys, runLifecycle } from "../lib/journalLoad.js"

const [url, schema, leads, workerId] = process.argv.slice(2)

const go = Effect.async<void>((resume) => {
  process.stdin.once("data", () => resume(Effect.void))
})

const program = Effect.gen(function*() {
  const context = yield* Layer.build(JournalPg.layer({ url: Redacted.make(url!), schema: schema! }))
  const journal = Context.get(context, Journal.Journal)
  const input = keys(Number(leads))
  process.stdout.write("ready\n")
  yield* go
  return yield* runLifecycle(journal, input, { worker: { id: workerId!, lease: 60_000 } })
}).pipe(Effect.scoped)

void emitAndExit("journal worker", Effect.runPromise(program))
