import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import ipaddr from 'ipaddr.js'
import { EVENT_TYPE, LIMITS } from '../../../shared/constants'
import { AppError, badRequest, codeForStatus } from '../../../shared/errors'
import { normalizeIp } from '../../collect/client-info'
import { clientIp, isBotAgent, sessionInfoV3, userAgentOf } from '../../collect/client'
import { campaignParams, clip, flattenData, type Hit, type Identify, parsePageUrl, referrerDomain } from '../../collect/hit'
import { isUuid, sessionUuid } from '../../collect/ids'
import { recordRefusedHit, unknownWebsite } from '../../collect/inspector'
import { cachedVisit, cacheHeaderOf, cacheTokenOf, visitOf } from '../../collect/pipeline'
import type { AppContext } from '../../context'
import { getWebsiteByUuid } from '../../queries/websites'
import { trackerScript } from '../../tracker'

const SEND_BODY_LIMIT = 64 * 1024
const BATCH_BODY_LIMIT = 2 * 1024 * 1024
const MAX_BATCH_ITEMS = 1000
/** Timestamps before this are refused: a sender confusing units, not a hit from the last century. */
const EARLIEST_TIMESTAMP_MS = Date.UTC(2000, 0, 1)
const DAY_MS = 86_400_000

/** The string fields of a /api/send payload (umami-v2.md §6.1); each is optional. */
const STRING_FIELDS = [
  'hostname', 'screen', 'language', 'url', 'referrer', 'title', 'name', 'tag', 'id', 'ip', 'userAgent', 'browser', 'os', 'device'
] as const
type Payload = Partial<Record<(typeof STRING_FIELDS)[number], string>> & { website: string; data?: object }

/** The reply of an accepted hit, as Umami v2.17+/v3 answer it. */
interface SendReply {
  cache: string
  sessionId: string
  visitId: string
}

/** A hit, or an identify call, checked and ready for the writer (with its website's UUID); or a bot's hit, answered and dropped. */
type Prepared = { write: Hit | Identify; website: string; reply: SendReply } | { bot: true }

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)
/** null and undefined both mean "not sent": clients serialise absent fields either way. */
const present = (value: unknown) => value !== undefined && value !== null

/** Checks the shape of a /api/send body; every refusal names the field and what it must be. */
function validate(ctx: AppContext, body: unknown): { type: 'event' | 'identify'; payload: Payload; timestamp: number | undefined } {
  if (!isObject(body)) throw badRequest('Invalid request: the body must be a JSON object {type, payload}')
  const { type, payload } = body
  if (type !== 'event' && type !== 'identify') {
    throw badRequest(`Invalid request: type must be "event" or "identify"${typeof type === 'string' ? ` (got "${type.slice(0, 50)}")` : ''}`)
  }
  if (!isObject(payload)) throw badRequest('Invalid request: payload must be an object')
  const hasWebsite = present(payload.website)
  const other = present(payload.link) ? 'link' : present(payload.pixel) ? 'pixel' : null
  if (other !== null && (hasWebsite || (present(payload.link) && present(payload.pixel)))) {
    throw badRequest('Invalid request: payload must name exactly one of website, link or pixel')
  }
  if (other !== null) throw badRequest(`Invalid request: payload.${other}: links and pixels are not supported by this server; send payload.website`)
  if (!hasWebsite) throw badRequest('Invalid request: payload.website is required (the website UUID)')
  if (!isUuid(payload.website)) throw badRequest('Invalid request: payload.website must be a website UUID')
  for (const key of STRING_FIELDS) {
    if (present(payload[key]) && typeof payload[key] !== 'string') throw badRequest(`Invalid request: payload.${key} must be a string`)
  }
  if (present(payload.data) && !isObject(payload.data)) throw badRequest('Invalid request: payload.data must be an object')
  if (typeof payload.ip === 'string' && payload.ip !== '' && !ipaddr.isValid(normalizeIp(payload.ip))) {
    throw badRequest('Invalid request: payload.ip must be an IPv4 or IPv6 address')
  }
  let timestamp: number | undefined
  if (present(payload.timestamp)) {
    const raw = payload.timestamp
    timestamp = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN
    if (!Number.isFinite(timestamp)) throw badRequest('Invalid request: payload.timestamp must be a number (Unix seconds)')
    timestamp = Math.round(timestamp * 1000)
    if (timestamp < EARLIEST_TIMESTAMP_MS) throw badRequest('Invalid request: payload.timestamp is before the year 2000; send Unix seconds')
    if (timestamp > ctx.now() + DAY_MS) {
      throw badRequest('Invalid request: payload.timestamp is more than a day in the future; send Unix seconds, not milliseconds')
    }
  }
  return { type, payload: payload as Payload, timestamp }
}

/**
 * One /api/send body, in Umami v3's order (umami-v2.md §6.1): validate → website → client info → bot
 * check → ignored addresses → session and visit. Throws AppError for refusals; writes nothing.
 */
