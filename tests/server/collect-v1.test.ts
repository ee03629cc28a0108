import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { EVENT_TYPE, LIMITS } from '../../src/shared/constants'
import { DATA_TYPE } from '../../src/server/collect/hit'
import { signedTokenKind } from '../../src/server/lib/signed-token'
import {
  CHROME_UA,
  collectV1,
  createTestServer,
  createWebsiteV1,
  FIREFOX_LINUX_UA,
  IPHONE_UA,
  login,
  type TestServer
} from '../helpers'

let server: TestServer
let website: { website_id: number; website_uuid: string }

beforeEach(async () => {
  server = await createTestServer()
  website = await createWebsiteV1(server.app, await login(server.app))
})

afterEach(async () => {
  await server.close()
})

interface StoredHit {
  event_id: number
  session_id: number
  visit_id: string
  created_at: number
  event_type: number
  url_path: string
  url_query: string | null
  referrer: string | null
  referrer_domain: string | null
  event_name: string | null
  hostname: string | null
  utm_source: string | null
  session_uuid: string
  session_website_id: number
  browser: string | null
  os: string | null
  device: string | null
  screen: string | null
  language: string | null
  country: string | null
  session_hostname: string | null
}

/** Every stored event with its session, oldest first. */
function storedHits(db = server.db): StoredHit[] {
  return db
    .prepare(
      `SELECT e.event_id, e.session_id, e.visit_id, e.created_at, e.event_type, e.url_path, e.url_query, e.referrer,
              e.referrer_domain, e.event_name, e.hostname, e.utm_source, s.session_uuid, s.website_id AS session_website_id,
              s.browser, s.os, s.device, s.screen, s.language, s.country, s.hostname AS session_hostname
       FROM website_event e JOIN session s ON s.session_id = e.session_id ORDER BY e.event_id`
    )
    .all() as StoredHit[]
}

const countRows = (table: string) => server.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
const nothingStored = () => ({ events: countRows('website_event'), sessions: countRows('session'), data: countRows('event_data') })

/** Posts a raw body to /api/collect as a browser with a normal user agent. */
function postRaw(body: string, contentType = 'application/json', headers: Record<string, string> = {}) {
  return server.app.inject({
    method: 'POST',
    url: '/api/collect',
    headers: { 'content-type': contentType, 'user-agent': CHROME_UA, ...headers },
    payload: body,
    remoteAddress: '203.0.113.10'
  })
}

