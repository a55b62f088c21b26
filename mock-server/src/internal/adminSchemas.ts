/**
 * The admin API's bodies as Effect schemas, for its OpenAPI document (`OpenApi.ts`). They
 * reuse the contract's schemas (inputs, metadata, workflow names, webhook bodies) and describe
 * what the routes in `routes/admin.ts` and `routes/dashboard.ts` send; `test/openapi.test.ts`
 * validates live answers against them, so a drift fails there.
 *
 * @internal
 */
import { Bulk, EnrichmentType, Result } from "@lemlist-effect/contract"
import * as Schema from "effect/Schema"

const Millis = Schema.NonNegative.annotations({ description: "milliseconds" })
const PositiveMillis = Schema.Positive.annotations({ description: "milliseconds" })
const Time = Schema.Number.annotations({ description: "the mock clock's time, epoch milliseconds" })
const Count = Schema.Int.pipe(Schema.nonNegative())
const Probability = Schema.Number.pipe(Schema.between(0, 1))

export const RouteName = Schema.Literal("bulk", "enrich", "getEnrichment", "enrichLead", "credits", "hooks", "hook").annotations({
  identifier: "MockRouteName",
  description: "A lemlist route, by name (fault targeting, request records)."
})
export const RequestFault = Schema.Literal("refused", "drop", "lostAnswer", "serverError", "slow", "rateLimitStorm").annotations({
  identifier: "MockRequestFault",
  description: "A request fault."
})
export const EnrichmentStatus = Schema.Literal("in-progress", "done", "error")

export const AdminError = Schema.Struct({
  error: Schema.String,
  issues: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String })).annotations({
    description: "Each invalid value: where it is (dotted path) and why."
  }))
}).annotations({
  identifier: "MockAdminError",
  description: "A refused admin call, with what was expected."
})
export const Ok = Schema.Struct({ ok: Schema.Literal(true) }).annotations({
  identifier: "MockOk",
  description: "Done."
})

// ---- options ------------------------------------------------------------------------------

export const Latency = Schema.Union(
  Millis,
  Schema.Struct({ minMs: Millis, maxMs: Millis }).pipe(
    Schema.filter((l) => l.minMs <= l.maxMs || { path: ["maxMs"], message: "maxMs must be at least minMs" })
  )
).annotations({ description: "completion latency: a constant, or a uniform range" })
const found = { find_email: Probability, find_phone: Probability, linkedin_enrichment: Probability }
const verify = { deliverable: Schema.NonNegative, risky: Schema.NonNegative, undeliverable: Schema.NonNegative, unknown: Schema.NonNegative }
const costs = { find_email: Schema.NonNegative, find_phone: Schema.NonNegative, verify: Schema.NonNegative, linkedin_enrichment: Schema.NonNegative }
const rateLimit = {
  enabled: Schema.Boolean,
  limit: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  windowMs: PositiveMillis,
  algorithm: Schema.Literal("sliding", "fixed")
}
const webhooks = {
  retries: Count,
  baseDelayMs: Millis,
  timeoutMs: PositiveMillis,
  allowNonLoopback: Schema.Boolean,
  concurrency: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  forgetDelivered: Schema.Boolean
}
const faultFields = {
  serverError: Probability,
  slow: Probability,
  slowMs: Millis,
  drop: Probability,
  lostAnswer: Probability,
  refused: Probability,
  webhookDrop: Probability,
  webhookDuplicate: Probability,
  webhookDelay: Probability,
  webhookDelayMs: Millis,
  webhookReorder: Probability,
  rateLimitStorm: Probability,
  rateLimitStormMs: Millis
}
const Credits = Schema.Union(Count, Schema.Record({ key: Schema.String, value: Count })).annotations({
  description: "starting credits, for every key or per key"
})
const LeadFixture = Schema.Struct({
  id: Schema.String,
  apiKey: Schema.optional(Schema.String),
  contact: Schema.NullOr(Bulk.EnrichmentInput),
  enriched: Schema.optional(Schema.Array(EnrichmentType.EnrichmentType)),
  failing: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "MockLeadFixture", description: "A lead of the `/leads/{leadId}/enrich` fixture." })

const ApiKey = Schema.String.pipe(Schema.minLength(1))
const Size = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))

