import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { EVENT_TYPE } from '../../src/shared/constants'
import { DATA_TYPE } from '../../src/server/collect/hit'
import { CHROME_UA, collectV1, createTestServer, createWebsiteV1, FIREFOX_LINUX_UA, IPHONE_UA, login, type TestServer } from '../helpers'

let server: TestServer
let website: { website_id: number; website_uuid: string }

beforeEach(async () => {
  server = await createTestServer()
  website = await createWebsiteV1(server.app, await login(server.app))
})

afterEach(async () => {
  await server.close()
})

const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const IPAD_UA =
  'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

interface SendOptions {
  ua?: string
  ip?: string
  cache?: string
  app?: TestServer['app']
}

/** Posts one /api/send body as a browser at `ip` with `ua` would. */
function send(body: unknown, opts: SendOptions = {}) {
  const headers: Record<string, string> = { 'user-agent': opts.ua ?? CHROME_UA }
  if (opts.cache) headers['x-umami-cache'] = opts.cache
  return (opts.app ?? server.app).inject({ method: 'POST', url: '/api/send', headers, payload: body as object, remoteAddress: opts.ip ?? '8.8.8.8' })
}

/** A pageview (or, with `name`, an event) of the test website with the tracker's usual fields. */
function hit(fields: Record<string, unknown> = {}, type = 'event') {
  return { type, payload: { website: website.website_uuid, hostname: 'example.com', screen: '1440x900', language: 'en-US', url: 'https://example.com/', ...fields } }
}

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
  page_title: string | null
  event_name: string | null
  tag: string | null
  hostname: string | null
  utm_source: string | null
  utm_medium: string | null
  utm_campaign: string | null
  gclid: string | null
  session_uuid: string
  browser: string | null
  os: string | null
  device: string | null
  screen: string | null
  language: string | null
  country: string | null
  distinct_id: string | null
  session_hostname: string | null
}

function storedHits(): StoredHit[] {
  return server.db
    .prepare(
      `SELECT e.event_id, e.session_id, e.visit_id, e.created_at, e.event_type, e.url_path, e.url_query, e.referrer, e.referrer_domain,
              e.page_title, e.event_name, e.tag, e.hostname, e.utm_source, e.utm_medium, e.utm_campaign, e.gclid,
              s.session_uuid, s.browser, s.os, s.device, s.screen, s.language, s.country, s.distinct_id, s.hostname AS session_hostname
       FROM website_event e JOIN session s ON s.session_id = e.session_id ORDER BY e.event_id`
    )
    .all() as StoredHit[]
}

const countRows = (table: string) => server.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
const stored = () => ({ events: countRows('website_event'), sessions: countRows('session'), eventData: countRows('event_data'), sessionData: countRows('session_data') })
const NOTHING = { events: 0, sessions: 0, eventData: 0, sessionData: 0 }

