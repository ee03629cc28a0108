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

// Every test gets its own website; expected rows are counted by hand from the hits each test sends.

let server: TestServer
let token: string

beforeAll(async () => {
  // Tests move the clock; the login token must outlive all of it.
  server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  token = await login(server.app)
})

afterAll(async () => {
  await server.close()
})

type Website = Awaited<ReturnType<typeof createWebsiteV1>>
type Row = { x: string | null; y: number }

const ms = (iso: string) => Date.parse(iso)
const START = ms('2026-01-15T00:00:00Z')
const END = ms('2026-01-15T23:59:59.999Z')
const AT = '2026-01-15T10:00:00Z'

async function newSite(domain: string | null = 'example.com'): Promise<Website> {
  return createWebsiteV1(server.app, token, { name: 'Metrics', domain })
}

async function hit(site: Website, opts: V1HitOptions = {}, at = AT) {
  server.clock.set(at)
  const res = await collectV1(server.app, site.website_uuid, opts)
  expect(res.statusCode, res.body).toBe(200)
}

/** A pageview whose payload leaves out the given fields (the helper always sends them). */
async function bareHit(site: Website, omit: ('referrer' | 'language')[], opts: { ip: string; ua?: string; url?: string }, at = AT) {
  server.clock.set(at)
  const payload: Record<string, unknown> = {
    website: site.website_uuid,
    url: opts.url ?? '/',
    hostname: 'example.com',
    screen: '1366x768',
    language: 'en-US',
    referrer: ''
  }
  for (const key of omit) delete payload[key]
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/collect',
    headers: { 'user-agent': opts.ua ?? CHROME_UA },
    payload: { type: 'pageview', payload },
    remoteAddress: opts.ip
  })
  expect(res.statusCode, res.body).toBe(200)
}

function get(site: Website, query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
  return server.app.inject({ method: 'GET', url: `/api/website/${site.website_id}/metrics?${qs}`, headers: bearer(token) })
}

