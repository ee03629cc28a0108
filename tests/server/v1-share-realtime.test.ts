import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { expectPlainError, createUserV1, bearer, collectV1, createTestServer, createWebsiteV1, IPHONE_UA, login, type TestServer } from '../helpers'

let server: TestServer
let adminToken: string
let rita: { user_id: number; token: string }
let sam: { user_id: number; token: string }

type Res = LightMyRequestResponse

const inject = (options: InjectOptions) => server.app.inject(options)

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const share = (token: string) => ({ 'x-umami-share-token': token })

function statsUrl(id: number) {
  const now = server.clock.now()
  return `/api/website/${id}/stats?start_at=${now - 24 * HOUR}&end_at=${now + HOUR}`
}

async function shareTokenFor(shareId: string): Promise<string> {
  const res = await inject({ method: 'GET', url: `/api/share/${shareId}` })
  expect(res.statusCode).toBe(200)
  return res.json().token
}

beforeAll(async () => {
  server = await createTestServer()
  adminToken = await login(server.app)
  rita = await createUserV1(server.app, adminToken, 'rita', 'rita-pass')
  sam = await createUserV1(server.app, adminToken, 'sam', 'sam-pass')
})

afterAll(async () => {
  await server.close()
})

describe('GET /api/share/:shareId', () => {
  let shared: { website_id: number; website_uuid: string; share_id: string | null }
  let otherShared: { website_id: number; website_uuid: string; share_id: string | null }
  let unshared: { website_id: number; website_uuid: string }

  beforeAll(async () => {
    shared = await createWebsiteV1(server.app, rita.token, { name: 'Shared', domain: 'shared.example', enable_share_url: true })
    otherShared = await createWebsiteV1(server.app, sam.token, { name: 'Sam shared', domain: 'sam.example', enable_share_url: true })
    unshared = await createWebsiteV1(server.app, rita.token, { name: 'Unshared', domain: 'unshared.example' })
    await collectV1(server.app, shared.website_uuid, { url: '/', ip: '198.51.100.1' })
    await collectV1(server.app, shared.website_uuid, { url: '/docs', ip: '198.51.100.1' })
    await collectV1(server.app, shared.website_uuid, { url: '/', ip: '198.51.100.2', ua: IPHONE_UA })
    await collectV1(server.app, otherShared.website_uuid, { url: '/', ip: '198.51.100.3' })
    await collectV1(server.app, unshared.website_uuid, { url: '/', ip: '198.51.100.4' })
  })

  // One reply for both dialects (Umami v3.1's shape): the website is named by its UUID, which the v1
  // website routes accept as well as the integer id.
  test('swaps a share id for the website UUID and a token without login', async () => {
    const res = await inject({ method: 'GET', url: `/api/share/${shared.share_id}` })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(Object.keys(body).sort()).toEqual(['parameters', 'shareId', 'shareType', 'token', 'websiteId'])
    expect(body).toMatchObject({ websiteId: shared.website_uuid, shareId: shared.share_id, shareType: 1, parameters: { overview: true, events: true } })
    expect(typeof body.token).toBe('string')
  })

  test('a v1 dashboard reads the shared website through the UUID the share reply names', async () => {
    const { websiteId, token } = (await inject({ method: 'GET', url: `/api/share/${shared.share_id}` })).json()
    const now = server.clock.now()
    const stats = await inject({
      method: 'GET',
      url: `/api/website/${websiteId}/stats?start_at=${now - 24 * HOUR}&end_at=${now + HOUR}`,
      headers: share(token)
    })
    expect(stats.statusCode).toBe(200)
    // The three hits written for this website in beforeAll: two visitors, three pageviews.
    expect(stats.json()).toMatchObject({ pageviews: 3, uniques: 2 })
    const row = await inject({ method: 'GET', url: `/api/website/${websiteId}`, headers: share(token) })
    expect(row.json()).toMatchObject({ website_id: shared.website_id, name: 'Shared' })
    // Still no writes through a share token, whichever id names the website.
    expectPlainError(await inject({ method: 'POST', url: `/api/website/${websiteId}/reset`, headers: share(token) }), 401)
    expectPlainError(await inject({ method: 'DELETE', url: `/api/website/${websiteId}`, headers: share(token) }), 401)
  })

  test('the token works with or without the x-umami-share-context header Umami v3.1 wants', async () => {
    const token = await shareTokenFor(shared.share_id!)
    for (const headers of [share(token), { ...share(token), 'x-umami-share-context': '1' }]) {
      expect((await inject({ method: 'GET', url: statsUrl(shared.website_id), headers })).statusCode).toBe(200)
    }
  })

  test('answers 404 in the current envelope for an unknown share id', async () => {
    const unknown = await inject({ method: 'GET', url: '/api/share/zzzzzzzz' })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error).toMatchObject({ code: 'not-found', status: 404 })
    const long = await inject({ method: 'GET', url: `/api/share/${'x'.repeat(200)}` })
    expect(long.statusCode).toBeGreaterThanOrEqual(400)
    expect(long.statusCode).toBeLessThan(500)
  })

  test('the token reads the stats and the row of THAT website', async () => {
    const token = await shareTokenFor(shared.share_id!)
    const stats = await inject({ method: 'GET', url: statsUrl(shared.website_id), headers: share(token) })
    expect(stats.statusCode).toBe(200)
    expect(stats.json()).toMatchObject({ pageviews: 3, uniques: 2 })
    const row = await inject({ method: 'GET', url: `/api/website/${shared.website_id}`, headers: share(token) })
    expect(row.statusCode).toBe(200)
    expect(row.json().name).toBe('Shared')
    const now = server.clock.now()
    for (const path of [
      `pageviews?start_at=${now - HOUR}&end_at=${now + HOUR}&unit=hour&tz=UTC`,
      `events?start_at=${now - HOUR}&end_at=${now + HOUR}&unit=day&tz=UTC`,
      `metrics?start_at=${now - HOUR}&end_at=${now + HOUR}&type=url`,
      'active'
    ]) {
      const res = await inject({ method: 'GET', url: `/api/website/${shared.website_id}/${path}`, headers: share(token) })
      expect(res.statusCode, path).toBe(200)
    }
  })

  test('the token is also accepted in the pre-v1.31 x-umami-token header', async () => {
    const token = await shareTokenFor(shared.share_id!)
    const res = await inject({ method: 'GET', url: statsUrl(shared.website_id), headers: { 'x-umami-token': token } })
    expect(res.statusCode).toBe(200)
  })

  test('the token cannot read another website, shared or not', async () => {
    const token = await shareTokenFor(shared.share_id!)
    expectPlainError(await inject({ method: 'GET', url: statsUrl(otherShared.website_id), headers: share(token) }), 401)
    expectPlainError(await inject({ method: 'GET', url: statsUrl(unshared.website_id), headers: share(token) }), 401)
    expectPlainError(await inject({ method: 'GET', url: `/api/website/${unshared.website_id}`, headers: share(token) }), 401)
  })

  test('the token is no login: websites list, verify and accounts refuse it', async () => {
    const token = await shareTokenFor(shared.share_id!)
    // These paths are shared with the current API and answer in its envelope.
    for (const res of [
      await inject({ method: 'GET', url: '/api/websites?include_all=false', headers: share(token) }),
      await inject({ method: 'GET', url: '/api/websites', headers: share(token) }),
      await inject({ method: 'GET', url: '/api/auth/verify', headers: share(token) }),
      await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(token) })
    ]) {
      expect(res.statusCode).toBe(401)
      expect(res.json().error.code).toBe('unauthorized')
    }
    expectPlainError(await inject({ method: 'GET', url: '/api/realtime/init', headers: share(token) }), 401)
  })

  test('the token cannot reset, delete or edit the website', async () => {
    const token = await shareTokenFor(shared.share_id!)
    expectPlainError(await inject({ method: 'POST', url: `/api/website/${shared.website_id}/reset`, headers: share(token) }), 401)
    expectPlainError(await inject({ method: 'DELETE', url: `/api/website/${shared.website_id}`, headers: share(token) }), 401)
    expectPlainError(
      await inject({
        method: 'POST',
        url: '/api/website',
        headers: share(token),
        payload: { website_id: shared.website_id, name: 'Hijacked', enable_share_url: true }
      }),
      401
    )
    // Another user's login does not become enough with the share token beside it.
    expectPlainError(
      await inject({ method: 'POST', url: `/api/website/${shared.website_id}/reset`, headers: { ...share(token), ...bearer(sam.token) } }),
      401
    )
    expectPlainError(
      await inject({ method: 'DELETE', url: `/api/website/${shared.website_id}`, headers: { ...share(token), ...bearer(sam.token) } }),
      401
    )
    const stats = await inject({ method: 'GET', url: statsUrl(shared.website_id), headers: share(token) })
    expect(stats.json()).toMatchObject({ pageviews: 3 })
    const row = await inject({ method: 'GET', url: `/api/website/${shared.website_id}`, headers: bearer(rita.token) })
    expect(row.json().name).toBe('Shared')
  })

  test('a forged or literal "undefined" share token falls back to the login', async () => {
    expectPlainError(await inject({ method: 'GET', url: statsUrl(shared.website_id), headers: share('forged.token.value') }), 401)
    expectPlainError(await inject({ method: 'GET', url: statsUrl(shared.website_id), headers: share('undefined') }), 401)
    const owner = await inject({ method: 'GET', url: statsUrl(shared.website_id), headers: { ...share('undefined'), ...bearer(rita.token) } })
    expect(owner.statusCode).toBe(200)
  })

  test('a realtime token is not a share token', async () => {
    const init = await inject({ method: 'GET', url: '/api/realtime/init', headers: bearer(rita.token) })
    const realtimeToken = init.json().token
    expectPlainError(await inject({ method: 'GET', url: statsUrl(shared.website_id), headers: share(realtimeToken) }), 401)
  })

  test('after the owner turns the share URL off, the old token stops working; a new URL gives a new token', async () => {
    const site = await createWebsiteV1(server.app, rita.token, { name: 'Revocable', domain: 'rev.example', enable_share_url: true })
    const oldToken = await shareTokenFor(site.share_id!)
    expect((await inject({ method: 'GET', url: statsUrl(site.website_id), headers: share(oldToken) })).statusCode).toBe(200)

    const off = await inject({
      method: 'POST',
      url: '/api/website',
      headers: bearer(rita.token),
      payload: { website_id: site.website_id, name: 'Revocable', domain: 'rev.example', enable_share_url: false }
    })
    expect(off.statusCode).toBe(200)
    expectPlainError(await inject({ method: 'GET', url: statsUrl(site.website_id), headers: share(oldToken) }), 401)
    expectPlainError(await inject({ method: 'GET', url: `/api/website/${site.website_id}`, headers: share(oldToken) }), 401)
    expect((await inject({ method: 'GET', url: `/api/share/${site.share_id}` })).statusCode).toBe(404)

    const on = await inject({
      method: 'POST',
      url: '/api/website',
      headers: bearer(rita.token),
      payload: { website_id: site.website_id, name: 'Revocable', domain: 'rev.example', enable_share_url: true }
    })
    const newShareId = on.json().share_id ?? (await inject({ method: 'GET', url: `/api/website/${site.website_id}`, headers: bearer(rita.token) })).json().share_id
    expect(newShareId).toMatch(/^[0-9A-Za-z]{8}$/)
    expect(newShareId).not.toBe(site.share_id)
    expectPlainError(await inject({ method: 'GET', url: statsUrl(site.website_id), headers: share(oldToken) }), 401)
    const newToken = await shareTokenFor(newShareId)
    expect((await inject({ method: 'GET', url: statsUrl(site.website_id), headers: share(newToken) })).statusCode).toBe(200)
  })

  test('a deleted website\'s share id is gone', async () => {
    const site = await createWebsiteV1(server.app, rita.token, { name: 'Doomed', domain: 'doomed.example', enable_share_url: true })
    const token = await shareTokenFor(site.share_id!)
    await inject({ method: 'DELETE', url: `/api/website/${site.website_id}`, headers: bearer(rita.token) })
    expect((await inject({ method: 'GET', url: `/api/share/${site.share_id}` })).statusCode).toBe(404)
    const res = await inject({ method: 'GET', url: statsUrl(site.website_id), headers: share(token) })
    expect(res.statusCode).toBe(404)
  })
})

