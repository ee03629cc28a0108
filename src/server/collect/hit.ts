import { EVENT_TYPE, LIMITS } from '../../shared/constants'

/** A validated, normalised hit, ready for the writer. Both collect dialects produce this. */
export interface Hit {
  /** Absent on hits: only identify calls are marked (see Identify). */
  kind?: 'event'
  websiteId: number
  sessionUuid: string
  visitId: string
  createdAt: number
  eventType: (typeof EVENT_TYPE)[keyof typeof EVENT_TYPE]
  urlPath: string
  urlQuery: string | null
  referrer: string | null
  referrerDomain: string | null
  pageTitle: string | null
  eventName: string | null
  tag: string | null
  hostname: string | null
  utm: Partial<Record<(typeof UTM_KEYS)[number], string>>
  clickIds: Partial<Record<(typeof CLICK_ID_KEYS)[number], string>>
  /**
   * What the session records at first sight; null when the session is known to exist already (a valid
   * cache token of this session carried it here), so a returning tracker's hit skips the user-agent
   * parse and the geo lookup. Session attributes are fixed at first sight, so nothing is lost.
   */
  session: SessionInfo | null
  data: DataRow[]
}

/**
 * An identify call of the current dialect (`type: identify`): no event row; its properties go to
 * session_data (one row per key and session, the latest value wins) and its distinct id to the session.
 */
export interface Identify {
  kind: 'identify'
  websiteId: number
  sessionUuid: string
  createdAt: number
  session: SessionInfo
  data: DataRow[]
}

export interface SessionInfo {
  hostname: string | null
  browser: string | null
  os: string | null
  device: string | null
  screen: string | null
  language: string | null
  country: string | null
  distinctId: string | null
}

export const DATA_TYPE = { string: 1, number: 2, boolean: 3, date: 4, array: 5 } as const

export interface DataRow {
  key: string
  type: (typeof DATA_TYPE)[keyof typeof DATA_TYPE]
  string: string | null
  number: number | null
  date: number | null
}

export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] as const
export const CLICK_ID_KEYS = ['gclid', 'fbclid', 'msclkid', 'ttclid', 'li_fat_id', 'twclid'] as const

/**
 * Cuts a string to at most `max` UTF-16 units (its JavaScript length, as Umami's `substring` counts),
 * dropping a final unit that would be half of a surrogate pair; non-strings become null.
 */
export function clip(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null
  if (value.length <= max) return value
  const last = value.charCodeAt(max - 1)
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max)
}

/**
 * Splits a URL as the v1 tracker sends it (path + query) at the first `?`, so that path and query
 * join back to exactly what was sent. A query of `null` means the URL had no `?` at all.
 */
