/**
 * Umami v1 (umami-v1.md): `/api/website/{integer id}/…` with `start_at`/`end_at`/`tz` and equality
 * filters, in three eras that differ in how a caller authenticates and how ids and rows are spelled:
 * cookie (≤ 1.25: `umami.auth` cookie), Bearer (1.26–1.38) and camelCase (1.39–1.40: `/api/websites/{uuid}`).
 */
import { wallTime } from '../../time-zone'
import type { MetricRow, MetricsQuery, Realtime, RealtimeItem } from '../types'
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
  referrerDomain,
  seg,
  wantsIsoLabels,
  zoneForOldServer,
  type QueryInput
} from './common'
import { type AuthState, type Call, type CallParams, type CallResults, type Dialect, type Feature, type RemoteResponse, unsupported, type Unsupported, type Version } from './types'

export type V1Era = 'cookie' | 'bearer' | 'camel'

export const V1_ERAS: Record<V1Era, { min: Version; max: Version; label: string }> = {
  cookie: { min: [1, 20, 0], max: [1, 25, 99], label: 'Umami v1.20–1.25 (cookie login)' },
  bearer: { min: [1, 26, 0], max: [1, 38, 99], label: 'Umami v1.26–1.38 (Bearer token)' },
  camel: { min: [1, 39, 0], max: [1, 40, 99], label: 'Umami v1.39–1.40 (camelCase)' }
}

export const v1EraOf = (version: Version): V1Era => (atLeast(version, 1, 39) ? 'camel' : atLeast(version, 1, 26) ? 'bearer' : 'cookie')

/** v1 metric types by the current name, and the version each arrived in. */
const METRIC_TYPES: Partial<Record<MetricsQuery['type'], { name: string; since: Version }>> = {
  path: { name: 'url', since: [1, 0, 0] },
  referrer: { name: 'referrer', since: [1, 0, 0] },
  event: { name: 'event', since: [1, 0, 0] },
  browser: { name: 'browser', since: [1, 0, 0] },
  os: { name: 'os', since: [1, 0, 0] },
  device: { name: 'device', since: [1, 0, 0] },
  country: { name: 'country', since: [1, 0, 0] },
  language: { name: 'language', since: [1, 25, 0] },
  screen: { name: 'screen', since: [1, 34, 0] },
  query: { name: 'query', since: [1, 37, 0] }
}
const SESSION_TYPES = new Set(['browser', 'os', 'device', 'country', 'language', 'screen'])

/**
 * The v1 name of a filter and the version it arrived in. v1 filters are equality only, except
 * `referrer`, which always matched as a substring of the referrer URL: it takes `c` and stands in for
 * `eq` (a domain is a substring of its URLs).
 */
const FILTERS: Record<string, { name: (v: Version) => string; since: Version }> = {
  path: { name: () => 'url', since: [1, 0, 0] },
  referrer: { name: (v) => (atLeast(v, 1, 29) ? 'referrer' : 'ref'), since: [1, 24, 0] },
  os: { name: () => 'os', since: [1, 30, 0] },
  browser: { name: () => 'browser', since: [1, 30, 0] },
  device: { name: () => 'device', since: [1, 30, 0] },
  country: { name: () => 'country', since: [1, 30, 0] }
}

const V1_UNITS = new Set(['hour', 'day', 'month', 'year'])

