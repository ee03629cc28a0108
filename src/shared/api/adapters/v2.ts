/**
 * Umami v2.0–2.20 (umami-v2.md §0.3, §1.1, §3.2–3.3, §4): the current routes' ancestors. What changes
 * across v2 is listed by the version it arrived in, so one dialect serves every v2 release: plain-array
 * website lists before 2.5, `uniques` and `{value,change}` stats before 2.11/2.12, equality-only filters
 * before 2.11 and `!`/`~` prefixes after, `url`/`host` for `path`/`hostname`, `/events` as the series
 * before 2.13, sessions from 2.13, `{visitors}` realtime from 2.16.
 */
import type { EventSeriesPoint, FilterValue, MetricRow, MetricsQuery, Paged, SessionListItem, SessionStats, WebsiteEvent } from '../types'
import {
  olderDialectReaders,
  atLeast,
  badShape,
  bearerHeaders,
  currentLabel,
  isRecord,
  isoOrNull,
  num,
  parseBody,
  parseFilters,
  queryString,
  seg,
  shortVersion,
  strOrNull,
  wantsIsoLabels,
  zoneForOldServer,
  type QueryInput
} from './common'
import { type AuthState, type Call, type CallParams, type CallResults, type Dialect, type Feature, type RemoteResponse, unsupported, type Unsupported, type Version } from './types'

/** Current filter name → v2 name and first version. */
const FILTERS: Record<string, { name: string; since: Version }> = {
  path: { name: 'url', since: [2, 0, 0] },
  referrer: { name: 'referrer', since: [2, 0, 0] },
  title: { name: 'title', since: [2, 0, 0] },
  query: { name: 'query', since: [2, 0, 0] },
  event: { name: 'event', since: [2, 0, 0] },
  os: { name: 'os', since: [2, 0, 0] },
  browser: { name: 'browser', since: [2, 0, 0] },
  device: { name: 'device', since: [2, 0, 0] },
  country: { name: 'country', since: [2, 0, 0] },
  region: { name: 'region', since: [2, 0, 0] },
  city: { name: 'city', since: [2, 0, 0] },
  hostname: { name: 'host', since: [2, 11, 0] },
  language: { name: 'language', since: [2, 11, 0] },
  tag: { name: 'tag', since: [2, 14, 0] }
}

/** Current metric type → v2 name and first version. */
const METRIC_TYPES: Partial<Record<MetricsQuery['type'], { name: string; since: Version }>> = {
  path: { name: 'url', since: [2, 0, 0] },
  referrer: { name: 'referrer', since: [2, 0, 0] },
  title: { name: 'title', since: [2, 0, 0] },
  query: { name: 'query', since: [2, 0, 0] },
  event: { name: 'event', since: [2, 0, 0] },
  browser: { name: 'browser', since: [2, 0, 0] },
  os: { name: 'os', since: [2, 0, 0] },
  device: { name: 'device', since: [2, 0, 0] },
  screen: { name: 'screen', since: [2, 0, 0] },
  language: { name: 'language', since: [2, 0, 0] },
  country: { name: 'country', since: [2, 0, 0] },
  region: { name: 'region', since: [2, 0, 0] },
  city: { name: 'city', since: [2, 0, 0] },
  entry: { name: 'entry', since: [2, 12, 0] },
  exit: { name: 'exit', since: [2, 12, 0] },
  hostname: { name: 'host', since: [2, 12, 0] },
  tag: { name: 'tag', since: [2, 14, 0] },
  channel: { name: 'channel', since: [2, 16, 0] }
}
const SESSION_TYPES = new Set(['browser', 'os', 'device', 'screen', 'language', 'country', 'region', 'city'])

/** The v2 prefixes of the current operators (2.11+): plain = equals. */
const PREFIX: Record<string, string> = { eq: '', neq: '!', c: '~', dnc: '!~' }

export function v2Features(version: Version): Set<Feature> {
  const f = new Set<Feature>(['comparison', 'reports'])
  const add = (feature: Feature, major: number, minor: number) => atLeast(version, major, minor) && f.add(feature)
  add('dateRange', 2, 5)
  add('filterValues', 2, 10)
  add('visits', 2, 11)
  add('filterOperators', 2, 11)
  add('compareYoy', 2, 12)
  add('entryExit', 2, 12)
  add('sessions', 2, 13)
  add('eventList', 2, 13)
  add('eventData', 2, 13)
  add('channels', 2, 16)
  add('realtime', 2, 16)
  return f
}

