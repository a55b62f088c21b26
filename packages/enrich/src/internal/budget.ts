/**
 * What a run may still send: nothing once lemlist reported the credits gone, and no lead whose
 * most cost would pass the `budget` committed so far.
 *
 * @internal
 */
import { EnrichmentType as Types } from "@lemlist-effect/contract"
import type * as Lifecycle from "./lifecycle.js"
import type { Settings } from "./settings.js"

/** @internal */
export const make = (settings: Settings) => {
  let committed = 0
  /** The lead's event about to be sent: `Sending`, or `NotSent` and why. */
  return (lead: Lifecycle.Lead, creditsGone: boolean): Lifecycle.Event => {
    if (creditsGone) {
      return { _tag: "NotSent", reason: "CreditsExhausted", description: "not sent: lemlist reported the team's credits gone" }
    }
    const budget = settings.budget
    if (budget !== undefined) {
      const most = Types.maxCost(lead.types, settings.costs)
      if (committed + most > budget) {
        return { _tag: "NotSent", reason: "BudgetExhausted", description: `not sent: the budget of ${budget} credits is committed` }
      }
      committed += most
    }
    return { _tag: "Sending" }
  }
}
