import bcrypt from 'bcryptjs'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { hashPassword } from '../../src/server/auth'
import { resolveConfig } from '../../src/server/config'
import { openDatabase } from '../../src/server/db/open'
import { clientKey, FailureThrottle } from '../../src/server/lib/throttle'
import { getAccountByUsername, updateAccount } from '../../src/server/queries/accounts'
import { deriveKey, SECRET_FILE } from '../../src/server/secret'
import { DATABASE_FILE, startServer, StartupError } from '../../src/server/server'
import { bearer, CHROME_UA, createTestServer, createUserV1, login, type TestServer } from '../helpers'

/*
 * Issue 7, item 4: login throttling (per client address and per username, 429 with Retry-After), token
 * expiry and logout revocation for Bearer and cookie, the install secret kept out of the logs, and the
 * default password refused beyond loopback. Time moves on the app's injected clock: nothing sleeps.
 */

const USER_PASSWORD = 'hardening-pass-1'

let server: TestServer
let adminToken: string

beforeAll(async () => {
  server = await createTestServer()
  adminToken = await login(server.app)
})

afterAll(async () => {
  await server.close()
})

const loginFrom = (ip: string, username: string, password: string, app = server.app) =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress: ip })

/** The 429 of the login route: its dialect's (current) envelope, and Retry-After in whole seconds. */
function expectThrottled(res: LightMyRequestResponse, retryAfter?: number): number {
  expect(res.statusCode).toBe(429)
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/)
  const { error } = res.json()
  expect(error).toMatchObject({ status: 429, code: 'too-many-requests' })
  expect(error.message).toMatch(/try again in \d+ seconds/)
  const seconds = Number(res.headers['retry-after'])
  expect(Number.isInteger(seconds) && seconds > 0).toBe(true)
  expect(error.message).toContain(`${seconds} seconds`)
  if (retryAfter !== undefined) expect(seconds).toBe(retryAfter)
  expect(res.cookies.find((c) => c.name === 'umami.auth')).toBeUndefined()
  return seconds
}

