import { createHash } from 'node:crypto'
import { EVENT_TYPE } from '../../shared/constants'
import { DATA_TYPE } from '../collect/hit'
import type { Db } from '../db/open'
import { prepared } from '../db/sql'
import { representativeUserAgent } from './user-agents'

/**
 * A local website's events as Umami `/api/send` bodies (umami-v2.md §6.1), read in event_id order one
 * page at a time: small synchronous reads, so a long replay never holds the event loop.
 */

/** Hits per /api/batch request: well under Umami's and our own limits (1,000 items, 2 MB). */
export const PAGE_SIZE = 500

interface EventRow {
  event_id: number
  created_at: number
  event_type: number
  url_path: string
  url_query: string | null
  referrer: string | null
  page_title: string | null
  event_name: string | null
  tag: string | null
  hostname: string | null
  session_uuid: string
  session_hostname: string | null
  browser: string | null
  os: string | null
  device: string | null
  screen: string | null
  language: string | null
  distinct_id: string | null
}

interface DataRow {
  event_id: number
  data_key: string
  string_value: string | null
  number_value: number | null
  date_value: number | null
  data_type: number
}

export interface SendBody {
  type: 'event'
  payload: Record<string, unknown>
}

export interface ReplayItem {
  eventId: number
  body: SendBody
}

export interface PageQuery {
  websiteId: number
  /** The website on the remote server the hits are for. */
  remoteWebsiteId: string
  /** The last event already sent; the page starts after it. */
  cursor: number
  untilEventId: number
  limit?: number
}

/** The next events of the job after `cursor`, up to its last event, with their sessions and properties. */
export function readPage(db: Db, { websiteId, remoteWebsiteId, cursor, untilEventId, limit = PAGE_SIZE }: PageQuery): ReplayItem[] {
  const events = prepared(
    db,
    `SELECT e.event_id, e.created_at, e.event_type, e.url_path, e.url_query, e.referrer, e.page_title, e.event_name, e.tag, e.hostname,
       s.session_uuid, s.hostname AS session_hostname, s.browser, s.os, s.device, s.screen, s.language, s.distinct_id
     FROM website_event e JOIN session s ON s.session_id = e.session_id
     WHERE e.event_id > @cursor AND e.event_id <= @until AND e.website_id = @websiteId
     ORDER BY e.event_id LIMIT @limit`
  ).all({ websiteId, cursor, until: untilEventId, limit }) as EventRow[]
  if (events.length === 0) return []
  const data = prepared(
    db,
    `SELECT event_id, data_key, string_value, number_value, date_value, data_type FROM event_data
     WHERE event_id BETWEEN @first AND @last AND website_id = @websiteId ORDER BY event_data_id`
  ).all({ websiteId, first: events[0]!.event_id, last: events.at(-1)!.event_id }) as DataRow[]
  const byEvent = new Map<number, DataRow[]>()
  for (const row of data) {
    const rows = byEvent.get(row.event_id)
    if (rows) rows.push(row)
    else byEvent.set(row.event_id, [row])
  }
  return events.map((event) => ({ eventId: event.event_id, body: sendBody(remoteWebsiteId, event, byEvent.get(event.event_id)) }))
}

/**
 * Stored properties back as the object they were flattened from. Keys stay flat (`a.b`): Umami flattens
 * `{"a.b": 1}` to the same key, so the remote rows equal ours without rebuilding the nesting.
 */
function dataObject(rows: DataRow[] | undefined): Record<string, unknown> | undefined {
  if (!rows || rows.length === 0) return undefined
  const data: Record<string, unknown> = {}
  for (const row of rows) {
    switch (row.data_type) {
      case DATA_TYPE.number:
        data[row.data_key] = row.number_value
        break
      case DATA_TYPE.boolean:
        data[row.data_key] = row.string_value === 'true'
        break
      case DATA_TYPE.date:
        data[row.data_key] = row.date_value === null ? null : new Date(row.date_value).toISOString()
        break
      case DATA_TYPE.array:
        data[row.data_key] = parseArray(row.string_value)
        break
      default:
        data[row.data_key] = row.string_value
    }
  }
  return data
}

/** An array property is kept as its JSON text, cut at 500 characters: a cut one goes as the text. */
function parseArray(text: string | null): unknown {
  if (text === null) return null
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? value : text
  } catch {
    return text
  }
}

/**
 * A stand-in client address per local session. Without one, the remote server would see every hit come
 * from this server's address and, with the same user agent, fold the month's visitors into one session
 * (Umami's session id is a hash of website, address, agent and month). A unique-local IPv6 address from
 * the session's own (already pseudonymous) id keeps sessions apart and locates nowhere: the remote
 * server stores no address, and no country is made up.
 */
export function sessionAddress(sessionUuid: string): string {
  const hash = createHash('sha256').update(`dashi-replay\n${sessionUuid}`).digest()
  const groups = ['fd' + hash.subarray(0, 1).toString('hex')]
  for (let i = 1; i < 15; i += 2) groups.push(hash.subarray(i, i + 2).toString('hex'))
  return groups.join(':')
}

const text = (value: string | null) => (value === null || value === '' ? undefined : value)

/** One event as Umami's tracker would have sent it at the time, with that time. */
export function sendBody(remoteWebsiteId: string, event: EventRow, data?: DataRow[]): SendBody {
  const hostname = text(event.hostname) ?? text(event.session_hostname)
  const path = event.url_path || '/'
  const pathAndQuery = `${path}${event.url_query ? `?${event.url_query}` : ''}`
  // A path that is already a whole URL (old v1 trackers sent some) goes as it is.
  const url = hostname && path.startsWith('/') ? `https://${hostname}${pathAndQuery}` : pathAndQuery
  const custom = event.event_type === EVENT_TYPE.customEvent && event.event_name
  const payload: Record<string, unknown> = {
    website: remoteWebsiteId,
    hostname,
    url,
    referrer: text(event.referrer),
    title: text(event.page_title),
    tag: text(event.tag),
    name: custom ? event.event_name : undefined,
    data: custom ? dataObject(data) : undefined,
    screen: text(event.screen),
    language: text(event.language),
    // Umami takes Unix seconds; ours are ms, so a hit keeps its second.
    timestamp: Math.floor(event.created_at / 1000),
    userAgent: representativeUserAgent(event.browser, event.os, event.device),
    browser: text(event.browser),
    os: text(event.os),
    device: text(event.device),
    id: text(event.distinct_id),
    ip: sessionAddress(event.session_uuid)
  }
  for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key]
  return { type: 'event', payload }
}
