import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import {
  bearer,
  collectV1,
  createTestServer,
  createWebsiteV1,
  FIREFOX_LINUX_UA,
  login,
  type TestServer,
  type V1HitOptions
} from '../helpers'

// Every test gets its own website; each asserts the whole series, computed by hand from its own hits.

let server: TestServer
let token: string

beforeAll(async () => {
  // Tests move the clock across months and years; the login token must outlive all of them.
  server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  token = await login(server.app)
})

afterAll(async () => {
  await server.close()
})

type Website = Awaited<ReturnType<typeof createWebsiteV1>>
type Query = Record<string, string | number>

const ms = (iso: string) => Date.parse(iso)

async function newSite(): Promise<Website> {
  return createWebsiteV1(server.app, token, { name: 'Series', domain: 'example.com' })
}

async function hit(site: Website, at: string, opts: V1HitOptions = {}) {
  server.clock.set(at)
  const res = await collectV1(server.app, site.website_uuid, opts)
  expect(res.statusCode, res.body).toBe(200)
}

function get(site: Website, endpoint: string, query: Query) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
  return server.app.inject({ method: 'GET', url: `/api/website/${site.website_id}/${endpoint}?${qs}`, headers: bearer(token) })
}

async function series(site: Website, start: string, end: string, unit: string, tz: string, filters: Query = {}) {
  const res = await get(site, 'pageviews', { start_at: ms(start), end_at: ms(end), unit, tz, ...filters })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { pageviews: { t: string; y: number }[]; sessions: { t: string; y: number }[] }
}

async function events(site: Website, start: string, end: string, unit: string, tz: string, filters: Query = {}) {
  const res = await get(site, 'events', { start_at: ms(start), end_at: ms(end), unit, tz, ...filters })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { x: string; t: string; y: number }[]
}

const A: V1HitOptions = { ip: '203.0.113.1' }
const B: V1HitOptions = { ip: '203.0.113.2' }
const C: V1HitOptions = { ip: '203.0.113.3' }

