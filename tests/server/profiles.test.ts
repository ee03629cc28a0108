import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { resolveConfig } from '../../src/server/config'
import { keySealer, safeStorageSealer, SealError } from '../../src/server/lib/seal'
import { countCachedAnswers, createProfile, getProfileByUuid, putCachedAnswer } from '../../src/server/queries/profiles'
import { profileInput } from '../../src/server/routes/profiles'
import { type Credentials, v1Dialect } from '../../src/shared/api/adapters'
import { signIn } from '../../src/shared/api/remote'
import { startServer, type RunningServer } from '../../src/server/server'
import { bearer, CHROME_UA, createTestServer, FIREFOX_LINUX_UA, login, type TestServer } from '../helpers'

// Remote profiles against a second, real Dashi server started here on a free port (its own data
// directory, hits sent through its /api/send): the local server probes it, signs in, stores the
// profile sealed, forwards the dashboard's calls to it over HTTP and keeps answers for offline use.

const SECRET = 'a'.repeat(64) // createTestServer's install secret: the test opens what the server sealed.
const REMOTE_PASSWORD = 'remote-password-9'
const LOCAL_USER_PASSWORD = 'local-user-pass-1'
const DAY = 86_400_000
/** Three days ago, 00:00 UTC: inside what the remote server accepts as hit times. */
const DAY0 = Math.floor((Date.now() - 3 * DAY) / DAY) * DAY
const RANGE = `startAt=${DAY0}&endAt=${DAY0 + DAY - 1}`

let local: TestServer
let remote: RunningServer
let remoteDir: string
let remoteUrl: string
let remoteToken: string
let websiteId: string
let adminToken: string
let userToken: string
let profileId: string
/** Every reply the local server gave in this file: none may hold a password, a key or a remote token. */
const replies: string[] = []

const CREDENTIALS = { kind: 'password', username: 'admin', password: REMOTE_PASSWORD }

async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, token: string | null = adminToken): Promise<LightMyRequestResponse> {
  const res = await local.app.inject({ method, url, payload: payload as object, headers: token ? bearer(token) : {} })
  replies.push(res.body, JSON.stringify(res.headers))
  return res
}

const forward = (path: string, id = profileId) => call('GET', `/api/dashi/profiles/${id}/api${path}`)

/** The remote server's own answer, read directly with its admin's token. */
async function remoteGet(path: string): Promise<unknown> {
  const res = await fetch(`${remoteUrl}${path}`, { headers: bearer(remoteToken) })
  expect(res.status, path).toBe(200)
  return res.json()
}

