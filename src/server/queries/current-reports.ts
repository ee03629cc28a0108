import { randomUUID } from 'node:crypto'
import { EVENT_TYPE } from '../../shared/constants'
import type { ParsedFilters } from '../db/filters'
import type { Db } from '../db/open'
import { likeEscape, prepared } from '../db/sql'
import { localTimeSql } from '../lib/time'
import { eventSpan } from './span'
import { filterConditions, type Scope, source } from './current-analytics'

/**
 * Reports of the current Umami API (umami-v2.md §5): saved reports (the `report` table) and the report
 * runners (funnel, goal, retention, journey, utm). A visitor is a session, as everywhere in Umami.
 *
 * Every runner reads `website_event e` bounded by website and time range (the (website_id, created_at)
 * index) plus the request's filters, and aggregates in SQL; only the funnel follows sessions further,
 * through the (session_id, created_at) index, and never past the end of the range.
 */

// ---------------------------------------------------------------------------------------------------
// Saved reports

export interface ReportRow {
  report_id: number
  report_uuid: string
  user_id: number
  website_id: number
  type: string
  name: string
  description: string
  /** JSON text. */
  parameters: string
  created_at: number
  updated_at: number
}

/** A report with the ids the current API names its owner and website by. */
export type ReportWithIds = ReportRow & { user_uuid: string; website_uuid: string }

const SELECT_REPORT = `SELECT r.*, a.user_uuid, w.website_uuid
  FROM report r JOIN account a ON a.user_id = r.user_id JOIN website w ON w.website_id = r.website_id`

export function getReportByUuid(db: Db, uuid: string): ReportWithIds | undefined {
  return prepared(db, `${SELECT_REPORT} WHERE r.report_uuid = ?`).get(uuid) as ReportWithIds | undefined
}

export function getReportById(db: Db, reportId: number): ReportWithIds | undefined {
  return prepared(db, `${SELECT_REPORT} WHERE r.report_id = ?`).get(reportId) as ReportWithIds | undefined
}

export interface ReportListOptions {
  /** The reports of one website (the caller may view it), whoever saved them. */
  websiteId?: number
  /**
   * Without a website: the reports on the websites this user owns, whoever saved them, plus (for an admin,
   * who may view every website) the reports the user saved anywhere.
   */
  viewer?: { userId: number; isAdmin: boolean }
  type?: string
  /** Matched, case-insensitively and literally, against name and description. */
  search?: string
  limit: number
  offset: number
}

/** One page of saved reports in name order, with the total count. */
export function listReportsPage(db: Db, options: ReportListOptions): { rows: ReportWithIds[]; count: number } {
  const conditions: string[] = []
  const params: Record<string, string | number> = {}
  if (options.websiteId !== undefined) {
    conditions.push('r.website_id = @websiteId')
    params.websiteId = options.websiteId
  }
  if (options.viewer) {
    conditions.push(options.viewer.isAdmin ? '(w.user_id = @viewer OR r.user_id = @viewer)' : 'w.user_id = @viewer')
    params.viewer = options.viewer.userId
  }
  if (options.type !== undefined) {
    conditions.push('r.type = @type')
    params.type = options.type
  }
  if (options.search !== undefined) {
    conditions.push("(r.name LIKE @pattern ESCAPE '\\' OR r.description LIKE @pattern ESCAPE '\\')")
    params.pattern = `%${likeEscape(options.search)}%`
  }
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''
  const rows = prepared(db, `${SELECT_REPORT} ${where} ORDER BY r.name COLLATE NOCASE ASC, r.report_id ASC LIMIT @limit OFFSET @offset`).all({
    ...params,
    limit: options.limit,
    offset: options.offset
  }) as ReportWithIds[]
  const count = prepared(db, `SELECT count(*) FROM report r JOIN website w ON w.website_id = r.website_id ${where}`).pluck().get(params) as number
  return { rows, count }
}

export interface ReportInput {
  userId: number
  websiteId: number
  type: string
  name: string
  description: string
  /** JSON text. */
  parameters: string
  now: number
}

