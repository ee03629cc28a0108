import { hash } from 'node:crypto'
import { validate as uuidValidate } from 'uuid'
import { BoundedCache } from '../lib/bounded-cache'

/** The DNS namespace of RFC 4122, as bytes. */
const DNS_NAMESPACE = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex')

// One-shot hashing (crypto.hash) skips the Hash object createHash builds: this runs for each new visitor and visit.
const sha512 = (value: string) => hash('sha512', value, 'hex')

/**
 * UUIDv5 (RFC 4122 §4.3) of `name` in the DNS namespace. The uuid package re-parses its namespace on
 * every call; this runs for each new visitor and visit, so the namespace is kept as bytes (test-checked
 * against the package).
 */
export function uuidV5(name: string): string {
  const h = hash('sha1', Buffer.concat([DNS_NAMESPACE, Buffer.from(name)]), 'buffer')
  h[6] = (h[6]! & 0x0f) | 0x50
  h[8] = (h[8]! & 0x3f) | 0x80
  const x = h.toString('hex', 0, 16)
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

/** Umami's id rule: UUIDv5 (DNS namespace) of SHA-512-hex of the parts followed by the secret. */
export function hashUuid(secret: string, ...parts: string[]): string {
  return uuidV5(sha512(parts.join('') + secret))
}

/** A salt per period start, remembered: nearly every hit falls in the current month and hour. */
function periodSalt(periodStart: (t: number) => number) {
  let lastStart = NaN
  let lastSalt = ''
  const salt = (t: number): string => {
    const start = periodStart(t)
    if (start !== lastStart) {
      lastSalt = sha512(new Date(start).toUTCString())
      lastStart = start
    }
    return lastSalt
  }
  return Object.assign(salt, { start: periodStart })
}

/** Start of the UTC month of `t`, hashed: a visitor's session id changes every month, and no IP is stored. */
export const monthSalt = periodSalt((t) => {
  const d = new Date(t)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
})

export const hourSalt = periodSalt((t) => Math.floor(t / 3_600_000) * 3_600_000)

/**
 * Ids computed lately, per install secret, by a short key naming their inputs (the period's start rather
 * than its 128-character salt, no secret): a visitor's hits within the hour ask for the same session and
 * visit ids, and a shorter key is cheaper to hash on every lookup.
 */
const ID_CACHE_SIZE = 10_000
const idCaches = new Map<string, BoundedCache<string, string>>()

function memo(secret: string, key: string, compute: () => string): string {
  let cache = idCaches.get(secret)
  if (cache === undefined) {
    // Tests build many apps with their own secrets in one process; an install has one.
    if (idCaches.size >= 16) idCaches.clear()
    cache = new BoundedCache<string, string>(ID_CACHE_SIZE)
    idCaches.set(secret, cache)
  }
  let id = cache.get(key)
  if (id === undefined) {
    id = compute()
    cache.set(key, id)
  }
  return id
}

/**
 * The session of a hit: website + client IP + user agent + the month of the event, keyed by the install
 * secret; or website + distinct id when the sender identifies the visitor. Both dialects use this rule, so
 * a visitor tracked through /api/collect and /api/send is one session.
 */
export function sessionUuid(secret: string, websiteUuid: string, ip: string, userAgent: string, t: number, distinctId?: string): string {
  if (distinctId) return memo(secret, `d\n${websiteUuid}\n${distinctId}`, () => hashUuid(secret, websiteUuid, distinctId))
  return memo(secret, `s\n${websiteUuid}\n${monthSalt.start(t)}\n${ip}\n${userAgent}`, () =>
    hashUuid(secret, websiteUuid, ip, userAgent, monthSalt(t))
  )
}

/** A visit is the session within one clock hour, unless a cache token carries it on (see collect/cache-token). */
export function visitUuid(secret: string, sessionId: string, t: number): string {
  return memo(secret, `v\n${sessionId}\n${hourSalt.start(t)}`, () => hashUuid(secret, sessionId, hourSalt(t)))
}

export const isUuid = (value: unknown): value is string => typeof value === 'string' && uuidValidate(value)
