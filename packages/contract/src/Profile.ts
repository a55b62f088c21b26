/**
 * The `linkedin_enrichment` profile, with the field names of lemlist's sample (a sample
 * profile in lemlist's docs). Every field is optional: lemlist guarantees none.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const optionalString = Schema.optional(Schema.String)
const optionalNumber = Schema.optional(Schema.Number)

/**
 * A month and year; `{}` as an end date means "current".
 *
 * @since 0.1.0
 * @category models
 */
export const YearMonth = Schema.Struct({ month: optionalNumber, year: optionalNumber })

/**
 * @since 0.1.0
 * @category models
 */
export const PositionDate = Schema.Struct({ start: Schema.optional(YearMonth), end: Schema.optional(YearMonth) })

/**
 * A company in a position group. Sparse: some groups carry only `name`.
 *
 * @since 0.1.0
 * @category models
 */
export const PositionCompany = Schema.Struct({
  id: optionalNumber,
  name: optionalString,
  linkedinUrl: optionalString,
  linkedinUrlSalesNav: optionalString,
  logo: optionalString,
  domain: optionalString,
  website: optionalString,
  industry: optionalString,
  description: optionalString,
  employeesOnLinkedin: optionalNumber,
  foundedOn: optionalNumber,
  headQuarter: optionalString,
  size: optionalString,
  type: optionalString
})

/**
 * @since 0.1.0
 * @category models
 */
export const ProfilePosition = Schema.Struct({
  title: optionalString,
  description: optionalString,
  companyName: optionalString,
  date: Schema.optional(PositionDate)
})

/**
 * The time spent at one company, with the positions held there.
 *
 * @since 0.1.0
 * @category models
 */
export const PositionGroup = Schema.Struct({
  company: Schema.optional(PositionCompany),
  date: Schema.optional(PositionDate),
  profilePositions: Schema.optional(Schema.Array(ProfilePosition))
})

/**
 * A LinkedIn profile as lemlist returns it.
 *
 * @since 0.1.0
 * @category models
 */
export const LinkedinProfile = Schema.Struct({
  linkedinUrl: optionalString,
  linkedinClassicId: optionalString,
  linkedinMemberId: optionalNumber,
  firstName: optionalString,
  lastName: optionalString,
  picture: optionalString,
  locationName: optionalString,
  tagline: optionalString,
  industry: optionalString,
  summary: optionalString,
  languages: optionalString,
  skills: optionalString,
  occupation: optionalString,
  companyName: optionalString,
  companyLinkedinUrl: optionalString,
  companyId: optionalNumber,
  companyDomain: optionalString,
  companyWebsite: optionalString,
  companyDescription: optionalString,
  companyIndustry: optionalString,
  companyLogo: optionalString,
  companyType: optionalString,
  companyHeadQuarter: optionalString,
  companySize: optionalString,
  companyFoundedOn: optionalNumber,
  companyEmployeesOnLinkedin: optionalNumber,
  positionGroups: Schema.optional(Schema.Array(PositionGroup))
})

/**
 * @since 0.1.0
 * @category models
 */
export type LinkedinProfile = typeof LinkedinProfile.Type
