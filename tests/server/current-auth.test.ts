import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { bearer, createTestServer, login, type TestServer } from '../helpers'

let server: TestServer
let adminToken: string
let adminId: string
/** The clock time the database (and so the default admin) was created at. */
let startedAt: number

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

async function createUser(username: string, password: string, role = 'user') {
  const res = await call('POST', '/api/users', adminToken, { username, password, role })
  expect(res.statusCode).toBe(200)
  return res.json().id as string
}

beforeAll(async () => {
  server = await createTestServer()
  startedAt = server.clock.now()
  adminToken = await login(server.app)
  adminId = (await call('GET', '/api/me', adminToken)).json().user.id
})

afterAll(async () => {
  await server.close()
})

describe('POST /api/auth/login', () => {
  test('answers the token and a user both dialects read, without any password', async () => {
    const res = await call('POST', '/api/auth/login', undefined, { username: 'admin', password: 'umami' })
    expect(res.statusCode).toBe(200)
    const { token, user } = res.json()
    expect(token.length).toBeGreaterThan(20)
    expect(user).toEqual({
      id: adminId,
      username: 'admin',
      role: 'admin',
      createdAt: new Date(startedAt).toISOString(),
      isAdmin: true,
      teams: [],
      user_id: 1,
      is_admin: true
    })
    expect(res.body).not.toMatch(/password|\$2[aby]\$/)
  })

  test('describes a non-admin as such', async () => {
    const id = await createUser('login-user', 'login-user-pw', 'view-only')
    const res = await call('POST', '/api/auth/login', undefined, { username: 'login-user', password: 'login-user-pw' })
    expect(res.json().user).toMatchObject({ id, username: 'login-user', role: 'view-only', isAdmin: false, is_admin: false })
  })

  test('refuses a wrong password or unknown user alike: 401 with code incorrect-username-password', async () => {
    const wrong = await call('POST', '/api/auth/login', undefined, { username: 'admin', password: 'nope' })
    expectError(wrong, 401, 'incorrect-username-password')
    const unknown = await call('POST', '/api/auth/login', undefined, { username: 'ghost', password: 'umami' })
    expect(unknown.body).toBe(wrong.body)
  })

  test('answers 400 in the envelope for a missing field', async () => {
    expectError(await call('POST', '/api/auth/login', undefined, { username: 'admin' }), 400, 'bad-request', /password/)
  })
})

describe('/api/auth/verify', () => {
  test('POST and GET both answer the current user object beside v1\'s fields', async () => {
    server.clock.advance(5000)
    const issuedAt = server.clock.now()
    const token = await login(server.app)
    for (const method of ['POST', 'GET'] as const) {
      const res = await call(method, '/api/auth/verify', token)
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({
        id: adminId,
        username: 'admin',
        role: 'admin',
        createdAt: new Date(startedAt).toISOString(),
        isAdmin: true,
        teams: [],
        user_id: 1,
        is_admin: true,
        // v1 echoes the token's issue time in seconds.
        iat: Math.floor(issuedAt / 1000)
      })
    }
  })

  test('answers 401 in the envelope without a valid token', async () => {
    expectError(await call('POST', '/api/auth/verify'), 401, 'unauthorized')
    expectError(await call('POST', '/api/auth/verify', 'forged-token'), 401, 'unauthorized')
  })
})

describe('POST /api/auth/logout', () => {
  test('answers {ok:true} and the token stops working everywhere', async () => {
    const token = await login(server.app)
    expect((await call('GET', '/api/me', token)).statusCode).toBe(200)
    const res = await call('POST', '/api/auth/logout', token)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true })
    expectError(await call('GET', '/api/me', token), 401, 'unauthorized')
    expectError(await call('POST', '/api/auth/verify', token), 401, 'unauthorized')
    expectError(await call('GET', '/api/websites', token), 401, 'unauthorized')
    // Other sessions stay.
    expect((await call('GET', '/api/me', adminToken)).statusCode).toBe(200)
  })
})

describe('GET /api/me', () => {
  test('answers the caller\'s token and user', async () => {
    const res = await call('GET', '/api/me', adminToken)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      token: adminToken,
      user: { id: adminId, username: 'admin', role: 'admin', createdAt: new Date(startedAt).toISOString(), isAdmin: true }
    })
  })

  test('accepts the login cookie as well as the bearer token', async () => {
    const res = await inject({ method: 'GET', url: '/api/me', cookies: { 'umami.auth': adminToken } })
    expect(res.json().user.username).toBe('admin')
  })

  test('answers 401 in the envelope to an anonymous caller', async () => {
    expectError(await call('GET', '/api/me'), 401, 'unauthorized', 'Unauthorized')
  })
})

