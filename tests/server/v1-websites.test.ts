import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { expectPlainError, createUserV1, bearer, collectV1, createTestServer, createWebsiteV1, FIREFOX_LINUX_UA, IPHONE_UA, login, type TestServer } from '../helpers'

let server: TestServer
let adminToken: string
let alice: { user_id: number; token: string }
let bob: { user_id: number; token: string }

type Res = LightMyRequestResponse

const inject = (options: InjectOptions) => server.app.inject(options)

const postWebsite = (token: string, payload: Record<string, unknown>) =>
  inject({ method: 'POST', url: '/api/website', headers: bearer(token), payload })

const getWebsite = (id: number | string, headers: Record<string, string> = {}) => inject({ method: 'GET', url: `/api/website/${id}`, headers })

const HOUR = 3600_000

/** Whole-day stats window around the test clock. */
function statsUrl(id: number) {
  const now = server.clock.now()
  return `/api/website/${id}/stats?start_at=${now - 24 * HOUR}&end_at=${now + HOUR}`
}

beforeAll(async () => {
  server = await createTestServer()
  adminToken = await login(server.app)
  alice = await createUserV1(server.app, adminToken, 'alice', 'alice-pass')
  bob = await createUserV1(server.app, adminToken, 'bob', 'bob-pass')
})

afterAll(async () => {
  await server.close()
})

describe('POST /api/website (create)', () => {
  test('creates a website owned by the caller and returns its row', async () => {
    const res = await postWebsite(alice.token, { name: 'Alice Blog', domain: 'alice.example' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(Object.keys(body).sort()).toEqual(['created_at', 'domain', 'name', 'share_id', 'user_id', 'website_id', 'website_uuid'])
    expect(body).toMatchObject({ user_id: alice.user_id, name: 'Alice Blog', domain: 'alice.example', share_id: null })
    expect(Number.isInteger(body.website_id)).toBe(true)
    expect(body.website_uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(body.created_at).toBe(new Date(server.clock.now()).toISOString())
  })

  test('gives each website its own id and uuid', async () => {
    const a = await createWebsiteV1(server.app, alice.token, { name: 'One', domain: 'one.example' })
    const b = await createWebsiteV1(server.app, alice.token, { name: 'Two', domain: 'two.example' })
    expect(a.website_id).not.toBe(b.website_id)
    expect(a.website_uuid).not.toBe(b.website_uuid)
  })

  test('gives an 8-character [0-9A-Za-z] share_id with enable_share_url', async () => {
    const ids = new Set<string>()
    for (let i = 0; i < 5; i++) {
      const site = await createWebsiteV1(server.app, alice.token, { name: `Shared ${i}`, domain: 's.example', enable_share_url: true })
      expect(site.share_id).toMatch(/^[0-9A-Za-z]{8}$/)
      ids.add(site.share_id!)
    }
    expect(ids.size).toBe(5)
  })

  test('has no share_id when enable_share_url is false', async () => {
    const site = await createWebsiteV1(server.app, alice.token, { name: 'Private', domain: 'p.example', enable_share_url: false })
    expect(site.share_id).toBeNull()
  })

  test('accepts a website without a domain', async () => {
    const res = await postWebsite(alice.token, { name: 'No domain' })
    expect(res.statusCode).toBe(200)
    expect(res.json().domain).toBeNull()
  })

  test('rejects a missing name with 400 in plain text', async () => {
    expectPlainError(await postWebsite(alice.token, { domain: 'x.example' }), 400)
    expectPlainError(await postWebsite(alice.token, { name: '', domain: 'x.example' }), 400)
  })

  test('rejects a name over 100 characters with 400, and accepts exactly 100', async () => {
    expectPlainError(await postWebsite(alice.token, { name: 'n'.repeat(101), domain: 'x.example' }), 400)
    const ok = await postWebsite(alice.token, { name: 'n'.repeat(100), domain: 'x.example' })
    expect(ok.statusCode).toBe(200)
  })

  test('rejects an over-long domain with 400, not 500', async () => {
    expectPlainError(await postWebsite(alice.token, { name: 'Long domain', domain: 'd'.repeat(501) }), 400)
  })

  test('rejects an anonymous caller', async () => {
    expectPlainError(await inject({ method: 'POST', url: '/api/website', payload: { name: 'Anon', domain: 'a.example' } }), 401)
  })

  test('rejects a non-admin setting another owner', async () => {
    const res = await postWebsite(alice.token, { name: 'For Bob', domain: 'b.example', owner: bob.user_id })
    expectPlainError(res, 401)
    const list = await inject({ method: 'GET', url: `/api/websites?user_id=${bob.user_id}`, headers: bearer(bob.token) })
    expect(list.json().map((w: { name: string }) => w.name)).not.toContain('For Bob')
  })

  test('lets a non-admin name themself as owner', async () => {
    const res = await postWebsite(alice.token, { name: 'Mine', domain: 'm.example', owner: alice.user_id })
    expect(res.statusCode).toBe(200)
    expect(res.json().user_id).toBe(alice.user_id)
  })

  test('lets an admin create a website for another owner (owner as number or string)', async () => {
    const res = await postWebsite(adminToken, { name: 'Bob by admin', domain: 'bob.example', owner: bob.user_id })
    expect(res.statusCode).toBe(200)
    expect(res.json().user_id).toBe(bob.user_id)
    const asString = await postWebsite(adminToken, { name: 'Bob by admin 2', domain: 'bob.example', owner: String(bob.user_id) })
    expect(asString.statusCode).toBe(200)
    expect(asString.json().user_id).toBe(bob.user_id)
  })

  test('rejects an admin naming an unknown owner with 400', async () => {
    expectPlainError(await postWebsite(adminToken, { name: 'Ghost', domain: 'g.example', owner: 9999 }), 400)
    expectPlainError(await postWebsite(adminToken, { name: 'Ghost', domain: 'g.example', owner: 'abc' }), 400)
  })

  test('answers 400 in plain text for a body that is not JSON', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/website',
      headers: { ...bearer(alice.token), 'content-type': 'application/json' },
      payload: '{"name": '
    })
    expectPlainError(res, 400)
  })
})