async function send(at: number, url: string, ip: string, extra: Record<string, unknown> = {}) {
  const res = await fetch(`${remoteUrl}/api/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
    body: JSON.stringify({ type: 'event', payload: { website: websiteId, hostname: 'remote.example', url, language: 'en-US', screen: '1920x1080', timestamp: at / 1000, ip, ...extra } })
  })
  expect(res.status).toBe(200)
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** The profile's stored remote login, opened the way the server opens it. */
function storedRemoteToken(): string {
  const row = getProfileByUuid(local.db, profileId)!
  return (JSON.parse(keySealer(SECRET).open(row.auth_state!)) as { token: string }).token
}

beforeAll(async () => {
  remoteDir = mkdtempSync(join(tmpdir(), 'dashi-remote-'))
  remote = await startServer({ ...resolveConfig([], {}), dataDir: remoteDir, port: 0, host: '127.0.0.1' })
  remoteUrl = remote.url
  const first = await (await fetch(`${remoteUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'umami' }) })).json() as { token: string }
  const changed = await fetch(`${remoteUrl}/api/me/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(first.token) },
    body: JSON.stringify({ currentPassword: 'umami', newPassword: REMOTE_PASSWORD })
  })
  expect(changed.status).toBe(200)
  remoteToken = first.token
  const created = await fetch(`${remoteUrl}/api/websites`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(remoteToken) },
    body: JSON.stringify({ name: 'Remote site', domain: 'remote.example' })
  })
  websiteId = ((await created.json()) as { id: string }).id
  // Three visitors: two views and a bounce later; one from a referrer on Firefox; one on /pricing.
  await send(DAY0 + 10 * 3600_000, '/', '203.0.113.1')
  await send(DAY0 + 10 * 3600_000 + 60_000, '/about', '203.0.113.1')
  await send(DAY0 + 14 * 3600_000, '/', '203.0.113.1')
  await send(DAY0 + 11 * 3600_000, '/', '203.0.113.2', { referrer: 'https://news.example.org/post', userAgent: FIREFOX_LINUX_UA })
  await send(DAY0 + 12 * 3600_000, '/pricing', '203.0.113.3')

  local = await createTestServer()
  adminToken = await login(local.app)
  const user = await local.app.inject({ method: 'POST', url: '/api/users', headers: bearer(adminToken), payload: { username: 'plain', password: LOCAL_USER_PASSWORD, role: 'user' } })
  expect(user.statusCode).toBe(200)
  userToken = await login(local.app, 'plain', LOCAL_USER_PASSWORD)
}, 30_000)

afterAll(async () => {
  await remote?.close().catch(() => {})
  rmSync(remoteDir, { recursive: true, force: true })
  await local?.close()
})

describe('testing a server before saving it', () => {
  test('Dashi answers as Dashi speaking Umami v3, with its features; no secret comes back', async () => {
    const res = await call('POST', '/api/dashi/profiles/test', { baseUrl: `${remoteUrl}/`, credentials: CREDENTIALS })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ ok: true, server: 'dashi', family: 'v3', baseUrl: remoteUrl, summary: expect.stringMatching(/^Dashi .* \(speaks Umami v3\)/) })
    expect(res.json().features).toEqual(expect.arrayContaining(['realtime', 'sessions', 'visits', 'comparison']))
  })

  test('a wrong address, a wrong password and a closed port each get their own message', async () => {
    const wrongUrl = await call('POST', '/api/dashi/profiles/test', { baseUrl: `${remoteUrl}/some/page`, credentials: CREDENTIALS })
    expect(wrongUrl.statusCode).toBe(422)
    expect(wrongUrl.json().error).toMatchObject({ code: 'not-umami', status: 422, message: expect.stringContaining('answers, but not as an Umami server') })

    const wrongPassword = await call('POST', '/api/dashi/profiles/test', { baseUrl: remoteUrl, credentials: { ...CREDENTIALS, password: 'nope-nope' } })
    expect(wrongPassword.statusCode).toBe(422)
    expect(wrongPassword.json().error).toEqual({ code: 'bad-credentials', status: 422, message: 'Wrong username or password: the server refused them.' })

    const port = await closedPort()
    const closed = await call('POST', '/api/dashi/profiles/test', { baseUrl: `http://127.0.0.1:${port}`, credentials: CREDENTIALS })
    expect(closed.statusCode).toBe(502)
    expect(closed.json().error).toMatchObject({ code: 'unreachable', status: 502, message: expect.stringMatching(new RegExp(`^Could not reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`)) })
  })

  test('bad input is a 400 that names the field, before any request goes out', async () => {
    const cases: [unknown, RegExp][] = [
      [{ credentials: CREDENTIALS }, /baseUrl/],
      [{ baseUrl: 'ftp://x.example', credentials: CREDENTIALS }, /http:\/\/ or https:\/\//],
      [{ baseUrl: 'not a url', credentials: CREDENTIALS }, /not an address/],
      [{ baseUrl: 'http://admin:pw@x.example', credentials: CREDENTIALS }, /credentials, not in baseUrl/],
      [{ baseUrl: remoteUrl }, /credentials must be/],
      [{ baseUrl: remoteUrl, credentials: { kind: 'password', username: 'admin' } }, /credentials\.password/],
      [{ baseUrl: remoteUrl, credentials: { kind: 'token' } }, /credentials\.kind/]
    ]
    for (const [body, message] of cases) {
      const res = await call('POST', '/api/dashi/profiles/test', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().error.message).toMatch(message)
    }
    expect((await call('POST', '/api/dashi/profiles', { baseUrl: remoteUrl, credentials: CREDENTIALS })).json().error.message).toMatch(/name must be/)
  })
})