export function v1Dialect(era: V1Era, version: Version = V1_ERAS[era].min): Dialect {
  const { label } = V1_ERAS[era]
  const id = `v1-${era}`
  const site = (websiteId: string) => (era === 'camel' ? `/api/websites/${seg(websiteId)}` : `/api/website/${seg(websiteId)}`)
  const features = new Set<Feature>(['realtime'])
  if (atLeast(version, 1, 22)) features.add('comparison')

  /** v1 filter parameters, or why a filter cannot be sent. */
  function filterParams(filters: Record<string, string> | undefined): QueryInput | Unsupported {
    const { list, match } = parseFilters(filters)
    if (match === 'any') return unsupported('Matching any filter needs Umami v3.')
    const out: QueryInput = {}
    for (const f of list) {
      const known = FILTERS[f.name]
      if (!known || !atLeast(version, ...known.since)) return unsupported(`Umami ${label} cannot filter by ${f.name}.`)
      const ok = f.values.length === 1 && (f.op === 'eq' || (f.name === 'referrer' && f.op === 'c'))
      if (!ok) return unsupported(`Umami v1 filters by equal values only (${f.name}).`)
      const name = known.name(version)
      if (name in out) return unsupported(`Umami v1 takes one ${f.name} filter at a time.`)
      out[name] = f.values[0]
    }
    return out
  }

  const range = (p: { startAt: number; endAt: number }) => ({ start_at: p.startAt, end_at: p.endAt })
  const get = (path: string, query: QueryInput = {}) => ({ method: 'GET' as const, path: `${path}${queryString(query)}` })

  function build<C extends Call>(call: C, params: CallParams[C], auth: AuthState) {
    const p = params as CallParams[Call] & Record<string, unknown>
    switch (call) {
      case 'websites': {
        // `user_id` makes a server that speaks both dialects (Dashi) answer v1's array too.
        const userId = (auth.kind === 'bearer' || auth.kind === 'cookie') && era !== 'camel' ? auth.userId : undefined
        return get('/api/websites', { user_id: userId })
      }
      case 'website':
        return get(site(p.websiteId as string))
      case 'stats': {
        const q = params as CallParams['stats']
        if (q.compare === 'yoy') return unsupported('Year-over-year comparison needs Umami v2.12 or later.')
        const filters = filterParams(q.filters)
        return 'unsupported' in filters ? filters : get(`${site(q.websiteId)}/stats`, { ...range(q), ...filters })
      }
      case 'pageviews': {
        const q = params as CallParams['pageviews']
        const filters = filterParams(q.filters)
        if ('unsupported' in filters) return filters
        // v1 rejects minute buckets; the current API coarsens a unit too fine for its range, so an hour is fair.
        const unit = q.unit && V1_UNITS.has(q.unit) ? q.unit : q.unit === 'minute' ? 'hour' : 'day'
        return get(`${site(q.websiteId)}/pageviews`, { ...range(q), unit, tz: zoneForOldServer(q.timezone), ...filters })
      }
      case 'metrics': {
        const q = params as CallParams['metrics']
        const type = METRIC_TYPES[q.type]
        if (!type || !atLeast(version, ...type.since)) return unsupported(`Umami ${label} has no ${q.type} breakdown.`)
        const filters = filterParams(q.filters)
        // Limit, offset and search are applied to the whole list v1 returns (it has no such parameters).
        return 'unsupported' in filters ? filters : get(`${site(q.websiteId)}/metrics`, { type: type.name, ...range(q), ...filters })
      }
      case 'active':
        return get(`${site(p.websiteId as string)}/active`)
      case 'realtime': {
        const q = params as CallParams['realtime']
        if (Object.keys(q.filters ?? {}).length > 0) return unsupported('Umami v1 cannot filter the realtime view.')
        return get('/api/realtime/init')
      }
      case 'eventSeries': {
        const q = params as CallParams['eventSeries']
        // Umami v1.34–1.40 silently ignore the event filters: refuse rather than show unfiltered numbers.
        if (Object.keys(q.filters ?? {}).length > 0) return unsupported('Umami v1 cannot filter events.')
        const unit = q.unit && V1_UNITS.has(q.unit) ? q.unit : q.unit === 'minute' ? 'hour' : 'day'
        return get(`${site(q.websiteId)}/events`, { ...range(q), unit, tz: zoneForOldServer(q.timezone) })
      }
      default:
        return unsupported(`Umami v1 has no ${call} view.`)
    }
  }

  function read<C extends Call>(call: C, body: unknown, params: CallParams[C]): CallResults[C] {
    const results = {
      ...olderDialectReaders(body, params, label),
      metrics: () => readMetrics(body, params as CallParams['metrics'], label),
      active: () => {
        const row = Array.isArray(body) ? body[0] : body
        if (!isRecord(row) && body !== undefined && !(Array.isArray(body) && body.length === 0)) throw badShape('active visitors', label)
        return { visitors: num(isRecord(row) ? row.x : 0) }
      },
      realtime: () => readRealtime(body, params as CallParams['realtime'], label),
      eventSeries: () => {
        if (!Array.isArray(body)) throw badShape('the event series', label)
        const iso = wantsIsoLabels((params as CallParams['eventSeries']).timezone)
        return body.filter(isRecord).map((row) => ({ x: eventName(row.x), t: currentLabel(row.t, iso), y: num(row.y) }))
      }
    } as Partial<{ [K in Call]: () => CallResults[K] }>
    const reader = results[call]
    if (!reader) throw badShape(call, label)
    return reader() as CallResults[C]
  }

  return {
    id,
    family: 'v1',
    label,
    versions: { min: V1_ERAS[era].min, max: V1_ERAS[era].max },
    features,
    apiPrefix: '/api',
    login: (credentials) =>
      credentials.kind === 'password' ? { method: 'POST', path: '/api/auth/login', body: { username: credentials.username, password: credentials.password } } : null,
    readLogin: (response) => readV1Login(response, era),
    authHeaders: bearerHeaders,
    build: build as Dialect['build'],
    read: read as Dialect['read'],
    metricMeasure: (type) => (type === 'event' ? 'events' : SESSION_TYPES.has(type) ? 'visitors' : 'pageviews')
  }
}