describe('a pageview through /api/send', () => {
  test('is stored with path + hash and query split, UTM and click ids, referrer domain, title, tag and the session attributes', async () => {
    const res = await send(
      hit({
        url: 'https://example.com/pricing/plans?utm_source=news&utm_medium=email&utm_campaign=spring&gclid=abc123&x=1#faq',
        referrer: 'https://www.google.com/search?q=dashi',
        title: 'Pricing',
        tag: 'variant-b',
        screen: '1440x900',
        language: 'de-DE'
      })
    )

    expect(res.statusCode).toBe(200)
    const [row, ...rest] = storedHits()
    expect(rest).toEqual([])
    expect(row).toMatchObject({
      event_type: EVENT_TYPE.pageView,
      event_name: null,
      // The hash belongs to the path (as Umami v3 stores it); the query keeps everything after '?'.
      url_path: '/pricing/plans#faq',
      url_query: 'utm_source=news&utm_medium=email&utm_campaign=spring&gclid=abc123&x=1',
      utm_source: 'news',
      utm_medium: 'email',
      utm_campaign: 'spring',
      gclid: 'abc123',
      referrer: 'https://www.google.com/search?q=dashi',
      referrer_domain: 'google.com',
      page_title: 'Pricing',
      tag: 'variant-b',
      hostname: 'example.com',
      created_at: server.clock.now(),
      session_hostname: 'example.com',
      browser: 'chrome',
      os: 'Windows 10',
      // v3 rule: ua-parser-js sees no device type in desktop Chrome → desktop; 1440 ≤ 1920 → laptop.
      device: 'laptop',
      screen: '1440x900',
      language: 'de-DE',
      country: 'US',
      distinct_id: null
    })
    expect(res.json()).toEqual({ cache: expect.any(String), sessionId: row!.session_uuid, visitId: row!.visit_id })
    expect(server.app.ctx.auth.cache.verify(res.json().cache)).toMatchObject({
      websiteId: website.website_uuid,
      sessionId: row!.session_uuid,
      visitId: row!.visit_id,
      visitStart: server.clock.now()
    })
  })

  test('takes a path against the hostname, the host of a full URL when no hostname is sent, and no URL as an empty path', async () => {
    await send(hit({ url: '/docs/setup?lang=en' }))
    await send(hit({ url: 'https://shop.example.org/cart', hostname: undefined }))
    await send({ type: 'event', payload: { website: website.website_uuid, name: 'server-side' } })
    expect(storedHits().map((h) => [h.url_path, h.url_query, h.hostname])).toEqual([
      ['/docs/setup', 'lang=en', 'example.com'],
      ['/cart', null, 'shop.example.org'],
      ['', null, null]
    ])
  })

  test('keeps no referrer and no title when they are empty, and a path referrer without a domain', async () => {
    await send(hit({ referrer: '', title: '' }))
    await send(hit({ referrer: '/from/here' }))
    expect(storedHits().map((h) => [h.referrer, h.referrer_domain, h.page_title])).toEqual([
      [null, null, null],
      ['/from/here', null, null]
    ])
  })

  test('cuts the title to 500, the tag and the event name to 50 characters', async () => {
    await send(hit({ title: 't'.repeat(600), tag: 'g'.repeat(60), name: 'n'.repeat(70) }))
    const [row] = storedHits()
    expect([row!.page_title!.length, row!.tag!.length, row!.event_name!.length]).toEqual([500, 50, 50])
  })

  test('strips one trailing slash from the path before the hash when the server is configured to', async () => {
    const stripping = await createTestServer({ removeTrailingSlash: true })
    try {
      const site = await createWebsiteV1(stripping.app, await login(stripping.app))
      const body = (url: string) => ({ type: 'event', payload: { website: site.website_uuid, hostname: 'example.com', url } })
      await send(body('https://example.com/docs/#intro'), { app: stripping.app })
      await send(body('https://example.com/'), { app: stripping.app })
      const paths = stripping.db.prepare('SELECT url_path FROM website_event ORDER BY event_id').pluck().all()
      expect(paths).toEqual(['/docs#intro', '/'])
    } finally {
      await stripping.close()
    }
  })

  test('is accepted as a text/plain JSON body, as sendBeacon sends it, and with the website UUID in capitals', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/send',
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': CHROME_UA },
      payload: JSON.stringify(hit({ website: website.website_uuid.toUpperCase(), url: '/beacon' })),
      remoteAddress: '8.8.8.8'
    })
    expect(res.statusCode).toBe(200)
    expect(storedHits().map((h) => h.url_path)).toEqual(['/beacon'])
  })
})

