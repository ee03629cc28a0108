import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { writeHits } from '../current-helpers'
import { bearer, createTestServer, createUserV1, createWebsiteV1, login, type TestServer } from '../helpers'

let server: TestServer
let token: string
let rita: { user_id: number; token: string }
type Website = Awaited<ReturnType<typeof createWebsiteV1>>
let site: Website
let other: Website

const FEB = { startAt: Date.parse('2026-02-01T00:00:00Z'), endAt: Date.parse('2026-02-28T23:59:59.999Z') }

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

beforeAll(async () => {
  server = await createTestServer()
  token = await login(server.app)
  rita = await createUserV1(server.app, token, 'rita', 'rita-pass')
  site = await createWebsiteV1(server.app, token, { name: 'Shop', domain: 'shop.example', enable_share_url: true })
  other = await createWebsiteV1(server.app, token, { name: 'Blog', domain: 'blog.example' })
  const id = site.website_id
  // In February: three signups and a purchase carry 10 property rows in all (3 + 2 + 2 + 3).
  await writeHits(server, [
    { websiteId: id, at: '2026-02-02T10:00:00Z', session: 'u1', eventName: 'signup', data: { plan: 'pro', seats: 5, trial: true } },
    { websiteId: id, at: '2026-02-03T10:00:00Z', session: 'u2', country: 'FR', eventName: 'signup', data: { plan: 'free', seats: 1 } },
    { websiteId: id, at: '2026-02-04T10:00:00Z', session: 'u3', eventName: 'signup', data: { plan: 'pro', seats: 5 } },
    { websiteId: id, at: '2026-02-05T10:00:00Z', session: 'u1', eventName: 'purchase', data: { plan: 'pro', amount: 9.5, at: '2026-02-05T09:00:00Z' } },
    { websiteId: id, at: '2026-02-05T11:00:00Z', session: 'u2', eventName: 'click' },
    { websiteId: id, at: '2026-02-05T12:00:00Z', session: 'u3', path: '/pricing' },
    // January: outside the range.
    { websiteId: id, at: '2026-01-15T10:00:00Z', session: 'u1', eventName: 'signup', data: { plan: 'old' } },
    { websiteId: other.website_id, at: '2026-02-02T10:00:00Z', session: 'x', eventName: 'signup', data: { plan: 'pro' } }
  ])
})

afterAll(async () => {
  await server.close()
})