describe('profiles: create, list, read, change, features', () => {
  test('creating probes and signs in first: refused with the typed error, nothing saved', async () => {
    const refused = await call('POST', '/api/dashi/profiles', { name: 'Wrong', baseUrl: remoteUrl, credentials: { ...CREDENTIALS, password: 'nope-nope' } })
    expect(refused.statusCode).toBe(422)
    expect(refused.json().error.code).toBe('bad-credentials')
    expect((await call('GET', '/api/dashi/profiles')).json()).toEqual({ data: [] })
  })

  test('a saved profile says what was found and how it logs in, never the password', async () => {
    const res = await call('POST', '/api/dashi/profiles', { name: 'Remote Dashi', baseUrl: `${remoteUrl}/api/`, credentials: CREDENTIALS })
    expect(res.statusCode).toBe(200)
    const profile = res.json()
    profileId = profile.id
    expect(profile).toMatchObject({
      name: 'Remote Dashi',
      baseUrl: remoteUrl,
      family: 'v3',
      server: 'dashi',
      credentials: { kind: 'password', username: 'admin', hasPassword: true },
      createdAt: new Date(local.clock.now()).toISOString(),
      lastOkAt: new Date(local.clock.now()).toISOString()
    })
    expect(JSON.stringify(profile.credentials)).not.toContain('password":"')
    expect((await call('GET', '/api/dashi/profiles')).json().data.map((p: { id: string }) => p.id)).toEqual([profileId])
    expect((await call('GET', `/api/dashi/profiles/${profileId}`)).json()).toEqual(profile)
  })

  test('features: family, version, label and what the dashboard may show', async () => {
    const res = await call('GET', `/api/dashi/profiles/${profileId}/features`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ family: 'v3', label: 'Umami v3.1', features: expect.arrayContaining(['eventStats', 'filterValues', 'reports']) })
    expect(res.json().version).toMatch(/^\d+\.\d+\.\d+$/)
  })

  test('PATCH renames without probing; a new password is tested first and a refused one changes nothing', async () => {
    const renamed = await call('PATCH', `/api/dashi/profiles/${profileId}`, { name: 'Remote (renamed)' })
    expect(renamed.statusCode).toBe(200)
    expect(renamed.json().name).toBe('Remote (renamed)')

    const before = getProfileByUuid(local.db, profileId)!
    const refused = await call('PATCH', `/api/dashi/profiles/${profileId}`, { credentials: { kind: 'password', username: 'admin', password: 'nope-nope' } })
    expect(refused.statusCode).toBe(422)
    expect(refused.json().error.code).toBe('bad-credentials')
    const unreachable = await call('PATCH', `/api/dashi/profiles/${profileId}`, { baseUrl: `http://127.0.0.1:${await closedPort()}` })
    expect(unreachable.statusCode).toBe(502)
    expect(getProfileByUuid(local.db, profileId)).toEqual(before)

    // The same login again, the password left out: the stored one is kept and tested.
    const kept = await call('PATCH', `/api/dashi/profiles/${profileId}`, { credentials: { kind: 'password', username: 'admin' } })
    expect(kept.statusCode).toBe(200)
    expect(kept.json().credentials).toEqual({ kind: 'password', username: 'admin', hasPassword: true })
  })

  test('unknown or malformed profile ids are 404', async () => {
    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      const res = await call('GET', `/api/dashi/profiles/${id}`)
      expect(res.statusCode).toBe(404)
      expect(res.json().error.code).toBe('not-found')
    }
  })
})

