import { cachedPattern, REGEXP_SQL_FUNCTION, RegexpError } from './regexp'
import { likeEscape } from './sql'

/**
 * Filters of the current Umami API (umami-v2.md §1.1): `key=op.value` (v3), `key=!value`, `~value`,
 * `!~value` (v2 prefixes), plain `key=value` (equals); comma lists for eq/neq; numbered repeats
 * (`browser1=…`); `match=any` to OR them. Column names come from the allow-list below only.
 *
 * `re` / `nre` (v3 only: the v2 prefix syntax has no regex prefix) match a case-insensitive regular
 * expression, as Umami's PostgreSQL `~*` does, through the SQL function of ./regexp. As in Umami, the
 * pattern is not split on commas (`{1,3}` is regex syntax); alternatives are written `a|b`.
 */

export type FilterOperator = 'eq' | 'neq' | 'c' | 'dnc' | 're' | 'nre'

/** Filter name → SQL column over `website_event e` / `session s`. */
export const FILTER_COLUMNS = {
  path: 'e.url_path',
  referrer: 'e.referrer_domain',
  title: 'e.page_title',
  query: 'e.url_query',
  event: 'e.event_name',
  hostname: 'e.hostname',
  tag: 'e.tag',
  utmSource: 'e.utm_source',
  utmMedium: 'e.utm_medium',
  utmCampaign: 'e.utm_campaign',
  utmContent: 'e.utm_content',
  utmTerm: 'e.utm_term',
  os: 's.os',
  browser: 's.browser',
  device: 's.device',
  country: 's.country',
  region: 's.region',
  city: 's.city',
  language: 's.language',
  distinctId: 's.distinct_id'
} as const

export type FilterName = keyof typeof FILTER_COLUMNS

/** v2 names of the same filters. */
const ALIASES: Record<string, FilterName> = { url: 'path', host: 'hostname' }

export interface Filter {
  name: FilterName
  operator: FilterOperator
  values: string[]
}

export interface ParsedFilters {
  filters: Filter[]
  match: 'all' | 'any'
}

const V3_OPERATOR = /^(eq|neq|c|dnc|s|ns|re|nre|t|f|gt|lt|gte|lte|bf|af)\.(.*)$/s
const SUPPORTED: Record<string, FilterOperator | undefined> = { eq: 'eq', neq: 'neq', c: 'c', dnc: 'dnc', re: 're', nre: 'nre' }
const MAX_VALUES = 50
/**
 * Far beyond any stored value (at most 500 characters), and far below SQLite's limit on LIKE patterns
 * (50 000 bytes), which a longer `c`/`dnc` value would hit as a failed query.
 */
const MAX_VALUE_LENGTH = 2000

export class FilterError extends Error {
  override name = 'FilterError'
}

function parseValue(name: FilterName, raw: string): Filter {
  const v3 = V3_OPERATOR.exec(raw)
  let operator: FilterOperator
  let value: string
  if (v3) {
    const supported = SUPPORTED[v3[1]!]
    if (!supported) throw new FilterError(`Filter operator "${v3[1]}" is not supported on ${name}; use eq, neq, c, dnc, re or nre`)
    operator = supported
    value = v3[2]!
  } else if (raw.startsWith('!~')) {
    operator = 'dnc'
    value = raw.slice(2)
  } else if (raw.startsWith('!')) {
    operator = 'neq'
    value = raw.slice(1)
  } else if (raw.startsWith('~')) {
    operator = 'c'
    value = raw.slice(1)
  } else {
    operator = 'eq'
    value = raw
  }
  const values = operator === 'eq' || operator === 'neq' ? value.split(',') : [value]
  if (values.length > MAX_VALUES) throw new FilterError(`Too many values for ${name} (at most ${MAX_VALUES})`)
  if (values.some((v) => v.length > MAX_VALUE_LENGTH)) {
    throw new FilterError(`A value of the ${name} filter may be at most ${MAX_VALUE_LENGTH} characters`)
  }
  if (operator === 're' || operator === 'nre') checkPattern(name, value)
  return { name, operator, values }
}

/** Refuses a pattern at request time, so that a query never starts with one the SQL function would reject. */
function checkPattern(name: FilterName, pattern: string): void {
  try {
    cachedPattern(pattern)
  } catch (error) {
    if (error instanceof RegexpError) throw new FilterError(`Invalid regular expression in the ${name} filter: ${error.message}`)
    throw error
  }
}

/** Reads the filters out of a query string object; unknown keys are left for the route to judge. */
export function parseFilters(query: Record<string, unknown>): ParsedFilters {
  const filters: Filter[] = []
  for (const [key, raw] of Object.entries(query)) {
    if (typeof raw !== 'string' || raw === '') continue
    const base = key.replace(/\d+$/, '')
    const name = (ALIASES[base] ?? base) as FilterName
    if (!(name in FILTER_COLUMNS)) continue
    filters.push(parseValue(name, raw))
  }
  const match = query.match === 'any' ? 'any' : 'all'
  return { filters, match }
}

export interface FilterSql {
  /** Condition text (starting with ' AND '), empty when there are no filters. */
  sql: string
  params: Record<string, string>
  needsSession: boolean
}

/**
 * SQL for the filters, with values bound as `@fN` parameters. `skip` leaves out filters on a column the
 * query itself groups by (Umami drops a filter on the metric's own field only when asked).
 */
export function filterSql(parsed: ParsedFilters, options: { prefix?: string; skip?: FilterName[] } = {}): FilterSql {
  const prefix = options.prefix ?? 'f'
  const params: Record<string, string> = {}
  const conditions: string[] = []
  let needsSession = false
  let n = 0
  for (const filter of parsed.filters) {
    if (options.skip?.includes(filter.name)) continue
    const column = FILTER_COLUMNS[filter.name]
    if (column.startsWith('s.')) needsSession = true
    const names = filter.values.map((value) => {
      const param = `${prefix}${n++}`
      params[param] = filter.operator === 'c' || filter.operator === 'dnc' ? `%${likeEscape(value)}%` : value
      return `@${param}`
    })
    switch (filter.operator) {
      case 'eq':
        conditions.push(names.length === 1 ? `${column} = ${names[0]}` : `${column} IN (${names.join(', ')})`)
        break
      case 'neq':
        // As in SQL generally (and Umami): a missing value is neither equal nor unequal… but users
        // expect "not Chrome" to include sessions with no browser, so NULL counts as not equal.
        conditions.push(`(${column} IS NULL OR ${column} NOT IN (${names.join(', ')}))`)
        break
      case 'c':
        conditions.push(`${column} LIKE ${names[0]} ESCAPE '\\'`)
        break
      case 'dnc':
        conditions.push(`(${column} IS NULL OR ${column} NOT LIKE ${names[0]} ESCAPE '\\')`)
        break
      // The function answers 0 for NULL, so `nre` keeps rows without a value, as `dnc` does.
      case 're':
        conditions.push(`${REGEXP_SQL_FUNCTION}(${names[0]}, ${column})`)
        break
      case 'nre':
        conditions.push(`NOT ${REGEXP_SQL_FUNCTION}(${names[0]}, ${column})`)
        break
    }
  }
  if (conditions.length === 0) return { sql: '', params, needsSession }
  const joined = conditions.length === 1 ? conditions[0]! : `(${conditions.join(parsed.match === 'any' ? ' OR ' : ' AND ')})`
  return { sql: ` AND ${joined}`, params, needsSession }
}
