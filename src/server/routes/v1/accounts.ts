import type { FastifyInstance } from 'fastify'
import { LIMITS, ROLE } from '../../../shared/constants'
import { AppError, badRequest, notFound, unauthorized } from '../../../shared/errors'
import { checkPassword, hashPassword, requestToken, requireAdmin, requireUser } from '../../auth'
import {
  countAdmins,
  createAccount,
  getAccountById,
  getAccountByUsername,
  listAccounts,
  type PublicAccount,
  toPublicAccount,
  updateAccount
} from '../../queries/accounts'
import { deleteAccountCascade } from '../../queries/websites'

/** The v1 account shape, without the password hash Umami v1 leaked. */
export function v1Account(account: PublicAccount) {
  return {
    user_id: account.user_id,
    username: account.username,
    is_admin: account.role === ROLE.admin,
    created_at: new Date(account.created_at).toISOString(),
    updated_at: new Date(account.updated_at).toISOString()
  }
}

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const

export async function v1AccountRoutes(app: FastifyInstance) {
  const { ctx } = app

  app.post<{ Body: { user_id?: number; username?: string; password?: string; is_admin?: boolean } }>(
    '/api/account',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            user_id: { type: 'integer', minimum: 1 },
            username: { type: 'string', minLength: 1, maxLength: LIMITS.username },
            password: { type: 'string', maxLength: 1000 },
            is_admin: { type: 'boolean' }
          }
        }
      }
    },
    async (request) => {
      const caller = requireUser(request)
      const { user_id: userId, username, password, is_admin: isAdmin } = request.body
      const now = ctx.now()
      if (userId !== undefined) {
        // Update: the user themself or an admin; only admins rename users or change roles.
        if (!caller.isAdmin && caller.userId !== userId) throw unauthorized()
        const target = getAccountById(ctx.db, userId)
        if (!target) throw notFound('Account not found')
        const changes: Parameters<typeof updateAccount>[2] = { now }
        if (password) changes.passwordHash = await hashPassword(password)
        if (caller.isAdmin) {
          if (username !== undefined && username !== target.username) {
            if (getAccountByUsername(ctx.db, username)) throw badRequest('Account already exists')
            changes.username = username
          }
          if (isAdmin !== undefined) {
            const role = isAdmin ? ROLE.admin : target.role === ROLE.admin ? ROLE.user : target.role
            if (role !== ROLE.admin && target.role === ROLE.admin && countAdmins(ctx.db) <= 1) {
              throw badRequest('The last admin cannot lose admin rights')
            }
            changes.role = role
          }
        }
        const updated = updateAccount(ctx.db, userId, changes)
        if (changes.passwordHash) ctx.auth.revokeUserTokens(userId, caller.userId === userId ? requestToken(request) : undefined)
        return v1Account(toPublicAccount(updated))
      }
      // Create: admins only (Umami v1.38 let any user create accounts).
      if (!caller.isAdmin) throw unauthorized()
      if (!username) throw badRequest('username is required')
      if (!password) throw badRequest('password is required')
      if (getAccountByUsername(ctx.db, username)) throw badRequest('Account already exists')
      const account = createAccount(ctx.db, {
        username,
        passwordHash: await hashPassword(password),
        role: isAdmin ? ROLE.admin : ROLE.user,
        now
      })
      return v1Account(toPublicAccount(account))
    }
  )

  app.get<{ Params: { id: number } }>('/api/account/:id', { schema: { params: idParams } }, async (request) => {
    requireAdmin(request)
    const account = getAccountById(ctx.db, request.params.id)
    return account ? v1Account(toPublicAccount(account)) : null
  })

  app.delete<{ Params: { id: number } }>('/api/account/:id', { schema: { params: idParams } }, async (request) => {
    const caller = requireAdmin(request)
    if (caller.userId === request.params.id) throw badRequest('You cannot delete your own account')
    if (!getAccountById(ctx.db, request.params.id)) throw notFound('Account not found')
    deleteAccountCascade(ctx.db, request.params.id)
    ctx.writer.forgetSessions()
    return {}
  })

  app.post<{ Body: { user_id: number; current_password: string; new_password: string } }>(
    '/api/account/password',
    {
      schema: {
        body: {
          type: 'object',
          required: ['user_id', 'current_password', 'new_password'],
          properties: {
            user_id: { type: 'integer', minimum: 1 },
            current_password: { type: 'string', maxLength: 1000 },
            new_password: { type: 'string', minLength: 1, maxLength: 1000 }
          }
        }
      }
    },
    async (request) => {
      const caller = requireUser(request)
      const { user_id: userId, current_password: current, new_password: next } = request.body
      if (!caller.isAdmin && caller.userId !== userId) throw unauthorized()
      const target = getAccountById(ctx.db, userId)
      if (!target) throw notFound('Account not found')
      if (!(await checkPassword(current, target.password))) throw new AppError(400, 'Current password is incorrect')
      const updated = updateAccount(ctx.db, userId, { passwordHash: await hashPassword(next), now: ctx.now() })
      // A changed password logs the account out everywhere else.
      ctx.auth.revokeUserTokens(userId, caller.userId === userId ? requestToken(request) : undefined)
      return v1Account(toPublicAccount(updated))
    }
  )

  app.get('/api/accounts', async (request) => {
    requireAdmin(request)
    return listAccounts(ctx.db).map(v1Account)
  })
}