describe('POST /api/website (update)', () => {
  test('lets the owner rename a website and change its domain', async () => {
    const site = await createWebsiteV1(server.app, alice.token, { name: 'Before', domain: 'before.example' })
    const res = await postWebsite(alice.token, { website_id: site.website_id, name: 'After', domain: 'after.example' })
    expect(res.statusCode).toBe(200)
    const get = await getWebsite(site.website_id, bearer(alice.token))
    expect(get.json()).toMatchObject({ website_id: site.website_id, website_uuid: site.website_uuid, name: 'After', domain: 'after.example', user_id: alice.user_id })
  })

  test('keeps the domain when an update leaves it out', async () => {
    const site = await createWebsiteV1(server.app, alice.token, { name: 'Keep', domain: 'keep.example' })
    const res = await postWebsite(alice.token, { website_id: site.website_id, name: 'Kept' })
    expect(res.statusCode).toBe(200)
    const get = await getWebsite(site.website_id, bearer(alice.token))
    expect(get.json()).toMatchObject({ name: 'Kept', domain: 'keep.example' })
  })

  test('turns the share URL on, keeps it stable, and turning it off clears it', async () => {
    const site = await createWebsiteV1(server.app, alice.token, { name: 'Toggle', domain: 't.example' })
    const on = await postWebsite(alice.token, { website_id: site.website_id, name: 'Toggle', domain: 't.example', enable_share_url: true })
    expect(on.statusCode).toBe(200)
    const shareId = (await getWebsite(site.website_id, bearer(alice.token))).json().share_id
    expect(shareId).toMatch(/^[0-9A-Za-z]{8}$/)
    await postWebsite(alice.token, { website_id: site.website_id, name: 'Toggle', domain: 't.example', enable_share_url: true })
    expect((await getWebsite(site.website_id, bearer(alice.token))).json().share_id).toBe(shareId)
    const off = await postWebsite(alice.token, { website_id: site.website_id, name: 'Toggle', domain: 't.example', enable_share_url: false })
    expect(off.statusCode).toBe(200)
    expect((await getWebsite(site.website_id, bearer(alice.token))).json().share_id).toBeNull()
    // The share path is shared with the current API, whose error envelope it answers in.
    const gone = await inject({ method: 'GET', url: `/api/share/${shareId}` })
    expect(gone.statusCode).toBe(404)
    expect(gone.json().error).toMatchObject({ code: 'not-found', status: 404 })
  })

  test('rejects another user updating the website', async () => {
    const site = await createWebsiteV1(server.app, alice.token, { name: 'Alice only', domain: 'a.example' })
    const res = await postWebsite(bob.token, { website_id: site.website_id, name: 'Taken', domain: 'a.example' })
    expectPlainError(res, 401)
    const steal = await postWebsite(bob.token, { website_id: site.website_id, name: 'Taken', domain: 'a.example', owner: bob.user_id })
    expectPlainError(steal, 401)
    const get = await getWebsite(site.website_id, bearer(alice.token))
    expect(get.json()).toMatchObject({ name: 'Alice only', user_id: alice.user_id })
  })

  test('rejects the owner giving the website away (only admins choose owners)', async () => {
    const site = await createWebsiteV1(server.app, alice.token, { name: 'Gift', domain: 'g.example' })
    const res = await postWebsite(alice.token, { website_id: site.website_id, name: 'Gift', domain: 'g.example', owner: bob.user_id })
    expectPlainError(res, 401)
    expect((await getWebsite(site.website_id, bearer(alice.token))).json().user_id).toBe(alice.user_id)
  })

  test('lets an admin update any website and move it to another owner', async () => {
    const site = await createWebsiteV1(server.app, alice.token, { name: 'Move me', domain: 'move.example' })
    const edit = await postWebsite(adminToken, { website_id: site.website_id, name: 'Edited by admin', domain: 'move.example' })
    expect(edit.statusCode).toBe(200)
    expect((await getWebsite(site.website_id, bearer(alice.token))).json()).toMatchObject({ name: 'Edited by admin', user_id: alice.user_id })
    const move = await postWebsite(adminToken, { website_id: site.website_id, name: 'Moved', domain: 'move.example', owner: bob.user_id })
    expect(move.statusCode).toBe(200)
    expect((await getWebsite(site.website_id, bearer(bob.token))).json().user_id).toBe(bob.user_id)
    expectPlainError(await getWebsite(site.website_id, bearer(alice.token)), 401)
  })

  test('answers 404 in plain text for an unknown website_id', async () => {
    expectPlainError(await postWebsite(alice.token, { website_id: 99999, name: 'Nope', domain: 'n.example' }), 404)
  })

  test('rejects a name over 100 characters on update', async () => {
    const site = await createWebsiteV1(server.app, alice.token, { name: 'Short', domain: 's.example' })
    expectPlainError(await postWebsite(alice.token, { website_id: site.website_id, name: 'n'.repeat(101) }), 400)
  })
})