async function metrics(site: Website, type: string, filters: Record<string, string> = {}): Promise<Row[]> {
  const res = await get(site, { type, start_at: START, end_at: END, ...filters })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

/** The rows are sorted by y descending and are, in some order among equal counts, exactly `expected`. */
function expectRanked(rows: Row[], expected: Row[]) {
  const ys = rows.map((r) => r.y)
  expect(ys).toEqual([...ys].sort((a, b) => b - a))
  expect(rows).toHaveLength(expected.length)
  expect(rows).toEqual(expect.arrayContaining(expected))
}

/** `n` pageviews of one visitor. */
async function times(n: number, site: Website, opts: V1HitOptions) {
  for (let i = 0; i < n; i++) await hit(site, opts, new Date(ms(AT) + i * 1000).toISOString())
}

describe('GET /api/website/:id/metrics', () => {
  test('url: counts pageviews per path and query as sent, most viewed first', async () => {
    const site = await newSite()
    await times(3, site, { ip: '203.0.113.1', url: '/' })
    await times(2, site, { ip: '203.0.113.2', url: '/a?x=1' })
    await hit(site, { ip: '203.0.113.3', url: '/a' })
    await hit(site, { ip: '203.0.113.3', url: '/a?', eventName: 'click' }) // an event: not a pageview
    expect(await metrics(site, 'url')).toEqual([
      { x: '/', y: 3 },
      { x: '/a?x=1', y: 2 },
      { x: '/a', y: 1 }
    ])
  })

  test('url: honours the referrer and session filters but not the url filter', async () => {
    const site = await newSite()
    await hit(site, { ip: '203.0.113.1', url: '/a', referrer: 'https://google.com/' })
    await hit(site, { ip: '203.0.113.1', url: '/b', referrer: 'https://bing.com/' })
    await hit(site, { ip: '203.0.113.2', url: '/a', referrer: 'https://google.com/', ua: FIREFOX_LINUX_UA })
    expect(await metrics(site, 'url', { referrer: 'google' })).toEqual([{ x: '/a', y: 2 }])
    expect(await metrics(site, 'url', { referrer: 'google', os: 'Linux' })).toEqual([{ x: '/a', y: 1 }])
    expectRanked(await metrics(site, 'url', { url: '/b' }), [
      { x: '/a', y: 2 },
      { x: '/b', y: 1 }
    ])
  })

  test('referrer: leaves out internal, missing and self referrers and keeps direct traffic as ""', async () => {
    const site = await newSite('example.com')
    await times(4, site, { ip: '203.0.113.1', referrer: '' })
    await times(3, site, { ip: '203.0.113.2', referrer: 'https://google.com/search' })
    await times(2, site, { ip: '203.0.113.3', referrer: 'https://notexample.com/' })
    // Hosts that merely contain the site's domain are other sites.
    await hit(site, { ip: '203.0.113.4', referrer: 'https://example.com.evil.net/' })
    // The site itself, with and without www., a path, a port or capitals: not referrals.
    await hit(site, { ip: '203.0.113.5', referrer: 'https://example.com/about' })
    await hit(site, { ip: '203.0.113.5', referrer: 'https://www.example.com/' })
    await hit(site, { ip: '203.0.113.5', referrer: 'https://example.com' })
    await hit(site, { ip: '203.0.113.5', referrer: 'http://www.example.com:8080/x' })
    await hit(site, { ip: '203.0.113.5', referrer: 'HTTPS://EXAMPLE.COM/Path' })
    // Internal SPA navigation sends the previous path.
    await hit(site, { ip: '203.0.113.5', referrer: '/previous-page' })
    // No referrer at all.
    await bareHit(site, ['referrer'], { ip: '203.0.113.6' })
    expect(await metrics(site, 'referrer')).toEqual([
      { x: '', y: 4 },
      { x: 'https://google.com/search', y: 3 },
      { x: 'https://notexample.com/', y: 2 },
      { x: 'https://example.com.evil.net/', y: 1 }
    ])
  })

  test('referrer: finds the own domain however the website entered it', async () => {
    const site = await newSite('https://www.Example.org/blog')
    await hit(site, { ip: '203.0.113.1', referrer: 'https://example.org/x' })
    await hit(site, { ip: '203.0.113.1', referrer: 'https://www.example.org/' })
    await hit(site, { ip: '203.0.113.1', referrer: 'https://example.com/' })
    expect(await metrics(site, 'referrer')).toEqual([{ x: 'https://example.com/', y: 1 }])
  })

  test('referrer: recognises an internationalised own domain in either spelling', async () => {
    const site = await newSite('Bücher.de')
    await hit(site, { ip: '203.0.113.1', referrer: 'https://bücher.de/x' })
    await hit(site, { ip: '203.0.113.1', referrer: 'https://www.bücher.de/' })
    await hit(site, { ip: '203.0.113.1', referrer: 'https://xn--bcher-kva.de/' }) // the punycode of bücher.de
    await hit(site, { ip: '203.0.113.1', referrer: 'https://bucher.de/' }) // another site
    expect(await metrics(site, 'referrer')).toEqual([{ x: 'https://bucher.de/', y: 1 }])
  })

  test('referrer: without a website domain only internal and missing referrers are left out', async () => {
    const site = await newSite(null)
    await hit(site, { ip: '203.0.113.1', referrer: 'https://example.com/' })
    await hit(site, { ip: '203.0.113.1', referrer: '/internal' })
    await bareHit(site, ['referrer'], { ip: '203.0.113.1' })
    expect(await metrics(site, 'referrer')).toEqual([{ x: 'https://example.com/', y: 1 }])
  })

  test('referrer: honours the url and session filters but not the referrer filter', async () => {
    const site = await newSite()
    await hit(site, { ip: '203.0.113.1', url: '/a', referrer: 'https://google.com/' })
    await hit(site, { ip: '203.0.113.1', url: '/b', referrer: 'https://bing.com/' })
    await hit(site, { ip: '203.0.113.2', url: '/a', referrer: 'https://bing.com/', ua: FIREFOX_LINUX_UA })
    expectRanked(await metrics(site, 'referrer', { url: '/a' }), [
      { x: 'https://google.com/', y: 1 },
      { x: 'https://bing.com/', y: 1 }
    ])
    expect(await metrics(site, 'referrer', { url: '/a', browser: 'firefox' })).toEqual([{ x: 'https://bing.com/', y: 1 }])
    expect(await metrics(site, 'referrer', { referrer: 'google' })).toEqual([
      { x: 'https://bing.com/', y: 2 },
      { x: 'https://google.com/', y: 1 }
    ])
  })

  test('query: counts only urls with a query string, giving the full url, and honours the url, referrer and session filters', async () => {
    const site = await newSite()
    await times(3, site, { ip: '203.0.113.1', url: '/p?id=1' })
    await times(2, site, { ip: '203.0.113.2', url: '/p?id=2', referrer: 'https://google.com/' })
    await hit(site, { ip: '203.0.113.3', url: '/p?' })
    await hit(site, { ip: '203.0.113.3', url: '/p' })
    expect(await metrics(site, 'query')).toEqual([
      { x: '/p?id=1', y: 3 },
      { x: '/p?id=2', y: 2 },
      { x: '/p?', y: 1 }
    ])
    expect(await metrics(site, 'query', { url: '/p?id=2' })).toEqual([{ x: '/p?id=2', y: 2 }])
    expect(await metrics(site, 'query', { referrer: 'google' })).toEqual([{ x: '/p?id=2', y: 2 }])
    expect(await metrics(site, 'query', { os: 'Linux' })).toEqual([])
  })

  test('event: counts custom events by name and honours the url and session filters', async () => {
    const site = await newSite()
    await hit(site, { ip: '203.0.113.1', url: '/pricing', eventName: 'click' })
    await hit(site, { ip: '203.0.113.1', url: '/pricing', eventName: 'click' })
    await hit(site, { ip: '203.0.113.2', url: '/', eventName: 'click', ua: FIREFOX_LINUX_UA })
    await hit(site, { ip: '203.0.113.2', url: '/pricing', eventName: 'signup', ua: FIREFOX_LINUX_UA })
    await hit(site, { ip: '203.0.113.3', url: '/pricing' }) // a pageview: not an event
    expect(await metrics(site, 'event')).toEqual([
      { x: 'click', y: 3 },
      { x: 'signup', y: 1 }
    ])
    expect(await metrics(site, 'event', { url: '/pricing' })).toEqual([
      { x: 'click', y: 2 },
      { x: 'signup', y: 1 }
    ])
    expectRanked(await metrics(site, 'event', { os: 'Linux' }), [
      { x: 'click', y: 1 },
      { x: 'signup', y: 1 }
    ])
  })

  describe('session attributes', () => {
    // Five sessions with pageviews in range, one with events only and one with pageviews only the next day:
    //   S1 Chrome/Windows 10, 1920x1080 → desktop, 8.8.8.8 → US, en-US, 3 pageviews
    //   S2 iPhone Safari (ios/iOS), 390x844 → mobile, private → null, en-GB, 1 pageview
    //   S3 Firefox/Linux, 1366x768 → laptop, private, de-DE, 2 pageviews
    //   S4 Chrome/Windows 10, 1920x1080 → desktop, private, EN, 1 pageview
    //   S5 Chrome/Windows 10, 1366x768 → laptop, private, no language, 1 pageview
    //   S6 Firefox/Linux, events only; S7 iPhone, a pageview on 2026-01-16 (out of range)
    let site: Website
    beforeAll(async () => {
      site = await newSite()
      await times(3, site, { ip: '8.8.8.8', ua: CHROME_UA, screen: '1920x1080', language: 'en-US', url: '/s1' })
      await hit(site, { ip: '10.0.0.2', ua: IPHONE_UA, screen: '390x844', language: 'en-GB', url: '/s2', referrer: 'https://google.com/' })
      await times(2, site, { ip: '10.0.0.3', ua: FIREFOX_LINUX_UA, screen: '1366x768', language: 'de-DE', url: '/s3' })
      await hit(site, { ip: '10.0.0.4', ua: CHROME_UA, screen: '1920x1080', language: 'EN', url: '/s4' })
      await bareHit(site, ['language'], { ip: '10.0.0.5', ua: CHROME_UA, url: '/s5' })
      await hit(site, { ip: '10.0.0.6', ua: FIREFOX_LINUX_UA, screen: '1366x768', language: 'fr-FR', eventName: 'click' })
      await hit(site, { ip: '10.0.0.7', ua: IPHONE_UA, screen: '390x844', language: 'ja-JP' }, '2026-01-16T10:00:00Z')
    })

    test('browser: counts sessions with a pageview in range, not pageviews', async () => {
      expectRanked(await metrics(site, 'browser'), [
        { x: 'chrome', y: 3 }, // S1, S4, S5 (S1's three pageviews count once)
        { x: 'firefox', y: 1 }, // S3 (S6 has no pageview)
        { x: 'ios', y: 1 } // S2 (S7 is out of range)
      ])
    })

    test('os: counts sessions per operating system', async () => {
      expectRanked(await metrics(site, 'os'), [
        { x: 'Windows 10', y: 3 },
        { x: 'Linux', y: 1 },
        { x: 'iOS', y: 1 }
      ])
    })

    test('device: counts sessions per device type', async () => {
      expectRanked(await metrics(site, 'device'), [
        { x: 'desktop', y: 2 }, // S1, S4
        { x: 'laptop', y: 2 }, // S3, S5
        { x: 'mobile', y: 1 } // S2
      ])
    })

    test('country: counts sessions per country, null for private addresses', async () => {
      expect(await metrics(site, 'country')).toEqual([
        { x: null, y: 4 },
        { x: 'US', y: 1 }
      ])
    })

    test('screen: counts sessions per screen size', async () => {
      expectRanked(await metrics(site, 'screen'), [
        { x: '1920x1080', y: 2 },
        { x: '1366x768', y: 2 }, // S3 and S5 (bareHit sends 1366x768)
        { x: '390x844', y: 1 }
      ])
    })

    test('language: folds regional variants and case into the language, and a missing one into "null"', async () => {
      expectRanked(await metrics(site, 'language'), [
        { x: 'en', y: 3 }, // en-US, en-GB, EN
        { x: 'de', y: 1 },
        { x: 'null', y: 1 }
      ])
    })

    test('applies the session filters, including one on the column asked for', async () => {
      expect(await metrics(site, 'browser', { os: 'Windows 10', device: 'laptop' })).toEqual([{ x: 'chrome', y: 1 }])
      expect(await metrics(site, 'os', { os: 'Linux' })).toEqual([{ x: 'Linux', y: 1 }])
      expect(await metrics(site, 'language', { country: 'US' })).toEqual([{ x: 'en', y: 1 }])
    })

    test('ignores the url and referrer filters', async () => {
      const expected = [
        { x: 'Windows 10', y: 3 },
        { x: 'Linux', y: 1 },
        { x: 'iOS', y: 1 }
      ]
      expectRanked(await metrics(site, 'os', { url: '/s2' }), expected)
      expectRanked(await metrics(site, 'os', { referrer: 'google' }), expected)
    })

    test('counts a session only while one of its pageviews is in range', async () => {
      const res = await get(site, { type: 'os', start_at: ms('2026-01-16T00:00:00Z'), end_at: ms('2026-01-16T23:59:59.999Z') })
      expect(res.json()).toEqual([{ x: 'iOS', y: 1 }]) // S7 only
    })
  })

  test('answers [] for a range without data', async () => {
    const site = await newSite()
    for (const type of ['url', 'referrer', 'query', 'event', 'browser', 'os', 'device', 'country', 'language', 'screen']) {
      expect(await metrics(site, type), type).toEqual([])
    }
  })

  test('rejects an unknown or missing type with 400', async () => {
    const site = await newSite()
    for (const type of ['pages', 'utm_source', '']) {
      const res = await get(site, { type, start_at: START, end_at: END })
      expect(res.statusCode, type).toBe(400)
    }
    expect((await get(site, { start_at: START, end_at: END })).statusCode).toBe(400)
  })

  test('rejects start_at after end_at with 400', async () => {
    const site = await newSite()
    expect((await get(site, { type: 'url', start_at: END, end_at: START })).statusCode).toBe(400)
  })
})
