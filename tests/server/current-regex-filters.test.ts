import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type HitSpec, writeHits } from '../current-helpers'
import { bearer, createTestServer, createWebsiteV1, login, type TestServer } from '../helpers'

// Regular-expression filters (`re` / `nre`, umami-v2.md §1.1) on /stats and /metrics of the current API.

let server: TestServer
let token: string
let site: Website

type Website = Awaited<ReturnType<typeof createWebsiteV1>>
type Hit = Omit<HitSpec, 'websiteId'>

const ms = (iso: string) => Date.parse(iso)
const DAY = { startAt: ms('2026-01-10T00:00:00Z'), endAt: ms('2026-01-11T00:00:00Z') - 1 }

const ann = { session: 'ann', visit: 'a1', browser: 'chrome', country: 'DE' }
const ben = { session: 'ben', visit: 'b1', browser: 'firefox', country: 'FR' }
const cat = { session: 'cat', visit: 'c1', browser: 'safari', country: 'DE' }
const dan = { session: 'dan', visit: 'd1', browser: 'edge-chromium', country: 'US' }
const eve = { session: 'eve', visit: 'e1', browser: 'chrome', country: 'US' }

/**
 * Five visitors, one visit each, on example.com (the website's own domain). Views v1–v8:
 *   ann  v1 10:00:00 /blog/2024/hello (google.com)   v2 10:00:40 /blog/2024/world (example.com: self)
 *        v3 10:02:00 /pricing                        event "signup" 10:03
 *   ben  v4 11:00:00 /blog/2025/news (news.ycombinator.com)            event "Download-PDF" 11:01
 *   cat  v5 12:00:00 /docs/intro (google.de)         v6 12:00:30 /docs/api
 *   dan  v7 13:00:00 /Blog/2024/caps (t.co)                            event "signup_click" 13:01
 *   eve  v8 14:00:00 /pricing
 * Unfiltered: 8 views, 5 visitors, 5 visits, 3 bounces (b1, d1, e1), 150 s (a1 120 + c1 30).
 */
const HITS: Hit[] = [
  { ...ann, at: '2026-01-10T10:00:00Z', path: '/blog/2024/hello', referrer: 'https://www.google.com/search?q=x' },
  { ...ann, at: '2026-01-10T10:00:40Z', path: '/blog/2024/world', referrer: 'https://example.com/blog' },
  { ...ann, at: '2026-01-10T10:02:00Z', path: '/pricing' },
  { ...ann, at: '2026-01-10T10:03:00Z', path: '/pricing', eventName: 'signup' },
  { ...ben, at: '2026-01-10T11:00:00Z', path: '/blog/2025/news', referrer: 'https://news.ycombinator.com/item?id=1' },
  { ...ben, at: '2026-01-10T11:01:00Z', path: '/blog/2025/news', eventName: 'Download-PDF' },
  { ...cat, at: '2026-01-10T12:00:00Z', path: '/docs/intro', referrer: 'https://www.google.de/' },
  { ...cat, at: '2026-01-10T12:00:30Z', path: '/docs/api' },
  { ...dan, at: '2026-01-10T13:00:00Z', path: '/Blog/2024/caps', referrer: 'https://t.co/x' },
  { ...dan, at: '2026-01-10T13:01:00Z', path: '/Blog/2024/caps', eventName: 'signup_click' },
  { ...eve, at: '2026-01-10T14:00:00Z', path: '/pricing' }
]