describe('a pageview', () => {
  test('is stored with its url split into path and query, its referrer and the session attributes', async () => {
    const res = await collectV1(server.app, website.website_uuid, {
      url: '/blog/post?utm_source=newsletter&page=2',
      referrer: 'https://www.google.com/search?q=dashi',
      hostname: 'example.com',
      screen: '1920x1080',
      language: 'en-GB',
      ua: CHROME_UA,
      ip: '8.8.8.8'
    })

    expect(res.statusCode).toBe(200)
    const [hit, ...rest] = storedHits()
    expect(rest).toHaveLength(0)
    expect(hit).toMatchObject({
      event_type: EVENT_TYPE.pageView,
      url_path: '/blog/post',
      url_query: 'utm_source=newsletter&page=2',
      utm_source: 'newsletter',
      referrer: 'https://www.google.com/search?q=dashi',
      referrer_domain: 'google.com',
      hostname: 'example.com',
      event_name: null,
      created_at: server.clock.now(),
      session_website_id: website.website_id,
      session_hostname: 'example.com',
      browser: 'chrome',
      os: 'Windows 10',
      device: 'desktop',
      screen: '1920x1080',
      language: 'en-GB',
      country: 'US'
    })
  })

  test('gets a 200 text/plain reply carrying a cache token for its website and session', async () => {
    const res = await collectV1(server.app, website.website_uuid)

    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.body).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    const claims = server.app.ctx.auth.cache.verify(res.body)
    const [hit] = storedHits()
    expect(claims).toMatchObject({ websiteId: website.website_uuid, sessionId: hit!.session_uuid, visitId: hit!.visit_id })
  })

  test('keeps a url without a query as a path with a null query, and a lone "?" as an empty query', async () => {
    await collectV1(server.app, website.website_uuid, { url: '/pricing' })
    await collectV1(server.app, website.website_uuid, { url: '/pricing?' })
    expect(storedHits().map((h) => [h.url_path, h.url_query])).toEqual([
      ['/pricing', null],
      ['/pricing', '']
    ])
  })

  test('records the device from the screen and the OS: an iPhone is a mobile, Firefox on Linux at 1366 a laptop', async () => {
    await collectV1(server.app, website.website_uuid, { ua: IPHONE_UA, screen: '390x844', ip: '203.0.113.1' })
    await collectV1(server.app, website.website_uuid, { ua: FIREFOX_LINUX_UA, screen: '1366x768', ip: '203.0.113.2' })
    expect(storedHits().map((h) => [h.browser, h.os, h.device])).toEqual([
      ['ios', 'iOS', 'mobile'],
      ['firefox', 'Linux', 'laptop']
    ])
  })

  test('is accepted as a text/plain JSON body, as navigator.sendBeacon sends it', async () => {
    const body = JSON.stringify({ type: 'pageview', payload: { website: website.website_uuid, url: '/beacon', referrer: '' } })
    const res = await postRaw(body, 'text/plain;charset=UTF-8')
    expect(res.statusCode).toBe(200)
    expect(storedHits().map((h) => h.url_path)).toEqual(['/beacon'])
  })

  test('concurrent hits are all stored, committed together in a few transactions', async () => {
    const batchesBefore = server.app.ctx.writer.stats.batches
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) => collectV1(server.app, website.website_uuid, { url: `/p/${i}`, ip: `203.0.113.${i}` }))
    )
    expect(replies.every((r) => r.statusCode === 200)).toBe(true)
    expect(countRows('website_event')).toBe(100)
    expect(countRows('session')).toBe(100)
    expect(server.app.ctx.writer.stats.batches - batchesBefore).toBeLessThanOrEqual(10)
  })

  test('accepts the website UUID in capitals', async () => {
    const res = await collectV1(server.app, website.website_uuid.toUpperCase())
    expect(res.statusCode).toBe(200)
    expect(countRows('website_event')).toBe(1)
  })
})

describe('an event', () => {
  test('event_name + event_data stores the name and flattened, typed properties', async () => {
    const res = await collectV1(server.app, website.website_uuid, {
      url: '/checkout',
      eventName: 'purchase',
      eventData: { plan: 'pro', seats: 3, trial: true, started: '2026-01-01T00:00:00Z', tags: ['a', 'b'], billing: { cycle: 'yearly' } }
    })

    expect(res.statusCode).toBe(200)
    const [hit] = storedHits()
    expect(hit).toMatchObject({ event_type: EVENT_TYPE.customEvent, event_name: 'purchase', url_path: '/checkout', referrer: null })
    const data = server.db
      .prepare('SELECT event_id, data_key, data_type, string_value, number_value, date_value FROM event_data ORDER BY data_key')
      .all()
    expect(data).toEqual([
      { event_id: hit!.event_id, data_key: 'billing.cycle', data_type: DATA_TYPE.string, string_value: 'yearly', number_value: null, date_value: null },
      { event_id: hit!.event_id, data_key: 'plan', data_type: DATA_TYPE.string, string_value: 'pro', number_value: null, date_value: null },
      { event_id: hit!.event_id, data_key: 'seats', data_type: DATA_TYPE.number, string_value: null, number_value: 3, date_value: null },
      {
        event_id: hit!.event_id,
        data_key: 'started',
        data_type: DATA_TYPE.date,
        string_value: null,
        number_value: null,
        date_value: Date.UTC(2026, 0, 1)
      },
      { event_id: hit!.event_id, data_key: 'tags', data_type: DATA_TYPE.array, string_value: '["a","b"]', number_value: null, date_value: null },
      { event_id: hit!.event_id, data_key: 'trial', data_type: DATA_TYPE.boolean, string_value: 'true', number_value: null, date_value: null }
    ])
  })

  test('an event without event_data stores no properties', async () => {
    await collectV1(server.app, website.website_uuid, { eventName: 'signup-button' })
    expect(storedHits().map((h) => h.event_name)).toEqual(['signup-button'])
    expect(countRows('event_data')).toBe(0)
  })

  test('the founding form event_type + event_value stores event_value as the event name', async () => {
    const send = (payload: Record<string, unknown>) =>
      server.app.inject({
        method: 'POST',
        url: '/api/collect',
        headers: { 'user-agent': CHROME_UA },
        payload: { type: 'event', payload: { website: website.website_uuid, url: '/', hostname: 'example.com', ...payload } },
        remoteAddress: '203.0.113.10'
      })

    expect((await send({ event_type: 'click', event_value: 'signup-button' })).statusCode).toBe(200)
    expect((await send({ event_type: 'custom', event_value: 'newsletter' })).statusCode).toBe(200)
    expect(storedHits().map((h) => [h.event_type, h.event_name])).toEqual([
      [EVENT_TYPE.customEvent, 'signup-button'],
      [EVENT_TYPE.customEvent, 'newsletter']
    ])
    // The DOM event of the founding form is kept as a property; the default "custom" adds nothing.
    expect(server.db.prepare('SELECT data_key, string_value FROM event_data').all()).toEqual([{ data_key: 'event_type', string_value: 'click' }])
  })
})

