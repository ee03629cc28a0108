import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ACTIVE_WINDOW_MS, LIMITS, ROLE } from '../../../shared/constants'
import { badRequest, forbidden, notFound, unauthorized } from '../../../shared/errors'
import { assertCanManage, assertCanView, requireUser } from '../../auth'
import { isUuid } from '../../collect/ids'
import { V1_FILTER_KEYS, type V1Filters } from '../../db/sql'
import { isValidTimeZone, type DateUnit } from '../../lib/time'
import { getAccountById } from '../../queries/accounts'
import {
  V1_METRIC_TYPES,
  type V1MetricType,
  type Range
} from '../../queries/v1-analytics'
import {
  createWebsite,
  deleteWebsite,
  getWebsiteById,
  getWebsiteByUuid,
  newShareId,
  resetWebsiteData,
  updateWebsite,
  type WebsiteRow
} from '../../queries/websites'

export function v1Website(row: WebsiteRow) {
  return {
    website_id: row.website_id,
    website_uuid: row.website_uuid,
    user_id: row.user_id,
    name: row.name,
    domain: row.domain,
    share_id: row.share_id,
    created_at: new Date(row.created_at).toISOString()
  }
}

/** `:id` is the integer id or, since a share URL names websites by UUID in both dialects, the website UUID. */
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const
const filterProperties = Object.fromEntries(V1_FILTER_KEYS.map((key) => [key, { type: 'string', maxLength: 2000 }]))
const rangeQuery = {
  type: 'object',
  required: ['start_at', 'end_at'],
  properties: { start_at: { type: 'integer', minimum: 0 }, end_at: { type: 'integer', minimum: 0 }, ...filterProperties }
} as const
const seriesQuery = {
  ...rangeQuery,
  required: ['start_at', 'end_at', 'unit', 'tz'],
  properties: {
    ...rangeQuery.properties,
    unit: { type: 'string', enum: ['year', 'month', 'day', 'hour'] },
    tz: { type: 'string', maxLength: 100 }
  }
} as const

type RangeQuery = { start_at: number; end_at: number } & V1Filters
type SeriesQuery = RangeQuery & { unit: DateUnit; tz: string }

