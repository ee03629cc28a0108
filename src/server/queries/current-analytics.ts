import { EVENT_TYPE } from '../../shared/constants'
import { filterSql, FILTER_COLUMNS, type FilterName, type ParsedFilters } from '../db/filters'
import type { Db } from '../db/open'
import { likeEscape, prepared } from '../db/sql'
import { localTimeSql, offsetSegments, type DateUnit } from '../lib/time'
import { BoundedCache } from '../lib/bounded-cache'
import { eventSpan } from './span'
import { channelFromInputs, channelSql, CLICK_MASK } from './channel'
import {
  DAY_SET_KINDS,
  DAY_TOTALS_KIND,
  type DaySetRest,
  type DaySetType,
  HOUR_SETS_KIND,
  HOUR_VIEWS_KIND,
  isDaySetType,
  seriesFromDaySets,
  statsFromDaySets,
  tableFromDaySets,
  VISIT_DAY_SET_TYPES
} from './day-sets'
import { bucketRows, visitRows } from './visits'

/**
 * The website analytics numbers of the current Umami API (umami-v2.md §4.1–4.5, §4.8, §6.5, §14).
 *
 * Every query starts from `website_event e` restricted by website and time range (the
 * (website_id, created_at) index), then applies the request's filters; aggregates are computed in SQL.
 * - pageview: event_type 1; visitor: distinct session with ≥ 1 view in the range; visit: distinct visit_id;
 * - bounce: a visit with exactly one view in the range; totaltime: per visit, last view − first view in
 *   whole seconds, summed.
 */

export interface Scope {
  /** Integer id of the website (the store's key). */
  websiteId: number
  /** Inclusive bounds, ms UTC. */
  start: number
  end: number
  /** The website's own domain without www. (see normalizeDomain), for leaving out self-referrals. */
  selfDomain: string | null
}

export const SESSION_JOIN = ' JOIN session s ON s.session_id = e.session_id'

/** The page's own host, lower-cased and without www. */
const OWN_HOST = "(CASE WHEN lower(e.hostname) LIKE 'www.%' THEN substr(lower(e.hostname), 5) ELSE lower(e.hostname) END)"
/** A referrer from the website itself (its configured domain or the host of the page); never NULL. */
const SELF_REFERRAL = `(e.referrer_domain IS @selfDomain OR e.referrer_domain IS ${OWN_HOST})`
/** A referrer from another site: present, not empty, not the website itself. */
const EXTERNAL_REFERRER = `(e.referrer_domain IS NOT NULL AND e.referrer_domain <> '' AND NOT ${SELF_REFERRAL})`

type EventKind = 'view' | 'custom' | 'any'

interface Source {
  /** `website_event e … WHERE …`, ready to follow FROM. */
  sql: string
  params: Record<string, unknown>
}

/** The request's filters as conditions on `e`/`s`; filtering by referrer also leaves out self-referrals (as Umami). */
export function filterConditions(scope: Scope, parsed: ParsedFilters): { join: string; where: string; params: Record<string, unknown> } {
  const filters = filterSql(parsed)
  const self = parsed.filters.some((f) => f.name === 'referrer') ? ` AND NOT ${SELF_REFERRAL}` : ''
  return {
    join: filters.needsSession ? SESSION_JOIN : '',
    where: filters.sql + self,
    params: { selfDomain: scope.selfDomain, ...filters.params }
  }
}

/** The filtered events of the scope, of one kind. `join` adds joins after the optional session join. */
export function source(scope: Scope, parsed: ParsedFilters, kind: EventKind, options: { session?: boolean; join?: string } = {}): Source {
  const filters = filterConditions(scope, parsed)
  const join = (filters.join || (options.session ? SESSION_JOIN : '')) + (options.join ?? '')
  const type = kind === 'view' ? ' AND e.event_type = @pageView' : kind === 'custom' ? ' AND e.event_type = @customEvent' : ''
  return {
    sql: `website_event e${join} WHERE e.website_id = @websiteId AND e.created_at BETWEEN @start AND @end${type}${filters.where}`,
    params: {
      websiteId: scope.websiteId,
      start: scope.start,
      end: scope.end,
      pageView: EVENT_TYPE.pageView,
      customEvent: EVENT_TYPE.customEvent,
      ...filters.params
    }
  }
}

const contains = (text: string) => `%${likeEscape(text)}%`

// ---------------------------------------------------------------------------------------------------
// Time buckets

export interface Bucketing {
  unit: DateUnit
  timezone: string
  /** ISO labels (`YYYY-MM-DDTHH:MM:00Z`, UTC) instead of wall-clock ones (`YYYY-MM-DD HH:MM:SS` in the zone). */
  isoLabels: boolean
}