describe('an event through /api/send', () => {
  test('stores its name as a custom event and its data flattened and typed', async () => {
    const res = await send(
      hit({
        url: 'https://example.com/checkout',
        name: 'purchase',
        data: { plan: 'pro', seats: 3, trial: true, started: '2026-01-10T08:00:00Z', tags: ['a', 'b'], billing: { cycle: 'yearly' } }
      })
    )
    expect(res.statusCode).toBe(200)
    const [row] = storedHits()
    expect(row).toMatchObject({ event_type: EVENT_TYPE.customEvent, event_name: 'purchase', url_path: '/checkout' })
    const data = server.db.prepare('SELECT event_id, data_key, data_type, string_value, number_value, date_value FROM event_data ORDER BY data_key').all()
    const id = row!.event_id
    expect(data).toEqual([
      { event_id: id, data_key: 'billing.cycle', data_type: DATA_TYPE.string, string_value: 'yearly', number_value: null, date_value: null },
      { event_id: id, data_key: 'plan', data_type: DATA_TYPE.string, string_value: 'pro', number_value: null, date_value: null },
      { event_id: id, data_key: 'seats', data_type: DATA_TYPE.number, string_value: null, number_value: 3, date_value: null },
      { event_id: id, data_key: 'started', data_type: DATA_TYPE.date, string_value: null, number_value: null, date_value: Date.UTC(2026, 0, 10, 8) },
      { event_id: id, data_key: 'tags', data_type: DATA_TYPE.array, string_value: '["a","b"]', number_value: null, date_value: null },
      { event_id: id, data_key: 'trial', data_type: DATA_TYPE.boolean, string_value: 'true', number_value: null, date_value: null }
    ])
  })

  test('an array property nested thousands deep is left out, the rest of the hit stored', async () => {
    // Written as text: JSON.stringify itself cannot serialise what it cannot recurse into.
    const body = JSON.stringify(hit({ url: '/deep', name: 'nested', data: { list: 'DEEP', ok: 1 } })).replace('"DEEP"', '['.repeat(10_000) + ']'.repeat(10_000))
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/send',
      headers: { 'user-agent': CHROME_UA, 'content-type': 'application/json' },
      payload: body,
      remoteAddress: '8.8.8.8'
    })
    expect(res.statusCode).toBe(200)
    const [row] = storedHits()
    expect(row).toMatchObject({ event_name: 'nested', url_path: '/deep' })
    expect(server.db.prepare('SELECT data_key FROM event_data').pluck().all()).toEqual(['ok'])
  })

  test('an empty name is a pageview, as in Umami', async () => {
    await send(hit({ name: '' }))
    expect(storedHits().map((h) => [h.event_type, h.event_name])).toEqual([[EVENT_TYPE.pageView, null]])
  })
})

describe('the device (Umami v3 rule on /api/send, v1 rule on /api/collect)', () => {
  test('comes from the user-agent parser, desktops up to 1920 pixels wide being laptops', async () => {
    await send(hit({ screen: '390x844' }), { ua: IPHONE_UA, ip: '8.8.4.1' })
    await send(hit({ screen: '820x1180' }), { ua: IPAD_UA, ip: '8.8.4.2' })
    await send(hit({ screen: '1920x1080' }), { ua: CHROME_UA, ip: '8.8.4.3' })
    await send(hit({ screen: '2560x1440' }), { ua: FIREFOX_LINUX_UA, ip: '8.8.4.4' })
    await send(hit({ screen: undefined }), { ua: CHROME_UA, ip: '8.8.4.5' })
    expect(storedHits().map((h) => h.device)).toEqual(['mobile', 'tablet', 'laptop', 'desktop', 'desktop'])
  })

  test('a 1920-pixel Windows screen is a laptop through /api/send and a desktop through /api/collect', async () => {
    await send(hit({ screen: '1920x1080' }), { ip: '8.8.4.1' })
    // v1 rule: a desktop OS with a width of 1920 or more is a desktop.
    await collectV1(server.app, website.website_uuid, { screen: '1920x1080', ip: '8.8.4.2' })
    expect(storedHits().map((h) => h.device)).toEqual(['laptop', 'desktop'])
  })

  test('browser, os and device sent in the payload override what the user agent says', async () => {
    await send(hit({ browser: 'my-app', os: 'Kiosk OS', device: 'kiosk' }))
    expect(storedHits().map((h) => [h.browser, h.os, h.device])).toEqual([['my-app', 'Kiosk OS', 'kiosk']])
  })

  test('payload.userAgent and payload.ip stand for the sender’s visitor', async () => {
    await send(hit({ userAgent: IPHONE_UA, ip: '8.8.8.8', screen: '390x844' }), { ua: 'server-side-client/1.0', ip: '127.0.0.1' })
    // Null or empty overrides are no overrides: the request's own agent and address count.
    await send(hit({ userAgent: null, ip: null, screen: '1280x720' }), { ua: FIREFOX_LINUX_UA, ip: '1.1.1.1' })
    await send(hit({ userAgent: '', ip: '', screen: '1280x720' }), { ua: FIREFOX_LINUX_UA, ip: '127.0.0.1' })
    expect(storedHits().map((h) => [h.browser, h.os, h.device, h.country])).toEqual([
      ['ios', 'iOS', 'mobile', 'US'],
      ['firefox', 'Linux', 'laptop', 'AU'],
      // A loopback address has no country.
      ['firefox', 'Linux', 'laptop', null]
    ])
  })
})

