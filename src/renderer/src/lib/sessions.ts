import type { SessionActivity } from '../../../shared/api/types'
import { EVENT_TYPE } from '../../../shared/constants'
import { instantOf } from './datetime'

/** A session as the sessions list and the session timeline show it. */

/** The first block of a session UUID: enough to tell visitors apart on one screen. */
export const shortId = (id: string) => id.split('-')[0] ?? id

/** Where a visitor was, as precisely as known: "Berlin, Germany", or just the country. */
export function placeOf(parts: { city: string | null; country: string | null }, countryName: (code: string) => string): string {
  const country = parts.country ? countryName(parts.country) : null
  const names = [parts.city, country].filter((part): part is string => Boolean(part))
  return names.length > 0 ? names.join(', ') : 'Unknown'
}

/** One visit of a session on the timeline: its hits in the order they happened. */
export interface Visit {
  visitId: string
  startAt: number
  endAt: number
  /** Seconds from the first hit to the last. */
  duration: number
  views: number
  events: number
  items: SessionActivity[]
}

const byTime = (a: SessionActivity, b: SessionActivity) =>
  instantOf(a.createdAt) - instantOf(b.createdAt) || Number(a.eventId) - Number(b.eventId)

/**
 * A session's activity (the API lists it newest first) as visits in the order they happened, each with
 * its hits oldest first: a visit reads top to bottom as the visitor went from page to page.
 */
export function groupVisits(activity: readonly SessionActivity[]): Visit[] {
  const byVisit = new Map<string, SessionActivity[]>()
  for (const item of activity) {
    let list = byVisit.get(item.visitId)
    if (!list) byVisit.set(item.visitId, (list = []))
    list.push(item)
  }
  const visits = [...byVisit].map(([visitId, list]): Visit => {
    const items = [...list].sort(byTime)
    const startAt = instantOf(items[0]!.createdAt)
    const endAt = instantOf(items[items.length - 1]!.createdAt)
    const views = items.filter((item) => item.eventType !== EVENT_TYPE.customEvent).length
    return { visitId, startAt, endAt, duration: Math.max(0, Math.round((endAt - startAt) / 1000)), views, events: items.length - views, items }
  })
  return visits.sort((a, b) => a.startAt - b.startAt)
}
