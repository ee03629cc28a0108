import type { FastifyInstance, FastifyRequest } from 'fastify'
import { LIMITS } from '../../../shared/constants'
import { badRequest, forbidden, unauthorized } from '../../../shared/errors'
import { assertCanManage, type AuthUser, requireUser } from '../../auth'
import { isUuid } from '../../collect/ids'
import { getAccountById, getAccountByUuid } from '../../queries/accounts'
import {
  createWebsite,
  deleteWebsite,
  getWebsiteByShareId,
  getWebsiteByUuid,
  listAllWebsites,
  listWebsitesOfUser,
  listWebsitesPage,
  resetWebsiteData,
  updateWebsite,
  type WebsiteRow
} from '../../queries/websites'
import { v1Website } from '../v1/websites'
import { iso, paged, paging, viewableWebsite } from './common'

/** The owner fields a website object names. */
interface Owner {
  user_uuid: string
  username: string
}

/** A website as the current API shows it (Umami v3.1's row plus `user` and the computed `shareId`). */
export function currentWebsite(row: WebsiteRow, owner: Owner) {
  return {
    id: row.website_uuid,
    name: row.name,
    domain: row.domain,
    shareId: row.share_id,
    resetAt: iso(row.reset_at),
    userId: owner.user_uuid,
    teamId: null,
    // Dashi keeps no separate creator: the owner stands in for it.
    createdBy: owner.user_uuid,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    deletedAt: null,
    user: { id: owner.user_uuid, username: owner.username }
  }
}

/**
 * One page of websites, `{data, count, page, pageSize}`, from `page`, `pageSize` and `search` in the
 * query: one user's (`userId`) or, for the admin lists, everyone's (`null`).
 */
export function websitePage(request: FastifyRequest, userId: number | null) {
  const page = paging(request.query as Record<string, unknown>)
  const { rows, count } = listWebsitesPage(request.server.ctx.db, {
    userId,
    search: page.search,
    limit: page.pageSize,
    offset: (page.page - 1) * page.pageSize
  })
  const data = rows.map((row) => currentWebsite(row, { user_uuid: row.owner_uuid, username: row.owner_username }))
  return paged(data, count, page)
}

/** Share ids end up in URLs (`/share/<id>`), so they are kept to characters that need no escaping. */
const SHARE_ID_PATTERN = /^[A-Za-z0-9_-]{1,50}$/

function checkShareId(request: FastifyRequest, shareId: string | null | undefined, websiteId?: number): void {
  if (shareId === undefined || shareId === null) return
  if (!SHARE_ID_PATTERN.test(shareId)) throw badRequest('shareId must be 1 to 50 letters, digits, "-" or "_" (or null to turn sharing off)')
  const holder = getWebsiteByShareId(request.server.ctx.db, shareId)
  if (holder && holder.website_id !== websiteId) throw badRequest('That share id is already taken')
}

function refuseTeams(teamId: unknown): void {
  if (teamId !== undefined && teamId !== null && teamId !== '') throw badRequest('Teams are not supported by this server: leave teamId out')
}

const INCLUDE_ALL_VALUES = ['true', 'false', '1', '0', '']

type WebsiteParams = { Params: { websiteId: string } }

