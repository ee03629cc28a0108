import type { FastifyInstance } from 'fastify'
import { EVENT_TYPE, LIMITS } from '../../../shared/constants'
import { AppError, badRequest } from '../../../shared/errors'
import { clientIp, isBotAgent, sessionInfo, userAgentOf } from '../../collect/client'
import { campaignParams, clip, flattenData, type Hit, referrerDomain, splitUrl } from '../../collect/hit'
import { isUuid, sessionUuid } from '../../collect/ids'
import { recordRefusedHit, unknownWebsite } from '../../collect/inspector'
import { cachedVisit, cacheHeaderOf, cacheTokenOf, visitOf } from '../../collect/pipeline'
import { getWebsiteByUuid } from '../../queries/websites'

interface V1Payload {
  website?: unknown
  url?: unknown
  referrer?: unknown
  hostname?: unknown
  language?: unknown
  screen?: unknown
  event_name?: unknown
  event_data?: unknown
  event_type?: unknown
  event_value?: unknown
  cache?: unknown
}

const COLLECT_BODY_LIMIT = 64 * 1024

/** POST /api/collect: the classic tracker's endpoint (umami-v1.md §5), written through the shared writer. */
export async function v1CollectRoutes(app: FastifyInstance) {
  const { ctx } = app
  app.addHook('onError', recordRefusedHit)

  app.post<{ Body: unknown }>('/api/collect', { bodyLimit: COLLECT_BODY_LIMIT }, async (request, reply) => {
    const userAgent = userAgentOf(request)
    if (isBotAgent(userAgent, ctx.config)) {
      request.log.info({ reason: 'bot' }, 'hit dropped')
      ctx.inspector.dropped('collect', 'bot', request.body)
      return {}
    }
    // The address is needed for the ignore list and a new session only: a returning tracker skips it.
    let ip: string | undefined
    const ipOf = () => (ip ??= clientIp(request, ctx.config))
    if (ctx.config.ignoreIps.length > 0 && ctx.isIgnoredIp(ipOf())) throw new AppError(403, 'Forbidden')

    const body = request.body as { type?: unknown; payload?: V1Payload } | null
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Invalid request: the body must be a JSON object {type, payload}')
    const { type, payload } = body
    if (type !== 'pageview' && type !== 'event') throw badRequest('Invalid request: type must be "pageview" or "event"')
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw badRequest('Invalid request: payload must be an object')
    if (!isUuid(payload.website)) throw badRequest('Invalid request: payload.website must be a website UUID')
    if (typeof payload.url !== 'string') throw badRequest('Invalid request: payload.url must be a string')
    let eventName: string | null = null
    if (type === 'event') {
      // Late v1 sends event_name (+ event_data); the founding form sends event_type + event_value.
      const name = payload.event_name ?? payload.event_value
      if (typeof name !== 'string' || name === '') throw badRequest('Invalid request: an event needs event_name (or event_value)')
      eventName = clip(name, LIMITS.eventName)
    }

    // UUIDs are stored in lower case; Umami's uuid column compares them regardless of case.
    const website = getWebsiteByUuid(ctx.db, payload.website.toLowerCase())
    if (!website) throw unknownWebsite('Website not found')

    const now = ctx.now()
    // A valid cache token from an earlier hit of this website carries the session and visit on.
    const cacheToken = cacheHeaderOf(request.headers) ?? (typeof payload.cache === 'string' ? payload.cache : undefined)
    const cached = cachedVisit(ctx, cacheToken, website)
    const session = cached?.sessionId ?? sessionUuid(ctx.secret, website.website_uuid, ipOf(), userAgent, now)
    const visit = visitOf(ctx, session, now, cached, cacheToken)

    const { path, query } = splitUrl(payload.url, ctx.config.removeTrailingSlash)
    const referrer = type === 'pageview' ? clip(payload.referrer, LIMITS.referrer) : null
    let data = type === 'event' && payload.event_data !== undefined && payload.event_data !== null ? flattenData(payload.event_data) : []
    if (type === 'event' && payload.event_name === undefined && typeof payload.event_type === 'string' && payload.event_type !== 'custom') {
      data = [...data, { key: 'event_type', type: 1, string: clip(payload.event_type, LIMITS.dataString), number: null, date: null }]
    }
    const hit: Hit = {
      websiteId: website.website_id,
      sessionUuid: session,
      visitId: visit.visitId,
      createdAt: now,
      eventType: type === 'pageview' ? EVENT_TYPE.pageView : EVENT_TYPE.customEvent,
      urlPath: path,
      urlQuery: query,
      referrer,
      referrerDomain: referrerDomain(referrer),
      pageTitle: null,
      eventName,
      tag: null,
      hostname: clip(payload.hostname, LIMITS.hostname),
      ...campaignParams(query),
      session: cached ? null : sessionInfo(userAgent, ipOf(), payload),
      data
    }
    await ctx.writer.write(hit)
    ctx.inspector.stored('collect', website.website_uuid, hit)
    return reply.type('text/plain; charset=utf-8').send(cacheTokenOf(ctx, website.website_uuid, visit))
  })
}
