import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type HitSpec, writeHits } from '../current-helpers'
import { bearer, createTestServer, createWebsiteV1, login, type TestServer } from '../helpers'

// /api/websites/:id/metrics, /metrics/expanded and /values of the current API.

let server: TestServer
let token: string
let site: Website

type Website = Awaited<ReturnType<typeof createWebsiteV1>>
type Hit = Omit<HitSpec, 'websiteId'>

const ms = (iso: string) => Date.parse(iso)
const DAY = { startAt: ms('2026-01-10T00:00:00Z'), endAt: ms('2026-01-11T00:00:00Z') - 1 }

const ann = { session: 'ann', browser: 'chrome', language: 'en-US', country: 'DE' }
const ben = { session: 'ben', browser: 'firefox', language: 'en-GB', country: 'FR' }
const cat = { session: 'cat', browser: 'safari', language: 'de-DE', country: 'DE' }
const dan = { session: 'dan', browser: 'chrome', language: 'EN', country: 'US' }
const eve = { session: 'eve', browser: 'chrome', language: 'fr-FR', country: 'FR' }
const fay = { session: 'fay', browser: 'chrome', language: 'en-US', country: 'DE' }

/**
 * Six visitors, eight visits (hostname example.com, website domain example.com):
 *   ann a1 10:00 /a (google) → 10:01 /a (self) → 10:02 /b (www.self); events signup on /b and /c
 *   ann a2 15:00 /c (news.ycombinator.com)
 *   ben b1 11:00 /a (t.co) → 11:05 /c; events signup and download on /c
 *   cat c1 12:00 /b?utm_source=newsletter&utm_medium=email
 *   dan d1 13:00 /a?gclid=123 (google)
 *   eve e1 14:00 /d (blog.example.org)
 *   fay f1 16:00 /a (no referrer); f2 18:00 /b (self)
 */
const HITS: Hit[] = [
  { ...ann, visit: 'a1', at: '2026-01-10T10:00:00Z', path: '/a', referrer: 'https://www.google.com/search?q=x', title: 'Page A' },
  { ...ann, visit: 'a1', at: '2026-01-10T10:01:00Z', path: '/a', referrer: 'https://example.com/a', title: 'Page A' },
  { ...ann, visit: 'a1', at: '2026-01-10T10:02:00Z', path: '/b', referrer: 'https://www.example.com/', title: 'Page B' },
  { ...ann, visit: 'a1', at: '2026-01-10T10:03:00Z', path: '/b', eventName: 'signup' },
  { ...ann, visit: 'a2', at: '2026-01-10T15:00:00Z', path: '/c', referrer: 'https://news.ycombinator.com/item?id=1', title: 'Page C' },
  { ...ann, visit: 'a2', at: '2026-01-10T15:01:00Z', path: '/c', eventName: 'signup' },
  { ...ben, visit: 'b1', at: '2026-01-10T11:00:00Z', path: '/a', referrer: 'https://t.co/xyz' },
  { ...ben, visit: 'b1', at: '2026-01-10T11:05:00Z', path: '/c' },
  { ...ben, visit: 'b1', at: '2026-01-10T11:06:00Z', path: '/c', eventName: 'signup' },
  { ...ben, visit: 'b1', at: '2026-01-10T11:07:00Z', path: '/c', eventName: 'download' },
  { ...cat, visit: 'c1', at: '2026-01-10T12:00:00Z', path: '/b', query: 'utm_source=newsletter&utm_medium=email' },
  { ...dan, visit: 'd1', at: '2026-01-10T13:00:00Z', path: '/a', query: 'gclid=123', referrer: 'https://www.google.com/' },
  { ...eve, visit: 'e1', at: '2026-01-10T14:00:00Z', path: '/d', referrer: 'https://blog.example.org/post' },
  { ...fay, visit: 'f1', at: '2026-01-10T16:00:00Z', path: '/a' },
  { ...fay, visit: 'f2', at: '2026-01-10T18:00:00Z', path: '/b', referrer: 'https://example.com/' }
]

beforeAll(async () => {
  server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  token = await login(server.app)
  site = await createWebsiteV1(server.app, token, { name: 'Metrics', domain: 'example.com' })
  await writeHits(
    server,
    HITS.map((h) => ({ ...h, websiteId: site.website_id }))
  )
})

afterAll(async () => {
  await server.close()
})

function get(endpoint: string, query: Record<string, string | number>, website: Website = site) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
  return server.app.inject({ method: 'GET', url: `/api/websites/${website.website_uuid}/${endpoint}?${qs}`, headers: bearer(token) })
}

