import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { expectPlainError, bearer, createTestServer, login, type TestServer } from '../helpers'

let server: TestServer
/** One shared admin token: bcrypt makes every login cost ~70 ms. */
let adminToken: string

beforeAll(async () => {
  server = await createTestServer()
  adminToken = await login(server.app)
})

afterAll(async () => {
  await server.close()
})

const inject = (options: InjectOptions) => server.app.inject(options)

/**
 * Login, verify and logout are paths both dialects share; they answer errors in the current envelope
 * `{error:{message, code, status}}` (a v1 client only looks at the status).
 */
function expectEnvelope(res: LightMyRequestResponse, status: number, code?: string) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/)
  const { error } = res.json()
  expect(error.status).toBe(status)
  if (code !== undefined) expect(error.code).toBe(code)
  expect(typeof error.message).toBe('string')
}

function cookieOf(res: LightMyRequestResponse, name = 'umami.auth') {
  return res.cookies.find((c) => c.name === name)
}

describe('POST /api/auth/login', () => {
  test('returns a token and the user for the right password', async () => {
    const res = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'umami' } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const body = res.json()
    expect(typeof body.token).toBe('string')
    expect(body.token.length).toBeGreaterThan(20)
    expect(body.user).toMatchObject({ user_id: 1, username: 'admin', is_admin: true })
    expect(res.body).not.toContain('password')
    expect(res.body).not.toContain('$2')
  })

  test('sets the umami.auth cookie, HttpOnly and SameSite=Strict, holding the token', async () => {
    const res = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'umami' } })
    const cookie = cookieOf(res)
    expect(cookie).toBeDefined()
    expect(cookie!.value).toBe(res.json().token)
    expect(cookie!.httpOnly).toBe(true)
    expect(String(cookie!.sameSite).toLowerCase()).toBe('strict')
    expect(cookie!.path).toBe('/')
    const raw = String(res.headers['set-cookie'])
    expect(raw).toMatch(/HttpOnly/i)
    expect(raw).toMatch(/SameSite=Strict/i)
  })

  test('gives a different token on every login', async () => {
    const a = await login(server.app)
    expect(a).not.toBe(adminToken)
  })

  test('refuses a wrong password with 401 and Umami\'s incorrect-username-password code', async () => {
    const res = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'wrong' } })
    expectEnvelope(res, 401, 'incorrect-username-password')
    expect(cookieOf(res)).toBeUndefined()
  })

  test('refuses an unknown user with the same 401 as a wrong password', async () => {
    const wrong = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'wrong' } })
    const res = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: 'umami' } })
    expectEnvelope(res, 401, 'incorrect-username-password')
    expect(res.body).toBe(wrong.body)
  })

  test('matches the username exactly (case-sensitive)', async () => {
    const res = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ADMIN', password: 'umami' } })
    expectEnvelope(res, 401, 'incorrect-username-password')
  })

  test.each([
    ['no password', { username: 'admin' }],
    ['no username', { password: 'umami' }],
    ['an empty password', { username: 'admin', password: '' }],
    ['an empty username', { username: '', password: 'umami' }],
    ['an empty object', {}],
    ['an object as username', { username: { $ne: null }, password: 'umami' }]
  ])('answers 400 for %s', async (_name, payload) => {
    const res = await inject({ method: 'POST', url: '/api/auth/login', payload })
    expectEnvelope(res, 400, 'bad-request')
  })

  test('answers 400 for a body that is not JSON', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "admin", "password": '
    })
    expectEnvelope(res, 400, 'bad-request')
  })

  test('answers 400 for a text/plain body that is not JSON', async () => {
    const res = await inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'admin:umami' })
    expectEnvelope(res, 400, 'bad-request')
  })

  test('answers 400 for an empty JSON body', async () => {
    const res = await inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '' })
    expectEnvelope(res, 400, 'bad-request')
  })

  test('answers 400 for no body at all', async () => {
    const res = await inject({ method: 'POST', url: '/api/auth/login' })
    expectEnvelope(res, 400, 'bad-request')
  })

  test('answers 400 for a JSON array or null body', async () => {
    for (const payload of ['[]', 'null', '"admin"']) {
      const res = await inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload })
      expectEnvelope(res, 400, 'bad-request')
    }
  })

  test('refuses a form-encoded body with a 4xx, not a 500', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=admin&password=umami'
    })
    expect(res.statusCode).toBeGreaterThanOrEqual(400)
    expect(res.statusCode).toBeLessThan(500)
    expectEnvelope(res, res.statusCode)
  })
})