export function v2Dialect(version: Version = [2, 0, 0]): Dialect {
  const label = `Umami v${shortVersion(version)}`
  const features = v2Features(version)
  const site = (websiteId: string) => `/api/websites/${seg(websiteId)}`
  const get = (path: string, query: QueryInput = {}) => ({ method: 'GET' as const, path: `${path}${queryString(query)}` })
  const range = (p: { startAt: number; endAt: number }) => ({ startAt: p.startAt, endAt: p.endAt })
  const since = (major: number, minor: number, what: string) =>
    atLeast(version, major, minor) ? null : unsupported(`${what} needs Umami v${major}.${minor} or later (this server is ${label}).`)

  function filterParams(filters: Record<string, string> | undefined): QueryInput | Unsupported {
    const { list, match } = parseFilters(filters)
    if (match === 'any') return unsupported('Matching any filter needs Umami v3.')
    const out: QueryInput = {}
    const operators = features.has('filterOperators')
    for (const f of list) {
      const known = FILTERS[f.name]
      if (!known || !atLeast(version, ...known.since)) return unsupported(`${label} cannot filter by ${f.name}.`)
      const prefix = PREFIX[f.op]
      if (prefix === undefined || (prefix !== '' && !operators)) return unsupported(`${label} filters by equal values only (${f.name}).`)
      if (f.values.length !== 1) return unsupported(`${label} takes one value per filter (${f.name}).`)
      const value = f.values[0]!
      // A value starting with ! or ~ would be read as an operator by 2.11+.
      if (operators && /^[!~]/.test(value)) return unsupported(`${label} cannot filter by a value starting with “${value[0]}”.`)
      if (known.name in out) return unsupported(`${label} takes one ${f.name} filter at a time.`)
      out[known.name] = `${prefix}${value}`
    }
    return out
  }

  const withFilters = (path: string, query: QueryInput, filters: Record<string, string> | undefined) => {
    const translated = filterParams(filters)
    return 'unsupported' in translated ? translated : get(path, { ...query, ...translated })
  }

  function build<C extends Call>(call: C, params: CallParams[C]) {
    const p = params as CallParams[Call] & { websiteId: string }
    switch (call) {
      case 'websites': {
        const q = params as CallParams['websites']
        if (!atLeast(version, 2, 5)) return get('/api/websites')
        // The search parameter was `filter` (2.5–2.7), `query` (2.8–2.15), then `search`.
        const searchName = atLeast(version, 2, 16) ? 'search' : atLeast(version, 2, 8) ? 'query' : 'filter'
        return get('/api/websites', { page: q.page, pageSize: q.pageSize ?? 20, [searchName]: q.search })
      }
      case 'website':
        return get(site(p.websiteId))
      case 'stats': {
        const q = params as CallParams['stats']
        if (q.compare === 'yoy') {
          const missing = since(2, 12, 'Year-over-year comparison')
          if (missing) return missing
        }
        return withFilters(`${site(q.websiteId)}/stats`, { ...range(q), compare: atLeast(version, 2, 12) ? q.compare : undefined }, q.filters)
      }
      case 'pageviews': {
        const q = params as CallParams['pageviews']
        return withFilters(`${site(q.websiteId)}/pageviews`, { ...range(q), unit: q.unit ?? 'day', timezone: zoneForOldServer(q.timezone) }, q.filters)
      }
      case 'metrics': {
        const q = params as CallParams['metrics']
        const type = METRIC_TYPES[q.type]
        if (!type) return unsupported(`${label} has no ${q.type} breakdown (it needs Umami v3).`)
        const missing = since(type.since[0], type.since[1], `The ${q.type} breakdown`)
        // Search, offset and limit are applied to the rows in `read`, the same way for every v2 release.
        return missing ?? withFilters(`${site(q.websiteId)}/metrics`, { type: type.name, ...range(q) }, q.filters)
      }
      case 'active':
        return get(`${site(p.websiteId)}/active`)
      case 'dateRange':
        return since(2, 5, 'The date range of a website') ?? get(`${site(p.websiteId)}/daterange`)
      case 'realtime': {
        const q = params as CallParams['realtime']
        const missing = since(2, 16, 'The realtime view')
        if (missing) return missing
        // v2 ignores realtime filters: refuse rather than show unfiltered numbers as filtered.
        if (Object.keys(q.filters ?? {}).length > 0) return unsupported('Filtering the realtime view needs Umami v3.')
        return get(`/api/realtime/${seg(q.websiteId)}`, { timezone: q.timezone })
      }
      case 'events': {
        const q = params as CallParams['events']
        return since(2, 13, 'The event list') ?? withFilters(`${site(q.websiteId)}/events`, { ...range(q), ...paging(q, version) }, q.filters)
      }
      case 'eventSeries': {
        const q = params as CallParams['eventSeries']
        const path = atLeast(version, 2, 13) ? `${site(q.websiteId)}/events/series` : `${site(q.websiteId)}/events`
        return withFilters(path, { ...range(q), unit: q.unit ?? 'day', timezone: zoneForOldServer(q.timezone), limit: q.limit }, q.filters)
      }
      case 'sessions': {
        const q = params as CallParams['sessions']
        return since(2, 13, 'The sessions list') ?? withFilters(`${site(q.websiteId)}/sessions`, { ...range(q), ...paging(q, version) }, q.filters)
      }
      case 'sessionStats': {
        const q = params as CallParams['sessionStats']
        return since(2, 13, 'Session statistics') ?? withFilters(`${site(q.websiteId)}/sessions/stats`, range(q), q.filters)
      }
      case 'filterValues': {
        const q = params as CallParams['filterValues']
        const missing = since(2, 10, 'Filter suggestions')
        if (missing) return missing
        const known = FILTERS[q.type]
        if (!known || !atLeast(version, ...known.since)) return unsupported(`${label} cannot filter by ${q.type}.`)
        return get(`${site(q.websiteId)}/values`, { type: known.name, ...range(q), search: q.search })
      }
      default:
        return unsupported(`${label} has no ${call} view (it needs Umami v3).`)
    }
  }

  function read<C extends Call>(call: C, body: unknown, params: CallParams[C]): CallResults[C] {
    const readers = {
      ...olderDialectReaders(body, params, label),
      metrics: () => readMetricRows(body, params as CallParams['metrics'], label),
      // [{x}] before 2.9, {x} until 2.15, then {visitors}.
      active: () => {
        const row = Array.isArray(body) ? body[0] : body
        if (!isRecord(row)) throw badShape('active visitors', label)
        return { visitors: num(row.visitors ?? row.x) }
      },
      dateRange: () => {
        if (!isRecord(body)) throw badShape('the date range', label)
        return { startDate: isoOrNull(body.mindate ?? body.startDate), endDate: isoOrNull(body.maxdate ?? body.endDate) }
      },
      realtime: () => {
        if (!isRecord(body) || !isRecord(body.totals)) throw badShape('realtime', label)
        return body as unknown as CallResults['realtime']
      },
      events: () => readPage(body, readEvent, 'the event list', label),
      eventSeries: () => readEventSeries(body, wantsIsoLabels((params as CallParams['eventSeries']).timezone), label),
      sessions: () => readPage(body, readSession, 'the sessions list', label),
      sessionStats: () => readSessionStats(body, label),
      filterValues: () => readFilterValues(body, label)
    } as Partial<{ [K in Call]: () => CallResults[K] }>
    const reader = readers[call]
    if (!reader) throw badShape(call, label)
    return reader() as CallResults[C]
  }

  return {
    id: `v2.${version[1]}`,
    family: 'v2',
    label,
    versions: { min: version, max: [2, 99, 99] },
    features,
    apiPrefix: '/api',
    login: (credentials) =>
      credentials.kind === 'password' ? { method: 'POST', path: '/api/auth/login', body: { username: credentials.username, password: credentials.password } } : null,
    readLogin: readBearerLogin,
    authHeaders: bearerHeaders,
    build: build as Dialect['build'],
    read: read as Dialect['read'],
    metricMeasure: (type) => {
      if (type === 'event') return 'events'
      if (SESSION_TYPES.has(type) || atLeast(version, 2, 19)) return 'visitors'
      return type === 'referrer' && atLeast(version, 2, 16) ? 'visitors' : 'pageviews'
    }
  }
}

