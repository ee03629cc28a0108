import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ApiError, createAnalyticsApi, type AnalyticsApi } from '../../src/shared/api/client'
import type { Website } from '../../src/shared/api/types'
import { type HitSpec, writeHits } from '../current-helpers'
import { createTestServer, type TestServer } from '../helpers'

// Contract: the shared AnalyticsApi client against our own server over real HTTP, so the client's
// types and the server's replies cannot drift apart. Numbers are hand-counted from the hits below.

let server: TestServer
let baseUrl: string
let token: string | null = null
let api: AnalyticsApi
const unauthorizedSeen: ApiError[] = []

const ms = (iso: string) => Date.parse(iso)
const DAY = { startAt: ms('2026-01-10T00:00:00Z'), endAt: ms('2026-01-11T00:00:00Z') - 1 }

beforeAll(async () => {
  server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  baseUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`
  api = createAnalyticsApi({ baseUrl, getToken: () => token, onUnauthorized: (e) => unauthorizedSeen.push(e) })
})

afterAll(async () => {
  await server.close()
})

async function loginAsAdmin() {
  token = (await api.login('admin', 'umami')).token
}

/** The integer id the hit factories need for a website the client created. */
const internalId = (website: Website) =>
  (server.db.prepare('SELECT website_id FROM website WHERE website_uuid = ?').pluck().get(website.id) as number)

async function siteWith(hits: Omit<HitSpec, 'websiteId'>[], name = 'Contract'): Promise<Website> {
  const website = await api.createWebsite({ name, domain: 'example.com' })
  const websiteId = internalId(website)
  await writeHits(server, hits.map((hit) => ({ ...hit, websiteId })))
  return website
}

/** Rejects with an ApiError; returns it for further checks. */
async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

// Ann: two pages in one visit (65 s), then a signup event with a property. Ben: one page (a bounce), on Firefox.
const HITS: Omit<HitSpec, 'websiteId'>[] = [
  { session: 'ann', visit: 'a1', at: '2026-01-10T10:00:00Z', path: '/', title: 'Home' },
  { session: 'ann', visit: 'a1', at: '2026-01-10T10:01:05Z', path: '/about', title: 'About' },
  { session: 'ann', visit: 'a1', at: '2026-01-10T10:01:10Z', path: '/about', eventName: 'signup', data: { plan: 'pro' } },
  { session: 'ben', visit: 'b1', at: '2026-01-10T15:30:00Z', path: '/', browser: 'firefox', country: 'FR', referrer: 'https://news.example.org/post' }
]

describe('auth', () => {
  test('a wrong password is an ApiError 401 with Umami’s code and a message in words', async () => {
    const error = await apiError(api.login('admin', 'wrong'))
    expect(error).toMatchObject({ status: 401, code: 'incorrect-username-password', message: 'Incorrect username or password' })
  })

  test('login returns a token and the user; verify and me accept the token', async () => {
    const result = await api.login('admin', 'umami')
    expect(result.token).toMatch(/^\S{20,}$/)
    expect(result.user).toMatchObject({ username: 'admin', role: 'admin', isAdmin: true })
    token = result.token
    expect(await api.verify()).toMatchObject({ username: 'admin', isAdmin: true })
    const me = await api.me()
    expect(me.user).toMatchObject({ username: 'admin', isAdmin: true })
    expect(me.token).toBe(token)
  })

  test('logout revokes the token: the next call is a 401 that reaches onUnauthorized', async () => {
    await loginAsAdmin()
    expect(await api.logout()).toEqual({ ok: true })
    const before = unauthorizedSeen.length
    const error = await apiError(api.me())
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' })
    expect(unauthorizedSeen.length).toBe(before + 1)
    await loginAsAdmin()
  })
})

describe('websites', () => {
  beforeAll(loginAsAdmin)

  test('create, list (paged, searchable), get, update, share and delete', async () => {
    const created = await api.createWebsite({ name: 'Blog', domain: 'blog.example.com' })
    expect(created).toMatchObject({ name: 'Blog', domain: 'blog.example.com', shareId: null, user: { username: 'admin' } })
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/)

    const page = await api.listWebsites({ search: 'blog', pageSize: 10 })
    expect(page).toMatchObject({ count: 1, page: 1, pageSize: 10, search: 'blog' })
    expect(page.data.map((w) => w.id)).toEqual([created.id])

    expect(await api.getWebsite(created.id)).toMatchObject({ id: created.id, name: 'Blog' })

    const shared = await api.updateWebsite(created.id, { name: 'Blog 2', shareId: 'blog-share' })
    expect(shared).toMatchObject({ name: 'Blog 2', domain: 'blog.example.com', shareId: 'blog-share' })
    expect(await api.getShare('blog-share')).toMatchObject({ websiteId: created.id, shareId: 'blog-share' })

    const unshared = await api.updateWebsite(created.id, { shareId: null })
    expect(unshared.shareId).toBeNull()
    expect(await apiError(api.getShare('blog-share'))).toMatchObject({ status: 404, code: 'not-found' })

    expect(await api.deleteWebsite(created.id)).toEqual({ ok: true })
    // Umami answers 401 for a website one cannot see, so ids cannot be probed.
    expect((await apiError(api.getWebsite(created.id))).status).toBe(401)
  })

  test('a bad body is an ApiError 400 whose message names the problem', async () => {
    const error = await apiError(api.createWebsite({ name: '', domain: 'x.example' }))
    expect(error.status).toBe(400)
    expect(error.code).toBe('bad-request')
    expect(error.message).toMatch(/name/)
  })

  test('reset deletes the hits and keeps the website', async () => {
    const website = await siteWith(HITS, 'Reset me')
    expect((await api.getStats(website.id, DAY)).pageviews).toBe(3)
    expect(await api.resetWebsite(website.id)).toEqual({ ok: true })
    expect((await api.getStats(website.id, DAY)).pageviews).toBe(0)
    expect((await api.getWebsite(website.id)).resetAt).not.toBeNull()
  })
})

describe('analytics', () => {
  let website: Website

  beforeAll(async () => {
    await loginAsAdmin()
    website = await siteWith(HITS)
  })

  test('stats: flat numbers and the previous period', async () => {
    const stats = await api.getStats(website.id, DAY)
    expect(stats).toEqual({
      pageviews: 3,
      visitors: 2,
      visits: 2,
      bounces: 1,
      totaltime: 65,
      comparison: { pageviews: 0, visitors: 0, visits: 0, bounces: 0, totaltime: 0 }
    })
  })

  test('filters travel in v3 syntax: path eq./about keeps Ann’s visit only', async () => {
    const stats = await api.getStats(website.id, { ...DAY, filters: { path: 'eq./about' } })
    expect(stats).toMatchObject({ pageviews: 1, visitors: 1, visits: 1 })
    const firefox = await api.getStats(website.id, { ...DAY, filters: { browser: 'neq.firefox' } })
    expect(firefox).toMatchObject({ pageviews: 2, visitors: 1 })
  })

  test('pageviews: hourly series in UTC with ISO labels, and a compare block when asked', async () => {
    const series = await api.getPageviews(website.id, { ...DAY, unit: 'hour' })
    expect(series.pageviews).toEqual([
      { x: '2026-01-10T10:00:00Z', y: 2 },
      { x: '2026-01-10T15:00:00Z', y: 1 }
    ])
    expect(series.sessions).toEqual([
      { x: '2026-01-10T10:00:00Z', y: 1 },
      { x: '2026-01-10T15:00:00Z', y: 1 }
    ])
    expect(series.compare).toBeUndefined()

    const compared = await api.getPageviews(website.id, { ...DAY, unit: 'hour', compare: 'prev' })
    // Umami shifts the range back by its length in whole minutes (a day less 1 ms → 1439 minutes).
    expect(compared.compare).toMatchObject({ pageviews: [], sessions: [], startDate: '2026-01-09T00:01:00.000Z' })
  })

  test('pageviews in a time zone: wall-clock labels', async () => {
    const series = await api.getPageviews(website.id, { ...DAY, unit: 'day', timezone: 'America/New_York' })
    expect(series.pageviews).toEqual([{ x: '2026-01-10 00:00:00', y: 3 }])
  })

  test('metrics and expanded metrics', async () => {
    expect(await api.getMetrics(website.id, { ...DAY, type: 'path' })).toEqual([
      { x: '/', y: 2 },
      { x: '/about', y: 1 }
    ])
    expect(await api.getMetrics(website.id, { ...DAY, type: 'referrer' })).toEqual([{ x: 'news.example.org', y: 1 }])
    expect(await api.getMetrics(website.id, { ...DAY, type: 'event' })).toEqual([{ x: 'signup', y: 1 }])
    const expanded = await api.getMetricsExpanded(website.id, { ...DAY, type: 'browser' })
    expect(expanded).toEqual([
      { name: 'chrome', pageviews: 2, visitors: 1, visits: 1, bounces: 0, totaltime: 65 },
      { name: 'firefox', pageviews: 1, visitors: 1, visits: 1, bounces: 1, totaltime: 0 }
    ])
  })

  test('events: list, series and stats', async () => {
    const events = await api.listEvents(website.id, { ...DAY, pageSize: 2 })
    expect(events).toMatchObject({ count: 4, page: 1, pageSize: 2 })
    expect(events.data[0]).toMatchObject({ urlPath: '/', eventType: 1, browser: 'firefox', referrerDomain: 'news.example.org' })
    expect(events.data[1]).toMatchObject({ urlPath: '/about', eventType: 2, eventName: 'signup', hasData: true })

    expect(await api.getEventSeries(website.id, { ...DAY, unit: 'day' })).toEqual([{ x: 'signup', t: '2026-01-10T00:00:00Z', y: 1 }])
    const stats = await api.getEventStats(website.id, DAY)
    expect(stats.data).toMatchObject({ events: 1, visitors: 1, visits: 1, uniqueEvents: 1 })
  })

  test('event data: properties, values, stats, list and by event', async () => {
    expect(await api.getEventDataProperties(website.id, DAY)).toEqual([{ eventName: 'signup', propertyName: 'plan', total: 1 }])
    expect(await api.getEventDataValues(website.id, { ...DAY, event: 'signup', propertyName: 'plan' })).toEqual([{ value: 'pro', total: 1 }])
    expect(await api.getEventDataStats(website.id, DAY)).toEqual({ events: 1, properties: 1, records: 1 })
    const fields = await api.getEventDataFields(website.id, DAY)
    expect(fields).toEqual([{ propertyName: 'plan', dataType: 1, value: 'pro', total: 1 }])
    const list = await api.listEventData(website.id, DAY)
    expect(list.count).toBe(1)
    expect(list.data[0]).toMatchObject({ eventName: 'signup', eventProperties: [{ dataKey: 'plan', stringValue: 'pro', dataType: 1 }] })
    const rows = await api.getEventData(website.id, list.data[0]!.eventId)
    expect(rows).toMatchObject([{ eventName: 'signup', dataKey: 'plan', stringValue: 'pro' }])
  })

  test('sessions: list, one session, its activity and stats', async () => {
    const sessions = await api.listSessions(website.id, DAY)
    expect(sessions.count).toBe(2)
    const ann = sessions.data.find((s) => s.browser === 'chrome')!
    expect(ann).toMatchObject({ views: 2, events: 1, visits: 1, country: 'DE' })

    const session = await api.getSession(website.id, ann.id)
    // A session's time runs to its last event of any kind: the signup 5 s after the last view.
    expect(session).toMatchObject({ id: ann.id, views: 2, events: 1, totaltime: 70, firstAt: '2026-01-10T10:00:00.000Z' })

    const activity = await api.getSessionActivity(website.id, ann.id, DAY)
    expect(activity.map((a) => [a.urlPath, a.eventType])).toEqual([
      ['/about', 2],
      ['/about', 1],
      ['/', 1]
    ])
    expect(await api.getSessionProperties(website.id, ann.id)).toEqual([])

    // As in Umami, the sessions summary's `pageviews` counts every event, the custom one included.
    const stats = await api.getSessionStats(website.id, DAY)
    expect(stats).toEqual({ pageviews: { value: 4 }, visitors: { value: 2 }, visits: { value: 2 }, countries: { value: 2 }, events: { value: 1 } })
  })

  test('an unknown session is an ApiError 404; a malformed one a 400', async () => {
    expect(await apiError(api.getSession(website.id, randomUUID()))).toMatchObject({ status: 404, code: 'not-found' })
    expect((await apiError(api.getSession(website.id, 'not-a-uuid'))).status).toBe(400)
  })

  test('realtime and active count the last minutes by the server clock', async () => {
    server.clock.set('2026-01-10T15:35:00Z')
    const realtime = await api.getRealtime(website.id)
    expect(realtime.totals).toEqual({ views: 1, visitors: 1, events: 0, countries: 1 })
    expect(realtime.countries).toEqual({ FR: 1 })
    expect(realtime.events.map((e) => e.__type)).toEqual(['pageview', 'session'])
    expect(realtime.timestamp).toBe(ms('2026-01-10T15:35:00Z'))
    expect(await api.getActive(website.id)).toEqual({ visitors: 1 })
    expect(await api.getDateRange(website.id)).toEqual({ startDate: '2026-01-10T10:00:00.000Z', endDate: '2026-01-10T15:30:00.000Z' })
  })

  test('reports: funnel and goal', async () => {
    const funnel = await api.runReport('funnel', {
      websiteId: website.id,
      parameters: {
        startDate: DAY.startAt,
        endDate: DAY.endAt,
        window: 60,
        steps: [
          { type: 'path', value: '/' },
          { type: 'path', value: '/about' }
        ]
      }
    })
    expect(funnel.map((s) => s.visitors)).toEqual([2, 1])
    expect(funnel[1]).toMatchObject({ dropped: 1, dropoff: 0.5, remaining: 0.5 })
    const goal = await api.runReport('goal', {
      websiteId: website.id,
      parameters: { startDate: DAY.startAt, endDate: DAY.endAt, type: 'event', value: 'signup' }
    })
    expect(goal).toEqual({ num: 1, total: 2 })
  })

  test('bad parameters are ApiError 400 with the server’s explanation', async () => {
    const error = await apiError(api.getMetrics(website.id, { ...DAY, type: 'nonsense' as 'path' }))
    expect(error).toMatchObject({ status: 400, code: 'bad-request' })
    expect(error.message).toMatch(/Unknown metric type "nonsense"/)
    const range = await apiError(api.getStats(website.id, { startAt: DAY.endAt, endAt: DAY.startAt }))
    expect(range.message).toMatch(/startAt must not be after endAt/)
  })

  test('a share token reads the shared website without a login', async () => {
    await api.updateWebsite(website.id, { shareId: 'contract-share' })
    const anonymous = createAnalyticsApi({ baseUrl })
    const share = await anonymous.getShare('contract-share')
    const visitor = createAnalyticsApi({ baseUrl, getShareToken: () => share.token })
    expect((await visitor.getStats(share.websiteId, DAY)).pageviews).toBe(3)
    // The share token does not open the website's settings.
    expect((await apiError(visitor.deleteWebsite(share.websiteId))).status).toBe(401)
  })
})

describe('users (admin) and the caller’s password', () => {
  beforeAll(loginAsAdmin)

  test('create, list, change role, delete', async () => {
    const user = await api.createUser({ username: 'viewer', password: 'viewer-pass', role: 'view-only' })
    expect(user).toMatchObject({ username: 'viewer', role: 'view-only' })
    expect(user).not.toHaveProperty('password')
    const list = await api.listUsers({ search: 'view' })
    expect(list.data).toMatchObject([{ id: user.id, username: 'viewer', _count: { websites: 0 } }])
    expect(await api.updateUser(user.id, { role: 'user' })).toMatchObject({ role: 'user' })
    expect((await apiError(api.createUser({ username: 'viewer', password: 'viewer-pass', role: 'user' }))).message).toBe('User already exists')
    expect(await api.deleteUser(user.id)).toEqual({ ok: true })
    expect((await api.listUsers({ search: 'view' })).count).toBe(0)
  })

  test('a user changes their password; the wrong current password is a 400 in words', async () => {
    await api.createUser({ username: 'carol', password: 'first-pass', role: 'user' })
    const carol = createAnalyticsApi({ baseUrl, getToken: () => carolToken })
    let carolToken = ''
    carolToken = (await carol.login('carol', 'first-pass')).token
    expect(await apiError(carol.updatePassword('nope-nope', 'second-pass'))).toMatchObject({ status: 400, message: 'Current password is incorrect' })
    expect(await carol.updatePassword('first-pass', 'second-pass')).toMatchObject({ username: 'carol' })
    expect((await carol.login('carol', 'second-pass')).user.username).toBe('carol')
    // Not an admin: the users list is closed.
    expect((await apiError(carol.listUsers())).status).toBe(401)
  })
})

describe('server and network', () => {
  test('heartbeat and config', async () => {
    expect(await api.heartbeat()).toEqual({ ok: true })
    const config = await api.getConfig()
    expect(config.currentVersion).toMatch(/\d+\.\d+/)
  })

  test('an unreachable server is an ApiError with status 0 and a message in words', async () => {
    const gone = createAnalyticsApi({ baseUrl: 'http://127.0.0.1:9' })
    const error = await apiError(gone.heartbeat())
    expect(error).toMatchObject({ status: 0, code: 'network-error' })
    expect(error.message).toMatch(/Could not reach the Dashi server at http:\/\/127\.0\.0\.1:9/)
  })

  test('a cancelled request is an ApiError with code aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    await loginAsAdmin()
    const { data } = await api.listWebsites()
    const error = await apiError(api.getActive(data[0]!.id, { signal: controller.signal }))
    expect(error).toMatchObject({ status: 0, code: 'aborted' })
  })
})