describe('bad input is a 400 in plain text and stores nothing', () => {
  const valid = () => ({ website: website.website_uuid, url: '/', hostname: 'example.com' })
  const cases: [string, () => { body: string; contentType?: string }][] = [
    ['malformed JSON', () => ({ body: '{"type": "pageview", "payload": {' })],
    ['malformed JSON sent as text/plain', () => ({ body: '{not json', contentType: 'text/plain' })],
    ['an empty JSON body', () => ({ body: '' })],
    ['a JSON array', () => ({ body: JSON.stringify([{ type: 'pageview', payload: valid() }]) })],
    ['a JSON string', () => ({ body: '"pageview"' })],
    ['JSON null', () => ({ body: 'null' })],
    ['a missing payload', () => ({ body: JSON.stringify({ type: 'pageview' }) })],
    ['a payload that is not an object', () => ({ body: JSON.stringify({ type: 'pageview', payload: 'hello' }) })],
    ['a payload that is an array', () => ({ body: JSON.stringify({ type: 'pageview', payload: [valid()] }) })],
    ['a missing website', () => ({ body: JSON.stringify({ type: 'pageview', payload: { url: '/' } }) })],
    ['a website that is not a UUID', () => ({ body: JSON.stringify({ type: 'pageview', payload: { ...valid(), website: 'example.com' } }) })],
    [
      'an unknown website',
      () => ({ body: JSON.stringify({ type: 'pageview', payload: { ...valid(), website: '5d3a4b2c-1e0f-4a9b-8c7d-6e5f4a3b2c1d' } }) })
    ],
    ['a missing url', () => ({ body: JSON.stringify({ type: 'pageview', payload: { website: website.website_uuid } }) })],
    ['a url that is not a string', () => ({ body: JSON.stringify({ type: 'pageview', payload: { ...valid(), url: 42 } }) })],
    ['a missing type', () => ({ body: JSON.stringify({ payload: valid() }) })],
    ['an unknown type', () => ({ body: JSON.stringify({ type: 'click', payload: valid() }) })],
    ['an event without a name', () => ({ body: JSON.stringify({ type: 'event', payload: valid() }) })],
    ['an event with an empty name', () => ({ body: JSON.stringify({ type: 'event', payload: { ...valid(), event_name: '' } }) })],
    ['an event whose name is not a string', () => ({ body: JSON.stringify({ type: 'event', payload: { ...valid(), event_name: { a: 1 } } }) })]
  ]

  test.each(cases)('%s', async (_label, make) => {
    const { body, contentType } = make()
    const res = await postRaw(body, contentType)
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.body.length).toBeGreaterThan(0)
    expect(nothingStored()).toEqual({ events: 0, sessions: 0, data: 0 })
  })

  test('a body over the collect limit is a 413 and stores nothing', async () => {
    const body = JSON.stringify({ type: 'pageview', payload: { website: website.website_uuid, url: '/' + 'a'.repeat(70_000) } })
    const res = await postRaw(body)
    expect(res.statusCode).toBe(413)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(nothingStored()).toEqual({ events: 0, sessions: 0, data: 0 })
  })
})