const LABEL_FORMAT: Record<'iso' | 'wall', Record<DateUnit, string>> = {
  iso: {
    minute: '%Y-%m-%dT%H:%M:00Z',
    hour: '%Y-%m-%dT%H:00:00Z',
    day: '%Y-%m-%dT00:00:00Z',
    month: '%Y-%m-01T00:00:00Z',
    year: '%Y-01-01T00:00:00Z'
  },
  wall: {
    minute: '%Y-%m-%d %H:%M:00',
    hour: '%Y-%m-%d %H:00:00',
    day: '%Y-%m-%d 00:00:00',
    month: '%Y-%m-01 00:00:00',
    year: '%Y-01-01 00:00:00'
  }
}

/**
 * SQL for the bucket label of `e.created_at`. Wall-clock labels add the zone's offset in force at each
 * row (a CASE over the DST changes), so buckets are right on both sides of a change. The changes are
 * searched over the span the website's rows cover in the range, not the range asked for: a request from
 * 0 to the far future would otherwise search millions of days.
 */
function labelSql(db: Db, scope: Scope, bucketing: Bucketing): { sql: string; params: Record<string, number> } {
  const label = columnLabel(db, scope, bucketing)
  return { sql: label.of('e.created_at'), params: label.params }
}

/** Length of the units whose buckets are whole multiples of it in local time (months and years are not). */
const FIXED_UNIT_MS: Partial<Record<DateUnit, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }

export interface ColumnLabel {
  /** The bucket label SQL of a time column (ms UTC) or expression. */
  of: (column: string) => string
  /** Every offset in force over the data, and every change between them, falls on a whole UTC hour. */
  wholeHours: boolean
  /** SQL of a number that is equal for two instants exactly when their labels are: cheaper to compare. */
  key: (column: string) => string
  params: Record<string, number>
}

/** labelSql for any time column, all sharing `params`. */
function columnLabel(db: Db, scope: Scope, bucketing: Bucketing): ColumnLabel {
  const format = LABEL_FORMAT[bucketing.isoLabels ? 'iso' : 'wall'][bucketing.unit]
  const span = eventSpan(db, scope)
  const local = (column: string) => (bucketing.isoLabels ? { sql: column, params: {} } : localTimeSql(column, bucketing.timezone, span.first, span.last))
  // 1000.0: an integer division would truncate toward zero and misplace instants before 1970.
  const of = (column: string) => `strftime('${format}', ${local(column).sql} / 1000.0, 'unixepoch')`
  const unitMs = FIXED_UNIT_MS[bucketing.unit]
  // Local time divided by the unit, for instants after 1970 (integer division truncates toward zero; offsets
  // are bound as reals, hence the cast).
  const key = unitMs !== undefined && span.first >= 0 ? (column: string) => `(CAST(${local(column).sql} AS INTEGER) / ${unitMs})` : of
  const hour = FIXED_UNIT_MS.hour!
  const wholeHours =
    bucketing.isoLabels ||
    offsetSegments(bucketing.timezone, span.first, span.last).every((segment, i) => segment.offset % hour === 0 && (i === 0 || segment.from % hour === 0))
  return { of, key, params: local('e.created_at').params, wholeHours }
}

export interface Point {
  x: string
  y: number
}

// ---------------------------------------------------------------------------------------------------
// /stats and /pageviews

export interface WebsiteStats {
  pageviews: number
  visitors: number
  visits: number
  bounces: number
  totaltime: number
}

/** Summary numbers over the view events of the scope, grouped per visit. */
export function getWebsiteStats(db: Db, scope: Scope, parsed: ParsedFilters): WebsiteStats {
  if (fromVisits(parsed)) {
    // Whole built days from their totals and entry sets (day-sets.ts); the other visits from the visit table.
    const stats = statsFromDaySets(db, scope, (days, hours) => visitRows(db, scope, { beside: { days, hours } }))
    if (stats) return stats
  }
  const rows = perVisit(db, scope, parsed)
  return prepared(
    db,
    `SELECT coalesce(sum(c), 0) AS pageviews, count(DISTINCT session_id) AS visitors, count(*) AS visits,
       coalesce(sum(c = 1), 0) AS bounces, coalesce(sum(t), 0) AS totaltime
     FROM (${rows.sql})`
  ).get(rows.params) as WebsiteStats
}

/**
 * The visit table (visits.ts) holds whole visits, so it answers only when every view counts: without filters.
 * With filters, queries group the filtered views themselves.
 */
const fromVisits = (parsed: ParsedFilters) => parsed.filters.length === 0

/** One row per visit with (filtered) views in the range: session_id, visit_id, c (views), t (seconds). */
function perVisit(db: Db, scope: Scope, parsed: ParsedFilters): Source {
  if (fromVisits(parsed)) return visitRows(db, scope)
  const src = source(scope, parsed, 'view')
  return {
    sql: `SELECT e.session_id, e.visit_id, count(*) AS c, (max(e.created_at) - min(e.created_at)) / 1000 AS t
      FROM ${src.sql} GROUP BY e.session_id, e.visit_id`,
    params: src.params
  }
}