describe('event property summaries', () => {
  test('stats count events with properties, distinct property names and property rows', async () => {
    // Names: plan, seats, trial, amount, at.
    expect(await getOk(url(site, '/event-data/stats', FEB))).toEqual({ events: 4, properties: 5, records: 10 })
    // From France only u2's signup (plan, seats).
    expect(await getOk(url(site, '/event-data/stats', { ...FEB, country: 'FR' }))).toEqual({ events: 1, properties: 2, records: 2 })
    expect(await getOk(url(site, '/event-data/stats', { startAt: 0, endAt: 1000 }))).toEqual({ events: 0, properties: 0, records: 0 })
  })

  test('events lists property names and types per event name', async () => {
    expect(await getOk(url(site, '/event-data/events', FEB))).toEqual([
      { eventName: 'purchase', propertyName: 'amount', dataType: 2, total: 1 },
      { eventName: 'purchase', propertyName: 'at', dataType: 4, total: 1 },
      { eventName: 'purchase', propertyName: 'plan', dataType: 1, total: 1 },
      { eventName: 'signup', propertyName: 'plan', dataType: 1, total: 3 },
      { eventName: 'signup', propertyName: 'seats', dataType: 2, total: 3 },
      { eventName: 'signup', propertyName: 'trial', dataType: 3, total: 1 }
    ])
  })

  test('events with an event name breaks its properties down by value, numbers as numbers', async () => {
    expect(await getOk(url(site, '/event-data/events', { ...FEB, event: 'signup' }))).toEqual([
      { eventName: 'signup', propertyName: 'plan', dataType: 1, propertyValue: 'pro', total: 2 },
      { eventName: 'signup', propertyName: 'plan', dataType: 1, propertyValue: 'free', total: 1 },
      { eventName: 'signup', propertyName: 'seats', dataType: 2, propertyValue: 5, total: 2 },
      { eventName: 'signup', propertyName: 'seats', dataType: 2, propertyValue: 1, total: 1 },
      { eventName: 'signup', propertyName: 'trial', dataType: 3, propertyValue: 'true', total: 1 }
    ])
  })

  test('fields counts each property value across events, most frequent first', async () => {
    // plan=pro: two signups and the purchase; seats=5: two signups; the rest once each, by name.
    expect(await getOk(url(site, '/event-data/fields', FEB))).toEqual([
      { propertyName: 'plan', dataType: 1, value: 'pro', total: 3 },
      { propertyName: 'seats', dataType: 2, value: 5, total: 2 },
      { propertyName: 'amount', dataType: 2, value: 9.5, total: 1 },
      { propertyName: 'at', dataType: 4, value: '2026-02-05T09:00:00.000Z', total: 1 },
      { propertyName: 'plan', dataType: 1, value: 'free', total: 1 },
      { propertyName: 'seats', dataType: 2, value: 1, total: 1 },
      { propertyName: 'trial', dataType: 3, value: 'true', total: 1 }
    ])
  })

  test('properties counts rows per event name and property name', async () => {
    expect(await getOk(url(site, '/event-data/properties', FEB))).toEqual([
      { eventName: 'signup', propertyName: 'plan', total: 3 },
      { eventName: 'signup', propertyName: 'seats', total: 3 },
      { eventName: 'purchase', propertyName: 'amount', total: 1 },
      { eventName: 'purchase', propertyName: 'at', total: 1 },
      { eventName: 'purchase', propertyName: 'plan', total: 1 },
      { eventName: 'signup', propertyName: 'trial', total: 1 }
    ])
    // The event filter narrows it to one event name.
    expect(await getOk(url(site, '/event-data/properties', { ...FEB, event: 'purchase' }))).toHaveLength(3)
  })

  test('values lists the values of one property of one event', async () => {
    expect(await getOk(url(site, '/event-data/values', { ...FEB, event: 'signup', propertyName: 'seats' }))).toEqual([
      { value: 5, total: 2 },
      { value: 1, total: 1 }
    ])
    // plan=pro of the purchase is not a signup's.
    expect(await getOk(url(site, '/event-data/values', { ...FEB, event: 'purchase', propertyName: 'plan' }))).toEqual([{ value: 'pro', total: 1 }])
    expect(await getOk(url(site, '/event-data/values', { ...FEB, event: 'purchase', propertyName: 'at' }))).toEqual([
      { value: '2026-02-05T09:00:00.000Z', total: 1 }
    ])
  })

  test('values requires event and propertyName', async () => {
    expectError(await get(url(site, '/event-data/values', { ...FEB, propertyName: 'plan' })), 400, 'bad-request')
    expectError(await get(url(site, '/event-data/values', { ...FEB, event: 'signup' })), 400, 'bad-request')
  })

  test('every summary requires a range', async () => {
    for (const path of ['/event-data/stats', '/event-data/events', '/event-data/fields', '/event-data/properties', '/event-data']) {
      expectError(await get(url(site, path)), 400, 'bad-request')
    }
  })
})