export async function v1WebsiteRoutes(app: FastifyInstance) {
  const { ctx } = app

  function loadWebsite(id: number | string): WebsiteRow {
    let website: WebsiteRow | undefined
    if (typeof id === 'number' || /^[0-9]+$/.test(id)) {
      const n = Number(id)
      if (!Number.isSafeInteger(n) || n < 1) throw badRequest('The website id must be a positive integer or a website UUID')
      website = getWebsiteById(ctx.db, n)
    } else if (isUuid(id)) {
      website = getWebsiteByUuid(ctx.db, id.toLowerCase())
    } else {
      throw badRequest('The website id must be a positive integer or a website UUID')
    }
    if (!website) throw notFound('Website not found')
    return website
  }

  /** The website the request may read, or a 401/404. */
  function viewable(request: FastifyRequest<{ Params: { id: string } }>): WebsiteRow {
    const website = loadWebsite(request.params.id)
    assertCanView(request, website)
    return website
  }

  function rangeOf(website: WebsiteRow, query: RangeQuery): Range {
    if (query.start_at > query.end_at) throw badRequest('start_at must not be after end_at')
    return { websiteId: website.website_id, start: query.start_at, end: query.end_at }
  }

  function timezoneOf(query: SeriesQuery): string {
    if (!isValidTimeZone(query.tz)) throw badRequest(`Unknown time zone "${query.tz}": use an IANA name such as Europe/Berlin`)
    return query.tz
  }

  app.post<{
    Body: { website_id?: number; name: string; domain?: string | null; owner?: number; enable_share_url?: boolean; public?: boolean }
  }>(
    '/api/website',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          properties: {
            website_id: { type: 'integer', minimum: 1 },
            name: { type: 'string', minLength: 1, maxLength: LIMITS.websiteName },
            domain: { type: ['string', 'null'], maxLength: LIMITS.domain },
            owner: { type: 'integer', minimum: 1 },
            enable_share_url: { type: 'boolean' },
            public: { type: 'boolean' }
          }
        }
      }
    },
    async (request) => {
      const caller = requireUser(request)
      if (caller.role === ROLE.viewOnly) throw forbidden('View-only users cannot change websites.')
      const body = request.body
      const share = body.enable_share_url ?? body.public
      // Only admins may give a website to someone else (Umami v1.38 let anyone choose any owner).
      const owner = body.owner ?? (body.website_id ? undefined : caller.userId)
      if (owner !== undefined && owner !== caller.userId) {
        if (!caller.isAdmin) throw unauthorized()
        if (!getAccountById(ctx.db, owner)) throw badRequest(`Account ${owner} does not exist`)
      }
      const domain = body.domain?.trim() || null
      const now = ctx.now()
      if (body.website_id !== undefined) {
        const website = loadWebsite(body.website_id)
        assertCanManage(request, website)
        const shareId = share === undefined ? website.share_id : share ? (website.share_id ?? newShareId()) : null
        // As in Umami (Prisma skips undefined fields), an update that leaves the domain out keeps it.
        const newDomain = body.domain === undefined ? website.domain : domain
        return v1Website(
          updateWebsite(ctx.db, website.website_id, { userId: owner ?? website.user_id, name: body.name, domain: newDomain, shareId, now })
        )
      }
      return v1Website(createWebsite(ctx.db, { userId: owner!, name: body.name, domain, shareId: share ? newShareId() : null, now }))
    }
  )

  // GET /api/websites is one route for both dialects: routes/current/websites.ts.

  app.get<{ Params: { id: string } }>('/api/website/:id', { schema: { params: idParams } }, async (request) => v1Website(viewable(request)))

  app.delete<{ Params: { id: string } }>('/api/website/:id', { schema: { params: idParams } }, async (request) => {
    const website = loadWebsite(request.params.id)
    assertCanManage(request, website)
    deleteWebsite(ctx.db, website.website_id)
    ctx.writer.forgetSessions()
    return {}
  })

  app.post<{ Params: { id: string } }>('/api/website/:id/reset', { schema: { params: idParams } }, async (request) => {
    const website = loadWebsite(request.params.id)
    // Share tokens can never reset data (Umami v1.38 let them).
    assertCanManage(request, website)
    resetWebsiteData(ctx.db, website.website_id, ctx.now())
    ctx.writer.forgetSessions()
    return {}
  })

  app.get<{ Params: { id: string }; Querystring: RangeQuery }>(
    '/api/website/:id/stats',
    { schema: { params: idParams, querystring: rangeQuery } },
    async (request) => {
      const website = viewable(request)
      return await ctx.reads.run('getV1Stats', rangeOf(website, request.query), request.query)
    }
  )

  app.get<{ Params: { id: string }; Querystring: SeriesQuery }>(
    '/api/website/:id/pageviews',
    { schema: { params: idParams, querystring: seriesQuery } },
    async (request) => {
      const website = viewable(request)
      const range = rangeOf(website, request.query)
      return await ctx.reads.run('getV1PageviewSeries', range, request.query, { unit: request.query.unit, timezone: timezoneOf(request.query) })
    }
  )

  app.get<{ Params: { id: string }; Querystring: SeriesQuery }>(
    '/api/website/:id/events',
    { schema: { params: idParams, querystring: seriesQuery } },
    async (request) => {
      const website = viewable(request)
      const range = rangeOf(website, request.query)
      return await ctx.reads.run('getV1EventSeries', range, request.query, { unit: request.query.unit, timezone: timezoneOf(request.query) })
    }
  )

  app.get<{ Params: { id: string }; Querystring: RangeQuery & { type: V1MetricType } }>(
    '/api/website/:id/metrics',
    {
      schema: {
        params: idParams,
        querystring: { ...rangeQuery, required: ['type', 'start_at', 'end_at'], properties: { ...rangeQuery.properties, type: { type: 'string', enum: V1_METRIC_TYPES } } }
      }
    },
    async (request) => {
      const website = viewable(request)
      return await ctx.reads.run('getV1Metrics', rangeOf(website, request.query), request.query.type, request.query, website.domain)
    }
  )

  app.get<{ Params: { id: string } }>('/api/website/:id/active', { schema: { params: idParams } }, async (request) => {
    const website = viewable(request)
    return [{ x: await ctx.reads.run('getV1ActiveVisitors', website.website_id, ctx.now() - ACTIVE_WINDOW_MS) }]
  })
}
