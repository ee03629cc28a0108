import { EVENT_TYPE } from '../../shared/constants'
import type { Db } from '../db/open'
import { prepared, V1_SESSION_FILTERS, type V1Filters, v1Where } from '../db/sql'
import { joinUrl } from '../collect/hit'
import { bucketSql, type DateUnit } from '../lib/time'
import { eventSpan } from './span'

/** The classic API's numbers (umami-v1.md §3.6–3.10, §6), over the shared event store. */

export interface Range {
  websiteId: number
  /** Inclusive bounds in ms, as v1's BETWEEN. */
  start: number
  end: number
}

const sessionJoin = (needed: boolean) => (needed ? ' JOIN session s ON s.session_id = e.session_id' : '')

const rangeParams = (range: Range) => ({ websiteId: range.websiteId, start: range.start, end: range.end })

export interface V1Stats {
  pageviews: number
  uniques: number
  bounces: number
  totaltime: number
}

/**
 * v1 visit maths: pageviews grouped by (session, UTC clock hour) form the "visits"; a bounce is a visit
 * of one pageview; totaltime sums, per visit, the whole seconds between its first and last pageview.
 */
export function getV1Stats(db: Db, range: Range, filters: V1Filters): V1Stats {
  const where = v1Where(filters, ['url', 'referrer', ...V1_SESSION_FILTERS])
  const sql = `SELECT coalesce(sum(c), 0) AS pageviews, count(DISTINCT session_id) AS uniques,
      coalesce(sum(c = 1), 0) AS bounces, coalesce(sum(t), 0) AS totaltime
    FROM (SELECT e.session_id, count(*) AS c, (max(e.created_at) - min(e.created_at)) / 1000 AS t
      FROM website_event e${sessionJoin(where.needsSession)}
      WHERE e.website_id = @websiteId AND e.event_type = @pageView AND e.created_at BETWEEN @start AND @end${where.sql}
      GROUP BY e.session_id, e.created_at / 3600000)`
  return prepared(db, sql).get({ ...rangeParams(range), pageView: EVENT_TYPE.pageView, ...where.params }) as V1Stats
}

export interface Bucketing {
  unit: DateUnit
  timezone: string
}

export interface SeriesPoint {
  t: string
  y: number
}

/**
 * The local-time bucket expression for the rows of `range`. The time-zone offsets are looked up over the
 * span the website's rows actually cover, not the requested range: a request from 0 to the far future
 * would otherwise have the offsets of millions of days searched, blocking the server.
 */
function rangeBucket(db: Db, range: Range, unit: DateUnit, timezone: string) {
  const span = eventSpan(db, range)
  return bucketSql('e.created_at', unit, timezone, span.first, span.last)
}

/** Pageviews and distinct sessions per local-time bucket, sorted, only buckets with data. */
export function getV1PageviewSeries(db: Db, range: Range, filters: V1Filters, bucketing: Bucketing): { pageviews: SeriesPoint[]; sessions: SeriesPoint[] } {
  const bucket = rangeBucket(db, range, bucketing.unit, bucketing.timezone)
  const series = (apply: (keyof V1Filters)[], measure: string) => {
    const where = v1Where(filters, apply)
    const sql = `SELECT ${bucket.sql} AS t, ${measure} AS y
      FROM website_event e${sessionJoin(where.needsSession)}
      WHERE e.website_id = @websiteId AND e.event_type = @pageView AND e.created_at BETWEEN @start AND @end${where.sql}
      GROUP BY t ORDER BY t`
    return prepared(db, sql).all({ ...rangeParams(range), pageView: EVENT_TYPE.pageView, ...where.params, ...bucket.params }) as SeriesPoint[]
  }
  return {
    pageviews: series(['url', 'referrer', ...V1_SESSION_FILTERS], 'count(*)'),
    // As in Umami, the sessions series ignores the referrer filter.
    sessions: series(['url', ...V1_SESSION_FILTERS], 'count(DISTINCT e.session_id)')
  }
}