describe('the time of a hit', () => {
  test('payload.timestamp (Unix seconds) places the hit in the past', async () => {
    const at = Date.UTC(2026, 0, 10, 9, 30)
    await send(hit({ timestamp: at / 1000 }))
    expect(storedHits().map((h) => h.created_at)).toEqual([at])
  })

  test('a timestamp in milliseconds, before 2000 or not a number is refused with 400', async () => {
    const cases: [unknown, RegExp][] = [
      [server.clock.now(), /more than a day in the future; send Unix seconds, not milliseconds/],
      [Date.UTC(1999, 11, 31) / 1000, /before the year 2000/],
      ['soon', /payload\.timestamp must be a number/],
      [{}, /payload\.timestamp must be a number/]
    ]
    for (const [timestamp, message] of cases) {
      const res = await send(hit({ timestamp }))
      expect(res.statusCode, String(timestamp)).toBe(400)
      expect(res.json().error.message).toMatch(message)
    }
    // Up to a day ahead is tolerated (clock skew).
    expect((await send(hit({ timestamp: (server.clock.now() + 3600_000) / 1000 }))).statusCode).toBe(200)
    expect(countRows('website_event')).toBe(1)
  })
})

describe('sessions and visits', () => {
  test('a distinct id makes one session whatever the address and browser, and is recorded on it', async () => {
    const a = await send(hit({ id: 'user-42' }), { ip: '8.8.8.8', ua: CHROME_UA })
    const b = await send(hit({ id: 'user-42' }), { ip: '1.1.1.1', ua: IPHONE_UA })
    const c = await send(hit(), { ip: '8.8.8.8', ua: CHROME_UA })
    const rows = storedHits()
    expect(a.json().sessionId).toBe(b.json().sessionId)
    expect(c.json().sessionId).not.toBe(a.json().sessionId)
    expect(rows.map((r) => [r.session_uuid, r.distinct_id])).toEqual([
      [a.json().sessionId, 'user-42'],
      [a.json().sessionId, 'user-42'],
      [c.json().sessionId, null]
    ])
  })

  test('a cache token from before a website reset is ignored: the hit rebuilds its session in full', async () => {
    const first = (await send(hit())).json()
    server.clock.t += 60_000
    const reset = await server.app.inject({ method: 'POST', url: `/api/websites/${website.website_uuid}/reset`, headers: { authorization: `Bearer ${await login(server.app)}` } })
    expect(reset.statusCode).toBe(200)
    server.clock.t += 60_000
    const again = (await send(hit({ url: 'https://example.com/after' }), { cache: first.cache })).json()
    expect(again.sessionId).toBe(first.sessionId)
    const [row] = storedHits()
    expect(row).toMatchObject({ url_path: '/after', session_uuid: first.sessionId, browser: 'chrome', screen: '1440x900', language: 'en-US' })
  })

  test('without a cache token a visit is the session’s clock hour', async () => {
    server.clock.set('2026-01-15T12:10:00Z')
    const first = (await send(hit())).json()
    server.clock.set('2026-01-15T12:55:00Z')
    const sameHour = (await send(hit())).json()
    // Only 10 minutes later, but the clock hour changed.
    server.clock.set('2026-01-15T13:05:00Z')
    const nextHour = (await send(hit())).json()
    expect(sameHour.visitId).toBe(first.visitId)
    expect(nextHour.visitId).not.toBe(first.visitId)
    expect(new Set([first.sessionId, sameHour.sessionId, nextHour.sessionId]).size).toBe(1)
  })

  test('with the cache token a visit goes on across the hour until it is 30 minutes old, the token answered back unchanged', async () => {
    server.clock.set('2026-01-15T12:40:00Z')
    const first = (await send(hit())).json()
    // 25 minutes after the visit started, in the next clock hour: the token carries the visit on.
    server.clock.set('2026-01-15T13:05:00Z')
    const carried = (await send(hit(), { cache: first.cache })).json()
    expect(carried).toEqual({ cache: first.cache, sessionId: first.sessionId, visitId: first.visitId })
    // 35 minutes after the start (not after the last hit): a new visit, the 13:00 hour's, and a new token.
    server.clock.set('2026-01-15T13:15:00Z')
    const renewed = (await send(hit(), { cache: carried.cache })).json()
    expect(renewed.sessionId).toBe(first.sessionId)
    expect(renewed.visitId).not.toBe(first.visitId)
    expect(renewed.cache).not.toBe(first.cache)
    // Without any token at 13:20 the hour rule gives the same visit as the renewed one.
    server.clock.set('2026-01-15T13:20:00Z')
    expect((await send(hit())).json().visitId).toBe(renewed.visitId)
    expect(new Set(storedHits().map((h) => h.visit_id)).size).toBe(2)
  })

  test('a cache token of another website, or of another session, carries no visit over', async () => {
    const other = await createWebsiteV1(server.app, await login(server.app), { name: 'Other', domain: 'other.example' })
    server.clock.set('2026-01-15T12:40:00Z')
    const otherSite = (await send(hit({ website: other.website_uuid }))).json()
    const here = (await send(hit())).json()
    server.clock.set('2026-01-15T13:05:00Z')
    const withForeignToken = (await send(hit(), { cache: otherSite.cache })).json()
    expect(withForeignToken.sessionId).toBe(here.sessionId)
    // The token was ignored, so the 13:00 hour makes a new visit.
    expect(withForeignToken.visitId).not.toBe(here.visitId)
    // The same visitor identifying with an id is another session: the anonymous visit does not follow.
    const identified = (await send(hit({ id: 'user-7' }), { cache: here.cache })).json()
    expect(identified.sessionId).not.toBe(here.sessionId)
    expect(identified.visitId).not.toBe(here.visitId)
  })

  test('a visitor tracked through /api/collect and /api/send is one session and one visit', async () => {
    server.clock.set('2026-01-15T12:50:00Z')
    const v1 = await collectV1(server.app, website.website_uuid, { ip: '8.8.8.8', ua: CHROME_UA, url: '/classic' })
    const current = (await send(hit({ url: '/current' }), { ip: '8.8.8.8', ua: CHROME_UA })).json()
    // At 13:10 the classic tracker's token (visit started 12:50, 20 minutes ago) carries its visit into
    // /api/send; without it the 13:00 hour would start a new visit.
    server.clock.set('2026-01-15T13:10:00Z')
    const withV1Token = (await send(hit({ url: '/later' }), { cache: v1.body })).json()
    const withoutToken = (await send(hit({ url: '/later' }))).json()
    const rows = storedHits()
    expect(new Set(rows.map((r) => r.session_id)).size).toBe(1)
    expect(current).toMatchObject({ sessionId: rows[0]!.session_uuid, visitId: rows[0]!.visit_id })
    expect(withV1Token).toEqual({ cache: v1.body, sessionId: rows[0]!.session_uuid, visitId: rows[0]!.visit_id })
    expect(withoutToken.visitId).not.toBe(rows[0]!.visit_id)
  })
})