/** Views and distinct sessions per bucket; only buckets with data, in time order. */
export function getPageviewSeries(db: Db, scope: Scope, parsed: ParsedFilters, bucketing: Bucketing): { pageviews: Point[]; sessions: Point[] } {
  const label = columnLabel(db, scope, bucketing)
  if (fromVisits(parsed) && bucketing.unit !== 'minute' && label.wholeHours) {
    // Buckets of whole UTC hours: the built days' hours from their views and session sets (day-sets.ts).
    const rows = seriesFromDaySets(db, scope, label, (start, end) => source({ ...scope, start, end }, parsed, 'view'))
    if (rows) return { pageviews: rows.map((r) => ({ x: r.x, y: r.views })), sessions: rows.map((r) => ({ x: r.x, y: r.sessions })) }
  }
  // Rows `k` (bucket key), `t` (an instant in the bucket), session_id, `c` (views): a whole visit inside one
  // bucket is one row (visits.ts), a filtered view is one row.
  let buckets: Source
  if (fromVisits(parsed)) buckets = bucketRows(db, scope, label.key)
  else {
    const src = source(scope, parsed, 'view')
    buckets = { sql: `SELECT ${label.key('e.created_at')} AS k, e.created_at AS t, e.session_id, 1 AS c FROM ${src.sql}`, params: src.params }
  }
  const rows = prepared(
    db,
    `SELECT ${label.of('min(t)')} AS x, sum(c) AS views, count(DISTINCT session_id) AS sessions FROM (${buckets.sql}) GROUP BY k ORDER BY k`
  ).all({ ...buckets.params, ...label.params }) as { x: string; views: number; sessions: number }[]
  return {
    pageviews: rows.map((r) => ({ x: r.x, y: r.views })),
    sessions: rows.map((r) => ({ x: r.x, y: r.sessions }))
  }
}

/** The channel of view `e` (channel.ts), a visit's first view. */
const CHANNEL_SQL = channelSql(EXTERNAL_REFERRER)

// ---------------------------------------------------------------------------------------------------
// /metrics and /metrics/expanded

const EVENT_COLUMNS = {
  path: 'e.url_path',
  title: 'e.page_title',
  query: 'e.url_query',
  tag: 'e.tag',
  hostname: 'e.hostname',
  referrer: 'e.referrer_domain',
  domain: 'e.referrer_domain',
  utmSource: 'e.utm_source',
  utmMedium: 'e.utm_medium',
  utmCampaign: 'e.utm_campaign',
  utmContent: 'e.utm_content',
  utmTerm: 'e.utm_term'
} as const

const SESSION_COLUMNS = {
  browser: 's.browser',
  os: 's.os',
  device: 's.device',
  screen: 's.screen',
  // Languages are grouped by their first two letters, lower-cased ("en-US", "EN-gb" → "en").
  language: 'lower(substr(s.language, 1, 2))',
  country: 's.country',
  region: 's.region',
  city: 's.city',
  distinctId: 's.distinct_id'
} as const

const VISIT_TYPES = ['entry', 'exit', 'channel'] as const

export const METRIC_TYPES = [...Object.keys(EVENT_COLUMNS), ...Object.keys(SESSION_COLUMNS), ...VISIT_TYPES, 'event'] as MetricType[]
export type MetricType = keyof typeof EVENT_COLUMNS | keyof typeof SESSION_COLUMNS | (typeof VISIT_TYPES)[number] | 'event'

/** v2 names of metric types. */
export const METRIC_TYPE_ALIASES: Record<string, MetricType> = { url: 'path', host: 'hostname' }

export interface MetricOptions {
  limit: number
  offset: number
  /** Keeps rows whose value contains this text (case-insensitive). */
  search?: string
}

/** City and region rows name their country, as Umami's do. */
const withCountry = (type: MetricType) => type === 'city' || type === 'region'

/**
 * The rows a breakdown counts, one per event: `x` (the value), `session_id`, `visit_id` (and `country`
 * for city/region). Views for every type but `event` (custom events). Entry, exit and channel are
 * attributes of the visit, decided over all its views in the range (as Umami does); the filters then
 * pick which visits count.
 */
