import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildHit, type HitSpec, writeHits } from '../current-helpers'
import { bearer, createTestServer, createUserV1, createWebsiteV1, login, type TestServer } from '../helpers'

// /api/realtime/:id, /api/websites/:id/active and /daterange of the current API. The server clock
// stands at 2026-01-15 12:00Z (TestClock's default); realtime covers 11:30–12:00, "active" 11:55–12:00.

let server: TestServer
let token: string
let site: Website

type Website = Awaited<ReturnType<typeof createWebsiteV1>>
type Hit = Omit<HitSpec, 'websiteId'>

const NOW = Date.parse('2026-01-15T12:00:00Z')

const ann = { session: 'ann', country: 'DE', browser: 'chrome' }
const ben = { session: 'ben', country: 'FR', browser: 'firefox', os: 'Mac OS', device: 'mobile' }
const cat = { session: 'cat', country: 'DE', browser: 'safari' }

const HITS: Hit[] = [
  // Before the window: 11:20, and one millisecond before 11:30.
  { session: 'old', at: '2026-01-15T11:20:00Z', path: '/old' },
  { session: 'edge', at: Date.parse('2026-01-15T11:30:00Z') - 1, path: '/old' },
  { ...ann, visit: 'a', at: '2026-01-15T11:40:00Z', path: '/a', referrer: 'https://google.com/' },
  { ...ann, visit: 'a', at: '2026-01-15T11:41:00Z', path: '/b', referrer: 'https://example.com/a' },
  { ...ben, visit: 'b', at: '2026-01-15T11:50:00Z', path: '/a', referrer: 'https://t.co/x' },
  { ...cat, visit: 'c', at: '2026-01-15T11:56:00Z', path: '/c' },
  { ...ann, visit: 'a', at: '2026-01-15T11:58:00Z', path: '/b', eventName: 'signup' }
]

beforeAll(async () => {
  server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  token = await login(server.app)
  site = await createWebsiteV1(server.app, token, { name: 'Live', domain: 'example.com', enable_share_url: true })
  await writeHits(
    server,
    HITS.map((h) => ({ ...h, websiteId: site.website_id }))
  )
})

afterAll(async () => {
  await server.close()
})

const realtime = (query = '', headers: Record<string, string> = bearer(token)) =>
  server.app.inject({ method: 'GET', url: `/api/realtime/${site.website_uuid}${query}`, headers })

const sessionUuid = (session: string) => buildHit({ websiteId: site.website_id, at: 0, session }).sessionUuid

