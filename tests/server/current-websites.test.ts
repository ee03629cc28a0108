import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { isUmamiApiError, UmamiClient } from '@umami/api-client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { bearer, createTestServer, createWebsiteV1, login, type TestServer } from '../helpers'
import { writeHits } from '../current-helpers'

let server: TestServer
let adminToken: string
/** Users created through the current API; ids are the current API's user UUIDs. */
let alice: { id: string; token: string }
let bob: { id: string; token: string }
let viewer: { id: string; token: string }

const HOUR = 3_600_000
const WEBSITE_KEYS = ['createdAt', 'createdBy', 'deletedAt', 'domain', 'id', 'name', 'resetAt', 'shareId', 'teamId', 'updatedAt', 'user', 'userId']

const inject = (options: InjectOptions) => server.app.inject(options)
const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, payload?: Record<string, unknown>) =>
  inject({ method, url, headers: token ? bearer(token) : {}, ...(payload ? { payload } : {}) })

/** An error of the current API: the status and the v3 envelope `{error:{message, code, status}}`. */
function expectError(res: LightMyRequestResponse, status: number, code: string, message?: string | RegExp) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/)
  const { error } = res.json()
  expect(error).toMatchObject({ code, status })
  if (typeof message === 'string') expect(error.message).toBe(message)
  else if (message) expect(error.message).toMatch(message)
}

async function createUser(username: string, role: 'admin' | 'user' | 'view-only' = 'user') {
  const res = await call('POST', '/api/users', adminToken, { username, password: `${username}-password`, role })
  if (res.statusCode !== 200) throw new Error(`create user failed: ${res.statusCode} ${res.body}`)
  return { id: res.json().id as string, token: await login(server.app, username, `${username}-password`) }
}