describe('forwarding: the dashboard’s calls answered by the remote server in current-API shapes', () => {
  test('stats, pageviews and metrics equal the remote server’s own answers', async () => {
    for (const path of [
      `/websites/${websiteId}/stats?${RANGE}`,
      `/websites/${websiteId}/stats?${RANGE}&compare=yoy&browser=eq.firefox`,
      `/websites/${websiteId}/pageviews?${RANGE}&unit=hour&timezone=Europe/Berlin`,
      `/websites/${websiteId}/pageviews?${RANGE}&unit=day`,
      `/websites/${websiteId}/metrics?${RANGE}&type=path`,
      `/websites/${websiteId}/metrics?${RANGE}&type=referrer`,
      `/websites/${websiteId}/metrics?${RANGE}&type=browser&limit=1`
    ]) {
      const res = await forward(path)
      expect(res.statusCode, path).toBe(200)
      expect(res.headers['x-dashi-as-of'], path).toBeUndefined()
      expect(res.json(), path).toEqual(await remoteGet(`/api${path}`))
    }
    const stats = (await forward(`/websites/${websiteId}/stats?${RANGE}`)).json()
    // Visits are per visitor and clock hour: the first visitor's 10:00 visit has two views, its 14:00 one bounces.
    expect(stats).toMatchObject({ pageviews: 5, visitors: 3, visits: 4, bounces: 3 })
  })

  test('the websites list and the website itself, as the current API pages them', async () => {
    const list = (await forward('/websites?pageSize=10')).json()
    expect(list).toMatchObject({ count: 1, page: 1, pageSize: 10 })
    expect(list.data.map((w: { id: string; name: string }) => [w.id, w.name])).toEqual([[websiteId, 'Remote site']])
    expect((await forward(`/websites/${websiteId}`)).json()).toMatchObject({ id: websiteId, name: 'Remote site', domain: 'remote.example' })
  })

  test('a path the dashboard does not read remotely is 404 unsupported; bad parameters are 400 in the envelope', async () => {
    const other = await forward('/users')
    expect(other.statusCode).toBe(404)
    expect(other.json().error).toMatchObject({ code: 'unsupported', message: expect.stringContaining('/api/users') })
    for (const [path, message] of [
      [`/websites/${websiteId}/stats`, /startAt and endAt are required/],
      [`/websites/${websiteId}/metrics?${RANGE}`, /type is required/],
      [`/websites/${websiteId}/metrics?${RANGE}&type=nope`, /type must be one of/],
      [`/websites/${websiteId}/pageviews?${RANGE}&unit=week`, /unit must be one of/],
      [`/websites/${websiteId}/stats?${RANGE}&timezone=Mars/Base`, /Unknown time zone/]
    ] as const) {
      const res = await forward(path)
      expect(res.statusCode, path).toBe(400)
      expect(res.json().error.message).toMatch(message)
    }
  })

  test('a remote 401 (Dashi’s answer for a website it does not have) is never passed on as a 401', async () => {
    const res = await forward(`/websites/00000000-0000-4000-8000-000000000000/stats?${RANGE}`)
    // Dashi answers 401 for a website it does not have; passing a 401 on would end the dashboard's own login.
    expect(res.statusCode).toBe(502)
    expect(res.json().error.code).toBe('bad-credentials')
  })

  test('an older dialect: a v1 profile (Dashi serves v1 too) reads v1 ids and numbers; what v1 lacks is 404 unsupported and not in its features', async () => {
    const dialect = v1Dialect('bearer', [1, 38, 0])
    const credentials = CREDENTIALS as Credentials
    const auth = await signIn(fetch, dialect, remoteUrl, credentials)
    const detection = { ok: true as const, family: 'v1' as const, server: 'umami' as const, version: '1.38.0', versionRange: '1.38.0', dialect, baseUrl: remoteUrl, auth, summary: 'Umami v1.38.0.' }
    const v1Profile = createProfile(local.db, profileInput(local.app.ctx.sealer, 'As v1', detection, credentials, local.clock.now())).profile_uuid

    const features = (await call('GET', `/api/dashi/profiles/${v1Profile}/features`)).json()
    expect(features).toMatchObject({ family: 'v1', version: '1.38.0', label: 'Umami v1.26–1.38 (Bearer token)' })
    expect(features.features).not.toContain('sessions')
    const list = (await forward('/websites', v1Profile)).json()
    const v1Id = list.data[0].id
    expect(v1Id).toMatch(/^\d+$/)
    expect((await forward(`/websites/${v1Id}/stats?${RANGE}`, v1Profile)).json()).toMatchObject({ pageviews: 5, visitors: 3 })
    const sessions = await forward(`/websites/${v1Id}/sessions?${RANGE}`, v1Profile)
    expect(sessions.statusCode).toBe(404)
    expect(sessions.json().error).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/\S/) })
    expect((await call('DELETE', `/api/dashi/profiles/${v1Profile}`)).statusCode).toBe(200)
  })

  test('a revoked remote login (logged out on the remote) is renewed once with the sealed password, and stored sealed', async () => {
    const old = storedRemoteToken()
    const logout = await fetch(`${remoteUrl}/api/auth/logout`, { method: 'POST', headers: bearer(old) })
    expect(logout.status).toBe(200)
    expect((await fetch(`${remoteUrl}/api/websites`, { headers: bearer(old) })).status).toBe(401)

    const res = await forward(`/websites/${websiteId}/stats?${RANGE}`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ pageviews: 5 })
    const renewed = storedRemoteToken()
    expect(renewed).not.toBe(old)
    expect((await fetch(`${remoteUrl}/api/websites`, { headers: bearer(renewed) })).status).toBe(200)
  })
})