describe('login throttling', () => {
  const { maxFailures, windowMs } = resolveConfig([], {}).loginThrottle
  let users = 0

  /** A fresh user, so each test counts its own failures. */
  async function freshUser(): Promise<string> {
    const username = `throttled-${++users}`
    await createUserV1(server.app, adminToken, username, USER_PASSWORD)
    return username
  }

  test('defaults to 10 failures per 15 minutes', () => {
    expect(maxFailures).toBe(10)
    expect(windowMs).toBe(15 * 60_000)
  })

  test('per client address: after 10 failures (any usernames) it answers 429 with Retry-After, even to the right password', async () => {
    const username = await freshUser()
    const ip = '198.51.100.1'
    for (let i = 0; i < maxFailures; i++) {
      // Different unknown usernames: only the address is over its limit.
      expect((await loginFrom(ip, `nobody-${i}`, 'wrong-password')).statusCode).toBe(401)
    }
    expectThrottled(await loginFrom(ip, username, USER_PASSWORD), windowMs / 1000)
    // Another address logs the same user in.
    expect((await loginFrom('198.51.100.2', username, USER_PASSWORD)).statusCode).toBe(200)

    server.clock.advance(5 * 60_000)
    expectThrottled(await loginFrom(ip, username, USER_PASSWORD), 10 * 60)
    server.clock.advance(10 * 60_000)
    expect((await loginFrom(ip, username, USER_PASSWORD)).statusCode).toBe(200)
  })

  test('per username: 10 failures from 10 addresses lock that username for the window, from anywhere', async () => {
    const username = await freshUser()
    const bystander = await freshUser()
    for (let i = 0; i < maxFailures; i++) {
      expect((await loginFrom(`203.0.113.${100 + i}`, username, 'wrong-password')).statusCode).toBe(401)
    }
    const seconds = expectThrottled(await loginFrom('203.0.113.200', username, USER_PASSWORD))
    expect(seconds).toBe(windowMs / 1000)
    // Case variants share the limit; other users are unaffected, from the same addresses.
    expectThrottled(await loginFrom('203.0.113.201', username.toUpperCase(), USER_PASSWORD))
    expect((await loginFrom('203.0.113.100', bystander, USER_PASSWORD)).statusCode).toBe(200)

    server.clock.advance(windowMs - 1000)
    expectThrottled(await loginFrom('203.0.113.200', username, USER_PASSWORD), 1)
    server.clock.advance(1000)
    expect((await loginFrom('203.0.113.200', username, USER_PASSWORD)).statusCode).toBe(200)
  })

  test('a successful login resets the user\'s counter', async () => {
    const username = await freshUser()
    const failFrom = async (base: number, n: number) => {
      for (let i = 0; i < n; i++) expect((await loginFrom(`192.0.2.${base + i}`, username, 'wrong-password')).statusCode).toBe(401)
    }
    await failFrom(1, maxFailures - 1)
    expect((await loginFrom('192.0.2.100', username, USER_PASSWORD)).statusCode).toBe(200)
    // Without the reset this would be failure 10 + (maxFailures - 1) of one window.
    await failFrom(20, maxFailures - 1)
    expect((await loginFrom('192.0.2.101', username, USER_PASSWORD)).statusCode).toBe(200)
    await failFrom(40, maxFailures)
    expectThrottled(await loginFrom('192.0.2.102', username, USER_PASSWORD))
  })

  test('a parallel burst of guesses gets no more than the limit checked', async () => {
    const username = await freshUser()
    const results = await Promise.all(Array.from({ length: 25 }, () => loginFrom('198.51.100.77', username, 'wrong-password')))
    const statuses = results.map((r) => r.statusCode)
    expect(statuses.filter((s) => s === 401)).toHaveLength(maxFailures)
    expect(statuses.filter((s) => s === 429)).toHaveLength(25 - maxFailures)
  })

  test('IPv6 clients are counted per /64, so rotating addresses inside one does not help', async () => {
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:db8:1:2:ffff::9'))
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'))
    expect(clientKey('::ffff:198.51.100.9')).toBe('198.51.100.9')
    for (let i = 1; i <= maxFailures; i++) {
      expect((await loginFrom(`2001:db8:77:1::${i.toString(16)}`, `v6-nobody-${i}`, 'wrong-password')).statusCode).toBe(401)
    }
    expectThrottled(await loginFrom('2001:db8:77:1:abcd::1', 'v6-nobody-x', 'wrong-password'))
    expect((await loginFrom('2001:db8:77:2::1', 'v6-nobody-y', 'wrong-password')).statusCode).toBe(401)
  })

  test('memory stays bounded under a flood of new addresses, and counters in use survive it', () => {
    let t = 0
    const throttle = new FailureThrottle(3, 60_000, () => t, 1000)
    for (let i = 0; i < 3; i++) throttle.fail('attacker')
    for (let i = 0; i < 100_000; i++) {
      throttle.fail(`flood-${i}`)
      // The blocked key is checked on every attempt it makes, which keeps it in the young generation.
      if (i % 100 === 0) expect(throttle.retryAfterMs('attacker')).toBeGreaterThan(0)
    }
    expect(throttle.size).toBeLessThanOrEqual(1000)
    expect(throttle.retryAfterMs('attacker')).toBe(60_000)
    t = 60_000
    expect(throttle.retryAfterMs('attacker')).toBe(0)
  })

  test('behind a trusted proxy, the forwarded client address is what is counted', async () => {
    const proxied = await createTestServer({ clientIpHeader: 'x-forwarded-for' })
    try {
      const attempt = (client: string) =>
        proxied.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: `nobody-${Math.random()}`, password: 'wrong-password' },
          remoteAddress: '127.0.0.1',
          headers: { 'x-forwarded-for': `${client}, 10.0.0.1` }
        })
      for (let i = 0; i < maxFailures; i++) expect((await attempt('198.51.100.10')).statusCode).toBe(401)
      expectThrottled(await attempt('198.51.100.10'))
      // The proxy's own address is not what got throttled: another client behind it still gets through.
      expect((await attempt('198.51.100.11')).statusCode).toBe(401)
    } finally {
      await proxied.close()
    }
  })
})