beforeAll(async () => {
  server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  token = await login(server.app)
  site = await createWebsiteV1(server.app, token, { name: 'Regex', domain: 'example.com' })
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

async function stats(filters: Record<string, string>, website: Website = site) {
  const res = await get('stats', { ...DAY, ...filters }, website)
  expect(res.statusCode, res.body).toBe(200)
  const { pageviews, visitors, visits, bounces, totaltime } = res.json()
  return { pageviews, visitors, visits, bounces, totaltime }
}

async function metrics(type: string, filters: Record<string, string>) {
  const res = await get('metrics', { ...DAY, type, ...filters })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

describe('re / nre on /stats', () => {
  test('unfiltered numbers, for reference', async () => {
    expect(await stats({})).toEqual({ pageviews: 8, visitors: 5, visits: 5, bounces: 3, totaltime: 150 })
  })

  test('path: a case-insensitive match, anchored where the pattern says', async () => {
    // v1, v2 (ann: one visit of two views, 40 s), v4 (ben), v7 (dan, "/Blog"): b1 and d1 bounce.
    expect(await stats({ path: 're.^/blog/\\d{4}/' })).toEqual({ pageviews: 4, visitors: 3, visits: 3, bounces: 2, totaltime: 40 })
    // v5, v6 (cat, 30 s).
    expect(await stats({ path: 're.^/docs/(intro|api)$' })).toEqual({ pageviews: 2, visitors: 1, visits: 1, bounces: 0, totaltime: 30 })
    // Unanchored: "2024" anywhere (v1, v2, v7).
    expect(await stats({ path: 're.2024' })).toMatchObject({ pageviews: 3, visitors: 2 })
  })

  test('path: nre keeps everything else', async () => {
    // v3 (ann's /pricing alone: a bounce), v5, v6 (cat, 30 s), v8 (eve: a bounce).
    expect(await stats({ path: 'nre.^/blog/' })).toEqual({ pageviews: 4, visitors: 3, visits: 3, bounces: 2, totaltime: 30 })
  })

  test('referrer: matches the referring domain and, like every referrer filter, leaves out self-referrals', async () => {
    // v1 (google.com) and v5 (google.de, "www." dropped when stored).
    expect(await stats({ referrer: 're.^google\\.[a-z]+$' })).toEqual({ pageviews: 2, visitors: 2, visits: 2, bounces: 2, totaltime: 0 })
    // Not Google: v3, v6, v8 (no referrer), v4 (news.ycombinator.com), v7 (t.co); v2 comes from the site itself.
    expect(await stats({ referrer: 'nre.google' })).toEqual({ pageviews: 5, visitors: 5, visits: 5, bounces: 5, totaltime: 0 })
  })

  test('browser: a session attribute', async () => {
    // "^chrom": ann (3 views) and eve (1); "chrom" anywhere adds dan's edge-chromium; case does not matter.
    expect(await stats({ browser: 're.^chrom' })).toMatchObject({ pageviews: 4, visitors: 2 })
    expect(await stats({ browser: 're.chrom' })).toMatchObject({ pageviews: 5, visitors: 3 })
    expect(await stats({ browser: 're.CHROM' })).toMatchObject({ pageviews: 5, visitors: 3 })
    expect(await stats({ browser: 'nre.^(chrome|firefox)$' })).toMatchObject({ pageviews: 3, visitors: 2 })
  })

  test('event: views have no event name, so re selects none of them and nre all of them', async () => {
    expect(await stats({ event: 're.signup' })).toMatchObject({ pageviews: 0, visitors: 0 })
    expect(await stats({ event: 'nre.signup' })).toMatchObject({ pageviews: 8, visitors: 5 })
  })

  test('combines with other filters, numbered repeats and match=any', async () => {
    // Blog pages not seen with Firefox: v1, v2 (ann), v7 (dan).
    expect(await stats({ path: 're.^/blog/', browser: 'nre.firefox' })).toMatchObject({ pageviews: 3, visitors: 2 })
    expect(await stats({ path: 're.^/blog/', path1: 'nre.2025' })).toMatchObject({ pageviews: 3, visitors: 2 })
    // Docs pages or Firefox: v4 (ben), v5, v6 (cat).
    expect(await stats({ path: 're.^/docs/', browser: 're.^firefox$', match: 'any' })).toMatchObject({ pageviews: 3, visitors: 2 })
    // The v2 "~" prefix stays "contains", so its text is literal.
    expect(await stats({ url: '~^/blog' })).toMatchObject({ pageviews: 0 })
  })
})

describe('re / nre on /metrics', () => {
  test('path rows are the matching pages', async () => {
    expect(await metrics('path', { path: 're./\\d{4}/' })).toEqual([
      { x: '/Blog/2024/caps', y: 1 },
      { x: '/blog/2024/hello', y: 1 },
      { x: '/blog/2024/world', y: 1 },
      { x: '/blog/2025/news', y: 1 }
    ])
  })

  test('referrer rows', async () => {
    expect(await metrics('referrer', { referrer: 're.^google\\.' })).toEqual([
      { x: 'google.com', y: 1 },
      { x: 'google.de', y: 1 }
    ])
    expect(await metrics('referrer', { referrer: 'nre.google' })).toEqual([
      { x: 'news.ycombinator.com', y: 1 },
      { x: 't.co', y: 1 }
    ])
  })

  test('browser rows', async () => {
    expect(await metrics('browser', { browser: 'nre.chrom' })).toEqual([
      { x: 'firefox', y: 1 },
      { x: 'safari', y: 1 }
    ])
    expect(await metrics('browser', { browser: 're.chrom' })).toEqual([
      { x: 'chrome', y: 2 },
      { x: 'edge-chromium', y: 1 }
    ])
  })

  test('event rows count the matching custom events', async () => {
    expect(await metrics('event', { event: 're.^signup' })).toEqual([
      { x: 'signup', y: 1 },
      { x: 'signup_click', y: 1 }
    ])
    expect(await metrics('event', { event: 're.pdf$' })).toEqual([{ x: 'Download-PDF', y: 1 }])
    expect(await metrics('event', { event: 'nre.^signup' })).toEqual([{ x: 'Download-PDF', y: 1 }])
  })

  test('a filter on another field narrows the rows', async () => {
    // Pages of visitors whose browser is exactly chrome: ann and eve.
    expect(await metrics('path', { browser: 're.^chrome$' })).toEqual([
      { x: '/pricing', y: 2 },
      { x: '/blog/2024/hello', y: 1 },
      { x: '/blog/2024/world', y: 1 }
    ])
  })
})

describe('patterns that cannot be used', () => {
  async function refused(endpoint: string, filters: Record<string, string>) {
    const res = await get(endpoint, { ...DAY, ...(endpoint === 'metrics' ? { type: 'path' } : {}), ...filters })
    expect(res.statusCode, res.body).toBe(400)
    const { error } = res.json()
    expect(error).toMatchObject({ code: 'bad-request', status: 400 })
    return error.message as string
  }

  test('an invalid pattern is a 400 naming the filter and what is wrong', async () => {
    expect(await refused('stats', { path: 're.(blog' })).toBe('Invalid regular expression in the path filter: missing closing ): `(blog`')
    expect(await refused('metrics', { referrer: 'nre.[a-' })).toMatch(/^Invalid regular expression in the referrer filter: missing closing \]/)
    expect(await refused('metrics', { browser: 're.+chrome' })).toMatch(/browser filter: missing argument to repetition operator/)
    // RE2 has no lookaround or back-references: they are what makes matching time explode.
    expect(await refused('stats', { event: 're.sign(?=up)' })).toMatch(/event filter: invalid or unsupported Perl syntax: `\(\?=`/)
    expect(await refused('stats', { path: 're.(a)\\1' })).toMatch(/path filter: invalid escape sequence: `\\1`/)
  })

  test('a pattern longer than 500 characters is refused', async () => {
    expect(await refused('stats', { path: 're.' + 'a'.repeat(501) })).toMatch(/path filter: a pattern may be at most 500 characters/)
    expect(await stats({ path: 're.' + 'x'.repeat(500) })).toMatchObject({ pageviews: 0 })
  })

  test('patterns that make a backtracking engine run for minutes answer at once', async () => {
    const long = await createWebsiteV1(server.app, token, { name: 'Long', domain: 'long.example' })
    const path = '/' + 'a'.repeat(400) + '!'
    await writeHits(server, [{ websiteId: long.website_id, session: 'x', at: '2026-01-10T10:00:00Z', path }])
    // A backtracking engine (V8's) needs tens of seconds or far longer for any of these against this one
    // path; RE2 is linear in the value, so they answer (a hang would fail by the test's timeout).
    expect(await stats({ path: 're.(a+)+$' }, long)).toMatchObject({ pageviews: 0 })
    expect(await stats({ path: 're.(a|a)*!$' }, long)).toMatchObject({ pageviews: 1 })
    expect(await stats({ path: 're.a*a*a*a*b' }, long)).toMatchObject({ pageviews: 0 })
    expect(await stats({ path: 'nre..*.*.*.*x' }, long)).toMatchObject({ pageviews: 1 })
  })
})
