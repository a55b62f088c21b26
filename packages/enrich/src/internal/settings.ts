/**
 * A run's options with their defaults applied, once, at its start.
 *
 * @internal
 */
import type { EnrichmentType } from "@lemlist-effect/contract"
import { EnrichmentType as Types } from "@lemlist-effect/contract"
import * as Duration from "effect/Duration"
import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import type { Options } from "../Enrichment.js"

/** The run's options with their defaults applied. */
export interface Settings {
  readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  readonly missingInputs: NonNullable<Options["missingInputs"]>
  readonly costs: EnrichmentType.CreditCosts
  readonly batchSize: number
  readonly maxInFlight: number
  readonly resendUndetermined: boolean
  readonly budget: number | undefined
  readonly webhookUrl: string | undefined
  readonly polling: {
    readonly initialDelay: number
    readonly webhookGrace: number
    readonly maxInterval: number
    readonly deadline: number
    readonly concurrency: number
  }
  /** When to poll a fresh enrichment first: soon without webhooks, after a grace with them. */
  readonly firstPoll: number
  /**
   * When to poll first an enrichment an earlier run submitted: at once, unless the receiver's
   * URL outlived that run (lemlist's webhook retries reach this one): then after the grace.
   */
  readonly resumedFirstPoll: number
  /** Several workers on one run (the `worker` option): this one's name and lease (ms). */
  readonly worker: { readonly id: string; readonly lease: number } | undefined
}

/** @internal */
export const settings = (
  options: Options,
  receiver: { readonly url: string; readonly stable: boolean } | undefined
): Settings => {
  const webhookUrl = receiver?.url
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 500, 500))
  const polling = {
    initialDelay: Duration.toMillis(options.polling?.initialDelay ?? "2 seconds"),
    webhookGrace: Duration.toMillis(options.polling?.webhookGrace ?? "2 minutes"),
    maxInterval: Duration.toMillis(options.polling?.maxInterval ?? "30 seconds"),
    deadline: Duration.toMillis(options.polling?.deadline ?? "1 hour"),
    concurrency: options.polling?.concurrency ?? 10
  }
  return {
    types: [...new Set(options.types)],
    missingInputs: options.missingInputs ?? "reject",
    costs: options.costs ?? Types.defaultCosts,
    batchSize,
    maxInFlight: Math.max(batchSize * 2, options.maxInFlight ?? 20_000),
    resendUndetermined: options.resendUndetermined ?? false,
    budget: options.budget,
    webhookUrl,
    polling,
    firstPoll: webhookUrl === undefined ? polling.initialDelay : polling.webhookGrace,
    resumedFirstPoll: receiver?.stable === true ? polling.webhookGrace : 0,
    worker: options.worker === undefined ? undefined : {
      id: options.worker.id ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
      lease: Math.max(1_000, Duration.toMillis(options.worker.lease ?? "30 seconds"))
    }
  }
}
