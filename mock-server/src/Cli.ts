/**
 * The command-line options of `pnpm mock` (and `lemlist-enrich mock`, which reuses this
 * parser), declared with `@effect/cli` and checked by the options' schema.
 *
 * @since 0.1.0
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Terminal from "@effect/platform/Terminal"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { readFileSync } from "node:fs"
import { openApiDocument } from "./OpenApi.js"
import { decodeUpdate, type FaultOptions, type LeadFixture, type MockOptions, parseLatency } from "./Options.js"
import type { ListenOptions } from "./Serve.js"

/**
 * The parse result: options to serve with, or text to print on stdout before exiting 0 (the
 * help, or with `--print-openapi` the OpenAPI document), or an error message.
 *
 * @since 0.1.0
 * @category models
 */
export type ParsedMockArgs =
  | { readonly _tag: "Serve"; readonly options: MockOptions & ListenOptions }
  | { readonly _tag: "Help"; readonly text: string }
  | { readonly _tag: "Invalid"; readonly message: string }

const faultNames = [
  "serverError", "slow", "drop", "lostAnswer", "refused", "webhookDrop", "webhookDuplicate",
  "webhookDelay", "webhookReorder", "rateLimitStorm", "slowMs", "webhookDelayMs", "rateLimitStormMs"
] as const

/**
 * The `--help` text.
 *
 * @since 0.1.0
 * @category constants
 */
export const mockHelp = `lemlist mock server: lemlist's enrichment API, offline.

Usage: lemlist-mock [options]   (in this repository: pnpm mock [options])

  --port <n>                 port to listen on (default 4010; 0 = any free port)
  --host <addr>              address to bind (default 127.0.0.1)
  --seed <n>                 seed of every random choice (default 1)
  --api-key <key>            accepted API key, each its own team (repeatable; default test-key)
  --latency <ms|min-max>     completion latency, e.g. 0, 200-3000 or 200..3000 (default 200-3000)
  --credits <n>              starting credits of every key (default 100000)
  --credit-mode <fail|reject>  out of credits: enrichments end in error, or the call gets 402 (default fail)
  --rate-limit <on|off>      lemlist's 20 requests / 2 s per key (default on)
  --rate-limit-limit <n>     requests per window (default 20)
  --rate-limit-window <ms>   window length (default 2000)
  --rate-limit-algorithm <sliding|fixed>  (default sliding)
  --allow-non-loopback       deliver webhooks to any host (default: loopback only)
  --forget-delivered         forget an enrichment once its webhook is delivered (default: keep it for --retention)
  --webhook-retries <n>      retries of a failed webhook (default 3)
  --webhook-base-delay <ms>  first retry delay, doubled each time (default 1000)
  --webhook-timeout <ms>     webhook attempt timeout (default 10000)
  --retention <ms>           completed enrichments are forgotten after this (default 3600000)
  --max-body-bytes <n>       larger bodies get 413 (default 5242880)
  --found <type=p>           found rate, e.g. find_email=0.7 (repeatable)
  --provider-error-rate <p>  share of enrichments ending in PROVIDER_ERROR (default 0)
  --fault <name=p>           fault probability (repeatable): ${faultNames.join(", ")}
  --leads <file.json>        lead fixture for /leads/{id}/enrich (JSON array)
  --print-openapi            print the OpenAPI document (lemlist's routes and the admin API) and exit
  -h, --help                 this text

Prints one line with the URL and the dashboard's when ready; SIGINT/SIGTERM stop it cleanly.
Dashboard: <url>/__mock/ui. OpenAPI: <url>/__mock/openapi.json.
Admin API: GET|PUT <url>/__mock/options, POST /__mock/reset, PUT /__mock/credits,
POST /__mock/complete, POST /__mock/faults, GET /__mock/requests, /__mock/deliveries,
/__mock/stats, /__mock/enrichments.
`

