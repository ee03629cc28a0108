import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { bearer, createTestServer, createWebsiteV1, login, type TestServer } from '../helpers'
import { writeHits } from '../current-helpers'

let server: TestServer
let adminToken: string
let adminId: string
let alice: { id: string; token: string }
let bob: { id: string; token: string }

const inject = (options: InjectOptions) => server.app.inject(options)
const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, payload?: Record<string, unknown>) =>
  inject({ method, url, headers: token ? bearer(token) : {}, ...(payload ? { payload } : {}) })

function expectError(res: LightMyRequestResponse, status: number, code: string, message?: string | RegExp) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/)
  const { error } = res.json()
  expect(error).toMatchObject({ code, status })
  if (typeof message === 'string') expect(error.message).toBe(message)
  else if (message) expect(error.message).toMatch(message)
}

/** No response may carry a password or a bcrypt hash. */
function expectNoSecrets(res: LightMyRequestResponse) {
  expect(res.body).not.toMatch(/password|\$2[aby]\$/i)
}

async function createUser(username: string, role = 'user') {
  const res = await call('POST', '/api/users', adminToken, { username, password: `${username}-password`, role })
  if (res.statusCode !== 200) throw new Error(`create user failed: ${res.statusCode} ${res.body}`)
  return { id: res.json().id as string, token: await login(server.app, username, `${username}-password`) }
}

beforeAll(async () => {
  server = await createTestServer()
  adminToken = await login(server.app)
  adminId = (await call('GET', '/api/me', adminToken)).json().user.id
  alice = await createUser('alice')
  bob = await createUser('bob')
})

afterAll(async () => {
  await server.close()
})

describe('POST /api/users', () => {
  test('an admin creates a user, who can then log in', async () => {
    const res = await call('POST', '/api/users', adminToken, { username: 'newbie', password: 'newbie-password', role: 'view-only' })
    expect(res.statusCode).toBe(200)
    expectNoSecrets(res)
    const user = res.json()
    expect(user).toEqual({ id: user.id, username: 'newbie', role: 'view-only', createdAt: new Date(server.clock.now()).toISOString() })
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    const token = await login(server.app, 'newbie', 'newbie-password')
    expect((await call('GET', '/api/me', token)).json().user).toMatchObject({ id: user.id, role: 'view-only', isAdmin: false })
  })

  test('uses the id the admin chooses', async () => {
    const id = '0f4e1c2a-3b5d-4e6f-8a9b-1c2d3e4f5a6b'
    const res = await call('POST', '/api/users', adminToken, { id, username: 'chosen', password: 'chosen-password', role: 'user' })
    expect(res.json()).toMatchObject({ id, username: 'chosen' })
    expectError(await call('POST', '/api/users', adminToken, { id, username: 'chosen-2', password: 'chosen-password', role: 'user' }), 400, 'bad-request', 'User already exists')
  })

  test('refuses a username already taken with 400 "User already exists"', async () => {
    expectError(await call('POST', '/api/users', adminToken, { username: 'alice', password: 'another-password', role: 'user' }), 400, 'bad-request', 'User already exists')
  })

  test('validates username, password (8 to 255) and role with a 400 naming the field', async () => {
    const base = { username: 'valid-name', password: 'valid-password', role: 'user' }
    for (const [field, value] of [
      ['password', 'seven77'],
      ['password', 'p'.repeat(256)],
      ['username', ''],
      ['username', 'u'.repeat(256)],
      ['role', 'superuser'],
      ['id', 'not-a-uuid']
    ] as const) {
      const res = await call('POST', '/api/users', adminToken, { ...base, [field]: value })
      expectError(res, 400, 'bad-request', new RegExp(field === 'id' ? 'UUID' : field))
    }
    expectError(await call('POST', '/api/users', adminToken, { username: 'no-role', password: 'valid-password' }), 400, 'bad-request', /role/)
    // Exactly 8 characters is enough.
    expect((await call('POST', '/api/users', adminToken, { ...base, password: 'eight888' })).statusCode).toBe(200)
  })

  test('a non-admin or an anonymous caller cannot create users', async () => {
    const body = { username: 'sneaky', password: 'sneaky-password', role: 'admin' }
    expectError(await call('POST', '/api/users', alice.token, body), 401, 'unauthorized')
    expectError(await call('POST', '/api/users', undefined, body), 401, 'unauthorized')
    expectError(await call('POST', '/api/auth/login', undefined, { username: 'sneaky', password: 'sneaky-password' }), 401, 'incorrect-username-password')
  })
})