export async function currentWebsiteRoutes(app: FastifyInstance) {
  const { ctx } = app

  function ownerOf(website: WebsiteRow): Owner {
    return getAccountById(ctx.db, website.user_id)!
  }

  /** The website a request may change (owner or admin, by login), else 401 as Umami answers, even when it does not exist. */
  function manageableWebsite(request: FastifyRequest, websiteId: string): { website: WebsiteRow; user: AuthUser } {
    const website = isUuid(websiteId) ? getWebsiteByUuid(ctx.db, websiteId.toLowerCase()) : undefined
    if (!website) {
      requireUser(request)
      throw unauthorized()
    }
    return { website, user: assertCanManage(request, website) }
  }

  /**
   * One path, two dialects: v1 clients ask with `user_id` or `include_all` and get v1's array; anyone else
   * gets the current API's page of the caller's own websites.
   */
  app.get<{ Querystring: { user_id?: number; include_all?: string } & Record<string, unknown> }>(
    '/api/websites',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { user_id: { type: 'integer', minimum: 1 }, include_all: { type: 'string', enum: INCLUDE_ALL_VALUES } }
        }
      }
    },
    async (request) => {
      const caller = requireUser(request)
      const { user_id: userId, include_all: includeAllParam } = request.query
      if (userId === undefined && includeAllParam === undefined) return websitePage(request, caller.userId)
      // A real boolean: Umami v1 counted any non-empty value, even "false", as true.
      const includeAll = includeAllParam === 'true' || includeAllParam === '1'
      if (userId !== undefined && userId !== caller.userId && !caller.isAdmin) throw unauthorized()
      if (caller.isAdmin && includeAll) return listAllWebsites(ctx.db).map((row) => ({ ...v1Website(row), account: row.account }))
      return listWebsitesOfUser(ctx.db, userId ?? caller.userId).map(v1Website)
    }
  )

  app.post<{ Body: { name: string; domain: string; shareId?: string | null; teamId?: string | null; id?: string | null } }>(
    '/api/websites',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name', 'domain'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: LIMITS.websiteName },
            domain: { type: 'string', maxLength: LIMITS.domain },
            shareId: { type: ['string', 'null'] },
            teamId: { type: ['string', 'null'] },
            id: { type: ['string', 'null'] }
          }
        }
      }
    },
    async (request) => {
      const caller = requireUser(request)
      if (caller.role === 'view-only') throw forbidden('View-only users cannot create websites.')
      const { name, domain, shareId, teamId, id } = request.body
      refuseTeams(teamId)
      let uuid: string | undefined
      if (id !== undefined && id !== null && id !== '') {
        if (!isUuid(id)) throw badRequest('id must be a UUID (or left out for a random one)')
        uuid = id.toLowerCase()
        if (getWebsiteByUuid(ctx.db, uuid)) throw badRequest('A website with this id already exists')
      }
      checkShareId(request, shareId)
      const website = createWebsite(ctx.db, {
        userId: caller.userId,
        name,
        domain: domain.trim() || null,
        shareId: shareId ?? null,
        now: ctx.now(),
        uuid
      })
      return currentWebsite(website, ownerOf(website))
    }
  )

  app.get<WebsiteParams>('/api/websites/:websiteId', async (request) => {
    const website = viewableWebsite(request, request.params.websiteId)
    return currentWebsite(website, ownerOf(website))
  })

  app.post<WebsiteParams & { Body: { name?: string; domain?: string; shareId?: string | null } }>(
    '/api/websites/:websiteId',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1, maxLength: LIMITS.websiteName },
            domain: { type: 'string', maxLength: LIMITS.domain },
            shareId: { type: ['string', 'null'] }
          }
        }
      }
    },
    async (request) => {
      const { website } = manageableWebsite(request, request.params.websiteId)
      const { name, domain, shareId } = request.body ?? {}
      checkShareId(request, shareId, website.website_id)
      // Fields left out keep their values; `shareId: null` turns sharing off (and revokes its tokens).
      const updated = updateWebsite(ctx.db, website.website_id, {
        userId: website.user_id,
        name: name ?? website.name,
        domain: domain === undefined ? website.domain : domain.trim() || null,
        shareId: shareId === undefined ? website.share_id : shareId,
        now: ctx.now()
      })
      return currentWebsite(updated, ownerOf(updated))
    }
  )

  app.delete<WebsiteParams>('/api/websites/:websiteId', async (request) => {
    const { website } = manageableWebsite(request, request.params.websiteId)
    deleteWebsite(ctx.db, website.website_id)
    ctx.writer.forgetSessions()
    return { ok: true }
  })

  app.post<WebsiteParams>('/api/websites/:websiteId/reset', async (request) => {
    const { website } = manageableWebsite(request, request.params.websiteId)
    resetWebsiteData(ctx.db, website.website_id, ctx.now())
    ctx.writer.forgetSessions()
    return { ok: true }
  })

  app.post<WebsiteParams & { Body: { userId?: string | null; teamId?: string | null } }>(
    '/api/websites/:websiteId/transfer',
    { schema: { body: { type: 'object', properties: { userId: { type: ['string', 'null'] }, teamId: { type: ['string', 'null'] } } } } },
    async (request) => {
      const { website } = manageableWebsite(request, request.params.websiteId)
      const { userId, teamId } = request.body ?? {}
      refuseTeams(teamId)
      if (userId === undefined || userId === null || userId === '') throw badRequest('userId is required: the id of the user who receives the website')
      const target = isUuid(userId) ? getAccountByUuid(ctx.db, userId.toLowerCase()) : undefined
      if (!target) throw badRequest(`No user has the id "${userId}"`)
      const updated = updateWebsite(ctx.db, website.website_id, {
        userId: target.user_id,
        name: website.name,
        domain: website.domain,
        shareId: website.share_id,
        now: ctx.now()
      })
      return currentWebsite(updated, target)
    }
  )
}
