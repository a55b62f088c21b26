/**
 * The typed lemlist client: one method per enrichment route, paced by one shared limiter per
 * API key, with retries that never charge twice.
 *
 * @since 0.1.0
 */
import type { Bulk, EnrichmentType, Result, Team } from "@lemlist-effect/contract"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import type { LemlistError } from "./LemlistError.js"

/**
 * One entry of a bulk answer, in the order of the submitted items: an enrichment id, or the
 * missing-input code lemlist gave that item.
 *
 * @since 0.1.0
 * @category models
 */
export type BulkEntry =
  | { readonly _tag: "Accepted"; readonly id: string; readonly metadata: Bulk.Metadata | undefined }
  | { readonly _tag: "MissingInput"; readonly code: string; readonly metadata: Bulk.Metadata | undefined }

/**
 * The state of one enrichment, normalised from `GET /enrich/{id}`.
 *
 * @since 0.1.0
 * @category models
 */
export type EnrichmentStatus =
  | { readonly _tag: "InProgress"; readonly id: string }
  | {
    readonly _tag: "Done"
    readonly id: string
    readonly result: Result.EnrichmentResult
    readonly metadata: Bulk.Metadata | undefined
  }
  | {
    readonly _tag: "Failed"
    readonly id: string
    readonly code: string
    readonly description: string | undefined
    readonly metadata: Bulk.Metadata | undefined
  }
  | { readonly _tag: "UnknownStatus"; readonly id: string; readonly status: string; readonly raw: unknown }

/**
 * Counters of what the client did, for progress displays.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientStats {
  readonly requests: number
  readonly rateLimited: number
  readonly retries: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `POST /v2/enrichments/bulk`: 1 to 500 items; one entry per item, in order. */
  readonly bulkEnrich: (
    items: NonEmptyReadonlyArray<Bulk.BulkItem>,
    options?: { readonly webhookUrl?: string | undefined }
  ) => Effect.Effect<ReadonlyArray<BulkEntry>, LemlistError>
  /** `POST /enrich`: one person, inputs in the query string; the enrichment id. */
  readonly enrich: (
    input: Bulk.EnrichmentInput,
    types: NonEmptyReadonlyArray<EnrichmentType.EnrichmentType>,
    options?: { readonly webhookUrl?: string | undefined }
  ) => Effect.Effect<string, LemlistError>
  /** `POST /leads/{leadId}/enrich`; the enrichment id. */
  readonly enrichLead: (
    leadId: string,
    types: NonEmptyReadonlyArray<EnrichmentType.EnrichmentType>,
    options?: { readonly force?: boolean | undefined; readonly webhookUrl?: string | undefined }
  ) => Effect.Effect<string, LemlistError>
  /** `GET /enrich/{id}`, normalised. Pass the requested types when known (see `Result.fromPollingData`). */
  readonly getEnrichment: (
    id: string,
    options?: { readonly types?: ReadonlyArray<EnrichmentType.EnrichmentType> | undefined }
  ) => Effect.Effect<EnrichmentStatus, LemlistError>
  /** `GET /team/credits`. */
  readonly credits: Effect.Effect<Team.Credits, LemlistError>
  /** `POST /hooks`. */
  readonly createHook: (request: Team.CreateHookRequest) => Effect.Effect<Team.Hook, LemlistError>
  /** `GET /hooks`. */
  readonly listHooks: Effect.Effect<ReadonlyArray<Team.Hook>, LemlistError>
  /** `DELETE /hooks/{id}`. */
  readonly deleteHook: (id: string) => Effect.Effect<Team.Hook, LemlistError>
  /** What the client has done so far. */
  readonly stats: Effect.Effect<ClientStats>
}

/**
 * The lemlist client service.
 *
 * @since 0.1.0
 * @category tags
 */
export class LemlistClient extends Context.Tag("@lemlist-effect/enrich/LemlistClient")<LemlistClient, Service>() {}
