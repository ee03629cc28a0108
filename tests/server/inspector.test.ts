import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { InspectedHit, InspectorResult } from '../../src/shared/api/types'
import { HitInspector, INSPECTOR_SIZE } from '../../src/server/collect/inspector'
import { bearer, CHROME_UA, collectV1, createTestServer, createUserV1, createWebsiteV1, IPHONE_UA, login, type TestServer } from '../helpers'
import { buildHit } from '../current-helpers'

// The hit inspector (PRODUCT.md, "Beyond every peer") through the real app: hits go in through the
// collect endpoints as trackers send them, and come out of GET /api/dashi/inspector as an admin sees them.

const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const UNKNOWN_WEBSITE = '0f0f0f0f-1111-4222-8333-444444444444'

let server: TestServer
let token: string
let website: { website_id: number; website_uuid: string; share_id: string | null }

beforeEach(async () => {
  server = await createTestServer()
  token = await login(server.app)
  website = await createWebsiteV1(server.app, token, { name: 'Blog', domain: 'example.com', enable_share_url: true })
})

afterEach(async () => {
  await server.close()
})

function send(body: unknown, opts: { ua?: string; ip?: string; cache?: string; app?: TestServer['app']; url?: string } = {}) {
  const headers: Record<string, string> = { 'user-agent': opts.ua ?? CHROME_UA }
  if (opts.cache) headers['x-umami-cache'] = opts.cache
  return (opts.app ?? server.app).inject({ method: 'POST', url: opts.url ?? '/api/send', headers, payload: body as object, remoteAddress: opts.ip ?? '8.8.8.8' })
}

const pageview = (fields: Record<string, unknown> = {}) => ({
  type: 'event',
  payload: { website: website.website_uuid, hostname: 'example.com', screen: '1440x900', language: 'en-US', url: 'https://example.com/', ...fields }
})