describe('identify', () => {
  test('stores its data per session key, the latest value winning, with the distinct id, and no event', async () => {
    const first = await send(hit({ id: 'user-42', data: { plan: 'free', age: 30 } }, 'identify'))
    server.clock.advance(60_000)
    const second = await send(hit({ id: 'user-42', data: { plan: 'pro', company: { size: 12 } } }, 'identify'))
    expect(first.statusCode).toBe(200)
    expect(second.json().sessionId).toBe(first.json().sessionId)
    expect(countRows('website_event')).toBe(0)

    const session = server.db.prepare('SELECT session_id, session_uuid, distinct_id, browser FROM session').all() as { session_id: number }[]
    expect(session).toEqual([{ session_id: expect.any(Number), session_uuid: first.json().sessionId, distinct_id: 'user-42', browser: 'chrome' }])
    const rows = server.db
      .prepare('SELECT session_id, website_id, data_key, data_type, string_value, number_value, distinct_id, created_at FROM session_data ORDER BY data_key')
      .all()
    const t0 = Date.UTC(2026, 0, 15, 12)
    const sid = session[0]!.session_id
    expect(rows).toEqual([
      { session_id: sid, website_id: website.website_id, data_key: 'age', data_type: DATA_TYPE.number, string_value: null, number_value: 30, distinct_id: 'user-42', created_at: t0 },
      { session_id: sid, website_id: website.website_id, data_key: 'company.size', data_type: DATA_TYPE.number, string_value: null, number_value: 12, distinct_id: 'user-42', created_at: t0 + 60_000 },
      { session_id: sid, website_id: website.website_id, data_key: 'plan', data_type: DATA_TYPE.string, string_value: 'pro', number_value: null, distinct_id: 'user-42', created_at: t0 + 60_000 }
    ])
  })

  test('events sent with the same id land in the identified session; identify without an id describes the anonymous one', async () => {
    const identified = (await send(hit({ id: 'user-42' }, 'identify'))).json()
    await send(hit({ id: 'user-42', name: 'signup' }))
    const anonymous = (await send(hit({ data: { theme: 'dark' } }, 'identify'))).json()
    await send(hit())
    const rows = storedHits()
    expect(rows.map((r) => [r.session_uuid, r.distinct_id])).toEqual([
      [identified.sessionId, 'user-42'],
      [anonymous.sessionId, null]
    ])
    const data = server.db.prepare('SELECT s.session_uuid, d.data_key, d.distinct_id FROM session_data d JOIN session s USING (session_id)').all()
    expect(data).toEqual([{ session_uuid: anonymous.sessionId, data_key: 'theme', distinct_id: null }])
  })

  test('identify without an id describes the visitor’s session and leaves its distinct id empty', async () => {
    await send(hit({ name: 'opened' }))
    const { sessionId } = (await send(hit({ data: { plan: 'pro' } }, 'identify'))).json()
    expect(server.db.prepare('SELECT distinct_id FROM session WHERE session_uuid = ?').pluck().get(sessionId)).toBeNull()
    expect(countRows('session')).toBe(1)
  })
})

