import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ApiError } from '../../../src/shared/api/client'
import { type Adapter, createAdapter, v1Dialect, v3Dialect, type Credentials } from '../../../src/shared/api/adapters'
import { callRemote, probe, signIn } from '../../../src/shared/api/remote'
import { type HitSpec, writeHits } from '../../current-helpers'
import { createTestServer, type TestServer } from '../../helpers'

// The adapters against our own server over real HTTP: the v1 adapter through Dashi's v1 routes and the
// v3 adapter through its current routes read the same seeded hits, so every number both dialects define
// the same way must come out the same. Numbers are hand-counted from HITS.

let server: TestServer
let baseUrl: string
let v1: Adapter
let v1Cookie: Adapter
let v3: Adapter
let v1Id: string
let v3Id: string
const ADMIN: Credentials = { kind: 'password', username: 'admin', password: 'umami' }
const DAY = { startAt: Date.parse('2026-01-10T00:00:00Z'), endAt: Date.parse('2026-01-11T00:00:00Z') - 1 }

// Visits are one per visitor and clock hour (writeHits' default), which is also v1's notion of a visit.
// ann: 2 views in 65 s, a signup event, and a bounce at 14:00; ben: one view from news.example.org
// (Firefox, France); cat: 2 views in 10 minutes on an iPhone in the US; dan: a view 2 minutes before
// the server clock (2026-01-15 12:00), outside DAY, for the live views.
const HITS: Omit<HitSpec, 'websiteId'>[] = [
  { session: 'ann', at: '2026-01-10T10:00:00Z', path: '/' },
  { session: 'ann', at: '2026-01-10T10:01:05Z', path: '/about' },
  { session: 'ann', at: '2026-01-10T10:01:10Z', path: '/about', eventName: 'signup' },
  { session: 'ann', at: '2026-01-10T14:00:00Z', path: '/' },
  { session: 'ben', at: '2026-01-10T15:30:00Z', path: '/', browser: 'firefox', os: 'Linux', country: 'FR', referrer: 'https://news.example.org/post' },
  { session: 'cat', at: '2026-01-10T11:10:00Z', path: '/pricing', browser: 'ios', os: 'iOS', device: 'mobile', country: 'US' },
  { session: 'cat', at: '2026-01-10T11:20:00Z', path: '/pricing', query: 'plan=pro', browser: 'ios', os: 'iOS', device: 'mobile', country: 'US' },
  { session: 'dan', at: '2026-01-15T11:58:00Z', path: '/live', country: 'JP' }
]

beforeAll(async () => {
  server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  baseUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`

  const v3Dialected = v3Dialect()
  const v3Auth = await signIn(fetch, v3Dialected, baseUrl, ADMIN)
  v3 = createAdapter(v3Dialected, { baseUrl, auth: v3Auth })
  const created = await server.app.inject({ method: 'POST', url: '/api/websites', headers: { authorization: `Bearer ${(v3Auth as { token: string }).token}` }, payload: { name: 'Same', domain: 'example.com' } })
  v3Id = created.json().id
  const websiteId = server.db.prepare('SELECT website_id FROM website WHERE website_uuid = ?').pluck().get(v3Id) as number
  await writeHits(server, HITS.map((hit) => ({ ...hit, websiteId })))

  const bearer = v1Dialect('bearer', [1, 38, 0])
  v1 = createAdapter(bearer, { baseUrl, auth: await signIn(fetch, bearer, baseUrl, ADMIN) })
  const cookie = v1Dialect('cookie')
  v1Cookie = createAdapter(cookie, { baseUrl, auth: await signIn(fetch, cookie, baseUrl, ADMIN) })
  // v1 names websites by their integer id; the v1 list says which.
  const list = await callRemote(fetch, v1, 'websites', {})
  v1Id = list.data.find((w) => w.name === 'Same')!.id
})

afterAll(async () => {
  await server.close()
})

describe('detection against Dashi itself', () => {
  test('finds Dashi, speaking v3, with its version, and a Bearer login', async () => {
    const { detection } = await probe(fetch, `${baseUrl}/`, ADMIN)
    expect(detection).toMatchObject({ ok: true, family: 'v3', server: 'dashi', version: '0.1.0', baseUrl, auth: { kind: 'bearer' } })
    expect(detection.ok && detection.dialect.id).toBe('v3')
    expect(detection.ok && detection.summary).toBe('Dashi 0.1.0 (speaks Umami v3), recognised by its /api/config.')
  })

  test('a wrong password is bad-credentials', async () => {
    const { detection } = await probe(fetch, baseUrl, { ...ADMIN, password: 'nope' } as Credentials)
    expect(detection).toEqual({ ok: false, error: 'bad-credentials', message: 'Wrong username or password: the server refused them.' })
  })

  test('a path below the server is not Umami; a closed port is unreachable', async () => {
    const wrong = await probe(fetch, `${baseUrl}/some/page`, ADMIN)
    expect(wrong.detection).toMatchObject({ ok: false, error: 'not-umami' })

    const closed: Server = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const unreachable = await probe(fetch, `http://127.0.0.1:${port}`, ADMIN, { timeoutMs: 3000 })
    expect(unreachable.detection).toMatchObject({ ok: false, error: 'unreachable', message: expect.stringMatching(new RegExp(`^Could not reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`)) })
  })
})