describe('login tokens: expiry and logout', () => {
  let username: string

  beforeAll(async () => {
    username = 'token-user'
    await createUserV1(server.app, adminToken, username, USER_PASSWORD)
  })

  const freshToken = async () => {
    const res = await loginFrom('127.0.0.1', username, USER_PASSWORD)
    expect(res.statusCode).toBe(200)
    return res.json().token as string
  }
  const verifyWith = (how: 'bearer' | 'cookie', token: string) => {
    const options: InjectOptions = { method: 'POST', url: '/api/auth/verify' }
    if (how === 'bearer') options.headers = bearer(token)
    else options.cookies = { 'umami.auth': token }
    return server.app.inject(options)
  }
  const meWith = (how: 'bearer' | 'cookie', token: string) =>
    server.app.inject({ method: 'GET', url: '/api/me', ...(how === 'bearer' ? { headers: bearer(token) } : { cookies: { 'umami.auth': token } }) })

  async function expectWorks(token: string, works: boolean) {
    for (const how of ['bearer', 'cookie'] as const) {
      expect((await verifyWith(how, token)).statusCode, `verify by ${how}`).toBe(works ? 200 : 401)
      expect((await meWith(how, token)).statusCode, `/api/me by ${how}`).toBe(works ? 200 : 401)
    }
  }

  test('a token works by Bearer and by cookie until tokenTtlMs has passed, then neither', async () => {
    const token = await freshToken()
    server.clock.advance(server.config.tokenTtlMs - 1000)
    await expectWorks(token, true)
    server.clock.advance(1000)
    await expectWorks(token, false)
    // A fresh login still works: expiry ended that token only.
    await expectWorks(await freshToken(), true)
  })

  test('logout by Bearer revokes the token for both ways of sending it; other sessions stay', async () => {
    const token = await freshToken()
    const other = await freshToken()
    const res = await server.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) })
    expect(res.statusCode).toBe(200)
    await expectWorks(token, false)
    await expectWorks(other, true)
  })

  test('logout by cookie revokes the token for both ways and clears the cookie', async () => {
    const token = await freshToken()
    const res = await server.app.inject({ method: 'POST', url: '/api/auth/logout', cookies: { 'umami.auth': token } })
    expect(res.statusCode).toBe(200)
    const cleared = res.cookies.find((c) => c.name === 'umami.auth')
    expect(cleared?.value).toBe('')
    await expectWorks(token, false)
  })

  test('a logout sending both a Bearer token and a cookie revokes both', async () => {
    const a = await freshToken()
    const b = await freshToken()
    const res = await server.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(a), cookies: { 'umami.auth': b } })
    expect(res.statusCode).toBe(200)
    await expectWorks(a, false)
    await expectWorks(b, false)
  })

  test('tokens are kept as hashes: the database never holds a token\'s text', async () => {
    const token = await freshToken()
    const rows = server.db.prepare('SELECT * FROM auth_token').all()
    expect(JSON.stringify(rows)).not.toContain(token)
  })
})

