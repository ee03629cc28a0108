import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { useApi } from '../../../src/renderer/src/composables/useApi'
import { useAuthStore } from '../../../src/renderer/src/stores/auth'
import { ALL_FEATURES, AS_OF_HEADER, LOCAL_PROFILE, PROFILE_STORAGE_KEY, useProfilesStore } from '../../../src/renderer/src/stores/profiles'
import { memoryStorage, type KeyValueStorage } from '../../../src/renderer/src/stores/storage'
import { useWebsitesStore } from '../../../src/renderer/src/stores/websites'
import { resolveConfig } from '../../../src/server/config'
import { v2Features } from '../../../src/shared/api/adapters'
import { startServer, type RunningServer } from '../../../src/server/server'
import { CHROME_UA } from '../../helpers'
import { adminApi, freshPinia, startStoreServer, type StoreTestServer } from './setup'

// The profiles store as the dashboard uses it, against two real servers over HTTP: the local one (the
// store's API) and a second Dashi server, started here on a free port with its own data directory and
// hits sent through its /api/send, as the remote profile. No part is stubbed.

const REMOTE_PASSWORD = 'remote-password-9'
const CREDENTIALS = { kind: 'password' as const, username: 'admin', password: REMOTE_PASSWORD }
const DAY = 86_400_000
/** Three days ago, 00:00 UTC: a day the remote accepts hits for. */
const DAY0 = Math.floor((Date.now() - 3 * DAY) / DAY) * DAY
const RANGE = { startAt: DAY0, endAt: DAY0 + DAY - 1, timezone: 'UTC' }

let local: StoreTestServer
let remote: RunningServer
let remoteDir: string
let remoteToken: string
let remoteWebsiteId: string
let localWebsiteId: string
let storage: KeyValueStorage