describe('over-long values are truncated to the column limits, not rejected', () => {
  test('url, referrer, hostname, screen and language', async () => {
    const res = await collectV1(server.app, website.website_uuid, {
      url: '/' + 'p'.repeat(700),
      referrer: 'https://referrer.example/' + 'r'.repeat(700),
      hostname: 'h'.repeat(150) + '.example',
      screen: '1920123456789x1080123456',
      language: 'en-' + 'x'.repeat(60)
    })

    expect(res.statusCode).toBe(200)
    const [hit] = storedHits()
    expect(hit!.url_path).toBe('/' + 'p'.repeat(LIMITS.url - 1))
    expect(hit!.referrer).toHaveLength(LIMITS.referrer)
    expect(hit!.hostname).toBe('h'.repeat(LIMITS.hostname))
    expect(hit!.session_hostname).toBe('h'.repeat(LIMITS.hostname))
    expect(hit!.screen).toBe('1920123456789x1080123456'.slice(0, LIMITS.screen))
    expect(hit!.language).toHaveLength(LIMITS.language)
  })

  test('an event name over 50 characters', async () => {
    const res = await collectV1(server.app, website.website_uuid, { eventName: 'e'.repeat(80) })
    expect(res.statusCode).toBe(200)
    expect(storedHits()[0]!.event_name).toBe('e'.repeat(LIMITS.eventName))
  })

  test('truncation never splits a character in two', async () => {
    await collectV1(server.app, website.website_uuid, { eventName: 'x' + '😀'.repeat(60) })
    // 'x' and 24 emoji fill 49 units; half of the 25th would make 50 and is dropped.
    expect(storedHits()[0]!.event_name).toBe('x' + '😀'.repeat(24))
  })
})

