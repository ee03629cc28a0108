import { createHmac, timingSafeEqual } from 'node:crypto'
import { BoundedCache } from './bounded-cache'

/**
 * Compact HS256 JWTs (RFC 7519) for the tokens Dashi issues itself: share, realtime and collect-cache
 * tokens. Only one header is ever issued, so verifying compares the header segment as text and never
 * parses an algorithm from the token (no "alg: none" or key-confusion path). Written here rather than
 * taken from a JWT library because the cache token is signed and checked on every hit: a general
 * library cost ~20 µs a hit, this costs ~3.
 */

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')
const MAX_TOKEN_LENGTH = 4096

export type Claims = Record<string, unknown>

export interface TokenKind {
  sign(claims: Claims): string
  /** The claims, or null when the token is malformed, forged or of another kind. */
  verify(token: string | undefined): Claims | null
}

/** Tokens already verified, by their exact text: a tracker sends the same cache token with every hit. */
const VERIFIED_CACHE_SIZE = 20_000

/** A copy of claims; flat claims of primitives (every token Dashi issues) skip the JSON round trip. */
function structuredCopy(claims: Claims): Claims {
  for (const key in claims) {
    const value = claims[key]
    if (value !== null && typeof value === 'object') return JSON.parse(JSON.stringify(claims)) as Claims
  }
  return { ...claims }
}

export function signedTokenKind(key: string): TokenKind {
  const mac = (data: string) => createHmac('sha256', key).update(data).digest()
  const verified = new BoundedCache<string, Claims>(VERIFIED_CACHE_SIZE)
  const remember = (token: string, claims: Claims) => verified.set(token, claims)
  const check = (token: string): Claims | null => {
    if (token.length > MAX_TOKEN_LENGTH || !token.startsWith(HEADER + '.')) return null
    const dot = token.lastIndexOf('.')
    if (dot <= HEADER.length) return null
    const signature = Buffer.from(token.slice(dot + 1), 'base64url')
    const expected = mac(token.slice(0, dot))
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null
    try {
      const claims: unknown = JSON.parse(Buffer.from(token.slice(HEADER.length + 1, dot), 'base64url').toString('utf8'))
      return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Claims) : null
    } catch {
      return null
    }
  }
  return {
    sign(claims) {
      const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
      const token = `${body}.${mac(body).toString('base64url')}`
      // The tracker sends this token back with its next hit: knowing it already saves that hit the HMAC.
      // A copy, so the caller's later changes to its object cannot change what the token is known to say.
      remember(token, structuredCopy(claims))
      return token
    },
    verify(token) {
      if (!token) return null
      const known = verified.get(token)
      if (known) return { ...known }
      const claims = check(token)
      if (claims) {
        remember(token, claims)
        return { ...claims }
      }
      return null
    }
  }
}