describe('realtime', () => {
  /** A fresh server per block keeps the clock and the data of this scenario to itself. */
  let rt: TestServer
  let owner: { user_id: number; token: string }
  let other: { user_id: number; token: string }
  let empty: { user_id: number; token: string }
  let admin: string
  let siteA: { website_id: number; website_uuid: string }
  let siteB: { website_id: number; website_uuid: string }
  let siteC: { website_id: number; website_uuid: string }
  const T0 = Date.UTC(2026, 2, 10, 15, 0, 0)

  const rtInject = (options: InjectOptions) => rt.app.inject(options)

  async function rtUser(username: string) {
    const res = await rtInject({ method: 'POST', url: '/api/account', headers: bearer(admin), payload: { username, password: `${username}-pass` } })
    return { user_id: res.json().user_id as number, token: await login(rt.app, username, `${username}-pass`) }
  }

  beforeAll(async () => {
    rt = await createTestServer()
    rt.clock.set(T0 - 2 * HOUR)
    admin = await login(rt.app)
    owner = await rtUser('owner')
    other = await rtUser('other')
    empty = await rtUser('empty')
    siteA = await createWebsiteV1(rt.app, owner.token, { name: 'A site', domain: 'a.example' })
    siteB = await createWebsiteV1(rt.app, owner.token, { name: 'B site', domain: 'b.example' })
    siteC = await createWebsiteV1(rt.app, other.token, { name: 'C site', domain: 'c.example' })
    await createWebsiteV1(rt.app, admin, { name: 'Admin site', domain: 'admin.example' })

    // 40 minutes ago: outside the realtime window.
    rt.clock.set(T0 - 40 * MINUTE)
    await collectV1(rt.app, siteA.website_uuid, { url: '/old', ip: '192.0.2.1' })
    await collectV1(rt.app, siteA.website_uuid, { eventName: 'old-event', ip: '192.0.2.1' })
    await collectV1(rt.app, siteC.website_uuid, { url: '/c-old', ip: '192.0.2.9' })
    // 20 minutes ago: inside.
    rt.clock.set(T0 - 20 * MINUTE)
    await collectV1(rt.app, siteA.website_uuid, { url: '/recent', ip: '192.0.2.2', ua: IPHONE_UA, screen: '390x844' })
    await collectV1(rt.app, siteA.website_uuid, { eventName: 'signup', ip: '192.0.2.2', ua: IPHONE_UA, screen: '390x844' })
    await collectV1(rt.app, siteB.website_uuid, { url: '/b-recent', ip: '192.0.2.3' })
    await collectV1(rt.app, siteC.website_uuid, { url: '/c-recent', ip: '192.0.2.8' })
    // 5 minutes ago.
    rt.clock.set(T0 - 5 * MINUTE)
    await collectV1(rt.app, siteA.website_uuid, { url: '/latest', ip: '192.0.2.4' })
    rt.clock.set(T0)
  })

  afterAll(async () => {
    await rt.close()
  })

  describe('GET /api/realtime/init', () => {
    test('covers the last 30 minutes of the caller\'s own websites', async () => {
      const res = await rtInject({ method: 'GET', url: '/api/realtime/init', headers: bearer(owner.token) })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(Object.keys(body).sort()).toEqual(['data', 'token', 'websites'])
      expect(body.websites.map((w: { website_id: number }) => w.website_id).sort()).toEqual([siteA.website_id, siteB.website_id].sort())
      expect(typeof body.token).toBe('string')
      expect(body.data.timestamp).toBe(T0)

      const { pageviews, sessions, events } = body.data
      expect(pageviews.map((p: { url: string }) => p.url).sort()).toEqual(['/b-recent', '/latest', '/recent'])
      expect(events.map((e: { event_name: string }) => e.event_name)).toEqual(['signup'])
      expect(sessions).toHaveLength(3)
      const allowed = new Set([siteA.website_id, siteB.website_id])
      for (const row of [...pageviews, ...sessions, ...events]) expect(allowed.has(row.website_id)).toBe(true)
      for (const row of [...pageviews, ...sessions, ...events]) {
        expect(Date.parse(row.created_at)).toBeGreaterThanOrEqual(T0 - 30 * MINUTE)
      }
    })

    test('shapes rows as v1 does, with a synthetic __id first', async () => {
      const res = await rtInject({ method: 'GET', url: '/api/realtime/init', headers: bearer(owner.token) })
      const { pageviews, sessions, events } = res.json().data
      const pv = pageviews.find((p: { url: string }) => p.url === '/recent')
      expect(Object.keys(pv)[0]).toBe('__id')
      expect(pv).toMatchObject({ __id: `p${pv.view_id}`, website_id: siteA.website_id, url: '/recent', referrer: '' })
      expect(pv.created_at).toBe(new Date(T0 - 20 * MINUTE).toISOString())
      const ev = events[0]
      expect(Object.keys(ev)[0]).toBe('__id')
      expect(ev).toMatchObject({ __id: `e${ev.event_id}`, website_id: siteA.website_id, event_name: 'signup' })
      const s = sessions.find((x: { session_id: number }) => x.session_id === pv.session_id)
      expect(Object.keys(s)[0]).toBe('__id')
      expect(s).toMatchObject({ __id: `s${s.session_id}`, website_id: siteA.website_id, os: 'iOS', device: 'mobile' })
      expect(typeof s.session_uuid).toBe('string')
    })

    test('gives a user with no websites empty arrays, never other users\' data', async () => {
      const res = await rtInject({ method: 'GET', url: '/api/realtime/init', headers: bearer(empty.token) })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body.websites).toEqual([])
      expect(body.data).toEqual({ pageviews: [], sessions: [], events: [], timestamp: T0 })
    })

    test('shows an admin only their own websites, not everyone\'s', async () => {
      const res = await rtInject({ method: 'GET', url: '/api/realtime/init', headers: bearer(admin) })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body.websites.map((w: { name: string }) => w.name)).toEqual(['Admin site'])
      expect(body.data.pageviews).toEqual([])
      expect(body.data.sessions).toEqual([])
    })

    test('another user sees only their own website', async () => {
      const res = await rtInject({ method: 'GET', url: '/api/realtime/init', headers: bearer(other.token) })
      const { data, websites } = res.json()
      expect(websites.map((w: { website_id: number }) => w.website_id)).toEqual([siteC.website_id])
      expect(data.pageviews.map((p: { url: string }) => p.url)).toEqual(['/c-recent'])
    })

    test('requires login', async () => {
      expectPlainError(await rtInject({ method: 'GET', url: '/api/realtime/init' }), 401)
      expectPlainError(await rtInject({ method: 'GET', url: '/api/realtime/init', headers: bearer('forged') }), 401)
    })

    test('accepts the login cookie', async () => {
      const res = await rtInject({ method: 'GET', url: '/api/realtime/init', cookies: { 'umami.auth': owner.token } })
      expect(res.statusCode).toBe(200)
    })
  })

  describe('GET /api/realtime/update', () => {
    let realtimeToken: string

    beforeAll(async () => {
      const init = await rtInject({ method: 'GET', url: '/api/realtime/init', headers: bearer(owner.token) })
      realtimeToken = init.json().token
    })

    const update = (startAt: number, headers: Record<string, string>) =>
      rtInject({ method: 'GET', url: `/api/realtime/update?start_at=${startAt}`, headers })

    test('returns the rows since start_at', async () => {
      const res = await update(T0 - 10 * MINUTE, { ...bearer(owner.token), 'x-umami-share-token': realtimeToken })
      expect(res.statusCode).toBe(200)
      const data = res.json()
      expect(data.pageviews.map((p: { url: string }) => p.url)).toEqual(['/latest'])
      expect(data.events).toEqual([])
      expect(data.sessions).toHaveLength(1)
      expect(data.timestamp).toBe(T0)
    })

    test('picks up hits that arrive after the last poll', async () => {
      rt.clock.set(T0 + 3000)
      await collectV1(rt.app, siteB.website_uuid, { url: '/b-new', ip: '192.0.2.5' })
      await collectV1(rt.app, siteC.website_uuid, { url: '/c-new', ip: '192.0.2.6' })
      rt.clock.set(T0 + 6000)
      const res = await update(T0 + 1, { ...bearer(owner.token), 'x-umami-share-token': realtimeToken })
      expect(res.statusCode).toBe(200)
      const data = res.json()
      expect(data.pageviews.map((p: { url: string; website_id: number }) => [p.url, p.website_id])).toEqual([['/b-new', siteB.website_id]])
      expect(data.sessions).toHaveLength(1)
      expect(data.timestamp).toBe(T0 + 6000)
      rt.clock.set(T0)
    })

    test('answers 400 in plain text without the realtime token', async () => {
      expectPlainError(await update(T0 - MINUTE, bearer(owner.token)), 400)
    })

    test('answers 401 in plain text for a forged token', async () => {
      expectPlainError(await update(T0 - MINUTE, { ...bearer(owner.token), 'x-umami-share-token': 'forged' }), 401)
      expectPlainError(
        await update(T0 - MINUTE, { ...bearer(owner.token), 'x-umami-share-token': 'eyJhbGciOiJIUzI1NiJ9.eyJ3ZWJzaXRlcyI6WzEsMiwzXX0.x' }),
        401
      )
    })

    test('refuses another user\'s realtime token', async () => {
      const init = await rtInject({ method: 'GET', url: '/api/realtime/init', headers: bearer(other.token) })
      const othersToken = init.json().token
      expectPlainError(await update(T0 - 30 * MINUTE, { ...bearer(owner.token), 'x-umami-share-token': othersToken }), 401)
      // Nor can the token holder use it without their own login.
      expectPlainError(await update(T0 - 30 * MINUTE, { 'x-umami-share-token': othersToken }), 401)
    })

    test('refuses a share token in place of the realtime token', async () => {
      const site = await createWebsiteV1(rt.app, owner.token, { name: 'Z shared', domain: 'z.example', enable_share_url: true })
      const shareRes = await rtInject({ method: 'GET', url: `/api/share/${site.share_id}` })
      expectPlainError(await update(T0 - MINUTE, { ...bearer(owner.token), 'x-umami-share-token': shareRes.json().token }), 401)
    })

    test('requires login', async () => {
      expectPlainError(await update(T0 - MINUTE, { 'x-umami-share-token': realtimeToken }), 401)
    })

    test('answers 400 in plain text for a missing or non-numeric start_at', async () => {
      const headers = { ...bearer(owner.token), 'x-umami-share-token': realtimeToken }
      expectPlainError(await rtInject({ method: 'GET', url: '/api/realtime/update', headers }), 400)
      expectPlainError(await rtInject({ method: 'GET', url: '/api/realtime/update?start_at=yesterday', headers }), 400)
    })

    test('drops a website once it is deleted', async () => {
      const res = await update(T0 - 30 * MINUTE, { ...bearer(owner.token), 'x-umami-share-token': realtimeToken })
      expect(res.json().pageviews.some((p: { website_id: number }) => p.website_id === siteB.website_id)).toBe(true)
      await rtInject({ method: 'DELETE', url: `/api/website/${siteB.website_id}`, headers: bearer(owner.token) })
      const after = await update(T0 - 30 * MINUTE, { ...bearer(owner.token), 'x-umami-share-token': realtimeToken })
      expect(after.statusCode).toBe(200)
      expect(after.json().pageviews.every((p: { website_id: number }) => p.website_id === siteA.website_id)).toBe(true)
    })
  })
})