describe('bots', () => {
  test.each([
    ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'],
    ['curl', 'curl/8.5.0'],
    ['headless Chrome', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36']
  ])('%s gets 200 {} and nothing is stored', async (_label, ua) => {
    const res = await collectV1(server.app, website.website_uuid, { ua })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({})
    expect(nothingStored()).toEqual({ events: 0, sessions: 0, data: 0 })
  })

  test('are stored when the bot check is disabled', async () => {
    const unchecked = await createTestServer({ disableBotCheck: true })
    try {
      const site = await createWebsiteV1(unchecked.app, await login(unchecked.app))
      const res = await collectV1(unchecked.app, site.website_uuid, { ua: 'curl/8.5.0' })
      expect(res.statusCode).toBe(200)
      expect(storedHits(unchecked.db).map((h) => h.browser)).toEqual(['curl'])
    } finally {
      await unchecked.close()
    }
  })
})

describe('the ignore list', () => {
  test('refuses hits from listed addresses and ranges with 403 and stores nothing; others are stored', async () => {
    const guarded = await createTestServer({ ignoreIps: ['198.51.100.0/24', '192.0.2.7'] })
    try {
      const site = await createWebsiteV1(guarded.app, await login(guarded.app))
      for (const ip of ['198.51.100.23', '192.0.2.7', '::ffff:198.51.100.99']) {
        const res = await collectV1(guarded.app, site.website_uuid, { ip })
        expect(res.statusCode, ip).toBe(403)
        expect(res.headers['content-type']).toMatch(/^text\/plain/)
        expect(res.body).toBe('403 Forbidden')
      }
      expect(guarded.db.prepare('SELECT count(*) FROM website_event').pluck().get()).toBe(0)
      expect(guarded.db.prepare('SELECT count(*) FROM session').pluck().get()).toBe(0)

      expect((await collectV1(guarded.app, site.website_uuid, { ip: '192.0.2.8' })).statusCode).toBe(200)
      expect((await collectV1(guarded.app, site.website_uuid, { ip: '198.51.101.1' })).statusCode).toBe(200)
      expect(guarded.db.prepare('SELECT count(*) FROM website_event').pluck().get()).toBe(2)
    } finally {
      await guarded.close()
    }
  })
})

describe('CORS', () => {
  test('a preflight is answered 204 for any origin, echoing the requested headers', async () => {
    const res = await server.app.inject({
      method: 'OPTIONS',
      url: '/api/collect',
      headers: {
        origin: 'https://blog.example.org',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-umami-cache'
      }
    })
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['access-control-allow-headers']).toBe('content-type,x-umami-cache')
    expect(String(res.headers['access-control-allow-methods'])).toMatch(/POST/)
    expect(res.headers['access-control-allow-credentials']).toBeUndefined()
  })

  test('a cross-origin post gets access-control-allow-origin *', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/collect',
      headers: { origin: 'https://blog.example.org', 'user-agent': CHROME_UA },
      payload: { type: 'pageview', payload: { website: website.website_uuid, url: '/' } },
      remoteAddress: '203.0.113.10'
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('*')
  })

  // The collect routes set their headers themselves (they skip the dashboard's plugins): a tracker must be
  // able to read a refusal too, and a preflight for /api/send must pass as for /api/collect.
  test.each([
    ['/api/collect', '{"type":', 400],
    ['/api/collect', JSON.stringify({ type: 'pageview', payload: { website: '00000000-0000-4000-8000-000000000000', url: '/' } }), 400],
    ['/api/send', '{"type":', 400],
    ['/api/send', JSON.stringify({ type: 'event', payload: { website: '00000000-0000-4000-8000-000000000000', url: '/' } }), 400]
  ])('a refused post to %s (%s) still carries the CORS and security headers', async (url, payload, status) => {
    const res = await server.app.inject({
      method: 'POST',
      url,
      headers: { origin: 'https://blog.example.org', 'user-agent': CHROME_UA, 'content-type': 'application/json' },
      payload,
      remoteAddress: '203.0.113.10'
    })
    expect(res.statusCode).toBe(status)
    expect(res.body.length).toBeGreaterThan(0)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })

  test('a preflight for /api/send is answered like one for /api/collect', async () => {
    const res = await server.app.inject({
      method: 'OPTIONS',
      url: '/api/send',
      headers: { origin: 'https://blog.example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }
    })
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(String(res.headers['access-control-allow-methods'])).toMatch(/POST/)
  })
})