async function inspect(query = '', headers: Record<string, string> = bearer(token), app = server.app): Promise<InspectorResult> {
  const res = await app.inject({ method: 'GET', url: `/api/dashi/inspector${query}`, headers })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

/** The stored session and visit of the newest event, as the database has them. */
function lastStored(db = server.db) {
  return db
    .prepare(
      `SELECT s.session_uuid, e.visit_id, s.browser, s.os, s.device, s.country
       FROM website_event e JOIN session s ON s.session_id = e.session_id ORDER BY e.event_id DESC LIMIT 1`
    )
    .get() as { session_uuid: string; visit_id: string; browser: string; os: string; device: string; country: string }
}

describe('stored hits', () => {
  test('a classic /api/collect pageview shows parsed, with the session and visit it was stored in', async () => {
    const res = await collectV1(server.app, website.website_uuid, { url: '/pricing?plan=pro', referrer: 'https://www.google.com/search?q=dashi', ip: '8.8.8.8' })
    expect(res.statusCode).toBe(200)
    const stored = lastStored()
    const { hits, last } = await inspect()
    expect(last).toBe(1)
    expect(hits).toEqual([
      {
        seq: 1,
        createdAt: new Date(server.clock.t).toISOString(),
        dialect: 'collect',
        outcome: 'stored',
        reason: null,
        message: null,
        websiteId: website.website_uuid,
        websiteName: 'Blog',
        type: 'pageview',
        url: '/pricing',
        eventName: null,
        referrerDomain: 'google.com',
        hostname: 'example.com',
        browser: 'chrome',
        os: 'Windows 10',
        device: stored.device,
        country: 'US',
        sessionId: stored.session_uuid,
        visitId: stored.visit_id
      }
    ])
  })

  test('/api/send and /api/batch hits show with the ids the sender was given; a continued session is not parsed again', async () => {
    const first = (await send(pageview({ url: 'https://example.com/docs', name: 'signup' }), { ua: IPHONE_UA })).json()
    // The tracker's cache token carries the session on: the server parses nothing, so the inspector shows the ids only.
    await send(pageview({ url: 'https://example.com/docs/next' }), { ua: IPHONE_UA, cache: first.cache })
    const batch = await send([pageview({ url: '/a' }), { type: 'identify', payload: { website: website.website_uuid, id: 'user-7' } }], { url: '/api/batch' })
    expect(batch.json()).toMatchObject({ processed: 2, errors: 0 })

    const { hits } = await inspect()
    expect(hits.map((h) => [h.seq, h.dialect, h.outcome, h.type, h.url, h.eventName])).toEqual([
      [4, 'batch', 'stored', 'identify', null, null],
      [3, 'batch', 'stored', 'pageview', '/a', null],
      [2, 'send', 'stored', 'pageview', '/docs/next', null],
      [1, 'send', 'stored', 'event', '/docs', 'signup']
    ])
    const [identify, batched, continued, signup] = hits as [InspectedHit, InspectedHit, InspectedHit, InspectedHit]
    expect(signup).toMatchObject({ browser: 'ios', os: 'iOS', device: 'mobile', country: 'US', sessionId: first.sessionId, visitId: first.visitId })
    expect(continued).toMatchObject({ browser: null, os: null, device: null, country: null, sessionId: first.sessionId, visitId: first.visitId })
    expect(batched).toMatchObject({ browser: 'chrome', country: 'US', websiteName: 'Blog' })
    expect(batched.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(identify).toMatchObject({ browser: 'chrome', visitId: null, sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
  })
})

describe('dropped hits and why', () => {
  test('bots in both dialects, an unknown website and bad payloads, each with its reason', async () => {
    expect((await collectV1(server.app, website.website_uuid, { ua: GOOGLEBOT_UA, url: '/crawled' })).statusCode).toBe(200)
    expect((await send(pageview({ url: '/crawled-too' }), { ua: GOOGLEBOT_UA })).json()).toEqual({ beep: 'boop' })
    expect((await send(pageview({ website: UNKNOWN_WEBSITE, url: '/lost' }))).statusCode).toBe(400)
    expect((await collectV1(server.app, UNKNOWN_WEBSITE, { url: '/lost-v1' })).statusCode).toBe(400)
    expect((await send({ type: 'pageviews', payload: { website: website.website_uuid } })).statusCode).toBe(400)
    const broken = await server.app.inject({
      method: 'POST',
      url: '/api/send',
      headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
      payload: '{"type": "event", "payload": ',
      remoteAddress: '8.8.8.8'
    })
    expect(broken.statusCode).toBe(400)
    const batch = await send([pageview({ url: '/ok' }), { type: 'event', payload: { website: website.website_uuid, url: 42 } }], { url: '/api/batch' })
    expect(batch.json()).toMatchObject({ processed: 1, errors: 1 })

    const { hits } = await inspect()
    const rows = hits.map((h) => [h.dialect, h.outcome, h.reason, h.websiteId, h.url]).reverse()
    expect(rows).toEqual([
      ['collect', 'dropped', 'bot', website.website_uuid, '/crawled'],
      ['send', 'dropped', 'bot', website.website_uuid, '/crawled-too'],
      ['send', 'dropped', 'unknown-website', UNKNOWN_WEBSITE, '/lost'],
      ['collect', 'dropped', 'unknown-website', UNKNOWN_WEBSITE, '/lost-v1'],
      ['send', 'dropped', 'bad-payload', website.website_uuid, null],
      ['send', 'dropped', 'bad-payload', null, null],
      // Items of a batch are recorded one by one, in the order their outcomes are known.
      ['batch', 'stored', null, website.website_uuid, '/ok'],
      ['batch', 'dropped', 'bad-payload', website.website_uuid, null]
    ])
    const byReason = (reason: string) => hits.filter((h) => h.reason === reason)
    // The sender's own words are kept for refusals; a bot is told nothing, so there is nothing to show.
    expect(byReason('bot').map((h) => h.message)).toEqual([null, null])
    expect(byReason('bad-payload').map((h) => h.message)).toEqual([
      'Invalid request: payload.url must be a string',
      expect.stringMatching(/JSON/),
      'Invalid request: type must be "event" or "identify" (got "pageviews")'
    ])
    expect(byReason('unknown-website').every((h) => h.websiteName === null && h.sessionId === null)).toBe(true)
    expect(hits.filter((h) => h.outcome === 'dropped').every((h) => h.browser === null && h.sessionId === null && h.visitId === null)).toBe(true)
  })

  test('hits from an ignored address are dropped with reason ignored-ip, in both dialects', async () => {
    const guarded = await createTestServer({ ignoreIps: ['198.51.100.0/24'] })
    try {
      const admin = await login(guarded.app)
      const site = await createWebsiteV1(guarded.app, admin)
      expect((await collectV1(guarded.app, site.website_uuid, { ip: '198.51.100.7', url: '/home' })).statusCode).toBe(403)
      const current = { type: 'event', payload: { website: site.website_uuid, url: '/office' } }
      expect((await send(current, { app: guarded.app, ip: '198.51.100.8' })).statusCode).toBe(403)
      const { hits } = await inspect('', bearer(admin), guarded.app)
      expect(hits.map((h) => [h.dialect, h.reason, h.websiteId, h.url])).toEqual([
        ['send', 'ignored-ip', site.website_uuid, '/office'],
        ['collect', 'ignored-ip', site.website_uuid, '/home']
      ])
      // The address that was refused is not kept: the inspector never names one.
      expect(JSON.stringify(hits)).not.toContain('198.51.100')
    } finally {
      await guarded.close()
    }
  })

  test('a hit the writer cannot take (the server is shutting down) shows as busy', async () => {
    await server.app.ctx.writer.close()
    expect((await send(pageview({ url: 'https://example.com/late' }))).statusCode).toBe(503)
    const { hits } = await inspect()
    expect(hits).toMatchObject([{ dialect: 'send', outcome: 'dropped', reason: 'busy', url: 'https://example.com/late' }])
    expect(hits[0]!.message).toMatch(/send the hit again later/)
  })
})

describe('the ring and polling', () => {
  test('keeps only the last hits it has room for, newest first', async () => {
    for (let i = 1; i <= INSPECTOR_SIZE + 5; i++) await send(pageview({ url: `/bot/${i}` }), { ua: GOOGLEBOT_UA })
    const { hits, last, size } = await inspect('?limit=100000')
    expect(size).toBe(INSPECTOR_SIZE)
    expect(last).toBe(INSPECTOR_SIZE + 5)
    expect(hits).toHaveLength(INSPECTOR_SIZE)
    expect(hits[0]).toMatchObject({ seq: INSPECTOR_SIZE + 5, url: `/bot/${INSPECTOR_SIZE + 5}` })
    expect(hits.at(-1)).toMatchObject({ seq: 6, url: '/bot/6' })
    // Without a limit, a page of the newest.
    expect((await inspect()).hits.map((h) => h.seq).slice(0, 2)).toEqual([INSPECTOR_SIZE + 5, INSPECTOR_SIZE + 4])
  })

  test('since returns only what came after the last poll', async () => {
    await send(pageview({ url: '/one' }))
    await send(pageview({ url: '/two' }))
    const first = await inspect()
    expect(first.last).toBe(2)
    expect((await inspect(`?since=${first.last}`)).hits).toEqual([])
    await send(pageview({ url: '/three' }))
    const next = await inspect(`?since=${first.last}`)
    expect(next.hits.map((h) => h.url)).toEqual(['/three'])
    expect(next.last).toBe(3)
    expect((await inspect('?since=0&limit=1')).hits.map((h) => h.url)).toEqual(['/three'])
  })

  test('a ring smaller than its hits wraps in place', () => {
    let t = 0
    const ring = new HitInspector(() => ++t, 3)
    for (let i = 1; i <= 7; i++) ring.stored('send', website.website_uuid, buildHit({ websiteId: 1, at: i, path: `/${i}` }))
    expect(ring.list(0, 10).hits.map((h) => h.url)).toEqual(['/7', '/6', '/5'])
    expect(ring.list(5, 10).hits.map((h) => h.url)).toEqual(['/7', '/6'])
    expect(ring.list(0, 1)).toMatchObject({ hits: [{ seq: 7 }], last: 7 })
  })

  test('bad since or limit get a 400 in the current envelope', async () => {
    for (const query of ['?since=-1', '?since=abc', '?limit=0', '?limit=1.5', '?limit=&limit=2']) {
      const res = await server.app.inject({ method: 'GET', url: `/api/dashi/inspector${query}`, headers: bearer(token) })
      expect(res.statusCode, query).toBe(400)
      expect(res.json().error).toMatchObject({ code: 'bad-request', status: 400 })
    }
  })
})

describe('who may look', () => {
  test('401 without a login; 403 for a user who is not an admin and for a share token', async () => {
    const anonymous = await server.app.inject({ method: 'GET', url: '/api/dashi/inspector' })
    expect(anonymous.statusCode).toBe(401)
    expect(anonymous.json()).toEqual({ error: { message: 'Unauthorized', code: 'unauthorized', status: 401 } })

    const rita = await createUserV1(server.app, token, 'rita', 'rita-password')
    const user = await server.app.inject({ method: 'GET', url: '/api/dashi/inspector', headers: bearer(rita.token) })
    expect(user.statusCode).toBe(403)
    expect(user.json().error).toMatchObject({ code: 'forbidden', status: 403 })

    const share = await server.app.inject({ method: 'GET', url: `/api/share/${website.share_id}` })
    const shared = await server.app.inject({ method: 'GET', url: '/api/dashi/inspector', headers: { 'x-umami-share-token': share.json().token } })
    expect(shared.statusCode).toBe(403)
    expect(shared.json().error).toMatchObject({ code: 'forbidden', status: 403 })
  })

  test('no address and no user agent anywhere in what it shows', async () => {
    await collectV1(server.app, website.website_uuid, { ip: '81.2.69.160', ua: CHROME_UA })
    await send(pageview(), { ip: '81.2.69.161', ua: IPHONE_UA })
    // A server-side sender names the visitor's address and agent in the payload: neither is kept either.
    await send(pageview({ ip: '81.2.69.162', userAgent: CHROME_UA }), { ip: '127.0.0.1', ua: 'node-client/1.0' })
    await send(pageview({ ip: '81.2.69.163' }), { ua: GOOGLEBOT_UA })
    await send(pageview({ website: UNKNOWN_WEBSITE, ip: '81.2.69.164', userAgent: IPHONE_UA }))
    const res = await server.app.inject({ method: 'GET', url: '/api/dashi/inspector', headers: bearer(token) })
    const body = res.body
    expect(res.json().hits).toHaveLength(5)
    for (const secret of ['81.2.69', '127.0.0.1', '8.8.8.8', 'Mozilla', 'node-client', 'Googlebot', 'iPhone']) expect(body, secret).not.toContain(secret)
  })
})
