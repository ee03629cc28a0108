/**
 * Helpers every dialect shares: number coercion, query strings, the v3 filter syntax, series labels,
 * paging of plain arrays, and reading the website rows of every era into the current `Website`.
 */
import { ApiError } from '../client'
import type { Paged, PageQuery, SeriesPoint, StatsNumbers, Website } from '../types'
import type { AuthState, CallParams, Version } from './types'

// ---------------------------------------------------------------------------------------------------
// Versions

export function parseVersion(text: string): Version | null {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim())
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : null
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]
}

export const atLeast = (v: Version, major: number, minor = 0, patch = 0) => compareVersions(v, [major, minor, patch]) >= 0
export const versionText = (v: Version) => `${v[0]}.${v[1]}.${v[2]}`
/** "1.26" for a range end: the patch is noise to people. */
export const shortVersion = (v: Version) => (v[2] === 0 || v[2] === 99 ? `${v[0]}.${v[1]}` : versionText(v))

// ---------------------------------------------------------------------------------------------------
// Values

/** Umami sends counts as numbers, BigInt-as-number or Postgres numeric strings; anything else is 0. */
export function num(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  return Number.isFinite(n) ? n : 0
}

export const strOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : String(value)

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A date the server sent (ISO string, epoch ms, or a DB timestamp string) as ISO, or null. */
export function isoOrNull(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null
  if (typeof value === 'number') return Number.isFinite(value) ? new Date(value).toISOString() : null
  const text = String(value)
  // A DB timestamp without a zone ("2022-09-05 12:00:00") is UTC, as Umami stores times.
  const zoneless = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(text) && !/([zZ]|[+-]\d\d:?\d\d)$/.test(text)
  const t = Date.parse(zoneless ? `${text.replace(' ', 'T')}Z` : text)
  return Number.isFinite(t) ? new Date(t).toISOString() : null
}

/** A reply that does not have the shape this dialect expects: the profile's dialect is probably wrong. */
export function badShape(what: string, dialect: string): ApiError {
  return new ApiError(502, 'bad-response', `The server's reply to ${what} does not look like ${dialect}. Check the profile's server version.`)
}

// ---------------------------------------------------------------------------------------------------
// Requests

export type QueryInput = Record<string, string | number | boolean | null | undefined>