async function remoteFetch(path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${remote.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${remoteToken}` },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  expect(res.status, path).toBe(200)
  return res.json()
}

async function send(at: number, url: string, ip: string) {
  const res = await fetch(`${remote.url}/api/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
    body: JSON.stringify({ type: 'event', payload: { website: remoteWebsiteId, hostname: 'remote.example', url, language: 'en-US', screen: '1920x1080', timestamp: at / 1000, ip } })
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

beforeAll(async () => {
  remoteDir = mkdtempSync(join(tmpdir(), 'dashi-store-remote-'))
  remote = await startServer({ ...resolveConfig([], {}), dataDir: remoteDir, port: 0, host: '127.0.0.1' })
  remoteToken = ((await (await fetch(`${remote.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'umami' }) })).json()) as { token: string }).token
  await remoteFetch('/api/me/password', { currentPassword: 'umami', newPassword: REMOTE_PASSWORD })
  remoteWebsiteId = ((await remoteFetch('/api/websites', { name: 'Remote shop', domain: 'remote.example' })) as { id: string }).id
  await send(DAY0 + 10 * 3600_000, '/', '203.0.113.1')
  await send(DAY0 + 10 * 3600_000 + 60_000, '/about', '203.0.113.1')
  await send(DAY0 + 12 * 3600_000, '/pricing', '203.0.113.2')

  local = await startStoreServer()
  localWebsiteId = (await (await adminApi(local.baseUrl)).createWebsite({ name: 'Local blog', domain: 'local.example' })).id
}, 30_000)

afterAll(async () => {
  await remote?.close().catch(() => {})
  rmSync(remoteDir, { recursive: true, force: true })
  await local?.close()
})

beforeEach(async () => {
  // One storage for the whole file: the active profile outlives a "reload" (a fresh Pinia), as in a browser.
  storage ??= memoryStorage()
  freshPinia(storage)
  expect(await useAuthStore().login('admin', 'umami')).toBe(true)
})

describe('profiles store', () => {
  test('the local server is the built-in profile: every feature, its own websites', async () => {
    const profiles = useProfilesStore()
    await profiles.fetchList()
    expect(profiles.list).toEqual([])
    expect(profiles.activeId).toBe(LOCAL_PROFILE)
    expect(profiles.isRemote).toBe(false)
    for (const feature of ALL_FEATURES) expect(profiles.hasFeature(feature), feature).toBe(true)
    expect((await useApi().listWebsites()).data.map((w) => w.name)).toEqual(['Local blog'])
  })

  test('test connection: what was found, or each failure in its own words; nothing is saved', async () => {
    const profiles = useProfilesStore()

    expect(await profiles.test({ baseUrl: `${remote.url}/`, credentials: CREDENTIALS })).toMatchObject({ family: 'v3', server: 'dashi', label: 'Umami v3.1' })
    expect(profiles.detected?.version).toMatch(/^\d+\.\d+\.\d+$/)
    expect(profiles.problem).toBeNull()

    expect(await profiles.test({ baseUrl: remote.url, credentials: { ...CREDENTIALS, password: 'wrong-one' } })).toBeNull()
    expect(profiles.detected).toBeNull()
    expect(profiles.problem).toMatchObject({ code: 'bad-credentials', title: expect.stringMatching(/refused the login/), detail: expect.stringMatching(/Wrong username or password/) })

    await profiles.test({ baseUrl: `${remote.url}/some/page`, credentials: CREDENTIALS })
    expect(profiles.problem).toMatchObject({ code: 'not-umami', title: expect.stringMatching(/not as an Umami server/) })

    const port = await closedPort()
    await profiles.test({ baseUrl: `http://127.0.0.1:${port}`, credentials: CREDENTIALS })
    expect(profiles.problem).toMatchObject({ code: 'unreachable', title: expect.stringMatching(/Cannot reach that server/), detail: expect.stringContaining(`127.0.0.1:${port}`) })

    // Bad input is the server's 400 in words, not one of the four.
    await profiles.test({ baseUrl: 'ftp://x.example', credentials: CREDENTIALS })
    expect(profiles.problem).toMatchObject({ code: 'bad-request', title: expect.stringMatching(/http:\/\/ or https:\/\//) })
    expect(profiles.testing).toBe(false)

    await profiles.fetchList()
    expect(profiles.list).toEqual([])
  })

  test('create (a refused login saves nothing), switch: every dashboard call goes to the remote, admin calls stay local', async () => {
    const profiles = useProfilesStore()
    expect(await profiles.create({ name: 'Shop', baseUrl: remote.url, credentials: { ...CREDENTIALS, password: 'wrong-one' } })).toBeNull()
    expect(profiles.problem?.code).toBe('bad-credentials')
    expect(profiles.list).toEqual([])

    const created = await profiles.create({ name: '  Shop ', baseUrl: remote.url, credentials: CREDENTIALS })
    expect(created).toMatchObject({ name: 'Shop', baseUrl: remote.url, family: 'v3', label: 'Umami v3.1', credentials: { kind: 'password', username: 'admin', hasPassword: true } })
    expect(JSON.stringify(profiles.list)).not.toContain(REMOTE_PASSWORD)

    profiles.select(created!.id)
    expect(storage.getItem(PROFILE_STORAGE_KEY)).toBe(created!.id)
    expect(profiles.isRemote).toBe(true)
    expect(profiles.activeLabel).toBe('Shop (Umami v3.1)')
    // What the forwarding route serves; saved reports and event data stay local.
    expect(profiles.hasFeature('visits')).toBe(true)
    expect(profiles.hasFeature('sessions')).toBe(true)
    expect(profiles.hasFeature('reports')).toBe(false)
    expect(profiles.hasFeature('eventData')).toBe(false)

    const api = useApi()
    expect((await api.listWebsites()).data.map((w) => w.id)).toEqual([remoteWebsiteId])
    const stats = await api.getStats(remoteWebsiteId, RANGE)
    expect(stats).toEqual(await remoteFetch(`/api/websites/${remoteWebsiteId}/stats?startAt=${RANGE.startAt}&endAt=${RANGE.endAt}&timezone=UTC`))
    expect(stats).toMatchObject({ pageviews: 3, visitors: 2 })
    // The websites store reads the active profile too.
    const websites = useWebsitesStore()
    await websites.fetchList()
    expect(websites.list.map((w) => w.name)).toEqual(['Remote shop'])

    // The login and the inspector are the local server's, whatever profile is shown.
    expect((await api.me()).user.username).toBe('admin')
    expect((await api.getInspector({ limit: 1 })).hits).toBeDefined()
    expect(profiles.asOf).toBeNull()

    // Back to the local server.
    profiles.select(LOCAL_PROFILE)
    expect(storage.getItem(PROFILE_STORAGE_KEY)).toBeNull()
    expect((await api.listWebsites()).data.map((w) => w.id)).toEqual([localWebsiteId])
    profiles.select(created!.id)
  })

  test('a reload keeps the active profile; a name change saves without probing; an unknown id is the local server', async () => {
    const profiles = useProfilesStore()
    const id = storage.getItem(PROFILE_STORAGE_KEY)!
    expect(profiles.activeId).toBe(id)
    await profiles.ensureLoaded()
    expect(profiles.remoteId).toBe(id)
    expect(profiles.active?.name).toBe('Shop')

    const renamed = await profiles.update(id, { name: 'Remote shop server' })
    expect(renamed?.name).toBe('Remote shop server')
    expect(profiles.list.map((p) => p.name)).toEqual(['Remote shop server'])

    // A new password is tested first: a wrong one changes nothing and says why.
    expect(await profiles.update(id, { credentials: { kind: 'password', username: 'admin', password: 'wrong-one' } })).toBeNull()
    expect(profiles.problem?.code).toBe('bad-credentials')
    expect((await useApi().getStats(remoteWebsiteId, RANGE)).pageviews).toBe(3)

    profiles.select('00000000-0000-4000-8000-000000000000')
    expect(profiles.activeId).toBe(LOCAL_PROFILE)
    profiles.select(id)
  })

  test('features follow the remote version: a v2.12 remote has no sessions, a v2.10 one no visits', async () => {
    const profiles = useProfilesStore()
    await profiles.ensureLoaded()
    const shop = profiles.list[0]!
    // Profiles as the server lists them for older servers (their features are the adapters' own).
    const v212 = { ...shop, id: '11111111-1111-4111-8111-111111111111', family: 'v2' as const, label: 'Umami v2.12', features: [...v2Features([2, 12, 0])] }
    const v210 = { ...shop, id: '22222222-2222-4222-8222-222222222222', family: 'v2' as const, label: 'Umami v2.10', features: [...v2Features([2, 10, 0])] }
    profiles.$patch({ list: [shop, v212, v210] })
    profiles.select(v212.id)
    expect(profiles.hasFeature('sessions')).toBe(false)
    expect(profiles.hasFeature('entryExit')).toBe(true)
    expect(profiles.hasFeature('visits')).toBe(true)
    expect(profiles.hasFeature('channels')).toBe(false)
    profiles.select(v210.id)
    expect(profiles.hasFeature('visits')).toBe(false)
    expect(profiles.hasFeature('compareYoy')).toBe(false)
    profiles.select(shop.id)
    expect(profiles.hasFeature('sessions')).toBe(true)
  })

  test('a profile that is not an admin’s: a plain user always sees the local server', async () => {
    const admin = await adminApi(local.baseUrl)
    await admin.createUser({ username: 'plain', password: 'plain-password-1', role: 'user' })
    freshPinia(memoryStorage({ [PROFILE_STORAGE_KEY]: storage.getItem(PROFILE_STORAGE_KEY)! }))
    expect(await useAuthStore().login('plain', 'plain-password-1')).toBe(true)
    const profiles = useProfilesStore()
    await profiles.fetchList()
    expect(profiles.isRemote).toBe(false)
    expect(profiles.hasFeature('reports')).toBe(true)
    expect((await useApi().listWebsites()).data).toEqual([])
  })

  test('offline: with the remote server stopped, cached answers carry their time and the store says so', async () => {
    const profiles = useProfilesStore()
    await profiles.ensureLoaded()
    const api = useApi()
    // Fresh answers first, so that the local server keeps them.
    const fresh = await api.getStats(remoteWebsiteId, RANGE)
    await api.listWebsites()
    expect(profiles.asOf).toBeNull()

    await remote.close()
    const cached = await api.getStats(remoteWebsiteId, RANGE)
    expect(cached).toEqual(fresh)
    expect(profiles.asOf).not.toBeNull()
    // The time the local server (its clock) kept the answer.
    expect(profiles.asOf).toBe(new Date(local.clock.now()).toISOString())
    expect((await api.listWebsites()).data.map((w) => w.id)).toEqual([remoteWebsiteId])

    // Something never fetched has nothing to show: an error in words, not a crash.
    await expect(api.getStats(remoteWebsiteId, { ...RANGE, filters: { path: 'eq./never' } })).rejects.toMatchObject({ status: 502, code: 'unreachable' })

    // Another profile (here the local server) forgets the banner; a fresh answer of the remote clears it too.
    profiles.select(LOCAL_PROFILE)
    expect(profiles.asOf).toBeNull()
    profiles.select(profiles.list[0]!.id)
    profiles.noteResponse(profiles.list[0]!.id, new Response('{}', { headers: { [AS_OF_HEADER]: '2026-01-02T03:04:05.000Z' } }))
    expect(profiles.asOf).toBe('2026-01-02T03:04:05.000Z')
    profiles.noteResponse(profiles.list[0]!.id, new Response('{}'))
    expect(profiles.asOf).toBeNull()
  })

  test('delete: the profile goes and the dashboard falls back to the local server', async () => {
    const profiles = useProfilesStore()
    await profiles.ensureLoaded()
    const id = profiles.list[0]!.id
    expect(profiles.remoteId).toBe(id)
    expect(await profiles.remove(id)).toBe(true)
    expect(profiles.list).toEqual([])
    expect(profiles.isRemote).toBe(false)
    expect(storage.getItem(PROFILE_STORAGE_KEY)).toBeNull()
    expect((await useApi().listWebsites()).data.map((w) => w.id)).toEqual([localWebsiteId])
    expect(await profiles.remove(id)).toBe(false)
    expect(profiles.problem?.title).toMatch(/not found/i)
  })
})
