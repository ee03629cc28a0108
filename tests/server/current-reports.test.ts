import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type HitSpec, writeHits } from '../current-helpers'
import { bearer, createTestServer, createWebsiteV1, login, type TestServer } from '../helpers'

// Reports of the current API: running funnel, goal, retention, journey and utm reports over hits written
// at exact times, and saved reports with their permissions. Each report test gets its own website.

let server: TestServer
let adminToken: string

type Website = Awaited<ReturnType<typeof createWebsiteV1>>
type Hit = Omit<HitSpec, 'websiteId'>
type Headers = Record<string, string>

beforeAll(async () => {
  server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  adminToken = await login(server.app)
})

afterAll(async () => {
  await server.close()
})

async function siteWith(
  hits: Hit[],
  body: Record<string, unknown> = { name: 'Reports', domain: 'example.com' },
  token = adminToken
): Promise<Website> {
  const site = await createWebsiteV1(server.app, token, body)
  await writeHits(
    server,
    hits.map((h) => ({ ...h, websiteId: site.website_id }))
  )
  return site
}

function call(method: 'GET' | 'POST' | 'DELETE', url: string, headers: Headers = {}, payload?: unknown) {
  return server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) })
}

function run(type: string, body: unknown, headers: Headers = bearer(adminToken)) {
  return call('POST', `/api/reports/${type}`, headers, body)
}