export function splitUrl(url: string, removeTrailingSlash: boolean): { path: string; query: string | null } {
  const clipped = clip(url, LIMITS.url) ?? ''
  const at = clipped.indexOf('?')
  let path = at === -1 ? clipped : clipped.slice(0, at)
  const query = at === -1 ? null : clipped.slice(at + 1)
  if (removeTrailingSlash && path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
  return { path, query }
}

/** A page URL of the current dialect, split as Umami v3 stores it. */
export interface PageUrl {
  /** pathname + hash ('' when no URL was sent, as Umami stores it). */
  path: string
  /** The query string without '?', or null when there is none. */
  query: string | null
  /** The URL's host when the URL was absolute, else null. */
  host: string | null
}

const ABSOLUTE_URL = /^[a-z][a-z\d+.-]*:/i

/**
 * A path (+ query) that the URL parser gives back unchanged: one leading '/' (two start a host), only
 * characters that no part of a URL percent-encodes or rewrites (no backslash, '#', quotes, spaces,
 * controls or non-ASCII), and no segment starting with '.' or '%2e' (dot segments are resolved). Trackers
 * nearly always send such a URL; it skips `new URL`, the largest cost of reading a /api/send payload.
 * (Checked against `new URL` on generated URLs.)
 */
const PLAIN_PATH = /^\/(?!\/)[\w\-.~!$&()*+,;=:@/%]*(?:\?[\w\-.~!$&()*+,;=:@/%?]*)?$/
const DOT_SEGMENT = /\/(?:\.|%2e)/i

/**
 * Parses the `url` of a /api/send payload (a full URL or a path) against `https://{hostname}`, as Umami
 * v3 does: path = pathname + hash (one trailing slash of the pathname dropped when asked; a lone '/' is
 * kept), query = search without '?'. Null when it cannot be parsed.
 */
export function parsePageUrl(url: string | null, hostname: string | null, removeTrailingSlash: boolean): PageUrl | null {
  if (url === null || url === '') return { path: '', query: null, host: null }
  if (PLAIN_PATH.test(url)) {
    const at = url.indexOf('?')
    const pathname = at === -1 ? url : url.slice(0, at)
    if (!DOT_SEGMENT.test(pathname)) {
      const query = at === -1 || at === url.length - 1 ? null : url.slice(at + 1)
      return pagePath(pathname, '', query, null, removeTrailingSlash)
    }
  }
  const absolute = ABSOLUTE_URL.test(url)
  let parsed: URL
  try {
    // A hostname that makes no valid base must not make a path unparsable.
    parsed = absolute ? new URL(url) : new URL(url, `https://${hostname || 'localhost'}`)
  } catch {
    try {
      parsed = new URL(url, 'https://localhost')
    } catch {
      return null
    }
  }
  const query = parsed.search.length > 1 ? parsed.search.slice(1) : null
  return pagePath(parsed.pathname, parsed.hash, query, absolute ? parsed.hostname || null : null, removeTrailingSlash)
}

/** The stored form of a parsed page URL, whichever way it was parsed. */
function pagePath(pathname: string, hash: string, query: string | null, host: string | null, removeTrailingSlash: boolean): PageUrl {
  if (removeTrailingSlash && pathname.length > 1 && pathname.endsWith('/')) pathname = pathname.slice(0, -1)
  return { path: clip(pathname + hash, LIMITS.url) ?? '', query: query === null ? null : clip(query, LIMITS.url), host }
}

export function joinUrl(path: string, query: string | null): string {
  return query === null ? path : `${path}?${query}`
}

/** The host of a referrer URL without `www.`, or null for internal paths and unparsable values. */
export function referrerDomain(referrer: string | null): string | null {
  if (!referrer || referrer.startsWith('/')) return null
  try {
    const host = new URL(referrer).hostname
    return host ? clip(host.replace(/^www\./i, '').toLowerCase(), LIMITS.hostname) : null
  } catch {
    return null
  }
}

/** Any of the keys campaignParams looks for, as written (undecoded) in a query. */
const CAMPAIGN_KEY = new RegExp([...UTM_KEYS, ...CLICK_ID_KEYS].join('|'))

/** UTM parameters and click ids found in a query string. */
export function campaignParams(query: string | null): Pick<Hit, 'utm' | 'clickIds'> {
  const utm: Hit['utm'] = {}
  const clickIds: Hit['clickIds'] = {}
  // Most queries carry none of these keys: then there is nothing to parse (a key can only hide behind '%').
  if (query && (query.includes('%') || CAMPAIGN_KEY.test(query))) {
    let params: URLSearchParams
    try {
      params = new URLSearchParams(query)
    } catch {
      return { utm, clickIds }
    }
    for (const key of UTM_KEYS) {
      const value = clip(params.get(key), 255)
      if (value) utm[key] = value
    }
    for (const key of CLICK_ID_KEYS) {
      const value = clip(params.get(key), 255)
      if (value) clickIds[key] = value
    }
  }
  return { utm, clickIds }
}

const MAX_DATA_ROWS = 100
const MAX_DEPTH = 10
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/

/** Whether `value` nests arrays or objects more than `limit` levels deep (without recursing). */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!
    if (item === null || typeof item !== 'object') continue
    if (depth >= limit) return true
    for (const child of Array.isArray(item) ? item : Object.values(item as Record<string, unknown>)) stack.push([child, depth + 1])
  }
  return false
}

/**
 * Flattens event or session properties into typed rows as Umami does: nested keys joined with '.',
 * arrays stored as JSON text, ISO dates as dates. Bounded in rows and depth so no payload can blow up.
 */
export function flattenData(data: unknown): DataRow[] {
  const rows: DataRow[] = []
  const visit = (value: unknown, key: string, depth: number) => {
    if (rows.length >= MAX_DATA_ROWS || value === undefined || value === null) return
    const k = clip(key, LIMITS.dataKey) ?? ''
    if (Array.isArray(value)) {
      // JSON.stringify recurses: an array nested thousands deep would overflow the stack.
      if (nestedDeeperThan(value, MAX_DEPTH - depth)) return
      rows.push({ key: k, type: DATA_TYPE.array, string: clip(JSON.stringify(value), LIMITS.dataString), number: null, date: null })
    } else if (typeof value === 'object') {
      if (depth >= MAX_DEPTH) return
      for (const [child, v] of Object.entries(value as Record<string, unknown>)) visit(v, key ? `${key}.${child}` : child, depth + 1)
    } else if (typeof value === 'number') {
      if (Number.isFinite(value)) rows.push({ key: k, type: DATA_TYPE.number, string: null, number: value, date: null })
    } else if (typeof value === 'boolean') {
      rows.push({ key: k, type: DATA_TYPE.boolean, string: String(value), number: null, date: null })
    } else if (typeof value === 'string') {
      const date = ISO_DATE.test(value) ? Date.parse(value) : NaN
      if (Number.isFinite(date)) rows.push({ key: k, type: DATA_TYPE.date, string: null, number: null, date })
      else rows.push({ key: k, type: DATA_TYPE.string, string: clip(value, LIMITS.dataString), number: null, date: null })
    }
  }
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) visit(data, '', 0)
  else visit(data, 'value', 0)
  return rows
}
