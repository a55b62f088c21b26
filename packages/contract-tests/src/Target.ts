/**
 * What the contract suite talks to: the mock, served on a loopback socket (the default), or
 * any base URL given by `LEMLIST_BASE_URL` with `LEMLIST_API_KEY` (real lemlist). Raw HTTP on
 * purpose: the suite must be able to send what no client would (malformed bodies, wrong
 * schemes), and must see every byte and header of the answer.
 *
 * @since 0.1.0
 */
import { serveMock, type ServedMock } from "@lemlist-effect/mock-server"

/**
 * An answer, read whole.
 *
 * @since 0.1.0
 * @category models
 */
export interface Answer {
  readonly method: string
  /** The path below the base URL, query string included (`/enrich/enr_…`). */
  readonly path: string
  readonly status: number
  readonly headers: Headers
  /** The media type, lower-cased, without parameters (`""` when absent). */
  readonly contentType: string
  readonly text: string
  /** The parsed body when the media type is JSON (`undefined` otherwise or when it does not parse). */
  readonly json: unknown
}

/**
 * Options of one request.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  /**
   * The `Authorization` header: `undefined` for lemlist's Basic form of the target's key,
   * `null` for none, or the exact header value.
   */
  readonly authorization?: string | null | undefined
  /** A JSON value (serialised) or raw text/bytes (sent as given). */
  readonly json?: unknown
  readonly raw?: string | Uint8Array | undefined
  /** Default `application/json` when a body is given. `null` sends none. */
  readonly contentType?: string | null | undefined
  readonly query?: Readonly<Record<string, string>> | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * The target of a run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  /** `mock`: the suite started the mock itself; `remote`: a base URL from the environment. */
  readonly kind: "mock" | "remote"
  /** The API base URL, e.g. `https://api.lemlist.com/api`. */
  readonly baseUrl: string
  readonly apiKey: string
  /** Whether tests that spend credits run (always on the mock; `LEMLIST_CONTRACT_SPEND=1` otherwise). */
  readonly spend: boolean
  /** The served mock (admin handle included), on the mock only. */
  readonly mock: ServedMock | undefined
  /** A key of another team of the mock (`undefined` on a remote target). */
  readonly otherApiKey: string | undefined
  readonly request: (method: string, path: string, options?: RequestOptions) => Promise<Answer>
  readonly close: () => Promise<void>
}

/**
 * lemlist's auth header: Basic, empty user name, the key as password.
 *
 * @since 0.1.0
 * @category utils
 */
export const basic = (apiKey: string): string => `Basic ${Buffer.from(`:${apiKey}`).toString("base64")}`

/**
 * A spacing pacer: at most one request per `intervalMs`, whoever asks. One per target, shared
 * by every test of a file.
 *
 * @since 0.1.0
 * @category constructors
 */
export const spacer = (intervalMs: number) => {
  let next = 0
  return async (): Promise<void> => {
    const now = Date.now()
    const at = Math.max(now, next)
    next = at + intervalMs
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now))
  }
}

const mediaType = (headers: Headers) => (headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase()

/**
 * Builds the `request` function of a target.
 *
 * @since 0.1.0
 * @category constructors
 */
export const requester = (baseUrl: string, apiKey: string, pace: () => Promise<void>) =>
async (method: string, path: string, options: RequestOptions = {}): Promise<Answer> => {
  const url = new URL(baseUrl.replace(/\/+$/, "") + path)
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v)
  const headers = new Headers(options.headers)
  const authorization = options.authorization === undefined ? basic(apiKey) : options.authorization
  if (authorization !== null) headers.set("authorization", authorization)
  const body = options.raw !== undefined
    ? options.raw
    : options.json !== undefined
    ? JSON.stringify(options.json)
    : undefined
  if (body !== undefined && options.contentType !== null) headers.set("content-type", options.contentType ?? "application/json")
  await pace()
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: body as BodyInit }), redirect: "manual" })
  const text = await res.text()
  const contentType = mediaType(res.headers)
  let json: unknown = undefined
  if (contentType.includes("json")) {
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
  }
  return { method, path: url.pathname.replace(new URL(baseUrl).pathname.replace(/\/+$/, ""), "") + url.search, status: res.status, headers: res.headers, contentType, text, json }
}

/** The keys of the mock the suite starts. */
export const mockKeys = { main: "contract-key", other: "contract-other-key", burst: "contract-burst-key" } as const

/**
 * The target from the environment: `LEMLIST_BASE_URL` + `LEMLIST_API_KEY` for a remote
 * target (both or neither), `LEMLIST_CONTRACT_SPEND=1` to let a remote run spend credits.
 * Without them, starts the mock on a free loopback port.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromEnv = async (env: Record<string, string | undefined> = process.env): Promise<Target> => {
  const baseUrl = env.LEMLIST_BASE_URL?.trim()
  const apiKey = env.LEMLIST_API_KEY?.trim()
  if (baseUrl || apiKey) {
    if (!apiKey) throw new Error("LEMLIST_BASE_URL is set but LEMLIST_API_KEY is not: the contract suite needs both (or neither, for the mock)")
    const url = baseUrl || "https://api.lemlist.com/api"
    // lemlist allows 20 requests per 2 s per key; stay well under it (<= 10 per second).
    const interval = Number(env.LEMLIST_CONTRACT_INTERVAL_MS ?? 110)
    return {
      kind: "remote",
      baseUrl: url,
      apiKey,
      spend: env.LEMLIST_CONTRACT_SPEND === "1",
      mock: undefined,
      otherApiKey: undefined,
      request: requester(url, apiKey, spacer(Math.max(100, interval))),
      close: async () => undefined
    }
  }
  const mock = await serveMock({
    apiKeys: [mockKeys.main, mockKeys.other, mockKeys.burst],
    seed: 7,
    // Short but non-zero, so the 202 "in progress" answer is seen before the 200.
    latency: { minMs: 150, maxMs: 300 },
    leads: [
      { id: "lea_ContractLead00001", contact: { linkedinUrl: "https://www.linkedin.com/in/example-contract" }, enriched: ["find_email"] },
      { id: "lea_ContractNoContact1", contact: null }
    ]
  })
  return {
    kind: "mock",
    baseUrl: mock.apiUrl,
    apiKey: mockKeys.main,
    spend: true,
    mock,
    otherApiKey: mockKeys.other,
    // The mock enforces lemlist's 20 per 2 s too: same spacing as for lemlist, a bit tighter.
    request: requester(mock.apiUrl, mockKeys.main, spacer(Number(env.LEMLIST_CONTRACT_INTERVAL_MS ?? 102))),
    close: () => mock.close()
  }
}
