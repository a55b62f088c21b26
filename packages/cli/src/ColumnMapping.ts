/**
 * From CSV header to lemlist input fields: automatic mapping from the usual header spellings
 * of CRM and spreadsheet exports, `--map field=Column` overrides, the workflows from a column,
 * and the conversion of one row into a lead (or the reason it cannot be one).
 *
 * @since 0.1.0
 */
import type { Bulk } from "@lemlist-effect/contract"
import { EnrichmentType } from "@lemlist-effect/contract"
import * as Effect from "effect/Effect"
import { BadMapping, NoUsableColumns } from "./CliError.js"

/**
 * The fields a column can fill: lemlist's inputs, plus `fullName` (split into first and last
 * name when those columns are absent).
 *
 * @since 0.1.0
 * @category models
 */
export type Field = keyof Bulk.EnrichmentInput | "fullName"

/**
 * Every field, in the order the mapping is reported.
 *
 * @since 0.1.0
 * @category constants
 */
export const fields: ReadonlyArray<Field> = [
  "firstName",
  "lastName",
  "fullName",
  "email",
  "linkedinUrl",
  "companyName",
  "companyDomain",
  "jobTitle",
  "location"
]

/** Lowercase, letters and digits only: "First Name", "first_name" and "FirstName" all give "firstname". */
export const normaliseHeader = (header: string): string => header.toLowerCase().replace(/[^a-z0-9]/g, "")

/**
 * Header spellings per field, normalised, best first.
 *
 * @since 0.1.0
 * @category constants
 */
export const synonyms: { readonly [K in Field]: ReadonlyArray<string> } = {
  firstName: ["firstname", "first", "givenname", "fname", "prenom", "contactfirstname", "personfirstname"],
  lastName: ["lastname", "last", "surname", "familyname", "lname", "nom", "contactlastname", "personlastname"],
  fullName: ["fullname", "name", "contactname", "personname", "contact"],
  email: ["email", "emailaddress", "workemail", "businessemail", "professionalemail", "mail", "contactemail", "personemail"],
  linkedinUrl: [
    "linkedinurl",
    "linkedin",
    "linkedinprofile",
    "linkedinprofileurl",
    "linkedinlink",
    "personlinkedinurl",
    "profileurl",
    "li"
  ],
  companyName: ["companyname", "company", "organization", "organisation", "organizationname", "accountname", "account", "employer", "companyorganization"],
  companyDomain: ["companydomain", "domain", "emaildomain", "website", "companywebsite", "websiteurl", "companyurl", "web", "url", "site"],
  jobTitle: ["jobtitle", "title", "position", "role", "job", "headline"],
  location: ["location", "city", "locationname", "geo", "region", "country"]
}

/** User-facing names accepted on the left of `--map field=Column`. */
const fieldAliases: Record<string, Field> = (() => {
  const out: Record<string, Field> = {}
  for (const field of fields) {
    out[normaliseHeader(field)] = field
    for (const s of synonyms[field]) if (!(s in out)) out[s] = field
  }
  return out
})()

/**
 * Which column (by index) feeds each field.
 *
 * @since 0.1.0
 * @category models
 */
export interface Mapping {
  readonly headers: ReadonlyArray<string>
  readonly columns: { readonly [K in Field]?: number }
  /** The column holding per-row workflows, if any. */
  readonly typesColumn: number | undefined
}