/**
 * GET /api/websites is shared with the current API: v1 clients send `user_id` or `include_all` (the v1
 * dashboard always does) and get v1's array; without either the current API's page answers.
 */
describe('GET /api/websites', () => {
  let carol: { user_id: number; token: string }

  beforeAll(async () => {
    carol = await createUserV1(server.app, adminToken, 'carol', 'carol-pass')
    for (const name of ['zeta', 'Alpha', 'beta', 'Gamma']) await createWebsiteV1(server.app, carol.token, { name, domain: `${name}.example` })
    await createWebsiteV1(server.app, bob.token, { name: 'Bob only', domain: 'bob.example' })
  })

  test('lists only the caller\'s own websites, sorted by name', async () => {
    const res = await inject({ method: 'GET', url: '/api/websites?include_all=false', headers: bearer(carol.token) })
    expect(res.statusCode).toBe(200)
    const rows = res.json() as { name: string; user_id: number }[]
    expect(rows.every((r) => r.user_id === carol.user_id)).toBe(true)
    // SQLite's binary collation: capitals first, as Postgres' C collation would.
    expect(rows.map((r) => r.name)).toEqual(['Alpha', 'Gamma', 'beta', 'zeta'])
    for (const row of rows) expect(row).not.toHaveProperty('account')
  })

  test('gives a user with no websites an empty array', async () => {
    const dan = await createUserV1(server.app, adminToken, 'dan', 'dan-pass')
    const res = await inject({ method: 'GET', url: `/api/websites?user_id=${dan.user_id}`, headers: bearer(dan.token) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual([])
  })

  test('accepts the caller\'s own user_id', async () => {
    const res = await inject({ method: 'GET', url: `/api/websites?user_id=${carol.user_id}`, headers: bearer(carol.token) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toHaveLength(4)
  })

  test('rejects a non-admin asking for someone else\'s websites (in the current envelope)', async () => {
    const res = await inject({ method: 'GET', url: `/api/websites?user_id=${bob.user_id}`, headers: bearer(carol.token) })
    expect(res.statusCode).toBe(401)
    expect(res.json().error).toMatchObject({ code: 'unauthorized', status: 401 })
  })

  test('lets an admin list another user\'s websites', async () => {
    const res = await inject({ method: 'GET', url: `/api/websites?user_id=${carol.user_id}`, headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    expect(res.json().map((w: { name: string }) => w.name)).toEqual(['Alpha', 'Gamma', 'beta', 'zeta'])
  })

  test('gives an admin every website with the owner\'s username when include_all=true', async () => {
    const res = await inject({ method: 'GET', url: '/api/websites?include_all=true', headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    const rows = res.json() as { user_id: number; name: string; account: string }[]
    const owners = new Set(rows.map((r) => r.user_id))
    expect(owners.has(carol.user_id)).toBe(true)
    expect(owners.has(bob.user_id)).toBe(true)
    expect(owners.has(alice.user_id)).toBe(true)
    for (const row of rows) {
      const expected = row.user_id === carol.user_id ? 'carol' : row.user_id === bob.user_id ? 'bob' : row.user_id === alice.user_id ? 'alice' : 'admin'
      expect(row.account).toBe(expected)
    }
    // Ordered by owner, then name.
    const keys = rows.map((r) => [r.user_id, r.name] as const)
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    expect(keys).toEqual(sorted)
  })

  test('treats include_all=false as false for an admin', async () => {
    const res = await inject({ method: 'GET', url: '/api/websites?include_all=false', headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    const rows = res.json() as { user_id: number; account?: string }[]
    expect(rows.every((r) => r.user_id === 1)).toBe(true)
    expect(rows.every((r) => r.account === undefined)).toBe(true)
  })

  test('accepts include_all=1 and an empty include_all, as the dashboard may send them', async () => {
    const one = await inject({ method: 'GET', url: '/api/websites?include_all=1', headers: bearer(adminToken) })
    expect(one.statusCode).toBe(200)
    expect(one.json().some((r: { user_id: number }) => r.user_id === carol.user_id)).toBe(true)
    const empty = await inject({ method: 'GET', url: '/api/websites?include_all=', headers: bearer(adminToken) })
    expect(empty.statusCode).toBe(200)
    expect(empty.json().every((r: { user_id: number }) => r.user_id === 1)).toBe(true)
  })

  test('ignores include_all for a non-admin', async () => {
    const res = await inject({ method: 'GET', url: '/api/websites?include_all=true', headers: bearer(carol.token) })
    expect(res.statusCode).toBe(200)
    expect(res.json().every((r: { user_id: number }) => r.user_id === carol.user_id)).toBe(true)
  })

  test('rejects an anonymous caller', async () => {
    const res = await inject({ method: 'GET', url: '/api/websites?include_all=false' })
    expect(res.statusCode).toBe(401)
    expect(res.json().error).toMatchObject({ code: 'unauthorized', status: 401 })
  })

  test('answers 400 for a non-numeric user_id', async () => {
    const res = await inject({ method: 'GET', url: '/api/websites?user_id=abc', headers: bearer(adminToken) })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.message).toContain('user_id')
  })

  test('without user_id or include_all answers the current API\'s page instead', async () => {
    const res = await inject({ method: 'GET', url: '/api/websites', headers: bearer(carol.token) })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ count: 4, page: 1, pageSize: 20 })
    expect(body.data.map((w: { name: string }) => w.name)).toEqual(['Alpha', 'beta', 'Gamma', 'zeta'])
  })
})

describe('GET /api/website/:id', () => {
  let site: { website_id: number; website_uuid: string }

  beforeAll(async () => {
    site = await createWebsiteV1(server.app, alice.token, { name: 'Readable', domain: 'r.example' })
  })

  test('returns the row to its owner', async () => {
    const res = await getWebsite(site.website_id, bearer(alice.token))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ website_id: site.website_id, website_uuid: site.website_uuid, name: 'Readable', user_id: alice.user_id })
  })

  test('returns the row to the owner using the cookie', async () => {
    const res = await inject({ method: 'GET', url: `/api/website/${site.website_id}`, cookies: { 'umami.auth': alice.token } })
    expect(res.statusCode).toBe(200)
  })

  test('returns the row to an admin', async () => {
    const res = await getWebsite(site.website_id, bearer(adminToken))
    expect(res.statusCode).toBe(200)
    expect(res.json().name).toBe('Readable')
  })

  test('rejects another user with 401', async () => {
    expectPlainError(await getWebsite(site.website_id, bearer(bob.token)), 401)
  })

  test('rejects an anonymous caller with 401', async () => {
    expectPlainError(await getWebsite(site.website_id), 401)
  })

  test('answers 404 in plain text for a missing website', async () => {
    expectPlainError(await getWebsite(99999, bearer(adminToken)), 404)
  })

  test.each(['abc', '1.5', '0', '-3', '12345678-1234'])('answers 400 in plain text for the id %s', async (id) => {
    expectPlainError(await getWebsite(id, bearer(adminToken)), 400)
  })

  test('also takes the website UUID (share URLs name websites by UUID), with the same access rules', async () => {
    const res = await getWebsite(site.website_uuid, bearer(alice.token))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ website_id: site.website_id, name: 'Readable' })
    expect((await getWebsite(site.website_uuid.toUpperCase(), bearer(alice.token))).statusCode).toBe(200)
    expectPlainError(await getWebsite(site.website_uuid, bearer(bob.token)), 401)
    expectPlainError(await getWebsite('00000000-0000-4000-8000-000000000000', bearer(adminToken)), 404)
  })
})

describe('reset and delete', () => {
  async function siteWithHits(token: string, name: string) {
    const site = await createWebsiteV1(server.app, token, { name, domain: `${name}.example` })
    for (const [ua, ip, url] of [
      [undefined, '203.0.113.1', '/'],
      [undefined, '203.0.113.1', '/about'],
      [IPHONE_UA, '203.0.113.2', '/'],
      [FIREFOX_LINUX_UA, '203.0.113.3', '/pricing']
    ] as const) {
      const res = await collectV1(server.app, site.website_uuid, { ua, ip, url })
      expect(res.statusCode).toBe(200)
    }
    const ev = await collectV1(server.app, site.website_uuid, { ip: '203.0.113.1', eventName: 'signup', eventData: { plan: 'pro' } })
    expect(ev.statusCode).toBe(200)
    return site
  }

  const count = (table: string, websiteId: number) =>
    server.db.prepare(`SELECT count(*) FROM ${table} WHERE website_id = ?`).pluck().get(websiteId) as number

  test('reset keeps the website but removes its hits, and the stats drop to zero', async () => {
    const site = await siteWithHits(alice.token, 'resettable')
    const before = await inject({ method: 'GET', url: statsUrl(site.website_id), headers: bearer(alice.token) })
    expect(before.statusCode).toBe(200)
    expect(before.json()).toMatchObject({ pageviews: 4, uniques: 3 })

    const res = await inject({ method: 'POST', url: `/api/website/${site.website_id}/reset`, headers: bearer(alice.token) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({})

    const after = await inject({ method: 'GET', url: statsUrl(site.website_id), headers: bearer(alice.token) })
    expect(after.statusCode).toBe(200)
    expect(after.json()).toEqual({ pageviews: 0, uniques: 0, bounces: 0, totaltime: 0 })
    expect(count('session', site.website_id)).toBe(0)
    expect(count('event_data', site.website_id)).toBe(0)
    const get = await getWebsite(site.website_id, bearer(alice.token))
    expect(get.statusCode).toBe(200)
    expect(get.json()).toMatchObject({ website_uuid: site.website_uuid, name: 'resettable' })

    // The website keeps collecting afterwards.
    const hit = await collectV1(server.app, site.website_uuid, { ip: '203.0.113.1', url: '/again' })
    expect(hit.statusCode).toBe(200)
    const again = await inject({ method: 'GET', url: statsUrl(site.website_id), headers: bearer(alice.token) })
    expect(again.json()).toMatchObject({ pageviews: 1, uniques: 1 })
  })

  test('reset accepts the dashboard\'s bodyless POST with a JSON content type', async () => {
    const site = await siteWithHits(alice.token, 'dashboard-reset')
    const res = await inject({
      method: 'POST',
      url: `/api/website/${site.website_id}/reset`,
      headers: { ...bearer(alice.token), 'content-type': 'application/json' }
    })
    expect(res.statusCode).toBe(200)
    expect(count('website_event', site.website_id)).toBe(0)
  })

  test('an admin may reset any website', async () => {
    const site = await siteWithHits(bob.token, 'admin-reset')
    const res = await inject({ method: 'POST', url: `/api/website/${site.website_id}/reset`, headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    expect(count('website_event', site.website_id)).toBe(0)
  })

  test('another user cannot reset, and the data stays', async () => {
    const site = await siteWithHits(alice.token, 'not-yours-reset')
    expectPlainError(await inject({ method: 'POST', url: `/api/website/${site.website_id}/reset`, headers: bearer(bob.token) }), 401)
    expectPlainError(await inject({ method: 'POST', url: `/api/website/${site.website_id}/reset` }), 401)
    expect(count('website_event', site.website_id)).toBe(5)
  })

  test('reset answers 404 for a missing website and 400 for a non-numeric id', async () => {
    expectPlainError(await inject({ method: 'POST', url: '/api/website/99999/reset', headers: bearer(adminToken) }), 404)
    expectPlainError(await inject({ method: 'POST', url: '/api/website/abc/reset', headers: bearer(adminToken) }), 400)
  })

  test('delete removes the website with all its data', async () => {
    const site = await siteWithHits(alice.token, 'deletable')
    const other = await siteWithHits(alice.token, 'survivor')
    const res = await inject({ method: 'DELETE', url: `/api/website/${site.website_id}`, headers: bearer(alice.token) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({})
    expectPlainError(await getWebsite(site.website_id, bearer(alice.token)), 404)
    for (const table of ['website_event', 'session', 'event_data', 'website']) expect(count(table, site.website_id)).toBe(0)
    const list = await inject({ method: 'GET', url: '/api/websites?include_all=false', headers: bearer(alice.token) })
    expect(list.json().map((w: { website_id: number }) => w.website_id)).not.toContain(site.website_id)
    // Other websites are untouched.
    expect(count('website_event', other.website_id)).toBe(5)
    // Hits for the deleted website are refused.
    const late = await collectV1(server.app, site.website_uuid, { ip: '203.0.113.1' })
    expect(late.statusCode).toBe(400)
    expect(count('website_event', site.website_id)).toBe(0)
  })

  test('delete accepts a JSON content type with no body', async () => {
    const site = await createWebsiteV1(server.app, alice.token, { name: 'ct-delete', domain: 'c.example' })
    const res = await inject({
      method: 'DELETE',
      url: `/api/website/${site.website_id}`,
      headers: { ...bearer(alice.token), 'content-type': 'application/json' }
    })
    expect(res.statusCode).toBe(200)
    expect(count('website', site.website_id)).toBe(0)
  })

  test('an admin may delete any website', async () => {
    const site = await siteWithHits(bob.token, 'admin-delete')
    const res = await inject({ method: 'DELETE', url: `/api/website/${site.website_id}`, headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    expect(count('website', site.website_id)).toBe(0)
  })

  test('another user cannot delete, and the website stays', async () => {
    const site = await siteWithHits(alice.token, 'not-yours-delete')
    expectPlainError(await inject({ method: 'DELETE', url: `/api/website/${site.website_id}`, headers: bearer(bob.token) }), 401)
    expectPlainError(await inject({ method: 'DELETE', url: `/api/website/${site.website_id}` }), 401)
    expect((await getWebsite(site.website_id, bearer(alice.token))).statusCode).toBe(200)
    expect(count('website_event', site.website_id)).toBe(5)
  })

  test('reset and delete also take the website UUID', async () => {
    const site = await siteWithHits(alice.token, 'by-uuid')
    expect((await inject({ method: 'POST', url: `/api/website/${site.website_uuid}/reset`, headers: bearer(alice.token) })).statusCode).toBe(200)
    expect(count('website_event', site.website_id)).toBe(0)
    expectPlainError(await inject({ method: 'DELETE', url: `/api/website/${site.website_uuid}`, headers: bearer(bob.token) }), 401)
    expect((await inject({ method: 'DELETE', url: `/api/website/${site.website_uuid}`, headers: bearer(alice.token) })).statusCode).toBe(200)
    expect(count('website', site.website_id)).toBe(0)
  })

  test('delete answers 404 for a missing website and 400 for a non-numeric id', async () => {
    expectPlainError(await inject({ method: 'DELETE', url: '/api/website/99999', headers: bearer(adminToken) }), 404)
    expectPlainError(await inject({ method: 'DELETE', url: '/api/website/abc', headers: bearer(adminToken) }), 400)
  })
})

describe('analytics routes: auth checks', () => {
  let site: { website_id: number; website_uuid: string }

  beforeAll(async () => {
    site = await createWebsiteV1(server.app, alice.token, { name: 'Analytics auth', domain: 'aa.example' })
    await collectV1(server.app, site.website_uuid, { url: '/' })
  })

  const now = () => server.clock.now()
  const urls = () => [
    `/api/website/${site.website_id}/stats?start_at=${now() - HOUR}&end_at=${now() + HOUR}`,
    `/api/website/${site.website_id}/pageviews?start_at=${now() - HOUR}&end_at=${now() + HOUR}&unit=hour&tz=UTC`,
    `/api/website/${site.website_id}/events?start_at=${now() - HOUR}&end_at=${now() + HOUR}&unit=hour&tz=UTC`,
    `/api/website/${site.website_id}/metrics?start_at=${now() - HOUR}&end_at=${now() + HOUR}&type=url`,
    `/api/website/${site.website_id}/active`
  ]

  test('the owner and an admin can read every analytics route', async () => {
    for (const url of urls()) {
      for (const token of [alice.token, adminToken]) {
        const res = await inject({ method: 'GET', url, headers: bearer(token) })
        expect(res.statusCode, url).toBe(200)
      }
    }
  })

  test('another user and an anonymous caller get 401 in plain text on every analytics route', async () => {
    for (const url of urls()) {
      expectPlainError(await inject({ method: 'GET', url, headers: bearer(bob.token) }), 401)
      expectPlainError(await inject({ method: 'GET', url }), 401)
    }
  })

  test('a forged share token does not lock the owner out', async () => {
    const res = await inject({ method: 'GET', url: urls()[0]!, headers: { ...bearer(alice.token), 'x-umami-share-token': 'forged' } })
    expect(res.statusCode).toBe(200)
  })
})
