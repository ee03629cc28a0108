import { EVENT_TYPE } from '../../shared/constants'
import type { Db } from '../db/open'
import { prepared } from '../db/sql'
import { outsideParts } from './day-sets'

/*
 * The visit table (migration 007) as the unfiltered dashboard reads it: one row per visit instead of one per
 * view. A visit row holds whole visits, and a range may cut a visit (a view before the start, or after the
 * end), so the rows below are exact: visits wholly inside the range come from the visit table, the few cut
 * by an edge are measured from their events inside the range, exactly as grouping the range's views would.
 * A visit is cut at the start only if it began at most the website's longest visit span before it
 * (visit_span), which bounds that search to a short stretch of the index.
 */

export interface VisitScope {
  websiteId: number
  start: number
  end: number
}

/** The website's longest visit so far, first to last view (ms); 0 with none. */
export function visitSpan(db: Db, websiteId: number): number {
  return (prepared(db, 'SELECT span FROM visit_span WHERE website_id = ?').pluck().get(websiteId) as number | undefined) ?? 0
}

/** The visits with views on both sides of the range's end (they start at most the longest visit before it). */
const OPEN_AT_END = 'website_id = @websiteId AND first_at BETWEEN @endSpan AND @end AND last_at > @end'

/** `session_id, visit_id` of the visits with views on both sides of the range's start or end. */
const CUT_VISITS = `SELECT session_id, visit_id FROM visit
    WHERE website_id = @websiteId AND first_at BETWEEN @startSpan AND @start - 1 AND last_at >= @start
  UNION
  SELECT session_id, visit_id FROM visit WHERE ${OPEN_AT_END}`

/** Visits wholly inside the range (first_at ≤ end too, so the index range ends at the range's end). */
const WHOLE_VISITS = 'website_id = @websiteId AND first_at BETWEEN @start AND @end AND last_at <= @end'

/** A view of visit `c` inside the range, on the (session_id, created_at) index. */
const VIEW_IN_RANGE = (alias: string) =>
  `${alias}.session_id = c.session_id AND ${alias}.created_at BETWEEN @start AND @end AND ${alias}.visit_id = c.visit_id AND ${alias}.event_type = @pageView`

function visitParams(db: Db, scope: VisitScope): Record<string, number> {
  const span = visitSpan(db, scope.websiteId)
  return {
    websiteId: scope.websiteId,
    start: scope.start,
    end: scope.end,
    startSpan: scope.start - span,
    endSpan: scope.end - span,
    pageView: EVENT_TYPE.pageView
  }
}

/**
 * The first view (ms) of the range's first visit with views past its end, or the end + 1 when none has: the visits
 * that start before it all end inside the range. None when the range ends now.
 */
export function openVisitStart(db: Db, scope: VisitScope): number {
  const { websiteId, end, endSpan } = visitParams(db, scope)
  const first = prepared(db, `SELECT min(first_at) FROM visit WHERE ${OPEN_AT_END}`).pluck().get({ websiteId, end, endSpan }) as number | null
  return first === null ? scope.end + 1 : Math.min(first, scope.end + 1)
}

/**
 * One row per visit with views in the range, measured over those views: `session_id`, `visit_id`, `c` (views),
 * `t` (whole seconds from its first to its last view), and with `ends` `entry_id` / `exit_id` (the event ids
 * of its first and last view in the range; ties go to the first and the last inserted, as in the table).
 * The same rows as grouping the range's views by session and visit.
 */
export function visitRows(
  db: Db,
  scope: VisitScope,
  options: { ends?: boolean; beside?: { days: number[]; hours: number[] } } = {}
): { sql: string; params: Record<string, number | string> } {
  const ends = options.ends ? ', entry_id, exit_id' : ''
  const cutEnds = options.ends
    ? `, (SELECT f.event_id FROM website_event f WHERE ${VIEW_IN_RANGE('f')} ORDER BY f.created_at, f.event_id LIMIT 1) AS entry_id,
        (SELECT l.event_id FROM website_event l WHERE ${VIEW_IN_RANGE('l')} ORDER BY l.created_at DESC, l.event_id DESC LIMIT 1) AS exit_id`
    : ''
  const params: Record<string, number | string> = visitParams(db, scope)
  let whole = `SELECT session_id, visit_id, views AS c, (last_at - first_at) / 1000 AS t${ends} FROM visit WHERE ${WHOLE_VISITS}`
  const beside = options.beside
  if (beside && (beside.days.length > 0 || beside.hours.length > 0)) {
    // Leave out the visits that start in one of these UTC days or hours (the sets count them: days and hours whose
    // visits all end inside the range), and read those that start in the range's other parts. A cut visit reaches
    // beyond the range, so it never starts in one of them. CROSS JOIN: the parts first, each a range of the
    // visit table's key. (Not for a range without sets: one part read this way took ~40 % longer than WHOLE_VISITS.)
    params.parts = JSON.stringify(outsideParts(scope, beside.days, beside.hours))
    whole = `SELECT v.session_id, v.visit_id, v.views AS c, (v.last_at - v.first_at) / 1000 AS t${ends.replaceAll(', ', ', v.')}
      FROM json_each(@parts) r CROSS JOIN visit v ON v.website_id = @websiteId
        AND v.first_at BETWEEN json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]')
      WHERE v.last_at <= @end`
  }
  return {
    sql: `${whole}
      UNION ALL
      SELECT c.session_id, c.visit_id, count(*) AS c, (max(e.created_at) - min(e.created_at)) / 1000 AS t${cutEnds}
      FROM (${CUT_VISITS}) c JOIN website_event e ON ${VIEW_IN_RANGE('e')}
      GROUP BY c.session_id, c.visit_id`,
    params
  }
}

/**
 * `k, t, session_id, c` rows whose grouping by the bucket key k gives the views (sum of c) and distinct visitors
 * per time bucket (t: an instant in it): a visit wholly inside the range and inside one bucket is one row; the
 * others (across a bucket's edge or the range's) are one row per view in the range. `key(column)` is SQL of a
 * value equal for two instants exactly when they fall in the same bucket.
 */
export function bucketRows(db: Db, scope: VisitScope, key: (column: string) => string): { sql: string; params: Record<string, number> } {
  const first = key('first_at')
  const last = key('last_at')
  return {
    sql: `SELECT ${first} AS k, first_at AS t, session_id, views AS c FROM visit WHERE ${WHOLE_VISITS} AND ${first} = ${last}
      UNION ALL
      SELECT ${key('e.created_at')} AS k, e.created_at AS t, e.session_id, 1 AS c FROM (
        SELECT session_id, visit_id FROM visit WHERE ${WHOLE_VISITS} AND ${first} <> ${last}
        UNION ALL ${CUT_VISITS}) c
      JOIN website_event e ON ${VIEW_IN_RANGE('e')}`,
    params: visitParams(db, scope)
  }
}