async function metrics(type: string, query: Record<string, string | number> = {}, website: Website = site) {
  const res = await get('metrics', { ...DAY, type, ...query }, website)
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

describe('GET /api/websites/:id/metrics', () => {
  test('y counts visitors: two views of /a by one visitor count once', async () => {
    // /a: ann (twice), ben, dan, fay; /b: ann, cat, fay; /c: ann, ben; /d: eve.
    expect(await metrics('path')).toEqual([
      { x: '/a', y: 4 },
      { x: '/b', y: 3 },
      { x: '/c', y: 2 },
      { x: '/d', y: 1 }
    ])
    // The v2 name of the same type.
    expect(await metrics('url')).toEqual(await metrics('path'))
  })

  test('entry and exit pages are the first and last view of each visit', async () => {
    // Entries: a1 /a, a2 /c, b1 /a, c1 /b, d1 /a, e1 /d, f1 /a, f2 /b.
    expect(await metrics('entry')).toEqual([
      { x: '/a', y: 4 },
      { x: '/b', y: 2 },
      { x: '/c', y: 1 },
      { x: '/d', y: 1 }
    ])
    // Exits: a1 /b, a2 /c, b1 /c, c1 /b, d1 /a, e1 /d, f1 /a, f2 /b.
    expect(await metrics('exit')).toEqual([
      { x: '/b', y: 3 },
      { x: '/a', y: 2 },
      { x: '/c', y: 2 },
      { x: '/d', y: 1 }
    ])
  })

  test('entry pages of the visits a filter selects keep their real first page', async () => {
    // Visits that viewed /c: a2 (entered at /c) and b1 (entered at /a).
    expect(await metrics('entry', { path: 'eq./c' })).toEqual([
      { x: '/a', y: 1 },
      { x: '/c', y: 1 }
    ])
    // Visitors from France: ben (b1 at /a) and eve (e1 at /d).
    expect(await metrics('entry', { country: 'FR' })).toEqual([
      { x: '/a', y: 1 },
      { x: '/d', y: 1 }
    ])
  })

  test('referrers leave out the site itself (with or without www.) and direct traffic', async () => {
    // google.com: ann and dan; example.com and www.example.com referrers are the site's own.
    expect(await metrics('referrer')).toEqual([
      { x: 'google.com', y: 2 },
      { x: 'blog.example.org', y: 1 },
      { x: 'news.ycombinator.com', y: 1 },
      { x: 't.co', y: 1 }
    ])
    expect(await metrics('domain')).toEqual(await metrics('referrer'))
  })

  test("a website whose domain is entered with www. leaves out its own referrals from every host", async () => {
    const own = await createWebsiteV1(server.app, token, { name: 'Own', domain: 'www.mysite.com' })
    await writeHits(server, [
      // From the bare domain to a subdomain page: self by the website's domain.
      { websiteId: own.website_id, session: 'x', at: '2026-01-10T10:00:00Z', hostname: 'app.mysite.com', referrer: 'https://mysite.com/' },
      // From the page's own host: self by hostname.
      { websiteId: own.website_id, session: 'y', at: '2026-01-10T10:00:00Z', hostname: 'app.mysite.com', referrer: 'https://app.mysite.com/x' },
      { websiteId: own.website_id, session: 'z', at: '2026-01-10T10:00:00Z', hostname: 'app.mysite.com', referrer: 'https://other.com/' }
    ])
    expect(await metrics('referrer', {}, own)).toEqual([{ x: 'other.com', y: 1 }])
  })

  test('titles, queries and UTM values leave out views without them', async () => {
    expect(await metrics('title')).toEqual([
      { x: 'Page A', y: 1 },
      { x: 'Page B', y: 1 },
      { x: 'Page C', y: 1 }
    ])
    expect(await metrics('query')).toEqual([
      { x: 'gclid=123', y: 1 },
      { x: 'utm_source=newsletter&utm_medium=email', y: 1 }
    ])
    expect(await metrics('utmSource')).toEqual([{ x: 'newsletter', y: 1 }])
    expect(await metrics('utmMedium')).toEqual([{ x: 'email', y: 1 }])
    // Every view was on example.com; "host" is the v2 name.
    expect(await metrics('hostname')).toEqual([{ x: 'example.com', y: 6 }])
    expect(await metrics('host')).toEqual([{ x: 'example.com', y: 6 }])
  })

  test('session types count visitors; languages fold to two lower-case letters', async () => {
    expect(await metrics('browser')).toEqual([
      { x: 'chrome', y: 4 },
      { x: 'firefox', y: 1 },
      { x: 'safari', y: 1 }
    ])
    // en-US, en-GB, EN, en-US → en; de-DE → de; fr-FR → fr.
    expect(await metrics('language')).toEqual([
      { x: 'en', y: 4 },
      { x: 'de', y: 1 },
      { x: 'fr', y: 1 }
    ])
    expect(await metrics('country')).toEqual([
      { x: 'DE', y: 3 },
      { x: 'FR', y: 2 },
      { x: 'US', y: 1 }
    ])
    // City rows name their country (no city is known in these hits).
    expect(await metrics('city')).toEqual([
      { x: null, y: 3, country: 'DE' },
      { x: null, y: 2, country: 'FR' },
      { x: null, y: 1, country: 'US' }
    ])
  })

  test('event counts custom events, not visitors', async () => {
    // signup: ann twice, ben once.
    expect(await metrics('event')).toEqual([
      { x: 'signup', y: 3 },
      { x: 'download', y: 1 }
    ])
    // Custom events on /c: ann's second signup, ben's signup and download.
    expect(await metrics('event', { path: '/c' })).toEqual([
      { x: 'signup', y: 2 },
      { x: 'download', y: 1 }
    ])
  })

  test('channels classify each visit by its referrer, UTM medium and click ids', async () => {
    // a1 google → organicSearch; a2 news.ycombinator.com and b1 t.co → organicSocial; c1 utm_medium=email →
    // email; d1 google + gclid → paidSearch; e1 blog.example.org → referral; f1 none and f2 self → direct.
    expect(await metrics('channel')).toEqual([
      { x: 'organicSocial', y: 2 },
      { x: 'direct', y: 1 },
      { x: 'email', y: 1 },
      { x: 'organicSearch', y: 1 },
      { x: 'paidSearch', y: 1 },
      { x: 'referral', y: 1 }
    ])
  })

  test('channels: affiliate, sms, paid social, paid ads, video, shopping, webmail and foreign search domains', async () => {
    const channels = await createWebsiteV1(server.app, token, { name: 'Channels', domain: 'example.com' })
    const at = '2026-01-10T10:00:00Z'
    await writeHits(
      server,
      [
        { session: 'v1', query: 'utm_medium=affiliate' },
        { session: 'v2', query: 'utm_source=sms' },
        // Facebook's link shim with a paid medium.
        { session: 'v3', referrer: 'https://l.facebook.com/', query: 'utm_medium=paid_social' },
        // Paid, but neither a search engine nor a social network.
        { session: 'v4', query: 'utm_medium=cpc&utm_source=partner' },
        { session: 'v5', referrer: 'https://www.youtube.com/watch?v=1' },
        { session: 'v6', referrer: 'https://www.amazon.de/' },
        // Gmail on google's domain is mail, not search; google.co.uk is search.
        { session: 'v7', referrer: 'https://mail.google.com/' },
        { session: 'v8', referrer: 'https://www.google.co.uk/' }
      ].map((h) => ({ ...h, at, websiteId: channels.website_id }))
    )
    expect(await metrics('channel', {}, channels)).toEqual([
      { x: 'affiliate', y: 1 },
      { x: 'email', y: 1 },
      { x: 'organicSearch', y: 1 },
      { x: 'organicShopping', y: 1 },
      { x: 'organicVideo', y: 1 },
      { x: 'paidAds', y: 1 },
      { x: 'paidSocial', y: 1 },
      { x: 'sms', y: 1 }
    ])
  })

  test('filters change the numbers', async () => {
    // Chrome only: /a ann, dan, fay; /b ann, fay; /c ann; /d eve.
    expect(await metrics('path', { browser: 'eq.chrome' })).toEqual([
      { x: '/a', y: 3 },
      { x: '/b', y: 2 },
      { x: '/c', y: 1 },
      { x: '/d', y: 1 }
    ])
    // v2 prefix syntax: not Chrome → ben (/a, /c) and cat (/b).
    expect(await metrics('path', { browser: '!chrome' })).toEqual([
      { x: '/a', y: 1 },
      { x: '/b', y: 1 },
      { x: '/c', y: 1 }
    ])
  })

  test('limit, offset and search', async () => {
    expect(await metrics('path', { limit: 2, offset: 1 })).toEqual([
      { x: '/b', y: 3 },
      { x: '/c', y: 2 }
    ])
    expect(await metrics('path', { search: 'c' })).toEqual([{ x: '/c', y: 2 }])
    // Search matches the shown value, case-insensitively: "E" is in "en" and "de".
    expect(await metrics('language', { search: 'E' })).toEqual([
      { x: 'en', y: 4 },
      { x: 'de', y: 1 }
    ])
  })

  test('an unknown or missing type, or a bad limit, is a 400 naming what is allowed', async () => {
    const bad: Record<string, string | number>[] = [{ type: 'pages' }, {}, { type: 'path', limit: 0 }, { type: 'path', offset: -1 }]
    for (const query of bad) {
      const res = await get('metrics', { ...DAY, ...query })
      expect(res.statusCode, JSON.stringify(query)).toBe(400)
      expect(res.json().error.code).toBe('bad-request')
    }
    expect((await get('metrics', { ...DAY, type: 'pages' })).json().error.message).toMatch(/path.*browser/)
  })
})

describe('GET /api/websites/:id/metrics/expanded', () => {
  test('per page: views, visitors, visits, and the bounces and time of those visits', async () => {
    const res = await get('metrics/expanded', { ...DAY, type: 'path' })
    expect(res.statusCode, res.body).toBe(200)
    // /a: views a1×2, b1, d1, f1; visits a1 (3 views, 120 s), b1 (2 views, 300 s), d1 and f1 (bounces).
    // /b: a1, c1, f2 → c1 and f2 bounce; a1's 120 s.  /c: a2 (bounce), b1 (300 s).  /d: e1 (bounce).
    expect(res.json()).toEqual([
      { name: '/a', pageviews: 5, visitors: 4, visits: 4, bounces: 2, totaltime: 420 },
      { name: '/b', pageviews: 3, visitors: 3, visits: 3, bounces: 2, totaltime: 120 },
      { name: '/c', pageviews: 2, visitors: 2, visits: 2, bounces: 1, totaltime: 300 },
      { name: '/d', pageviews: 1, visitors: 1, visits: 1, bounces: 1, totaltime: 0 }
    ])
  })

  test('per browser, ordered by visitors then visits', async () => {
    const res = await get('metrics/expanded', { ...DAY, type: 'browser' })
    // chrome: ann (a1 3 views, a2 1), dan, eve, fay (f1, f2) → 8 views, 6 visits, 5 one-view visits, a1's 120 s.
    expect(res.json()).toEqual([
      { name: 'chrome', pageviews: 8, visitors: 4, visits: 6, bounces: 5, totaltime: 120 },
      { name: 'firefox', pageviews: 2, visitors: 1, visits: 1, bounces: 0, totaltime: 300 },
      { name: 'safari', pageviews: 1, visitors: 1, visits: 1, bounces: 1, totaltime: 0 }
    ])
  })

  test('rejects an unknown type', async () => {
    expect((await get('metrics/expanded', { ...DAY, type: 'nope' })).statusCode).toBe(400)
  })
})

describe('GET /api/websites/:id/values', () => {
  test('the ten most frequent values of a filter field, counting events of every kind', async () => {
    const res = await get('values', { ...DAY, type: 'path' })
    expect(res.statusCode, res.body).toBe(200)
    // /a: 5 views; /c: 2 views + 3 custom events; /b: 3 views + 1 custom event; /d: 1 view.
    expect(res.json()).toEqual([
      { value: '/a', count: 5 },
      { value: '/c', count: 5 },
      { value: '/b', count: 4 },
      { value: '/d', count: 1 }
    ])
    // Session fields count the events of their sessions: chrome = ann 6 + dan 1 + eve 1 + fay 2.
    expect((await get('values', { ...DAY, type: 'browser' })).json()).toEqual([
      { value: 'chrome', count: 10 },
      { value: 'firefox', count: 4 },
      { value: 'safari', count: 1 }
    ])
  })

  test('search takes up to five comma-separated fragments; referrers leave out the site', async () => {
    expect((await get('values', { ...DAY, type: 'url', search: 'a,d' })).json()).toEqual([
      { value: '/a', count: 5 },
      { value: '/d', count: 1 }
    ])
    expect((await get('values', { ...DAY, type: 'referrer' })).json()).toEqual([
      { value: 'google.com', count: 2 },
      { value: 'blog.example.org', count: 1 },
      { value: 'news.ycombinator.com', count: 1 },
      { value: 't.co', count: 1 }
    ])
    expect((await get('values', { ...DAY, type: 'path', search: 'a,b,c,d,e,f' })).statusCode).toBe(400)
  })

  test('a type that is no filter name is a 400', async () => {
    for (const type of ['segment', 'password', '']) {
      const res = await get('values', { ...DAY, type })
      expect(res.statusCode).toBe(400)
      expect(res.json().error.message).toMatch(/filter name/)
    }
  })
})
