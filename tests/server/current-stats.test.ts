import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type HitSpec, writeHits } from '../current-helpers'
import { bearer, createTestServer, createUserV1, createWebsiteV1, login, type TestServer } from '../helpers'

// /api/websites/:id/stats and /pageviews of the current API. Every test gets its own website, so the
// hits of one test never reach the numbers of another.

let server: TestServer
let token: string

beforeAll(async () => {
  server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  token = await login(server.app)
})

afterAll(async () => {
  await server.close()
})

type Website = Awaited<ReturnType<typeof createWebsiteV1>>
type Hit = Omit<HitSpec, 'websiteId'>

const ms = (iso: string) => Date.parse(iso)

async function siteWith(hits: Hit[], body: Record<string, unknown> = { name: 'Stats', domain: 'example.com' }): Promise<Website> {
  const site = await createWebsiteV1(server.app, token, body)
  await writeHits(
    server,
    hits.map((h) => ({ ...h, websiteId: site.website_id }))
  )
  return site
}

function get(site: Website, endpoint: string, query: Record<string, string | number>, headers: Record<string, string> = bearer(token)) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
  return server.app.inject({ method: 'GET', url: `/api/websites/${site.website_uuid}/${endpoint}?${qs}`, headers })
}

async function ok(site: Website, endpoint: string, query: Record<string, string | number>) {
  const res = await get(site, endpoint, query)
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

const DAY_10 = { startAt: ms('2026-01-10T00:00:00Z'), endAt: ms('2026-01-11T00:00:00Z') - 1 }

// One day of traffic, hand-counted below.
const DAY_HITS: Hit[] = [
  // Ann, visit 1: three pages over 125 s.
  { session: 'ann', visit: 'a1', at: '2026-01-10T10:00:00Z', path: '/a' },
  { session: 'ann', visit: 'a1', at: '2026-01-10T10:00:30Z', path: '/b' },
  { session: 'ann', visit: 'a1', at: '2026-01-10T10:02:05Z', path: '/c' },
  // Ann, visit 2: one page (a bounce).
  { session: 'ann', visit: 'a2', at: '2026-01-10T14:00:00Z', path: '/a' },
  // Ben: one page and a custom event in the same visit: still a bounce, the event is no view.
  { session: 'ben', visit: 'b1', at: '2026-01-10T10:30:00Z', path: '/a', browser: 'firefox' },
  { session: 'ben', visit: 'b1', at: '2026-01-10T10:31:00Z', path: '/a', eventName: 'signup', browser: 'firefox' },
  // Cid: custom events only: no visitor, no visit.
  { session: 'cid', visit: 'c1', at: '2026-01-10T11:00:00Z', path: '/a', eventName: 'ping' },
  // Dee: two pages 10.9 s apart: 10 whole seconds.
  { session: 'dee', visit: 'd1', at: '2026-01-10T09:59:59.500Z', path: '/x', country: 'FR' },
  { session: 'dee', visit: 'd1', at: '2026-01-10T10:00:10.400Z', path: '/y', country: 'FR' }
]

describe('GET /api/websites/:id/stats', () => {
  test('counts views, visitors, visits, bounces and time per visit', async () => {
    const site = await siteWith(DAY_HITS)
    const body = await ok(site, 'stats', DAY_10)
    // pageviews 3 + 1 + 1 + 2; visitors Ann, Ben, Dee (Cid sent only custom events); visits a1 a2 b1 d1;
    // bounces a2 and b1; time 125 (a1) + 10 (d1).
    expect(body).toEqual({
      pageviews: 7,
      visitors: 3,
      visits: 4,
      bounces: 2,
      totaltime: 135,
      comparison: { pageviews: 0, visitors: 0, visits: 0, bounces: 0, totaltime: 0 }
    })
  })

  test('splits visits by their visit id, not by clock hour', async () => {
    const site = await siteWith([
      // One visit across the hour: 20 minutes long.
      { session: 'eve', visit: 'long', at: '2026-01-10T10:50:00Z', path: '/a' },
      { session: 'eve', visit: 'long', at: '2026-01-10T11:10:00Z', path: '/b' },
      // Two visits within the same minute.
      { session: 'eve', visit: 'v2', at: '2026-01-10T15:00:00Z', path: '/a' },
      { session: 'eve', visit: 'v3', at: '2026-01-10T15:00:20Z', path: '/a' }
    ])
    expect(await ok(site, 'stats', DAY_10)).toMatchObject({ pageviews: 4, visitors: 1, visits: 3, bounces: 2, totaltime: 1200 })
  })

  test('range ends are inclusive and hits outside are left out', async () => {
    const site = await siteWith([
      { session: 's1', at: DAY_10.startAt },
      { session: 's2', at: DAY_10.endAt },
      { session: 's3', at: DAY_10.endAt + 1 },
      { session: 's4', at: DAY_10.startAt - 1 }
    ])
    expect(await ok(site, 'stats', DAY_10)).toMatchObject({ pageviews: 2, visitors: 2 })
  })

  test('compares with the window of the same length just before (compare=prev, the default)', async () => {
    const site = await siteWith([
      { session: 'now', at: '2026-01-10T12:00:00Z' },
      // 2026-01-09: in the previous 24 hours; 2026-01-08: before it.
      { session: 'p1', visit: 'p', at: '2026-01-09T08:00:00Z', path: '/a' },
      { session: 'p1', visit: 'p', at: '2026-01-09T08:01:00Z', path: '/b' },
      { session: 'p2', at: '2026-01-09T23:59:00Z' },
      { session: 'old', at: '2026-01-08T12:00:00Z' }
    ])
    // A whole number of minutes long, so the previous window is exactly 2026-01-09.
    const range = { startAt: ms('2026-01-10T00:00:00Z'), endAt: ms('2026-01-11T00:00:00Z') }
    const expected = { pageviews: 3, visitors: 2, visits: 2, bounces: 1, totaltime: 60 }
    expect((await ok(site, 'stats', range)).comparison).toEqual(expected)
    expect((await ok(site, 'stats', { ...range, compare: 'prev' })).comparison).toEqual(expected)
  })

  test('compare=yoy compares with the same window a year earlier', async () => {
    const site = await siteWith([
      { session: 'now', at: '2026-01-10T12:00:00Z' },
      { session: 'y1', at: '2025-01-10T09:00:00Z' },
      { session: 'y2', at: '2025-01-10T18:00:00Z' },
      // The day before a year ago is outside.
      { session: 'y3', at: '2025-01-09T18:00:00Z' }
    ])
    const body = await ok(site, 'stats', { ...DAY_10, compare: 'yoy' })
    expect(body.pageviews).toBe(1)
    expect(body.comparison).toEqual({ pageviews: 2, visitors: 2, visits: 2, bounces: 2, totaltime: 0 })
  })

  test('filters in v3 (op.value) and v2 (prefix) syntax change the numbers', async () => {
    const site = await siteWith(DAY_HITS)
    // Views of /a: Ann a1 and a2, Ben b1 → 3 views, 2 visitors, 3 visits, each visit one /a view (3 bounces).
    const onA = { pageviews: 3, visitors: 2, visits: 3, bounces: 3, totaltime: 0 }
    expect(await ok(site, 'stats', { ...DAY_10, path: 'eq./a' })).toMatchObject(onA)
    expect(await ok(site, 'stats', { ...DAY_10, url: '/a' })).toMatchObject(onA)
    // Not Firefox (v2 "!"): Ann and Dee → 6 views.
    expect(await ok(site, 'stats', { ...DAY_10, browser: '!firefox' })).toMatchObject({ pageviews: 6, visitors: 2 })
    expect(await ok(site, 'stats', { ...DAY_10, browser: 'neq.firefox' })).toMatchObject({ pageviews: 6, visitors: 2 })
    // Country FR: Dee only; path contains "y" (v2 "~"): Dee's /y only.
    expect(await ok(site, 'stats', { ...DAY_10, country: 'FR' })).toMatchObject({ pageviews: 2, visitors: 1, totaltime: 10 })
    expect(await ok(site, 'stats', { ...DAY_10, path: '~y' })).toMatchObject({ pageviews: 1, visitors: 1 })
    // match=any: /x OR Firefox → Dee's /x and Ben's view.
    expect(await ok(site, 'stats', { ...DAY_10, path: '/x', browser: 'firefox', match: 'any' })).toMatchObject({ pageviews: 2, visitors: 2 })
    // An operator we do not support is a 400 that says so.
    const res = await get(site, 'stats', { ...DAY_10, path: 'gt.3' })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.message).toMatch(/operator/)
  })
})

