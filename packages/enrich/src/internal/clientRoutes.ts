/**
 * The client's routes: for each method of `LemlistClient.Service`, the request, its safety (may a
 * resend spend credits twice?), its span attributes and its decoder. `client.ts` runs them.
 *
 * @internal
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { Bulk } from "@lemlist-effect/contract"
import { EnrichmentType } from "@lemlist-effect/contract"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import { identity } from "effect/Function"
import type { SendHooks, Service } from "../LemlistClient.js"
import type * as E from "../LemlistError.js"
import * as Response from "./clientResponse.js"

/** @internal */
export type Safety = "idempotent" | "nonIdempotent"

/** One call: what to send and how to read the answer. @internal */
export interface Call<A> {
  readonly route: Response.Route
  readonly safety: Safety
  readonly request: HttpClientRequest.HttpClientRequest
  readonly id?: string | undefined
  readonly attributes?: Record<string, unknown>
  readonly decode: (status: number, body: Response.Body) => Either.Either<A, E.LemlistError>
}

const flags = (types: ReadonlyArray<EnrichmentType.EnrichmentType>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const type of types) out[EnrichmentType.queryFlag[type]] = "true"
  return out
}

const inputParams = (input: Bulk.EnrichmentInput): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(input)) if (typeof v === "string" && v !== "") out[k] = v
  return out
}

/** The service's methods over `run`, which paces, sends, retries and counts. @internal */
export const routes = (
  run: <A, H = never>(call: Call<A>, hooks?: SendHooks<H>) => Effect.Effect<A, E.LemlistError | H>
): Omit<Service, "stats"> => ({
  bulkEnrich: (items, opts) =>
    run({
      route: "bulkEnrich",
      safety: "nonIdempotent",
      request: HttpClientRequest.post("/v2/enrichments/bulk").pipe(
        opts?.webhookUrl === undefined ? identity : HttpClientRequest.setUrlParam("webhookUrl", opts.webhookUrl),
        HttpClientRequest.bodyUnsafeJson(items)
      ),
      attributes: { "lemlist.items": items.length },
      decode: (status, body) => Response.bulkEntries(status, body, items.length)
    }, opts?.hooks),
  enrich: (input, types, opts) =>
    run({
      route: "enrich",
      safety: "nonIdempotent",
      request: HttpClientRequest.post("/enrich").pipe(
        HttpClientRequest.setUrlParams({
          ...flags(types),
          ...inputParams(input),
          ...(opts?.webhookUrl === undefined ? {} : { webhookUrl: opts.webhookUrl })
        })
      ),
      attributes: { "lemlist.types": types.join(",") },
      decode: Response.enrichmentId
    }),
  enrichLead: (leadId, types, opts) =>
    run({
      route: "enrichLead",
      safety: "nonIdempotent",
      id: leadId,
      request: HttpClientRequest.post(`/leads/${encodeURIComponent(leadId)}/enrich`).pipe(
        HttpClientRequest.setUrlParams({
          ...flags(types),
          ...(opts?.force === true ? { force: "true" } : {}),
          ...(opts?.webhookUrl === undefined ? {} : { webhookUrl: opts.webhookUrl })
        })
      ),
      attributes: { "lemlist.types": types.join(","), "lemlist.lead_id": leadId },
      decode: Response.enrichmentId
    }),
  getEnrichment: (id, opts) =>
    run({
      route: "getEnrichment",
      safety: "idempotent",
      id,
      request: HttpClientRequest.get(`/enrich/${encodeURIComponent(id)}`),
      attributes: { "lemlist.enrichment_id": id },
      decode: (status, body) => Response.enrichmentStatus(id, status, body, opts?.types)
    }),
  credits: run({
    route: "credits",
    safety: "idempotent",
    request: HttpClientRequest.get("/team/credits"),
    decode: Response.credits
  }),
  createHook: (request) =>
    run({
      route: "createHook",
      // Not a credit spender, but not idempotent either: a resend could register it twice.
      safety: "nonIdempotent",
      request: HttpClientRequest.post("/hooks").pipe(HttpClientRequest.bodyUnsafeJson(request)),
      // The secret is in the body only, never in an attribute.
      attributes: { "lemlist.hook_type": request.type ?? "all" },
      decode: Response.hook
    }),
  listHooks: run({
    route: "listHooks",
    safety: "idempotent",
    request: HttpClientRequest.get("/hooks"),
    decode: Response.hooks
  }),
  deleteHook: (id) =>
    run({
      route: "deleteHook",
      safety: "idempotent",
      id,
      request: HttpClientRequest.del(`/hooks/${encodeURIComponent(id)}`),
      attributes: { "lemlist.hook_id": id },
      decode: (status, body) => Response.deletedHook(id, status, body)
    })
})
