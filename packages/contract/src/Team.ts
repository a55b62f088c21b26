/**
 * Schemas of the team routes: `GET /team/credits` and the hooks (`GET|POST /hooks`,
 * `DELETE /hooks/{id}`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The credits answer (the OpenAPI `Credits` schema; all integers).
 *
 * @since 0.1.0
 * @category models
 */
export const Credits = Schema.Struct({
  credits: Schema.Int,
  details: Schema.optional(Schema.Struct({
    remaining: Schema.optional(Schema.Struct({
      total: Schema.optional(Schema.Int),
      freemium: Schema.optional(Schema.Int),
      subscription: Schema.optional(Schema.Int),
      gifted: Schema.optional(Schema.Int),
      paid: Schema.optional(Schema.Int)
    }))
  }))
})

/**
 * @since 0.1.0
 * @category models
 */
export type Credits = typeof Credits.Type

/**
 * The body of `POST /hooks`. `secret` is echoed in every delivery's body; lemlist never
 * returns it.
 *
 * @since 0.1.0
 * @category models
 */
export const CreateHookRequest = Schema.Struct({
  targetUrl: Schema.String,
  type: Schema.optional(Schema.String),
  secret: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type CreateHookRequest = typeof CreateHookRequest.Type

/**
 * A team hook as lemlist lists it.
 *
 * @since 0.1.0
 * @category models
 */
export const Hook = Schema.Struct({
  _id: Schema.String,
  targetUrl: Schema.String,
  createdAt: Schema.optional(Schema.String),
  type: Schema.optional(Schema.String),
  campaignId: Schema.optional(Schema.String),
  isFirst: Schema.optional(Schema.Boolean),
  zapId: Schema.optional(Schema.Number)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Hook = typeof Hook.Type

/**
 * The enrichment event types a hook can subscribe to.
 *
 * @since 0.1.0
 * @category constants
 */
export const enrichmentHookTypes = ["enrichmentDone", "enrichmentError"] as const

/**
 * The most hooks a team may have (newest docs: 409 past it).
 *
 * @since 0.1.0
 * @category constants
 */
export const maxHooksPerTeam = 200