function namedRows(scope: Scope, parsed: ParsedFilters, type: MetricType): Source {
  if (type === 'event') {
    const src = source(scope, parsed, 'custom')
    return { sql: `SELECT e.event_name AS x, e.session_id, e.visit_id, e.event_id FROM ${src.sql}`, params: src.params }
  }
  if (type in EVENT_COLUMNS) {
    const column = EVENT_COLUMNS[type as keyof typeof EVENT_COLUMNS]
    const src = source(scope, parsed, 'view')
    // Absent values (no title, no query, no utm_source…) are not a row; referrers also leave out the site itself.
    const present = column === 'e.referrer_domain' ? ` AND ${EXTERNAL_REFERRER}` : ` AND ${column} IS NOT NULL AND ${column} <> ''`
    return { sql: `SELECT ${column} AS x, e.session_id, e.visit_id FROM ${src.sql}${present}`, params: src.params }
  }
  if (type in SESSION_COLUMNS) {
    const column = SESSION_COLUMNS[type as keyof typeof SESSION_COLUMNS]
    const src = source(scope, parsed, 'view', { session: true })
    // Unknown browsers, countries… stay (as "null", Umami's "Unknown"); an absent distinct id is no visitor's id.
    const present = type === 'distinctId' ? ' AND s.distinct_id IS NOT NULL' : ''
    const country = withCountry(type) ? ', s.country AS country' : ''
    return { sql: `SELECT ${column} AS x${country}, e.session_id, e.visit_id FROM ${src.sql}${present}`, params: src.params }
  }
  // Entry, exit, channel: one value per visit from its first (or last) view in the range.
  const src = source(scope, parsed, 'view', { join: ` JOIN (${visitAttribute(type)}) v ON v.visit_id = e.visit_id` })
  return {
    sql: `SELECT v.x AS x, e.session_id, e.visit_id FROM ${src.sql}`,
    params: src.params
  }
}

/**
 * One row per visit with views in the range: `visit_id`, `session_id` and `x`, the visit's entry page, exit
 * page or channel, from its first (or last) view. SQLite takes the bare columns of a min()/max() query from
 * the row holding that minimum or maximum (sqlite.org/lang_select.html#bare_aggregate_terms): one grouping
 * pass, no window sort. Two views of a visit in the same millisecond tie, and either may be taken.
 */
function visitAttribute(type: MetricType): string {
  const attribute = type === 'channel' ? CHANNEL_SQL : 'e.url_path'
  // The grouping reads the covering index only (the event id is the rowid); then one row per visit is read
  // for its path or channel columns, instead of carrying every view's columns through the sort.
  return `SELECT v.visit_id, v.session_id, ${attribute} AS x FROM (
      SELECT e.visit_id, e.session_id, e.event_id, ${type === 'exit' ? 'max' : 'min'}(e.created_at) AS m
      FROM website_event e WHERE e.website_id = @websiteId AND e.created_at BETWEEN @start AND @end AND e.event_type = @pageView
      GROUP BY e.visit_id) v JOIN website_event e ON e.event_id = v.event_id`
}

/**
 * The rows getMetrics counts distinct visitors over. Without filters, every visit with views in the range
 * counts, so entry, exit and channel need one row per visit only, not the join back to each of its views.
 */
function metricRows(db: Db, scope: Scope, parsed: ParsedFilters, type: MetricType): Source {
  if ((VISIT_TYPES as readonly string[]).includes(type) && fromVisits(parsed)) return visitMetricRows(db, scope, type as (typeof VISIT_TYPES)[number])
  return namedRows(scope, parsed, type)
}

/**
 * The unfiltered entry, exit or channel rows from the visit table, which knows each visit's first and last view
 * (visits.ts): one row read per visit. `beside`: without the visits that start in these days or hours.
 */
function visitMetricRows(db: Db, scope: Scope, type: (typeof VISIT_TYPES)[number], beside?: { days: number[]; hours: number[] }): Source {
  const visits = visitRows(db, scope, { ends: true, beside })
  const attribute = type === 'channel' ? CHANNEL_SQL : 'e.url_path'
  return {
    sql: `SELECT v.session_id, v.visit_id, ${attribute} AS x FROM (${visits.sql}) v
      JOIN website_event e ON e.event_id = v.${type === 'exit' ? 'exit_id' : 'entry_id'}`,
    params: { ...visits.params, ...(type === 'channel' ? { selfDomain: scope.selfDomain } : {}) }
  }
}

/**
 * What the hit writer builds a day's sets from (day-sets.ts; task daySets in collect/writer-worker.mjs), per
 * kind, for the worker's @websiteId, @start and @end: the (x, id) rows its table counts, by value then id (event
 * and session tables: namedRows; visit tables: the visits that start in the day), or with `totals` one row of
 * numbers (the day's totals, its views per hour); with `hours` also per hour of the day, and with `hourSlots` only
 * for today's hours. Built without the website's own domain (selfDomain null leaves in referrers from it): it may
 * change, so the reader applies it.
 */
