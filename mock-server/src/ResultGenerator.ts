/**
 * Realistic, deterministic results: a pure function of (seed, input, workflow, result mix).
 * Emails sit on the lead's company domain, phones are E.164, verify statuses follow the
 * configured mix, LinkedIn profiles carry a position history. Nothing is stored: a result is
 * regenerated whenever it is read, which keeps each stored enrichment small.
 *
 * @since 0.1.0
 */
import { Result } from "@lemlist-effect/contract"
import type { Bulk, EnrichmentType, Profile } from "@lemlist-effect/contract"
import type { ResolvedOptions } from "./Options.js"
import { hashPair, makeRng, pickWeighted, type Rng } from "./Random.js"

type Mix = ResolvedOptions["results"]
type Input = Bulk.EnrichmentInput

/**
 * What an enrichment produced: a result, or a provider failure.
 *
 * @since 0.1.0
 * @category models
 */
export type Generated =
  | { readonly _tag: "Done"; readonly result: Result.EnrichmentResult }
  | { readonly _tag: "ProviderError" }

const verifyStatuses = ["deliverable", "risky", "undeliverable", "unknown"] as const

const inputKey = (input: Input): string =>
  `${input.linkedinUrl ?? ""}|${input.email ?? ""}|${input.firstName ?? ""}|${input.lastName ?? ""}|${
    input.companyName ?? ""
  }|${input.companyDomain ?? ""}|${input.jobTitle ?? ""}|${input.location ?? ""}`

const rngFor = (seed: number, key: string, salt: string): Rng => makeRng(hashPair(salt, key, seed))

// eslint-disable-next-line no-control-regex
const pureAscii = /^[\x00-\x7f]*$/

