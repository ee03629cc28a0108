import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ACTIVE_WINDOW_MS, EVENT_TYPE, REALTIME_WINDOW_MS } from '../../../shared/constants'
import { badRequest } from '../../../shared/errors'
import { FILTER_COLUMNS, type FilterName, type ParsedFilters } from '../../db/filters'
import {
  type Bucketing,
  MAX_VALUE_SEARCHES,
  METRIC_TYPE_ALIASES,
  METRIC_TYPES,
  type MetricOptions,
  type MetricType,
  type Scope
} from '../../queries/current-analytics'
import { normalizeDomain } from '../../queries/v1-analytics'
import type { WebsiteRow } from '../../queries/websites'
import { comparisonRange, dateRange, type DateRange, dateUnit, filtersOf, iso, paged, paging, searchText, timezoneOf, viewableWebsite } from './common'

/** Website analytics of the current API (umami-v2.md §4.1–4.5, §4.8): GET, owner/admin/share token. */

type Query = Record<string, unknown>
type WebsiteRequest = FastifyRequest<{ Params: { websiteId: string }; Querystring: Query }>

const scopeOf = (website: WebsiteRow, range: DateRange): Scope => ({
  websiteId: website.website_id,
  start: range.start,
  end: range.end,
  selfDomain: normalizeDomain(website.domain)
})

/** What every ranged analytics route reads first: the website (401 before anything else), range, filters. */
function analyticsRequest(request: WebsiteRequest) {
  const website = viewableWebsite(request, request.params.websiteId)
  const query = request.query
  const range = dateRange(query)
  const filters: ParsedFilters = filtersOf(query)
  return { website, query, range, filters, scope: scopeOf(website, range) }
}

/** A whole number query parameter within bounds, or its default when absent. */
function wholeNumber(query: Query, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const raw = query[name]
  if (raw === undefined || raw === '') return fallback
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`${name} must be a whole number from ${min} to ${max}`)
  return n
}

const MAX_LIMIT = 100_000
const MAX_OFFSET = 1_000_000_000

function metricOptions(query: Query): MetricOptions {
  const search = searchText(query)
  return {
    limit: wholeNumber(query, 'limit', 500, 1, MAX_LIMIT)!,
    offset: wholeNumber(query, 'offset', 0, 0, MAX_OFFSET)!,
    search
  }
}

function metricType(query: Query): MetricType {
  const raw = query.type
  if (typeof raw !== 'string' || raw === '') throw badRequest(`type is required: one of ${METRIC_TYPES.join(', ')}`)
  const type = METRIC_TYPE_ALIASES[raw] ?? raw
  if (!METRIC_TYPES.includes(type as MetricType)) throw badRequest(`Unknown metric type "${raw}": use one of ${METRIC_TYPES.join(', ')}`)
  return type as MetricType
}

function bucketingOf(query: Query, range: DateRange): Bucketing {
  return { unit: dateUnit(query, range), ...timezoneOf(query) }
}

/** `compare` given (and not empty): the time series carry a comparison block. */
const wantsCompare = (query: Query) => query.compare !== undefined && query.compare !== ''

/** The raw referrer split as Umami stores it: path and query (without '?'), null when absent. */
function referrerParts(referrer: string | null): { path: string | null; query: string | null } {
  if (!referrer) return { path: null, query: null }
  if (referrer.startsWith('/')) {
    const at = referrer.indexOf('?')
    return at === -1 ? { path: referrer, query: null } : { path: referrer.slice(0, at), query: referrer.slice(at + 1) || null }
  }
  try {
    const url = new URL(referrer)
    return { path: url.pathname, query: url.search ? url.search.slice(1) : null }
  } catch {
    return { path: null, query: null }
  }
}

const FILTER_NAMES = Object.keys(FILTER_COLUMNS) as FilterName[]
const FILTER_ALIASES: Record<string, FilterName> = { url: 'path', host: 'hostname' }