/**
 * The login of a v1 server: the cookie era sets `umami.auth` (its body may hold the same token); later
 * eras answer `{token, user}` and want it as Bearer. The user id lets `websites` ask for one's own list.
 */
function readV1Login(response: RemoteResponse, era: V1Era): AuthState | null {
  if (response.status !== 200) return null
  const body = parseBody(response.body)
  const user = isRecord(body) && isRecord(body.user) ? body.user : {}
  const userId = user.user_id ?? user.userId
  const bodyToken = isRecord(body) && typeof body.token === 'string' ? body.token : undefined
  if (era === 'cookie') {
    const cookie = /(?:^|\n|,\s*)umami\.auth=([^;\s,]+)/.exec(response.headers['set-cookie'] ?? '')
    const token = cookie ? decodeURIComponent(cookie[1]!) : bodyToken
    return token ? { kind: 'cookie', token, ...(userId !== undefined ? { userId: String(userId) } : {}) } : null
  }
  return bodyToken ? { kind: 'bearer', token: bodyToken, ...(userId !== undefined ? { userId: String(userId) } : {}) } : null
}

/** v1 ≤ 1.36 named an event `type<TAB>value`; the value is what the tracker was given. */
const eventName = (x: unknown) => {
  const text = String(x ?? '')
  const tab = text.indexOf('\t')
  return tab >= 0 ? text.slice(tab + 1) : text
}

/**
 * v1 metric rows as the current API's: `url` is path and query together (the path is kept and rows
 * merged), `referrer` a whole URL (its domain is kept, direct traffic and paths dropped, as the current
 * referrer table does), `language` `"null"` for unknown. v1 sends every row, so search, offset and limit
 * are applied here.
 */
function readMetrics(body: unknown, q: CallParams['metrics'], label: string): MetricRow[] {
  if (!Array.isArray(body)) throw badShape('metrics', label)
  const key = (x: unknown): string | null => {
    if (x === null || x === undefined) return null
    const text = String(x)
    if (q.type === 'path') return text.split('?')[0]!
    if (q.type === 'query') return text.includes('?') ? text.slice(text.indexOf('?') + 1) : text
    if (q.type === 'referrer') return referrerDomain(text)
    if (q.type === 'event') return eventName(text)
    if (q.type === 'language' && text === 'null') return null
    return text
  }
  const sums = new Map<string | null, number>()
  for (const row of body) {
    if (!isRecord(row)) throw badShape('metrics', label)
    const x = key(row.x)
    if (q.type === 'referrer' && x === null) continue
    sums.set(x, (sums.get(x) ?? 0) + num(row.y))
  }
  const search = q.search?.toLowerCase()
  const rows = [...sums]
    .filter(([x]) => !search || (x ?? '').toLowerCase().includes(search))
    .map(([x, y]) => ({ x, y }))
    // Ties in code-unit order of the value, as the current API's ORDER BY sorts them.
    .sort((a, b) => b.y - a.y || (String(a.x) < String(b.x) ? -1 : String(a.x) > String(b.x) ? 1 : 0))
  const offset = q.offset ?? 0
  return rows.slice(offset, offset + (q.limit ?? 500))
}

const pick = (row: Record<string, unknown>, snake: string, camel: string) => row[snake] ?? row[camel]

/**
 * v1's realtime data (`/api/realtime/init`: rows of the last 30 minutes of all the caller's websites)
 * as the current `Realtime` of one website. Countries come from the sessions that started in the window,
 * the only ones v1 sends.
 */
