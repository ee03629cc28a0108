import type { AddressInfo } from 'node:net'
import { Umami } from '@umami/node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EVENT_TYPE } from '../../src/shared/constants'
import { DATA_TYPE } from '../../src/server/collect/hit'
import { createTestServer, createWebsiteV1, login, type TestServer } from '../helpers'

let server: TestServer
let website: { website_id: number; website_uuid: string }
let hostUrl: string

beforeAll(async () => {
  server = await createTestServer()
  website = await createWebsiteV1(server.app, await login(server.app))
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  hostUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await server.close()
})

describe('@umami/node 0.4.0 against Dashi', () => {
  test('a pageview, an event with data and an identify are stored in one server-side session', async () => {
    const umami = new Umami({ websiteId: website.website_uuid, hostUrl })

    const view = await umami.track({ url: '/pricing?plan=pro', hostname: 'shop.example', title: 'Pricing' })
    const event = await umami.track('signup', { plan: 'pro', seats: 3 })
    const identify = await umami.identify({ company: 'Acme', employees: 12 })
    for (const res of [view, event, identify]) expect(res.status).toBe(200)
    type Reply = { cache: string; sessionId: string; visitId: string }
    const [viewReply, eventReply, identifyReply] = (await Promise.all([view.json(), event.json(), identify.json()])) as Reply[]
    if (!viewReply) throw new Error('no reply')
    expect(viewReply).toEqual({ cache: expect.any(String), sessionId: expect.any(String), visitId: expect.any(String) })
    // The client never sends the cache token: one visitor (address + its user agent), one visit per clock hour.
    expect(eventReply).toMatchObject({ sessionId: viewReply.sessionId, visitId: viewReply.visitId })
    expect(identifyReply).toMatchObject({ sessionId: viewReply.sessionId })

    const events = server.db
      .prepare(
        `SELECT e.event_id, e.event_type, e.url_path, e.url_query, e.hostname, e.page_title, e.event_name, s.session_uuid, s.browser, s.device
         FROM website_event e JOIN session s USING (session_id) ORDER BY e.event_id`
      )
      .all() as { event_id: number }[]
    expect(events).toEqual([
      {
        event_id: expect.any(Number),
        event_type: EVENT_TYPE.pageView,
        url_path: '/pricing',
        url_query: 'plan=pro',
        hostname: 'shop.example',
        page_title: 'Pricing',
        event_name: null,
        session_uuid: viewReply.sessionId,
        // "Mozilla/5.0 Umami/<node version>" names no browser; no device type and no screen → desktop.
        browser: null,
        device: 'desktop'
      },
      {
        event_id: expect.any(Number),
        event_type: EVENT_TYPE.customEvent,
        // track(name, data) sends no url or hostname.
        url_path: '',
        url_query: null,
        hostname: null,
        page_title: null,
        event_name: 'signup',
        session_uuid: viewReply.sessionId,
        browser: null,
        device: 'desktop'
      }
    ])
    const eventData = server.db.prepare('SELECT event_id, data_key, data_type, string_value, number_value FROM event_data ORDER BY data_key').all()
    expect(eventData).toEqual([
      { event_id: events[1]!.event_id, data_key: 'plan', data_type: DATA_TYPE.string, string_value: 'pro', number_value: null },
      { event_id: events[1]!.event_id, data_key: 'seats', data_type: DATA_TYPE.number, string_value: null, number_value: 3 }
    ])
    const sessionData = server.db
      .prepare('SELECT s.session_uuid, d.data_key, d.string_value, d.number_value FROM session_data d JOIN session s USING (session_id) ORDER BY d.data_key')
      .all()
    expect(sessionData).toEqual([
      { session_uuid: viewReply.sessionId, data_key: 'company', string_value: 'Acme', number_value: null },
      { session_uuid: viewReply.sessionId, data_key: 'employees', string_value: null, number_value: 12 }
    ])
  })

  test('identify accumulates properties: a second call updates the session’s values instead of adding rows', async () => {
    const umami = new Umami({ websiteId: website.website_uuid, hostUrl, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Backend/2.0' })
    await umami.identify({ tier: 'free' })
    const res = await umami.identify({ tier: 'paid', region: 'eu' })
    const { sessionId } = (await res.json()) as { sessionId: string }
    const rows = server.db
      .prepare('SELECT d.data_key, d.string_value FROM session_data d JOIN session s USING (session_id) WHERE s.session_uuid = ? ORDER BY d.data_key')
      .all(sessionId)
    expect(rows).toEqual([
      { data_key: 'region', string_value: 'eu' },
      { data_key: 'tier', string_value: 'paid' }
    ])
  })
})