describe('GET /api/users/:userId', () => {
  test('a user reads itself; an admin reads anyone', async () => {
    const self = await call('GET', `/api/users/${alice.id}`, alice.token)
    expect(self.json()).toEqual({ id: alice.id, username: 'alice', role: 'user', createdAt: expect.any(String) })
    expectNoSecrets(self)
    expect((await call('GET', `/api/users/${alice.id}`, adminToken)).json().username).toBe('alice')
  })

  test('another user or nobody gets 401; an admin gets 404 for an unknown id', async () => {
    expectError(await call('GET', `/api/users/${alice.id}`, bob.token), 401, 'unauthorized')
    expectError(await call('GET', `/api/users/${adminId}`, bob.token), 401, 'unauthorized')
    expectError(await call('GET', `/api/users/${alice.id}`), 401, 'unauthorized')
    expectError(await call('GET', '/api/users/00000000-0000-4000-8000-000000000000', adminToken), 404, 'not-found')
    expectError(await call('GET', '/api/users/nonsense', adminToken), 404, 'not-found')
  })
})

describe('POST /api/users/:userId', () => {
  test('a user changes its own password; its other sessions end, this one stays', async () => {
    const carol = await createUser('carol')
    const other = await login(server.app, 'carol', 'carol-password')
    const res = await call('POST', `/api/users/${carol.id}`, carol.token, { password: 'carol-new-password' })
    expect(res.statusCode).toBe(200)
    expectNoSecrets(res)
    expect(res.json()).toMatchObject({ id: carol.id, username: 'carol', role: 'user' })
    expect((await call('GET', '/api/me', carol.token)).statusCode).toBe(200)
    expectError(await call('GET', '/api/me', other), 401, 'unauthorized')
    expect(await login(server.app, 'carol', 'carol-new-password')).toBeTruthy()
  })

  test('only an admin changes a username or a role', async () => {
    expectError(await call('POST', `/api/users/${alice.id}`, alice.token, { role: 'admin' }), 401, 'unauthorized', /admin/)
    expectError(await call('POST', `/api/users/${alice.id}`, alice.token, { username: 'queen-alice' }), 401, 'unauthorized', /admin/)
    // Sending the values unchanged is no change at all.
    expect((await call('POST', `/api/users/${alice.id}`, alice.token, { username: 'alice', role: 'user' })).statusCode).toBe(200)
    expect((await call('GET', `/api/users/${alice.id}`, alice.token)).json()).toMatchObject({ username: 'alice', role: 'user' })
  })

  test('an admin renames a user and changes the role, which applies at once', async () => {
    const dora = await createUser('dora')
    const res = await call('POST', `/api/users/${dora.id}`, adminToken, { username: 'dora-renamed', role: 'view-only' })
    expect(res.json()).toMatchObject({ id: dora.id, username: 'dora-renamed', role: 'view-only' })
    // Dora's session stays but now sees her new name and role.
    expect((await call('GET', '/api/me', dora.token)).json().user).toMatchObject({ username: 'dora-renamed', role: 'view-only' })
    expectError(await call('POST', '/api/websites', dora.token, { name: 'Not allowed', domain: 'x.example' }), 403, 'forbidden')
  })

  test('an admin resetting a user\'s password ends that user\'s sessions', async () => {
    const erin = await createUser('erin')
    const res = await call('POST', `/api/users/${erin.id}`, adminToken, { password: 'set-by-admin' })
    expect(res.statusCode).toBe(200)
    expectError(await call('GET', '/api/me', erin.token), 401, 'unauthorized')
    expect(await login(server.app, 'erin', 'set-by-admin')).toBeTruthy()
  })

  test('refuses a taken username, a short password, and demoting the last admin', async () => {
    expectError(await call('POST', `/api/users/${bob.id}`, adminToken, { username: 'alice' }), 400, 'bad-request', 'User already exists')
    expectError(await call('POST', `/api/users/${bob.id}`, bob.token, { password: 'short' }), 400, 'bad-request', /password/)
    expectError(await call('POST', `/api/users/${adminId}`, adminToken, { role: 'user' }), 400, 'bad-request', /last admin/)
    expect((await call('GET', '/api/me', adminToken)).json().user.role).toBe('admin')
  })

  test('another user cannot change someone else', async () => {
    expectError(await call('POST', `/api/users/${alice.id}`, bob.token, { password: 'bob-owns-you' }), 401, 'unauthorized')
    expect(await login(server.app, 'alice', 'alice-password')).toBeTruthy()
  })
})

