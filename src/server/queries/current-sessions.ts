import { EVENT_TYPE } from '../../shared/constants'
import { DATA_TYPE } from '../collect/hit'
import type { ParsedFilters } from '../db/filters'
import { filterSql } from '../db/filters'
import type { Db } from '../db/open'
import { likeEscape, prepared } from '../db/sql'
import { localTimeSql } from '../lib/time'
import { eventSpan } from './span'

/** Sessions and session properties of the current API (umami-v2.md §4.7), over the shared event store. */

export interface Scope {
  websiteId: number
  /** Inclusive bounds in ms. */
  start: number
  end: number
}

const scopeParams = (scope: Scope) => ({ websiteId: scope.websiteId, start: scope.start, end: scope.end })

const sessionJoin = (needed: boolean) => (needed ? ' JOIN session s ON s.session_id = e.session_id' : '')

/** The events of a website in range that pass the filters, as SQL after `FROM`. */
function eventsInScope(filters: ParsedFilters, options: { withSession?: boolean } = {}) {
  const where = filterSql(filters)
  return {
    sql: `website_event e${sessionJoin(options.withSession || where.needsSession)}
      WHERE e.website_id = @websiteId AND e.created_at BETWEEN @start AND @end${where.sql}`,
    params: where.params
  }
}

/** A property's value as the current API reports it: numbers as numbers, dates as ISO text, the rest as stored. */
export function propertyValue(dataType: number, value: string | number | null): string | number | null {
  if (value === null) return null
  if (dataType === DATA_TYPE.number) return Number(value)
  if (dataType === DATA_TYPE.date) return new Date(Number(value)).toISOString()
  return String(value)
}

/** SQL for the stored value of a typed property row aliased `alias` (numbers and dates live in their own columns). */
export const valueSql = (alias: string) =>
  `CASE ${alias}.data_type WHEN ${DATA_TYPE.number} THEN ${alias}.number_value WHEN ${DATA_TYPE.date} THEN ${alias}.date_value ELSE ${alias}.string_value END`

/**
 * Umami keeps a text form of every property in `string_value`; ours holds numbers and dates in their own
 * columns only, so the text form is derived here for `stringValue`.
 */
export function stringValueOf(row: { data_type: number; string_value: string | null; number_value: number | null; date_value: number | null }) {
  if (row.string_value !== null) return row.string_value
  if (row.number_value !== null) return String(row.number_value)
  if (row.date_value !== null) return new Date(row.date_value).toISOString()
  return null
}

export interface SessionListRow {
  id: string
  hostname: string | null
  browser: string | null
  os: string | null
  device: string | null
  screen: string | null
  language: string | null
  country: string | null
  region: string | null
  city: string | null
  firstAt: number
  lastAt: number
  visits: number
  views: number
  events: number
}

/**
 * Sessions with activity in range, newest activity first; views, events and visits count only what falls
 * in the range and passes the filters. `search` matches distinct id, city, browser, OS or device.
 */
export function listSessions(
  db: Db,
  scope: Scope,
  filters: ParsedFilters,
  options: { search?: string; limit: number; offset: number }
): { rows: SessionListRow[]; count: number } {
  const base = eventsInScope(filters, { withSession: true })
  const search = options.search
    ? ` AND (s.distinct_id LIKE @search ESCAPE '\\' OR s.city LIKE @search ESCAPE '\\' OR s.browser LIKE @search ESCAPE '\\'
        OR s.os LIKE @search ESCAPE '\\' OR s.device LIKE @search ESCAPE '\\')`
    : ''
  const params = {
    ...scopeParams(scope),
    ...base.params,
    ...(options.search ? { search: `%${likeEscape(options.search)}%` } : {})
  }
  const count = prepared(db, `SELECT count(DISTINCT e.session_id) FROM ${base.sql}${search}`).pluck().get(params) as number
  if (count === 0 || options.offset >= count) return { rows: [], count }
  const sql = `SELECT s.session_uuid AS id, s.hostname, s.browser, s.os, s.device, s.screen, s.language, s.country, s.region, s.city,
      min(e.created_at) AS firstAt, max(e.created_at) AS lastAt, count(DISTINCT e.visit_id) AS visits,
      sum(e.event_type = @pageView) AS views, sum(e.event_type = @customEvent) AS events
    FROM ${base.sql}${search}
    GROUP BY e.session_id
    ORDER BY lastAt DESC, e.session_id DESC
    LIMIT @limit OFFSET @offset`
  const rows = prepared(db, sql).all({
    ...params,
    pageView: EVENT_TYPE.pageView,
    customEvent: EVENT_TYPE.customEvent,
    limit: options.limit,
    offset: options.offset
  }) as SessionListRow[]
  return { rows, count }
}

