/** The multi-process test's leads: lead i is the same in every worker, so its key is too. */
import type { Lead } from "../../src/index.js"

export const workerLeads = (n: number): ReadonlyArray<Lead.Lead> =>
  Array.from({ length: n }, (_, i) => ({
    input: { linkedinUrl: `https://www.linkedin.com/in/worker-lead-${i}` },
    metadata: i
  }))