describe('GET /api/realtime/:websiteId', () => {
  test('sums up the last 30 minutes', async () => {
    server.clock.set(NOW)
    const res = await realtime()
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    // Visitors per country: ann and cat (DE), ben (FR). Views per path and outside referrer (example.com is the site).
    expect(body.countries).toEqual({ DE: 2, FR: 1 })
    expect(body.urls).toEqual({ '/a': 2, '/b': 1, '/c': 1 })
    expect(body.referrers).toEqual({ 'google.com': 1, 't.co': 1 })
    expect(body.series).toEqual({
      views: [
        { x: '2026-01-15T11:40:00Z', y: 1 },
        { x: '2026-01-15T11:41:00Z', y: 1 },
        { x: '2026-01-15T11:50:00Z', y: 1 },
        { x: '2026-01-15T11:56:00Z', y: 1 }
      ],
      visitors: [
        { x: '2026-01-15T11:40:00Z', y: 1 },
        { x: '2026-01-15T11:41:00Z', y: 1 },
        { x: '2026-01-15T11:50:00Z', y: 1 },
        { x: '2026-01-15T11:56:00Z', y: 1 }
      ]
    })
    expect(body.totals).toEqual({ views: 4, visitors: 3, events: 1, countries: 2 })
    expect(body.timestamp).toBe(NOW)
  })

  test('lists the activity newest first, each visitor introduced by a session entry before their first event', async () => {
    server.clock.set(NOW)
    const { events } = (await realtime()).json()
    expect(events.map((e: { __type: string; sessionId: string; createdAt: string }) => [e.__type, e.sessionId, e.createdAt])).toEqual([
      ['event', sessionUuid('ann'), '2026-01-15T11:58:00.000Z'],
      ['pageview', sessionUuid('cat'), '2026-01-15T11:56:00.000Z'],
      ['session', sessionUuid('cat'), '2026-01-15T11:56:00.000Z'],
      ['pageview', sessionUuid('ben'), '2026-01-15T11:50:00.000Z'],
      ['session', sessionUuid('ben'), '2026-01-15T11:50:00.000Z'],
      ['pageview', sessionUuid('ann'), '2026-01-15T11:41:00.000Z'],
      ['pageview', sessionUuid('ann'), '2026-01-15T11:40:00.000Z'],
      ['session', sessionUuid('ann'), '2026-01-15T11:40:00.000Z']
    ])
    expect(events[3]).toEqual({
      __type: 'pageview',
      sessionId: sessionUuid('ben'),
      urlPath: '/a',
      referrerDomain: 't.co',
      country: 'FR',
      eventName: null,
      createdAt: '2026-01-15T11:50:00.000Z',
      browser: 'firefox',
      os: 'Mac OS',
      device: 'mobile',
      hostname: 'example.com'
    })
    expect(events[0]).toMatchObject({ eventName: 'signup', urlPath: '/b' })
  })

  test('honours filters', async () => {
    server.clock.set(NOW)
    const body = (await realtime('?country=FR')).json()
    expect(body.countries).toEqual({ FR: 1 })
    expect(body.urls).toEqual({ '/a': 1 })
    expect(body.totals).toEqual({ views: 1, visitors: 1, events: 0, countries: 1 })
    expect(body.events.map((e: { __type: string }) => e.__type)).toEqual(['pageview', 'session'])
  })

  test('minute labels are wall-clock in the zone asked for', async () => {
    server.clock.set(NOW)
    // Kolkata is UTC+05:30: 11:40Z is 17:10 there.
    const body = (await realtime('?timezone=Asia/Kolkata')).json()
    expect(body.series.views.map((p: { x: string }) => p.x)).toEqual([
      '2026-01-15 17:10:00',
      '2026-01-15 17:11:00',
      '2026-01-15 17:20:00',
      '2026-01-15 17:26:00'
    ])
    expect((await realtime('?timezone=Moon/Base')).statusCode).toBe(400)
  })

  test('the window follows the clock', async () => {
    // At 12:20 the window starts at 11:50: ben's view, cat's view, ann's event.
    server.clock.set(NOW + 20 * 60_000)
    const body = (await realtime()).json()
    expect(body.totals).toEqual({ views: 2, visitors: 3, events: 1, countries: 2 })
    expect(body.urls).toEqual({ '/a': 1, '/c': 1 })
    server.clock.set(NOW)
  })

  test('a share token reads it; nobody and other users get 401', async () => {
    server.clock.set(NOW)
    const share = await server.app.inject({ method: 'GET', url: `/api/share/${site.share_id}` })
    const shared = await realtime('', { 'x-umami-share-token': share.json().token })
    expect(shared.statusCode).toBe(200)
    expect(shared.json().totals.views).toBe(4)

    const sam = await createUserV1(server.app, token, 'sam-live', 'sam-pass')
    for (const headers of [{}, bearer(sam.token)]) {
      const res = await realtime('', headers)
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual({ error: { message: 'Unauthorized', code: 'unauthorized', status: 401 } })
    }
  })
})

describe('GET /api/websites/:id/active', () => {
  const active = () => server.app.inject({ method: 'GET', url: `/api/websites/${site.website_uuid}/active`, headers: bearer(token) })

  test('counts visitors with any event in the last five minutes', async () => {
    // 11:55–12:00: cat's view (11:56) and ann's custom event (11:58).
    server.clock.set(NOW)
    expect((await active()).json()).toEqual({ visitors: 2 })
    // 11:58–12:03: ann's event only.
    server.clock.set(NOW + 3 * 60_000)
    expect((await active()).json()).toEqual({ visitors: 1 })
    server.clock.set(NOW + 60 * 60_000)
    expect((await active()).json()).toEqual({ visitors: 0 })
    server.clock.set(NOW)
  })
})

describe('GET /api/websites/:id/daterange', () => {
  test('the first and last event times, or nulls for a website without data', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/api/websites/${site.website_uuid}/daterange`, headers: bearer(token) })
    expect(res.json()).toEqual({ startDate: '2026-01-15T11:20:00.000Z', endDate: '2026-01-15T11:58:00.000Z' })

    const empty = await createWebsiteV1(server.app, token, { name: 'Empty', domain: 'empty.example' })
    const none = await server.app.inject({ method: 'GET', url: `/api/websites/${empty.website_uuid}/daterange`, headers: bearer(token) })
    expect(none.json()).toEqual({ startDate: null, endDate: null })

    const anonymous = await server.app.inject({ method: 'GET', url: `/api/websites/${empty.website_uuid}/daterange` })
    expect(anonymous.statusCode).toBe(401)
  })
})
