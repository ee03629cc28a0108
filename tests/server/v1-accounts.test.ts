import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { expectPlainError, createUserV1, bearer, collectV1, createTestServer, createWebsiteV1, login, type TestServer } from '../helpers'

let server: TestServer
let adminToken: string
/** A plain user, logged in once for the whole file (bcrypt makes logins slow). */
let alice: { user_id: number; token: string }
let bob: { user_id: number; token: string }

type Res = LightMyRequestResponse

const inject = (options: InjectOptions) => server.app.inject(options)

/** No account body may ever carry the password or its bcrypt hash. */
function expectNoSecrets(res: Res) {
  expect(res.body).not.toContain('password')
  expect(res.body).not.toContain('$2')
}

async function createAccount(token: string, payload: Record<string, unknown>) {
  return inject({ method: 'POST', url: '/api/account', headers: bearer(token), payload })
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

describe('POST /api/account (create)', () => {
  test('lets an admin create an account, returned without its password', async () => {
    const res = await createAccount(adminToken, { username: 'carol', password: 'carol-pass' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ username: 'carol', is_admin: false })
    expect(typeof body.user_id).toBe('number')
    expect(body.created_at).toBe(new Date(server.clock.now()).toISOString())
    expect(body.updated_at).toBe(new Date(server.clock.now()).toISOString())
    expect(body).not.toHaveProperty('password')
    expectNoSecrets(res)
    // The new account can log in.
    const token = await login(server.app, 'carol', 'carol-pass')
    expect(token).toBeTruthy()
  })

  test('rejects a non-admin creating an account', async () => {
    const res = await createAccount(alice.token, { username: 'mallory', password: 'x-pass' })
    expectPlainError(res, 401)
    const check = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'mallory', password: 'x-pass' } })
    expect(check.statusCode).toBe(401)
  })

  test('rejects an anonymous caller', async () => {
    const res = await inject({ method: 'POST', url: '/api/account', payload: { username: 'anon', password: 'x' } })
    expectPlainError(res, 401)
  })

  test('rejects a duplicate username with 400 "Account already exists"', async () => {
    const res = await createAccount(adminToken, { username: 'alice', password: 'other' })
    expectPlainError(res, 400, 'Account already exists')
  })

  test('rejects a missing username or password with 400', async () => {
    expectPlainError(await createAccount(adminToken, { password: 'p' }), 400)
    expectPlainError(await createAccount(adminToken, { username: 'nopass' }), 400)
    expectPlainError(await createAccount(adminToken, { username: 'emptypass', password: '' }), 400)
    expectPlainError(await createAccount(adminToken, { username: '', password: 'p' }), 400)
  })

  test('rejects an over-long username with 400, not 500', async () => {
    expectPlainError(await createAccount(adminToken, { username: 'u'.repeat(256), password: 'p' }), 400)
  })

  test('lets an admin create another admin', async () => {
    const res = await createAccount(adminToken, { username: 'admin2', password: 'admin2-pass', is_admin: true })
    expect(res.statusCode).toBe(200)
    expect(res.json().is_admin).toBe(true)
  })

  test('answers 400 in plain text for a body that is not JSON', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/account',
      headers: { ...bearer(adminToken), 'content-type': 'application/json' },
      payload: '{nope'
    })
    expectPlainError(res, 400)
  })
})