describe('refusals', () => {
  test('bots get {beep: "boop"} and nothing is stored, also when the bot is named in payload.userAgent', async () => {
    const header = await send(hit(), { ua: GOOGLEBOT_UA })
    const payloadUa = await send(hit({ userAgent: GOOGLEBOT_UA }))
    for (const res of [header, payloadUa]) {
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ beep: 'boop' })
    }
    expect(stored()).toEqual(NOTHING)
  })

  test('bots are stored when the bot check is disabled', async () => {
    const unchecked = await createTestServer({ disableBotCheck: true })
    try {
      const site = await createWebsiteV1(unchecked.app, await login(unchecked.app))
      const res = await send({ type: 'event', payload: { website: site.website_uuid, url: '/' } }, { app: unchecked.app, ua: GOOGLEBOT_UA })
      expect(res.json()).toMatchObject({ sessionId: expect.any(String) })
      expect(unchecked.db.prepare('SELECT count(*) FROM website_event').pluck().get()).toBe(1)
    } finally {
      await unchecked.close()
    }
  })

  test('hits from ignored addresses (the socket peer, or payload.ip) get 403 and nothing is stored', async () => {
    const guarded = await createTestServer({ ignoreIps: ['198.51.100.0/24'] })
    try {
      const site = await createWebsiteV1(guarded.app, await login(guarded.app))
      const body = (extra = {}) => ({ type: 'event', payload: { website: site.website_uuid, url: '/', ...extra } })
      const peer = await send(body(), { app: guarded.app, ip: '198.51.100.7' })
      const override = await send(body({ ip: '198.51.100.9' }), { app: guarded.app, ip: '8.8.8.8' })
      for (const res of [peer, override]) {
        expect(res.statusCode).toBe(403)
        expect(res.json().error).toMatchObject({ code: 'forbidden', status: 403 })
      }
      expect(guarded.db.prepare('SELECT count(*) FROM website_event').pluck().get()).toBe(0)
      expect((await send(body(), { app: guarded.app, ip: '8.8.8.8' })).statusCode).toBe(200)
    } finally {
      await guarded.close()
    }
  })

  test('bad bodies get 400 in the v3 envelope with a message naming the problem, and store nothing', async () => {
    const uuid = website.website_uuid
    const cases: [unknown, RegExp][] = [
      [[], /body must be a JSON object/],
      [{ type: 'pageview', payload: { website: uuid } }, /type must be "event" or "identify" \(got "pageview"\)/],
      [{ type: 'event' }, /payload must be an object/],
      [{ type: 'event', payload: {} }, /payload\.website is required/],
      [{ type: 'event', payload: { website: 'not-a-uuid' } }, /payload\.website must be a website UUID/],
      [{ type: 'event', payload: { website: '00000000-0000-4000-8000-000000000000' } }, /^Website not found\.$/],
      [{ type: 'event', payload: { website: uuid, link: uuid } }, /exactly one of website, link or pixel/],
      [{ type: 'event', payload: { link: uuid } }, /links and pixels are not supported/],
      [{ type: 'event', payload: { pixel: uuid } }, /links and pixels are not supported/],
      [{ type: 'event', payload: { website: uuid, data: 'plan=pro' } }, /payload\.data must be an object/],
      [{ type: 'event', payload: { website: uuid, data: [1, 2] } }, /payload\.data must be an object/],
      [{ type: 'event', payload: { website: uuid, url: 42 } }, /payload\.url must be a string/],
      [{ type: 'event', payload: { website: uuid, name: { x: 1 } } }, /payload\.name must be a string/],
      [{ type: 'event', payload: { website: uuid, ip: 'localhost' } }, /payload\.ip must be an IPv4 or IPv6 address/],
      [{ type: 'event', payload: { website: uuid, url: 'http://[bad' } }, /payload\.url must be a URL or a path/]
    ]
    for (const [body, message] of cases) {
      const res = await send(body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().error).toMatchObject({ code: 'bad-request', status: 400 })
      expect(res.json().error.message, JSON.stringify(body)).toMatch(message)
    }
    const notJson = await server.app.inject({ method: 'POST', url: '/api/send', headers: { 'content-type': 'application/json' }, payload: '{"type":' })
    expect(notJson.statusCode).toBe(400)
    expect(stored()).toEqual(NOTHING)
  })

  test('a body over 64 KB is refused with 413', async () => {
    const res = await send(hit({ data: { blob: 'x'.repeat(70 * 1024) } }))
    expect(res.statusCode).toBe(413)
    expect(res.json().error.status).toBe(413)
    expect(stored()).toEqual(NOTHING)
  })
})