/**
 * The automatic mapping of a header: for each field, the column whose normalised name is the
 * best-ranked synonym. A column feeds at most one field.
 *
 * @example
 * ```ts
 * import { ColumnMapping } from "@lemlist-effect/cli"
 *
 * ColumnMapping.automatic(["First Name", "Last Name", "Website"]).columns
 * // { firstName: 0, lastName: 1, companyDomain: 2 }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const automatic = (headers: ReadonlyArray<string>): Mapping => {
  const normalised = headers.map(normaliseHeader)
  const taken = new Set<number>()
  const columns: { -readonly [K in Field]?: number } = {}
  // Rank by synonym position across fields, so that "company" goes to companyName before
  // anything weaker can claim it.
  const candidates: Array<{ field: Field; rank: number; column: number }> = []
  for (const field of fields) {
    synonyms[field].forEach((s, rank) => {
      normalised.forEach((h, column) => {
        if (h === s) candidates.push({ field, rank, column })
      })
    })
  }
  candidates.sort((a, b) => a.rank - b.rank || a.column - b.column)
  for (const c of candidates) {
    if (columns[c.field] !== undefined || taken.has(c.column)) continue
    columns[c.field] = c.column
    taken.add(c.column)
  }
  return { headers, columns, typesColumn: undefined }
}

const findColumn = (headers: ReadonlyArray<string>, name: string): number | undefined => {
  const exact = headers.indexOf(name)
  if (exact >= 0) return exact
  const lower = headers.findIndex((h) => h.toLowerCase() === name.toLowerCase())
  if (lower >= 0) return lower
  const n = normaliseHeader(name)
  const norm = headers.findIndex((h) => normaliseHeader(h) === n)
  return norm >= 0 ? norm : undefined
}

const listHeaders = (headers: ReadonlyArray<string>) => headers.map((h) => JSON.stringify(h)).join(", ")

/**
 * The mapping for a file: automatic, then `--map field=Column` overrides (an empty column
 * unmaps the field), then the types column. Fails when a name is unknown or nothing usable
 * remains.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: {
  readonly path: string
  readonly headers: ReadonlyArray<string>
  readonly overrides?: ReadonlyArray<readonly [string, string]>
  readonly typesColumn?: string | undefined
}): Effect.Effect<Mapping, BadMapping | NoUsableColumns> =>
  Effect.gen(function*() {
    const base = automatic(options.headers)
    const columns: { -readonly [K in Field]?: number } = { ...base.columns }
    let typesColumn: number | undefined
    if (options.typesColumn !== undefined) {
      typesColumn = findColumn(options.headers, options.typesColumn)
      if (typesColumn === undefined) {
        return yield* new BadMapping({
          detail: `--types-column ${JSON.stringify(options.typesColumn)}: no such column (columns: ${listHeaders(options.headers)})`
        })
      }
      for (const field of fields) if (columns[field] === typesColumn) delete columns[field]
    }
    for (const [rawField, column] of options.overrides ?? []) {
      const field = fieldAliases[normaliseHeader(rawField)]
      if (field === undefined) {
        return yield* new BadMapping({
          detail: `--map ${rawField}=${column}: unknown field ${JSON.stringify(rawField)} (fields: ${fields.join(", ")})`
        })
      }
      if (column.trim() === "") {
        delete columns[field]
        continue
      }
      const index = findColumn(options.headers, column)
      if (index === undefined) {
        return yield* new BadMapping({
          detail: `--map ${rawField}=${column}: no column ${JSON.stringify(column)} (columns: ${listHeaders(options.headers)})`
        })
      }
      for (const f of fields) if (f !== field && columns[f] === index) delete columns[f]
      columns[field] = index
    }
    if (Object.keys(columns).length === 0) {
      return yield* new NoUsableColumns({ path: options.path, headers: options.headers })
    }
    return { headers: options.headers, columns, typesColumn }
  })

/**
 * A readable description of a mapping, one `field <- "Column"` per mapped field.
 *
 * @since 0.1.0
 * @category utils
 */
export const describe = (mapping: Mapping): string =>
  [
    ...fields.flatMap((f) => {
      const c = mapping.columns[f]
      return c === undefined ? [] : [`${f} <- ${JSON.stringify(mapping.headers[c])}`]
    }),
    ...(mapping.typesColumn === undefined ? [] : [`types <- ${JSON.stringify(mapping.headers[mapping.typesColumn])}`])
  ].join(", ")

// ---------------------------------------------------------------------------------------------
// Value normalisation
// ---------------------------------------------------------------------------------------------

/**
 * A website or URL reduced to its domain: no scheme, `www.`, port, path, query or trailing dot.
 *
 * @example
 * ```ts
 * import { ColumnMapping } from "@lemlist-effect/cli"
 *
 * ColumnMapping.toDomain("https://www.Example.com/about?x=1") // "example.com"
 * ColumnMapping.toDomain("ada@example.org") // "example.org"
 * ```
 *
 * @since 0.1.0
 * @category normalise
 */
