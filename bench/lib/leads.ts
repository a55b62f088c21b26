/** Synthetic leads: valid for `find_email` (names + company), all distinct. */
import type { Lead } from "@lemlist-effect/enrich"

export const leadInput = (i: number) => ({
  firstName: `Ada${i}`,
  lastName: `Lovelace${i}`,
  companyName: `Engines ${i % 997}`,
  companyDomain: `engines${i % 997}.example`
})

/** A lazy generator: nothing is held but the current lead. */
export function* leads(n: number, offset = 0): Generator<Lead.Lead> {
  for (let i = offset; i < offset + n; i++) yield { input: leadInput(i) }
}