describe('GET /api/websites/:id/pageviews', () => {
  test('hour buckets with ISO labels when no time zone is given; only non-empty buckets, in order', async () => {
    const site = await siteWith(DAY_HITS)
    const body = await ok(site, 'pageviews', { ...DAY_10, unit: 'hour' })
    // 09:xx Dee /x; 10:xx Ann ×3, Ben, Dee /y; 14:xx Ann.
    expect(body).toEqual({
      pageviews: [
        { x: '2026-01-10T09:00:00Z', y: 1 },
        { x: '2026-01-10T10:00:00Z', y: 5 },
        { x: '2026-01-10T14:00:00Z', y: 1 }
      ],
      sessions: [
        { x: '2026-01-10T09:00:00Z', y: 1 },
        { x: '2026-01-10T10:00:00Z', y: 3 },
        { x: '2026-01-10T14:00:00Z', y: 1 }
      ]
    })
    // timezone=utc (lower case) is the same as none.
    expect(await ok(site, 'pageviews', { ...DAY_10, unit: 'hour', timezone: 'utc' })).toEqual(body)
  })

  test('wall-clock labels in the zone asked for, correct on both sides of a DST change (America/New_York)', async () => {
    // 2026-03-08 07:00Z New York moves from EST (−5) to EDT (−4).
    const site = await siteWith([
      { session: 'a', at: '2026-03-08T04:30:00Z' }, // 23:30 EST on the 7th
      { session: 'b', at: '2026-03-08T06:30:00Z' }, // 01:30 EST
      { session: 'c', at: '2026-03-08T07:30:00Z' }, // 03:30 EDT
      { session: 'd', at: '2026-03-09T04:30:00Z' } // 00:30 EDT on the 9th (23:30 on the 8th at EST)
    ])
    const range = { startAt: ms('2026-03-07T00:00:00Z'), endAt: ms('2026-03-10T00:00:00Z') }
    const hours = await ok(site, 'pageviews', { ...range, unit: 'hour', timezone: 'America/New_York' })
    expect(hours.pageviews).toEqual([
      { x: '2026-03-07 23:00:00', y: 1 },
      { x: '2026-03-08 01:00:00', y: 1 },
      { x: '2026-03-08 03:00:00', y: 1 },
      { x: '2026-03-09 00:00:00', y: 1 }
    ])
    const days = await ok(site, 'pageviews', { ...range, unit: 'day', timezone: 'America/New_York' })
    expect(days.pageviews).toEqual([
      { x: '2026-03-07 00:00:00', y: 1 },
      { x: '2026-03-08 00:00:00', y: 2 },
      { x: '2026-03-09 00:00:00', y: 1 }
    ])
    // The same hits in UTC days, ISO-labelled.
    expect((await ok(site, 'pageviews', { ...range, unit: 'day' })).pageviews).toEqual([
      { x: '2026-03-08T00:00:00Z', y: 3 },
      { x: '2026-03-09T00:00:00Z', y: 1 }
    ])
    // "UTC" in capitals is a zone like any other: wall-clock labels.
    expect((await ok(site, 'pageviews', { ...range, unit: 'day', timezone: 'UTC' })).pageviews[0]).toEqual({ x: '2026-03-08 00:00:00', y: 3 })
  })

  test('a unit too fine for the range is raised to the finest allowed', async () => {
    const site = await siteWith([
      { session: 'a', at: '2026-01-10T10:05:00Z' },
      { session: 'b', at: '2026-01-10T10:45:00Z' },
      { session: 'c', at: '2026-02-12T08:00:00Z' }
    ])
    // Three days: minutes become hours.
    const threeDays = { startAt: ms('2026-01-09T00:00:00Z'), endAt: ms('2026-01-12T00:00:00Z') }
    expect((await ok(site, 'pageviews', { ...threeDays, unit: 'minute' })).pageviews).toEqual([{ x: '2026-01-10T10:00:00Z', y: 2 }])
    // One hour: minutes stay.
    const oneHour = { startAt: ms('2026-01-10T10:00:00Z'), endAt: ms('2026-01-10T11:00:00Z') }
    expect((await ok(site, 'pageviews', { ...oneHour, unit: 'minute' })).pageviews).toEqual([
      { x: '2026-01-10T10:05:00Z', y: 1 },
      { x: '2026-01-10T10:45:00Z', y: 1 }
    ])
    // Forty days: hours become days; month buckets as asked.
    const fortyDays = { startAt: ms('2026-01-05T00:00:00Z'), endAt: ms('2026-02-14T00:00:00Z') }
    expect((await ok(site, 'pageviews', { ...fortyDays, unit: 'hour' })).pageviews).toEqual([
      { x: '2026-01-10T00:00:00Z', y: 2 },
      { x: '2026-02-12T00:00:00Z', y: 1 }
    ])
    expect((await ok(site, 'pageviews', { ...fortyDays, unit: 'month', timezone: 'Europe/Berlin' })).pageviews).toEqual([
      { x: '2026-01-01 00:00:00', y: 2 },
      { x: '2026-02-01 00:00:00', y: 1 }
    ])
  })

  test('with compare, adds the previous window and both date ranges', async () => {
    const site = await siteWith([
      { session: 'a', at: '2026-01-10T10:00:00Z' },
      { session: 'b', at: '2026-01-09T10:30:00Z' },
      { session: 'b', at: '2026-01-09T10:40:00Z' }
    ])
    const range = { startAt: ms('2026-01-10T00:00:00Z'), endAt: ms('2026-01-11T00:00:00Z') }
    const body = await ok(site, 'pageviews', { ...range, unit: 'hour', compare: 'prev' })
    expect(body).toEqual({
      pageviews: [{ x: '2026-01-10T10:00:00Z', y: 1 }],
      sessions: [{ x: '2026-01-10T10:00:00Z', y: 1 }],
      startDate: '2026-01-10T00:00:00.000Z',
      endDate: '2026-01-11T00:00:00.000Z',
      compare: {
        pageviews: [{ x: '2026-01-09T10:00:00Z', y: 2 }],
        sessions: [{ x: '2026-01-09T10:00:00Z', y: 1 }],
        startDate: '2026-01-09T00:00:00.000Z',
        endDate: '2026-01-10T00:00:00.000Z'
      }
    })
  })

  test('filters narrow the series', async () => {
    const site = await siteWith(DAY_HITS)
    const body = await ok(site, 'pageviews', { ...DAY_10, unit: 'hour', path: 'eq./a,/x' })
    // /a: Ann 10:00, Ben 10:30, Ann 14:00; /x: Dee 09:59.
    expect(body.pageviews).toEqual([
      { x: '2026-01-10T09:00:00Z', y: 1 },
      { x: '2026-01-10T10:00:00Z', y: 2 },
      { x: '2026-01-10T14:00:00Z', y: 1 }
    ])
  })
})

