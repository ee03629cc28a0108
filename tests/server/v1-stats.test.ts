import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  bearer,
  CHROME_UA,
  collectV1,
  createTestServer,
  createWebsiteV1,
  FIREFOX_LINUX_UA,
  IPHONE_UA,
  login,
  type TestServer,
  type V1HitOptions
} from '../helpers'

// Every test gets its own website, so hits of one test never reach the numbers of another.

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

const ms = (iso: string) => Date.parse(iso)

async function newSite(): Promise<Website> {
  return createWebsiteV1(server.app, token, { name: 'Stats', domain: 'example.com' })
}

/** One hit at an exact instant of the server clock. */
async function hit(site: Website, at: string, opts: V1HitOptions = {}) {
  server.clock.set(at)
  const res = await collectV1(server.app, site.website_uuid, opts)
  expect(res.statusCode, res.body).toBe(200)
}

function get(site: Website, endpoint: string, query: Record<string, string | number> = {}) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
  return server.app.inject({ method: 'GET', url: `/api/website/${site.website_id}/${endpoint}?${qs}`, headers: bearer(token) })
}

async function stats(site: Website, start: string | number, end: string | number, filters: Record<string, string> = {}) {
  const res = await get(site, 'stats', {
    start_at: typeof start === 'number' ? start : ms(start),
    end_at: typeof end === 'number' ? end : ms(end),
    ...filters
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

// Visitors: a different client address or user agent makes a different session.
const A: V1HitOptions = { ip: '203.0.113.1' }
const B: V1HitOptions = { ip: '203.0.113.2' }
const C: V1HitOptions = { ip: '203.0.113.3' }

const DAY_START = '2026-01-15T00:00:00Z'
const DAY_END = '2026-01-15T23:59:59.999Z'

describe('GET /api/website/:id/stats', () => {
  test('counts a single-page visit as a bounce', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T10:00:00Z', A)
    expect(await stats(site, DAY_START, DAY_END)).toEqual({ pageviews: 1, uniques: 1, bounces: 1, totaltime: 0 })
  })

  test('answers plain numbers, not the later {value, change} pairs', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T10:00:00Z', A)
    const body = await stats(site, DAY_START, DAY_END)
    for (const key of ['pageviews', 'uniques', 'bounces', 'totaltime']) expect(typeof body[key]).toBe('number')
  })

  test('sums the whole seconds between the first and last pageview of each visit', async () => {
    const site = await newSite()
    // A: 10:00:00.000 → 10:02:05.900 is 125.9 s, floored to 125.
    await hit(site, '2026-01-15T10:00:00.000Z', { ...A, url: '/1' })
    await hit(site, '2026-01-15T10:02:05.900Z', { ...A, url: '/2' })
    // B: 10:15:00 → 10:20:00 → 10:59:59.999; first to last is 2699.999 s, floored to 2699.
    await hit(site, '2026-01-15T10:15:00.000Z', { ...B, url: '/1' })
    await hit(site, '2026-01-15T10:20:00.000Z', { ...B, url: '/2' })
    await hit(site, '2026-01-15T10:59:59.999Z', { ...B, url: '/3' })
    expect(await stats(site, DAY_START, DAY_END)).toEqual({ pageviews: 5, uniques: 2, bounces: 0, totaltime: 125 + 2699 })
  })

  test('splits a session at the UTC clock hour: 10:50 and 11:10 are two bouncing visits with no time', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T10:50:00Z', { ...A, url: '/a' })
    await hit(site, '2026-01-15T11:10:00Z', { ...A, url: '/b' })
    expect(await stats(site, DAY_START, DAY_END)).toEqual({ pageviews: 2, uniques: 1, bounces: 2, totaltime: 0 })
  })

  test('counts visits per session and hour but uniques per session over the whole range', async () => {
    const site = await newSite()
    // A: a 10:xx visit of two pageviews (60 s) and a 12:xx visit of one (a bounce).
    await hit(site, '2026-01-15T10:05:00Z', { ...A, url: '/1' })
    await hit(site, '2026-01-15T10:06:00Z', { ...A, url: '/2' })
    await hit(site, '2026-01-15T12:30:00Z', { ...A, url: '/3' })
    // B: one bounce at 10:xx; C: a 10:xx visit of three pageviews spanning 10:00:00 → 10:59:00 (3540 s).
    await hit(site, '2026-01-15T10:10:00Z', { ...B, url: '/1' })
    await hit(site, '2026-01-15T10:00:00Z', { ...C, url: '/1' })
    await hit(site, '2026-01-15T10:30:00Z', { ...C, url: '/2' })
    await hit(site, '2026-01-15T10:59:00Z', { ...C, url: '/3' })
    // Visits: A@10 (2), A@12 (1), B@10 (1), C@10 (3) → 7 pageviews, 3 sessions, 2 bounces, 60 + 3540 s.
    expect(await stats(site, DAY_START, DAY_END)).toEqual({ pageviews: 7, uniques: 3, bounces: 2, totaltime: 3600 })
  })

  test('includes hits exactly at start_at and at end_at and excludes those 1 ms outside', async () => {
    const site = await newSite()
    const start = ms('2026-01-15T10:00:00Z')
    const end = ms('2026-01-15T11:00:00Z')
    await hit(site, new Date(start - 1).toISOString(), A) // out
    await hit(site, new Date(start).toISOString(), B) // in
    await hit(site, new Date(end).toISOString(), C) // in
    await hit(site, new Date(end + 1).toISOString(), { ip: '203.0.113.4' }) // out
    // B at 10:00 and C at 11:00 are each a single-pageview visit.
    expect(await stats(site, start, end)).toEqual({ pageviews: 2, uniques: 2, bounces: 2, totaltime: 0 })
    // A range of one instant holds exactly the hit at that instant.
    expect(await stats(site, start, start)).toEqual({ pageviews: 1, uniques: 1, bounces: 1, totaltime: 0 })
  })

  test('does not count custom events as pageviews, visits or uniques', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T10:00:00Z', { ...A, url: '/a' })
    // Events of A after its pageview neither lengthen its visit nor stop it being a bounce.
    await hit(site, '2026-01-15T10:20:00Z', { ...A, url: '/a', eventName: 'signup' })
    // B only sends events: it is not a unique visitor.
    await hit(site, '2026-01-15T10:05:00Z', { ...B, url: '/a', eventName: 'signup' })
    await hit(site, '2026-01-15T10:06:00Z', { ...B, url: '/a', eventName: 'click' })
    expect(await stats(site, DAY_START, DAY_END)).toEqual({ pageviews: 1, uniques: 1, bounces: 1, totaltime: 0 })
  })

  test('filters by exact url, query string included', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T10:00:00Z', { ...A, url: '/a' })
    await hit(site, '2026-01-15T10:01:00Z', { ...A, url: '/a?x=1' })
    await hit(site, '2026-01-15T10:02:00Z', { ...B, url: '/a?x=1' })
    await hit(site, '2026-01-15T10:03:00Z', { ...A, url: '/a?x=2' })
    await hit(site, '2026-01-15T10:04:00Z', { ...A, url: '/ab' })
    await hit(site, '2026-01-15T10:05:00Z', { ...A, url: '/a?' })
    // Only the one hit on "/a" itself: not "/a?x=1", "/ab" or "/a?".
    expect(await stats(site, DAY_START, DAY_END, { url: '/a' })).toEqual({ pageviews: 1, uniques: 1, bounces: 1, totaltime: 0 })
    // "/a?x=1": A at 10:01 and B at 10:02, one bouncing visit each.
    expect(await stats(site, DAY_START, DAY_END, { url: '/a?x=1' })).toEqual({ pageviews: 2, uniques: 2, bounces: 2, totaltime: 0 })
    // An empty query is still a query: "/a?" matches only itself.
    expect(await stats(site, DAY_START, DAY_END, { url: '/a?' })).toEqual({ pageviews: 1, uniques: 1, bounces: 1, totaltime: 0 })
    expect(await stats(site, DAY_START, DAY_END, { url: '/nowhere' })).toEqual({ pageviews: 0, uniques: 0, bounces: 0, totaltime: 0 })
  })

  test('filters by referrer substring, taking % and _ literally', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T10:00:00Z', { ...A, referrer: 'https://www.google.com/search?q=a' })
    await hit(site, '2026-01-15T10:10:00Z', { ...A, referrer: 'https://google.de/' })
    await hit(site, '2026-01-15T10:20:00Z', { ...B, referrer: 'https://news.ycombinator.com/' })
    await hit(site, '2026-01-15T10:30:00Z', { ...C, referrer: 'https://x.com/a_b' })
    await hit(site, '2026-01-15T10:31:00Z', { ...C, referrer: 'https://x.com/axb' })
    await hit(site, '2026-01-15T10:32:00Z', { ...C, referrer: 'https://x.com/100%25' })
    await hit(site, '2026-01-15T10:33:00Z', { ...C, referrer: '' })
    // "google" is in two referrers, both of A within 10:xx: one visit of 2 pageviews, 600 s.
    expect(await stats(site, DAY_START, DAY_END, { referrer: 'google' })).toEqual({ pageviews: 2, uniques: 1, bounces: 0, totaltime: 600 })
    // "_" must not act as a wildcard (it would also match "axb").
    expect(await stats(site, DAY_START, DAY_END, { referrer: 'a_b' })).toEqual({ pageviews: 1, uniques: 1, bounces: 1, totaltime: 0 })
    // "%" must not match everything (7 pageviews): only the one referrer that contains a "%".
    expect(await stats(site, DAY_START, DAY_END, { referrer: '%' })).toEqual({ pageviews: 1, uniques: 1, bounces: 1, totaltime: 0 })
  })

  test('filters by os, browser, device and country of the session', async () => {
    const site = await newSite()
    // Chrome on Windows 10, 1920 wide → desktop; from a public address in the US.
    await hit(site, '2026-01-15T10:00:00Z', { ip: '8.8.8.8', ua: CHROME_UA, screen: '1920x1080' })
    await hit(site, '2026-01-15T10:01:00Z', { ip: '8.8.8.8', ua: CHROME_UA, screen: '1920x1080', url: '/2' })
    // Safari on an iPhone, 390 wide → mobile; private address → no country.
    await hit(site, '2026-01-15T10:02:00Z', { ip: '10.0.0.2', ua: IPHONE_UA, screen: '390x844' })
    // Firefox on Linux, 1366 wide → laptop; private address.
    await hit(site, '2026-01-15T10:03:00Z', { ip: '10.0.0.3', ua: FIREFOX_LINUX_UA, screen: '1366x768' })
    const chromeOnly = { pageviews: 2, uniques: 1, bounces: 0, totaltime: 60 }
    const single = { pageviews: 1, uniques: 1, bounces: 1, totaltime: 0 }
    expect(await stats(site, DAY_START, DAY_END, { os: 'Windows 10' })).toEqual(chromeOnly)
    expect(await stats(site, DAY_START, DAY_END, { browser: 'chrome' })).toEqual(chromeOnly)
    expect(await stats(site, DAY_START, DAY_END, { device: 'desktop' })).toEqual(chromeOnly)
    expect(await stats(site, DAY_START, DAY_END, { country: 'US' })).toEqual(chromeOnly)
    expect(await stats(site, DAY_START, DAY_END, { os: 'iOS' })).toEqual(single)
    expect(await stats(site, DAY_START, DAY_END, { browser: 'ios' })).toEqual(single)
    expect(await stats(site, DAY_START, DAY_END, { device: 'mobile' })).toEqual(single)
    expect(await stats(site, DAY_START, DAY_END, { os: 'Linux', browser: 'firefox', device: 'laptop' })).toEqual(single)
    // Filters combine with AND.
    expect(await stats(site, DAY_START, DAY_END, { os: 'Linux', browser: 'chrome' })).toEqual({ pageviews: 0, uniques: 0, bounces: 0, totaltime: 0 })
  })

  test('answers all zeros for a range without pageviews', async () => {
    const site = await newSite()
    const zeros = { pageviews: 0, uniques: 0, bounces: 0, totaltime: 0 }
    expect(await stats(site, DAY_START, DAY_END)).toEqual(zeros)
    await hit(site, '2026-01-15T10:00:00Z', A)
    expect(await stats(site, '2026-01-16T00:00:00Z', '2026-01-16T23:59:59.999Z')).toEqual(zeros)
  })

  test('counts only the hits of the website asked for', async () => {
    const site = await newSite()
    const other = await newSite()
    await hit(site, '2026-01-15T10:00:00Z', A)
    await hit(other, '2026-01-15T10:00:30Z', A)
    await hit(other, '2026-01-15T10:01:00Z', B)
    expect(await stats(site, DAY_START, DAY_END)).toEqual({ pageviews: 1, uniques: 1, bounces: 1, totaltime: 0 })
  })

  test('rejects start_at after end_at with 400', async () => {
    const site = await newSite()
    const res = await get(site, 'stats', { start_at: ms(DAY_END), end_at: ms(DAY_START) })
    expect(res.statusCode).toBe(400)
  })

  test('rejects a missing start_at with a plain-text 400', async () => {
    const site = await newSite()
    const res = await get(site, 'stats', { end_at: ms(DAY_END) })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.body).not.toBe('')
    expect(() => JSON.parse(res.body)).toThrow()
  })

  test('rejects a start_at that is not a number with 400', async () => {
    const site = await newSite()
    const res = await get(site, 'stats', { start_at: 'yesterday', end_at: ms(DAY_END) })
    expect(res.statusCode).toBe(400)
  })
})

