import type { FastifyInstance } from 'fastify'
import { REALTIME_WINDOW_MS } from '../../../shared/constants'
import { badRequest, notFound, unauthorized } from '../../../shared/errors'
import { requireUser, shareTokenOf } from '../../auth'
import { getWebsiteByShareId, listWebsitesOfUser } from '../../queries/websites'
import { v1Website } from './websites'

export async function v1RealtimeRoutes(app: FastifyInstance) {
  const { ctx } = app

  app.get('/api/realtime/init', async (request) => {
    const user = requireUser(request)
    const websites = listWebsitesOfUser(ctx.db, user.userId)
    const ids = websites.map((w) => w.website_id)
    const now = ctx.now()
    return {
      websites: websites.map(v1Website),
      token: ctx.auth.realtime.sign({ websites: ids, user_id: user.userId }),
      data: await ctx.reads.run('getV1RealtimeData', ids, now - REALTIME_WINDOW_MS, now)
    }
  })

  app.get<{ Querystring: { start_at: number } }>(
    '/api/realtime/update',
    { schema: { querystring: { type: 'object', required: ['start_at'], properties: { start_at: { type: 'integer', minimum: 0 } } } } },
    async (request) => {
      const user = requireUser(request)
      const token = shareTokenOf(request)
      if (!token) throw badRequest('The realtime token from /api/realtime/init is required in x-umami-share-token')
      const claims = ctx.auth.realtime.verify(token)
      if (!claims || claims.user_id !== user.userId || !Array.isArray(claims.websites)) throw unauthorized('Invalid realtime token')
      // Websites given away or deleted since init drop out.
      const owned = new Set(listWebsitesOfUser(ctx.db, user.userId).map((w) => w.website_id))
      const ids = (claims.websites as unknown[]).filter((id): id is number => typeof id === 'number' && owned.has(id))
      const now = ctx.now()
      return await ctx.reads.run('getV1RealtimeData', ids, Math.max(request.query.start_at, now - REALTIME_WINDOW_MS), now)
    }
  )
}

/**
 * A share URL's token, one reply for both dialects (Umami v3.1's shape): `websiteId` is the website's
 * UUID, which the v1 website routes accept as well as the integer id. Errors use the current envelope;
 * this hook runs after the classic wrapper's, which marks every route of the v1 plugins as v1.
 */
export async function v1ShareRoutes(app: FastifyInstance) {
  const { ctx } = app
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), dialect: 'current' }
  })
  app.get<{ Params: { shareId: string } }>(
    '/api/share/:shareId',
    { schema: { params: { type: 'object', properties: { shareId: { type: 'string', maxLength: 64 } } } } },
    async (request) => {
      const website = getWebsiteByShareId(ctx.db, request.params.shareId)
      if (!website) throw notFound('Share link not found')
      return {
        websiteId: website.website_uuid,
        // The token names the share id it was issued for: turning the share URL off revokes it.
        token: ctx.auth.share.sign({ website_id: website.website_id, share_id: website.share_id }),
        shareId: website.share_id,
        shareType: 1,
        parameters: { overview: true, events: true }
      }
    }
  )
}