describe('/api/batch', () => {
  test('processes each item like /api/send: good ones are stored, bad ones reported by index, the first cache returned', async () => {
    const items = [
      hit({ url: '/one' }),
      { type: 'event', payload: { website: '00000000-0000-4000-8000-000000000000', url: '/lost' } },
      hit({ url: '/two', name: 'signup', data: { plan: 'pro' } }),
      hit({ data: 'not an object' }),
      hit({ id: 'user-9', data: { plan: 'team' } }, 'identify')
    ]
    const res = await server.app.inject({ method: 'POST', url: '/api/batch', headers: { 'user-agent': CHROME_UA }, payload: items, remoteAddress: '8.8.8.8' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toEqual({
      size: 5,
      processed: 3,
      errors: 2,
      details: [
        { index: 1, response: { error: { message: 'Website not found.', code: 'bad-request', status: 400 } } },
        { index: 3, response: { error: { message: 'Invalid request: payload.data must be an object', code: 'bad-request', status: 400 } } }
      ],
      cache: expect.any(String)
    })
    const rows = storedHits()
    expect(rows.map((r) => [r.url_path, r.event_name])).toEqual([
      ['/one', null],
      ['/two', 'signup']
    ])
    // The first good item's token: its session and visit.
    expect(server.app.ctx.auth.cache.verify(body.cache)).toMatchObject({ sessionId: rows[0]!.session_uuid, visitId: rows[0]!.visit_id })
    expect(countRows('session_data')).toBe(1)
  })

  test('a batch of bots is processed and stores nothing; the request’s cache token applies to every item', async () => {
    const bots = await server.app.inject({ method: 'POST', url: '/api/batch', headers: { 'user-agent': GOOGLEBOT_UA }, payload: [hit(), hit()] })
    expect(bots.json()).toEqual({ size: 2, processed: 2, errors: 0, details: [], cache: null })
    expect(stored()).toEqual(NOTHING)

    server.clock.set('2026-01-15T12:40:00Z')
    const first = (await send(hit())).json()
    server.clock.set('2026-01-15T13:05:00Z')
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/batch',
      headers: { 'user-agent': CHROME_UA, 'x-umami-cache': first.cache },
      payload: [hit({ url: '/a' }), hit({ url: '/b' })],
      remoteAddress: '8.8.8.8'
    })
    expect(res.json()).toMatchObject({ processed: 2, cache: first.cache })
    expect(new Set(storedHits().map((h) => h.visit_id))).toEqual(new Set([first.visitId]))
  })

  test('refuses a body that is not an array, or more than 1000 items, with 400', async () => {
    const notArray = await server.app.inject({ method: 'POST', url: '/api/batch', payload: hit() })
    expect(notArray.statusCode).toBe(400)
    expect(notArray.json().error.message).toMatch(/JSON array of \/api\/send bodies/)
    const tooMany = await server.app.inject({ method: 'POST', url: '/api/batch', payload: Array.from({ length: 1001 }, () => hit()) })
    expect(tooMany.statusCode).toBe(400)
    expect(tooMany.json().error.message).toMatch(/at most 1000 items \(got 1001\)/)
    expect(stored()).toEqual(NOTHING)
  })

  test('1000 items are stored in a few transactions', async () => {
    const before = server.app.ctx.writer.stats.batches
    const items = Array.from({ length: 1000 }, (_, i) => hit({ url: `/p/${i}` }))
    const res = await server.app.inject({ method: 'POST', url: '/api/batch', headers: { 'user-agent': CHROME_UA }, payload: items, remoteAddress: '8.8.8.8' })
    expect(res.json()).toMatchObject({ size: 1000, processed: 1000, errors: 0 })
    expect(countRows('website_event')).toBe(1000)
    expect(server.app.ctx.writer.stats.batches - before).toBeLessThanOrEqual(2)
  })
})
