/**
 * The command-line options of `pnpm mock` (and `lemlist-enrich mock`, which reuses this
 * parser).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
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

Usage: pnpm mock [options]

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

const num = (name: string, v: string | undefined, min = 0): number => {
  const n = Number(v)
  if (v === undefined || v.trim() === "" || !Number.isFinite(n) || n < min) throw new Error(`--${name}: expected a number >= ${min}, got ${v}`)
  return n
}

const pairs = (name: string, values: ReadonlyArray<string> | undefined): Array<[string, number]> =>
  (values ?? []).map((v) => {
    const [k, p] = v.split("=")
    if (!k || p === undefined) throw new Error(`--${name}: expected name=value, got ${v}`)
    return [k, num(name, p)]
  })

/**
 * Parses command-line arguments (without `node script`).
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
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        seed: { type: "string" },
        "api-key": { type: "string", multiple: true },
        latency: { type: "string" },
        credits: { type: "string" },
        "credit-mode": { type: "string" },
        "rate-limit": { type: "string" },
        "rate-limit-limit": { type: "string" },
        "rate-limit-window": { type: "string" },
        "rate-limit-algorithm": { type: "string" },
        "allow-non-loopback": { type: "boolean" },
        "webhook-retries": { type: "string" },
        "webhook-base-delay": { type: "string" },
        "webhook-timeout": { type: "string" },
        retention: { type: "string" },
        "max-body-bytes": { type: "string" },
        found: { type: "string", multiple: true },
        "provider-error-rate": { type: "string" },
        fault: { type: "string", multiple: true },
        leads: { type: "string" },
        "print-openapi": { type: "boolean" },
        help: { type: "boolean", short: "h" }
      }
    })
    if (values.help) return { _tag: "Help", text: mockHelp }
    if (values["print-openapi"]) return { _tag: "Help", text: `${JSON.stringify(openApiDocument(), null, 2)}\n` }
    const o: { -readonly [K in keyof (MockOptions & ListenOptions)]: any } = {}
    o.port = values.port === undefined ? 4010 : num("port", values.port)
    if (values.host !== undefined) o.host = values.host
    if (values.seed !== undefined) o.seed = num("seed", values.seed, Number.MIN_SAFE_INTEGER)
    if (values["api-key"]) o.apiKeys = values["api-key"]
    if (values.latency !== undefined) {
      const latency = parseLatency(values.latency)
      if (Either.isLeft(latency)) throw new Error(`--latency ${values.latency}: ${latency.left}`)
      o.latency = latency.right
    }
    if (values.credits !== undefined) o.credits = num("credits", values.credits)
    if (values["credit-mode"] !== undefined) {
      if (values["credit-mode"] !== "fail" && values["credit-mode"] !== "reject") throw new Error("--credit-mode: fail or reject")
      o.creditMode = values["credit-mode"]
    }
    const rate: Record<string, unknown> = {}
    if (values["rate-limit"] !== undefined) {
      if (values["rate-limit"] !== "on" && values["rate-limit"] !== "off") throw new Error("--rate-limit: on or off")
      rate.enabled = values["rate-limit"] === "on"
    }
    if (values["rate-limit-limit"] !== undefined) rate.limit = num("rate-limit-limit", values["rate-limit-limit"], 1)
    if (values["rate-limit-window"] !== undefined) rate.windowMs = num("rate-limit-window", values["rate-limit-window"], 1)
    if (values["rate-limit-algorithm"] !== undefined) {
      if (values["rate-limit-algorithm"] !== "sliding" && values["rate-limit-algorithm"] !== "fixed") throw new Error("--rate-limit-algorithm: sliding or fixed")
      rate.algorithm = values["rate-limit-algorithm"]
    }
    if (Object.keys(rate).length > 0) o.rateLimit = rate
    const hooks: Record<string, unknown> = {}
    if (values["allow-non-loopback"]) hooks.allowNonLoopback = true
    if (values["webhook-retries"] !== undefined) hooks.retries = num("webhook-retries", values["webhook-retries"])
    if (values["webhook-base-delay"] !== undefined) hooks.baseDelayMs = num("webhook-base-delay", values["webhook-base-delay"])
    if (values["webhook-timeout"] !== undefined) hooks.timeoutMs = num("webhook-timeout", values["webhook-timeout"], 1)
    if (Object.keys(hooks).length > 0) o.webhooks = hooks
    if (values.retention !== undefined) o.retentionMs = num("retention", values.retention)
    if (values["max-body-bytes"] !== undefined) o.maxBodyBytes = num("max-body-bytes", values["max-body-bytes"], 1)
    const found = pairs("found", values.found)
    const results: Record<string, unknown> = {}
    if (found.length > 0) results.found = Object.fromEntries(found)
    if (values["provider-error-rate"] !== undefined) results.providerErrorRate = num("provider-error-rate", values["provider-error-rate"])
    if (Object.keys(results).length > 0) o.results = results
    const faults = pairs("fault", values.fault)
    for (const [k] of faults) if (!(faultNames as ReadonlyArray<string>).includes(k)) throw new Error(`--fault: unknown fault ${k}`)
    if (faults.length > 0) o.faults = Object.fromEntries(faults) as FaultOptions
    if (values.leads !== undefined) {
      const leads = JSON.parse(readFileSync(values.leads, "utf8")) as unknown
      if (!Array.isArray(leads)) throw new Error("--leads: expected a JSON array")
      o.leads = leads as ReadonlyArray<LeadFixture>
    }
    const { port, host, ...update } = o
    const decoded = decodeUpdate(update)
    if (Either.isLeft(decoded)) throw decoded.left
    return { _tag: "Serve", options: o }
  } catch (e) {
    return { _tag: "Invalid", message: e instanceof Error ? e.message : String(e) }
  }
}