export function daySetBuildQueries(): {
  kind: number
  sql: string
  params: Record<string, unknown>
  totals?: boolean
  hours?: boolean
  hourSlots?: boolean
}[] {
  const scope = { websiteId: 0, start: 0, end: 0, selfDomain: null }
  const types = [
    'path', 'title', 'query', 'referrer', 'hostname', 'tag', 'utmSource', 'utmMedium', 'utmCampaign', 'utmContent', 'utmTerm',
    'browser', 'os', 'device', 'screen', 'language', 'country', 'event'
  ] as const
  const ofEvents = types.map((type) => {
    const rows = daySetRows(scope, { filters: [], match: 'all' }, type)
    // With sets per hour too (hour_set, migration 010): the same rows, an hour at a time.
    return { kind: DAY_SET_KINDS[type], sql: `${rows.sql} ORDER BY x, id`, params: rows.params, hours: true }
  })
  // The visits that start in the day (or hour), wherever they end: what visitRows leaves to the sets (beside; a
  // range uses a day's or an hour's only when all of them end inside it).
  const starting = 'website_id = @websiteId AND first_at BETWEEN @start AND @end'
  const ofVisits = VISIT_DAY_SET_TYPES.map((type) => ({
    kind: DAY_SET_KINDS[type],
    sql: `SELECT ${type === 'channel' ? CHANNEL_INPUTS : 'e.url_path'} AS x, v.session_id AS id
      FROM (SELECT session_id, entry_id, exit_id FROM visit WHERE ${starting}) v
      JOIN website_event e ON e.event_id = v.${type === 'exit' ? 'exit_id' : 'entry_id'} ORDER BY x, id`,
    params: {},
    hours: true
  }))
  // The day's totals over the same visits (DAY_TOTALS_KIND): one row, packed as four float64s by the worker.
  const totals = {
    kind: DAY_TOTALS_KIND,
    sql: `SELECT count(*), coalesce(sum(views), 0), coalesce(sum(views = 1), 0), coalesce(sum((last_at - first_at) / 1000), 0) FROM visit WHERE ${starting}`,
    params: {},
    totals: true,
    hours: true
  }
  // The series (seriesFromDaySets): the sessions with a view in each UTC hour, and the views per hour (the day's
  // start is bound as a float: cast, or the division would not be an integer one). Today's hours, built one by one
  // (`hourSlots`), have the same of the hour alone: one set ('0') and its views first.
  const views = source(scope, { filters: [], match: 'all' }, 'view')
  const hourOf = '(e.created_at - CAST(@start AS INTEGER)) / 3600000'
  const hourSets = {
    kind: HOUR_SETS_KIND,
    sql: `SELECT CAST(${hourOf} AS TEXT) AS x, e.session_id AS id FROM ${views.sql} ORDER BY x, id`,
    params: views.params,
    hourSlots: true
  }
  const hourViews = {
    kind: HOUR_VIEWS_KIND,
    sql: `SELECT ${Array.from({ length: 24 }, (_, h) => `coalesce(sum(h = ${h}), 0)`).join(', ')} FROM (SELECT ${hourOf} AS h FROM ${views.sql})`,
    params: views.params,
    totals: true,
    hourSlots: true
  }
  return [...ofEvents, ...ofVisits, totals, hourSets, hourViews]
}

/**
 * What a view's channel depends on besides the website's domain (which may change), as one text: whether the
 * referrer is the page's own host, the referrer's domain, utm_medium, utm_source and the click-id mask.
 */
const CHANNEL_INPUTS = `json_array(e.referrer_domain IS ${OWN_HOST}, e.referrer_domain, e.utm_medium, e.utm_source, ${CLICK_MASK})`

/**
 * Channels of channel inputs lately asked for, by own domain and inputs: a channel table names every set's inputs
 * (thousands over a week), and the rules are a pure function of both.
 */
const channelsOfInputs = new BoundedCache<string, string>(20_000)

/** The channel of CHANNEL_INPUTS, as CHANNEL_SQL gives it for a website whose own domain is `selfDomain`. */
function channelOfInputs(inputs: string, selfDomain: string | null): string {
  const key = `${selfDomain ?? ''}\n${inputs}`
  let channel = channelsOfInputs.get(key)
  if (channel === undefined) {
    const [ownHost, domain, medium, source, clicks] = JSON.parse(inputs) as [number, string | null, string | null, string | null, number]
    const external = domain !== null && domain !== '' && domain !== selfDomain && ownHost !== 1
    channel = channelFromInputs(external, domain, medium, source, clicks)
    channelsOfInputs.set(key, channel)
  }
  return channel
}

/** How a day-set table reads what its sets leave out of a range (day-sets.ts DaySetRest). */
export function daySetRest(db: Db, scope: Scope, parsed: ParsedFilters, type: DaySetType): DaySetRest {
  if ((VISIT_DAY_SET_TYPES as readonly string[]).includes(type)) {
    return {
      beside: (days, hours) => {
        const rows = visitMetricRows(db, scope, type as (typeof VISIT_TYPES)[number], { days, hours })
        return { sql: `SELECT x, session_id AS id FROM (${rows.sql})`, params: rows.params }
      },
      display: type === 'channel' ? (inputs) => channelOfInputs(inputs, scope.selfDomain) : undefined
    }
  }
  return { rowsIn: (start, end) => daySetRows({ ...scope, start, end }, parsed, type) }
}