const optionsFields = {
  seed: Schema.Finite,
  latency: Latency,
  results: Schema.Struct({ found: Schema.Struct(found), verify: Schema.Struct(verify), providerErrorRate: Probability }),
  creditMode: Schema.Literal("fail", "reject"),
  costs: Schema.Struct(costs),
  rateLimit: Schema.Struct(rateLimit),
  webhooks: Schema.Struct(webhooks),
  faults: Schema.Struct({ ...faultFields, routes: Schema.optional(Schema.Array(RouteName)) }),
  retentionMs: Millis,
  leads: Schema.Array(LeadFixture),
  maxBodyBytes: Size,
  maxRecords: Count
}

export const Options = Schema.Struct({
  apiKeys: Schema.Array(ApiKey),
  ...optionsFields,
  credits: Credits
}).annotations({ identifier: "MockOptions", description: "The options in force." })

export const OptionsUpdate = Schema.Struct({
  apiKeys: Schema.optional(Schema.Array(ApiKey)),
  seed: Schema.optional(Schema.Finite),
  latency: Schema.optional(Latency),
  results: Schema.optional(Schema.Struct({
    found: Schema.optional(Schema.partial(Schema.Struct(found))),
    verify: Schema.optional(Schema.partial(Schema.Struct(verify))),
    providerErrorRate: Schema.optional(Probability)
  })),
  credits: Schema.optional(Credits),
  creditMode: Schema.optional(Schema.Literal("fail", "reject")),
  costs: Schema.optional(Schema.partial(Schema.Struct(costs))),
  rateLimit: Schema.optional(Schema.partial(Schema.Struct(rateLimit))),
  webhooks: Schema.optional(Schema.partial(Schema.Struct(webhooks))),
  faults: Schema.optional(Schema.extend(
    Schema.partial(Schema.Struct(faultFields)),
    Schema.Struct({ routes: Schema.optional(Schema.NullOr(Schema.Array(RouteName))) })
  )),
  retentionMs: Schema.optional(Millis),
  leads: Schema.optional(Schema.Array(LeadFixture)),
  maxBodyBytes: Schema.optional(Size),
  maxRecords: Schema.optional(Count)
}).annotations({
  identifier: "MockOptionsUpdate",
  description: "A partial update: groups merge field by field; an unknown or invalid field refuses the whole update (400, naming each); `credits` resets balances."
})

// ---- credits, faults ------------------------------------------------------------------------

export const SetCredits = Schema.Union(
  Schema.Struct({ apiKey: Schema.String, credits: Schema.Number.pipe(Schema.nonNegative()) }),
  Schema.Struct({ teamId: Schema.String, credits: Schema.Number.pipe(Schema.nonNegative()) })
).annotations({
  identifier: "MockSetCredits",
  description: "One key's new balance, the key named by itself or by its team id."
})
export const CreditsSet = Schema.Struct({ teamId: Schema.String, credits: Count }).annotations({
  identifier: "MockCreditsSet",
  description: "The key's team and balance."
})
export const Completed = Schema.Struct({ ok: Schema.Literal(true), completed: Count }).annotations({
  identifier: "MockCompleted",
  description: "How many pending enrichments were finished."
})
export const InjectedFault = Schema.Struct({
  fault: RequestFault,
  route: Schema.optional(RouteName),
  times: Schema.optional(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))),
  status: Schema.optional(Schema.Literal(500, 502, 503))
}).annotations({
  identifier: "MockInjectedFault",
  description: "A one-shot fault for the next matching request(s) (`times`, default 1)."
})

// ---- records ------------------------------------------------------------------------------

export const RecordedRequest = Schema.Struct({
  method: Schema.String,
  path: Schema.String,
  route: Schema.optional(RouteName),
  status: Schema.Int.annotations({ description: "0 when a connection fault kept the answer from the client" }),
  time: Time,
  teamId: Schema.optional(Schema.String),
  fault: Schema.optional(RequestFault),
  created: Schema.optional(Count)
}).annotations({
  identifier: "MockRecordedRequest",
  description: "One request to lemlist's routes (never the key: the team id stands for it)."
})