describe('token transport', () => {
  test('accepts the token as Authorization: Bearer', async () => {
    const res = await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    expect(res.json().username).toBe('admin')
  })

  test('accepts the token as the umami.auth cookie', async () => {
    const res = await inject({ method: 'GET', url: '/api/auth/verify', cookies: { 'umami.auth': adminToken } })
    expect(res.statusCode).toBe(200)
    expect(res.json().username).toBe('admin')
  })

  test('accepts the cookie on other authenticated routes (websites, accounts)', async () => {
    const websites = await inject({ method: 'GET', url: '/api/websites?include_all=false', headers: { cookie: `umami.auth=${adminToken}` } })
    expect(websites.statusCode).toBe(200)
    expect(Array.isArray(websites.json())).toBe(true)
    const accounts = await inject({ method: 'GET', url: '/api/accounts', headers: { cookie: `umami.auth=${adminToken}` } })
    expect(accounts.statusCode).toBe(200)
    const created = await inject({
      method: 'POST',
      url: '/api/website',
      cookies: { 'umami.auth': adminToken },
      payload: { name: 'Via cookie', domain: 'cookie.example' }
    })
    expect(created.statusCode).toBe(200)
    expect(created.json().user_id).toBe(1)
  })

  test('accepts a lowercase bearer scheme', async () => {
    const res = await inject({ method: 'GET', url: '/api/auth/verify', headers: { authorization: `bearer ${adminToken}` } })
    expect(res.statusCode).toBe(200)
  })

  test('refuses a request without any token with 401', async () => {
    const res = await inject({ method: 'GET', url: '/api/auth/verify' })
    expectEnvelope(res, 401, 'unauthorized')
  })

  test('refuses a forged bearer token', async () => {
    const res = await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer('not-a-real-token') })
    expectEnvelope(res, 401, 'unauthorized')
  })

  test('refuses a forged cookie', async () => {
    const res = await inject({ method: 'GET', url: '/api/auth/verify', cookies: { 'umami.auth': 'forged' } })
    expectEnvelope(res, 401, 'unauthorized')
  })

  test('refuses the dashboard\'s "Bearer undefined"', async () => {
    const res = await inject({ method: 'GET', url: '/api/websites', headers: { authorization: 'Bearer undefined' } })
    expectEnvelope(res, 401, 'unauthorized')
  })

  test('refuses an absurdly long token without error', async () => {
    const res = await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer('x'.repeat(5000)) })
    expectEnvelope(res, 401, 'unauthorized')
  })
})

describe('/api/auth/verify', () => {
  test('echoes user_id, username, is_admin and iat (seconds) of the token', async () => {
    const issuedAt = server.clock.now()
    const token = await login(server.app)
    const res = await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(token) })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ user_id: 1, username: 'admin', is_admin: true })
    expect(body.iat).toBe(Math.floor(issuedAt / 1000))
    expect(res.body).not.toContain('password')
  })

  test('answers any method, as Umami v1 does (current clients POST)', async () => {
    const res = await inject({ method: 'POST', url: '/api/auth/verify', headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    expect(res.json().user_id).toBe(1)
  })

  test('reports a non-admin as is_admin false', async () => {
    const created = await inject({
      method: 'POST',
      url: '/api/account',
      headers: bearer(adminToken),
      payload: { username: 'verify-user', password: 'secret-1' }
    })
    expect(created.statusCode).toBe(200)
    const token = await login(server.app, 'verify-user', 'secret-1')
    const res = await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(token) })
    expect(res.json()).toMatchObject({ user_id: created.json().user_id, username: 'verify-user', is_admin: false })
  })
})

describe('POST /api/auth/logout', () => {
  test('revokes the bearer token and clears the cookie', async () => {
    const token = await login(server.app)
    const res = await inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true })
    const cookie = cookieOf(res)
    expect(cookie).toBeDefined()
    expect(cookie!.value).toBe('')
    const cleared = cookie!.maxAge === 0 || (cookie!.expires instanceof Date && cookie!.expires.getTime() <= Date.now())
    expect(cleared).toBe(true)

    const after = await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(token) })
    expectEnvelope(after, 401, 'unauthorized')
    const asCookie = await inject({ method: 'GET', url: '/api/websites', cookies: { 'umami.auth': token } })
    expectEnvelope(asCookie, 401, 'unauthorized')
  })

  test('revokes a token carried in the cookie', async () => {
    const token = await login(server.app)
    const res = await inject({ method: 'POST', url: '/api/auth/logout', cookies: { 'umami.auth': token } })
    expect(res.statusCode).toBe(200)
    const after = await inject({ method: 'GET', url: '/api/auth/verify', cookies: { 'umami.auth': token } })
    expectEnvelope(after, 401, 'unauthorized')
  })

  test('leaves other sessions of the same user logged in', async () => {
    const a = await login(server.app)
    const b = await login(server.app)
    await inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(a) })
    const res = await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(b) })
    expect(res.statusCode).toBe(200)
  })

  test('accepts the old dashboard\'s bodyless POST with a JSON content type', async () => {
    const token = await login(server.app)
    const res = await inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { ...bearer(token), 'content-type': 'application/json' }
    })
    expect(res.statusCode).toBe(200)
    expectEnvelope(await inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(token) }), 401, 'unauthorized')
  })

  test('succeeds without a token (nothing to revoke)', async () => {
    const res = await inject({ method: 'POST', url: '/api/auth/logout' })
    expect(res.statusCode).toBe(200)
  })
})

describe('token expiry', () => {
  test('refuses a token once config.tokenTtlMs has passed, and accepts it until then', async () => {
    const local = await createTestServer()
    try {
      const token = await login(local.app)
      local.clock.advance(local.config.tokenTtlMs - 1000)
      const before = await local.app.inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(token) })
      expect(before.statusCode).toBe(200)
      local.clock.advance(2000)
      const after = await local.app.inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(token) })
      expectEnvelope(after, 401, 'unauthorized')
      const asCookie = await local.app.inject({ method: 'GET', url: '/api/websites', cookies: { 'umami.auth': token } })
      expectEnvelope(asCookie, 401, 'unauthorized')
      // A fresh login works again.
      const fresh = await login(local.app)
      const ok = await local.app.inject({ method: 'GET', url: '/api/auth/verify', headers: bearer(fresh) })
      expect(ok.statusCode).toBe(200)
    } finally {
      await local.close()
    }
  })

  test('gives the cookie a Max-Age matching the token lifetime', async () => {
    const res = await inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'umami' } })
    expect(cookieOf(res)!.maxAge).toBe(Math.floor(server.config.tokenTtlMs / 1000))
  })
})

describe('v1 errors', () => {
  test('an unknown v1 URL answers 404 in plain text', async () => {
    const res = await inject({ method: 'GET', url: '/api/website/1/nonsense', headers: bearer(adminToken) })
    expectPlainError(res, 404)
  })
})