function prepare(ctx: AppContext, request: FastifyRequest, body: unknown): Prepared {
  const { type, payload, timestamp } = validate(ctx, body)
  // UUIDs are stored in lower case; Umami's uuid column compares them regardless of case.
  const websiteUuid = payload.website.toLowerCase()
  const website = getWebsiteByUuid(ctx.db, websiteUuid)
  if (!website) throw unknownWebsite('Website not found.')

  const userAgent = payload.userAgent || userAgentOf(request)
  const ip = payload.ip ? normalizeIp(payload.ip) : clientIp(request, ctx.config)
  if (isBotAgent(userAgent, ctx.config)) return { bot: true }
  if (ctx.isIgnoredIp(ip)) throw new AppError(403, 'Forbidden: hits from this address are ignored')

  const t = timestamp ?? ctx.now()
  const distinctId = clip(payload.id, LIMITS.distinctId) || null
  // The session follows from the hit itself (a distinct id names it); a cache token only carries the
  // visit on, and only within the same session, so an identified visitor never inherits another's visit.
  const sessionId = sessionUuid(ctx.secret, websiteUuid, ip, userAgent, t, distinctId ?? undefined)
  const cacheToken = cacheHeaderOf(request.headers)
  const cached = cachedVisit(ctx, cacheToken, website)
  const visit = visitOf(ctx, sessionId, t, cached, cacheToken)
  // A token of this very session vouches that its row exists: no user-agent parse or geo lookup needed.
  const sessionKnown = cached !== null && cached.sessionId === sessionId
  const reply = { cache: cacheTokenOf(ctx, websiteUuid, visit), sessionId, visitId: visit.visitId }

  const data = payload.data ? flattenData(payload.data) : []
  if (type === 'identify') {
    const session = sessionInfoV3(userAgent, ip, payload, distinctId)
    return { write: { kind: 'identify', websiteId: website.website_id, sessionUuid: sessionId, createdAt: t, session, data }, website: websiteUuid, reply }
  }

  const hostname = clip(payload.hostname, LIMITS.hostname) || null
  const page = parsePageUrl(payload.url ?? null, hostname, ctx.config.removeTrailingSlash)
  if (!page) throw badRequest('Invalid request: payload.url must be a URL or a path')
  const referrer = clip(payload.referrer, LIMITS.referrer) || null
  const eventName = clip(payload.name, LIMITS.eventName) || null
  const eventHostname = clip(hostname ?? page.host, LIMITS.hostname)
  const session = sessionKnown ? null : sessionInfoV3(userAgent, ip, { ...payload, hostname: eventHostname }, distinctId)
  const hit: Hit = {
    websiteId: website.website_id,
    sessionUuid: sessionId,
    visitId: visit.visitId,
    createdAt: t,
    eventType: eventName ? EVENT_TYPE.customEvent : EVENT_TYPE.pageView,
    urlPath: page.path,
    urlQuery: page.query,
    referrer,
    referrerDomain: referrerDomain(referrer),
    pageTitle: clip(payload.title, LIMITS.title) || null,
    eventName,
    tag: clip(payload.tag, LIMITS.tag) || null,
    hostname: eventHostname,
    ...campaignParams(page.query),
    session,
    data
  }
  return { write: hit, website: websiteUuid, reply }
}

const BOT_REPLY = { beep: 'boop' } as const

/** The v3 envelope of an item of a batch that failed, as /api/send would have answered it alone. */
function errorReply(request: FastifyRequest, error: unknown) {
  if (error instanceof AppError) return { error: { message: error.message, code: error.code, status: error.status } }
  request.log.error({ err: error }, 'batch item failed')
  return { error: { message: STATUS_CODES[500]!, code: codeForStatus(500), status: 500 } }
}

/** POST /api/send and /api/batch (the current tracker's and @umami/node's endpoints), and /script.js. */
export async function currentSendRoutes(app: FastifyInstance) {
  const { ctx } = app
  app.addHook('onError', recordRefusedHit)

  app.post<{ Body: unknown }>('/api/send', { bodyLimit: SEND_BODY_LIMIT }, async (request) => {
    const prepared = prepare(ctx, request, request.body)
    if ('bot' in prepared) {
      request.log.info({ reason: 'bot' }, 'hit dropped')
      ctx.inspector.dropped('send', 'bot', request.body)
      return BOT_REPLY
    }
    await ctx.writer.write(prepared.write)
    ctx.inspector.stored('send', prepared.website, prepared.write)
    return prepared.reply
  })

  app.post<{ Body: unknown }>('/api/batch', { bodyLimit: BATCH_BODY_LIMIT }, async (request) => {
    const items = request.body
    if (!Array.isArray(items)) throw badRequest('Invalid request: the body must be a JSON array of /api/send bodies {type, payload}')
    if (items.length > MAX_BATCH_ITEMS) {
      throw badRequest(`Invalid request: a batch holds at most ${MAX_BATCH_ITEMS} items (got ${items.length}); split it`)
    }
    // Every item is checked first, then all are handed to the writer in the same turn, so the whole batch
    // goes into one group-commit transaction instead of one transaction per item.
    const writes = items.map((item) => {
      try {
        const prepared = prepare(ctx, request, item)
        if ('bot' in prepared) {
          ctx.inspector.dropped('batch', 'bot', item)
          return Promise.resolve(BOT_REPLY)
        }
        return ctx.writer.write(prepared.write).then(() => {
          ctx.inspector.stored('batch', prepared.website, prepared.write)
          return prepared.reply
        })
      } catch (error) {
        return Promise.reject(error)
      }
    })
    const outcomes = await Promise.allSettled(writes)
    const details: { index: number; response: ReturnType<typeof errorReply> }[] = []
    let cache: string | null = null
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'rejected') {
        ctx.inspector.refused('batch', outcome.reason, items[index])
        details.push({ index, response: errorReply(request, outcome.reason) })
      } else if (cache === null && 'cache' in outcome.value) cache = outcome.value.cache
    })
    return { size: items.length, processed: items.length - details.length, errors: details.length, details, cache }
  })

  app.get('/script.js', async (_request, reply: FastifyReply) => {
    const script = await trackerScript('script.js')
    return reply
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=86400, must-revalidate')
      .type('application/javascript; charset=utf-8')
      .send(script.code)
  })
}