describe('access and bad input', () => {
  let site: Website
  beforeAll(async () => {
    site = await siteWith([{ session: 'a', at: '2026-01-10T10:00:00Z' }], { name: 'Shared', domain: 'example.com', enable_share_url: true })
  })

  test('a share token of the website reads its stats without login', async () => {
    const share = await server.app.inject({ method: 'GET', url: `/api/share/${site.share_id}` })
    expect(share.statusCode).toBe(200)
    const res = await get(site, 'stats', DAY_10, { 'x-umami-share-token': share.json().token })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ pageviews: 1, visitors: 1 })
  })

  test("another user's login gets 401, as does nobody, in the v3 envelope", async () => {
    const rita = await createUserV1(server.app, token, 'rita-stats', 'rita-pass')
    for (const headers of [bearer(rita.token), {}]) {
      const res = await get(site, 'stats', DAY_10, headers)
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual({ error: { message: 'Unauthorized', code: 'unauthorized', status: 401 } })
    }
    // An unknown website is 401 too (ids cannot be probed).
    const unknown = await server.app.inject({
      method: 'GET',
      url: `/api/websites/00000000-0000-4000-8000-000000000000/stats?startAt=0&endAt=1`,
      headers: bearer(token)
    })
    expect(unknown.statusCode).toBe(401)
  })

  test('bad dates, units, time zones and compare values are 400 with a message', async () => {
    const cases: [string, Record<string, string | number>, RegExp][] = [
      ['stats', {}, /startAt/],
      ['stats', { startAt: 'yesterday', endAt: DAY_10.endAt }, /startAt/],
      ['stats', { startAt: DAY_10.endAt, endAt: DAY_10.startAt }, /after/],
      ['stats', { ...DAY_10, compare: 'lastweek' }, /compare/],
      ['pageviews', { ...DAY_10, unit: 'week' }, /unit/],
      ['pageviews', { ...DAY_10, timezone: 'Mars/Olympus' }, /time zone/],
      ['pageviews', { ...DAY_10, compare: 'nope' }, /compare/]
    ]
    for (const [endpoint, query, message] of cases) {
      const res = await get(site, endpoint, query)
      expect(res.statusCode, `${endpoint} ${JSON.stringify(query)}`).toBe(400)
      expect(res.json().error).toMatchObject({ code: 'bad-request', status: 400 })
      expect(res.json().error.message).toMatch(message)
    }
  })
})