export function createReport(db: Db, input: ReportInput): ReportWithIds {
  const info = prepared(
    db,
    `INSERT INTO report (report_uuid, user_id, website_id, type, name, description, parameters, created_at, updated_at)
     VALUES (@uuid, @userId, @websiteId, @type, @name, @description, @parameters, @now, @now)`
  ).run({ ...input, uuid: randomUUID() })
  return getReportById(db, Number(info.lastInsertRowid))!
}

export function updateReport(
  db: Db,
  reportId: number,
  input: { name: string; description: string; parameters: string; now: number }
): ReportWithIds {
  prepared(
    db,
    'UPDATE report SET name = @name, description = @description, parameters = @parameters, updated_at = @now WHERE report_id = @reportId'
  ).run({ ...input, reportId })
  return getReportById(db, reportId)!
}

export function deleteReport(db: Db, reportId: number): void {
  prepared(db, 'DELETE FROM report WHERE report_id = ?').run(reportId)
}

// ---------------------------------------------------------------------------------------------------
// Running reports

/** The website and range a report runs over (the same scope as the analytics queries). */
export type ReportScope = Scope

/** A funnel or goal step: a page (`path`, matched against views) or a custom event (`event`, by name). */
export interface Step {
  type: 'path' | 'event'
  value: string
}


/**
 * The condition for an event to be `step`, its value bound as `@name`. As in Umami, a value starting or
 * ending with `*` matches paths/names ending, starting with or containing the rest (case-sensitively,
 * like the exact match).
 */
function stepCondition(step: Step, name: string): { sql: string; params: Record<string, string | number> } {
  const column = step.type === 'path' ? 'e.url_path' : 'e.event_name'
  const type = step.type === 'path' ? '@pageView' : '@customEvent'
  const leading = step.value.startsWith('*')
  const trailing = step.value.length > 1 && step.value.endsWith('*')
  const core = step.value.slice(leading ? 1 : 0, trailing ? -1 : undefined)
  let match: string
  if (leading && trailing) match = `instr(${column}, @${name}) > 0`
  else if (leading) match = `substr(${column}, -length(@${name})) = @${name}`
  else if (trailing) match = `substr(${column}, 1, length(@${name})) = @${name}`
  else match = `${column} = @${name}`
  // A lone "*" is any page (or any event).
  if (leading && core === '') match = `${column} IS NOT NULL`
  return { sql: `e.event_type = ${type} AND ${match}`, params: { [name]: core } }
}

export interface FunnelStepResult extends Step {
  visitors: number
  previous: number
  dropped: number
  dropoff: number
  remaining: number
}

/**
 * Visitors per funnel step. A visitor counts at step n when they did steps 1..n in this order (each a
 * later event than the one before), each within `windowMinutes` of the previous step, step 1 inside the
 * range and nothing after its end. Every step's event must match the filters.
 *
 * `previous` is the count of the step before (for step 1, its own count), `dropped` = previous − visitors,
 * `dropoff` = dropped / previous and `remaining` = visitors / visitors of step 1, both 0 when dividing by 0.
 */