/**
 * A day-set table's rows (`x`, `id`; day-sets.ts RowsIn): namedRows with the id its y counts distinct of, the
 * session (visitors) or, for custom events, the event (their number).
 */
function daySetRows(scope: Scope, parsed: ParsedFilters, type: MetricType): Source {
  const rows = namedRows(scope, parsed, type)
  return { sql: `SELECT x, ${type === 'event' ? 'event_id' : 'session_id'} AS id FROM (${rows.sql})`, params: rows.params }
}

export interface MetricRow {
  x: string | null
  y: number
  country?: string | null
}

/** Top values: y = distinct visitors (custom events: number of events), by y then x. */
export function getMetrics(db: Db, scope: Scope, parsed: ParsedFilters, type: MetricType, options: MetricOptions): MetricRow[] {
  if (isDaySetType(type) && fromVisits(parsed) && options.search === undefined) {
    // Whole days of the range from their visitor sets, when built (day-sets.ts); the rest from these rows.
    const table = tableFromDaySets(db, scope, type, options, daySetRest(db, scope, parsed, type))
    if (table) return table
  }
  if (type in SESSION_COLUMNS) return getSessionMetrics(db, scope, parsed, type as keyof typeof SESSION_COLUMNS, options)
  const rows = metricRows(db, scope, parsed, type)
  const country = withCountry(type) ? ', country' : ''
  const measure = type === 'event' ? 'count(*)' : 'count(DISTINCT session_id)'
  const search = options.search === undefined ? '' : ` HAVING x LIKE @search ESCAPE '\\'`
  return prepared(
    db,
    `SELECT x, ${measure} AS y${country} FROM (${rows.sql}) GROUP BY x${country}${search}
     ORDER BY y DESC, x ASC LIMIT @limit OFFSET @offset`
  ).all({ ...rows.params, limit: options.limit, offset: options.offset, search: contains(options.search ?? '') }) as MetricRow[]
}

/**
 * Top values of a session attribute (browser, country…): the visitors with a view in the scope, each counted
 * once. The distinct visitors are found first (on the events' covering index), then each one's session row
 * is read once: far fewer lookups than one per view, and no DISTINCT per group.
 */
function getSessionMetrics(db: Db, scope: Scope, parsed: ParsedFilters, type: keyof typeof SESSION_COLUMNS, options: MetricOptions): MetricRow[] {
  const column = SESSION_COLUMNS[type]
  // The visitors: every session with a (filtered) view in the range.
  let visitors: Source
  if (fromVisits(parsed)) {
    const visits = visitRows(db, scope)
    visitors = { sql: `SELECT session_id FROM (${visits.sql})`, params: visits.params }
  } else {
    const src = source(scope, parsed, 'view')
    visitors = { sql: `SELECT e.session_id FROM ${src.sql}`, params: src.params }
  }
  const present = type === 'distinctId' ? ' AND s.distinct_id IS NOT NULL' : ''
  const country = withCountry(type) ? ', s.country AS country' : ''
  const groupCountry = withCountry(type) ? ', country' : ''
  const search = options.search === undefined ? '' : ` HAVING x LIKE @search ESCAPE '\\'`
  return prepared(
    db,
    `SELECT ${column} AS x, count(*) AS y${country} FROM session s
     WHERE s.session_id IN (${visitors.sql})${present}
     GROUP BY x${groupCountry}${search} ORDER BY y DESC, x ASC LIMIT @limit OFFSET @offset`
  ).all({ ...visitors.params, limit: options.limit, offset: options.offset, search: contains(options.search ?? '') }) as MetricRow[]
}

export interface ExpandedMetricRow {
  name: string | null
  pageviews: number
  visitors: number
  visits: number
  bounces: number
  totaltime: number
  country?: string | null
}

/**
 * Per value: pageviews (views carrying the value; custom events for `event`), visitors, visits, and the
 * bounces and time of those visits, each visit measured as in /stats (its filtered views in the range).
 * So a three-page visit through /a is no bounce of /a, and its whole duration counts for /a.
 */
export function getExpandedMetrics(db: Db, scope: Scope, parsed: ParsedFilters, type: MetricType, options: MetricOptions): ExpandedMetricRow[] {
  const rows = namedRows(scope, parsed, type)
  const views = source(scope, parsed, 'view')
  const country = withCountry(type) ? ', country' : ''
  const search = options.search === undefined ? '' : ` HAVING x LIKE @search ESCAPE '\\'`
  return prepared(
    db,
    `WITH visit AS (
       SELECT e.visit_id, count(*) AS c, (max(e.created_at) - min(e.created_at)) / 1000 AS t FROM ${views.sql} GROUP BY e.visit_id
     ), named AS (
       SELECT x${country}, session_id, visit_id, count(*) AS n FROM (${rows.sql}) GROUP BY x${country}, session_id, visit_id${search}
     )
     SELECT x AS name${country}, sum(n) AS pageviews, count(DISTINCT session_id) AS visitors, count(*) AS visits,
       coalesce(sum(v.c = 1), 0) AS bounces, coalesce(sum(v.t), 0) AS totaltime
     FROM named LEFT JOIN visit v ON v.visit_id = named.visit_id
     GROUP BY x${country} ORDER BY visitors DESC, visits DESC, name ASC LIMIT @limit OFFSET @offset`
  ).all({ ...views.params, ...rows.params, limit: options.limit, offset: options.offset, search: contains(options.search ?? '') }) as ExpandedMetricRow[]
}