describe('GET /api/websites/:id/event-data', () => {
  test('pages through the events that carry properties, newest first, each with its properties', async () => {
    const first = await getOk(url(site, '/event-data', { ...FEB, pageSize: 2 }))
    expect(first).toMatchObject({ count: 4, page: 1, pageSize: 2 })
    expect(first.data.map((e: { eventName: string }) => e.eventName)).toEqual(['purchase', 'signup'])
    expect(first.data[0]).toEqual({
      websiteId: site.website_uuid,
      eventId: expect.any(String),
      eventName: 'purchase',
      eventProperties: [
        { dataKey: 'amount', stringValue: '9.5', numberValue: 9.5, dateValue: null, dataType: 2, createdAt: '2026-02-05T10:00:00.000Z' },
        {
          dataKey: 'at',
          stringValue: '2026-02-05T09:00:00.000Z',
          numberValue: null,
          dateValue: '2026-02-05T09:00:00.000Z',
          dataType: 4,
          createdAt: '2026-02-05T10:00:00.000Z'
        },
        { dataKey: 'plan', stringValue: 'pro', numberValue: null, dateValue: null, dataType: 1, createdAt: '2026-02-05T10:00:00.000Z' }
      ]
    })
    // Page 2: u2's signup (plan free, seats 1), then u1's (plan, seats, trial).
    const second = await getOk(url(site, '/event-data', { ...FEB, pageSize: 2, page: 2 }))
    expect(second.data.map((e: { eventProperties: { dataKey: string }[] }) => e.eventProperties.map((p) => p.dataKey))).toEqual([
      ['plan', 'seats'],
      ['plan', 'seats', 'trial']
    ])
    expect(second.data[0].eventProperties[0].stringValue).toBe('free')
  })

  test('honours filters', async () => {
    const fr = await getOk(url(site, '/event-data', { ...FEB, country: 'FR' }))
    expect(fr.count).toBe(1)
    expect(fr.data[0].eventProperties.map((p: { stringValue: string }) => p.stringValue)).toEqual(['free', '1'])
  })
})

describe('GET /api/websites/:id/event-data/:eventId', () => {
  test("returns one event's property rows", async () => {
    const list = await getOk(url(site, '/event-data', FEB))
    const purchase = list.data[0]
    const rows = await getOk(url(site, `/event-data/${purchase.eventId}`))
    expect(rows.map((r: { dataKey: string }) => r.dataKey)).toEqual(['amount', 'at', 'plan'])
    expect(rows[0]).toEqual({
      websiteId: site.website_uuid,
      eventId: purchase.eventId,
      eventName: 'purchase',
      dataKey: 'amount',
      stringValue: '9.5',
      numberValue: 9.5,
      dateValue: null,
      dataType: 2,
      createdAt: '2026-02-05T10:00:00.000Z'
    })
  })

  test("another website's event yields nothing; a malformed id is a 400", async () => {
    const list = await getOk(url(other, '/event-data', FEB))
    expect(list.count).toBe(1)
    expect(await getOk(url(site, `/event-data/${list.data[0].eventId}`))).toEqual([])
    expectError(await get(url(site, '/event-data/abc')), 400, 'bad-request')
  })
})

describe('who may read', () => {
  const paths = (website: Website) => [
    url(website, '/event-data/stats', FEB),
    url(website, '/event-data/events', FEB),
    url(website, '/event-data/fields', FEB),
    url(website, '/event-data/properties', FEB),
    url(website, '/event-data/values', { ...FEB, event: 'signup', propertyName: 'plan' }),
    url(website, '/event-data', FEB),
    url(website, '/event-data/1')
  ]

  test('nobody logged in, or another user, gets 401 in the v3 envelope', async () => {
    for (const path of paths(site)) {
      const res = await get(path, {})
      expect(res.statusCode, path).toBe(401)
      expect(res.json()).toEqual({ error: { message: 'Unauthorized', code: 'unauthorized', status: 401 } })
      expectError(await get(path, bearer(rita.token)), 401, 'unauthorized')
    }
  })

  test("a share token reads its website's event properties, and no other website's", async () => {
    const share = await server.app.inject({ method: 'GET', url: `/api/share/${site.share_id}` })
    const headers = { 'x-umami-share-token': share.json().token as string }
    for (const path of paths(site)) expect((await get(path, headers)).statusCode, path).toBe(200)
    expect((await get(url(site, '/event-data/stats', FEB), headers)).json()).toEqual({ events: 4, properties: 5, records: 10 })
    expectError(await get(url(other, '/event-data/stats', FEB), headers), 401, 'unauthorized')
  })
})
