import type { Db } from '../db/open'
import { prepared } from '../db/sql'

/**
 * First and last event time of a website within [start, end] (index seeks on (website_id, created_at)).
 * Time-zone offsets are looked up over this span rather than the requested range, so an absurdly wide
 * request (0 to the year 275760) costs nothing.
 */
export function eventSpan(db: Db, range: { websiteId: number; start: number; end: number }): { first: number; last: number } {
  const edge = (order: 'ASC' | 'DESC') =>
    prepared(
      db,
      `SELECT created_at FROM website_event WHERE website_id = @websiteId AND created_at BETWEEN @start AND @end
       ORDER BY created_at ${order} LIMIT 1`
    )
      .pluck()
      .get({ websiteId: range.websiteId, start: range.start, end: range.end }) as number | undefined
  const first = edge('ASC')
  if (first === undefined) return { first: range.start, last: range.start }
  return { first, last: edge('DESC')! }
}