export interface SessionStats {
  pageviews: number
  visitors: number
  visits: number
  countries: number
  events: number
}

/** The sessions page's summary. As in Umami, `pageviews` counts every event, custom ones included. */
export function getSessionStats(db: Db, scope: Scope, filters: ParsedFilters): SessionStats {
  const base = eventsInScope(filters, { withSession: true })
  const sql = `SELECT count(*) AS pageviews, count(DISTINCT e.session_id) AS visitors, count(DISTINCT e.visit_id) AS visits,
      count(DISTINCT s.country) AS countries, coalesce(sum(e.event_type = @customEvent), 0) AS events
    FROM ${base.sql}`
  return prepared(db, sql).get({ ...scopeParams(scope), ...base.params, customEvent: EVENT_TYPE.customEvent }) as SessionStats
}

/** Distinct sessions per local weekday (0 = Sunday) and hour: a 7×24 grid, zeros where nothing happened. */
export function getSessionsWeekly(db: Db, scope: Scope, filters: ParsedFilters, timeZone: string): number[][] {
  const base = eventsInScope(filters)
  const span = eventSpan(db, scope)
  const local = localTimeSql('e.created_at', timeZone, span.first, span.last)
  // 1000.0: integer division would truncate toward zero for instants before 1970.
  const sql = `SELECT CAST(strftime('%w', ${local.sql} / 1000.0, 'unixepoch') AS INTEGER) AS day,
      CAST(strftime('%H', ${local.sql} / 1000.0, 'unixepoch') AS INTEGER) AS hour,
      count(DISTINCT e.session_id) AS sessions
    FROM ${base.sql}
    GROUP BY day, hour`
  const grid = Array.from({ length: 7 }, () => new Array<number>(24).fill(0))
  const rows = prepared(db, sql).all({ ...scopeParams(scope), ...base.params, ...local.params }) as { day: number; hour: number; sessions: number }[]
  for (const row of rows) grid[row.day]![row.hour] = row.sessions
  return grid
}

export interface SessionRow {
  session_id: number
  session_uuid: string
  website_id: number
  created_at: number
  hostname: string | null
  browser: string | null
  os: string | null
  device: string | null
  screen: string | null
  language: string | null
  country: string | null
  region: string | null
  city: string | null
  distinct_id: string | null
}

/** A session of this website by its UUID, or undefined (also when it belongs to another website). */
export function findWebsiteSession(db: Db, websiteId: number, sessionUuid: string): SessionRow | undefined {
  return prepared(db, 'SELECT * FROM session WHERE session_uuid = @sessionUuid AND website_id = @websiteId').get({ sessionUuid, websiteId }) as
    | SessionRow
    | undefined
}

export interface SessionTotals {
  firstAt: number | null
  lastAt: number | null
  visits: number
  views: number
  events: number
  /** Seconds: per visit, the whole seconds between its first and last event, summed. */
  totaltime: number
}

/** The whole life of a session (no date range), as the session page shows it. */
export function getSessionTotals(db: Db, sessionId: number): SessionTotals {
  const sql = `SELECT min(first) AS firstAt, max(last) AS lastAt, count(*) AS visits, coalesce(sum(views), 0) AS views,
      coalesce(sum(events), 0) AS events, coalesce(sum((last - first) / 1000), 0) AS totaltime
    FROM (SELECT min(created_at) AS first, max(created_at) AS last, sum(event_type = @pageView) AS views,
        sum(event_type = @customEvent) AS events
      FROM website_event WHERE session_id = @sessionId GROUP BY visit_id)`
  return prepared(db, sql).get({ sessionId, pageView: EVENT_TYPE.pageView, customEvent: EVENT_TYPE.customEvent }) as SessionTotals
}