describe('GET /api/website/:id/pageviews', () => {
  test('buckets by UTC hour as "YYYY-MM-DD HH:00:00", ascending, without empty hours', async () => {
    const site = await newSite()
    // Sent out of order on purpose: the reply must still be sorted.
    await hit(site, '2026-01-15T13:59:59.999Z', A)
    await hit(site, '2026-01-15T09:00:00Z', A)
    await hit(site, '2026-01-15T09:45:00Z', B)
    await hit(site, '2026-01-15T09:50:00Z', B)
    const body = await series(site, '2026-01-15T00:00:00Z', '2026-01-15T23:59:59.999Z', 'hour', 'UTC')
    // 09:xx: A once, B twice → 3 pageviews, 2 sessions. 13:xx: A once. Nothing for 10–12.
    expect(body).toEqual({
      pageviews: [
        { t: '2026-01-15 09:00:00', y: 3 },
        { t: '2026-01-15 13:00:00', y: 1 }
      ],
      sessions: [
        { t: '2026-01-15 09:00:00', y: 2 },
        { t: '2026-01-15 13:00:00', y: 1 }
      ]
    })
  })

  test('formats day, month and year buckets as YYYY-MM-DD, YYYY-MM-01 and YYYY-01-01', async () => {
    const site = await newSite()
    await hit(site, '2026-02-03T10:00:00Z', A)
    await hit(site, '2026-02-20T10:00:00Z', A)
    await hit(site, '2026-03-01T00:00:00Z', B)
    const start = '2026-01-01T00:00:00Z'
    const end = '2026-12-31T23:59:59.999Z'
    expect((await series(site, start, end, 'day', 'UTC')).pageviews).toEqual([
      { t: '2026-02-03', y: 1 },
      { t: '2026-02-20', y: 1 },
      { t: '2026-03-01', y: 1 }
    ])
    expect(await series(site, start, end, 'month', 'UTC')).toEqual({
      pageviews: [
        { t: '2026-02-01', y: 2 },
        { t: '2026-03-01', y: 1 }
      ],
      sessions: [
        { t: '2026-02-01', y: 1 },
        { t: '2026-03-01', y: 1 }
      ]
    })
    // A and B are distinct sessions (A's hits are in one month, so its session is the same).
    expect(await series(site, start, end, 'year', 'UTC')).toEqual({
      pageviews: [{ t: '2026-01-01', y: 3 }],
      sessions: [{ t: '2026-01-01', y: 2 }]
    })
  })

  test('counts distinct sessions per bucket, ignoring the referrer filter that the pageviews honour', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T10:00:00Z', { ...A, referrer: 'https://google.com/' })
    await hit(site, '2026-01-15T10:10:00Z', { ...A, referrer: 'https://google.com/' })
    await hit(site, '2026-01-15T10:20:00Z', { ...B, referrer: 'https://bing.com/' })
    await hit(site, '2026-01-15T11:00:00Z', { ...C, referrer: '' })
    const body = await series(site, '2026-01-15T00:00:00Z', '2026-01-15T23:59:59.999Z', 'hour', 'UTC', { referrer: 'google' })
    // Pageviews: only A's two google hits. Sessions: every session of each hour, referrer or not.
    expect(body).toEqual({
      pageviews: [{ t: '2026-01-15 10:00:00', y: 2 }],
      sessions: [
        { t: '2026-01-15 10:00:00', y: 2 },
        { t: '2026-01-15 11:00:00', y: 1 }
      ]
    })
  })

  test('applies the url and session filters to both series', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T10:00:00Z', { ...A, url: '/a?x=1' })
    await hit(site, '2026-01-15T10:05:00Z', { ...A, url: '/a' })
    await hit(site, '2026-01-15T10:10:00Z', { ...B, url: '/a?x=1', ua: FIREFOX_LINUX_UA })
    const range = ['2026-01-15T00:00:00Z', '2026-01-15T23:59:59.999Z'] as const
    expect(await series(site, ...range, 'day', 'UTC', { url: '/a?x=1' })).toEqual({
      pageviews: [{ t: '2026-01-15', y: 2 }],
      sessions: [{ t: '2026-01-15', y: 2 }]
    })
    expect(await series(site, ...range, 'day', 'UTC', { url: '/a?x=1', os: 'Linux' })).toEqual({
      pageviews: [{ t: '2026-01-15', y: 1 }],
      sessions: [{ t: '2026-01-15', y: 1 }]
    })
  })

  test('does not count custom events', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T10:00:00Z', A)
    await hit(site, '2026-01-15T11:00:00Z', { ...B, eventName: 'click' })
    expect(await series(site, '2026-01-15T00:00:00Z', '2026-01-15T23:59:59.999Z', 'hour', 'UTC')).toEqual({
      pageviews: [{ t: '2026-01-15 10:00:00', y: 1 }],
      sessions: [{ t: '2026-01-15 10:00:00', y: 1 }]
    })
  })

  test('includes both range bounds and answers empty series for an empty range', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T09:59:59.999Z', A)
    await hit(site, '2026-01-15T10:00:00Z', A)
    await hit(site, '2026-01-15T11:00:00Z', A)
    await hit(site, '2026-01-15T11:00:00.001Z', A)
    expect((await series(site, '2026-01-15T10:00:00Z', '2026-01-15T11:00:00Z', 'hour', 'UTC')).pageviews).toEqual([
      { t: '2026-01-15 10:00:00', y: 1 },
      { t: '2026-01-15 11:00:00', y: 1 }
    ])
    expect(await series(site, '2026-01-16T00:00:00Z', '2026-01-16T23:59:59.999Z', 'hour', 'UTC')).toEqual({ pageviews: [], sessions: [] })
  })

  describe('time zones', () => {
    test('puts hits in the local hours of America/New_York across the spring-forward gap', async () => {
      const site = await newSite()
      // Clocks jump from 02:00 EST to 03:00 EDT at 2026-03-08T07:00Z (UTC−5 before, UTC−4 after).
      await hit(site, '2026-03-08T06:30:00Z', A) // 01:30 EST
      await hit(site, '2026-03-08T06:59:59.999Z', A) // 01:59:59.999 EST
      await hit(site, '2026-03-08T07:00:00Z', A) // 03:00 EDT
      await hit(site, '2026-03-08T07:30:00Z', A) // 03:30 EDT
      await hit(site, '2026-03-08T08:00:00Z', A) // 04:00 EDT
      const body = await series(site, '2026-03-08T00:00:00Z', '2026-03-08T12:00:00Z', 'hour', 'America/New_York')
      // No 02:00 bucket: that local hour does not exist.
      expect(body.pageviews).toEqual([
        { t: '2026-03-08 01:00:00', y: 2 },
        { t: '2026-03-08 03:00:00', y: 2 },
        { t: '2026-03-08 04:00:00', y: 1 }
      ])
    })

    test('merges the repeated local hour of the America/New_York fall-back into one bucket', async () => {
      const site = await newSite()
      // Clocks go back from 02:00 EDT to 01:00 EST at 2026-11-01T06:00Z (UTC−4 before, UTC−5 after).
      await hit(site, '2026-11-01T04:30:00Z', A) // 00:30 EDT
      await hit(site, '2026-11-01T05:30:00Z', A) // 01:30 EDT
      await hit(site, '2026-11-01T06:30:00Z', B) // 01:30 EST: the same local hour again
      await hit(site, '2026-11-01T07:00:00Z', B) // 02:00 EST
      const body = await series(site, '2026-11-01T00:00:00Z', '2026-11-01T12:00:00Z', 'hour', 'America/New_York')
      expect(body).toEqual({
        pageviews: [
          { t: '2026-11-01 00:00:00', y: 1 },
          { t: '2026-11-01 01:00:00', y: 2 },
          { t: '2026-11-01 02:00:00', y: 1 }
        ],
        sessions: [
          { t: '2026-11-01 00:00:00', y: 1 },
          { t: '2026-11-01 01:00:00', y: 2 },
          { t: '2026-11-01 02:00:00', y: 1 }
        ]
      })
    })

    test('cuts America/New_York days at local midnight on both sides of each DST change', async () => {
      const site = await newSite()
      // Spring: local midnight is 05:00Z before the change (EST) and 04:00Z after it (EDT).
      await hit(site, '2026-03-08T04:59:59Z', A) // 2026-03-07 23:59:59 EST
      await hit(site, '2026-03-08T05:00:00Z', A) // 2026-03-08 00:00 EST
      await hit(site, '2026-03-09T03:59:59Z', A) // 2026-03-08 23:59:59 EDT
      await hit(site, '2026-03-09T04:00:00Z', A) // 2026-03-09 00:00 EDT
      // Autumn: local midnight is 04:00Z before the change (EDT) and 05:00Z after it (EST).
      await hit(site, '2026-11-01T03:59:59Z', B) // 2026-10-31 23:59:59 EDT
      await hit(site, '2026-11-01T04:00:00Z', B) // 2026-11-01 00:00 EDT
      await hit(site, '2026-11-02T04:59:59Z', B) // 2026-11-01 23:59:59 EST
      await hit(site, '2026-11-02T05:00:00Z', B) // 2026-11-02 00:00 EST
      // One range that spans both changes, so three different offsets apply to its rows.
      const body = await series(site, '2026-03-01T00:00:00Z', '2026-11-30T00:00:00Z', 'day', 'America/New_York')
      expect(body.pageviews).toEqual([
        { t: '2026-03-07', y: 1 },
        { t: '2026-03-08', y: 2 },
        { t: '2026-03-09', y: 1 },
        { t: '2026-10-31', y: 1 },
        { t: '2026-11-01', y: 2 },
        { t: '2026-11-02', y: 1 }
      ])
    })

    test('cuts Europe/Berlin days, months and years at local midnight', async () => {
      const site = await newSite()
      // CET (UTC+1) until 2026-03-29T01:00Z, then CEST (UTC+2).
      await hit(site, '2026-03-28T22:59:59Z', A) // 2026-03-28 23:59:59 CET
      await hit(site, '2026-03-28T23:00:00Z', A) // 2026-03-29 00:00 CET
      await hit(site, '2026-03-29T21:59:59Z', A) // 2026-03-29 23:59:59 CEST
      await hit(site, '2026-03-29T22:00:00Z', A) // 2026-03-30 00:00 CEST
      await hit(site, '2026-03-31T22:30:00Z', A) // 2026-04-01 00:30 CEST
      // CET again from 2026-10-25T01:00Z.
      await hit(site, '2026-12-31T22:59:59Z', B) // 2026-12-31 23:59:59 CET
      await hit(site, '2026-12-31T23:30:00Z', B) // 2027-01-01 00:30 CET
      const start = '2026-03-01T00:00:00Z'
      const end = '2027-01-31T00:00:00Z'
      expect((await series(site, start, end, 'day', 'Europe/Berlin')).pageviews).toEqual([
        { t: '2026-03-28', y: 1 },
        { t: '2026-03-29', y: 2 },
        { t: '2026-03-30', y: 1 },
        { t: '2026-04-01', y: 1 },
        { t: '2026-12-31', y: 1 },
        { t: '2027-01-01', y: 1 }
      ])
      expect((await series(site, start, end, 'month', 'Europe/Berlin')).pageviews).toEqual([
        { t: '2026-03-01', y: 4 },
        { t: '2026-04-01', y: 1 },
        { t: '2026-12-01', y: 1 },
        { t: '2027-01-01', y: 1 }
      ])
      expect((await series(site, start, end, 'year', 'Europe/Berlin')).pageviews).toEqual([
        { t: '2026-01-01', y: 6 },
        { t: '2027-01-01', y: 1 }
      ])
      // The same hits in UTC: 2026-03-28T23:00Z stays on the 28th, and 2026-12-31T23:30Z stays in 2026.
      expect((await series(site, start, end, 'year', 'UTC')).pageviews).toEqual([{ t: '2026-01-01', y: 7 }])
    })

    test('cuts Asia/Kolkata (UTC+5:30) hours and days on the half hour of UTC', async () => {
      const site = await newSite()
      await hit(site, '2026-01-15T10:15:00Z', A) // 15:45 IST
      await hit(site, '2026-01-15T10:45:00Z', A) // 16:15 IST
      await hit(site, '2026-01-15T18:29:59Z', A) // 23:59:59 IST on the 15th
      await hit(site, '2026-01-15T18:30:00Z', A) // 00:00 IST on the 16th
      const start = '2026-01-15T00:00:00Z'
      const end = '2026-01-16T00:00:00Z'
      expect((await series(site, start, end, 'hour', 'Asia/Kolkata')).pageviews).toEqual([
        { t: '2026-01-15 15:00:00', y: 1 },
        { t: '2026-01-15 16:00:00', y: 1 },
        { t: '2026-01-15 23:00:00', y: 1 },
        { t: '2026-01-16 00:00:00', y: 1 }
      ])
      expect((await series(site, start, end, 'day', 'Asia/Kolkata')).pageviews).toEqual([
        { t: '2026-01-15', y: 3 },
        { t: '2026-01-16', y: 1 }
      ])
      // In UTC the two 10:xx hits share an hour.
      expect((await series(site, start, end, 'hour', 'UTC')).pageviews).toEqual([
        { t: '2026-01-15 10:00:00', y: 2 },
        { t: '2026-01-15 18:00:00', y: 2 }
      ])
    })

    test('does time-zone work for the span of the data, not of a range from the epoch to beyond the Date limit', async () => {
      const site = await newSite()
      await hit(site, '2026-07-04T03:30:00Z', A) // 2026-07-03 23:30 EDT
      // Searching 1e16 ms for DST changes every 6 hours would take some 460 million look-ups (the
      // server would hang) and end in a RangeError past 8.64e15. Fail fast instead of hanging if it does.
      const original = Intl.DateTimeFormat.prototype.formatToParts
      let calls = 0
      const spy = vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts').mockImplementation(function (this: Intl.DateTimeFormat, date) {
        if (++calls > 10_000) throw new Error('too many time-zone look-ups')
        return original.call(this, date)
      })
      try {
        const res = await get(site, 'pageviews', { start_at: 0, end_at: 1e16, unit: 'day', tz: 'America/New_York' })
        expect(res.statusCode, res.body).toBe(200)
        expect(res.json().pageviews).toEqual([{ t: '2026-07-03', y: 1 }])
      } finally {
        spy.mockRestore()
      }
    })
  })

  describe('validation', () => {
    const range = { start_at: ms('2026-01-15T00:00:00Z'), end_at: ms('2026-01-16T00:00:00Z') }

    test('rejects an unknown unit with 400', async () => {
      const site = await newSite()
      for (const unit of ['week', 'minute', '']) {
        const res = await get(site, 'pageviews', { ...range, unit, tz: 'UTC' })
        expect(res.statusCode, unit).toBe(400)
      }
    })

    test('rejects an unknown or missing time zone with 400', async () => {
      const site = await newSite()
      for (const tz of ['Mars/Olympus_Mons', '+05:30', '']) {
        const res = await get(site, 'pageviews', { ...range, unit: 'day', tz })
        expect(res.statusCode, tz).toBe(400)
        expect(res.headers['content-type']).toMatch(/^text\/plain/)
      }
      expect((await get(site, 'pageviews', { ...range, unit: 'day' })).statusCode).toBe(400)
    })

    test('rejects start_at after end_at and a missing unit with 400', async () => {
      const site = await newSite()
      expect((await get(site, 'pageviews', { start_at: range.end_at, end_at: range.start_at, unit: 'day', tz: 'UTC' })).statusCode).toBe(400)
      expect((await get(site, 'pageviews', { ...range, tz: 'UTC' })).statusCode).toBe(400)
    })
  })
})

