import ipaddr from 'ipaddr.js'
import { BoundedCache } from './bounded-cache'

/**
 * Counts failures per key in fixed windows and says how long a key must wait once it has used up its
 * failures. Memory stays bounded (lib/bounded-cache.ts): a flood of new keys evicts the oldest counters,
 * never grows the process. Time comes from the caller's clock, so tests move it instead of sleeping.
 */
export class FailureThrottle {
  private readonly entries: BoundedCache<string, { failures: number; resetAt: number }>

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    capacity = 20_000
  ) {
    this.entries = new BoundedCache(capacity)
  }

  /** Milliseconds until `key` may try again; 0 while it has failures left. */
  retryAfterMs(key: string): number {
    const entry = this.entries.get(key)
    if (!entry || entry.failures < this.maxFailures) return 0
    return Math.max(0, entry.resetAt - this.now())
  }

  fail(key: string): void {
    const now = this.now()
    const entry = this.entries.get(key)
    if (entry && now < entry.resetAt) entry.failures++
    else this.entries.set(key, { failures: 1, resetAt: now + this.windowMs })
  }

  /** Takes back one failure (an attempt counted up front that turned out to succeed). */
  forgive(key: string): void {
    const entry = this.entries.get(key)
    if (entry && entry.failures > 0) entry.failures--
  }

  reset(key: string): void {
    // BoundedCache has no delete; an entry past its window counts as nothing.
    if (this.entries.get(key)) this.entries.set(key, { failures: 0, resetAt: 0 })
  }

  /** Counters held: never more than the capacity, however many keys fail. */
  get size(): number {
    return this.entries.size
  }
}

export interface LoginThrottleOptions {
  /** Failed logins allowed per client address and per username within one window. */
  maxFailures: number
  windowMs: number
}

/**
 * An IPv6 client usually holds a whole /64, so one address per attempt would dodge a per-address limit:
 * IPv6 addresses are counted by their /64, IPv4 ones whole.
 */
export function clientKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip
  const addr = ipaddr.parse(ip)
  if (addr.kind() === 'ipv4') return addr.toString()
  const v6 = addr as ipaddr.IPv6
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString()
  return `${v6.parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`
}

/**
 * Login throttling: per client address (guessing many accounts from one place) and per username (one
 * account guessed from many places). An attempt counts as failed from the moment it starts, so a burst of
 * parallel guesses cannot all slip in while the password hashes are still being checked. A success takes
 * back its own count for the address and clears its username's counter; it does not clear the address,
 * or anyone with one account could reset their limit between guesses at others.
 */
export class LoginThrottle {
  private readonly byClient: FailureThrottle
  private readonly byUser: FailureThrottle

  constructor(options: LoginThrottleOptions, now: () => number) {
    this.byClient = new FailureThrottle(options.maxFailures, options.windowMs, now)
    this.byUser = new FailureThrottle(options.maxFailures, options.windowMs, now)
  }

  /** Whole seconds the caller must wait before trying again, or 0 when it may try now. */
  retryAfterSeconds(ip: string, username: string): number {
    const ms = Math.max(this.byClient.retryAfterMs(clientKey(ip)), this.byUser.retryAfterMs(userKey(username)))
    return ms > 0 ? Math.ceil(ms / 1000) : 0
  }

  /** Counts an attempt as failed until `succeeded` says otherwise. */
  attempt(ip: string, username: string): void {
    this.byClient.fail(clientKey(ip))
    this.byUser.fail(userKey(username))
  }

  succeeded(ip: string, username: string): void {
    this.byClient.forgive(clientKey(ip))
    this.byUser.reset(userKey(username))
  }
}

/** Usernames are counted case-folded, so "Admin" and "admin" share one limit whatever the lookup does. */
const userKey = (username: string) => username.normalize('NFC').toLowerCase()