describe('the cache token', () => {
  test('keeps the session even when the next hit comes from another address', async () => {
    const first = await collectV1(server.app, website.website_uuid, { ip: '203.0.113.10' })
    await collectV1(server.app, website.website_uuid, { ip: '203.0.113.99', cache: first.body, url: '/with-token' })
    await collectV1(server.app, website.website_uuid, { ip: '203.0.113.99', url: '/without-token' })

    const [a, b, c] = storedHits()
    expect(b!.session_id).toBe(a!.session_id)
    expect(c!.session_id).not.toBe(a!.session_id)
  })

  test('is bound to its website: a token of website A sent with a hit for website B is ignored', async () => {
    const other = await createWebsiteV1(server.app, await login(server.app), { name: 'Other', domain: 'other.example' })
    const tokenOfA = (await collectV1(server.app, website.website_uuid, { ip: '203.0.113.10' })).body

    const res = await collectV1(server.app, other.website_uuid, { ip: '203.0.113.50', cache: tokenOfA })
    expect(res.statusCode).toBe(200)
    // B's hit is placed as if no token were sent: its own session, from its own address.
    await collectV1(server.app, other.website_uuid, { ip: '203.0.113.50', url: '/again' })

    const [onA, onB, onBAgain] = storedHits()
    expect(onB!.session_website_id).toBe(other.website_id)
    expect(onB!.session_id).not.toBe(onA!.session_id)
    expect(onBAgain!.session_id).toBe(onB!.session_id)
    expect(server.app.ctx.auth.cache.verify(res.body)).toMatchObject({ websiteId: other.website_uuid, sessionId: onB!.session_uuid })
  })

  test('is also read from payload.cache, where trackers up to v1.28 sent it', async () => {
    const first = await collectV1(server.app, website.website_uuid, { ip: '203.0.113.10' })
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/collect',
      headers: { 'user-agent': CHROME_UA },
      payload: { type: 'pageview', payload: { website: website.website_uuid, url: '/old-tracker', cache: first.body } },
      remoteAddress: '203.0.113.77'
    })
    expect(res.statusCode).toBe(200)
    const [a, b] = storedHits()
    expect(b!.session_id).toBe(a!.session_id)
  })

  test('a returning hit keeps the session attributes of its first hit, whatever device it claims now', async () => {
    const first = await collectV1(server.app, website.website_uuid, { ip: '203.0.113.10', ua: IPHONE_UA, screen: '390x844' })
    await collectV1(server.app, website.website_uuid, { ip: '198.51.100.7', ua: FIREFOX_LINUX_UA, screen: '1366x768', cache: first.body, url: '/next' })

    const [a, b] = storedHits()
    expect(b!.session_id).toBe(a!.session_id)
    expect(b).toMatchObject({ url_path: '/next', browser: a!.browser, os: 'iOS', device: 'mobile', screen: '390x844' })
  })

  test('a token issued before the website was reset is not honoured: the next hit starts a full new session', async () => {
    const token = await login(server.app)
    const first = await collectV1(server.app, website.website_uuid, { ip: '203.0.113.10' })
    server.clock.t += 60_000
    const reset = await server.app.inject({ method: 'POST', url: `/api/website/${website.website_id}/reset`, headers: { authorization: `Bearer ${token}` } })
    expect(reset.statusCode).toBe(200)
    server.clock.t += 60_000

    const res = await collectV1(server.app, website.website_uuid, { ip: '203.0.113.10', cache: first.body, url: '/after-reset' })
    expect(res.statusCode).toBe(200)
    expect(res.body).not.toBe(first.body)
    const [hit] = storedHits()
    // A session rebuilt from the hit itself, not a bare row under the old token's session id.
    expect(hit).toMatchObject({ url_path: '/after-reset', browser: 'chrome', os: 'Windows 10', screen: '1920x1080', language: 'en-US' })
  })

  test('a forged token is ignored', async () => {
    await collectV1(server.app, website.website_uuid, { ip: '203.0.113.10' })
    const [victim] = storedHits()
    const claims = { websiteId: website.website_uuid, sessionId: victim!.session_uuid, visitId: victim!.visit_id, visitStart: server.clock.now() }
    const forged = [
      signedTokenKind('not-the-server-secret').sign(claims),
      // A genuine header and signature around claims that were edited.
      (() => {
        const [header, , signature] = server.app.ctx.auth.cache.sign({ ...claims, sessionId: '11111111-1111-5111-8111-111111111111' }).split('.')
        return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.')
      })(),
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`,
      'undefined',
      'garbage'
    ]
    for (const [i, token] of forged.entries()) {
      const res = await collectV1(server.app, website.website_uuid, { ip: `203.0.113.${100 + i}`, cache: token })
      expect(res.statusCode).toBe(200)
    }

    const [, ...others] = storedHits()
    expect(others).toHaveLength(forged.length)
    for (const hit of others) expect(hit.session_id).not.toBe(victim!.session_id)
  })
})

describe('sessions and visits', () => {
  test('the same address and user agent in the same month are one session; the next month starts another', async () => {
    await collectV1(server.app, website.website_uuid, { url: '/a' })
    server.clock.advance(10 * 24 * 3600_000) // 25 January
    await collectV1(server.app, website.website_uuid, { url: '/b' })
    await collectV1(server.app, website.website_uuid, { url: '/c', ua: FIREFOX_LINUX_UA })
    server.clock.set('2026-02-01T00:00:01Z')
    await collectV1(server.app, website.website_uuid, { url: '/d' })

    const hits = storedHits()
    expect(hits.map((h) => h.url_path)).toEqual(['/a', '/b', '/c', '/d'])
    expect(hits[1]!.session_id).toBe(hits[0]!.session_id)
    expect(hits[2]!.session_id).not.toBe(hits[0]!.session_id)
    expect(hits[3]!.session_id).not.toBe(hits[0]!.session_id)
    expect(countRows('session')).toBe(3)
  })

  test('without a cache token a visit is the session within one clock hour', async () => {
    server.clock.set('2026-01-15T12:10:00Z')
    await collectV1(server.app, website.website_uuid)
    server.clock.set('2026-01-15T12:55:00Z')
    await collectV1(server.app, website.website_uuid)
    server.clock.set('2026-01-15T13:05:00Z')
    await collectV1(server.app, website.website_uuid)

    const [a, b, c] = storedHits()
    expect(b!.session_id).toBe(a!.session_id)
    expect(c!.session_id).toBe(a!.session_id)
    expect(b!.visit_id).toBe(a!.visit_id)
    expect(c!.visit_id).not.toBe(a!.visit_id)
  })

  test('with a cache token a visit goes on until it is over 30 minutes old and the clock hour has changed', async () => {
    server.clock.set('2026-01-15T12:50:00Z')
    const t1 = (await collectV1(server.app, website.website_uuid)).body
    // Next hour, but only 20 minutes into the visit: same visit.
    server.clock.set('2026-01-15T13:10:00Z')
    const t2 = (await collectV1(server.app, website.website_uuid, { cache: t1 })).body
    // 35 minutes after the visit began, in another hour: a new visit.
    server.clock.set('2026-01-15T13:25:00Z')
    const t3 = (await collectV1(server.app, website.website_uuid, { cache: t2 })).body
    // Over 30 minutes old but still in the same hour as its start: the visit goes on.
    server.clock.set('2026-01-15T13:59:00Z')
    await collectV1(server.app, website.website_uuid, { cache: t3 })

    const [a, b, c, d] = storedHits()
    expect(new Set([a, b, c, d].map((h) => h!.session_id)).size).toBe(1)
    expect(b!.visit_id).toBe(a!.visit_id)
    expect(c!.visit_id).not.toBe(a!.visit_id)
    expect(d!.visit_id).toBe(c!.visit_id)
  })
})

describe('privacy', () => {
  test('no client address is stored anywhere in the database', async () => {
    const addresses = ['8.8.4.4', '2001:4860:4860::8844', '198.18.7.33']
    for (const ip of addresses) {
      await collectV1(server.app, website.website_uuid, { ip, url: '/private' })
      await collectV1(server.app, website.website_uuid, { ip, eventName: 'clicked', eventData: { ok: true } })
    }
    expect(countRows('website_event')).toBe(6)

    const tables = server.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]
    let scanned = 0
    for (const table of tables) {
      const columns = server.db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]
      for (const column of columns) {
        const values = server.db.prepare(`SELECT CAST("${column}" AS TEXT) FROM "${table}" WHERE "${column}" IS NOT NULL`).pluck().all() as string[]
        for (const value of values) {
          scanned++
          for (const ip of addresses) expect(value, `${table}.${column}`).not.toContain(ip)
          expect(value, `${table}.${column}`).not.toMatch(/2001:4860|8\.8\.4\.4|198\.18\.7\.33/)
        }
      }
    }
    expect(scanned).toBeGreaterThan(50)
  })
})

describe('cache token reuse', () => {
  test('answers with the token it was sent while the visit goes on, and a new one when the visit renews', async () => {
    const first = await collectV1(server.app, website.website_uuid, { url: '/a' })
    const token = first.body
    server.clock.advance(10 * 60_000)
    const second = await collectV1(server.app, website.website_uuid, { url: '/b', cache: token })
    expect(second.body).toBe(token)
    // 65 minutes after the first hit: past 30 minutes and into the next clock hour, so a new visit.
    server.clock.advance(55 * 60_000)
    const third = await collectV1(server.app, website.website_uuid, { url: '/c', cache: token })
    expect(third.body).not.toBe(token)
    const visits = storedHits().map((h) => h.visit_id)
    expect(visits[0]).toBe(visits[1])
    expect(visits[2]).not.toBe(visits[1])
  })
})