/** `{token, user: {id}}` of v2 and v3 (and Dashi) logins. */
export function readBearerLogin(response: RemoteResponse): AuthState | null {
  if (response.status !== 200) return null
  const body = parseBody(response.body)
  if (!isRecord(body) || typeof body.token !== 'string') return null
  const user = isRecord(body.user) ? body.user : {}
  return { kind: 'bearer', token: body.token, ...(user.id !== undefined ? { userId: String(user.id) } : {}) }
}

/** Paging parameters; the search parameter's name changed twice in v2. */
function paging(q: { page?: number; pageSize?: number; search?: string }, version: Version): QueryInput {
  const searchName = atLeast(version, 2, 16) ? 'search' : 'query'
  return { page: q.page, pageSize: q.pageSize ?? 20, [searchName]: q.search }
}

/** v2 metric rows; search, offset and limit applied here (v2 releases differ in which they take). */
function readMetricRows(body: unknown, q: CallParams['metrics'], label: string): MetricRow[] {
  if (!Array.isArray(body)) throw badShape('metrics', label)
  const search = q.search?.toLowerCase()
  const rows = body
    .map((row) => {
      if (!isRecord(row)) throw badShape('metrics', label)
      const out: MetricRow = { x: strOrNull(row.x), y: num(row.y) }
      if ('country' in row) out.country = strOrNull(row.country)
      return out
    })
    .filter((row) => !search || (row.x ?? '').toLowerCase().includes(search))
  const offset = q.offset ?? 0
  return rows.slice(offset, offset + (q.limit ?? 500))
}