describe('POST /api/me/password', () => {
  test('changes the password, keeps this session and ends the others', async () => {
    const id = await createUser('changer', 'first-password')
    const here = await login(server.app, 'changer', 'first-password')
    const elsewhere = await login(server.app, 'changer', 'first-password')
    const res = await call('POST', '/api/me/password', here, { currentPassword: 'first-password', newPassword: 'second-password' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ id, username: 'changer', role: 'user', createdAt: new Date(server.clock.now()).toISOString() })

    expect((await call('GET', '/api/me', here)).statusCode).toBe(200)
    expectError(await call('GET', '/api/me', elsewhere), 401, 'unauthorized')
    expectError(await call('POST', '/api/auth/login', undefined, { username: 'changer', password: 'first-password' }), 401, 'incorrect-username-password')
    expect(await login(server.app, 'changer', 'second-password')).toBeTruthy()
  })

  test('refuses a wrong current password with 400 "Current password is incorrect"', async () => {
    await createUser('careful', 'careful-password')
    const token = await login(server.app, 'careful', 'careful-password')
    const res = await call('POST', '/api/me/password', token, { currentPassword: 'guess-guess', newPassword: 'another-password' })
    expectError(res, 400, 'bad-request', 'Current password is incorrect')
    expect(await login(server.app, 'careful', 'careful-password')).toBeTruthy()
  })

  test('wants a new password of at least 8 characters', async () => {
    const res = await call('POST', '/api/me/password', adminToken, { currentPassword: 'umami', newPassword: 'short' })
    expectError(res, 400, 'bad-request', /newPassword/)
    expectError(await call('POST', '/api/me/password', adminToken, { newPassword: 'long-enough' }), 400, 'bad-request', /currentPassword/)
  })

  test('answers 401 to an anonymous caller', async () => {
    expectError(await call('POST', '/api/me/password', undefined, { currentPassword: 'umami', newPassword: 'whatever-1' }), 401, 'unauthorized')
  })
})

describe('GET /api/me/teams', () => {
  test('is an empty page: this server has no teams', async () => {
    expect((await call('GET', '/api/me/teams', adminToken)).json()).toEqual({ data: [], count: 0, page: 1, pageSize: 20 })
  })
})

describe('GET /api/config', () => {
  test('merges the v1 and v3.1 keys and names our version', async () => {
    const res = await call('GET', '/api/config')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      basePath: '',
      cloudMode: false,
      faviconUrl: null,
      linksUrl: null,
      pixelsUrl: null,
      privateMode: false,
      telemetryDisabled: true,
      trackerScriptName: null,
      updatesDisabled: true,
      currentVersion: server.app.ctx.version
    })
    expect(server.app.ctx.version).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('GET /api/share/:shareId', () => {
  test('answers one shape for both dialects; the token reads that website only and changes nothing', async () => {
    const site = (await call('POST', '/api/websites', adminToken, { name: 'Shared site', domain: 'shared.example', shareId: 'shared-site' })).json()
    const other = (await call('POST', '/api/websites', adminToken, { name: 'Private site', domain: 'private.example' })).json()
    const res = await call('GET', '/api/share/shared-site')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ websiteId: site.id, shareId: 'shared-site', shareType: 1, parameters: { overview: true, events: true } })
    const headers = { 'x-umami-share-token': body.token, 'x-umami-share-context': '1' }
    expect((await inject({ method: 'GET', url: `/api/websites/${site.id}`, headers })).statusCode).toBe(200)
    expectError(await inject({ method: 'GET', url: `/api/websites/${other.id}`, headers }), 401, 'unauthorized')
    expectError(await inject({ method: 'GET', url: '/api/me', headers }), 401, 'unauthorized')
    expectError(await inject({ method: 'DELETE', url: `/api/websites/${site.id}`, headers }), 401, 'unauthorized')
  })

  test('answers 404 in the envelope for an unknown share id', async () => {
    expectError(await call('GET', '/api/share/no-such-share'), 404, 'not-found')
  })
})