describe('POST /api/account (update)', () => {
  test('lets a user change their own password, which then works for login', async () => {
    const user = await createUserV1(server.app, adminToken, 'dave', 'dave-old')
    const res = await createAccount(user.token, { user_id: user.user_id, password: 'dave-new' })
    expect(res.statusCode).toBe(200)
    expectNoSecrets(res)
    expect(res.json()).toMatchObject({ user_id: user.user_id, username: 'dave', is_admin: false })
    await expect(login(server.app, 'dave', 'dave-new')).resolves.toBeTruthy()
    const old = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'dave', password: 'dave-old' } })
    expect(old.statusCode).toBe(401)
  })

  test('does not let a user rename themself or make themself admin', async () => {
    const res = await createAccount(alice.token, { user_id: alice.user_id, username: 'alice-renamed', is_admin: true })
    // Either refused, or accepted with those fields ignored; never applied.
    if (res.statusCode === 200) expect(res.json()).toMatchObject({ username: 'alice', is_admin: false })
    else expectPlainError(res, 401)
    const verify = await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(alice.token) })
    expect(verify.json()).toMatchObject({ username: 'alice', is_admin: false })
    const get = await inject({ method: 'GET', url: `/api/account/${alice.user_id}`, headers: bearer(adminToken) })
    expect(get.json()).toMatchObject({ username: 'alice', is_admin: false })
  })

  test('rejects a user updating another user', async () => {
    const res = await createAccount(alice.token, { user_id: bob.user_id, password: 'hijacked' })
    expectPlainError(res, 401)
    const check = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'bob', password: 'hijacked' } })
    expect(check.statusCode).toBe(401)
  })

  test('lets an admin rename a user and grant admin rights', async () => {
    const user = await createUserV1(server.app, adminToken, 'erin', 'erin-pass')
    const res = await createAccount(adminToken, { user_id: user.user_id, username: 'erin2', is_admin: true })
    expect(res.statusCode).toBe(200)
    expectNoSecrets(res)
    expect(res.json()).toMatchObject({ user_id: user.user_id, username: 'erin2', is_admin: true })
    // Her existing token follows the account.
    const verify = await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(user.token) })
    expect(verify.json()).toMatchObject({ username: 'erin2', is_admin: true })
    // And the rights can be taken back.
    const back = await createAccount(adminToken, { user_id: user.user_id, is_admin: false })
    expect(back.json().is_admin).toBe(false)
  })

  test('lets an admin set a user\'s password without the current one', async () => {
    const user = await createUserV1(server.app, adminToken, 'frank', 'frank-old')
    const res = await createAccount(adminToken, { user_id: user.user_id, password: 'frank-new' })
    expect(res.statusCode).toBe(200)
    await expect(login(server.app, 'frank', 'frank-new')).resolves.toBeTruthy()
  })

  test('rejects renaming to a taken username with 400 "Account already exists"', async () => {
    const res = await createAccount(adminToken, { user_id: bob.user_id, username: 'alice' })
    expectPlainError(res, 400, 'Account already exists')
  })

  test('keeps the last admin an admin', async () => {
    const local = await createTestServer({}, server.clock)
    try {
      const token = await login(local.app)
      const res = await local.app.inject({ method: 'POST', url: '/api/account', headers: bearer(token), payload: { user_id: 1, is_admin: false } })
      expectPlainError(res, 400)
      const verify = await local.app.inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(token) })
      expect(verify.json().is_admin).toBe(true)
    } finally {
      await local.close()
    }
  })

  test('answers a missing account with a 4xx in plain text, not 500', async () => {
    const res = await createAccount(adminToken, { user_id: 9999, password: 'x' })
    expect(res.statusCode).toBeGreaterThanOrEqual(400)
    expect(res.statusCode).toBeLessThan(500)
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain/)
  })

  test('rejects a non-numeric user_id with 400', async () => {
    expectPlainError(await createAccount(adminToken, { user_id: 'abc', password: 'x' }), 400)
  })
})