/** Custom events per (name, bucket); the url and event_name filters are honoured (Umami ignored them). */
export function getV1EventSeries(db: Db, range: Range, filters: V1Filters, bucketing: Bucketing): { x: string; t: string; y: number }[] {
  const bucket = rangeBucket(db, range, bucketing.unit, bucketing.timezone)
  const where = v1Where(filters, ['url', 'event_name', ...V1_SESSION_FILTERS])
  const sql = `SELECT e.event_name AS x, ${bucket.sql} AS t, count(*) AS y
    FROM website_event e${sessionJoin(where.needsSession)}
    WHERE e.website_id = @websiteId AND e.event_type = @customEvent AND e.created_at BETWEEN @start AND @end${where.sql}
    GROUP BY x, t ORDER BY t, x`
  return prepared(db, sql).all({ ...rangeParams(range), customEvent: EVENT_TYPE.customEvent, ...where.params, ...bucket.params }) as {
    x: string
    t: string
    y: number
  }[]
}

export const V1_METRIC_TYPES = ['url', 'referrer', 'query', 'event', 'browser', 'os', 'device', 'country', 'language', 'screen'] as const
export type V1MetricType = (typeof V1_METRIC_TYPES)[number]

export interface MetricRow {
  x: string | null
  y: number
}

/**
 * The website's own host as entered (scheme, path, port and www. removed), for excluding self-referrals.
 * It is compared with `referrer_domain`, which the URL parser wrote, so it goes through the same parser:
 * an internationalised domain ("bücher.de") must become the punycode the referrers carry.
 */
export function normalizeDomain(domain: string | null): string | null {
  if (!domain) return null
  const host = domain
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/:\d+$/, '')
  if (!host) return null
  let parsed = host
  try {
    parsed = new URL(`http://${host}/`).hostname
  } catch {
    // Not a host a URL can carry; no referrer can match it either way.
  }
  return parsed.replace(/^www\./, '') || null
}

const ORDER = ' ORDER BY y DESC, x ASC'

/** Top-N breakdowns, all rows, sorted by count (the v1 dashboard trims on its side). */
export function getV1Metrics(db: Db, range: Range, type: V1MetricType, filters: V1Filters, websiteDomain: string | null): MetricRow[] {
  const base = { ...rangeParams(range), pageView: EVENT_TYPE.pageView, customEvent: EVENT_TYPE.customEvent }
  const pageviewFrom = (where: ReturnType<typeof v1Where>) =>
    `FROM website_event e${sessionJoin(where.needsSession)}
     WHERE e.website_id = @websiteId AND e.event_type = @pageView AND e.created_at BETWEEN @start AND @end${where.sql}`

  switch (type) {
    case 'url': {
      const where = v1Where(filters, ['referrer', ...V1_SESSION_FILTERS])
      const rows = prepared(
        db,
        `SELECT e.url_path AS p, e.url_query AS q, count(*) AS y ${pageviewFrom(where)} GROUP BY e.url_path, e.url_query ORDER BY y DESC, p ASC, q ASC`
      ).all({ ...base, ...where.params }) as { p: string; q: string | null; y: number }[]
      return rows.map((r) => ({ x: joinUrl(r.p, r.q), y: r.y }))
    }
    case 'query': {
      const where = v1Where(filters, ['url', 'referrer', ...V1_SESSION_FILTERS])
      const rows = prepared(
        db,
        `SELECT e.url_path AS p, e.url_query AS q, count(*) AS y ${pageviewFrom(where)} AND e.url_query IS NOT NULL
         GROUP BY e.url_path, e.url_query ORDER BY y DESC, p ASC, q ASC`
      ).all({ ...base, ...where.params }) as { p: string; q: string; y: number }[]
      return rows.map((r) => ({ x: joinUrl(r.p, r.q), y: r.y }))
    }
    case 'referrer': {
      // Internal SPA referrers ("/previous-path") and the site's own host (with or without www.,
      // with or without a path) are not referrals. Direct traffic sent as "" stays, as in Umami.
      const where = v1Where(filters, ['url', ...V1_SESSION_FILTERS])
      return prepared(
        db,
        `SELECT e.referrer AS x, count(*) AS y ${pageviewFrom(where)}
         AND e.referrer IS NOT NULL AND e.referrer NOT LIKE '/%' AND (e.referrer_domain IS NULL OR e.referrer_domain IS NOT @self)
         GROUP BY x${ORDER}`
      ).all({ ...base, ...where.params, self: normalizeDomain(websiteDomain) }) as MetricRow[]
    }
    case 'event': {
      const where = v1Where(filters, ['url', ...V1_SESSION_FILTERS])
      return prepared(
        db,
        `SELECT e.event_name AS x, count(*) AS y FROM website_event e${sessionJoin(where.needsSession)}
         WHERE e.website_id = @websiteId AND e.event_type = @customEvent AND e.created_at BETWEEN @start AND @end${where.sql}
         GROUP BY x${ORDER}`
      ).all({ ...base, ...where.params }) as MetricRow[]
    }
    default: {
      // Session attributes count sessions with at least one pageview in range; only session filters apply.
      const where = v1Where(filters, V1_SESSION_FILTERS)
      const column =
        type === 'language'
          ? "CASE WHEN s.language IS NULL THEN 'null' ELSE lower(substr(s.language, 1, instr(s.language || '-', '-') - 1)) END"
          : `s.${type}`
      return prepared(
        db,
        `SELECT ${column} AS x, count(*) AS y FROM session s
         WHERE s.website_id = @websiteId${where.sql}
           AND EXISTS (SELECT 1 FROM website_event e WHERE e.session_id = s.session_id AND e.event_type = @pageView
                       AND e.created_at BETWEEN @start AND @end)
         GROUP BY x${ORDER}`
      ).all({ ...base, ...where.params }) as MetricRow[]
    }
  }
}

