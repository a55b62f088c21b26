/**
 * Generates `examples/leads.csv`: 2,000 synthetic leads (no real person: invented names and
 * companies on `.example` domains), deterministic (seeded), with the mix of a real CRM export:
 * complete rows, rows with only a LinkedIn URL, rows missing inputs, duplicates, websites
 * written as URLs, quoted commas, and a few malformed rows (wrong field count).
 *
 * Run from the repo root: `pnpm --filter @lemlist-effect/cli exec tsx ../../examples/generate-leads.ts`
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { csvText } from "../packages/cli/src/Output.js"

/** mulberry32: a small seeded PRNG, so the file is the same on every machine. */
export const random = (seed: number) => () => {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const firstNames = [
  "Ada", "Grace", "Alan", "Linus", "Margaret", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Dennis",
  "Hedy", "Tim", "Katherine", "John", "Shafi", "Niklaus", "Sophie", "Yukihiro", "Anita", "Leslie", "Karen", "Bjarne",
  "José", "Zoë", "Chloé", "Søren", "Łukasz", "Amélie", "Nuno", "Ines", "Mateo", "Priya", "Wei", "Aiko", "Omar", "Fatima"
]
const lastNames = [
  "Quillfeather", "Brambleton", "Marchetti-Example", "Okonkwo-Test", "Vandersloot", "Pemberton", "Lindqvist", "Haverford",
  "Castellano", "Nakamura-Demo", "Duchamp", "Oyelaran", "Fairweather", "Kowalczyk", "Abernathy", "Delacroix-Sample",
  "Thistlewood", "Montague", "Rasmussen", "O'Fakename", "Silvermoon", "Ashcombe", "Whitlock", "Beaumont"
]
const companyWords = [
  "Northwind", "Contoso", "Fabrikam", "Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Acme", "Wayne", "Stark",
  "Tyrell", "Cyberdyne", "Soylent", "Monarch", "Aperture", "Dunder", "Pied Piper", "Wonka", "Oscorp"
]
const companySuffixes = ["Labs", "Industries", "Analytics", "Logistics", "Software", "Partners", "Health", "Robotics", "Foods", "Energy"]
const titles = [
  "Head of Growth", "VP Sales", "Chief Technology Officer", "Marketing Manager", "Account Executive", "Founder & CEO",
  "Data Engineer", "Product Manager", "Operations Director", "Customer Success Lead", "SDR", "Procurement Officer"
]

export const header = ["First Name", "Last Name", "Company", "Website", "Email", "LinkedIn URL", "Job Title"]

/**
 * What a row was generated as. Only `nothingUsable` rows (a job title alone) are meant to be
 * bad leads: every other kind can run at least one enrichment type. `malformed` rows have a
 * wrong field count (the command skips them before they become leads).
 */
export type Kind = "complete" | "linkedinOnly" | "emailOnly" | "noDomain" | "noCompanyName" | "nothingUsable" | "malformed"

export const generate = (count = 2000, seed = 20261126): Array<Array<string>> => generateLabelled(count, seed).map((r) => r.row)

/** The rows with the kind each was generated as (a duplicate has its original's kind). */
export const generateLabelled = (count = 2000, seed = 20261126): Array<{ row: Array<string>; kind: Kind }> => {
  const rnd = random(seed)
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(rnd() * xs.length)]!
  const slug = (s: string) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")
  const rows: Array<{ row: Array<string>; kind: Kind }> = []
  for (let i = 0; i < count; i++) {
    const first = pick(firstNames)
    const last = pick(lastNames)
    const company = `${pick(companyWords)} ${pick(companySuffixes)}`
    const domain = `${slug(company)}.example`
    const websiteStyle = rnd()
    const website = websiteStyle < 0.4 ? domain : websiteStyle < 0.7 ? `https://www.${domain}` : websiteStyle < 0.85 ? `http://${domain}/about-us` : `www.${domain}`
    const email = `${slug(first)}.${slug(last)}@${domain}`
    const linkedin = `https://www.linkedin.com/in/example-${slug(first)}-${slug(last)}-${Math.floor(rnd() * 1e6)}`
    const title = pick(titles)
    const kind = rnd()
    let row: Array<string>
    let label: Kind
    if (kind < 0.5) {
      label = "complete"
      // complete: names, company, website; email and LinkedIn often there
      row = [first, last, rnd() < 0.15 ? `${company}, Inc.` : company, website, rnd() < 0.5 ? email : "", rnd() < 0.6 ? linkedin : "", title]
    } else if (kind < 0.65) {
      label = "linkedinOnly"
      // only a LinkedIn URL (sometimes without the scheme)
      row = ["", "", "", "", "", rnd() < 0.2 ? linkedin.replace("https://www.", "") : linkedin, ""]
    } else if (kind < 0.77) {
      label = "emailOnly"
      // email only
      row = ["", "", "", "", email, "", rnd() < 0.5 ? title : ""]
    } else if (kind < 0.9) {
      label = "noDomain"
      // names and company but no website, no LinkedIn: find_email cannot run (MISSING_INPUTS),
      // linkedin_enrichment can (names with a company name)
      row = [first, last, company, "", rnd() < 0.4 ? email : "", "", title]
    } else if (kind < 0.97) {
      label = "noCompanyName"
      // names, website, no company name
      row = [first, last, "", website, "", "", title]
    } else {
      label = "nothingUsable"
      // nothing usable: a job title alone
      row = ["", "", "", "", "", "", title]
    }
    rows.push({ row, kind: label })
  }
  // A few duplicates, as CRM exports have: same lead twice, enriched (and charged) once.
  for (let d = 0; d < 10; d++) {
    const at = 100 + d * 150
    if (at + 1 >= rows.length) break
    rows[at + 1] = { row: [...rows[at]!.row], kind: rows[at]!.kind }
  }
  // A few malformed rows: a field too many (an unquoted comma) or too few.
  for (const at of [333, 777, 1234, 1500, 1999]) {
    if (at >= rows.length) break
    const row = rows[at]!.row
    rows[at] = {
      row: at % 2 === 0 ? [...row.slice(0, 5)] : [...row.slice(0, 2), "Smith", "Jones & Co", ...row.slice(3)],
      kind: "malformed"
    }
  }
  return rows
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const target = path.join(path.dirname(fileURLToPath(import.meta.url)), "leads.csv")
  fs.writeFileSync(target, csvText([header, ...generate()]))
  console.log(`wrote ${target}`)
}