describe('GET /api/website/:id/events', () => {
  test('groups custom events by name and bucket, ordered by bucket', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T11:05:00Z', { ...A, eventName: 'signup' })
    await hit(site, '2026-01-15T10:00:00Z', { ...A, eventName: 'click' })
    await hit(site, '2026-01-15T10:30:00Z', { ...B, eventName: 'click' })
    await hit(site, '2026-01-15T10:59:59Z', { ...B, eventName: 'signup' })
    await hit(site, '2026-01-15T11:10:00Z', { ...B, eventName: 'click' })
    await hit(site, '2026-01-15T10:40:00Z', A) // a pageview: not an event
    const body = await events(site, '2026-01-15T00:00:00Z', '2026-01-15T23:59:59.999Z', 'hour', 'UTC')
    // 10:xx: click ×2, signup ×1. 11:xx: click ×1, signup ×1.
    expect(body).toHaveLength(4)
    expect(body.map((r) => r.t)).toEqual(['2026-01-15 10:00:00', '2026-01-15 10:00:00', '2026-01-15 11:00:00', '2026-01-15 11:00:00'])
    expect(body).toEqual(
      expect.arrayContaining([
        { x: 'click', t: '2026-01-15 10:00:00', y: 2 },
        { x: 'signup', t: '2026-01-15 10:00:00', y: 1 },
        { x: 'click', t: '2026-01-15 11:00:00', y: 1 },
        { x: 'signup', t: '2026-01-15 11:00:00', y: 1 }
      ])
    )
  })

  test('honours the url and event_name filters that Umami ignored', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T10:00:00Z', { ...A, url: '/pricing', eventName: 'click' })
    await hit(site, '2026-01-15T10:01:00Z', { ...A, url: '/pricing', eventName: 'signup' })
    await hit(site, '2026-01-15T10:02:00Z', { ...A, url: '/pricing?plan=pro', eventName: 'click' })
    await hit(site, '2026-01-16T10:03:00Z', { ...A, url: '/', eventName: 'click' })
    const start = '2026-01-15T00:00:00Z'
    const end = '2026-01-16T23:59:59.999Z'
    expect(await events(site, start, end, 'day', 'UTC', { url: '/pricing' })).toEqual([
      { x: 'click', t: '2026-01-15', y: 1 },
      { x: 'signup', t: '2026-01-15', y: 1 }
    ])
    expect(await events(site, start, end, 'day', 'UTC', { event_name: 'click' })).toEqual([
      { x: 'click', t: '2026-01-15', y: 2 },
      { x: 'click', t: '2026-01-16', y: 1 }
    ])
    expect(await events(site, start, end, 'day', 'UTC', { url: '/pricing?plan=pro', event_name: 'click' })).toEqual([
      { x: 'click', t: '2026-01-15', y: 1 }
    ])
    expect(await events(site, start, end, 'day', 'UTC', { event_name: 'nothing' })).toEqual([])
  })

  test('buckets events in the requested time zone', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T04:30:00Z', { ...A, eventName: 'click' }) // 2026-01-14 23:30 EST
    await hit(site, '2026-01-15T05:30:00Z', { ...A, eventName: 'click' }) // 2026-01-15 00:30 EST
    const start = '2026-01-14T00:00:00Z'
    const end = '2026-01-16T00:00:00Z'
    expect(await events(site, start, end, 'day', 'America/New_York')).toEqual([
      { x: 'click', t: '2026-01-14', y: 1 },
      { x: 'click', t: '2026-01-15', y: 1 }
    ])
    expect(await events(site, start, end, 'day', 'UTC')).toEqual([{ x: 'click', t: '2026-01-15', y: 2 }])
  })

  test('rejects an unknown unit or time zone with 400', async () => {
    const site = await newSite()
    const range = { start_at: ms('2026-01-15T00:00:00Z'), end_at: ms('2026-01-16T00:00:00Z') }
    expect((await get(site, 'events', { ...range, unit: 'week', tz: 'UTC' })).statusCode).toBe(400)
    expect((await get(site, 'events', { ...range, unit: 'day', tz: 'Nowhere/Special' })).statusCode).toBe(400)
  })
})