// @effect/cli's own value errors do not name the flag ("'x' is not a integer"): these do.
const invalid = (name: string, expected: string, got: string) =>
  Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--${name}: expected ${expected}, got ${got}`)))

const numberFlag = (name: string) =>
  Options.text(name).pipe(Options.mapEffect((v) => {
    const n = Number(v)
    return v.trim() !== "" && Number.isFinite(n) ? Effect.succeed(n) : invalid(name, "a number", v)
  }))

const choiceFlag = <const A extends string>(name: string, choices: ReadonlyArray<A>) =>
  Options.optional(Options.text(name).pipe(Options.mapEffect((v) =>
    (choices as ReadonlyArray<string>).includes(v) ? Effect.succeed(v as A) : invalid(name, choices.join(" or "), v)
  )))

const number = (name: string) => Options.optional(numberFlag(name))
const text = (name: string) => Options.optional(Options.text(name))

/** Every flag, declared for `@effect/cli`; ranges are checked by the options' schema. */
const flags = Options.all({
  port: numberFlag("port").pipe(Options.withDefault(4010)),
  host: text("host"),
  seed: number("seed"),
  apiKeys: Options.repeated(Options.text("api-key")),
  latency: text("latency"),
  credits: number("credits"),
  creditMode: choiceFlag("credit-mode", ["fail", "reject"]),
  rateLimit: choiceFlag("rate-limit", ["on", "off"]),
  rateLimitLimit: number("rate-limit-limit"),
  rateLimitWindow: number("rate-limit-window"),
  rateLimitAlgorithm: choiceFlag("rate-limit-algorithm", ["sliding", "fixed"]),
  allowNonLoopback: Options.boolean("allow-non-loopback"),
  forgetDelivered: Options.boolean("forget-delivered"),
  webhookRetries: number("webhook-retries"),
  webhookBaseDelay: number("webhook-base-delay"),
  webhookTimeout: number("webhook-timeout"),
  retention: number("retention"),
  maxBodyBytes: number("max-body-bytes"),
  found: Options.repeated(Options.text("found")),
  providerErrorRate: number("provider-error-rate"),
  fault: Options.repeated(Options.text("fault")),
  leads: text("leads"),
  printOpenApi: Options.boolean("print-openapi"),
  help: Options.boolean("help").pipe(Options.withAlias("h"))
})

type Flags = typeof flags extends Options.Options<infer A> ? A : never

// Flags are text and numbers only: nothing reads a file or a terminal while parsing.
const parsingContext = Layer.mergeAll(
  FileSystem.layerNoop({}),
  Path.layer,
  Layer.succeed(Terminal.Terminal, {} as Terminal.Terminal)
)

const parseFlags = (argv: ReadonlyArray<string>): Either.Either<Flags, string> =>
  Options.processCommandLine(flags, argv, CliConfig.defaultConfig).pipe(
    Effect.flatMap(([error, leftover, values]) =>
      Option.isSome(error)
        ? Effect.fail(error.value)
        : leftover.length > 0
        ? Effect.fail(ValidationError.invalidArgument(HelpDoc.p(`unknown argument ${leftover[0]}`)))
        : Effect.succeed(values)
    ),
    Effect.mapError((e) => HelpDoc.toAnsiText(e.error).trim()),
    Effect.provide(parsingContext),
    Effect.either,
    Effect.runSync
  )

const pairs = (name: string, values: ReadonlyArray<string>): Array<[string, number]> =>
  values.map((v) => {
    const [k, p] = v.split("=")
    const n = Number(p)
    if (!k || p === undefined || p.trim() === "" || !Number.isFinite(n)) throw new Error(`--${name}: expected name=number, got ${v}`)
    return [k, n]
  })

/** Only the groups and fields that were given, as `MockOptions` takes them. */
const given = <A extends Record<string, Option.Option<unknown> | unknown>>(fields: A): Record<string, unknown> | undefined => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) {
    const value = Option.isOption(v) ? Option.getOrUndefined(v) : v
    if (value !== undefined) out[k] = value
  }
  return Object.keys(out).length > 0 ? out : undefined
}

const toOptions = (f: Flags): MockOptions & ListenOptions => {
  if (!Number.isInteger(f.port) || f.port < 0) throw new Error(`--port: expected a whole number >= 0, got ${f.port}`)
  const latency = Option.map(f.latency, (text) => {
    const parsed = parseLatency(text)
    if (Either.isLeft(parsed)) throw new Error(`--latency ${text}: ${parsed.left}`)
    return parsed.right
  })
  const faults = pairs("fault", f.fault)
  for (const [k] of faults) if (!(faultNames as ReadonlyArray<string>).includes(k)) throw new Error(`--fault: unknown fault ${k}`)
  const leads = Option.map(f.leads, (file) => {
    const leads = JSON.parse(readFileSync(file, "utf8")) as unknown
    if (!Array.isArray(leads)) throw new Error("--leads: expected a JSON array")
    return leads as ReadonlyArray<LeadFixture>
  })
  const o = given({
    port: f.port,
    host: f.host,
    seed: f.seed,
    apiKeys: f.apiKeys.length > 0 ? f.apiKeys : undefined,
    latency,
    credits: f.credits,
    creditMode: f.creditMode,
    rateLimit: given({
      enabled: Option.map(f.rateLimit, (on) => on === "on"),
      limit: f.rateLimitLimit,
      windowMs: f.rateLimitWindow,
      algorithm: f.rateLimitAlgorithm
    }),
    webhooks: given({
      allowNonLoopback: f.allowNonLoopback ? true : undefined,
      forgetDelivered: f.forgetDelivered ? true : undefined,
      retries: f.webhookRetries,
      baseDelayMs: f.webhookBaseDelay,
      timeoutMs: f.webhookTimeout
    }),
    retentionMs: f.retention,
    maxBodyBytes: f.maxBodyBytes,
    results: given({
      found: f.found.length > 0 ? Object.fromEntries(pairs("found", f.found)) : undefined,
      providerErrorRate: f.providerErrorRate
    }),
    faults: faults.length > 0 ? Object.fromEntries(faults) as FaultOptions : undefined,
    leads
  })!
  const { port: _port, host: _host, ...update } = o
  const decoded = decodeUpdate(update)
  if (Either.isLeft(decoded)) throw decoded.left
  return o as MockOptions & ListenOptions
}

/**
 * Parses command-line arguments (without `node script`) with `@effect/cli`; the values are
 * then checked by the options' schema, so an error names the flag or the field.
 *
 * @example
 * ```ts
 * import { parseMockArgs } from "@lemlist-effect/mock-server"
 *
 * parseMockArgs(["--port", "4010", "--latency", "200-3000", "--api-key", "a", "--api-key", "b"])
 * // { _tag: "Serve", options: { port: 4010, latency: { minMs: 200, maxMs: 3000 }, apiKeys: ["a", "b"], ... } }
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseMockArgs = (argv: ReadonlyArray<string>): ParsedMockArgs => {
  const parsed = parseFlags(argv)
  if (Either.isLeft(parsed)) return { _tag: "Invalid", message: parsed.left }
  const f = parsed.right
  if (f.help) return { _tag: "Help", text: mockHelp }
  if (f.printOpenApi) return { _tag: "Help", text: `${JSON.stringify(openApiDocument(), null, 2)}\n` }
  try {
    return { _tag: "Serve", options: toOptions(f) }
  } catch (e) {
    return { _tag: "Invalid", message: e instanceof Error ? e.message : String(e) }
  }
}
