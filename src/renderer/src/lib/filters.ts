import type { FilterName, FilterOperator, Filters, MetricType } from '../../../shared/api/types'
import { countryName, languageName } from './format'
import { browserName, deviceName } from './labels'

/**
 * What a click on a table row filters by, and how filters read as chips. Filters travel in the current
 * API's syntax (`{ path: 'eq./about' }`); a bare value means `eq`.
 */

/** The filter a breakdown's rows set; null where the API has no such filter (channels, screens). */
const FILTER_OF_METRIC: Partial<Record<MetricType, FilterName>> = {
  path: 'path',
  entry: 'path',
  exit: 'path',
  title: 'title',
  query: 'query',
  tag: 'tag',
  hostname: 'hostname',
  referrer: 'referrer',
  domain: 'referrer',
  utmSource: 'utmSource',
  utmMedium: 'utmMedium',
  utmCampaign: 'utmCampaign',
  utmContent: 'utmContent',
  utmTerm: 'utmTerm',
  browser: 'browser',
  os: 'os',
  device: 'device',
  language: 'language',
  country: 'country',
  region: 'region',
  city: 'city',
  distinctId: 'distinctId',
  event: 'event'
}

export function filterForMetric(type: MetricType): FilterName | null {
  return FILTER_OF_METRIC[type] ?? null
}

export const FILTER_LABELS: Record<FilterName, string> = {
  path: 'Page',
  referrer: 'Referrer',
  title: 'Title',
  query: 'Query',
  event: 'Event',
  hostname: 'Hostname',
  tag: 'Tag',
  utmSource: 'UTM source',
  utmMedium: 'UTM medium',
  utmCampaign: 'UTM campaign',
  utmContent: 'UTM content',
  utmTerm: 'UTM term',
  os: 'OS',
  browser: 'Browser',
  device: 'Device',
  country: 'Country',
  region: 'Region',
  city: 'City',
  language: 'Language',
  distinctId: 'Distinct ID'
}

const OPERATORS: FilterOperator[] = ['eq', 'neq', 'c', 'dnc']
const OPERATOR_WORDS: Record<FilterOperator, string> = { eq: 'is', neq: 'is not', c: 'contains', dnc: 'does not contain' }

/** `'neq.firefox'` → `{operator: 'neq', value: 'firefox'}`; a value without an operator prefix is `eq`. */
export function parseFilterValue(raw: string): { operator: FilterOperator; value: string } {
  const dot = raw.indexOf('.')
  const head = dot > 0 ? raw.slice(0, dot) : ''
  if (OPERATORS.includes(head as FilterOperator)) return { operator: head as FilterOperator, value: raw.slice(dot + 1) }
  return { operator: 'eq', value: raw }
}

/** An equality filter in the API's syntax. */
export const equalsFilter = (value: string) => `eq.${value}`

export interface FilterChip {
  /** The filter's name, given back when the chip is removed. */
  key: string
  /** "Country is Germany". */
  label: string
}

/** A value as people read it: country, language, browser and device keys get their names. */
export function filterValueText(name: string, value: string, locale?: string): string {
  if (name === 'country') return countryName(value, locale)
  if (name === 'language') return languageName(value, locale)
  if (name === 'browser') return browserName(value)
  if (name === 'device') return deviceName(value)
  return value
}

/** One chip per filter, in the order given; `match` (any/all) is a switch, not a filter. */
export function filterChips(filters: Filters, locale?: string): FilterChip[] {
  return Object.entries(filters)
    .filter(([name]) => name !== 'match')
    .map(([name, raw]) => {
      const { operator, value } = parseFilterValue(raw)
      const label = FILTER_LABELS[name as FilterName] ?? name
      return { key: name, label: `${label} ${OPERATOR_WORDS[operator]} ${filterValueText(name, value, locale)}` }
    })
}