describe('DELETE /api/users/:userId', () => {
  test('an admin deletes a user with their websites and data; their login stops working', async () => {
    const frank = await createUser('frank')
    const site = await createWebsiteV1(server.app, frank.token, { name: 'Frank site', domain: 'frank.example' })
    await writeHits(server, [{ websiteId: site.website_id, at: server.clock.now() - 60_000, path: '/' }])
    const res = await call('DELETE', `/api/users/${frank.id}`, adminToken)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true })
    expectError(await call('GET', '/api/me', frank.token), 401, 'unauthorized')
    expectError(await call('GET', `/api/users/${frank.id}`, adminToken), 404, 'not-found')
    expectError(await call('GET', `/api/websites/${site.website_uuid}`, adminToken), 401, 'unauthorized')
    expect((await call('GET', '/api/admin/websites?search=frank', adminToken)).json().count).toBe(0)
    expect(server.db.prepare('SELECT count(*) FROM website_event WHERE website_id = ?').pluck().get(site.website_id)).toBe(0)
  })

  test('an admin cannot delete itself', async () => {
    expectError(await call('DELETE', `/api/users/${adminId}`, adminToken), 400, 'bad-request', /your own/)
    expect((await call('GET', '/api/me', adminToken)).statusCode).toBe(200)
  })

  test('a non-admin cannot delete anyone, even itself', async () => {
    expectError(await call('DELETE', `/api/users/${bob.id}`, alice.token), 401, 'unauthorized')
    expectError(await call('DELETE', `/api/users/${alice.id}`, alice.token), 401, 'unauthorized')
    expectError(await call('DELETE', `/api/users/${alice.id}`), 401, 'unauthorized')
    expect((await call('GET', '/api/me', alice.token)).statusCode).toBe(200)
  })

  test('answers 404 for an unknown user', async () => {
    expectError(await call('DELETE', '/api/users/00000000-0000-4000-8000-000000000000', adminToken), 404, 'not-found')
  })
})

describe('website lists of a user and the admin lists', () => {
  let gina: { id: string; token: string }

  beforeAll(async () => {
    gina = await createUser('gina')
    for (const name of ['Gina two', 'Gina one', 'Gina three']) {
      await call('POST', '/api/websites', gina.token, { name, domain: `${name.replace(' ', '-').toLowerCase()}.example` })
    }
    await call('POST', '/api/websites', bob.token, { name: 'Bob site', domain: 'bob.example' })
  })

  test('GET /api/users/:userId/websites pages a user\'s websites for itself or an admin', async () => {
    const res = await call('GET', `/api/users/${gina.id}/websites?pageSize=2`, gina.token)
    expect(res.json()).toMatchObject({ count: 3, page: 1, pageSize: 2 })
    expect(res.json().data.map((w: { name: string }) => w.name)).toEqual(['Gina one', 'Gina three'])
    const asAdmin = await call('GET', `/api/users/${gina.id}/websites?search=two`, adminToken)
    expect(asAdmin.json().data.map((w: { name: string; user: unknown }) => [w.name, w.user])).toEqual([['Gina two', { id: gina.id, username: 'gina' }]])
    expectError(await call('GET', `/api/users/${gina.id}/websites`, bob.token), 401, 'unauthorized')
  })

  test('GET /api/admin/users pages every user with a website count, never a password', async () => {
    const res = await call('GET', '/api/admin/users?search=gin', adminToken)
    expect(res.statusCode).toBe(200)
    expectNoSecrets(res)
    expect(res.json()).toMatchObject({ count: 1, page: 1, pageSize: 20, search: 'gin' })
    expect(res.json().data[0]).toMatchObject({ id: gina.id, username: 'gina', role: 'user', _count: { websites: 3 } })

    const all = (await call('GET', '/api/admin/users?pageSize=100', adminToken)).json()
    const names = all.data.map((u: { username: string }) => u.username)
    expect(all.count).toBe(names.length)
    expect(names).toEqual([...names].sort((a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'base' })))
    expect(names).toContain('admin')
    const paged = (await call('GET', '/api/admin/users?page=2&pageSize=2', adminToken)).json()
    expect(paged.data.map((u: { username: string }) => u.username)).toEqual(names.slice(2, 4))
  })

  test('GET /api/admin/websites pages everyone\'s websites with their owners', async () => {
    const res = await call('GET', '/api/admin/websites?search=site', adminToken)
    // "Bob site" is the only name or domain with "site" in it.
    expect(res.json()).toMatchObject({ count: 1 })
    expect(res.json().data[0]).toMatchObject({ name: 'Bob site', user: { id: bob.id, username: 'bob' } })
    const gina2 = (await call('GET', '/api/admin/websites?search=gina', adminToken)).json()
    expect(gina2.data.map((w: { name: string }) => w.name)).toEqual(['Gina one', 'Gina three', 'Gina two'])
  })

  test('the admin lists refuse non-admins and anonymous callers', async () => {
    for (const url of ['/api/admin/users', '/api/admin/websites']) {
      expectError(await call('GET', url, gina.token), 401, 'unauthorized')
      expectError(await call('GET', url), 401, 'unauthorized')
    }
  })

  test('GET /api/users/:userId/teams is an empty page', async () => {
    expect((await call('GET', `/api/users/${gina.id}/teams`, gina.token)).json()).toEqual({ data: [], count: 0, page: 1, pageSize: 20 })
  })
})