/** Distinct sessions with a pageview in the last five minutes. */
export function getV1ActiveVisitors(db: Db, websiteId: number, since: number): number {
  return prepared(
    db,
    'SELECT count(DISTINCT session_id) FROM website_event WHERE website_id = ? AND event_type = ? AND created_at >= ?'
  )
    .pluck()
    .get(websiteId, EVENT_TYPE.pageView, since) as number
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Rows of the v1 realtime view since `since`, for the given websites only (none given, nothing returned). */
export function getV1RealtimeData(db: Db, websiteIds: number[], since: number, now: number) {
  if (websiteIds.length === 0) return { pageviews: [], sessions: [], events: [], timestamp: now }
  const ids = JSON.stringify(websiteIds)
  const inWebsites = 'website_id IN (SELECT value FROM json_each(@ids))'
  const events = prepared(
    db,
    `SELECT event_id, website_id, session_id, created_at, event_type, url_path, url_query, referrer, event_name
     FROM website_event WHERE ${inWebsites} AND created_at >= @since ORDER BY created_at, event_id`
  ).all({ ids, since }) as {
    event_id: number
    website_id: number
    session_id: number
    created_at: number
    event_type: number
    url_path: string
    url_query: string | null
    referrer: string | null
    event_name: string | null
  }[]
  const sessions = prepared(
    db,
    `SELECT session_id, session_uuid, website_id, created_at, hostname, browser, os, device, screen, language, country
     FROM session WHERE ${inWebsites} AND created_at >= @since ORDER BY created_at, session_id`
  ).all({ ids, since }) as { session_id: number; created_at: number }[]
  return {
    pageviews: events
      .filter((e) => e.event_type === EVENT_TYPE.pageView)
      .map((e) => ({
        __id: `p${e.event_id}`,
        view_id: e.event_id,
        website_id: e.website_id,
        session_id: e.session_id,
        created_at: iso(e.created_at),
        url: joinUrl(e.url_path, e.url_query),
        referrer: e.referrer
      })),
    sessions: sessions.map((s) => ({ __id: `s${s.session_id}`, ...s, created_at: iso(s.created_at) })),
    events: events
      .filter((e) => e.event_type === EVENT_TYPE.customEvent)
      .map((e) => ({
        __id: `e${e.event_id}`,
        event_id: e.event_id,
        website_id: e.website_id,
        session_id: e.session_id,
        created_at: iso(e.created_at),
        url: joinUrl(e.url_path, e.url_query),
        event_name: e.event_name
      })),
    timestamp: now
  }
}
