import type { MetricRow, RealtimeItem, WebsiteEvent } from '../../../shared/api/types'
import { EVENT_TYPE } from '../../../shared/constants'
import { instantOf } from './datetime'

/**
 * Hits as the dashboard lists them (the realtime feed, the events page's activity) and the realtime
 * view's top-N tables, from the API's shapes. Pure, so the views stay templates and these rules are
 * tested without a browser.
 */

/** One line of a hit list: a page view or a custom event. */
export interface HitRow {
  /** Stable across refreshes, so a row already shown is not redrawn when newer ones arrive. */
  key: string
  at: number
  kind: 'view' | 'event'
  /** The page path of a view, the event name of an event. */
  label: string
  /** Where an event happened. */
  path: string
  sessionId: string
  country: string | null
  browser: string | null
  device: string | null
}

/** Rows a feed shows at most: the server sends up to 500 hits of the last 30 minutes. */
export const FEED_LIMIT = 50

/**
 * The latest hits, newest first, without the server's `session` markers (they repeat the hit that
 * follows them, announcing a new visitor, and are not hits of their own).
 */
export function realtimeFeed(items: readonly RealtimeItem[], limit = FEED_LIMIT): HitRow[] {
  const rows: HitRow[] = []
  const seen = new Map<string, number>()
  for (const item of items) {
    if (item.__type === 'session') continue
    if (rows.length >= limit) break
    const kind = item.__type === 'event' ? 'event' : 'view'
    // Hits carry no id here; the same session, time and kind can repeat (two events in one
    // millisecond), so the n-th repeat is numbered, counting from the newest.
    const base = `${item.createdAt}|${item.sessionId}|${kind}|${item.eventName ?? item.urlPath}`
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    rows.push({
      key: `${base}|${n}`,
      at: instantOf(item.createdAt),
      kind,
      label: kind === 'event' ? (item.eventName ?? '(unnamed event)') : item.urlPath,
      path: item.urlPath,
      sessionId: item.sessionId,
      country: item.country,
      browser: item.browser,
      device: item.device
    })
  }
  return rows
}

/** A `{value: count}` map as table rows, largest first (ties by value), whatever order the JSON kept. */
export function countRows(counts: Readonly<Record<string, number>>): MetricRow[] {
  return Object.entries(counts)
    .map(([x, y]) => ({ x, y }))
    .sort((a, b) => b.y - a.y || (a.x < b.x ? -1 : a.x > b.x ? 1 : 0))
}

/** A hit of `/events` (the events page's activity list) as a list line. */
export function listedHit(event: WebsiteEvent): HitRow {
  const kind = event.eventType === EVENT_TYPE.customEvent ? 'event' : 'view'
  return {
    key: event.id,
    at: instantOf(event.createdAt),
    kind,
    label: kind === 'event' ? (event.eventName ?? '(unnamed event)') : event.urlPath,
    path: event.urlPath,
    sessionId: event.sessionId,
    country: event.country,
    browser: event.browser,
    device: event.device
  }
}