/** `?a=1&b=x` of the given values, leaving out empty ones; `''` when none. */
export function queryString(query: QueryInput): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    params.append(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

export const seg = (value: string) => encodeURIComponent(value)

export function bearerHeaders(auth: AuthState): Record<string, string> {
  if (auth.kind === 'bearer') return { authorization: `Bearer ${auth.token}` }
  // Self-hosted 3.3+ keys are Bearer; Cloud reads x-umami-api-key. Umami's own client sends both.
  if (auth.kind === 'api-key') return { 'x-umami-api-key': auth.key, authorization: `Bearer ${auth.key}` }
  if (auth.kind === 'cookie') return { cookie: `umami.auth=${auth.token}` }
  return {}
}

/** The body as JSON, or the raw text when it is not JSON (v1 and early v2 answer errors in text). */
export function parseBody(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

// ---------------------------------------------------------------------------------------------------
// Filters in the current (v3) syntax

export type FilterOp = 'eq' | 'neq' | 'c' | 'dnc' | 're' | 'nre' | 'other'

const V3_OPERATORS = new Set(['eq', 'neq', 's', 'ns', 'c', 'dnc', 're', 'nre', 't', 'f', 'gt', 'lt', 'gte', 'lte', 'bf', 'af'])

export interface ParsedFilter {
  /** The field, without the numeric suffix that repeats a field (`browser1`). */
  name: string
  op: FilterOp
  /** Values: several only for `eq`/`neq` with a comma list. */
  values: string[]
}

/** `eq./a,/b` → eq with two values; a value without a known operator is `eq` (as Umami reads it). */
export function parseFilter(key: string, raw: string): ParsedFilter {
  const name = key.replace(/\d+$/, '')
  const dot = raw.indexOf('.')
  const prefix = dot > 0 ? raw.slice(0, dot) : ''
  if (!V3_OPERATORS.has(prefix)) return { name, op: 'eq', values: raw.split(',') }
  const value = raw.slice(dot + 1)
  const op: FilterOp = prefix === 'eq' || prefix === 'neq' || prefix === 'c' || prefix === 'dnc' || prefix === 're' || prefix === 'nre' ? prefix : 'other'
  return { name, op, values: op === 'eq' || op === 'neq' ? value.split(',') : [value] }
}

/** The filters of a request, parsed, and `match` apart. */
export function parseFilters(filters: Record<string, string> | undefined): { list: ParsedFilter[]; match: string | undefined } {
  const list: ParsedFilter[] = []
  let match: string | undefined
  for (const [key, raw] of Object.entries(filters ?? {})) {
    if (raw === undefined || raw === '') continue
    if (key === 'match') match = raw
    else list.push(parseFilter(key, raw))
  }
  return { list, match }
}

// ---------------------------------------------------------------------------------------------------
// Time series

/** The current API answers ISO labels when no zone (or `utc`) was asked for, wall-clock ones otherwise. */
export const wantsIsoLabels = (timezone: string | undefined) => timezone === undefined || timezone === '' || timezone === 'utc'

/** The zone to send to an older server that requires one. */
export const zoneForOldServer = (timezone: string | undefined) => (wantsIsoLabels(timezone) ? 'UTC' : timezone!)

/**
 * A bucket label of any era (`2026-01-10`, `2026-01-10 10:00:00`, `2026-01-10T10:00:00.000Z`) in the
 * current API's form: `YYYY-MM-DDTHH:MM:SSZ` for UTC requests, `YYYY-MM-DD HH:MM:SS` otherwise. Older
 * servers label buckets in the zone they were asked for, so the clock fields carry over as they are.
 */
export function currentLabel(label: unknown, iso: boolean): string {
  const text = String(label)
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text)
  if (!m) return text
  const time = `${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}`
  return iso ? `${m[1]}T${time}Z` : `${m[1]} ${time}`
}

/** Points from `{t|x, y}` rows with current labels, summed per label and sorted, as the current API sends them. */
export function seriesOf(rows: unknown, iso: boolean, what: string, dialect: string): SeriesPoint[] {
  if (!Array.isArray(rows)) throw badShape(what, dialect)
  const sums = new Map<string, number>()
  for (const row of rows) {
    if (!isRecord(row)) throw badShape(what, dialect)
    const x = currentLabel(row.x ?? row.t, iso)
    sums.set(x, (sums.get(x) ?? 0) + num(row.y))
  }
  return [...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([x, y]) => ({ x, y }))
}

// ---------------------------------------------------------------------------------------------------
// Stats

const STAT_KEYS = ['pageviews', 'visitors', 'visits', 'bounces', 'totaltime'] as const

/**
 * Stats of any era into `{value, previous}` per key: plain numbers (v1 ≤ 1.21, Dashi's v1 routes),
 * `{value, change}` (v1.22+, v2.0–2.11: change = value − previous), `{value, prev}` (v2.12–2.20). v1 and
 * v2.0–2.10 say `uniques` and have no visits: visits repeat visitors, as their own bounce rate did.
 */
export function readOldStats(body: unknown, what: string, dialect: string): { current: StatsNumbers; previous: StatsNumbers | null } {
  if (!isRecord(body)) throw badShape(what, dialect)
  const current = {} as StatsNumbers
  const previous = {} as StatsNumbers
  let hasPrevious = false
  const field = (key: string) => (key === 'visitors' && !('visitors' in body) ? body.uniques : key === 'visits' && !('visits' in body) ? (body.visitors ?? body.uniques) : body[key])
  for (const key of STAT_KEYS) {
    const raw = field(key)
    if (isRecord(raw)) {
      current[key] = num(raw.value)
      if ('prev' in raw) {
        previous[key] = num(raw.prev)
        hasPrevious = true
      } else if ('change' in raw) {
        previous[key] = num(raw.value) - num(raw.change)
        hasPrevious = true
      } else previous[key] = 0
    } else if (raw === undefined && key !== 'visits') {
      throw badShape(what, dialect)
    } else {
      current[key] = num(raw)
      previous[key] = 0
    }
  }
  return { current, previous: hasPrevious ? previous : null }
}

export const ZERO_STATS: StatsNumbers = { pageviews: 0, visitors: 0, visits: 0, bounces: 0, totaltime: 0 }

// ---------------------------------------------------------------------------------------------------
// Lists

/** A page of a list the server sent whole (v1, v2.0–2.4): searched and sliced here, as the current API would. */
export function pageOf<T>(items: T[], page: PageQuery, matches: (item: T, search: string) => boolean): Paged<T> {
  const search = page.search?.trim()
  const found = search ? items.filter((item) => matches(item, search.toLowerCase())) : items
  const pageSize = Math.max(1, page.pageSize ?? 20)
  const number = Math.max(1, page.page ?? 1)
  const result: Paged<T> = { data: found.slice((number - 1) * pageSize, number * pageSize), count: found.length, page: number, pageSize }
  if (search) result.search = search
  return result
}

export const websiteMatches = (website: Website, search: string) =>
  website.name.toLowerCase().includes(search) || (website.domain ?? '').toLowerCase().includes(search)

/**
 * A website row of any era as the current `Website`. v1 ≤ 1.38 rows are snake_case with an integer id
 * (which its routes need, so it becomes the id); v1.39+ rows carry `websiteUuid`, which its routes take;
 * v2/v3 rows are current already, with fields added over time.
 */
export function readWebsite(row: unknown, what: string, dialect: string): Website {
  if (!isRecord(row)) throw badShape(what, dialect)
  if ('website_id' in row) {
    const owner = String(row.user_id ?? '')
    return websiteFrom({ id: String(row.website_id), name: row.name, domain: row.domain, shareId: row.share_id, owner, username: row.account, createdAt: row.created_at })
  }
  if ('websiteUuid' in row) {
    const owner = String(row.userId ?? '')
    return websiteFrom({ id: String(row.websiteUuid), name: row.name, domain: row.domain, shareId: row.shareId, owner, username: row.account, createdAt: row.createdAt })
  }
  if (typeof row.id !== 'string' || typeof row.name !== 'string') throw badShape(what, dialect)
  const user = isRecord(row.user) ? row.user : isRecord(row.createUser) ? row.createUser : {}
  const owner = String(row.userId ?? user.id ?? '')
  return {
    ...websiteFrom({ id: row.id, name: row.name, domain: row.domain, shareId: row.shareId, owner, username: user.username, createdAt: row.createdAt }),
    resetAt: isoOrNull(row.resetAt),
    createdBy: String(row.createdBy ?? owner),
    updatedAt: isoOrNull(row.updatedAt)
  }
}

function websiteFrom(f: { id: string; name: unknown; domain: unknown; shareId: unknown; owner: string; username: unknown; createdAt: unknown }): Website {
  return {
    id: f.id,
    name: String(f.name ?? ''),
    domain: strOrNull(f.domain),
    shareId: strOrNull(f.shareId),
    resetAt: null,
    userId: f.owner,
    teamId: null,
    createdBy: f.owner,
    createdAt: isoOrNull(f.createdAt),
    updatedAt: null,
    deletedAt: null,
    user: { id: f.owner, username: typeof f.username === 'string' ? f.username : '' }
  }
}

/** A list of websites of any era: a plain array (v1, v2.0–2.4) paged here, or a server page read as is. */
export function readWebsites(body: unknown, page: PageQuery, dialect: string): Paged<Website> {
  if (Array.isArray(body)) return pageOf(body.map((row) => readWebsite(row, 'the websites list', dialect)), page, websiteMatches)
  if (!isRecord(body) || !Array.isArray(body.data)) throw badShape('the websites list', dialect)
  const result: Paged<Website> = {
    data: body.data.map((row) => readWebsite(row, 'the websites list', dialect)),
    count: num(body.count),
    page: num(body.page) || (page.page ?? 1),
    pageSize: num(body.pageSize) || (page.pageSize ?? 20)
  }
  if (page.search) result.search = page.search
  return result
}

// ---------------------------------------------------------------------------------------------------
// Referrers

/** The domain of a referrer URL as the current API groups it (`www.` dropped); null for none or a path. */
export function referrerDomain(referrer: unknown): string | null {
  if (typeof referrer !== 'string' || referrer === '' || referrer.startsWith('/')) return null
  try {
    const host = new URL(referrer.includes('://') ? referrer : `https://${referrer}`).hostname
    return host.replace(/^www\./, '') || null
  } catch {
    return null
  }
}

/**
 * The readers v1 and v2 share: the website list and record, stats in the older shapes (`{value, change}`
 * or plain numbers, the comparison when present) and the page-view series.
 */
export function olderDialectReaders(body: unknown, params: unknown, label: string) {
  return {
    websites: () => readWebsites(body, params as CallParams['websites'], label),
    website: () => readWebsite(body, 'the website', label),
    stats: () => {
      const { current, previous } = readOldStats(body, 'stats', label)
      return { ...current, comparison: previous ?? { ...ZERO_STATS } }
    },
    pageviews: () => {
      if (!isRecord(body)) throw badShape('pageviews', label)
      const iso = wantsIsoLabels((params as CallParams['pageviews']).timezone)
      return { pageviews: seriesOf(body.pageviews, iso, 'pageviews', label), sessions: seriesOf(body.sessions, iso, 'pageviews', label) }
    }
  }
}