async function createSite(token: string, body: Record<string, unknown>) {
  const res = await call('POST', '/api/websites', token, body)
  if (res.statusCode !== 200) throw new Error(`create website failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** What a v1 dashboard shows for a website over the last day: its pageviews. */
async function pageviewsOf(uuid: string, token: string): Promise<number> {
  const now = server.clock.now()
  const res = await call('GET', `/api/website/${uuid}/stats?start_at=${now - 24 * HOUR}&end_at=${now + HOUR}`, token)
  expect(res.statusCode).toBe(200)
  return res.json().pageviews
}

beforeAll(async () => {
  server = await createTestServer()
  adminToken = await login(server.app)
  alice = await createUser('alice')
  bob = await createUser('bob')
  viewer = await createUser('viewer', 'view-only')
})

afterAll(async () => {
  await server.close()
})

describe('GET /api/websites (current page)', () => {
  let carol: { id: string; token: string }

  beforeAll(async () => {
    carol = await createUser('carol')
    for (const [name, domain] of [
      ['zeta shop', 'zeta.example'],
      ['Alpha blog', 'alpha.example'],
      ['beta docs', 'docs.beta.example'],
      ['Gamma', 'gamma.example'],
      ['100% sure', 'percent.example']
    ]) {
      await createSite(carol.token, { name, domain })
    }
    await createSite(bob.token, { name: 'Alpha of Bob', domain: 'bob.example' })
  })

  test('lists only the caller\'s websites, by name regardless of case, as a page', async () => {
    const res = await call('GET', '/api/websites', carol.token)
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(Object.keys(body).sort()).toEqual(['count', 'data', 'page', 'pageSize'])
    expect(body).toMatchObject({ count: 5, page: 1, pageSize: 20 })
    // Case-insensitive name order; '1' sorts before letters.
    expect(body.data.map((w: { name: string }) => w.name)).toEqual(['100% sure', 'Alpha blog', 'beta docs', 'Gamma', 'zeta shop'])
    for (const w of body.data) expect(w.user).toEqual({ id: carol.id, username: 'carol' })
  })

  test('each item is the current website object, with ISO dates and the owner', async () => {
    const res = await call('GET', '/api/websites?search=gamma', carol.token)
    const [site] = res.json().data
    expect(Object.keys(site).sort()).toEqual(WEBSITE_KEYS)
    const created = new Date(server.clock.now()).toISOString()
    expect(site).toMatchObject({
      name: 'Gamma',
      domain: 'gamma.example',
      shareId: null,
      resetAt: null,
      userId: carol.id,
      teamId: null,
      createdBy: carol.id,
      createdAt: created,
      updatedAt: created,
      deletedAt: null
    })
    expect(site.id).toMatch(/^[0-9a-f-]{36}$/)
  })

  test('pages with page and pageSize, counting every match', async () => {
    const first = (await call('GET', '/api/websites?page=1&pageSize=2', carol.token)).json()
    const second = (await call('GET', '/api/websites?page=2&pageSize=2', carol.token)).json()
    const third = (await call('GET', '/api/websites?page=3&pageSize=2', carol.token)).json()
    const beyond = (await call('GET', '/api/websites?page=4&pageSize=2', carol.token)).json()
    expect(first).toMatchObject({ count: 5, page: 1, pageSize: 2 })
    expect(first.data.map((w: { name: string }) => w.name)).toEqual(['100% sure', 'Alpha blog'])
    expect(second.data.map((w: { name: string }) => w.name)).toEqual(['beta docs', 'Gamma'])
    expect(third.data.map((w: { name: string }) => w.name)).toEqual(['zeta shop'])
    expect(beyond).toMatchObject({ data: [], count: 5, page: 4 })
  })

  test('searches the name and the domain, case-insensitively, and echoes the search', async () => {
    // "beta" is in the name "beta docs"; "docs" also matches that one site by name and domain.
    const byName = (await call('GET', '/api/websites?search=BETA', carol.token)).json()
    expect(byName).toMatchObject({ count: 1, search: 'BETA' })
    expect(byName.data[0].name).toBe('beta docs')
    // "alpha.example" is only a domain; Bob's "Alpha of Bob" is not Carol's.
    const byDomain = (await call('GET', '/api/websites?search=alpha.ex', carol.token)).json()
    expect(byDomain.data.map((w: { name: string }) => w.name)).toEqual(['Alpha blog'])
    // "example" is in every domain: all five, paged to two.
    expect((await call('GET', '/api/websites?search=example&pageSize=2', carol.token)).json()).toMatchObject({ count: 5, pageSize: 2 })
  })

  test('takes the search text literally: % and _ are not wildcards', async () => {
    const percent = (await call('GET', '/api/websites?search=%25', carol.token)).json()
    expect(percent.data.map((w: { name: string }) => w.name)).toEqual(['100% sure'])
    expect((await call('GET', '/api/websites?search=_', carol.token)).json().count).toBe(0)
  })

  test('GET /api/me/websites gives the same page', async () => {
    const res = await call('GET', '/api/me/websites?pageSize=3', carol.token)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ count: 5, pageSize: 3 })
    expect(res.json().data.map((w: { name: string }) => w.name)).toEqual(['100% sure', 'Alpha blog', 'beta docs'])
  })

  test('a user without websites gets an empty page', async () => {
    expect((await call('GET', '/api/websites', viewer.token)).json()).toEqual({ data: [], count: 0, page: 1, pageSize: 20 })
  })

  test('answers 400 in the envelope for a bad page or pageSize', async () => {
    // A page so far out that its row offset is no integer SQLite can bind was a 500 (found by the fuzz test).
    for (const query of ['page=0', 'page=x', 'pageSize=0', 'pageSize=1001', 'pageSize=2.5', 'page=1e308', 'page=99999999999999999999999']) {
      expectError(await call('GET', `/api/websites?${query}`, carol.token), 400, 'bad-request', /page/)
    }
  })

  test('answers 400 for a search over 2000 characters (SQLite refuses so long a LIKE pattern: it was a 500)', async () => {
    expectError(await call('GET', `/api/websites?search=${'a'.repeat(60_000)}`, carol.token), 400, 'bad-request', /search must be at most 2000/)
  })

  test('answers 401 in the envelope to an anonymous caller or a forged token', async () => {
    expectError(await call('GET', '/api/websites'), 401, 'unauthorized')
    expectError(await call('GET', '/api/websites', 'forged'), 401, 'unauthorized')
  })
})

describe('POST /api/websites (create)', () => {
  test('creates a website owned by the caller and returns it', async () => {
    const res = await call('POST', '/api/websites', alice.token, { name: 'Alice Blog', domain: 'alice.example' })
    expect(res.statusCode).toBe(200)
    const site = res.json()
    expect(Object.keys(site).sort()).toEqual(WEBSITE_KEYS)
    expect(site).toMatchObject({ name: 'Alice Blog', domain: 'alice.example', shareId: null, userId: alice.id, user: { id: alice.id, username: 'alice' } })
    const got = await call('GET', `/api/websites/${site.id}`, alice.token)
    expect(got.json()).toEqual(site)
  })

  test('uses the id the client chooses, and refuses one already taken', async () => {
    const id = '5b1f0c0e-8a7d-4c43-9f4a-3c0e1d2b3a41'
    const site = await createSite(alice.token, { id, name: 'Chosen id', domain: 'chosen.example' })
    expect(site.id).toBe(id)
    expectError(await call('POST', '/api/websites', alice.token, { id, name: 'Again', domain: 'again.example' }), 400, 'bad-request', /already exists/)
    expectError(await call('POST', '/api/websites', alice.token, { id: 'not-a-uuid', name: 'Bad id', domain: 'b.example' }), 400, 'bad-request', /UUID/)
  })

  test('turns sharing on with a shareId the share URL then resolves', async () => {
    const site = await createSite(alice.token, { name: 'Shared at birth', domain: 'shared.example', shareId: 'alice-share-1' })
    expect(site.shareId).toBe('alice-share-1')
    const share = await call('GET', '/api/share/alice-share-1')
    expect(share.json()).toMatchObject({ websiteId: site.id, shareId: 'alice-share-1' })
  })

  test('refuses a shareId another website uses, or one with characters a URL would mangle', async () => {
    await createSite(alice.token, { name: 'First sharer', domain: 'first.example', shareId: 'taken-share' })
    expectError(await call('POST', '/api/websites', bob.token, { name: 'Copycat', domain: 'c.example', shareId: 'taken-share' }), 400, 'bad-request', /already taken/)
    for (const shareId of ['has space', 'slash/id', 'x'.repeat(51), '']) {
      expectError(await call('POST', '/api/websites', bob.token, { name: 'Odd share', domain: 'o.example', shareId }), 400, 'bad-request', /shareId/)
    }
  })

  test('validates name and domain with a 400 naming the field', async () => {
    expectError(await call('POST', '/api/websites', alice.token, { domain: 'no-name.example' }), 400, 'bad-request', /name/)
    expectError(await call('POST', '/api/websites', alice.token, { name: '', domain: 'x.example' }), 400, 'bad-request', /name/)
    expectError(await call('POST', '/api/websites', alice.token, { name: 'n'.repeat(101), domain: 'x.example' }), 400, 'bad-request', /name/)
    expectError(await call('POST', '/api/websites', alice.token, { name: 'No domain' }), 400, 'bad-request', /domain/)
    expectError(await call('POST', '/api/websites', alice.token, { name: 'Long domain', domain: 'd'.repeat(501) }), 400, 'bad-request', /domain/)
    // Exactly at the limits is fine.
    expect((await call('POST', '/api/websites', alice.token, { name: 'n'.repeat(100), domain: 'd'.repeat(500) })).statusCode).toBe(200)
  })

  test('refuses a team, since this server has none', async () => {
    const res = await call('POST', '/api/websites', alice.token, { name: 'Team site', domain: 't.example', teamId: '5b1f0c0e-8a7d-4c43-9f4a-3c0e1d2b3a42' })
    expectError(res, 400, 'bad-request', /[Tt]eams/)
  })

  test('refuses view-only users and anonymous callers', async () => {
    expectError(await call('POST', '/api/websites', viewer.token, { name: 'Viewer site', domain: 'v.example' }), 403, 'forbidden')
    expectError(await call('POST', '/api/websites', undefined, { name: 'Anon site', domain: 'a.example' }), 401, 'unauthorized')
    expect((await call('GET', '/api/websites?search=site', viewer.token)).json().count).toBe(0)
  })
})

describe('GET /api/websites/:websiteId', () => {
  let site: { id: string }

  beforeAll(async () => {
    site = await createSite(alice.token, { name: 'Readable', domain: 'readable.example', shareId: 'readable-share' })
  })

  test('the owner and an admin can read it', async () => {
    for (const token of [alice.token, adminToken]) {
      const res = await call('GET', `/api/websites/${site.id}`, token)
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ id: site.id, name: 'Readable', userId: alice.id })
    }
  })

  test('another user, an anonymous caller, an unknown id and a non-UUID all get 401, as Umami answers', async () => {
    expectError(await call('GET', `/api/websites/${site.id}`, bob.token), 401, 'unauthorized')
    expectError(await call('GET', `/api/websites/${site.id}`), 401, 'unauthorized')
    expectError(await call('GET', '/api/websites/00000000-0000-4000-8000-000000000000', adminToken), 401, 'unauthorized')
    expectError(await call('GET', '/api/websites/42', adminToken), 401, 'unauthorized')
  })

  test('a share token reads it, with or without x-umami-share-context', async () => {
    const { token } = (await call('GET', '/api/share/readable-share')).json()
    for (const headers of [{ 'x-umami-share-token': token }, { 'x-umami-share-token': token, 'x-umami-share-context': '1' }]) {
      const res = await inject({ method: 'GET', url: `/api/websites/${site.id}`, headers })
      expect(res.statusCode).toBe(200)
      expect(res.json().name).toBe('Readable')
    }
  })
})

describe('POST /api/websites/:websiteId (update)', () => {
  test('changes the fields given and keeps the others', async () => {
    const site = await createSite(alice.token, { name: 'Before', domain: 'before.example' })
    server.clock.advance(60_000)
    const res = await call('POST', `/api/websites/${site.id}`, alice.token, { name: 'After' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ id: site.id, name: 'After', domain: 'before.example', createdAt: site.createdAt })
    // One minute later by the test clock.
    expect(Date.parse(res.json().updatedAt) - Date.parse(site.createdAt)).toBe(60_000)
    const domain = await call('POST', `/api/websites/${site.id}`, alice.token, { domain: 'after.example' })
    expect(domain.json()).toMatchObject({ name: 'After', domain: 'after.example' })
  })

  test('a shareId turns sharing on; null turns it off and the old share token stops working', async () => {
    const site = await createSite(alice.token, { name: 'Toggle share', domain: 'toggle.example' })
    const on = await call('POST', `/api/websites/${site.id}`, alice.token, { shareId: 'toggle-share' })
    expect(on.json().shareId).toBe('toggle-share')
    const { token } = (await call('GET', '/api/share/toggle-share')).json()
    const asShare = () => inject({ method: 'GET', url: `/api/websites/${site.id}`, headers: { 'x-umami-share-token': token } })
    expect((await asShare()).statusCode).toBe(200)

    const off = await call('POST', `/api/websites/${site.id}`, alice.token, { shareId: null })
    expect(off.json().shareId).toBeNull()
    expectError(await asShare(), 401, 'unauthorized')
    expectError(await call('GET', '/api/share/toggle-share'), 404, 'not-found')
  })

  test('validates the body with 400s', async () => {
    const site = await createSite(alice.token, { name: 'Validated', domain: 'validated.example' })
    expectError(await call('POST', `/api/websites/${site.id}`, alice.token, { name: 'n'.repeat(101) }), 400, 'bad-request', /name/)
    expectError(await call('POST', `/api/websites/${site.id}`, alice.token, { shareId: 'no spaces please' }), 400, 'bad-request', /shareId/)
    expect((await call('GET', `/api/websites/${site.id}`, alice.token)).json().name).toBe('Validated')
  })

  test('an admin may edit any website; another user, a share token and nobody may not', async () => {
    const site = await createSite(alice.token, { name: 'Guarded', domain: 'guarded.example', shareId: 'guarded-share' })
    const { token } = (await call('GET', '/api/share/guarded-share')).json()
    expectError(await call('POST', `/api/websites/${site.id}`, bob.token, { name: 'Bob was here' }), 401, 'unauthorized')
    expectError(await call('POST', `/api/websites/${site.id}`, undefined, { name: 'Anon was here' }), 401, 'unauthorized')
    const viaShare = await inject({ method: 'POST', url: `/api/websites/${site.id}`, headers: { 'x-umami-share-token': token }, payload: { name: 'Shared was here' } })
    expectError(viaShare, 401, 'unauthorized')
    expect((await call('GET', `/api/websites/${site.id}`, alice.token)).json().name).toBe('Guarded')
    const admin = await call('POST', `/api/websites/${site.id}`, adminToken, { name: 'Edited by admin' })
    expect(admin.statusCode).toBe(200)
    expect(admin.json()).toMatchObject({ name: 'Edited by admin', userId: alice.id })
  })

  test('an unknown website answers 401, not 404', async () => {
    expectError(await call('POST', '/api/websites/00000000-0000-4000-8000-000000000000', adminToken, { name: 'Ghost' }), 401, 'unauthorized')
  })
})

describe('delete, reset and transfer', () => {
  /** A website (created through v1 to learn its integer id) with 3 pageviews from 2 visitors an hour ago. */
  async function siteWithHits(token: string, name: string) {
    const site = await createWebsiteV1(server.app, token, { name, domain: `${name}.example` })
    const at = server.clock.now() - HOUR
    await writeHits(server, [
      { websiteId: site.website_id, at, session: 'v1', path: '/' },
      { websiteId: site.website_id, at: at + 1000, session: 'v1', path: '/about' },
      { websiteId: site.website_id, at: at + 2000, session: 'v2', path: '/' }
    ])
    return site
  }

  test('delete removes the website and its data, and answers {ok:true}', async () => {
    const site = await siteWithHits(alice.token, 'deletable')
    expect(await pageviewsOf(site.website_uuid, alice.token)).toBe(3)
    const res = await call('DELETE', `/api/websites/${site.website_uuid}`, alice.token)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true })
    expectError(await call('GET', `/api/websites/${site.website_uuid}`, alice.token), 401, 'unauthorized')
    expect((await call('GET', '/api/websites?search=deletable', alice.token)).json().count).toBe(0)
    const left = server.db.prepare('SELECT count(*) FROM website_event WHERE website_id = ?').pluck().get(site.website_id)
    expect(left).toBe(0)
  })

  test('reset removes the data, keeps the website and records when', async () => {
    const site = await siteWithHits(alice.token, 'resettable')
    const res = await call('POST', `/api/websites/${site.website_uuid}/reset`, alice.token)
    expect(res.json()).toEqual({ ok: true })
    expect(await pageviewsOf(site.website_uuid, alice.token)).toBe(0)
    const after = (await call('GET', `/api/websites/${site.website_uuid}`, alice.token)).json()
    expect(after).toMatchObject({ name: 'resettable', resetAt: new Date(server.clock.now()).toISOString() })
  })

  test('another user, a share token and an anonymous caller can neither delete nor reset', async () => {
    const site = await siteWithHits(alice.token, 'protected')
    await call('POST', `/api/websites/${site.website_uuid}`, alice.token, { shareId: 'protected-share' })
    const { token } = (await call('GET', '/api/share/protected-share')).json()
    for (const [method, path] of [
      ['DELETE', ''],
      ['POST', '/reset']
    ] as const) {
      const url = `/api/websites/${site.website_uuid}${path}`
      expectError(await call(method, url, bob.token), 401, 'unauthorized')
      expectError(await call(method, url), 401, 'unauthorized')
      expectError(await inject({ method, url, headers: { 'x-umami-share-token': token, 'x-umami-share-context': '1' } }), 401, 'unauthorized')
    }
    expect(await pageviewsOf(site.website_uuid, alice.token)).toBe(3)
  })

  test('an admin may delete and reset any website', async () => {
    const a = await siteWithHits(bob.token, 'admin-reset')
    expect((await call('POST', `/api/websites/${a.website_uuid}/reset`, adminToken)).json()).toEqual({ ok: true })
    expect(await pageviewsOf(a.website_uuid, bob.token)).toBe(0)
    const b = await siteWithHits(bob.token, 'admin-delete')
    expect((await call('DELETE', `/api/websites/${b.website_uuid}`, adminToken)).json()).toEqual({ ok: true })
    expectError(await call('GET', `/api/websites/${b.website_uuid}`, bob.token), 401, 'unauthorized')
  })

  test('transfer gives the website to another user: the old owner loses it, the data stays', async () => {
    const site = await siteWithHits(alice.token, 'gift')
    const res = await call('POST', `/api/websites/${site.website_uuid}/transfer`, alice.token, { userId: bob.id })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ id: site.website_uuid, userId: bob.id, user: { id: bob.id, username: 'bob' } })
    expectError(await call('GET', `/api/websites/${site.website_uuid}`, alice.token), 401, 'unauthorized')
    expect(await pageviewsOf(site.website_uuid, bob.token)).toBe(3)
    expect((await call('GET', '/api/websites?search=gift', bob.token)).json().count).toBe(1)
  })

  test('transfer validates the target and the caller', async () => {
    const site = await createSite(alice.token, { name: 'Staying', domain: 'staying.example' })
    const url = `/api/websites/${site.id}/transfer`
    expectError(await call('POST', url, alice.token, {}), 400, 'bad-request', /userId/)
    expectError(await call('POST', url, alice.token, { userId: '00000000-0000-4000-8000-000000000000' }), 400, 'bad-request', /user/)
    expectError(await call('POST', url, alice.token, { teamId: '00000000-0000-4000-8000-000000000000' }), 400, 'bad-request', /[Tt]eams/)
    expectError(await call('POST', url, bob.token, { userId: bob.id }), 401, 'unauthorized')
    expect((await call('GET', `/api/websites/${site.id}`, alice.token)).json().userId).toBe(alice.id)
    // An admin may move anyone's website.
    expect((await call('POST', url, adminToken, { userId: bob.id })).json().userId).toBe(bob.id)
  })

  test('a view-only owner may read its website but not change, reset, delete or transfer it', async () => {
    const site = await siteWithHits(alice.token, 'viewers')
    await call('POST', `/api/websites/${site.website_uuid}/transfer`, adminToken, { userId: viewer.id })
    const url = `/api/websites/${site.website_uuid}`
    expect((await call('GET', url, viewer.token)).json()).toMatchObject({ name: 'viewers', userId: viewer.id })
    expectError(await call('POST', url, viewer.token, { name: 'Renamed' }), 403, 'forbidden')
    expectError(await call('POST', `${url}/reset`, viewer.token), 403, 'forbidden')
    expectError(await call('DELETE', url, viewer.token), 403, 'forbidden')
    expectError(await call('POST', `${url}/transfer`, viewer.token, { userId: alice.id }), 403, 'forbidden')
    expect(await pageviewsOf(site.website_uuid, viewer.token)).toBe(3)
  })
})

describe('@umami/api-client contract', () => {
  let client: UmamiClient

  beforeAll(async () => {
    await server.app.listen({ port: 0, host: '127.0.0.1' })
    const address = server.app.server.address()
    if (!address || typeof address === 'string') throw new Error('no port')
    client = new UmamiClient({ baseUrl: `http://127.0.0.1:${address.port}/api` })
  })

  test('logs in, then lists, creates, updates, reads and deletes a website, and reads /me', async () => {
    const session = await client.login({ username: 'alice', password: 'alice-password' })
    if (!('token' in session)) throw new Error('expected a token, not a second factor')
    expect(session.user).toMatchObject({ id: alice.id, username: 'alice', role: 'user', isAdmin: false, teams: [] })
    const umami = client.withToken(session.token)

    const me = await umami.getMe()
    expect(me.user).toMatchObject({ id: alice.id, username: 'alice', role: 'user', isAdmin: false })

    const before = await umami.listWebsites({ search: 'Contract' })
    expect(before).toMatchObject({ count: 0, data: [] })

    const created = await umami.createWebsite({ name: 'Contract site', domain: 'contract.example' })
    expect(created).toMatchObject({ name: 'Contract site', domain: 'contract.example', userId: alice.id, shareId: null })

    const updated = await umami.updateWebsite({ websiteId: created.id, name: 'Contract site 2', shareId: 'contract-share' })
    expect(updated).toMatchObject({ id: created.id, name: 'Contract site 2', domain: 'contract.example', shareId: 'contract-share' })
    // The positional form the old hand-written client used still works.
    expect(await umami.getWebsite(created.id)).toMatchObject({ name: 'Contract site 2' })

    const listed = await umami.listWebsites({ search: 'Contract', page: 1, pageSize: 10 })
    expect(listed).toMatchObject({ count: 1, page: 1, pageSize: 10 })
    expect(listed.data.map((w) => w.id)).toEqual([created.id])

    expect(await umami.deleteWebsite({ websiteId: created.id })).toEqual({ ok: true })
    expect((await umami.listWebsites({ search: 'Contract' })).count).toBe(0)
    await expect(umami.getWebsite({ websiteId: created.id })).rejects.toMatchObject({ status: 401, code: 'unauthorized' })
  })

  test('reports a wrong password as UmamiApiError incorrect-username-password', async () => {
    const error = await client.login({ username: 'alice', password: 'wrong-password' }).catch((e: unknown) => e)
    expect(isUmamiApiError(error)).toBe(true)
    expect(error).toMatchObject({ status: 401, code: 'incorrect-username-password' })
  })

  test('reports a validation failure as a 400 bad-request with our message', async () => {
    const umami = client.withToken(alice.token)
    const error = await umami.createWebsite({ name: 'n'.repeat(101), domain: 'x.example' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 400, code: 'bad-request' })
    expect((error as Error).message).toMatch(/name/)
  })
})