export async function currentAnalyticsRoutes(app: FastifyInstance) {
  const { ctx } = app
  const base = '/api/websites/:websiteId'

  app.get(`${base}/stats`, async (request: WebsiteRequest) => {
    const { query, range, filters, scope } = analyticsRequest(request)
    const previous = comparisonRange(range, query.compare)
    // Both periods at once, on two read threads.
    const [current, comparison] = await Promise.all([
      ctx.reads.run('getWebsiteStats', scope, filters),
      ctx.reads.run('getWebsiteStats', { ...scope, ...previous }, filters)
    ])
    return { ...current, comparison }
  })

  app.get(`${base}/pageviews`, async (request: WebsiteRequest) => {
    const { query, range, filters, scope } = analyticsRequest(request)
    const bucketing = bucketingOf(query, range)
    if (!wantsCompare(query)) return ctx.reads.run('getPageviewSeries', scope, filters, bucketing)
    const previous = comparisonRange(range, query.compare)
    const [series, compare] = await Promise.all([
      ctx.reads.run('getPageviewSeries', scope, filters, bucketing),
      ctx.reads.run('getPageviewSeries', { ...scope, ...previous }, filters, bucketing)
    ])
    return {
      ...series,
      startDate: iso(range.start),
      endDate: iso(range.end),
      compare: {
        ...compare,
        startDate: iso(previous.start),
        endDate: iso(previous.end)
      }
    }
  })

  app.get(`${base}/metrics`, async (request: WebsiteRequest) => {
    const { query, filters, scope } = analyticsRequest(request)
    return await ctx.reads.run('getMetrics', scope, filters, metricType(query), metricOptions(query))
  })

  app.get(`${base}/metrics/expanded`, async (request: WebsiteRequest) => {
    const { query, filters, scope } = analyticsRequest(request)
    return await ctx.reads.run('getExpandedMetrics', scope, filters, metricType(query), metricOptions(query))
  })

  app.get(`${base}/events`, async (request: WebsiteRequest) => {
    const { website, query, filters, scope } = analyticsRequest(request)
    const page = paging(query)
    const { rows, count } = await ctx.reads.run('listEvents', scope, filters, {
      limit: page.pageSize,
      offset: (page.page - 1) * page.pageSize,
      search: page.search
    })
    const data = rows.map((r) => {
      const referrer = referrerParts(r.referrer)
      return {
        id: String(r.event_id),
        websiteId: website.website_uuid,
        sessionId: r.session_uuid,
        distinctId: r.distinct_id,
        createdAt: iso(r.created_at),
        hostname: r.hostname,
        urlPath: r.url_path,
        urlQuery: r.url_query,
        referrerPath: referrer.path,
        referrerQuery: referrer.query,
        referrerDomain: r.referrer_domain,
        country: r.country,
        city: r.city,
        device: r.device,
        os: r.os,
        browser: r.browser,
        pageTitle: r.page_title,
        eventType: r.event_type,
        eventName: r.event_name,
        hasData: r.has_data === 1
      }
    })
    return paged(data, count, page)
  })

  app.get(`${base}/events/series`, async (request: WebsiteRequest) => {
    const { query, range, filters, scope } = analyticsRequest(request)
    const limit = wholeNumber(query, 'limit', undefined, 1, MAX_LIMIT)
    return await ctx.reads.run('getEventSeries', scope, filters, bucketingOf(query, range), limit)
  })

  app.get(`${base}/events/stats`, async (request: WebsiteRequest) => {
    const { query, range, filters, scope } = analyticsRequest(request)
    const previous = comparisonRange(range, query.compare)
    const [current, comparison] = await Promise.all([
      ctx.reads.run('getEventStats', scope, filters),
      ctx.reads.run('getEventStats', { ...scope, ...previous }, filters)
    ])
    return { data: { ...current, comparison } }
  })

  app.get(`${base}/active`, async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const now = ctx.now()
    return { visitors: await ctx.reads.run('getActiveVisitors', website.website_id, now - ACTIVE_WINDOW_MS, now) }
  })

  app.get(`${base}/daterange`, async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const { first, last } = await ctx.reads.run('getDateRange', website.website_id)
    return { startDate: iso(first), endDate: iso(last) }
  })

  app.get(`${base}/values`, async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const query = request.query
    const raw = query.type
    const name = typeof raw === 'string' ? (FILTER_ALIASES[raw] ?? raw) : undefined
    if (!name || !FILTER_NAMES.includes(name as FilterName)) {
      throw badRequest(`type must be a filter name: one of ${FILTER_NAMES.join(', ')}`)
    }
    const range = dateRange(query)
    const searches = searchText(query)?.split(',').filter((s) => s !== '') ?? []
    if (searches.length > MAX_VALUE_SEARCHES) throw badRequest(`search holds at most ${MAX_VALUE_SEARCHES} comma-separated values`)
    return await ctx.reads.run('getFilterValues', scopeOf(website, range), name as FilterName, searches)
  })

  app.get('/api/realtime/:websiteId', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const filters = filtersOf(request.query)
    // Minute labels: ISO in UTC, or wall-clock in the zone asked for, as in /pageviews.
    const zone = timezoneOf(request.query)
    const now = ctx.now()
    const numbers = await ctx.reads.run('getRealtimeNumbers', scopeOf(website, { start: now - REALTIME_WINDOW_MS, end: now }), filters, zone)
    const countries = Object.fromEntries(numbers.countries.map((r) => [r.key, r.n]))
    // Oldest first, a session's first event in the window is preceded by a 'session' entry; then newest first.
    const seen = new Set<number>()
    const events: Record<string, unknown>[] = []
    for (const r of [...numbers.events].reverse()) {
      const item = {
        sessionId: r.session_uuid,
        urlPath: r.url_path,
        referrerDomain: r.referrer_domain,
        country: r.country,
        eventName: r.event_name,
        createdAt: iso(r.created_at),
        browser: r.browser,
        os: r.os,
        device: r.device,
        hostname: r.hostname
      }
      if (!seen.has(r.session_id)) {
        seen.add(r.session_id)
        events.push({ __type: 'session', ...item })
      }
      events.push({ __type: r.event_type === EVENT_TYPE.customEvent ? 'event' : 'pageview', ...item })
    }
    events.reverse()
    return {
      countries,
      urls: Object.fromEntries(numbers.urls.map((r) => [r.key, r.n])),
      referrers: Object.fromEntries(numbers.referrers.map((r) => [r.key, r.n])),
      events,
      series: {
        views: numbers.series.map((r) => ({ x: r.x, y: r.views })),
        visitors: numbers.series.map((r) => ({ x: r.x, y: r.visitors }))
      },
      totals: { ...numbers.totals, countries: Object.keys(countries).length },
      timestamp: now
    }
  })
}
