import type { FastifyRequest } from 'fastify'
import { LIMITS } from '../../shared/constants'
import type { ServerConfig } from '../config'
import { countryOf, deviceType, deviceTypeV3, normalizeIp, parseUserAgent } from './client-info'
import { clip, type SessionInfo } from './hit'

/**
 * The client's address: the socket peer, or the configured proxy header when the user set one
 * (forwarding headers are trivially forged, so they are never trusted by default).
 */
export function clientIp(request: FastifyRequest, config: ServerConfig): string {
  if (config.clientIpHeader) {
    const raw = request.headers[config.clientIpHeader]
    const value = Array.isArray(raw) ? raw[0] : raw
    if (value) {
      // The first entry of the list (the original client), without splitting all of it.
      const comma = value.indexOf(',')
      const first = (comma === -1 ? value : value.slice(0, comma)).trim()
      if (first) return normalizeIp(first)
    }
  }
  return normalizeIp(request.socket.remoteAddress ?? '')
}

export function userAgentOf(request: FastifyRequest): string {
  const ua = request.headers['user-agent']
  return typeof ua === 'string' ? ua : ''
}

export function isBotAgent(userAgent: string, config: ServerConfig): boolean {
  return !config.disableBotCheck && parseUserAgent(userAgent).bot
}

/** Browser, OS, device, language, screen and country of a hit: what a session records at first sight. */
export function sessionInfo(
  userAgent: string,
  ip: string,
  fields: { hostname?: unknown; screen?: unknown; language?: unknown; distinctId?: string | null }
): SessionInfo {
  const { browser, os } = parseUserAgent(userAgent)
  const screen = clip(fields.screen, LIMITS.screen)
  return {
    hostname: clip(fields.hostname, LIMITS.hostname),
    browser: clip(browser, LIMITS.browser),
    os: clip(os, LIMITS.os),
    device: deviceType(screen, os),
    screen,
    language: clip(fields.language, LIMITS.language),
    country: countryOf(ip),
    distinctId: fields.distinctId ?? null
  }
}

/**
 * The same for /api/send: the device by Umami v3's rule (umami-v2.md §14), and the sender's own browser,
 * os and device when it names them (Umami v3.1 overrides; an empty string names nothing).
 */
export function sessionInfoV3(
  userAgent: string,
  ip: string,
  fields: { hostname?: unknown; screen?: unknown; language?: unknown; browser?: unknown; os?: unknown; device?: unknown },
  distinctId: string | null
): SessionInfo {
  const parsed = parseUserAgent(userAgent)
  const screen = clip(fields.screen, LIMITS.screen)
  return {
    hostname: clip(fields.hostname, LIMITS.hostname),
    browser: clip(fields.browser, LIMITS.browser) || clip(parsed.browser, LIMITS.browser),
    os: clip(fields.os, LIMITS.os) || clip(parsed.os, LIMITS.os),
    device: clip(fields.device, LIMITS.device) || deviceTypeV3(parsed.device, screen),
    screen,
    language: clip(fields.language, LIMITS.language),
    country: countryOf(ip),
    distinctId
  }
}