describe('secrets', () => {
  test('non-admins get 403, anonymous callers 401, on every profile route', async () => {
    const routes: ['GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown?][] = [
      ['POST', '/api/dashi/profiles/test', { baseUrl: remoteUrl, credentials: CREDENTIALS }],
      ['GET', '/api/dashi/profiles'],
      ['POST', '/api/dashi/profiles', { name: 'x', baseUrl: remoteUrl, credentials: CREDENTIALS }],
      ['GET', `/api/dashi/profiles/${profileId}`],
      ['PATCH', `/api/dashi/profiles/${profileId}`, { name: 'taken over' }],
      ['DELETE', `/api/dashi/profiles/${profileId}`],
      ['GET', `/api/dashi/profiles/${profileId}/features`],
      ['GET', `/api/dashi/profiles/${profileId}/api/websites/${websiteId}/stats?${RANGE}`]
    ]
    for (const [method, url, body] of routes) {
      expect((await call(method, url, body, userToken)).statusCode, `${method} ${url} as a user`).toBe(403)
      expect((await call(method, url, body, null)).statusCode, `${method} ${url} anonymous`).toBe(401)
    }
    expect(getProfileByUuid(local.db, profileId)!.name).toBe('Remote (renamed)')
  })

  test('no reply holds the password or a remote token; the database file holds neither in the clear', async () => {
    const token = storedRemoteToken()
    for (const body of replies) {
      expect(body).not.toContain(REMOTE_PASSWORD)
      expect(body).not.toContain(token)
      expect(body).not.toContain(remoteToken)
    }
    local.db.pragma('wal_checkpoint(TRUNCATE)')
    const file = join(local.dir, 'dashi.db')
    const bytes = Buffer.concat([readFileSync(file), ...(existsSync(`${file}-wal`) ? [readFileSync(`${file}-wal`)] : [])])
    expect(bytes.includes(Buffer.from(REMOTE_PASSWORD))).toBe(false)
    expect(bytes.includes(Buffer.from(token))).toBe(false)
    // And it is really there, sealed: the server's key opens it.
    const row = getProfileByUuid(local.db, profileId)!
    expect(JSON.parse(keySealer(SECRET).open(row.credentials))).toEqual(CREDENTIALS)
  })

  test('sealed blobs open only with their own key; the keychain sealer falls back and keeps blobs apart', () => {
    const mine = keySealer(SECRET)
    const sealed = mine.seal('hunter2')
    expect(mine.open(sealed)).toBe('hunter2')
    expect(mine.seal('hunter2').equals(sealed)).toBe(false)
    expect(() => keySealer('b'.repeat(64)).open(sealed)).toThrow(SealError)
    const tampered = Buffer.from(sealed)
    tampered[tampered.length - 1]! ^= 1
    expect(() => mine.open(tampered)).toThrow(SealError)

    // A stand-in for Electron's safeStorage (Electron does not run here): reversible, and switchable off.
    let available = true
    const storage = {
      isEncryptionAvailable: () => available,
      encryptString: (text: string) => Buffer.from(text, 'utf8').reverse(),
      decryptString: (buf: Buffer) => Buffer.from(buf).reverse().toString('utf8')
    }
    const desktop = safeStorageSealer(storage, mine)
    const viaKeychain = desktop.seal('secret-a')
    available = false
    const viaKey = desktop.seal('secret-b')
    expect([desktop.open(viaKeychain), desktop.open(viaKey), desktop.open(sealed)]).toEqual(['secret-a', 'secret-b', 'hunter2'])
    expect(() => mine.open(viaKeychain)).toThrow(SealError)
  })

  test('credentials sealed by another key: a clear 409 asking to enter them again, not a 500', async () => {
    const other = await createTestServer()
    try {
      const row = getProfileByUuid(local.db, profileId)!
      // The same row in another install (another secret): its key cannot open the blobs.
      const wrongKey = keySealer('c'.repeat(64))
      other.db
        .prepare(
          `INSERT INTO profile (profile_uuid, name, base_url, family, version, detection, credentials, auth_state, created_at, updated_at)
           VALUES (@profile_uuid, @name, @base_url, @family, @version, @detection, @credentials, @auth_state, 0, 0)`
        )
        .run({ ...row, credentials: wrongKey.seal('{}'), auth_state: wrongKey.seal('{}') })
      const token = await login(other.app)
      const res = await other.app.inject({ method: 'GET', url: `/api/dashi/profiles/${profileId}/api/websites/${websiteId}/stats?${RANGE}`, headers: bearer(token) })
      expect(res.statusCode).toBe(409)
      expect(res.json().error).toMatchObject({ code: 'credentials-unreadable', message: expect.stringContaining('Enter them again') })
    } finally {
      await other.close()
    }
  })
})

