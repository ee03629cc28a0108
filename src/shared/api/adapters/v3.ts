/**
 * Umami v3 (and Dashi, and Umami Cloud): the dialect the dashboard speaks, so requests are the client's
 * own and replies are only checked and coerced (Postgres `numeric` sums may arrive as strings, §1).
 * Umami Cloud is v3 behind `https://api.umami.is/v1` (no `/api`), authenticated by `x-umami-api-key`.
 */
import type { ExpandedMetricRow, PageviewsResult, StatsNumbers } from '../types'
import { atLeast, badShape, bearerHeaders, isRecord, num, queryString, readWebsite, readWebsites, seg, shortVersion, strOrNull, type QueryInput } from './common'
import { type Call, type CallParams, type CallResults, type Dialect, type Feature, unsupported, type Version } from './types'
import { readBearerLogin, readEvent, readFilterValues, readMetricRows, readPage, readSession, readSessionStats } from './v2'

const ALL_FEATURES: Feature[] = [
  'visits',
  'comparison',
  'compareYoy',
  'pageviewsCompare',
  'filterOperators',
  'filterMultiValue',
  'filterMatchAny',
  'entryExit',
  'channels',
  'realtime',
  'sessions',
  'eventList',
  'eventStats',
  'metricsExpanded',
  'dateRange',
  'filterValues',
  'reports',
  'eventData'
]

export interface V3Options {
  /** Umami Cloud: no `/api` prefix, API key auth, no login. */
  cloud?: boolean
  version?: Version
}

export function v3Dialect(options: V3Options = {}): Dialect {
  const version = options.version ?? [3, 1, 0]
  const cloud = options.cloud === true
  const label = cloud ? 'Umami Cloud' : `Umami v${shortVersion(version)}`
  const features = new Set(ALL_FEATURES)
  // `/events/stats` arrived in 3.1 (umami-v2.md §0.3).
  if (!atLeast(version, 3, 1)) features.delete('eventStats')
  const prefix = cloud ? '' : '/api'
  const site = (websiteId: string) => `${prefix}/websites/${seg(websiteId)}`
  const get = (path: string, query: QueryInput = {}) => ({ method: 'GET' as const, path: `${path}${queryString(query)}` })
  /** Filters travel as their own parameters, exactly as the client sends them. */
  const analytics = <Q extends { websiteId: string; filters?: Record<string, string> }>(path: string, q: Q) => {
    const { websiteId: _websiteId, filters, ...rest } = q
    return get(path, { ...(rest as QueryInput), ...(filters ?? {}) })
  }

  function build<C extends Call>(call: C, params: CallParams[C]) {
    const p = params as CallParams[Call] & { websiteId: string }
    switch (call) {
      case 'websites':
        return get(`${prefix}/websites`, { ...(params as CallParams['websites']) })
      case 'website':
        return get(site(p.websiteId))
      case 'stats':
        return analytics(`${site(p.websiteId)}/stats`, p)
      case 'pageviews':
        return analytics(`${site(p.websiteId)}/pageviews`, p)
      case 'metrics':
        return analytics(`${site(p.websiteId)}/metrics`, p)
      case 'metricsExpanded':
        return analytics(`${site(p.websiteId)}/metrics/expanded`, p)
      case 'active':
        return get(`${site(p.websiteId)}/active`)
      case 'dateRange':
        return get(`${site(p.websiteId)}/daterange`)
      case 'realtime':
        return analytics(`${prefix}/realtime/${seg(p.websiteId)}`, p)
      case 'events':
        return analytics(`${site(p.websiteId)}/events`, p)
      case 'eventSeries':
        return analytics(`${site(p.websiteId)}/events/series`, p)
      case 'eventStats':
        return features.has('eventStats') ? analytics(`${site(p.websiteId)}/events/stats`, p) : unsupported('Event statistics need Umami v3.1 or later.')
      case 'sessions':
        return analytics(`${site(p.websiteId)}/sessions`, p)
      case 'sessionStats':
        return analytics(`${site(p.websiteId)}/sessions/stats`, p)
      case 'filterValues':
        return analytics(`${site(p.websiteId)}/values`, p)
      default:
        return unsupported(`${label}: ${call} is not known to Dashi's adapter.`)
    }
  }

  function read<C extends Call>(call: C, body: unknown, params: CallParams[C]): CallResults[C] {
    const readers = {
      websites: () => readWebsites(body, params as CallParams['websites'], label),
      website: () => readWebsite(body, 'the website', label),
      stats: () => {
        if (!isRecord(body) || !isRecord(body.comparison)) throw badShape('stats', label)
        return { ...statsNumbers(body), comparison: statsNumbers(body.comparison) }
      },
      pageviews: () => readPageviews(body, label),
      metrics: () => readMetricRows(body, { ...(params as CallParams['metrics']), search: undefined, offset: 0, limit: Number.MAX_SAFE_INTEGER }, label),
      metricsExpanded: () => readExpanded(body, label),
      active: () => {
        if (!isRecord(body)) throw badShape('active visitors', label)
        return { visitors: num(body.visitors) }
      },
      dateRange: () => {
        if (!isRecord(body)) throw badShape('the date range', label)
        return { startDate: strOrNull(body.startDate), endDate: strOrNull(body.endDate) }
      },
      realtime: () => {
        if (!isRecord(body) || !isRecord(body.totals)) throw badShape('realtime', label)
        return body as unknown as CallResults['realtime']
      },
      events: () => readPage(body, readEvent, 'the event list', label),
      eventSeries: () => {
        if (!Array.isArray(body)) throw badShape('the event series', label)
        return body.filter(isRecord).map((row) => ({ x: String(row.x ?? ''), t: String(row.t ?? ''), y: num(row.y) }))
      },
      eventStats: () => {
        const data = isRecord(body) && isRecord(body.data) ? body.data : null
        if (!data || !isRecord(data.comparison)) throw badShape('event statistics', label)
        const numbers = (o: Record<string, unknown>) => ({ events: num(o.events), visitors: num(o.visitors), visits: num(o.visits), uniqueEvents: num(o.uniqueEvents) })
        return { data: { ...numbers(data), comparison: numbers(data.comparison) } }
      },
      sessions: () => readPage(body, readSession, 'the sessions list', label),
      sessionStats: () => readSessionStats(body, label),
      filterValues: () => readFilterValues(body, label)
    } as { [K in Call]: () => CallResults[K] }
    return readers[call]() as CallResults[C]
  }

  return {
    id: cloud ? 'cloud' : atLeast(version, 3, 1) ? 'v3' : 'v3.0',
    family: cloud ? 'cloud' : 'v3',
    label,
    versions: { min: version, max: [3, 99, 99] },
    features,
    apiPrefix: prefix,
    login: (credentials) =>
      credentials.kind === 'password' && !cloud ? { method: 'POST', path: '/api/auth/login', body: { username: credentials.username, password: credentials.password } } : null,
    readLogin: readBearerLogin,
    authHeaders: bearerHeaders,
    build: build as Dialect['build'],
    read: read as Dialect['read'],
    metricMeasure: (type) => (type === 'event' ? 'events' : 'visitors')
  }
}