// ---------------------------------------------------------------------------------------------------
// Events

export interface EventListRow {
  event_id: number
  created_at: number
  hostname: string | null
  url_path: string
  url_query: string | null
  referrer: string | null
  referrer_domain: string | null
  session_uuid: string
  distinct_id: string | null
  country: string | null
  city: string | null
  device: string | null
  os: string | null
  browser: string | null
  page_title: string | null
  event_type: number
  event_name: string | null
  has_data: number
}

/** Events of every type, newest first; `search` matches the event name or the path. */
export function listEvents(
  db: Db,
  scope: Scope,
  parsed: ParsedFilters,
  page: { limit: number; offset: number; search?: string }
): { rows: EventListRow[]; count: number } {
  const src = source(scope, parsed, 'any', { session: true })
  const search = page.search === undefined ? '' : ` AND (e.event_name LIKE @search ESCAPE '\\' OR e.url_path LIKE @search ESCAPE '\\')`
  const params = { ...src.params, search: contains(page.search ?? ''), limit: page.limit, offset: page.offset }
  const count = prepared(db, `SELECT count(*) FROM ${src.sql}${search}`).pluck().get(params) as number
  const rows = prepared(
    db,
    `SELECT e.event_id, e.created_at, e.hostname, e.url_path, e.url_query, e.referrer, e.referrer_domain, s.session_uuid,
       s.distinct_id, s.country, s.city, s.device, s.os, s.browser, e.page_title, e.event_type, e.event_name,
       EXISTS (SELECT 1 FROM event_data d WHERE d.event_id = e.event_id) AS has_data
     FROM ${src.sql}${search} ORDER BY e.created_at DESC, e.event_id DESC LIMIT @limit OFFSET @offset`
  ).all(params) as EventListRow[]
  return { rows, count }
}

/** Custom events per (name, bucket), in time order; `limit` keeps the most frequent names only. */
export function getEventSeries(
  db: Db,
  scope: Scope,
  parsed: ParsedFilters,
  bucketing: Bucketing,
  limit: number | undefined
): { x: string; t: string; y: number }[] {
  const src = source(scope, parsed, 'custom')
  const label = labelSql(db, scope, bucketing)
  const top =
    limit === undefined
      ? ''
      : ` AND e.event_name IN (SELECT e.event_name FROM ${src.sql} GROUP BY e.event_name ORDER BY count(*) DESC, e.event_name ASC LIMIT @limit)`
  return prepared(
    db,
    `SELECT e.event_name AS x, ${label.sql} AS t, count(*) AS y FROM ${src.sql}${top} GROUP BY x, t ORDER BY t, x`
  ).all({ ...src.params, ...label.params, limit: limit ?? -1 }) as { x: string; t: string; y: number }[]
}

export interface EventStats {
  events: number
  visitors: number
  visits: number
  uniqueEvents: number
}

export function getEventStats(db: Db, scope: Scope, parsed: ParsedFilters): EventStats {
  const src = source(scope, parsed, 'custom')
  return prepared(
    db,
    `SELECT count(*) AS events, count(DISTINCT e.session_id) AS visitors, count(DISTINCT e.visit_id) AS visits,
       count(DISTINCT e.event_name) AS uniqueEvents FROM ${src.sql}`
  ).get(src.params) as EventStats
}

// ---------------------------------------------------------------------------------------------------
// /active, /daterange, /values

/** Distinct sessions with any event since `since`. */
export function getActiveVisitors(db: Db, websiteId: number, since: number, now: number): number {
  return prepared(db, 'SELECT count(DISTINCT session_id) FROM website_event WHERE website_id = ? AND created_at BETWEEN ? AND ?')
    .pluck()
    .get(websiteId, since, now) as number
}

/** First and last event times of the website, or nulls without data. */
export function getDateRange(db: Db, websiteId: number): { first: number | null; last: number | null } {
  const edge = (order: 'ASC' | 'DESC') =>
    (prepared(db, `SELECT created_at FROM website_event WHERE website_id = ? ORDER BY created_at ${order} LIMIT 1`).pluck().get(websiteId) as
      | number
      | undefined) ?? null
  return { first: edge('ASC'), last: edge('DESC') }
}

