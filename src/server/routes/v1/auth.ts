import type { FastifyInstance } from 'fastify'
import { AUTH_COOKIE } from '../../../shared/constants'
import { AppError, unauthorized } from '../../../shared/errors'
import { type AccountRow, checkPassword, DEFAULT_ADMIN, requestToken, requireUser } from '../../auth'
import { clientIp } from '../../collect/client'
import { LoginThrottle } from '../../lib/throttle'
import { DEFAULT_PASSWORD_HELP } from '../../setup'
import { getAccountById, getAccountByUsername } from '../../queries/accounts'

/** A bcrypt hash of a random password: checked when the user is unknown, so timing reveals no usernames. */
const DUMMY_HASH = '$2b$10$8xjPi6VSpKqvNKnq4N/Il.elBnpzys5GT3frYnCkXDtpgnr.yrDp6'

/**
 * The user object both dialects read: the current API's fields (v3.1 login/verify shape; Dashi has no
 * teams) beside v1's snake_case ones.
 */
function bothDialectsUser(account: Omit<AccountRow, 'password'>) {
  const isAdmin = account.role === 'admin'
  return {
    id: account.user_uuid,
    username: account.username,
    role: account.role,
    createdAt: new Date(account.created_at).toISOString(),
    isAdmin,
    teams: [],
    user_id: account.user_id,
    is_admin: isAdmin
  }
}

/**
 * Login, verify and logout: paths both dialects share. They answer errors in the current envelope; this
 * hook runs after the classic wrapper's, which marks every route of the v1 plugins as v1.
 */
export async function v1AuthRoutes(app: FastifyInstance) {
  const { ctx } = app
  const throttle = new LoginThrottle(ctx.config.loginThrottle, ctx.now)
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), dialect: 'current' }
  })

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
      const ip = clientIp(request, ctx.config)
      const wait = throttle.retryAfterSeconds(ip, username)
      if (wait > 0) {
        // Refused before the password is hashed: a guessing run costs the server nothing more.
        request.log.warn({ username, ip }, 'login throttled')
        reply.header('retry-after', String(wait))
        throw new AppError(429, `Too many failed logins: try again in ${wait} seconds`, 'too-many-requests')
      }
      throttle.attempt(ip, username)
      const account = getAccountByUsername(ctx.db, username)
      const ok = await checkPassword(password, account?.password ?? DUMMY_HASH)
      if (!account || !ok) {
        request.log.info({ username, ip }, 'login failed')
        // Umami's own code for this case, which clients show as "incorrect username or password".
        throw new AppError(401, 'Incorrect username or password', 'incorrect-username-password')
      }
      throttle.succeeded(ip, username)
      if (username === DEFAULT_ADMIN.username && password === DEFAULT_ADMIN.password) request.log.warn(DEFAULT_PASSWORD_HELP)
      const token = ctx.auth.issueLoginToken(account.user_id)
      reply.setCookie(AUTH_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        maxAge: Math.floor(ctx.config.tokenTtlMs / 1000)
      })
      return { token, user: bothDialectsUser(account) }
    }
  )

  // Current clients POST; the old hand-written client GETs; v1 answered any method.
  app.all('/api/auth/verify', async (request) => {
    const user = requireUser(request)
    const account = getAccountById(ctx.db, user.userId)
    if (!account) throw unauthorized()
    // v1 echoed the token's issue time.
    return { ...bothDialectsUser(account), iat: Math.floor(user.issuedAt / 1000) }
  })

  // Unlike Umami, logout really revokes the token: the Bearer one and the cookie's, should a client send both.
  app.post('/api/auth/logout', async (request, reply) => {
    const token = requestToken(request)
    if (token) ctx.auth.revokeLoginToken(token)
    const cookie = request.cookies?.[AUTH_COOKIE]
    if (cookie && cookie !== token) ctx.auth.revokeLoginToken(cookie)
    reply.clearCookie(AUTH_COOKIE, { path: '/' })
    return { ok: true }
  })
}
