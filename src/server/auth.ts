import { createHash, randomBytes } from 'node:crypto'
import bcrypt from 'bcryptjs'
import type { FastifyRequest } from 'fastify'
import { AUTH_COOKIE, ROLE, type Role, SHARE_TOKEN_HEADER } from '../shared/constants'
import { AppError, forbidden, unauthorized } from '../shared/errors'
import type { Db } from './db/open'
import { signedTokenKind, type TokenKind } from './lib/signed-token'
import { deriveKey } from './secret'

export const BCRYPT_COST = 10
export const DEFAULT_ADMIN = { username: 'admin', password: 'umami' } as const

export interface AccountRow {
  user_id: number
  user_uuid: string
  username: string
  password: string
  role: Role
  created_at: number
  updated_at: number
}

export interface AuthUser {
  userId: number
  userUuid: string
  username: string
  role: Role
  isAdmin: boolean
  /** When the login token was issued (ms). */
  issuedAt: number
}

/**
 * bcrypt (cost 10) of "umami" as Umami's first migration ships it: stored whenever the default password is
 * chosen, so start-up can tell it is still in use by comparing text instead of hashing (setup.ts).
 */
export const DEFAULT_ADMIN_HASH = '$2b$10$BUli0c.muyCW1ErNJc3jL.vFRFtFJWrT8/GcR4A.sUdCznaXiqFXa'

export const hashPassword = (password: string) =>
  password === DEFAULT_ADMIN.password ? Promise.resolve(DEFAULT_ADMIN_HASH) : bcrypt.hash(password, BCRYPT_COST)
export const checkPassword = (password: string, hash: string) => bcrypt.compare(password, hash)

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')

/**
 * Login tokens are random and stored hashed (so logout and expiry revoke them); share, realtime and
 * cache tokens are signed claims that need no storage.
 */
export class Auth {
  readonly share: TokenKind
  readonly realtime: TokenKind
  readonly cache: TokenKind
  private readonly stmts

  constructor(
    private readonly db: Db,
    secret: string,
    private readonly tokenTtlMs: number,
    private readonly now: () => number
  ) {
    // One key per purpose, so a token of one kind never passes as another.
    this.share = signedTokenKind(deriveKey(secret, 'share-token'))
    this.realtime = signedTokenKind(deriveKey(secret, 'realtime-token'))
    this.cache = signedTokenKind(deriveKey(secret, 'cache-token'))
    this.stmts = {
      insert: db.prepare('INSERT INTO auth_token (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
      find: db.prepare(`SELECT a.user_id, a.user_uuid, a.username, a.role, t.created_at, t.expires_at
        FROM auth_token t JOIN account a ON a.user_id = t.user_id WHERE t.token_hash = ?`),
      remove: db.prepare('DELETE FROM auth_token WHERE token_hash = ?'),
      removeOthers: db.prepare('DELETE FROM auth_token WHERE user_id = ? AND token_hash IS NOT ?'),
      removeExpired: db.prepare('DELETE FROM auth_token WHERE expires_at <= ?')
    }
  }

  issueLoginToken(userId: number): string {
    const token = randomBytes(32).toString('base64url')
    const now = this.now()
    this.stmts.removeExpired.run(now)
    this.stmts.insert.run(sha256(token), userId, now, now + this.tokenTtlMs)
    return token
  }

  revokeLoginToken(token: string): void {
    this.stmts.remove.run(sha256(token))
  }

  /** Logs a user out everywhere except, optionally, the session making the change (after a password change). */
  revokeUserTokens(userId: number, keep?: string): void {
    this.stmts.removeOthers.run(userId, keep ? sha256(keep) : null)
  }

  /** The user a login token belongs to, or null when it is unknown, revoked or expired. */
  userForToken(token: string | undefined): AuthUser | null {
    if (!token || token.length > 200) return null
    const row = this.stmts.find.get(sha256(token)) as
      | { user_id: number; user_uuid: string; username: string; role: Role; created_at: number; expires_at: number }
      | undefined
    if (!row || row.expires_at <= this.now()) return null
    return {
      userId: row.user_id,
      userUuid: row.user_uuid,
      username: row.username,
      role: row.role,
      isAdmin: row.role === ROLE.admin,
      issuedAt: row.created_at
    }
  }
}

/** The login token a request carries: `Authorization: Bearer <token>` or the `umami.auth` cookie. */
export function requestToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header) {
    const space = header.indexOf(' ')
    if (space > 0 && header.slice(0, space).toLowerCase() === 'bearer') return header.slice(space + 1).trim()
  }
  const cookie = request.cookies?.[AUTH_COOKIE]
  return cookie || undefined
}

export function shareTokenOf(request: FastifyRequest): string | undefined {
  const value = request.headers[SHARE_TOKEN_HEADER] ?? request.headers['x-umami-token']
  return typeof value === 'string' ? value : undefined
}

/** Who is calling: a logged-in user, or nobody. Cached on the request. */
export function currentUser(request: FastifyRequest): AuthUser | null {
  if (request.authUser === undefined) request.authUser = request.server.ctx.auth.userForToken(requestToken(request))
  return request.authUser
}

export function requireUser(request: FastifyRequest): AuthUser {
  const user = currentUser(request)
  if (!user) throw unauthorized()
  return user
}

export function requireAdmin(request: FastifyRequest): AuthUser {
  const user = requireUser(request)
  if (!user.isAdmin) throw unauthorized()
  return user
}

/**
 * Dashi's own admin-only routes (inspector, profiles, replays, housekeeping): they reach every website's
 * data or stored credentials. 401 without a login; 403 for a share link (a login to one website's numbers)
 * and for a user who is not an admin, each saying what `action` needed.
 */
export function requireDashiAdmin(request: FastifyRequest, action: string): AuthUser {
  const user = currentUser(request)
  if (!user) throw shareTokenOf(request) ? forbidden(`A share link cannot ${action}.`) : unauthorized()
  if (!user.isAdmin) throw forbidden(`Only admins can ${action}.`)
  return user
}

export interface WebsiteAccessRow {
  website_id: number
  website_uuid: string
  user_id: number
  share_id: string | null
}

/**
 * Read access to a website's data: a valid share token for this website (issued while its share URL is
 * on, and that URL still on), or its owner, or an admin. Share tokens never grant writes.
 */
export function assertCanView(request: FastifyRequest, website: WebsiteAccessRow): void {
  const shareToken = shareTokenOf(request)
  if (shareToken && shareToken !== 'undefined') {
    const claims = request.server.ctx.auth.share.verify(shareToken)
    if (claims && claims.website_id === website.website_id && website.share_id && claims.share_id === website.share_id) return
    // A bad share token falls through to the login check, so a logged-in owner is never locked out.
  }
  const user = currentUser(request)
  if (!user) throw unauthorized()
  if (!user.isAdmin && user.userId !== website.user_id) throw unauthorized()
}

/** Changes to a website (edit, reset, delete): owner or admin, by login only; view-only users never. */
export function assertCanManage(request: FastifyRequest, website: WebsiteAccessRow): AuthUser {
  const user = requireUser(request)
  if (!user.isAdmin && user.userId !== website.user_id) throw unauthorized()
  if (user.role === ROLE.viewOnly) throw forbidden('View-only users cannot change websites.')
  return user
}

export { AppError }