describe('GET /api/account/:id', () => {
  test('returns the account to an admin, without password', async () => {
    const res = await inject({ method: 'GET', url: `/api/account/${alice.user_id}`, headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ user_id: alice.user_id, username: 'alice', is_admin: false })
    expect(Object.keys(res.json()).sort()).toEqual(['created_at', 'is_admin', 'updated_at', 'user_id', 'username'])
    expectNoSecrets(res)
  })

  test('returns JSON null for a missing id', async () => {
    const res = await inject({ method: 'GET', url: '/api/account/9999', headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.body).toBe('null')
  })

  test('rejects a non-admin, even for their own id', async () => {
    expectPlainError(await inject({ method: 'GET', url: `/api/account/${alice.user_id}`, headers: bearer(alice.token) }), 401)
    expectPlainError(await inject({ method: 'GET', url: `/api/account/1`, headers: bearer(alice.token) }), 401)
  })

  test('rejects an anonymous caller', async () => {
    expectPlainError(await inject({ method: 'GET', url: '/api/account/1' }), 401)
  })

  test.each(['abc', '1.5', '-1', '0', '1e3x'])('answers 400 in plain text for the id %s', async (id) => {
    const res = await inject({ method: 'GET', url: `/api/account/${id}`, headers: bearer(adminToken) })
    expectPlainError(res, 400)
  })
})

describe('GET /api/accounts', () => {
  test('lists accounts to an admin, admins first then by username, without passwords', async () => {
    const res = await inject({ method: 'GET', url: '/api/accounts', headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    expectNoSecrets(res)
    const rows = res.json() as { username: string; is_admin: boolean; user_id: number; created_at: string }[]
    expect(rows.length).toBeGreaterThanOrEqual(3)
    const admins = rows.filter((r) => r.is_admin)
    const users = rows.filter((r) => !r.is_admin)
    expect(rows).toEqual([...admins, ...users])
    const sorted = (names: string[]) => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    expect(admins.map((r) => r.username)).toEqual(sorted(admins.map((r) => r.username)))
    expect(users.map((r) => r.username)).toEqual(sorted(users.map((r) => r.username)))
    expect(rows.map((r) => r.username)).toContain('alice')
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(['created_at', 'is_admin', 'updated_at', 'user_id', 'username'])
  })

  test('rejects a non-admin', async () => {
    expectPlainError(await inject({ method: 'GET', url: '/api/accounts', headers: bearer(alice.token) }), 401)
  })

  test('rejects an anonymous caller', async () => {
    expectPlainError(await inject({ method: 'GET', url: '/api/accounts' }), 401)
  })
})

describe('POST /api/account/password', () => {
  const change = (token: string, payload: Record<string, unknown>) =>
    inject({ method: 'POST', url: '/api/account/password', headers: bearer(token), payload })

  test('changes the caller\'s password when the current one is right', async () => {
    const user = await createUserV1(server.app, adminToken, 'gina', 'gina-old')
    const res = await change(user.token, { user_id: user.user_id, current_password: 'gina-old', new_password: 'gina-new' })
    expect(res.statusCode).toBe(200)
    expectNoSecrets(res)
    expect(res.json()).toMatchObject({ user_id: user.user_id, username: 'gina' })
    await expect(login(server.app, 'gina', 'gina-new')).resolves.toBeTruthy()
    const old = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'gina', password: 'gina-old' } })
    expect(old.statusCode).toBe(401)
  })

  test('rejects a wrong current password with 400 "Current password is incorrect"', async () => {
    const res = await change(alice.token, { user_id: alice.user_id, current_password: 'nope', new_password: 'whatever' })
    expectPlainError(res, 400, 'Current password is incorrect')
    await expect(login(server.app, 'alice', 'alice-pass')).resolves.toBeTruthy()
  })

  test('checks the current password even for an admin', async () => {
    const res = await change(adminToken, { user_id: alice.user_id, current_password: 'wrong', new_password: 'x' })
    expectPlainError(res, 400, 'Current password is incorrect')
  })

  test('lets an admin change another user\'s password with that user\'s current one', async () => {
    const user = await createUserV1(server.app, adminToken, 'hank', 'hank-old')
    const res = await change(adminToken, { user_id: user.user_id, current_password: 'hank-old', new_password: 'hank-new' })
    expect(res.statusCode).toBe(200)
    await expect(login(server.app, 'hank', 'hank-new')).resolves.toBeTruthy()
  })

  test('rejects a non-admin changing another user\'s password', async () => {
    const res = await change(alice.token, { user_id: bob.user_id, current_password: 'bob-pass', new_password: 'stolen' })
    expectPlainError(res, 401)
    await expect(login(server.app, 'bob', 'bob-pass')).resolves.toBeTruthy()
  })

  test('rejects an anonymous caller', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/account/password',
      payload: { user_id: alice.user_id, current_password: 'alice-pass', new_password: 'x' }
    })
    expectPlainError(res, 401)
  })

  test('answers 400 in plain text for missing fields', async () => {
    expectPlainError(await change(alice.token, { user_id: alice.user_id, current_password: 'alice-pass' }), 400)
    expectPlainError(await change(alice.token, { current_password: 'alice-pass', new_password: 'x' }), 400)
    expectPlainError(await change(alice.token, { user_id: alice.user_id, current_password: 'alice-pass', new_password: '' }), 400)
  })
})