export const toDomain = (value: string): string => {
  let v = value.trim().toLowerCase()
  const at = v.lastIndexOf("@")
  if (at >= 0 && !v.includes("/")) v = v.slice(at + 1)
  v = v.replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/^\/\//, "")
  v = v.split(/[/?#]/)[0] ?? ""
  v = v.replace(/^[^@]*@/, "").replace(/:\d+$/, "").replace(/\.$/, "")
  return v.replace(/^www\d*\./, "")
}

/**
 * A LinkedIn profile URL with a scheme (`linkedin.com/in/x` gets `https://`).
 *
 * @since 0.1.0
 * @category normalise
 */
export const toLinkedinUrl = (value: string): string => {
  const v = value.trim()
  return /^([a-z]+\.)?linkedin\.com\//i.test(v) ? `https://${v}` : v
}

// ---------------------------------------------------------------------------------------------
// Row -> lead
// ---------------------------------------------------------------------------------------------

/**
 * What one data row becomes: a lead's input and workflows, or a reason to skip it (the row
 * still appears in the output, with that reason).
 *
 * @since 0.1.0
 * @category models
 */
export type RowLead =
  | {
    readonly _tag: "Lead"
    readonly input: Bulk.EnrichmentInput
    readonly types: ReadonlyArray<EnrichmentType.EnrichmentType>
  }
  | { readonly _tag: "Skip"; readonly code: "MALFORMED_ROW" | "NO_TYPES" | "UNKNOWN_TYPE"; readonly message: string }

/**
 * Splits a workflows cell: `find_email,verify`, `find_email; verify`, `find_email verify`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseTypes = (
  text: string
): { readonly _tag: "Ok"; readonly types: ReadonlyArray<EnrichmentType.EnrichmentType> } | {
  readonly _tag: "Unknown"
  readonly unknown: ReadonlyArray<string>
} => {
  const parts = text.split(/[\s,;|]+/).map((s) => s.trim()).filter((s) => s.length > 0)
  const unknown = parts.filter((p) => !EnrichmentType.is(p))
  if (unknown.length > 0) return { _tag: "Unknown", unknown }
  return { _tag: "Ok", types: [...new Set(parts as Array<EnrichmentType.EnrichmentType>)] }
}

/**
 * Converts a data row. `defaultTypes` applies when there is no types column or its cell is
 * empty. A row whose field count differs from the header's is skipped as `MALFORMED_ROW`:
 * its columns cannot be trusted.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toLead = (
  mapping: Mapping,
  row: ReadonlyArray<string>,
  defaultTypes: ReadonlyArray<EnrichmentType.EnrichmentType>
): RowLead => {
  if (row.length !== mapping.headers.length) {
    return {
      _tag: "Skip",
      code: "MALFORMED_ROW",
      message: `the row has ${row.length} field${row.length === 1 ? "" : "s"}, the header ${mapping.headers.length}`
    }
  }
  let types = defaultTypes
  if (mapping.typesColumn !== undefined) {
    const cell = row[mapping.typesColumn] ?? ""
    if (cell.trim() !== "") {
      const parsed = parseTypes(cell)
      if (parsed._tag === "Unknown") {
        return {
          _tag: "Skip",
          code: "UNKNOWN_TYPE",
          message: `unknown enrichment type ${parsed.unknown.join(", ")} (known: ${EnrichmentType.all.join(", ")})`
        }
      }
      types = parsed.types
    }
  }
  if (types.length === 0) {
    return { _tag: "Skip", code: "NO_TYPES", message: "no enrichment type: the types column is empty and --types is not given" }
  }
  const input: { -readonly [K in keyof Bulk.EnrichmentInput]?: string } = {}
  const cell = (field: Field): string | undefined => {
    const c = mapping.columns[field]
    if (c === undefined) return undefined
    const v = (row[c] ?? "").trim()
    return v.length > 0 ? v : undefined
  }
  const set = (field: keyof Bulk.EnrichmentInput, value: string | undefined) => {
    if (value !== undefined && value.length > 0) input[field] = value
  }
  set("firstName", cell("firstName"))
  set("lastName", cell("lastName"))
  const full = cell("fullName")
  if (full !== undefined && input.firstName === undefined && input.lastName === undefined) {
    const [first, ...rest] = full.split(/\s+/)
    set("firstName", first)
    set("lastName", rest.join(" "))
  }
  set("email", cell("email"))
  const linkedin = cell("linkedinUrl")
  set("linkedinUrl", linkedin === undefined ? undefined : toLinkedinUrl(linkedin))
  set("companyName", cell("companyName"))
  const domain = cell("companyDomain")
  set("companyDomain", domain === undefined ? undefined : toDomain(domain))
  set("jobTitle", cell("jobTitle"))
  set("location", cell("location"))
  return { _tag: "Lead", input, types }
}
