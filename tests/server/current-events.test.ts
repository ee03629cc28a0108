import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildHit, type HitSpec, writeHits } from '../current-helpers'
import { bearer, createTestServer, createWebsiteV1, login, type TestServer } from '../helpers'

// /api/websites/:id/events, /events/series and /events/stats of the current API.

let server: TestServer
let token: string
let site: Website

type Website = Awaited<ReturnType<typeof createWebsiteV1>>
type Hit = Omit<HitSpec, 'websiteId'>

const ms = (iso: string) => Date.parse(iso)
const DAY = { startAt: ms('2026-01-10T00:00:00Z'), endAt: ms('2026-01-11T00:00:00Z') }

const ann = { session: 'ann', browser: 'chrome', country: 'DE' }
const ben = { session: 'ben', browser: 'firefox', country: 'FR', os: 'Linux', device: 'laptop' }
const cat = { session: 'cat', browser: 'safari', country: 'US' }

/**
 * In the day: ann a1 view /home?x=1 (from google) 10:00, signup (with data) 10:05, click 10:10;
 * ben b1 view /pricing (internal referrer) 11:00, signup 11:30; ben b2 click /docs 13:00; cat signup 10:20.
 * The day before: one signup (the previous window).
 */
const HITS: Hit[] = [
  { ...ann, visit: 'a1', at: '2026-01-10T10:00:00Z', path: '/home', query: 'x=1', referrer: 'https://www.google.com/search?q=dashi', title: 'Home' },
  { ...ann, visit: 'a1', at: '2026-01-10T10:05:00Z', path: '/home', eventName: 'signup', data: { plan: 'pro' } },
  { ...ann, visit: 'a1', at: '2026-01-10T10:10:00Z', path: '/pricing', eventName: 'click' },
  { ...ben, visit: 'b1', at: '2026-01-10T11:00:00Z', path: '/pricing', referrer: '/home?from=nav' },
  { ...ben, visit: 'b1', at: '2026-01-10T11:30:00Z', path: '/pricing', eventName: 'signup' },
  { ...ben, visit: 'b2', at: '2026-01-10T13:00:00Z', path: '/docs', eventName: 'click' },
  { ...cat, visit: 'c1', at: '2026-01-10T10:20:00Z', path: '/home', eventName: 'signup' },
  { session: 'old', visit: 'o1', at: '2026-01-09T12:00:00Z', path: '/home', eventName: 'signup' }
]

beforeAll(async () => {
  server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  token = await login(server.app)
  site = await createWebsiteV1(server.app, token, { name: 'Events', domain: 'example.com' })
  await writeHits(
    server,
    HITS.map((h) => ({ ...h, websiteId: site.website_id }))
  )
})

afterAll(async () => {
  await server.close()
})

function get(endpoint: string, query: Record<string, string | number>, headers: Record<string, string> = bearer(token)) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
  return server.app.inject({ method: 'GET', url: `/api/websites/${site.website_uuid}/${endpoint}?${qs}`, headers })
}

async function ok(endpoint: string, query: Record<string, string | number>) {
  const res = await get(endpoint, query)
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

const sessionUuid = (session: string) => buildHit({ websiteId: site.website_id, at: 0, session }).sessionUuid

describe('GET /api/websites/:id/events', () => {
  test('lists events of every kind in the range, newest first, paged', async () => {
    const body = await ok('events', DAY)
    expect(body.count).toBe(7)
    expect(body.page).toBe(1)
    expect(body.pageSize).toBe(20)
    expect(body.data.map((e: { createdAt: string; eventName: string | null }) => [e.createdAt, e.eventName])).toEqual([
      ['2026-01-10T13:00:00.000Z', 'click'],
      ['2026-01-10T11:30:00.000Z', 'signup'],
      ['2026-01-10T11:00:00.000Z', null],
      ['2026-01-10T10:20:00.000Z', 'signup'],
      ['2026-01-10T10:10:00.000Z', 'click'],
      ['2026-01-10T10:05:00.000Z', 'signup'],
      ['2026-01-10T10:00:00.000Z', null]
    ])
    const ids = body.data.map((e: { id: string }) => e.id)
    expect(ids.every((id: unknown) => typeof id === 'string' && /^\d+$/.test(id as string))).toBe(true)
    expect(new Set(ids).size).toBe(7)

    const second = await ok('events', { ...DAY, page: 2, pageSize: 2 })
    expect(second).toMatchObject({ count: 7, page: 2, pageSize: 2 })
    expect(second.data.map((e: { createdAt: string }) => e.createdAt)).toEqual(['2026-01-10T11:00:00.000Z', '2026-01-10T10:20:00.000Z'])
  })

  test('each item carries the page, referrer parts, session attributes and whether it has data', async () => {
    const { data } = await ok('events', DAY)
    const view = data[6]
    expect(view).toEqual({
      id: view.id,
      websiteId: site.website_uuid,
      sessionId: sessionUuid('ann'),
      distinctId: null,
      createdAt: '2026-01-10T10:00:00.000Z',
      hostname: 'example.com',
      urlPath: '/home',
      urlQuery: 'x=1',
      referrerPath: '/search',
      referrerQuery: 'q=dashi',
      referrerDomain: 'google.com',
      country: 'DE',
      city: null,
      device: 'desktop',
      os: 'Windows 10',
      browser: 'chrome',
      pageTitle: 'Home',
      eventType: 1,
      eventName: null,
      hasData: false
    })
    // ann's signup carried properties; it is a custom event (type 2).
    expect(data[5]).toMatchObject({ eventName: 'signup', eventType: 2, hasData: true, sessionId: sessionUuid('ann') })
    // ben's internal referrer "/home?from=nav": a path and a query, no domain.
    expect(data[2]).toMatchObject({
      urlPath: '/pricing',
      referrerPath: '/home',
      referrerQuery: 'from=nav',
      referrerDomain: null,
      browser: 'firefox',
      os: 'Linux',
      device: 'laptop',
      sessionId: sessionUuid('ben')
    })
  })

  test('search matches the event name or the path; filters narrow the list', async () => {
    const signups = await ok('events', { ...DAY, search: 'sign' })
    expect(signups).toMatchObject({ count: 3, search: 'sign' })
    // /pricing: ann's click, ben's view and signup.
    expect((await ok('events', { ...DAY, search: 'pricing' })).count).toBe(3)
    const firefox = await ok('events', { ...DAY, browser: 'eq.firefox' })
    expect(firefox.count).toBe(3)
    expect(new Set(firefox.data.map((e: { sessionId: string }) => e.sessionId))).toEqual(new Set([sessionUuid('ben')]))
  })

  test('bad paging is a 400', async () => {
    const bad: Record<string, string | number>[] = [{ page: 0 }, { pageSize: 5000 }, { page: 'two' }]
    for (const query of bad) {
      expect((await get('events', { ...DAY, ...query })).statusCode).toBe(400)
    }
  })

  test('nobody logged in gets 401 in the v3 envelope', async () => {
    const res = await get('events', DAY, {})
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: { message: 'Unauthorized', code: 'unauthorized', status: 401 } })
  })
})