describe('DELETE /api/account/:id', () => {
  test('removes the account together with its websites and their data', async () => {
    const user = await createUserV1(server.app, adminToken, 'ivan', 'ivan-pass')
    const site = await createWebsiteV1(server.app, user.token, { name: 'Ivan site', domain: 'ivan.example' })
    const hit = await collectV1(server.app, site.website_uuid, { url: '/home' })
    expect(hit.statusCode).toBe(200)
    const ev = await collectV1(server.app, site.website_uuid, { eventName: 'signup', eventData: { plan: 'pro' } })
    expect(ev.statusCode).toBe(200)
    const count = (table: string) =>
      server.db.prepare(`SELECT count(*) FROM ${table} WHERE website_id = ?`).pluck().get(site.website_id) as number
    expect(count('website_event')).toBe(2)
    expect(count('session')).toBe(1)
    expect(count('event_data')).toBe(1)

    const res = await inject({ method: 'DELETE', url: `/api/account/${user.user_id}`, headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({})

    const get = await inject({ method: 'GET', url: `/api/account/${user.user_id}`, headers: bearer(adminToken) })
    expect(get.body).toBe('null')
    expect(count('website_event')).toBe(0)
    expect(count('session')).toBe(0)
    expect(count('event_data')).toBe(0)
    expect(count('website')).toBe(0)
    const site404 = await inject({ method: 'GET', url: `/api/website/${site.website_id}`, headers: bearer(adminToken) })
    expect(site404.statusCode).toBe(404)
    // Their token is dead and they cannot log in.
    // (verify is shared by both dialects and answers in the current envelope)
    expect((await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(user.token) })).statusCode).toBe(401)
    const relogin = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ivan', password: 'ivan-pass' } })
    expect(relogin.statusCode).toBe(401)
    // Hits for the deleted website are refused rather than stored.
    const late = await collectV1(server.app, site.website_uuid, { url: '/late' })
    expect(late.statusCode).toBe(400)
    expect(count('website_event')).toBe(0)
  })

  test('leaves other users\' websites alone', async () => {
    const bobSite = await createWebsiteV1(server.app, bob.token, { name: 'Bob site', domain: 'bob.example' })
    const user = await createUserV1(server.app, adminToken, 'judy', 'judy-pass')
    await createWebsiteV1(server.app, user.token, { name: 'Judy site', domain: 'judy.example' })
    await inject({ method: 'DELETE', url: `/api/account/${user.user_id}`, headers: bearer(adminToken) })
    const res = await inject({ method: 'GET', url: `/api/website/${bobSite.website_id}`, headers: bearer(bob.token) })
    expect(res.statusCode).toBe(200)
  })

  test('does not let an admin delete themself', async () => {
    const res = await inject({ method: 'DELETE', url: '/api/account/1', headers: bearer(adminToken) })
    expectPlainError(res, 400)
    const still = await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(adminToken) })
    expect(still.statusCode).toBe(200)
  })

  test('rejects a non-admin', async () => {
    const res = await inject({ method: 'DELETE', url: `/api/account/${bob.user_id}`, headers: bearer(alice.token) })
    expectPlainError(res, 401)
    const own = await inject({ method: 'DELETE', url: `/api/account/${alice.user_id}`, headers: bearer(alice.token) })
    expectPlainError(own, 401)
  })

  test('answers 404 in plain text for a missing account', async () => {
    expectPlainError(await inject({ method: 'DELETE', url: '/api/account/9999', headers: bearer(adminToken) }), 404)
  })

  test('answers 400 for a non-numeric id', async () => {
    expectPlainError(await inject({ method: 'DELETE', url: '/api/account/abc', headers: bearer(adminToken) }), 400)
  })
})

describe('password change and other sessions', () => {
  test('changing a password logs the account out everywhere else but keeps the session that changed it', async () => {
    const server = await createTestServer()
    try {
      const admin = await login(server.app)
      const created = await server.app.inject({
        method: 'POST',
        url: '/api/account',
        headers: bearer(admin),
        payload: { username: 'mover', password: 'first password' }
      })
      const userId = created.json().user_id
      const laptop = await login(server.app, 'mover', 'first password')
      const phone = await login(server.app, 'mover', 'first password')
      const change = await server.app.inject({
        method: 'POST',
        url: '/api/account/password',
        headers: bearer(laptop),
        payload: { user_id: userId, current_password: 'first password', new_password: 'second password' }
      })
      expect(change.statusCode).toBe(200)
      const verify = (token: string) => server.app.inject({ method: 'POST', url: '/api/auth/verify', headers: bearer(token) })
      expect((await verify(laptop)).statusCode).toBe(200)
      expect((await verify(phone)).statusCode).toBe(401)
    } finally {
      await server.close()
    }
  })
})