export interface ActivityRow {
  createdAt: number
  urlPath: string
  urlQuery: string | null
  referrerDomain: string | null
  eventId: number
  eventType: number
  eventName: string | null
  visitId: string
  hostname: string | null
  hasData: number
}

export const ACTIVITY_LIMIT = 500

/** A session's events in range, newest first, at most 500. */
export function getSessionActivity(db: Db, sessionId: number, start: number, end: number): ActivityRow[] {
  const sql = `SELECT e.created_at AS createdAt, e.url_path AS urlPath, e.url_query AS urlQuery, e.referrer_domain AS referrerDomain,
      e.event_id AS eventId, e.event_type AS eventType, e.event_name AS eventName, e.visit_id AS visitId, e.hostname,
      EXISTS (SELECT 1 FROM event_data d WHERE d.event_id = e.event_id) AS hasData
    FROM website_event e
    WHERE e.session_id = @sessionId AND e.created_at BETWEEN @start AND @end
    ORDER BY e.created_at DESC, e.event_id DESC
    LIMIT ${ACTIVITY_LIMIT}`
  return prepared(db, sql).all({ sessionId, start, end }) as ActivityRow[]
}

export interface PropertyRow {
  data_key: string
  data_type: number
  string_value: string | null
  number_value: number | null
  date_value: number | null
  created_at: number
}

/** The properties stored for one session, by key. */
export function getSessionProperties(db: Db, sessionId: number): PropertyRow[] {
  return prepared(
    db,
    `SELECT data_key, data_type, string_value, number_value, date_value, created_at FROM session_data
     WHERE session_id = @sessionId ORDER BY data_key`
  ).all({ sessionId }) as PropertyRow[]
}

/** The sessions active in range that pass the filters, as a subquery of session ids. */
function activeSessions(filters: ParsedFilters) {
  const base = eventsInScope(filters)
  return { sql: `SELECT e.session_id FROM ${base.sql}`, params: base.params }
}

/** Property names (and types) of the sessions active in range, with how many sessions carry each. */
export function getSessionDataProperties(db: Db, scope: Scope, filters: ParsedFilters): { propertyName: string; dataType: number; total: number }[] {
  const sessions = activeSessions(filters)
  // One row per (session, key) by the table's unique key, so count(*) counts sessions.
  const sql = `SELECT d.data_key AS propertyName, d.data_type AS dataType, count(*) AS total
    FROM session_data d
    WHERE d.website_id = @websiteId AND d.session_id IN (${sessions.sql})
    GROUP BY d.data_key, d.data_type
    ORDER BY total DESC, propertyName, dataType
    LIMIT 500`
  return prepared(db, sql).all({ ...scopeParams(scope), ...sessions.params }) as { propertyName: string; dataType: number; total: number }[]
}

/** The values of one session property among the sessions active in range, with how many sessions have each. */
export function getSessionDataValues(
  db: Db,
  scope: Scope,
  filters: ParsedFilters,
  propertyName: string
): { value: string | number | null; total: number }[] {
  const sessions = activeSessions(filters)
  const sql = `SELECT d.data_type AS dataType, ${valueSql('d')} AS value, count(*) AS total
    FROM session_data d
    WHERE d.website_id = @websiteId AND d.data_key = @propertyName AND d.session_id IN (${sessions.sql})
    GROUP BY d.data_type, value
    ORDER BY total DESC, value
    LIMIT 100`
  const rows = prepared(db, sql).all({ ...scopeParams(scope), ...sessions.params, propertyName }) as {
    dataType: number
    value: string | number | null
    total: number
  }[]
  return rows.map((row) => ({ value: propertyValue(row.dataType, row.value), total: row.total }))
}