/** Lower-case ASCII letters only ("Zoë-Ann" → "zoeann"). */
const asciiName = (s: string): string =>
  // NFKD and the combining marks only matter beyond ASCII; skipping them is the hot path's saving.
  (pureAscii.test(s) ? s : s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")).toLowerCase().replace(/[^a-z]/g, "")

const capitalise = (s: string): string => (s.length === 0 ? s : s[0].toUpperCase() + s.slice(1))

/** "https://www.Acme.com/about" → "acme.com". */
export const normaliseDomain = (d: string): string =>
  // Already bare (the usual case): the three rewrites below would return it unchanged.
  bareDomain.test(d) ? d : d.trim().toLowerCase().replace(/^[a-z]+:\/\//, "").replace(/^www\./, "").replace(/[/:?#].*$/, "")

const bareDomain = /^(?!www\.)[a-z0-9.-]+$/

const firstNames = ["ada", "alan", "grace", "linus", "margaret", "ken", "barbara", "dennis", "frances", "tim", "radia", "john"]
const lastNames = ["lovelace", "turing", "hopper", "torvalds", "hamilton", "thompson", "liskov", "ritchie", "allen", "lee", "perlman", "backus"]
// Invented companies on the reserved `.example` TLD (RFC 2606), used when the input names none.
const companies = [
  { name: "Globex", domain: "globex.example", industry: "Computer Software" },
  { name: "Initech", domain: "initech.example", industry: "Information Technology & Services" },
  { name: "Umbrella Labs", domain: "umbrella-labs.example", industry: "Biotechnology" },
  { name: "Hooli", domain: "hooli.example", industry: "Internet" },
  { name: "Vandelay Industries", domain: "vandelay.example", industry: "Import & Export" },
  { name: "Stark Logistics", domain: "stark-logistics.example", industry: "Logistics & Supply Chain" }
]
const titles = ["Head of Sales", "Software Engineer", "Marketing Manager", "CTO", "Account Executive", "Product Manager", "Growth Lead"]
const skills = ["Sales", "Negotiation", "TypeScript", "Leadership", "SEO", "Product Management", "Public Speaking", "SQL"]
const languages = ["English", "French", "German", "Spanish", "Italian"]
const sizes = ["1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000"]

interface Person {
  readonly first: string
  readonly last: string
  readonly companyName: string
  readonly domain: string
  readonly industry: string
}

const slugOf = (linkedinUrl: string | undefined): ReadonlyArray<string> => {
  const m = /\/in\/([^/?#]+)/.exec(linkedinUrl ?? "")
  if (!m) return []
  let slug = m[1]
  try {
    slug = decodeURIComponent(slug)
  } catch {
    // keep it raw
  }
  return slug.split(/[-_.]/).map(asciiName).filter((p) => p.length > 1 && !/^\d+$/.test(p))
}

const personOf = (input: Input, key: string, seed: number): Person => {
  const rng = rngFor(seed, key, "person")
  const slug = slugOf(input.linkedinUrl)
  const emailLocal = input.email?.split("@")[0]?.split(/[._-]/).map(asciiName).filter((p) => p.length > 0) ?? []
  const first = asciiName(input.firstName ?? "") || slug[0] || emailLocal[0] || firstNames[(rng() * firstNames.length) | 0]
  const last = asciiName(input.lastName ?? "") || slug[1] || emailLocal[1] || lastNames[(rng() * lastNames.length) | 0]
  const invented = companies[(rng() * companies.length) | 0]
  const emailDomain = input.email?.includes("@") ? normaliseDomain(input.email.split("@")[1] ?? "") : ""
  const domain = (input.companyDomain && normaliseDomain(input.companyDomain)) || emailDomain || invented.domain
  const companyName = input.companyName?.trim() ||
    (input.companyDomain || emailDomain ? capitalise(domain.split(".")[0]) : invented.name)
  return { first, last, companyName, domain, industry: invented.industry }
}

const emailWeights = [0.55, 0.2, 0.15, 0.1]

const emailFor = (p: Person, rng: Rng): string => {
  // Only the chosen pattern is built (the draw is the same).
  const i = pickWeighted(emailWeights, rng())
  const local = i === 0 ? `${p.first}.${p.last}` : i === 1 ? p.first : i === 2 ? `${p.first[0]}${p.last}` : `${p.first}${p.last[0]}`
  return `${local}@${p.domain}`
}

const digits = (rng: Rng, n: number): string => {
  let s = ""
  for (let i = 0; i < n; i++) s += (rng() * 10) | 0
  return s
}

/** E.164, with the country taken from `location` when it names one. */
const phoneFor = (location: string | undefined, rng: Rng): string => {
  const l = (location ?? "").toLowerCase()
  if (/france|paris|lyon/.test(l)) return `+33${rng() < 0.5 ? 6 : 7}${digits(rng, 8)}`
  if (/united kingdom|\buk\b|london|england/.test(l)) return `+447${digits(rng, 9)}`
  if (/germany|berlin|munich/.test(l)) return `+4915${digits(rng, 9)}`
  if (/spain|madrid|barcelona/.test(l)) return `+346${digits(rng, 8)}`
  // North American numbering: area code and exchange never start with 0 or 1.
  return `+1${2 + ((rng() * 8) | 0)}${digits(rng, 2)}${2 + ((rng() * 8) | 0)}${digits(rng, 6)}`
}

const pick = <A>(rng: Rng, xs: ReadonlyArray<A>): A => xs[(rng() * xs.length) | 0]

const profileFor = (input: Input, p: Person, rng: Rng): Profile.LinkedinProfile => {
  const slugId = digits(rng, 6)
  const linkedinUrl = input.linkedinUrl?.trim() || `https://www.linkedin.com/in/${p.first}-${p.last}-${slugId}`
  const title = input.jobTitle?.trim() || pick(rng, titles)
  const startYear = 2026 - 1 - ((rng() * 6) | 0)
  const startMonth = 1 + ((rng() * 12) | 0)
  const previous = companies.filter((c) => c.domain !== p.domain)
  const groups: Array<Profile.LinkedinProfile["positionGroups"] extends ReadonlyArray<infer G> | undefined ? G : never> = [{
    company: {
      id: 1000 + ((rng() * 9_000_000) | 0),
      name: p.companyName,
      linkedinUrl: `https://www.linkedin.com/company/${p.domain.split(".")[0]}`,
      domain: p.domain,
      website: `https://${p.domain}`,
      industry: p.industry,
      size: pick(rng, sizes)
    },
    date: { start: { month: startMonth, year: startYear }, end: {} },
    profilePositions: [{
      title,
      companyName: p.companyName,
      date: { start: { month: startMonth, year: startYear }, end: {} }
    }]
  }]
  let endYear = startYear
  const history = 1 + ((rng() * 3) | 0)
  for (let i = 0; i < history; i++) {
    const c = pick(rng, previous)
    const from = endYear - 1 - ((rng() * 4) | 0)
    const date = { start: { month: 1 + ((rng() * 12) | 0), year: from }, end: { month: 1 + ((rng() * 12) | 0), year: endYear } }
    // lemlist's sample has sparse companies in older groups: sometimes only a name.
    groups.push({
      company: rng() < 0.5 ? { name: c.name } : { name: c.name, domain: c.domain, industry: c.industry },
      date,
      profilePositions: [{ title: pick(rng, titles), companyName: c.name, date }]
    })
    endYear = from
  }
  const first = capitalise(p.first)
  const last = capitalise(p.last)
  return {
    linkedinUrl,
    linkedinClassicId: `ACoAA${digits(rng, 10)}`,
    linkedinMemberId: 100_000_000 + ((rng() * 800_000_000) | 0),
    firstName: first,
    lastName: last,
    picture: `https://media.licdn.example/${p.first}-${p.last}.jpg`,
    locationName: input.location?.trim() || pick(rng, ["Paris, France", "London, United Kingdom", "New York, United States", "Berlin, Germany"]),
    tagline: `${title} at ${p.companyName}`,
    industry: p.industry,
    summary: `${first} ${last} works as ${title} at ${p.companyName}.`,
    languages: [pick(rng, languages), pick(rng, languages)].filter((x, i, a) => a.indexOf(x) === i).join(", "),
    skills: [pick(rng, skills), pick(rng, skills), pick(rng, skills)].filter((x, i, a) => a.indexOf(x) === i).join(", "),
    occupation: `${title} at ${p.companyName}`,
    companyName: p.companyName,
    companyLinkedinUrl: `https://www.linkedin.com/company/${p.domain.split(".")[0]}`,
    companyId: groups[0].company?.id ?? 0,
    companyDomain: p.domain,
    companyWebsite: `https://${p.domain}`,
    companyIndustry: p.industry,
    companySize: groups[0].company?.size ?? "11-50",
    companyFoundedOn: 1990 + ((rng() * 34) | 0),
    companyEmployeesOnLinkedin: 5 + ((rng() * 5000) | 0),
    positionGroups: groups
  }
}

// Reused (generation is synchronous): no array per draw.
const verifyWeights = [0, 0, 0, 0]

const verifyStatus = (mix: Mix, r: number): Result.VerifyStatus => {
  for (let i = 0; i < verifyStatuses.length; i++) verifyWeights[i] = mix.verify[verifyStatuses[i]]
  return verifyStatuses[pickWeighted(verifyWeights, r)]
}

/**
 * The outcome of one enrichment: the same (seed, input, types, mix) always give the same
 * outcome. Each workflow draws from its own stream, so adding a workflow never changes the
 * others' results.
 *
 * @example
 * ```ts
 * import { generate } from "@lemlist-effect/mock-server/ResultGenerator"
 * import { defaults } from "@lemlist-effect/mock-server/Options"
 *
 * generate({ email: "ada@acme.com" }, ["verify"], 7, defaults.results)
 * // { _tag: "Done", result: { verify: { status: "deliverable" } } } (for example)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const generate = (
  input: Input,
  types: ReadonlyArray<EnrichmentType.EnrichmentType>,
  seed: number,
  mix: Mix
): Generated => {
  const key = inputKey(input)
  if (mix.providerErrorRate > 0 && rngFor(seed, key, "error")() < mix.providerErrorRate) return { _tag: "ProviderError" }
  const out: { -readonly [K in keyof Result.EnrichmentResult]: Result.EnrichmentResult[K] } = {}
  // Computed on first need (find_email, linkedin_enrichment), at most once.
  let person: Person | undefined
  for (const type of types) {
    const rng = rngFor(seed, key, type)
    switch (type) {
      case "find_email": {
        const found = rng() < mix.found.find_email
        out.find_email = found
          ? { found: true, value: { email: emailFor((person ??= personOf(input, key, seed)), rng), status: verifyStatus(mix, rng()) } }
          : { found: false }
        break
      }
      case "verify": {
        // Deterministic per address, whatever else the input holds.
        out.verify = { status: verifyStatus(mix, rngFor(seed, (input.email ?? "").trim().toLowerCase(), "verify")()) }
        break
      }
      case "find_phone": {
        out.find_phone = rng() < mix.found.find_phone
          ? { found: true, value: { phone: phoneFor(input.location, rng) } }
          : { found: false }
        break
      }
      case "linkedin_enrichment": {
        out.linkedin_enrichment = rng() < mix.found.linkedin_enrichment
          ? { found: true, value: profileFor(input, (person ??= personOf(input, key, seed)), rng) }
          : { found: false }
        break
      }
    }
  }
  return { _tag: "Done", result: out }
}

/**
 * What a result costs (docs/decisions.md #13): `find_email` only for a deliverable or risky email,
 * `find_phone` and `linkedin_enrichment` only when found, `verify` always.
 *
 * @since 0.1.0
 * @category utils
 */
export const costOf = (result: Result.EnrichmentResult, costs: EnrichmentType.CreditCosts): number =>
  Result.creditCost(result, costs)