describe('GET /api/websites/:id/events/series', () => {
  test('custom events per name and bucket, in time order', async () => {
    // Hour buckets: 10:xx signup ×2 (ann, cat) and click (ann); 11:xx signup (ben); 13:xx click (ben).
    expect(await ok('events/series', { ...DAY, unit: 'hour' })).toEqual([
      { x: 'click', t: '2026-01-10T10:00:00Z', y: 1 },
      { x: 'signup', t: '2026-01-10T10:00:00Z', y: 2 },
      { x: 'signup', t: '2026-01-10T11:00:00Z', y: 1 },
      { x: 'click', t: '2026-01-10T13:00:00Z', y: 1 }
    ])
  })

  test('limit keeps the most frequent event names', async () => {
    // signup 3, click 2.
    expect(await ok('events/series', { ...DAY, unit: 'hour', limit: 1 })).toEqual([
      { x: 'signup', t: '2026-01-10T10:00:00Z', y: 2 },
      { x: 'signup', t: '2026-01-10T11:00:00Z', y: 1 }
    ])
  })

  test('wall-clock buckets in the zone asked for, legacy zone names included', async () => {
    // Kolkata is UTC+05:30: 10:05, 10:10, 10:20 → 15:xx; 11:30 → 17:00; 13:00 → 18:30.
    const expected = [
      { x: 'click', t: '2026-01-10 15:00:00', y: 1 },
      { x: 'signup', t: '2026-01-10 15:00:00', y: 2 },
      { x: 'signup', t: '2026-01-10 17:00:00', y: 1 },
      { x: 'click', t: '2026-01-10 18:00:00', y: 1 }
    ]
    expect(await ok('events/series', { ...DAY, unit: 'hour', timezone: 'Asia/Kolkata' })).toEqual(expected)
    expect(await ok('events/series', { ...DAY, unit: 'hour', timezone: 'Asia/Calcutta' })).toEqual(expected)
  })

  test('filters narrow the series; bad unit, zone or limit is a 400', async () => {
    expect(await ok('events/series', { ...DAY, unit: 'day', event: 'click' })).toEqual([{ x: 'click', t: '2026-01-10T00:00:00Z', y: 2 }])
    const bad: Record<string, string | number>[] = [{ unit: 'fortnight' }, { timezone: 'Nowhere/Land' }, { limit: 'all' }, { limit: 0 }]
    for (const query of bad) {
      expect((await get('events/series', { ...DAY, ...query })).statusCode, JSON.stringify(query)).toBe(400)
    }
  })
})

describe('GET /api/websites/:id/events/stats', () => {
  test('events, visitors, visits and distinct names, with the previous window, inside data', async () => {
    // 5 custom events by ann, ben, cat in visits a1, b1, b2, c1; names signup and click.
    // The day before: one signup.
    expect(await ok('events/stats', DAY)).toEqual({
      data: {
        events: 5,
        visitors: 3,
        visits: 4,
        uniqueEvents: 2,
        comparison: { events: 1, visitors: 1, visits: 1, uniqueEvents: 1 }
      }
    })
  })

  test('filters and compare=yoy', async () => {
    // Clicks: ann (a1) and ben (b2).
    expect((await ok('events/stats', { ...DAY, event: 'eq.click' })).data).toMatchObject({ events: 2, visitors: 2, visits: 2, uniqueEvents: 1 })
    expect((await ok('events/stats', { ...DAY, compare: 'yoy' })).data.comparison).toEqual({ events: 0, visitors: 0, visits: 0, uniqueEvents: 0 })
  })
})