/** How many values a `search` for /values may hold (comma-separated, matched as "contains any"). */
export const MAX_VALUE_SEARCHES = 5
const VALUES_LIMIT = 10

/** The most frequent values of a filter column in range (events carrying each), for filter pickers. */
export function getFilterValues(db: Db, scope: Scope, name: FilterName, searches: string[]): { value: string; count: number }[] {
  const column = FILTER_COLUMNS[name]
  const join = column.startsWith('s.') ? SESSION_JOIN : ''
  const params: Record<string, unknown> = { websiteId: scope.websiteId, start: scope.start, end: scope.end, selfDomain: scope.selfDomain, limit: VALUES_LIMIT }
  const matches = searches.map((text, i) => {
    params[`search${i}`] = contains(text)
    return `${column} LIKE @search${i} ESCAPE '\\'`
  })
  const search = matches.length ? ` AND (${matches.join(' OR ')})` : ''
  const present = column === 'e.referrer_domain' ? ` AND ${EXTERNAL_REFERRER}` : ` AND ${column} IS NOT NULL AND ${column} <> ''`
  return prepared(
    db,
    `SELECT ${column} AS value, count(*) AS count FROM website_event e${join}
     WHERE e.website_id = @websiteId AND e.created_at BETWEEN @start AND @end${present}${search}
     GROUP BY value ORDER BY count DESC, value ASC LIMIT @limit`
  ).all(params) as { value: string; count: number }[]
}

// ---------------------------------------------------------------------------------------------------
// Realtime

/** The most recent events listed in the realtime view. */
export const REALTIME_EVENT_LIMIT = 500

export interface RealtimeEventRow {
  event_id: number
  session_id: number
  session_uuid: string
  event_type: number
  created_at: number
  url_path: string
  referrer_domain: string | null
  event_name: string | null
  hostname: string | null
  country: string | null
  browser: string | null
  os: string | null
  device: string | null
}

export interface RealtimeNumbers {
  countries: { key: string; n: number }[]
  urls: { key: string; n: number }[]
  referrers: { key: string; n: number }[]
  events: RealtimeEventRow[]
  series: { x: string; views: number; visitors: number }[]
  totals: { views: number; visitors: number; events: number }
}

/**
 * The last minutes of a website: visitors per country (sessions with any event), views per path and per
 * outside referrer, the latest events, views and visitors (sessions with a view) per minute, and totals.
 *
 * Realtime is polled, and a busy site has hundreds of thousands of events in 30 minutes, so only the
 * queries that need a session's columns read the session table: countries join each distinct session
 * of the window once (not each of its events), and the totals read the covering index alone.
 */
export function getRealtimeNumbers(db: Db, scope: Scope, parsed: ParsedFilters, zone: Omit<Bucketing, 'unit'>): RealtimeNumbers {
  const all = source(scope, parsed, 'any')
  const views = source(scope, parsed, 'view')
  const label = labelSql(db, scope, { unit: 'minute', ...zone })
  const top = (sql: string, params: Record<string, unknown>) => prepared(db, sql).all(params) as { key: string; n: number }[]
  return {
    countries: top(
      `SELECT s.country AS key, count(*) AS n FROM (SELECT DISTINCT e.session_id FROM ${all.sql}) w
       JOIN session s ON s.session_id = w.session_id WHERE s.country IS NOT NULL GROUP BY key ORDER BY n DESC, key`,
      all.params
    ),
    urls: top(`SELECT e.url_path AS key, count(*) AS n FROM ${views.sql} GROUP BY key ORDER BY n DESC, key`, views.params),
    referrers: top(
      `SELECT e.referrer_domain AS key, count(*) AS n FROM ${views.sql} AND ${EXTERNAL_REFERRER} GROUP BY key ORDER BY n DESC, key`,
      views.params
    ),
    events: prepared(
      db,
      `SELECT e.event_id, e.session_id, s.session_uuid, e.event_type, e.created_at, e.url_path, e.referrer_domain, e.event_name,
         e.hostname, s.country, s.browser, s.os, s.device
       FROM ${source(scope, parsed, 'any', { session: true }).sql} ORDER BY e.created_at DESC, e.event_id DESC LIMIT @limit`
    ).all({ ...all.params, limit: REALTIME_EVENT_LIMIT }) as RealtimeEventRow[],
    series: prepared(
      db,
      `SELECT ${label.sql} AS x, count(*) AS views, count(DISTINCT e.session_id) AS visitors FROM ${views.sql} GROUP BY x ORDER BY x`
    ).all({ ...views.params, ...label.params }) as { x: string; views: number; visitors: number }[],
    totals: prepared(
      db,
      `SELECT coalesce(sum(e.event_type = @pageView), 0) AS views, count(DISTINCT e.session_id) AS visitors,
         coalesce(sum(e.event_type = @customEvent), 0) AS events FROM ${all.sql}`
    ).get(all.params) as { views: number; visitors: number; events: number }
  }
}