describe('v1 adapter (Dashi’s v1 routes) and v3 adapter (current routes) agree', () => {
  test('the v1 list names the website by integer id, the current one by UUID', () => {
    expect(v1Id).toMatch(/^\d+$/)
    expect(v3Id).toMatch(/^[0-9a-f-]{36}$/)
  })

  test('stats: views, visitors, bounces and time are equal; v1 has no visits and says so', async () => {
    const a = await callRemote(fetch, v1, 'stats', { websiteId: v1Id, ...DAY })
    const b = await callRemote(fetch, v3, 'stats', { websiteId: v3Id, ...DAY })
    const { visits: _v1Visits, comparison: _c1, ...v1Numbers } = a
    const { visits, comparison: _c3, ...v3Numbers } = b
    expect(v1Numbers).toEqual({ pageviews: 6, visitors: 3, bounces: 2, totaltime: 665 })
    expect(v3Numbers).toEqual(v1Numbers)
    expect(visits).toBe(4)
    expect(a.visits).toBe(a.visitors)
    expect(v1.features.has('visits')).toBe(false)
  })

  test('the cookie-era adapter (umami.auth cookie) reads the same numbers', async () => {
    const a = await callRemote(fetch, v1Cookie, 'stats', { websiteId: v1Id, ...DAY })
    expect(a).toMatchObject({ pageviews: 6, visitors: 3, bounces: 2, totaltime: 665 })
  })

  test('filters translate: browser and referrer give the same numbers in both dialects', async () => {
    for (const filters of [{ browser: 'eq.firefox' }, { referrer: 'c.news.example.org' }, { path: 'eq./about' }] as Record<string, string>[]) {
      const a = await callRemote(fetch, v1, 'stats', { websiteId: v1Id, ...DAY, filters })
      const b = await callRemote(fetch, v3, 'stats', { websiteId: v3Id, ...DAY, filters })
      expect([a.pageviews, a.visitors, a.bounces], JSON.stringify(filters)).toEqual([b.pageviews, b.visitors, b.bounces])
    }
    const firefox = await callRemote(fetch, v1, 'stats', { websiteId: v1Id, ...DAY, filters: { browser: 'eq.firefox' } })
    expect(firefox).toMatchObject({ pageviews: 1, visitors: 1, bounces: 1 })
  })

  test('a filter v1 cannot express is refused before any request, in words', async () => {
    const error = await callRemote(fetch, v1, 'stats', { websiteId: v1Id, ...DAY, filters: { browser: 'neq.firefox' } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 400, code: 'unsupported', message: 'Umami v1 filters by equal values only (browser).' })
  })

  test('page view series by day in UTC and by hour in Berlin: same labels, same numbers', async () => {
    const day = { ...DAY, unit: 'day' as const }
    const a = await callRemote(fetch, v1, 'pageviews', { websiteId: v1Id, ...day })
    expect(a).toEqual({ pageviews: [{ x: '2026-01-10T00:00:00Z', y: 6 }], sessions: [{ x: '2026-01-10T00:00:00Z', y: 3 }] })
    expect(await callRemote(fetch, v3, 'pageviews', { websiteId: v3Id, ...day })).toEqual(a)

    const hour = { ...DAY, unit: 'hour' as const, timezone: 'Europe/Berlin' }
    const b = await callRemote(fetch, v1, 'pageviews', { websiteId: v1Id, ...hour })
    expect(b.pageviews).toEqual([
      { x: '2026-01-10 11:00:00', y: 2 },
      { x: '2026-01-10 12:00:00', y: 2 },
      { x: '2026-01-10 15:00:00', y: 1 },
      { x: '2026-01-10 16:00:00', y: 1 }
    ])
    expect(await callRemote(fetch, v3, 'pageviews', { websiteId: v3Id, ...hour })).toEqual(b)
  })

  test('session breakdowns count visitors in both; page rows count views in v1, as metricMeasure says', async () => {
    for (const type of ['browser', 'os', 'device', 'country', 'referrer'] as const) {
      const a = await callRemote(fetch, v1, 'metrics', { websiteId: v1Id, ...DAY, type })
      const b = await callRemote(fetch, v3, 'metrics', { websiteId: v3Id, ...DAY, type })
      expect(a, type).toEqual(b)
    }
    expect(await callRemote(fetch, v1, 'metrics', { websiteId: v1Id, ...DAY, type: 'country' })).toEqual([
      { x: 'DE', y: 1 },
      { x: 'FR', y: 1 },
      { x: 'US', y: 1 }
    ])
    expect(v1.dialect.metricMeasure('path')).toBe('pageviews')
    expect(await callRemote(fetch, v1, 'metrics', { websiteId: v1Id, ...DAY, type: 'path' })).toEqual([
      { x: '/', y: 3 },
      { x: '/pricing', y: 2 },
      { x: '/about', y: 1 }
    ])
    expect(await callRemote(fetch, v3, 'metrics', { websiteId: v3Id, ...DAY, type: 'path' })).toEqual([
      { x: '/', y: 2 },
      { x: '/about', y: 1 },
      { x: '/pricing', y: 1 }
    ])
  })

  test('custom event series: the same event, hour and count', async () => {
    const q = { ...DAY, unit: 'hour' as const }
    const a = await callRemote(fetch, v1, 'eventSeries', { websiteId: v1Id, ...q })
    expect(a).toEqual([{ x: 'signup', t: '2026-01-10T10:00:00Z', y: 1 }])
    expect(await callRemote(fetch, v3, 'eventSeries', { websiteId: v3Id, ...q })).toEqual(a)
  })

  test('active visitors and the realtime view of the last 30 minutes', async () => {
    expect(await callRemote(fetch, v1, 'active', { websiteId: v1Id })).toEqual({ visitors: 1 })
    expect(await callRemote(fetch, v3, 'active', { websiteId: v3Id })).toEqual({ visitors: 1 })

    const a = await callRemote(fetch, v1, 'realtime', { websiteId: v1Id })
    const b = await callRemote(fetch, v3, 'realtime', { websiteId: v3Id })
    expect(a.totals).toEqual({ views: 1, visitors: 1, events: 0, countries: 1 })
    for (const key of ['totals', 'countries', 'urls', 'referrers', 'series'] as const) expect(a[key], key).toEqual(b[key])
    expect(a.events.map((e) => [e.__type, e.urlPath, e.country, e.createdAt])).toEqual(b.events.map((e) => [e.__type, e.urlPath, e.country, e.createdAt]))
  })

  test('what v1 lacks is refused, not guessed', async () => {
    for (const call of ['sessions', 'metricsExpanded', 'dateRange', 'eventStats'] as const) {
      const request = v1.request(call, { websiteId: v1Id, ...DAY, type: 'path' } as never)
      expect(request, call).toMatchObject({ unsupported: true, reason: expect.stringMatching(/Umami v1 has no/) })
    }
  })
})
