import { EVENT_TYPE } from '../src/shared/constants'
import { campaignParams, type DataRow, flattenData, type Hit, referrerDomain } from '../src/server/collect/hit'
import { hashUuid } from '../src/server/collect/ids'
import type { TestServer } from './helpers'

/**
 * Event factories for tests of the current API: hits written through the server's real group-commit
 * writer (the same path /api/send takes after parsing), at exact times, with every field the current
 * dialect knows. `session` names a visitor; `visit` names a visit of that visitor (default: one visit
 * per visitor and clock hour, as server-side senders get).
 */
export interface HitSpec {
  websiteId: number
  at: number | string
  session?: string
  visit?: string
  type?: 'pageview' | 'event'
  path?: string
  query?: string | null
  referrer?: string | null
  title?: string | null
  eventName?: string | null
  tag?: string | null
  hostname?: string | null
  data?: Record<string, unknown>
  browser?: string | null
  os?: string | null
  device?: string | null
  screen?: string | null
  language?: string | null
  country?: string | null
  distinctId?: string | null
}

const SECRET = 'test-fixtures'

export function buildHit(spec: HitSpec): Hit {
  const createdAt = typeof spec.at === 'string' ? Date.parse(spec.at) : spec.at
  const sessionKey = spec.session ?? 'visitor'
  const sessionUuid = hashUuid(SECRET, String(spec.websiteId), sessionKey)
  const visitKey = spec.visit ?? String(Math.floor(createdAt / 3_600_000))
  const query = spec.query ?? null
  const referrer = spec.referrer ?? null
  const isEvent = spec.type === 'event' || (spec.type === undefined && spec.eventName != null)
  const data: DataRow[] = spec.data ? flattenData(spec.data) : []
  return {
    websiteId: spec.websiteId,
    sessionUuid,
    visitId: hashUuid(SECRET, sessionUuid, visitKey),
    createdAt,
    eventType: isEvent ? EVENT_TYPE.customEvent : EVENT_TYPE.pageView,
    urlPath: spec.path ?? '/',
    urlQuery: query,
    referrer,
    referrerDomain: referrerDomain(referrer),
    pageTitle: spec.title ?? null,
    eventName: isEvent ? (spec.eventName ?? 'event') : null,
    tag: spec.tag ?? null,
    hostname: spec.hostname ?? 'example.com',
    ...campaignParams(query),
    // Session attributes: a default when left out, unknown (null) when given as null.
    session: {
      hostname: spec.hostname ?? 'example.com',
      browser: spec.browser === undefined ? 'chrome' : spec.browser,
      os: spec.os === undefined ? 'Windows 10' : spec.os,
      device: spec.device === undefined ? 'desktop' : spec.device,
      screen: spec.screen === undefined ? '1920x1080' : spec.screen,
      language: spec.language === undefined ? 'en-US' : spec.language,
      country: spec.country === undefined ? 'DE' : spec.country,
      distinctId: spec.distinctId ?? null
    },
    data
  }
}

/** Writes hits in order through the server's writer and waits until all are committed. */
export async function writeHits(server: TestServer, specs: HitSpec[]): Promise<void> {
  for (const spec of specs) await server.app.ctx.writer.write(buildHit(spec))
}

