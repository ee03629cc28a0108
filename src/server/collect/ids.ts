import { createHash } from 'node:crypto'
import { validate as uuidValidate } from 'uuid'
import { BoundedCache } from '../lib/bounded-cache'

/** The DNS namespace of RFC 4122, as bytes. */
const DNS_NAMESPACE = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex')

const sha512 = (value: string) => createHash('sha512').update(value).digest('hex')

/**
 * UUIDv5 (RFC 4122 §4.3) of `name` in the DNS namespace. The uuid package re-parses its namespace on
 * every call; this runs for each new visitor and visit, so the namespace is kept as bytes (test-checked
 * against the package).
 */
export function uuidV5(name: string): string {
  const h = createHash('sha1').update(DNS_NAMESPACE).update(name).digest()
  h[6] = (h[6]! & 0x0f) | 0x50
  h[8] = (h[8]! & 0x3f) | 0x80
  const x = h.toString('hex', 0, 16)
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

/** Ids computed lately, by their input: a visitor's hits within the hour ask for the same session and visit ids. */
const ID_CACHE_SIZE = 10_000
const idCache = new BoundedCache<string, string>(ID_CACHE_SIZE)

/** Umami's id rule: UUIDv5 (DNS namespace) of SHA-512-hex of the parts followed by the secret. */
export function hashUuid(secret: string, ...parts: string[]): string {
  const input = parts.join('') + secret
  let id = idCache.get(input)
  if (id === undefined) {
    id = uuidV5(sha512(input))
    idCache.set(input, id)
  }
  return id
}

/** A salt per period start, remembered: nearly every hit falls in the current month and hour. */
function periodSalt(periodStart: (t: number) => number) {
  let lastStart = NaN
  let lastSalt = ''
  return (t: number): string => {
    const start = periodStart(t)
    if (start !== lastStart) {
      lastSalt = sha512(new Date(start).toUTCString())
      lastStart = start
    }
    return lastSalt
  }
}

/** Start of the UTC month of `t`, hashed: a visitor's session id changes every month, and no IP is stored. */
export const monthSalt = periodSalt((t) => {
  const d = new Date(t)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
})

export const hourSalt = periodSalt((t) => Math.floor(t / 3_600_000) * 3_600_000)

/**
 * The session of a hit: website + client IP + user agent + the month of the event, keyed by the install
 * secret; or website + distinct id when the sender identifies the visitor. Both dialects use this rule, so
 * a visitor tracked through /api/collect and /api/send is one session.
 */
export function sessionUuid(secret: string, websiteUuid: string, ip: string, userAgent: string, t: number, distinctId?: string): string {
  return distinctId ? hashUuid(secret, websiteUuid, distinctId) : hashUuid(secret, websiteUuid, ip, userAgent, monthSalt(t))
}

/** A visit is the session within one clock hour, unless a cache token carries it on (see collect/cache-token). */
export function visitUuid(secret: string, sessionId: string, t: number): string {
  return hashUuid(secret, sessionId, hourSalt(t))
}

export const isUuid = (value: unknown): value is string => typeof value === 'string' && uuidValidate(value)
