import { badRequest } from '../../shared/errors'
import type { Statement } from 'better-sqlite3'
import type { Db } from './open'

const caches = new WeakMap<Db, Map<string, Statement>>()

/** Prepares a statement once per SQL text (filters change the text, values never do). */
export function prepared(db: Db, sql: string): Statement {
  let cache = caches.get(db)
  if (!cache) {
    cache = new Map()
    caches.set(db, cache)
  }
  let stmt = cache.get(sql)
  if (!stmt) {
    stmt = db.prepare(sql)
    cache.set(sql, stmt)
  }
  return stmt
}

/** Escapes LIKE wildcards so that a user's text matches literally (used with ESCAPE '\'). */
export function likeEscape(text: string): string {
  // SQLite reads a LIKE pattern only up to a NUL, so `%<NUL>%` would be `%` and match every row.
  if (text.includes('\u0000')) throw badRequest('Invalid request: search and "contains" filters cannot contain NUL characters')
  return text.replace(/[\\%_]/g, (c) => '\\' + c)
}

/** The classic API's filters. Column names come from this allow-list only. */
export interface V1Filters {
  url?: string
  referrer?: string
  os?: string
  browser?: string
  device?: string
  country?: string
  event_name?: string
}

export const V1_SESSION_FILTERS = ['os', 'browser', 'device', 'country'] as const
export const V1_FILTER_KEYS = ['url', 'referrer', ...V1_SESSION_FILTERS, 'event_name'] as const

export interface WhereParts {
  /** Extra conditions, each starting with ' AND '. */
  sql: string
  params: Record<string, string | number | null>
  /** True when a condition reads the session table (aliased `s`). */
  needsSession: boolean
}

/**
 * Turns v1 filters into SQL over `website_event e` (and `session s` when a session column is filtered).
 * `apply` lists the filters the endpoint honours; the others are ignored, as in Umami.
 */
export function v1Where(filters: V1Filters, apply: readonly (keyof V1Filters)[]): WhereParts {
  const parts: string[] = []
  const params: WhereParts['params'] = {}
  let needsSession = false
  for (const key of apply) {
    const value = filters[key]
    if (value === undefined || value === '') continue
    switch (key) {
      case 'url': {
        const at = value.indexOf('?')
        parts.push('e.url_path = @f_url_path AND e.url_query IS @f_url_query')
        params.f_url_path = at === -1 ? value : value.slice(0, at)
        params.f_url_query = at === -1 ? null : value.slice(at + 1)
        break
      }
      case 'referrer':
        parts.push("e.referrer LIKE @f_referrer ESCAPE '\\'")
        params.f_referrer = `%${likeEscape(value)}%`
        break
      case 'event_name':
        parts.push('e.event_name = @f_event_name')
        params.f_event_name = value
        break
      default:
        parts.push(`s.${key} = @f_${key}`)
        params[`f_${key}`] = value
        needsSession = true
    }
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params, needsSession }
}