describe('GET /api/website/:id/active', () => {
  async function active(site: Website) {
    const res = await get(site, 'active')
    expect(res.statusCode, res.body).toBe(200)
    return res.json()
  }

  test('counts distinct sessions with a pageview in the last five minutes of the server clock', async () => {
    const site = await newSite()
    await hit(site, '2026-01-15T11:54:59.999Z', A) // 5 min + 1 ms before "now": too old
    await hit(site, '2026-01-15T11:55:00.000Z', B) // exactly 5 min before: counts
    await hit(site, '2026-01-15T11:58:00Z', C)
    await hit(site, '2026-01-15T11:59:00Z', { ...C, url: '/2' }) // C again: still one session
    await hit(site, '2026-01-15T11:59:30Z', { ip: '203.0.113.9', eventName: 'click' }) // events only: not active
    server.clock.set('2026-01-15T12:00:00Z')
    expect(await active(site)).toEqual([{ x: 2 }])
    // A minute later B has dropped out too.
    server.clock.set('2026-01-15T12:01:00Z')
    expect(await active(site)).toEqual([{ x: 1 }])
  })

  test('answers [{x: 0}] when nobody is active', async () => {
    const site = await newSite()
    server.clock.set('2026-01-15T12:00:00Z')
    expect(await active(site)).toEqual([{ x: 0 }])
  })
})