export function getFunnel(db: Db, scope: ReportScope, parsed: ParsedFilters, windowMinutes: number, steps: Step[]): FunnelStepResult[] {
  const src = source(scope, parsed, 'any')
  const filters = filterConditions(scope, parsed)
  const params: Record<string, unknown> = { ...src.params, window: Math.round(windowMinutes * 60_000) }
  const levels: string[] = []
  steps.forEach((step, i) => {
    const match = stepCondition(step, `step${i}`)
    Object.assign(params, match.params)
    if (i === 0) {
      levels.push(`level1 AS (SELECT DISTINCT e.session_id, e.event_id, e.created_at FROM ${src.sql} AND ${match.sql})`)
    } else {
      // The next step: a later event of the same session (ties on time broken by event order), within the
      // window of a row of the previous level, and not after the range.
      levels.push(`level${i + 1} AS (
        SELECT DISTINCT e.session_id, e.event_id, e.created_at
        FROM level${i} l JOIN website_event e ON e.session_id = l.session_id${filters.join}
        WHERE e.website_id = @websiteId AND e.created_at >= l.created_at AND e.created_at <= l.created_at + @window
          AND e.created_at BETWEEN @start AND @end AND (e.created_at > l.created_at OR e.event_id > l.event_id)
          AND ${match.sql}${filters.where})`)
    }
  })
  const counts = steps.map((_, i) => `SELECT ${i + 1} AS level, count(DISTINCT session_id) AS visitors FROM level${i + 1}`)
  const rows = prepared(db, `WITH ${levels.join(',\n')}\n${counts.join('\nUNION ALL\n')}`).all(params) as { level: number; visitors: number }[]
  const visitorsAt = new Map(rows.map((r) => [r.level, r.visitors]))
  const first = visitorsAt.get(1) ?? 0
  let previous = first
  return steps.map((step, i) => {
    const visitors = visitorsAt.get(i + 1) ?? 0
    const dropped = previous - visitors
    const result = {
      type: step.type,
      value: step.value,
      visitors,
      previous,
      dropped,
      dropoff: previous > 0 ? dropped / previous : 0,
      remaining: first > 0 ? visitors / first : 0
    }
    previous = visitors
    return result
  })
}

/** Visitors who reached the goal (`num`) out of all visitors with any event in the range (`total`). */
export function getGoal(db: Db, scope: ReportScope, parsed: ParsedFilters, goal: Step): { num: number; total: number } {
  const src = source(scope, parsed, 'any')
  const match = stepCondition(goal, 'goal')
  return prepared(
    db,
    `SELECT (SELECT count(DISTINCT e.session_id) FROM ${src.sql} AND ${match.sql}) AS num,
            (SELECT count(DISTINCT e.session_id) FROM ${src.sql}) AS total`
  ).get({ ...src.params, ...match.params }) as { num: number; total: number }
}

export interface RetentionRow {
  date: string
  day: number
  visitors: number
  returnVisitors: number
  percentage: number
}

const DAY = 86_400_000
/** Umami shows a cohort's first 31 days after its own. */
const RETENTION_DAYS = 31

/**
 * Cohorts by the local day (in `timezone`) of each visitor's first event in the range; per cohort and
 * day since (0 = the cohort's own day, up to 31), how many of its visitors had an event that day. Only
 * days with returning visitors appear, as in Umami. `date` is the cohort's day, ISO in UTC
 * (`YYYY-MM-DDT00:00:00Z`) when `isoLabels`, else wall-clock (`YYYY-MM-DD 00:00:00`), as time series label it.
 */
export function getRetention(db: Db, scope: ReportScope, parsed: ParsedFilters, timezone: string, isoLabels: boolean): RetentionRow[] {
  const src = source(scope, parsed, 'any')
  const span = eventSpan(db, scope)
  const local = localTimeSql('e.created_at', timezone, span.first, span.last)
  const rows = prepared(
    db,
    `WITH active AS (
       SELECT DISTINCT session_id, (lt - ((lt % ${DAY}) + ${DAY}) % ${DAY}) / ${DAY} AS day
       FROM (SELECT e.session_id, ${local.sql} AS lt FROM ${src.sql})
     ),
     marked AS (SELECT day, min(day) OVER (PARTITION BY session_id) AS first FROM active),
     counted AS (
       -- Everyone is active on their cohort's own day, so that day's count is the cohort's size.
       SELECT first AS cohort, day - first AS day, count(*) AS returnVisitors,
         max(CASE WHEN day = first THEN count(*) END) OVER (PARTITION BY first) AS visitors
       FROM marked GROUP BY first, day
     )
     SELECT cohort, day, visitors, returnVisitors FROM counted WHERE day <= ${RETENTION_DAYS} ORDER BY cohort, day`
  ).all({ ...src.params, ...local.params }) as { cohort: number; day: number; visitors: number; returnVisitors: number }[]
  return rows.map((r) => {
    const ymd = new Date(r.cohort * DAY).toISOString().slice(0, 10)
    return {
      date: isoLabels ? `${ymd}T00:00:00Z` : `${ymd} 00:00:00`,
      day: r.day,
      visitors: r.visitors,
      returnVisitors: r.returnVisitors,
      percentage: (r.returnVisitors * 100) / r.visitors
    }
  })
}