async function ok(type: string, body: unknown, headers?: Headers) {
  const res = await run(type, body, headers)
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

/** A 400 in the v3 envelope whose message names `mention`. */
function expectBadRequest(res: { statusCode: number; json: () => any; body: string }, mention: string) {
  expect(res.statusCode, res.body).toBe(400)
  const { error } = res.json()
  expect(error).toMatchObject({ code: 'bad-request', status: 400 })
  expect(error.message).toContain(mention)
}

async function createUser(username: string, role: 'admin' | 'user' | 'view-only') {
  const res = await call('POST', '/api/users', bearer(adminToken), { username, password: 'password1', role })
  expect(res.statusCode, res.body).toBe(200)
  return { id: res.json().id as string, token: await login(server.app, username, 'password1') }
}

const FEB_1 = { startDate: '2026-02-01T00:00:00.000Z', endDate: '2026-02-01T23:59:59.999Z' }

// ---------------------------------------------------------------------------------------------------
// Funnel and goal

const FUNNEL_HITS: Hit[] = [
  // Amy: /a, then signup 25 min later, then /thanks 25 min after that: each step within 30 minutes of the
  // one before (though 50 minutes after the first), so she reaches all three steps.
  { session: 'amy', at: '2026-02-01T10:00:00Z', path: '/a', browser: 'firefox' },
  { session: 'amy', at: '2026-02-01T10:25:00Z', path: '/a', eventName: 'signup', browser: 'firefox' },
  { session: 'amy', at: '2026-02-01T10:50:00Z', path: '/thanks', browser: 'firefox' },
  // Bob: /a, signup 20 min later, /thanks 31 min after signup: too late for step 3.
  { session: 'bob', at: '2026-02-01T10:00:00Z', path: '/a' },
  { session: 'bob', at: '2026-02-01T10:20:00Z', path: '/a', eventName: 'signup' },
  { session: 'bob', at: '2026-02-01T10:51:00Z', path: '/thanks' },
  // Cat: /a, then signup only 31 minutes later: outside the window, so step 1 only.
  { session: 'cat', at: '2026-02-01T10:00:00Z', path: '/a' },
  { session: 'cat', at: '2026-02-01T10:31:00Z', path: '/a', eventName: 'signup' },
  // Dan: signup and /thanks without ever viewing /a: not in the funnel at all.
  { session: 'dan', at: '2026-02-01T10:00:00Z', path: '/', eventName: 'signup' },
  { session: 'dan', at: '2026-02-01T10:05:00Z', path: '/thanks' },
  // Fay: a custom event on /a is no view of /a, so her signup does not count either.
  { session: 'fay', at: '2026-02-01T10:00:00Z', path: '/a', eventName: 'click' },
  { session: 'fay', at: '2026-02-01T10:05:00Z', path: '/a', eventName: 'signup' },
  // Gus: /a on the day before the range, signup inside it: step 1 must be inside the range.
  { session: 'gus', at: '2026-01-31T23:55:00Z', path: '/a' },
  { session: 'gus', at: '2026-02-01T00:05:00Z', path: '/a', eventName: 'signup' }
]

const FUNNEL_STEPS = [
  { type: 'path', value: '/a' },
  { type: 'event', value: 'signup' },
  { type: 'path', value: '/thanks' }
]

describe('POST /api/reports/funnel', () => {
  let site: Website
  beforeAll(async () => {
    site = await siteWith(FUNNEL_HITS)
  })

  test('counts visitors who reach each step in order, each within the window of the step before', async () => {
    const body = await ok('funnel', {
      websiteId: site.website_uuid,
      type: 'funnel',
      filters: {},
      parameters: { ...FEB_1, window: 30, steps: FUNNEL_STEPS }
    })
    // Step 1: Amy, Bob, Cat (Fay's /a was no view, Gus's was before the range). Step 2: Amy and Bob (Cat's
    // signup came after 31 minutes). Step 3: Amy (Bob's /thanks came 31 minutes after his signup).
    expect(body).toEqual([
      { type: 'path', value: '/a', visitors: 3, previous: 3, dropped: 0, dropoff: 0, remaining: 1 },
      { type: 'event', value: 'signup', visitors: 2, previous: 3, dropped: 1, dropoff: 1 / 3, remaining: 2 / 3 },
      { type: 'path', value: '/thanks', visitors: 1, previous: 2, dropped: 1, dropoff: 0.5, remaining: 1 / 3 }
    ])
  })

  test('a wider window lets the late visitors through; dates may be epoch milliseconds', async () => {
    const body = await ok('funnel', {
      websiteId: site.website_uuid,
      parameters: { startDate: Date.parse(FEB_1.startDate), endDate: Date.parse(FEB_1.endDate), window: '31', steps: FUNNEL_STEPS }
    })
    // With 31 minutes, Cat's signup and Bob's /thanks are in time.
    expect(body.map((s: { visitors: number }) => s.visitors)).toEqual([3, 3, 2])
  })

  test('applies the filters to the visitors of every step', async () => {
    const body = await ok('funnel', {
      websiteId: site.website_uuid,
      filters: { browser: 'eq.firefox' },
      parameters: { ...FEB_1, window: 30, steps: FUNNEL_STEPS }
    })
    // Only Amy uses Firefox.
    expect(body.map((s: { visitors: number }) => s.visitors)).toEqual([1, 1, 1])
  })

  test('a step value ending in * matches paths starting with the rest', async () => {
    const body = await ok('funnel', {
      websiteId: site.website_uuid,
      parameters: { ...FEB_1, window: 60, steps: [{ type: 'path', value: '/a' }, { type: 'path', value: '/th*' }] }
    })
    // /thanks within 60 minutes of /a: Amy (50 min) and Bob (51 min); Dan never viewed /a.
    expect(body[1]).toMatchObject({ value: '/th*', visitors: 2, previous: 3, dropped: 1 })
  })

  test('rejects bad steps, windows and dates with a message naming the field', async () => {
    const base = { websiteId: site.website_uuid }
    expectBadRequest(await run('funnel', { ...base, parameters: { ...FEB_1, window: 30, steps: [FUNNEL_STEPS[0]] } }), 'parameters.steps')
    const nine = Array.from({ length: 9 }, () => FUNNEL_STEPS[0])
    expectBadRequest(await run('funnel', { ...base, parameters: { ...FEB_1, window: 30, steps: nine } }), 'parameters.steps')
    expectBadRequest(
      await run('funnel', { ...base, parameters: { ...FEB_1, window: 30, steps: [FUNNEL_STEPS[0], { type: 'url', value: '/x' }] } }),
      'parameters.steps[1].type'
    )
    expectBadRequest(
      await run('funnel', { ...base, parameters: { ...FEB_1, window: 30, steps: [FUNNEL_STEPS[0], { type: 'path', value: '' }] } }),
      'parameters.steps[1].value'
    )
    expectBadRequest(await run('funnel', { ...base, parameters: { ...FEB_1, window: 0, steps: FUNNEL_STEPS } }), 'parameters.window')
    expectBadRequest(await run('funnel', { ...base, parameters: { ...FEB_1, window: 'soon', steps: FUNNEL_STEPS } }), 'parameters.window')
    expectBadRequest(await run('funnel', { ...base, parameters: { window: 30, steps: FUNNEL_STEPS } }), 'parameters.startDate')
    expectBadRequest(
      await run('funnel', { ...base, parameters: { startDate: 'yesterday', endDate: FEB_1.endDate, window: 30, steps: FUNNEL_STEPS } }),
      'parameters.startDate'
    )
    expectBadRequest(await run('funnel', { ...base, type: 'goal', parameters: { ...FEB_1, window: 30, steps: FUNNEL_STEPS } }), 'type')
    expectBadRequest(await run('funnel', { parameters: { ...FEB_1, window: 30, steps: FUNNEL_STEPS } }), 'websiteId')
    expectBadRequest(
      await run('funnel', { ...base, filters: 'browser=chrome', parameters: { ...FEB_1, window: 30, steps: FUNNEL_STEPS } }),
      'filters'
    )
  })
})

describe('POST /api/reports/goal', () => {
  let site: Website
  beforeAll(async () => {
    site = await siteWith(FUNNEL_HITS)
  })

  test('counts the visitors who reached a page or an event out of all visitors in the range', async () => {
    // Visitors in range: Amy, Bob, Cat, Dan, Fay, Gus (his signup is on Feb 1) = 6.
    // Viewed /thanks: Amy, Bob, Dan. Sent "click": Fay. Viewed /a: Amy, Bob, Cat (Fay's was an event,
    // Gus's was the day before).
    const goal = (type: string, value: string) => ok('goal', { websiteId: site.website_uuid, parameters: { ...FEB_1, type, value } })
    expect(await goal('path', '/thanks')).toEqual({ num: 3, total: 6 })
    expect(await goal('event', 'click')).toEqual({ num: 1, total: 6 })
    expect(await goal('path', '/a')).toEqual({ num: 3, total: 6 })
  })

  test('rejects a goal that is neither a path nor an event', async () => {
    expectBadRequest(await run('goal', { websiteId: site.website_uuid, parameters: { ...FEB_1, type: 'click', value: 'x' } }), 'parameters.type')
    expectBadRequest(await run('goal', { websiteId: site.website_uuid, parameters: { ...FEB_1, type: 'path' } }), 'parameters.value')
  })
})

// ---------------------------------------------------------------------------------------------------
// Retention

describe('POST /api/reports/retention', () => {
  // New York is UTC−5 in February: local Feb 10–12 is 2026-02-10T05:00Z to 2026-02-13T05:00Z.
  const RANGE = { startDate: '2026-02-10T05:00:00.000Z', endDate: '2026-02-13T04:59:59.999Z' }
  const HITS: Hit[] = [
    // Ann: local Feb 10 22:00, Feb 11 10:00, Feb 12 21:00 (UTC would call these Feb 11, 11, 13).
    { session: 'ann', at: '2026-02-11T03:00:00Z', path: '/' },
    { session: 'ann', at: '2026-02-11T15:00:00Z', path: '/' },
    { session: 'ann', at: '2026-02-13T02:00:00Z', path: '/' },
    // Ben: local Feb 10 07:00 and Feb 11 23:59.
    { session: 'ben', at: '2026-02-10T12:00:00Z', path: '/' },
    { session: 'ben', at: '2026-02-12T04:59:00Z', path: '/', eventName: 'ping' },
    // Cal: local Feb 11 01:00 and Feb 12 01:00.
    { session: 'cal', at: '2026-02-11T06:00:00Z', path: '/' },
    { session: 'cal', at: '2026-02-12T06:00:00Z', path: '/' },
    // Fay: local Feb 11 15:00 only.
    { session: 'fay', at: '2026-02-11T20:00:00Z', path: '/' },
    // Dee: local Feb 12 05:00 only.
    { session: 'dee', at: '2026-02-12T10:00:00Z', path: '/' },
    // Eve: local Feb 9 23:59, before the range.
    { session: 'eve', at: '2026-02-10T04:59:00Z', path: '/' }
  ]

  test('groups visitors by the local day of their first visit and counts who came back on each later day', async () => {
    const site = await siteWith(HITS)
    const body = await ok('retention', { websiteId: site.website_uuid, parameters: { ...RANGE, timezone: 'America/New_York' } })
    expect(body).toEqual([
      // Cohort Feb 10: Ann and Ben; both back on Feb 11; Ann on Feb 12.
      { date: '2026-02-10 00:00:00', day: 0, visitors: 2, returnVisitors: 2, percentage: 100 },
      { date: '2026-02-10 00:00:00', day: 1, visitors: 2, returnVisitors: 2, percentage: 100 },
      { date: '2026-02-10 00:00:00', day: 2, visitors: 2, returnVisitors: 1, percentage: 50 },
      // Cohort Feb 11: Cal and Fay; Cal back on Feb 12.
      { date: '2026-02-11 00:00:00', day: 0, visitors: 2, returnVisitors: 2, percentage: 100 },
      { date: '2026-02-11 00:00:00', day: 1, visitors: 2, returnVisitors: 1, percentage: 50 },
      // Cohort Feb 12: Dee.
      { date: '2026-02-12 00:00:00', day: 0, visitors: 1, returnVisitors: 1, percentage: 100 }
    ])
  })

  test('without a time zone, days are UTC days labelled in ISO', async () => {
    const site = await siteWith(HITS)
    const body = await ok('retention', { websiteId: site.website_uuid, parameters: RANGE })
    // In UTC: Ben starts Feb 10 and is back Feb 12 (04:59Z); Ann, Cal and Fay start Feb 11, Cal is back
    // Feb 12, Ann Feb 13 (02:00Z); Dee starts Feb 12.
    expect(body).toEqual([
      { date: '2026-02-10T00:00:00Z', day: 0, visitors: 1, returnVisitors: 1, percentage: 100 },
      { date: '2026-02-10T00:00:00Z', day: 2, visitors: 1, returnVisitors: 1, percentage: 100 },
      { date: '2026-02-11T00:00:00Z', day: 0, visitors: 3, returnVisitors: 3, percentage: 100 },
      { date: '2026-02-11T00:00:00Z', day: 1, visitors: 3, returnVisitors: 1, percentage: 100 / 3 },
      { date: '2026-02-11T00:00:00Z', day: 2, visitors: 3, returnVisitors: 1, percentage: 100 / 3 },
      { date: '2026-02-12T00:00:00Z', day: 0, visitors: 1, returnVisitors: 1, percentage: 100 }
    ])
  })

  test('rejects an unknown time zone', async () => {
    const site = await siteWith([])
    expectBadRequest(await run('retention', { websiteId: site.website_uuid, parameters: { ...RANGE, timezone: 'Mars/Olympus' } }), 'Mars/Olympus')
    // An object that cannot be turned into text was a 500 (found by the fuzz test).
    expectBadRequest(await run('retention', { websiteId: site.website_uuid, parameters: { ...RANGE, timezone: { toString: 'x' } } }), 'timezone')
  })
})

// ---------------------------------------------------------------------------------------------------
// Journey

describe('POST /api/reports/journey', () => {
  const at = (minute: number) => Date.parse('2026-02-01T10:00:00Z') + minute * 60_000
  const HITS: Hit[] = [
    // s1, visit 1: / → /pricing → signup → /thanks (only the first three count).
    { session: 's1', visit: 'v1', at: at(0), path: '/' },
    { session: 's1', visit: 'v1', at: at(1), path: '/pricing' },
    { session: 's1', visit: 'v1', at: at(2), path: '/pricing', eventName: 'signup' },
    { session: 's1', visit: 'v1', at: at(3), path: '/thanks' },
    // s1, visit 2: / → /blog.
    { session: 's1', visit: 'v2', at: at(100), path: '/' },
    { session: 's1', visit: 'v2', at: at(101), path: '/blog' },
    // s2: / → /pricing → signup.
    { session: 's2', visit: 'v1', at: at(0), path: '/' },
    { session: 's2', visit: 'v1', at: at(5), path: '/pricing' },
    { session: 's2', visit: 'v1', at: at(6), path: '/pricing', eventName: 'signup' },
    // s3: / → /blog.
    { session: 's3', visit: 'v1', at: at(0), path: '/' },
    { session: 's3', visit: 'v1', at: at(1), path: '/blog' },
    // s4: /blog → / → /pricing.
    { session: 's4', visit: 'v1', at: at(0), path: '/blog' },
    { session: 's4', visit: 'v1', at: at(1), path: '/' },
    { session: 's4', visit: 'v1', at: at(2), path: '/pricing' },
    // s5: / → /pricing → /docs.
    { session: 's5', visit: 'v1', at: at(0), path: '/' },
    { session: 's5', visit: 'v1', at: at(1), path: '/pricing' },
    { session: 's5', visit: 'v1', at: at(2), path: '/docs' }
  ]
  let site: Website
  beforeAll(async () => {
    site = await siteWith(HITS)
  })

  const journey = (parameters: Record<string, unknown>) => ok('journey', { websiteId: site.website_uuid, parameters: { ...FEB_1, ...parameters } })

  test('counts the most common sequences of the first steps of each visit, most common first', async () => {
    // Ties are ordered by their items; a visit with fewer events than steps ends in null.
    expect(await journey({ steps: 3 })).toEqual([
      { items: ['/', '/blog', null], count: 2 },
      { items: ['/', '/pricing', 'signup'], count: 2 },
      { items: ['/', '/pricing', '/docs'], count: 1 },
      { items: ['/blog', '/', '/pricing'], count: 1 }
    ])
    // Two steps: "/ → /pricing" for s1 v1, s2 and s5.
    expect((await journey({ steps: 2 }))[0]).toEqual({ items: ['/', '/pricing'], count: 3 })
  })

  test('keeps only journeys starting or ending at the given step', async () => {
    expect(await journey({ steps: 3, startStep: '/blog' })).toEqual([{ items: ['/blog', '/', '/pricing'], count: 1 }])
    expect(await journey({ steps: 3, endStep: 'signup' })).toEqual([{ items: ['/', '/pricing', 'signup'], count: 2 }])
    // Visits that stop at /blog end there too.
    expect(await journey({ steps: 3, endStep: '/blog' })).toEqual([{ items: ['/', '/blog', null], count: 2 }])
  })

  test('rejects a step count outside 2 to 7', async () => {
    expectBadRequest(await run('journey', { websiteId: site.website_uuid, parameters: { ...FEB_1, steps: 8 } }), 'parameters.steps')
    expectBadRequest(await run('journey', { websiteId: site.website_uuid, parameters: { ...FEB_1, steps: 1 } }), 'parameters.steps')
    expectBadRequest(await run('journey', { websiteId: site.website_uuid, parameters: { ...FEB_1 } }), 'parameters.steps')
  })
})

// ---------------------------------------------------------------------------------------------------
// UTM

describe('POST /api/reports/utm', () => {
  test('counts the views carrying each UTM value', async () => {
    const site = await siteWith([
      { session: 'a', at: '2026-02-01T10:00:00Z', path: '/', query: 'utm_source=google&utm_medium=cpc&utm_campaign=spring' },
      { session: 'a', at: '2026-02-01T10:01:00Z', path: '/', query: 'utm_source=google&utm_medium=cpc&utm_campaign=spring' },
      { session: 'b', at: '2026-02-01T10:00:00Z', path: '/', query: 'utm_source=newsletter&utm_medium=email' },
      { session: 'c', at: '2026-02-01T10:00:00Z', path: '/', query: 'utm_source=google' },
      { session: 'd', at: '2026-02-01T10:00:00Z', path: '/', query: 'utm_content=banner&utm_term=shoes' },
      // Not views: not counted.
      { session: 'c', at: '2026-02-01T10:02:00Z', path: '/', query: 'utm_source=google', eventName: 'click' },
      // Without UTM parameters, or outside the range: not counted.
      { session: 'e', at: '2026-02-01T10:00:00Z', path: '/', query: 'page=2' },
      { session: 'f', at: '2026-02-02T10:00:00Z', path: '/', query: 'utm_source=google' }
    ])
    const body = await ok('utm', { websiteId: site.website_uuid, filters: {}, parameters: FEB_1 })
    expect(body).toEqual({
      utm_source: [
        { utm: 'google', views: 3 },
        { utm: 'newsletter', views: 1 }
      ],
      utm_medium: [
        { utm: 'cpc', views: 2 },
        { utm: 'email', views: 1 }
      ],
      utm_campaign: [{ utm: 'spring', views: 2 }],
      utm_term: [{ utm: 'shoes', views: 1 }],
      utm_content: [{ utm: 'banner', views: 1 }]
    })
  })
})

// ---------------------------------------------------------------------------------------------------
// Who may run reports

describe('running reports: access', () => {
  test('a share token runs reports on its website; strangers and other users get 401', async () => {
    const site = await siteWith([{ session: 'a', at: '2026-02-01T10:00:00Z', path: '/', query: 'utm_source=x' }], {
      name: 'Shared',
      domain: 'shared.example',
      enable_share_url: true
    })
    const share = await call('GET', `/api/share/${site.share_id}`)
    const shareHeaders = { 'x-umami-share-token': share.json().token as string }
    const body = { websiteId: site.website_uuid, parameters: FEB_1 }
    expect((await ok('utm', body, shareHeaders)).utm_source).toEqual([{ utm: 'x', views: 1 }])
    expect((await run('utm', body, {})).statusCode).toBe(401)
    const other = await createUser('runner', 'user')
    expect((await run('utm', body, bearer(other.token))).statusCode).toBe(401)
    expect((await run('utm', { ...body, websiteId: '00000000-0000-4000-8000-000000000000' })).statusCode).toBe(401)
  })

  test('report types this server does not run answer 400 naming the ones it does', async () => {
    const site = await siteWith([])
    const res = await run('revenue', { websiteId: site.website_uuid, parameters: FEB_1 })
    expectBadRequest(res, 'not supported')
    expect(res.json().error.message).toContain('funnel')
  })
})

// ---------------------------------------------------------------------------------------------------
// Saved reports

describe('saved reports', () => {
  let owner: { id: string; token: string }
  let other: { id: string; token: string }
  let ownerSite: Website
  let adminSite: Website

  beforeAll(async () => {
    owner = await createUser('ursula', 'user')
    other = await createUser('otto', 'user')
    ownerSite = await siteWith([], { name: 'Ursula site', domain: 'ursula.example' }, owner.token)
    adminSite = await siteWith([], { name: 'Admin site', domain: 'admin.example' })
  })

  const funnelReport = (site: Website, name = 'Signup funnel') => ({
    websiteId: site.website_uuid,
    type: 'funnel',
    name,
    description: 'From landing to signup',
    parameters: { window: 60, steps: FUNNEL_STEPS }
  })

  async function save(body: unknown, token = owner.token) {
    const res = await call('POST', '/api/reports', bearer(token), body)
    expect(res.statusCode, res.body).toBe(200)
    return res.json()
  }

  test('saves a report on a website of the caller and returns it as the current API shows reports', async () => {
    server.clock.set('2026-03-01T08:00:00Z')
    const report = await save(funnelReport(ownerSite))
    expect(report).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: owner.id,
      websiteId: ownerSite.website_uuid,
      type: 'funnel',
      name: 'Signup funnel',
      description: 'From landing to signup',
      parameters: { window: 60, steps: FUNNEL_STEPS },
      createdAt: '2026-03-01T08:00:00.000Z',
      updatedAt: '2026-03-01T08:00:00.000Z'
    })
    const read = await call('GET', `/api/reports/${report.id}`, bearer(owner.token))
    expect(read.json()).toEqual(report)
  })

  test('only the author and admins read, update or delete a saved report; others get 401', async () => {
    server.clock.set('2026-03-02T08:00:00Z')
    const report = await save(funnelReport(ownerSite, 'Private'))
    const url = `/api/reports/${report.id}`
    expect((await call('GET', url, bearer(other.token))).statusCode).toBe(401)
    expect((await call('GET', url)).statusCode).toBe(401)
    expect((await call('POST', url, bearer(other.token), { name: 'Mine now' })).statusCode).toBe(401)
    expect((await call('DELETE', url, bearer(other.token))).statusCode).toBe(401)
    expect((await call('GET', url, bearer(adminToken))).json().name).toBe('Private')

    server.clock.set('2026-03-02T09:00:00Z')
    const renamed = await call('POST', url, bearer(owner.token), {
      ...funnelReport(ownerSite),
      name: 'Renamed',
      description: null,
      parameters: { window: 5, steps: [] }
    })
    expect(renamed.statusCode, renamed.body).toBe(200)
    expect(renamed.json()).toMatchObject({
      id: report.id,
      name: 'Renamed',
      description: '',
      parameters: { window: 5, steps: [] },
      createdAt: '2026-03-02T08:00:00.000Z',
      updatedAt: '2026-03-02T09:00:00.000Z'
    })
    // An admin may change it too; the author stays the author.
    const byAdmin = await call('POST', url, bearer(adminToken), { description: 'Checked by admin' })
    expect(byAdmin.json()).toMatchObject({ name: 'Renamed', description: 'Checked by admin', userId: owner.id })

    expect((await call('DELETE', url, bearer(owner.token))).json()).toEqual({ ok: true })
    expect((await call('GET', url, bearer(owner.token))).statusCode).toBe(404)
  })

  test('nobody saves a report on a website they cannot view, and view-only users save none', async () => {
    expect((await call('POST', '/api/reports', bearer(owner.token), funnelReport(adminSite))).statusCode).toBe(401)
    expect((await call('POST', '/api/reports', {}, funnelReport(ownerSite))).statusCode).toBe(401)
    // An admin may save a report on anyone's website.
    expect((await save(funnelReport(ownerSite, 'Admin note'), adminToken)).userId).not.toBe(owner.id)

    const viewer = await createUser('vera', 'view-only')
    const viewerSite = await siteWith([], { name: 'Vera site', domain: 'vera.example' })
    const transfer = await call('POST', `/api/websites/${viewerSite.website_uuid}/transfer`, bearer(adminToken), { userId: viewer.id })
    expect(transfer.statusCode, transfer.body).toBe(200)
    const refused = await call('POST', '/api/reports', bearer(viewer.token), funnelReport(viewerSite))
    expect(refused.statusCode).toBe(403)
    // …while she may still list the (no) reports of her website.
    expect((await call('GET', `/api/reports?websiteId=${viewerSite.website_uuid}`, bearer(viewer.token))).json()).toMatchObject({ count: 0 })
  })

  test('a share token runs reports but neither saves nor lists them', async () => {
    const site = await siteWith([], { name: 'Shared', domain: 'shared.example', enable_share_url: true })
    const share = await call('GET', `/api/share/${site.share_id}`)
    const headers = { 'x-umami-share-token': share.json().token as string }
    expect((await run('goal', { websiteId: site.website_uuid, parameters: { ...FEB_1, type: 'path', value: '/' } }, headers)).json()).toEqual({
      num: 0,
      total: 0
    })
    expect((await call('POST', '/api/reports', headers, funnelReport(site))).statusCode).toBe(401)
    expect((await call('GET', `/api/websites/${site.website_uuid}/reports`, headers)).statusCode).toBe(401)
  })

  test('rejects report bodies with a message naming the field', async () => {
    const post = (body: unknown) => call('POST', '/api/reports', bearer(owner.token), body)
    expectBadRequest(await post({ ...funnelReport(ownerSite), name: 'x'.repeat(201) }), 'name')
    expectBadRequest(await post({ ...funnelReport(ownerSite), name: '' }), 'name')
    expectBadRequest(await post({ ...funnelReport(ownerSite), description: 'x'.repeat(501) }), 'description')
    expectBadRequest(await post({ ...funnelReport(ownerSite), type: 'pie-chart' }), 'type')
    expectBadRequest(await post({ ...funnelReport(ownerSite), parameters: [1, 2] }), 'parameters')
    expectBadRequest(await post({ ...funnelReport(ownerSite), websiteId: undefined }), 'websiteId')
    // Parameters nested 10 000 deep overflowed JSON.stringify: a 500 (found by the fuzz test).
    const deep = JSON.stringify(funnelReport(ownerSite)).replace('"parameters":{', `"parameters":{"x":${'['.repeat(10_000)}${']'.repeat(10_000)},`)
    expectBadRequest(await call('POST', '/api/reports', { ...bearer(owner.token), 'content-type': 'application/json' }, deep), 'parameters')
    const report = await save(funnelReport(ownerSite, 'Fixed'))
    expectBadRequest(await call('POST', `/api/reports/${report.id}`, bearer(owner.token), { type: 'goal' }), 'type')
    expectBadRequest(await call('POST', `/api/reports/${report.id}`, bearer(owner.token), { websiteId: adminSite.website_uuid }), 'websiteId')
    expectBadRequest(await call('POST', `/api/reports/${report.id}`, bearer(owner.token), { websiteId: { toString: 1 } }), 'websiteId')
  })

  test('lists reports per website and, without one, those on the caller’s websites, paged and by type', async () => {
    const alice = await createUser('alice', 'user')
    const site = await siteWith([], { name: 'Alice site', domain: 'alice.example' }, alice.token)
    await save(funnelReport(site, 'B funnel'), alice.token)
    await save({ ...funnelReport(site, 'A goal'), type: 'goal', parameters: { type: 'path', value: '/' } }, alice.token)
    // The admin's report on Alice's website is listed for her website too.
    await save(funnelReport(site, 'C by admin'), adminToken)

    const list = async (url: string, token = alice.token) => {
      const res = await call('GET', url, bearer(token))
      expect(res.statusCode, res.body).toBe(200)
      return res.json()
    }
    const names = (page: { data: { name: string }[] }) => page.data.map((r) => r.name)
    const perSite = await list(`/api/websites/${site.website_uuid}/reports`)
    expect(perSite).toMatchObject({ count: 3, page: 1, pageSize: 20 })
    expect(names(perSite)).toEqual(['A goal', 'B funnel', 'C by admin'])
    expect(names(await list(`/api/reports?websiteId=${site.website_uuid}&type=funnel`))).toEqual(['B funnel', 'C by admin'])
    const second = await list(`/api/reports?websiteId=${site.website_uuid}&page=2&pageSize=2`)
    expect(second).toMatchObject({ count: 3, page: 2, pageSize: 2 })
    expect(names(second)).toEqual(['C by admin'])
    // Without a website: every report on Alice's own websites (she has one).
    expect(names(await list('/api/reports'))).toEqual(['A goal', 'B funnel', 'C by admin'])
    // Another user sees none of them and may not ask for her website.
    expect(names(await list('/api/reports', other.token))).not.toContain('A goal')
    expect((await call('GET', `/api/reports?websiteId=${site.website_uuid}`, bearer(other.token))).statusCode).toBe(401)
    expect((await call('GET', `/api/websites/${site.website_uuid}/reports`, bearer(other.token))).statusCode).toBe(401)
  })

  test('deleting a website or an account deletes its saved reports', async () => {
    const doomed = await siteWith([], { name: 'Doomed', domain: 'doomed.example' }, owner.token)
    const onDoomed = await save(funnelReport(doomed, 'Gone with the site'))
    expect((await call('DELETE', `/api/websites/${doomed.website_uuid}`, bearer(owner.token))).statusCode).toBe(200)
    expect((await call('GET', `/api/reports/${onDoomed.id}`, bearer(adminToken))).statusCode).toBe(404)

    // A second admin saves a report on the first admin's website, then loses the account.
    const root = await createUser('root2', 'admin')
    const byRoot = await save(funnelReport(adminSite, 'Gone with the author'), root.token)
    expect((await call('DELETE', `/api/users/${root.id}`, bearer(adminToken))).statusCode).toBe(200)
    expect((await call('GET', `/api/reports/${byRoot.id}`, bearer(adminToken))).statusCode).toBe(404)
  })
})
