import * as Effect from "effect/Effect"
import { effectClock, makeMockServer, type MockOptions, type MockServer } from "../src/index.js"

export const basic = (key: string) => `Basic ${Buffer.from(`:${key}`).toString("base64")}`

export const auth = (key = "test-key"): Record<string, string> => ({
  authorization: basic(key),
  "content-type": "application/json"
})

/** A mock on the test's Effect clock (TestClock under it.scoped). */
export const mock = (options: MockOptions = {}) =>
  Effect.map(effectClock, (clock) => makeMockServer({ latency: 0, ...options, clock }))

/** Lets real promises and setImmediate callbacks run (webhook deliveries are real async work). */
export const settle = (rounds = 5) =>
  Effect.promise(async () => {
    for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r))
  })

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

const read = async (res: Response): Promise<Answer> => {
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

/** One request through `app.request` (no fault translation). */
export const call = (server: MockServer, path: string, init: RequestInit = {}) =>
  Effect.promise(async () => read(await server.app.request(path, init)))

export const bulk = (server: MockServer, body: unknown, opts: { key?: string; query?: string } = {}) =>
  call(server, `/api/v2/enrichments/bulk${opts.query ?? ""}`, {
    method: "POST",
    headers: auth(opts.key),
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

export const get = (server: MockServer, path: string, key = "test-key") =>
  call(server, path, { headers: { authorization: basic(key) } })

export const post = (server: MockServer, path: string, key = "test-key", body?: unknown) =>
  call(server, path, {
    method: "POST",
    headers: auth(key),
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })

export const verifyItem = (email: string, metadata?: unknown) => ({
  input: { email },
  enrichmentRequests: ["verify"],
  ...(metadata === undefined ? {} : { metadata })
})

export const fullItem = (i: number) => ({
  input: {
    firstName: `Ada${i}`,
    lastName: "Lovelace",
    companyName: "Acme",
    companyDomain: "acme.com",
    linkedinUrl: `https://www.linkedin.com/in/ada-lovelace-${i}`,
    email: `ada${i}@acme.com`
  },
  enrichmentRequests: ["find_email", "verify", "find_phone", "linkedin_enrichment"],
  metadata: { row: i }
})
