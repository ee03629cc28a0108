import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DATA_TYPE } from '../../src/server/collect/hit'
import { buildHit, writeHits } from '../current-helpers'
import { bearer, createTestServer, createUserV1, createWebsiteV1, login, type TestServer } from '../helpers'

let server: TestServer
let token: string
let rita: { user_id: number; token: string }
type Website = Awaited<ReturnType<typeof createWebsiteV1>>
/** Alice, Bob, Carol (January) and Dave (December) visit this one; it is shared. */
let site: Website
/** Erin visits this one. */
let other: Website

const JAN = { startAt: Date.parse('2026-01-01T00:00:00Z'), endAt: Date.parse('2026-01-31T23:59:59.999Z') }

const sessionUuid = (website: Website, visitor: string) => buildHit({ websiteId: website.website_id, at: 0, session: visitor }).sessionUuid

function url(website: Website, path: string, params: Record<string, string | number> = {}) {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()
  return `/api/websites/${website.website_uuid}${path}${qs ? `?${qs}` : ''}`
}

async function get(path: string, headers: Record<string, string> = bearer(token)) {
  return server.app.inject({ method: 'GET', url: path, headers })
}

async function getOk(path: string) {
  const res = await get(path)
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

function expectError(res: { statusCode: number; json: () => any }, status: number, code: string) {
  expect(res.statusCode).toBe(status)
  expect(res.json()).toMatchObject({ error: { code, status } })
  expect(typeof res.json().error.message).toBe('string')
}

function insertSessionData(website: Website, visitor: string, key: string, type: number, value: { s?: string; n?: number; d?: number }) {
  const sessionId = server.db.prepare('SELECT session_id FROM session WHERE session_uuid = ?').pluck().get(sessionUuid(website, visitor))
  server.db
    .prepare(
      `INSERT INTO session_data (website_id, session_id, data_key, string_value, number_value, date_value, data_type, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
    )
    .run(website.website_id, sessionId, key, value.s ?? null, value.n ?? null, value.d ?? null, type, Date.parse('2026-01-10T09:00:00Z'))
}

beforeAll(async () => {
  server = await createTestServer()
  token = await login(server.app)
  rita = await createUserV1(server.app, token, 'rita', 'rita-pass')
  site = await createWebsiteV1(server.app, token, { name: 'Shop', domain: 'shop.example', enable_share_url: true })
  other = await createWebsiteV1(server.app, token, { name: 'Blog', domain: 'blog.example' })
  const id = site.website_id
  await writeHits(server, [
    // Alice: visit a1 = two views and a signup, visit a2 = one view.
    { websiteId: id, at: '2026-01-10T09:00:00Z', session: 'alice', visit: 'a1', path: '/', browser: 'firefox', os: 'Linux', distinctId: 'alice@example.com' },
    { websiteId: id, at: '2026-01-10T09:05:00Z', session: 'alice', visit: 'a1', path: '/pricing', query: 'plan=pro', referrer: 'https://www.google.com/' },
    { websiteId: id, at: '2026-01-10T09:06:00Z', session: 'alice', visit: 'a1', path: '/pricing', eventName: 'signup', data: { plan: 'pro' } },
    { websiteId: id, at: '2026-01-12T18:00:00Z', session: 'alice', visit: 'a2', path: '/docs' },
    // Bob: one visit of two views, from France, on a phone.
    { websiteId: id, at: '2026-01-11T10:00:00Z', session: 'bob', visit: 'b1', path: '/', country: 'FR', device: 'mobile' },
    { websiteId: id, at: '2026-01-11T10:00:30Z', session: 'bob', visit: 'b1', path: '/about' },
    // Carol: one view, on Safari.
    { websiteId: id, at: '2026-01-13T07:00:00Z', session: 'carol', visit: 'c1', path: '/', browser: 'safari', os: 'iOS', device: 'mobile' },
    // Dave: December only, outside the January range.
    { websiteId: id, at: '2025-12-01T00:00:00Z', session: 'dave', visit: 'd1', path: '/' },
    { websiteId: other.website_id, at: '2026-01-10T09:00:00Z', session: 'erin', path: '/' }
  ])
  // The tracker cannot set a city here (no city database); the column is filled directly.
  server.db.prepare('UPDATE session SET city = ?, region = ? WHERE session_uuid = ?').run('Berlin', 'DE-BE', sessionUuid(site, 'carol'))
  insertSessionData(site, 'alice', 'plan', DATA_TYPE.string, { s: 'pro' })
  insertSessionData(site, 'alice', 'age', DATA_TYPE.number, { n: 42 })
  insertSessionData(site, 'alice', 'vip', DATA_TYPE.boolean, { s: 'true' })
  insertSessionData(site, 'alice', 'since', DATA_TYPE.date, { d: Date.parse('2025-06-01T00:00:00Z') })
  insertSessionData(site, 'bob', 'plan', DATA_TYPE.string, { s: 'pro' })
  insertSessionData(site, 'carol', 'plan', DATA_TYPE.string, { s: 'free' })
  insertSessionData(site, 'dave', 'plan', DATA_TYPE.string, { s: 'pro' })
})

afterAll(async () => {
  await server.close()
})

describe('GET /api/websites/:id/sessions', () => {
  test('lists the sessions active in range, newest activity first, with visits, views and events counted', async () => {
    const body = await getOk(url(site, '/sessions', JAN))
    // Dave was only active in December.
    expect(body).toMatchObject({ count: 3, page: 1, pageSize: 20 })
    expect(body.data.map((s: { id: string }) => s.id)).toEqual([sessionUuid(site, 'carol'), sessionUuid(site, 'alice'), sessionUuid(site, 'bob')])
    expect(body.data[1]).toEqual({
      id: sessionUuid(site, 'alice'),
      websiteId: site.website_uuid,
      hostname: 'example.com',
      browser: 'firefox',
      os: 'Linux',
      device: 'desktop',
      screen: '1920x1080',
      language: 'en-US',
      country: 'DE',
      region: null,
      city: null,
      firstAt: '2026-01-10T09:00:00.000Z',
      lastAt: '2026-01-12T18:00:00.000Z',
      // Two visits (a1, a2); three pageviews (/, /pricing, /docs); one custom event (signup).
      visits: 2,
      views: 3,
      events: 1,
      createdAt: '2026-01-12T18:00:00.000Z'
    })
    expect(body.data[2]).toMatchObject({ country: 'FR', device: 'mobile', visits: 1, views: 2, events: 0 })
    expect(body.data[0]).toMatchObject({ city: 'Berlin', region: 'DE-BE', browser: 'safari' })
  })

  test('counts only what falls in the range', async () => {
    const body = await getOk(url(site, '/sessions', { startAt: Date.parse('2026-01-12T00:00:00Z'), endAt: JAN.endAt }))
    // From the 12th on: Carol, and only Alice's second visit.
    expect(body.count).toBe(2)
    expect(body.data[1]).toMatchObject({ firstAt: '2026-01-12T18:00:00.000Z', visits: 1, views: 1, events: 0 })
  })

  test('pages through the list', async () => {
    const second = await getOk(url(site, '/sessions', { ...JAN, page: 2, pageSize: 2 }))
    expect(second).toMatchObject({ count: 3, page: 2, pageSize: 2 })
    expect(second.data.map((s: { id: string }) => s.id)).toEqual([sessionUuid(site, 'bob')])
    const beyond = await getOk(url(site, '/sessions', { ...JAN, page: 3, pageSize: 2 }))
    expect(beyond).toMatchObject({ data: [], count: 3 })
  })

  test('searches distinct id, city, browser, OS and device, ignoring case', async () => {
    const ids = async (search: string) => {
      const body = await getOk(url(site, '/sessions', { ...JAN, search }))
      expect(body.search).toBe(search)
      return body.data.map((s: { id: string }) => s.id)
    }
    expect(await ids('ALICE@')).toEqual([sessionUuid(site, 'alice')])
    expect(await ids('berl')).toEqual([sessionUuid(site, 'carol')])
    expect(await ids('Firefox')).toEqual([sessionUuid(site, 'alice')])
    expect(await ids('ios')).toEqual([sessionUuid(site, 'carol')])
    expect(await ids('mobile')).toEqual([sessionUuid(site, 'carol'), sessionUuid(site, 'bob')])
    // LIKE wildcards are taken literally.
    expect(await ids('%')).toEqual([])
  })

  test('honours filters on session and event fields', async () => {
    const fr = await getOk(url(site, '/sessions', { ...JAN, country: 'FR' }))
    expect(fr.data.map((s: { id: string }) => s.id)).toEqual([sessionUuid(site, 'bob')])
    // Only Alice viewed /pricing; only the matching events are counted.
    const pricing = await getOk(url(site, '/sessions', { ...JAN, path: 'eq./pricing' }))
    expect(pricing.count).toBe(1)
    expect(pricing.data[0]).toMatchObject({ id: sessionUuid(site, 'alice'), visits: 1, views: 1, events: 1 })
  })

  test('rejects a missing range and bad paging with 400', async () => {
    expectError(await get(url(site, '/sessions')), 400, 'bad-request')
    expectError(await get(url(site, '/sessions', { ...JAN, pageSize: 0 })), 400, 'bad-request')
    expectError(await get(url(site, '/sessions', { ...JAN, browser: 'gt.x' })), 400, 'bad-request')
  })
})

describe('GET /api/websites/:id/sessions/stats', () => {
  test('sums the range: pageviews count every event, custom ones included', async () => {
    // Events: Alice 4, Bob 2, Carol 1 = 7; visits a1, a2, b1, c1 = 4; countries DE, FR; one custom event.
    expect(await getOk(url(site, '/sessions/stats', JAN))).toEqual({
      pageviews: { value: 7 },
      visitors: { value: 3 },
      visits: { value: 4 },
      countries: { value: 2 },
      events: { value: 1 }
    })
  })

  test('honours filters', async () => {
    // Germany: Alice (4 events, 2 visits) and Carol (1, 1).
    expect(await getOk(url(site, '/sessions/stats', { ...JAN, country: 'DE' }))).toEqual({
      pageviews: { value: 5 },
      visitors: { value: 2 },
      visits: { value: 3 },
      countries: { value: 1 },
      events: { value: 1 }
    })
  })

  test('an empty range is all zeros', async () => {
    const body = await getOk(url(site, '/sessions/stats', { startAt: 0, endAt: 1000 }))
    expect(body).toEqual({ pageviews: { value: 0 }, visitors: { value: 0 }, visits: { value: 0 }, countries: { value: 0 }, events: { value: 0 } })
  })
})

describe('GET /api/websites/:id/sessions/weekly', () => {
  let weekly: Website
  const MARCH = { startAt: Date.parse('2026-03-01T00:00:00Z'), endAt: Date.parse('2026-03-31T23:59:59.999Z') }

  beforeAll(async () => {
    weekly = await createWebsiteV1(server.app, token, { name: 'Weekly', domain: 'weekly.example' })
    const id = weekly.website_id
    // New York leaves EST (UTC-5) for EDT (UTC-4) on Sunday 2026-03-08 at 02:00 local.
    await writeHits(server, [
      { websiteId: id, at: '2026-03-07T15:30:00Z', session: 's1' }, // Sat 10:30 EST
      { websiteId: id, at: '2026-03-08T03:30:00Z', session: 's3' }, // Sun 03:30 UTC = Sat 22:30 EST
      { websiteId: id, at: '2026-03-09T15:30:00Z', session: 's2' }, // Mon 11:30 EDT (10:30 if DST were ignored)
      { websiteId: id, at: '2026-03-09T15:45:00Z', session: 's1' }, // Mon 11:45 EDT
      { websiteId: id, at: '2026-03-09T15:50:00Z', session: 's2' } // Mon 11:50 EDT: s2 again, counted once
    ])
  })

  const cells = (grid: number[][]) =>
    grid.flatMap((hours, day) => hours.flatMap((n, hour) => (n ? [`${day}:${hour}=${n}`] : []))).sort()

  test('counts distinct sessions per local weekday and hour, across a DST change', async () => {
    const grid = await getOk(url(weekly, '/sessions/weekly', { ...MARCH, timezone: 'America/New_York' }))
    expect(grid).toHaveLength(7)
    for (const day of grid) expect(day).toHaveLength(24)
    // Saturday 10h and 22h one session each; Monday 11h two sessions (s1, s2).
    expect(cells(grid)).toEqual(['1:11=2', '6:10=1', '6:22=1'])
  })

  test('in UTC the same hits fall in other cells', async () => {
    const grid = await getOk(url(weekly, '/sessions/weekly', { ...MARCH, timezone: 'utc' }))
    // Sat 15:30, Sun 03:30, Mon 15:30–15:50.
    expect(cells(grid)).toEqual(['0:3=1', '1:15=2', '6:15=1'])
  })

  test('requires a valid time zone', async () => {
    expectError(await get(url(weekly, '/sessions/weekly', MARCH)), 400, 'bad-request')
    expectError(await get(url(weekly, '/sessions/weekly', { ...MARCH, timezone: 'Mars/Olympus' })), 400, 'bad-request')
  })
})

describe('GET /api/websites/:id/sessions/:sessionId', () => {
  test('describes the whole life of a session, with time spent per visit', async () => {
    expect(await getOk(url(site, `/sessions/${sessionUuid(site, 'alice')}`))).toEqual({
      id: sessionUuid(site, 'alice'),
      distinctId: 'alice@example.com',
      websiteId: site.website_uuid,
      browser: 'firefox',
      os: 'Linux',
      device: 'desktop',
      screen: '1920x1080',
      language: 'en-US',
      country: 'DE',
      region: null,
      city: null,
      firstAt: '2026-01-10T09:00:00.000Z',
      lastAt: '2026-01-12T18:00:00.000Z',
      visits: 2,
      views: 3,
      events: 1,
      // Visit a1 lasted 09:00–09:06 = 360 s; a2 was a single view (0 s).
      totaltime: 360
    })
  })

  test('takes no date range: a December session is still found', async () => {
    const body = await getOk(url(site, `/sessions/${sessionUuid(site, 'dave')}`))
    expect(body).toMatchObject({ visits: 1, views: 1, events: 0, totaltime: 0, firstAt: '2025-12-01T00:00:00.000Z' })
  })

  test('a session of another website is not found; a malformed id is a 400', async () => {
    expectError(await get(url(site, `/sessions/${sessionUuid(other, 'erin')}`)), 404, 'not-found')
    expectError(await get(url(site, '/sessions/not-a-uuid')), 400, 'bad-request')
  })
})

describe('GET /api/websites/:id/sessions/:sessionId/activity', () => {
  test("lists the session's events in range, newest first, flagging those with properties", async () => {
    const rows = await getOk(url(site, `/sessions/${sessionUuid(site, 'alice')}/activity`, JAN))
    expect(rows.map((r: { urlPath: string; eventType: number }) => [r.urlPath, r.eventType])).toEqual([
      ['/docs', 1],
      ['/pricing', 2],
      ['/pricing', 1],
      ['/', 1]
    ])
    expect(rows[1]).toEqual({
      createdAt: '2026-01-10T09:06:00.000Z',
      urlPath: '/pricing',
      urlQuery: null,
      referrerDomain: null,
      eventId: expect.any(String),
      eventType: 2,
      eventName: 'signup',
      visitId: rows[2].visitId,
      hostname: 'example.com',
      hasData: true
    })
    expect(rows[2]).toMatchObject({ urlQuery: 'plan=pro', referrerDomain: 'google.com', eventName: null, hasData: false })
    // Two visits: the first three rows' visit differs from the last one's.
    expect(rows[0].visitId).not.toBe(rows[1].visitId)
    // The event id leads to the event's properties.
    const data = await getOk(url(site, `/event-data/${rows[1].eventId}`))
    expect(data).toMatchObject([{ eventId: rows[1].eventId, eventName: 'signup', dataKey: 'plan', stringValue: 'pro' }])
  })

  test('honours the range and requires it', async () => {
    const rows = await getOk(url(site, `/sessions/${sessionUuid(site, 'alice')}/activity`, { startAt: Date.parse('2026-01-11T00:00:00Z'), endAt: JAN.endAt }))
    expect(rows.map((r: { urlPath: string }) => r.urlPath)).toEqual(['/docs'])
    expectError(await get(url(site, `/sessions/${sessionUuid(site, 'alice')}/activity`)), 400, 'bad-request')
  })
})

describe('session properties', () => {
  test("lists one session's properties by key, each value in its typed field", async () => {
    const rows = await getOk(url(site, `/sessions/${sessionUuid(site, 'alice')}/properties`))
    const common = { websiteId: site.website_uuid, sessionId: sessionUuid(site, 'alice'), createdAt: '2026-01-10T09:00:00.000Z' }
    expect(rows).toEqual([
      { ...common, dataKey: 'age', dataType: 2, stringValue: '42', numberValue: 42, dateValue: null },
      { ...common, dataKey: 'plan', dataType: 1, stringValue: 'pro', numberValue: null, dateValue: null },
      { ...common, dataKey: 'since', dataType: 4, stringValue: '2025-06-01T00:00:00.000Z', numberValue: null, dateValue: '2025-06-01T00:00:00.000Z' },
      { ...common, dataKey: 'vip', dataType: 3, stringValue: 'true', numberValue: null, dateValue: null }
    ])
    expect(await getOk(url(site, `/sessions/${sessionUuid(site, 'bob')}/properties`))).toHaveLength(1)
  })

  test('counts, per property name, the sessions active in range that carry it', async () => {
    // plan: Alice, Bob, Carol (Dave's is outside the range); the others: Alice only.
    expect(await getOk(url(site, '/session-data/properties', JAN))).toEqual([
      { propertyName: 'plan', dataType: 1, total: 3 },
      { propertyName: 'age', dataType: 2, total: 1 },
      { propertyName: 'since', dataType: 4, total: 1 },
      { propertyName: 'vip', dataType: 3, total: 1 }
    ])
    expect(await getOk(url(site, '/session-data/properties', { ...JAN, country: 'FR' }))).toEqual([{ propertyName: 'plan', dataType: 1, total: 1 }])
  })

  test('counts the sessions per value of one property', async () => {
    expect(await getOk(url(site, '/session-data/values', { ...JAN, propertyName: 'plan' }))).toEqual([
      { value: 'pro', total: 2 },
      { value: 'free', total: 1 }
    ])
    expect(await getOk(url(site, '/session-data/values', { ...JAN, propertyName: 'age' }))).toEqual([{ value: 42, total: 1 }])
    expect(await getOk(url(site, '/session-data/values', { ...JAN, propertyName: 'since' }))).toEqual([{ value: '2025-06-01T00:00:00.000Z', total: 1 }])
    expect(await getOk(url(site, '/session-data/values', { ...JAN, propertyName: 'vip' }))).toEqual([{ value: 'true', total: 1 }])
  })

  test('requires propertyName', async () => {
    expectError(await get(url(site, '/session-data/values', JAN)), 400, 'bad-request')
  })
})

describe('who may read', () => {
  const paths = (website: Website) => [
    url(website, '/sessions', JAN),
    url(website, '/sessions/stats', JAN),
    url(website, '/sessions/weekly', { ...JAN, timezone: 'UTC' }),
    url(website, `/sessions/${sessionUuid(website, 'alice')}`),
    url(website, `/sessions/${sessionUuid(website, 'alice')}/activity`, JAN),
    url(website, `/sessions/${sessionUuid(website, 'alice')}/properties`),
    url(website, '/session-data/properties', JAN),
    url(website, '/session-data/values', { ...JAN, propertyName: 'plan' })
  ]

  test('nobody logged in gets 401 in the v3 envelope', async () => {
    for (const path of paths(site)) {
      const res = await get(path, {})
      expect(res.statusCode, path).toBe(401)
      expect(res.json()).toEqual({ error: { message: 'Unauthorized', code: 'unauthorized', status: 401 } })
    }
  })

  test("another user gets 401 for a website that is not theirs, as for one that doesn't exist", async () => {
    for (const path of paths(site)) expectError(await get(path, bearer(rita.token)), 401, 'unauthorized')
    expectError(await get('/api/websites/00000000-0000-4000-8000-000000000000/sessions?startAt=0&endAt=1'), 401, 'unauthorized')
  })

  test("a share token reads its website's sessions, and no other website's", async () => {
    const share = await server.app.inject({ method: 'GET', url: `/api/share/${site.share_id}` })
    const headers = { 'x-umami-share-token': share.json().token as string }
    for (const path of paths(site)) expect((await get(path, headers)).statusCode, path).toBe(200)
    expectError(await get(url(other, '/sessions', JAN), headers), 401, 'unauthorized')
  })
})