describe('the install secret stays out of the logs', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  test('a server run through logins, bad logins, throttling, hits and errors logs no secret, key, password or token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashi-logs-'))
    dirs.push(dir)
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      }
    })
    const config = { ...resolveConfig([], {}), dataDir: dir, port: 0, host: '127.0.0.1' }
    const running = await startServer(config, { logger: { level: 'trace', stream } })
    const secrets: string[] = []
    try {
      const secret = readFileSync(join(dir, SECRET_FILE), 'utf8').trim()
      secrets.push(secret, ...['share-token', 'realtime-token', 'cache-token'].map((purpose) => deriveKey(secret, purpose)))
      const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
        fetch(running.url + path, {
          method,
          headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA, ...headers },
          body: body === undefined ? undefined : JSON.stringify(body)
        })

      const ok = await call('POST', '/api/auth/login', { username: 'admin', password: 'umami' })
      expect(ok.status).toBe(200)
      const { token } = (await ok.json()) as { token: string }
      secrets.push(token)
      for (let i = 0; i < 11; i++) await call('POST', '/api/auth/login', { username: 'admin', password: 'bad-password-do-not-log' })
      expect((await call('POST', '/api/auth/login', { username: 'admin', password: 'umami' })).status).toBe(429)

      const site = await call('POST', '/api/websites', { name: 'Logged', domain: 'logged.example', shareId: 'logged-share' }, bearer(token))
      const website = ((await site.json()) as { id: string }).id
      const share = (await (await call('GET', '/api/share/logged-share')).json()) as { token: string }
      secrets.push(share.token)
      const hit = await call('POST', '/api/collect', { type: 'pageview', payload: { website, url: '/a', hostname: 'logged.example', screen: '1920x1080', language: 'en' } })
      expect(hit.status).toBe(200)
      const sent = await call('POST', '/api/send', { type: 'event', payload: { website, url: '/b', hostname: 'logged.example', name: 'signup' } })
      expect(sent.status).toBe(200)
      const cacheToken = ((await sent.json()) as { cache: string }).cache
      secrets.push(cacheToken)
      await call('POST', '/api/send', { type: 'event', payload: { website, url: '/c' } }, { 'x-umami-cache': cacheToken })
      await call('POST', '/api/send', { type: 'nonsense' })
      await call('GET', `/api/websites/${website}/stats?startAt=0&endAt=1`, undefined, { 'x-umami-share-token': share.token })
      await call('GET', `/api/websites/${website}/stats?startAt=x`, undefined, bearer(token))
      await call('GET', '/api/me', undefined, { authorization: 'Bearer forged-token' })
      await call('POST', '/api/auth/logout', undefined, bearer(token))
    } finally {
      await running.close()
    }
    const log = lines.join('')
    // The capture really saw the run: the failed and throttled logins are there.
    expect(log).toContain('login failed')
    expect(log).toContain('login throttled')
    expect(log).toContain('request rejected')
    for (const secret of secrets) expect(log).not.toContain(secret)
    expect(log).not.toContain('bad-password-do-not-log')
    expect(log).not.toMatch(/\$2[aby]\$/)
  })
})

describe('the default password beyond loopback', () => {
  test('startServer refuses a non-loopback host while the admin has the default password, and binds once it changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashi-bind-'))
    try {
      const config = { ...resolveConfig([], {}), dataDir: dir, port: 0, host: '0.0.0.0' }
      const refused = startServer(config, { logger: false })
      await expect(refused).rejects.toBeInstanceOf(StartupError)
      await expect(startServer(config, { logger: false })).rejects.toThrow(/Refusing to listen on 0\.0\.0\.0.*default password/)

      // Loopback is allowed with the default password.
      const local = await startServer({ ...config, host: '127.0.0.1' }, { logger: false })
      await local.close()

      const db = openDatabase({ file: join(dir, DATABASE_FILE) })
      const admin = getAccountByUsername(db, 'admin')!
      updateAccount(db, admin.user_id, { passwordHash: await hashPassword('a-real-password'), now: Date.now() })
      db.close()
      const open = await startServer(config, { logger: false })
      try {
        expect(open.port).toBeGreaterThan(0)
      } finally {
        await open.close()
      }

      // Choosing "umami" again is the default password again, whichever way its hash was made: start-up
      // tells without bcrypt when hashPassword made it, and with bcrypt for a hash of another salt.
      const back = openDatabase({ file: join(dir, DATABASE_FILE) })
      updateAccount(back, admin.user_id, { passwordHash: await hashPassword('umami'), now: Date.now() })
      back.close()
      await expect(startServer(config, { logger: false })).rejects.toThrow(/default password/)
      const salted = openDatabase({ file: join(dir, DATABASE_FILE) })
      updateAccount(salted, admin.user_id, { passwordHash: await bcrypt.hash('umami', 4), now: Date.now() })
      salted.close()
      await expect(startServer(config, { logger: false })).rejects.toThrow(/default password/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