export interface JourneyOptions {
  /** How many first events of each visit make a journey (2–7). */
  steps: number
  /** Only journeys whose first item is this. */
  startStep?: string
  /** Only journeys whose last item (the visit's last within the first `steps`) is this. */
  endStep?: string
  /** Only views (1) or only custom events (2); both when absent. */
  eventType?: number
}

export interface Journey {
  /** The path of a view or the name of a custom event, per step; null where the visit had no more. */
  items: (string | null)[]
  count: number
}

const JOURNEY_LIMIT = 100

/** The most common sequences of the first `steps` views/events of each visit in the range, most common first. */
export function getJourneys(db: Db, scope: ReportScope, parsed: ParsedFilters, options: JourneyOptions): Journey[] {
  const src = source(scope, parsed, 'any')
  const params: Record<string, unknown> = { ...src.params, steps: options.steps }
  const columns = Array.from({ length: options.steps }, (_, i) => `e${i + 1}`)
  const pivot = columns.map((c, i) => `max(CASE WHEN n = ${i + 1} THEN item END) AS ${c}`).join(', ')
  const conditions: string[] = []
  let eventType = ''
  if (options.eventType !== undefined) {
    eventType = ' AND e.event_type = @eventType'
    params.eventType = options.eventType
  }
  if (options.startStep !== undefined) {
    conditions.push('e1 = @startStep')
    params.startStep = options.startStep
  }
  if (options.endStep !== undefined) {
    // The journey ends with endStep: it is the last step, or the last one the visit reached.
    const ends = columns.map((c, i) => (i + 1 < columns.length ? `(${c} = @endStep AND ${columns[i + 1]} IS NULL)` : `${c} = @endStep`))
    conditions.push(`(${ends.join(' OR ')})`)
    params.endStep = options.endStep
  }
  const rows = prepared(
    db,
    `WITH numbered AS (
       SELECT e.visit_id, coalesce(nullif(e.event_name, ''), e.url_path) AS item,
         row_number() OVER (PARTITION BY e.visit_id ORDER BY e.created_at, e.event_id) AS n
       FROM ${src.sql}${eventType}
     ),
     sequences AS (SELECT ${pivot} FROM numbered WHERE n <= @steps GROUP BY visit_id)
     SELECT ${columns.join(', ')}, count(*) AS count FROM sequences
     ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
     GROUP BY ${columns.join(', ')}
     ORDER BY count DESC, ${columns.join(', ')}
     LIMIT ${JOURNEY_LIMIT}`
  ).all(params) as Record<string, string | number | null>[]
  return rows.map((row) => ({ items: columns.map((c) => row[c] as string | null), count: row.count as number }))
}

export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const
export type UtmKey = (typeof UTM_KEYS)[number]
export type UtmReport = Record<UtmKey, { utm: string; views: number }[]>

/** Views per value of each UTM parameter (views without that parameter are not counted), most first. */
export function getUtm(db: Db, scope: ReportScope, parsed: ParsedFilters): UtmReport {
  const src = source(scope, parsed, 'any')
  // Column names come from UTM_KEYS only.
  const parts = UTM_KEYS.map(
    (key) =>
      `SELECT '${key}' AS key, e.${key} AS utm, count(*) AS views FROM ${src.sql} AND e.event_type = @pageView AND e.${key} <> '' GROUP BY e.${key}`
  )
  const rows = prepared(db, `SELECT * FROM (${parts.join('\nUNION ALL\n')}) ORDER BY key, views DESC, utm`).all(src.params) as {
    key: UtmKey
    utm: string
    views: number
  }[]
  const report = Object.fromEntries(UTM_KEYS.map((key) => [key, [] as { utm: string; views: number }[]])) as UtmReport
  for (const row of rows) report[row.key].push({ utm: row.utm, views: row.views })
  return report
}