function readPage<T>(body: unknown, item: (row: Record<string, unknown>) => T, what: string, label: string): Paged<T> {
  if (!isRecord(body) || !Array.isArray(body.data)) throw badShape(what, label)
  return {
    data: body.data.map((row) => {
      if (!isRecord(row)) throw badShape(what, label)
      return item(row)
    }),
    count: num(body.count),
    page: num(body.page) || 1,
    pageSize: num(body.pageSize) || body.data.length
  }
}

/** v2.19's event items lack hostname, session fields and `hasData`. */
export function readEvent(row: Record<string, unknown>): WebsiteEvent {
  return {
    id: String(row.id ?? ''),
    websiteId: String(row.websiteId ?? ''),
    sessionId: String(row.sessionId ?? ''),
    distinctId: strOrNull(row.distinctId),
    createdAt: isoOrNull(row.createdAt) ?? '',
    hostname: strOrNull(row.hostname),
    urlPath: String(row.urlPath ?? ''),
    urlQuery: strOrNull(row.urlQuery),
    referrerPath: strOrNull(row.referrerPath),
    referrerQuery: strOrNull(row.referrerQuery),
    referrerDomain: strOrNull(row.referrerDomain),
    country: strOrNull(row.country),
    city: strOrNull(row.city),
    device: strOrNull(row.device),
    os: strOrNull(row.os),
    browser: strOrNull(row.browser),
    pageTitle: strOrNull(row.pageTitle),
    eventType: num(row.eventType),
    eventName: strOrNull(row.eventName),
    hasData: row.hasData === true || num(row.hasData) > 0
  }
}

export function readSession(row: Record<string, unknown>): SessionListItem {
  return {
    id: String(row.id ?? ''),
    websiteId: String(row.websiteId ?? ''),
    hostname: strOrNull(row.hostname),
    browser: strOrNull(row.browser),
    os: strOrNull(row.os),
    device: strOrNull(row.device),
    screen: strOrNull(row.screen),
    language: strOrNull(row.language),
    country: strOrNull(row.country),
    // Some v2 releases name the region column `subdivision1`.
    region: strOrNull(row.region ?? row.subdivision1),
    city: strOrNull(row.city),
    firstAt: isoOrNull(row.firstAt),
    lastAt: isoOrNull(row.lastAt),
    visits: num(row.visits),
    views: num(row.views),
    events: num(row.events),
    createdAt: isoOrNull(row.createdAt)
  }
}

function readEventSeries(body: unknown, iso: boolean, label: string): EventSeriesPoint[] {
  if (!Array.isArray(body)) throw badShape('the event series', label)
  return body.map((row) => {
    if (!isRecord(row)) throw badShape('the event series', label)
    return { x: String(row.x ?? ''), t: currentLabel(row.t, iso), y: num(row.y) }
  })
}

function readSessionStats(body: unknown, label: string): SessionStats {
  if (!isRecord(body)) throw badShape('session statistics', label)
  const value = (key: string) => ({ value: num(isRecord(body[key]) ? (body[key] as Record<string, unknown>).value : body[key]) })
  return { pageviews: value('pageviews'), visitors: value('visitors'), visits: value('visits'), countries: value('countries'), events: value('events') }
}

function readFilterValues(body: unknown, label: string): FilterValue[] {
  if (!Array.isArray(body)) throw badShape('filter values', label)
  return body.filter(isRecord).map((row) => ({ value: String(row.value ?? ''), count: num(row.count) }))
}

export { readMetricRows, readPage, readSessionStats, readFilterValues }