const statsNumbers = (o: Record<string, unknown>): StatsNumbers => ({
  pageviews: num(o.pageviews),
  visitors: num(o.visitors),
  visits: num(o.visits),
  bounces: num(o.bounces),
  totaltime: num(o.totaltime)
})

function readPageviews(body: unknown, label: string): PageviewsResult {
  if (!isRecord(body) || !Array.isArray(body.pageviews) || !Array.isArray(body.sessions)) throw badShape('pageviews', label)
  const points = (list: unknown[]) => list.filter(isRecord).map((p) => ({ x: String(p.x), y: num(p.y) }))
  const result: PageviewsResult = { pageviews: points(body.pageviews), sessions: points(body.sessions) }
  if (typeof body.startDate === 'string') result.startDate = body.startDate
  if (typeof body.endDate === 'string') result.endDate = body.endDate
  const compare = body.compare
  if (isRecord(compare) && Array.isArray(compare.pageviews) && Array.isArray(compare.sessions)) {
    result.compare = {
      pageviews: points(compare.pageviews),
      sessions: points(compare.sessions),
      startDate: String(compare.startDate ?? ''),
      endDate: String(compare.endDate ?? '')
    }
  }
  return result
}

function readExpanded(body: unknown, label: string): ExpandedMetricRow[] {
  if (!Array.isArray(body)) throw badShape('expanded metrics', label)
  return body.map((row) => {
    if (!isRecord(row)) throw badShape('expanded metrics', label)
    const out: ExpandedMetricRow = {
      name: strOrNull(row.name),
      pageviews: num(row.pageviews),
      visitors: num(row.visitors),
      visits: num(row.visits),
      bounces: num(row.bounces),
      totaltime: num(row.totaltime)
    }
    if ('country' in row) out.country = strOrNull(row.country)
    return out
  })
}