function readRealtime(body: unknown, q: CallParams['realtime'], label: string): Realtime {
  if (!isRecord(body) || !isRecord(body.data)) throw badShape('realtime', label)
  const data = body.data
  const websites = Array.isArray(body.websites) ? body.websites.filter(isRecord) : []
  const website = websites.find((w) => [w.website_id, w.websiteUuid, w.website_uuid, w.id].some((id) => id !== undefined && String(id) === q.websiteId))
  const ids = new Set([q.websiteId, ...(website ? [website.website_id, website.id].filter((v) => v !== undefined).map(String) : [])])
  const ownDomain = referrerDomain(typeof website?.domain === 'string' ? website.domain : null)
  const rowsOf = (list: unknown) => (Array.isArray(list) ? list.filter(isRecord).filter((r) => ids.has(String(pick(r, 'website_id', 'websiteId')))) : [])

  const sessions = new Map<string, Record<string, unknown>>()
  for (const s of rowsOf(data.sessions)) sessions.set(String(pick(s, 'session_id', 'sessionId')), s)
  const hits = [
    ...rowsOf(data.pageviews).map((r) => ({ r, type: 'pageview' as const })),
    ...rowsOf(data.events).map((r) => ({ r, type: 'event' as const }))
  ]
    .map((h) => ({ ...h, at: Date.parse(isoOrNull(pick(h.r, 'created_at', 'createdAt')) ?? '') || 0, session: String(pick(h.r, 'session_id', 'sessionId')) }))
    .sort((a, b) => a.at - b.at)

  const iso = wantsIsoLabels(q.timezone)
  const minute = (at: number) => {
    if (iso) return `${new Date(Math.floor(at / 60_000) * 60_000).toISOString().slice(0, 16)}:00Z`
    const w = wallTime(at, q.timezone!)
    const p = (n: number) => String(n).padStart(2, '0')
    return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}:00`
  }
  const countries: Record<string, number> = {}
  const countrySessions = new Map<string, Set<string>>()
  const urls: Record<string, number> = {}
  const referrers: Record<string, number> = {}
  const perMinute = new Map<string, { views: number; visitors: Set<string> }>()
  const allVisitors = new Set<string>()
  const items: RealtimeItem[] = []
  const seen = new Set<string>()
  let views = 0
  let events = 0
  for (const { r, type, at, session } of hits) {
    const s = sessions.get(session)
    const country = typeof s?.country === 'string' ? s.country : null
    allVisitors.add(session)
    if (country) countrySessions.set(country, (countrySessions.get(country) ?? new Set()).add(session))
    const urlPath = String(r.url ?? '').split('?')[0]!
    const domain = type === 'pageview' ? referrerDomain(r.referrer) : null
    if (type === 'pageview') {
      views++
      urls[urlPath] = (urls[urlPath] ?? 0) + 1
      if (domain && domain !== ownDomain) referrers[domain] = (referrers[domain] ?? 0) + 1
      const bucket = perMinute.get(minute(at)) ?? { views: 0, visitors: new Set<string>() }
      bucket.views++
      bucket.visitors.add(session)
      perMinute.set(minute(at), bucket)
    } else events++
    const item = {
      sessionId: String(s ? (pick(s, 'session_uuid', 'sessionUuid') ?? session) : session),
      urlPath,
      referrerDomain: domain,
      country,
      eventName: type === 'event' ? eventName(pick(r, 'event_name', 'eventName')) : null,
      createdAt: new Date(at).toISOString(),
      browser: typeof s?.browser === 'string' ? s.browser : null,
      os: typeof s?.os === 'string' ? s.os : null,
      device: typeof s?.device === 'string' ? s.device : null,
      hostname: typeof s?.hostname === 'string' ? s.hostname : null
    }
    if (!seen.has(session)) {
      seen.add(session)
      items.push({ __type: 'session', ...item })
    }
    items.push({ __type: type, ...item })
  }
  for (const [country, set] of countrySessions) countries[country] = set.size
  const series = [...perMinute].sort(([a], [b]) => (a < b ? -1 : 1))
  return {
    countries,
    urls,
    referrers,
    events: items.reverse(),
    series: { views: series.map(([x, b]) => ({ x, y: b.views })), visitors: series.map(([x, b]) => ({ x, y: b.visitors.size })) },
    totals: { views, visitors: allVisitors.size, events, countries: countrySessions.size },
    timestamp: num(data.timestamp) || Date.now()
  }
}
