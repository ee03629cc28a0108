import type { FastifyInstance, FastifyRequest } from 'fastify'
import { LIMITS, ROLE, type Role } from '../../../shared/constants'
import { badRequest, notFound, unauthorized } from '../../../shared/errors'
import { type AccountRow, type AuthUser, checkPassword, hashPassword, requestToken, requireAdmin, requireUser } from '../../auth'
import { isUuid } from '../../collect/ids'
import {
  countAdmins,
  createAccount,
  getAccountById,
  getAccountByUsername,
  getAccountByUuid,
  listAccountsPage,
  type PublicAccount,
  updateAccount
} from '../../queries/accounts'
import { deleteAccountCascade } from '../../queries/websites'
import { iso, paged, paging } from './common'
import { websitePage } from './websites'

/** A user as the current API shows it: never the password hash. */
export function currentUserObject(account: PublicAccount) {
  return { id: account.user_uuid, username: account.username, role: account.role, createdAt: iso(account.created_at) }
}

const ROLES: Role[] = [ROLE.admin, ROLE.user, ROLE.viewOnly]
/** Umami's password rule for the current API: 8 to 255 characters. */
const passwordSchema = { type: 'string', minLength: 8, maxLength: 255 } as const

type UserParams = { Params: { userId: string } }

export async function currentUserRoutes(app: FastifyInstance) {
  const { ctx } = app

  function accountOf(user: AuthUser): AccountRow {
    // The token lookup joined the account a moment ago; a concurrent delete makes the login void.
    const account = getAccountById(ctx.db, user.userId)
    if (!account) throw unauthorized()
    return account
  }

  /** The user a request may read or change: itself, or anyone for an admin (401 otherwise, as Umami answers). */
  function reachableUser(request: FastifyRequest, userId: string): { caller: AuthUser; target: AccountRow } {
    const caller = requireUser(request)
    const target = isUuid(userId) ? getAccountByUuid(ctx.db, userId.toLowerCase()) : undefined
    if (target?.user_id === caller.userId) return { caller, target }
    if (!caller.isAdmin) throw unauthorized()
    if (!target) throw notFound('User not found')
    return { caller, target }
  }

  // --- the caller ---

  app.get('/api/me', async (request) => {
    const user = requireUser(request)
    const account = accountOf(user)
    return { token: requestToken(request), user: { ...currentUserObject(account), isAdmin: user.isAdmin } }
  })

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/me/password',
    {
      schema: {
        body: {
          type: 'object',
          required: ['currentPassword', 'newPassword'],
          properties: { currentPassword: { type: 'string', maxLength: 1000 }, newPassword: passwordSchema }
        }
      }
    },
    async (request) => {
      const user = requireUser(request)
      const account = accountOf(user)
      if (!(await checkPassword(request.body.currentPassword, account.password))) throw badRequest('Current password is incorrect')
      const updated = updateAccount(ctx.db, user.userId, { passwordHash: await hashPassword(request.body.newPassword), now: ctx.now() })
      // A changed password logs the account out everywhere but here.
      ctx.auth.revokeUserTokens(user.userId, requestToken(request))
      return currentUserObject(updated)
    }
  )

  app.get('/api/me/websites', async (request) => websitePage(request, requireUser(request).userId))

  // Dashi has no teams: the team lists the current dashboard asks for are always empty.
  app.get('/api/me/teams', async (request) => {
    requireUser(request)
    return paged([], 0, paging(request.query as Record<string, unknown>))
  })

  // --- users (admin, or a user about itself) ---

  app.post<{ Body: { id?: string | null; username: string; password: string; role: Role } }>(
    '/api/users',
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password', 'role'],
          properties: {
            id: { type: ['string', 'null'] },
            username: { type: 'string', minLength: 1, maxLength: LIMITS.username },
            password: passwordSchema,
            role: { type: 'string', enum: ROLES }
          }
        }
      }
    },
    async (request) => {
      requireAdmin(request)
      const { id, username, password, role } = request.body
      let uuid: string | undefined
      if (id !== undefined && id !== null && id !== '') {
        if (!isUuid(id)) throw badRequest('id must be a UUID (or left out for a random one)')
        uuid = id.toLowerCase()
        if (getAccountByUuid(ctx.db, uuid)) throw badRequest('User already exists')
      }
      if (getAccountByUsername(ctx.db, username)) throw badRequest('User already exists')
      const account = createAccount(ctx.db, { username, passwordHash: await hashPassword(password), role, now: ctx.now(), uuid })
      return currentUserObject(account)
    }
  )

  app.get<UserParams>('/api/users/:userId', async (request) => currentUserObject(reachableUser(request, request.params.userId).target))

  app.post<UserParams & { Body: { username?: string; password?: string; role?: Role } }>(
    '/api/users/:userId',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            username: { type: 'string', minLength: 1, maxLength: LIMITS.username },
            password: passwordSchema,
            role: { type: 'string', enum: ROLES }
          }
        }
      }
    },
    async (request) => {
      const { caller, target } = reachableUser(request, request.params.userId)
      const { username, password, role } = request.body ?? {}
      const changes: Parameters<typeof updateAccount>[2] = { now: ctx.now() }
      const renames = username !== undefined && username !== target.username
      const changesRole = role !== undefined && role !== target.role
      // Umami silently drops these fields from a non-admin; refusing says why nothing changed.
      if ((renames || changesRole) && !caller.isAdmin) throw unauthorized('Only an admin can change a username or role')
      if (renames) {
        if (getAccountByUsername(ctx.db, username)) throw badRequest('User already exists')
        changes.username = username
      }
      if (changesRole) {
        if (target.role === ROLE.admin && countAdmins(ctx.db) <= 1) throw badRequest('The last admin cannot lose admin rights')
        changes.role = role
      }
      if (password !== undefined) changes.passwordHash = await hashPassword(password)
      const updated = updateAccount(ctx.db, target.user_id, changes)
      // A new password ends the user's other sessions; the caller's own stays. (Roles are read afresh on every request.)
      if (changes.passwordHash) ctx.auth.revokeUserTokens(target.user_id, caller.userId === target.user_id ? requestToken(request) : undefined)
      return currentUserObject(updated)
    }
  )

  app.delete<UserParams>('/api/users/:userId', async (request) => {
    const caller = requireAdmin(request)
    const { target } = reachableUser(request, request.params.userId)
    if (target.user_id === caller.userId) throw badRequest('You cannot delete your own account')
    deleteAccountCascade(ctx.db, target.user_id)
    ctx.writer.forgetSessions()
    return { ok: true }
  })

  app.get<UserParams>('/api/users/:userId/websites', async (request) =>
    websitePage(request, reachableUser(request, request.params.userId).target.user_id)
  )

  app.get<UserParams>('/api/users/:userId/teams', async (request) => {
    reachableUser(request, request.params.userId)
    return paged([], 0, paging(request.query as Record<string, unknown>))
  })

  // --- admin lists ---

  app.get('/api/admin/users', async (request) => {
    requireAdmin(request)
    const page = paging(request.query as Record<string, unknown>)
    const { rows, count } = listAccountsPage(ctx.db, { search: page.search, limit: page.pageSize, offset: (page.page - 1) * page.pageSize })
    const data = rows.map((row) => ({ ...currentUserObject(row), updatedAt: iso(row.updated_at), _count: { websites: row.website_count } }))
    return paged(data, count, page)
  })

  app.get('/api/admin/websites', async (request) => {
    requireAdmin(request)
    return websitePage(request, null)
  })
}
