import { CACHE_HEADER, VISIT_RENEW_MS } from '../../shared/constants'
import type { AppContext } from '../context'
import { isUuid, visitUuid } from './ids'

/*
 * What both collect dialects (/api/collect and /api/send) share after parsing their payloads: the cache
 * token they issue and honour, and the visit rule. Keeping it in one place is what makes a visitor tracked
 * through both endpoints one session with one visit, and both tokens interchangeable.
 */

/** The claims of a cache token (`x-umami-cache`): the visit a tracker is in. */
export interface CachedVisit {
  websiteId: string
  sessionId: string
  visitId: string
  /** When the visit started (ms), Umami's `iat`. */
  visitStart: number
}

/** The cache token a request carries in its header, if any. */
export function cacheHeaderOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers[CACHE_HEADER]
  return typeof value === 'string' ? value : undefined
}

/**
 * The visit carried by a cache token, when the token is genuine and was issued for this website (a token of
 * another website is ignored, never trusted) since its last reset (a reset deletes the sessions a token
 * names), else null. So a cached visit's session row exists, and its hits need no session attributes.
 */
export function cachedVisit(ctx: AppContext, token: string | undefined, website: { website_uuid: string; reset_at: number | null }): CachedVisit | null {
  const claims = ctx.auth.cache.verify(token)
  if (
    claims &&
    claims.websiteId === website.website_uuid &&
    (website.reset_at === null || (typeof claims.visitStart === 'number' && claims.visitStart >= website.reset_at)) &&
    isUuid(claims.sessionId) &&
    typeof claims.visitId === 'string' &&
    typeof claims.visitStart === 'number'
  ) {
    return claims as unknown as CachedVisit
  }
  return null
}

export interface Visit {
  sessionId: string
  visitId: string
  visitStart: number
  /** The incoming token, to answer with again while the visit it carries goes on; null when a new one is due. */
  token: string | null
}

/**
 * The visit of a hit at time `t` in session `sessionId` (umami-v2.md §6.1). A cache token of the same
 * session carries its visit on while the visit is at most 30 minutes old, counted from its start (Umami's
 * `iat`, not the last activity); after that, and without a token, the visit is the session's clock hour.
 * So a tracker's visit lasts until it is 30 minutes old and the clock hour has changed, and server-side
 * senders (no token) get one visit per session and clock hour.
 */
export function visitOf(ctx: AppContext, sessionId: string, t: number, cached: CachedVisit | null, cacheToken: string | undefined): Visit {
  // The distance either way: a hit dated back by its sender must not join a visit that starts long after it.
  if (cached && cached.sessionId === sessionId && Math.abs(t - cached.visitStart) <= VISIT_RENEW_MS) {
    return { sessionId, visitId: cached.visitId, visitStart: cached.visitStart, token: cacheToken ?? null }
  }
  return { sessionId, visitId: visitUuid(ctx.secret, sessionId, t), visitStart: t, token: null }
}

/** The cache token to answer with: the incoming one while its visit goes on, else a new one for this visit. */
export function cacheTokenOf(ctx: AppContext, websiteUuid: string, visit: Visit): string {
  return visit.token ?? ctx.auth.cache.sign({ websiteId: websiteUuid, sessionId: visit.sessionId, visitId: visit.visitId, visitStart: visit.visitStart })
}