export const Delivery = Schema.Struct({
  url: Schema.String,
  status: Schema.NullOr(Schema.Int),
  attempt: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  body: Result.WebhookBody,
  time: Time,
  ok: Schema.Boolean,
  durationMs: Schema.optional(Millis),
  fault: Schema.optional(Schema.Literal("drop", "duplicate", "delay", "reorder", "blocked")),
  error: Schema.optional(Schema.String)
}).annotations({ identifier: "MockDelivery", description: "One webhook delivery attempt." })

const byStatus = Schema.Struct({ "in-progress": Count, done: Count, error: Count })
const teamCounters = {
  enrichmentsCreated: Count,
  byStatus,
  creditsSpent: Count,
  rateLimited: Count,
  lostAnswers: Count,
  enrichmentsInLostAnswers: Count,
  droppedConnections: Count,
  requests: Count
}
export const TeamStats = Schema.Struct({ teamId: Schema.String, keyFingerprint: Schema.String, ...teamCounters, credits: Count }).annotations({
  identifier: "MockTeamStats",
  description: "One team's counters and balance."
})
export const Stats = Schema.Record({ key: Schema.String, value: TeamStats }).annotations({
  identifier: "MockStats",
  description: "Counters per team id."
})

export const Enrichment = Schema.Struct({
  id: Schema.String,
  teamId: Schema.String,
  input: Bulk.EnrichmentInput,
  types: Schema.Array(EnrichmentType.EnrichmentType),
  metadata: Schema.optional(Bulk.Metadata),
  status: EnrichmentStatus,
  errorCode: Schema.optional(Schema.String),
  createdAt: Time,
  completesAt: Time,
  completedAt: Schema.optional(Time),
  creditsCharged: Count,
  webhookUrl: Schema.optional(Schema.String),
  leadId: Schema.optional(Schema.String)
}).annotations({ identifier: "MockEnrichment", description: "A stored enrichment." })

// ---- dashboard ----------------------------------------------------------------------------

const Percentiles = Schema.Struct({ count: Count, p50: Schema.NullOr(Millis), p95: Schema.NullOr(Millis), max: Schema.NullOr(Millis) })

export const Snapshot = Schema.Struct({
  epoch: Count.annotations({ description: "bumped by a reset: lists held by a reader are stale" }),
  now: Time,
  teams: Schema.Array(Schema.Struct({
    teamId: Schema.String,
    keyFingerprint: Schema.String,
    credits: Count,
    hooks: Count,
    stats: Schema.Struct(teamCounters),
    window: Schema.Struct({
      enabled: Schema.Boolean,
      algorithm: Schema.Literal("sliding", "fixed"),
      limit: Count,
      windowMs: Millis,
      used: Count,
      slots: Schema.Array(Time).annotations({ description: "times of the requests the window still counts (sliding)" }),
      resetAt: Schema.NullOr(Time),
      stormUntil: Schema.NullOr(Time)
    })
  })),
  enrichments: Schema.Struct({ stored: Count, byStatus, created: Count, pending: Count, version: Count }),
  deliveries: Schema.Struct({
    seq: Count,
    retained: Count,
    delivered: Count,
    failed: Count,
    retries: Count,
    faults: Schema.Record({ key: Schema.String, value: Count }),
    latency: Percentiles
  }),
  requests: Schema.Struct({
    seq: Count,
    retained: Count,
    byClass: Schema.Struct({ "2xx": Count, "4xx": Count, "429": Count, "5xx": Count, connection: Count })
  }),
  options: Schema.Struct({ ...optionsFields, apiKeys: Count, leads: Count }).annotations({
    description: "the options in force; keys (and credits per key) are left out, keys counted"
  }),
  injected: Schema.Array(Schema.Struct({
    fault: RequestFault,
    route: Schema.NullOr(RouteName),
    left: Count,
    status: Schema.NullOr(Schema.Int)
  }))
}).annotations({
  identifier: "MockSnapshot",
  description: "The dashboard's summary: teams with credits and live rate-limit window, counts, knobs."
})

export const FeedMessage = Schema.Struct({
  summary: Snapshot,
  requests: Schema.Array(RecordedRequest),
  deliveries: Schema.Array(Delivery)
}).annotations({
  identifier: "MockFeedMessage",
  description: "The data of each `snapshot` and `update` event of `/__mock/events`: the summary, and the requests and deliveries recorded since the previous event (all retained ones, newest 500 / 300, in a `snapshot`)."
})