describe('offline: the last answers, marked with their time', () => {
  test('the cache keeps a bounded number of answers per profile, newest first', () => {
    const id = getProfileByUuid(local.db, profileId)!.profile_id
    const before = countCachedAnswers(local.db, id)
    // Five answers older than every real one: the bound keeps the real ones and the two newest of these.
    for (let i = 0; i < 5; i++) putCachedAnswer(local.db, id, { key: `test:${i}`, queryKey: `test:${i}`, body: '{}', now: i + 1 }, before + 2)
    expect(countCachedAnswers(local.db, id)).toBe(before + 2)
    const kept = local.db.prepare("SELECT key FROM profile_cache WHERE profile_id = ? AND key LIKE 'test:%' ORDER BY key").pluck().all(id)
    expect(kept).toEqual(['test:3', 'test:4'])
    local.db.prepare("DELETE FROM profile_cache WHERE key LIKE 'test:%'").run()
  })

  test('with the remote server stopped: cached answers with x-dashi-as-of, the same query a day later too, nothing cached → 502 unreachable', async () => {
    const statsPath = `/websites/${websiteId}/stats?${RANGE}`
    const online = await forward(statsPath)
    const fetchedAt = new Date(local.clock.now()).toISOString()
    local.clock.advance(3_600_000)
    await remote.close()

    const cached = await forward(statsPath)
    expect(cached.statusCode).toBe(200)
    expect(cached.headers['x-dashi-as-of']).toBe(fetchedAt)
    expect(cached.headers['x-dashi-cache']).toBe('exact')
    expect(cached.json()).toEqual(online.json())

    // "Last 24 hours" opened the next day: another range of the same length, served from the last one.
    const nextDay = await forward(`/websites/${websiteId}/stats?startAt=${DAY0 + DAY}&endAt=${DAY0 + 2 * DAY - 1}`)
    expect(nextDay.statusCode).toBe(200)
    expect(nextDay.headers['x-dashi-cache']).toBe('earlier-range')
    expect(nextDay.json()).toEqual(online.json())

    const uncached = await forward(`/websites/${websiteId}/metrics?${RANGE}&type=country`)
    expect(uncached.statusCode).toBe(502)
    expect(uncached.json().error).toMatchObject({ code: 'unreachable', status: 502, message: expect.stringMatching(/^Could not reach 127\.0\.0\.1:\d+ .*nothing to show offline\.$/) })
    // The profile's own data needs no remote server; it says when the remote server last answered.
    expect((await call('GET', `/api/dashi/profiles/${profileId}/features`)).statusCode).toBe(200)
    expect((await call('GET', `/api/dashi/profiles/${profileId}`)).json().lastOkAt).toBe(fetchedAt)
  })

  test('deleting a profile deletes its cache', async () => {
    const id = getProfileByUuid(local.db, profileId)!.profile_id
    expect(countCachedAnswers(local.db, id)).toBeGreaterThan(0)
    expect((await call('DELETE', `/api/dashi/profiles/${profileId}`)).json()).toEqual({ ok: true })
    expect(countCachedAnswers(local.db, id)).toBe(0)
    expect((await call('GET', `/api/dashi/profiles/${profileId}`)).statusCode).toBe(404)
  })
})
