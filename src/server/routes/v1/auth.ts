import type { FastifyInstance } from 'fastify'
import { AUTH_COOKIE } from '../../../shared/constants'
import { unauthorized } from '../../../shared/errors'
import { checkPassword, DEFAULT_ADMIN, requestToken, requireUser } from '../../auth'
import { DEFAULT_PASSWORD_HELP } from '../../setup'
import { getAccountByUsername } from '../../queries/accounts'

/** A bcrypt hash of a random password: checked when the user is unknown, so timing reveals no usernames. */
const DUMMY_HASH = '$2b$10$8xjPi6VSpKqvNKnq4N/Il.elBnpzys5GT3frYnCkXDtpgnr.yrDp6'

export async function v1AuthRoutes(app: FastifyInstance) {
  const { ctx } = app

  app.post<{ Body: { username: string; password: string } }>(
    '/api/auth/login',
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 255 }, password: { type: 'string', minLength: 1, maxLength: 1000 } }
        }
      }
    },
    async (request, reply) => {
      const { username, password } = request.body
      const account = getAccountByUsername(ctx.db, username)
      const ok = await checkPassword(password, account?.password ?? DUMMY_HASH)
      if (!account || !ok) {
        request.log.info({ username }, 'login failed')
        throw unauthorized()
      }
      if (username === DEFAULT_ADMIN.username && password === DEFAULT_ADMIN.password) request.log.warn(DEFAULT_PASSWORD_HELP)
      const token = ctx.auth.issueLoginToken(account.user_id)
      reply.setCookie(AUTH_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        maxAge: Math.floor(ctx.config.tokenTtlMs / 1000)
      })
      const isAdmin = account.role === 'admin'
      return {
        token,
        // Both dialects read this object: v1 the snake_case fields, the current API the camelCase ones.
        user: {
          user_id: account.user_id,
          username: account.username,
          is_admin: isAdmin,
          id: account.user_uuid,
          role: account.role,
          isAdmin,
          createdAt: new Date(account.created_at).toISOString()
        }
      }
    }
  )

  app.all('/api/auth/verify', async (request) => {
    const user = requireUser(request)
    return {
      user_id: user.userId,
      username: user.username,
      is_admin: user.isAdmin,
      iat: Math.floor(user.issuedAt / 1000),
      id: user.userUuid,
      role: user.role,
      isAdmin: user.isAdmin
    }
  })

  app.post('/api/auth/logout', async (request, reply) => {
    const token = requestToken(request)
    if (token) ctx.auth.revokeLoginToken(token)
    reply.clearCookie(AUTH_COOKIE, { path: '/' })
    return {}
  })
}
