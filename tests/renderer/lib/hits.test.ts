import { describe, expect, test } from 'vitest'
import type { RealtimeItem, WebsiteEvent } from '../../../src/shared/api/types'
import { countRows, listedHit, realtimeFeed } from '../../../src/renderer/src/lib/hits'

const item = (over: Partial<RealtimeItem>): RealtimeItem => ({
  __type: 'pageview',
  sessionId: 's1',
  urlPath: '/',
  referrerDomain: null,
  country: 'DE',
  eventName: null,
  createdAt: '2026-03-01T10:00:00.000Z',
  browser: 'chrome',
  os: 'Windows 10',
  device: 'desktop',
  hostname: 'example.com',
  ...over
})

describe('realtime feed', () => {
  test('lists views and events newest first, without the new-visitor markers', () => {
    const items = [
      item({ __type: 'event', eventName: 'signup', urlPath: '/join', createdAt: '2026-03-01T10:02:00.000Z' }),
      item({ urlPath: '/join', createdAt: '2026-03-01T10:01:00.000Z' }),
      item({ urlPath: '/', createdAt: '2026-03-01T10:00:00.000Z', sessionId: 's2', country: null }),
      item({ __type: 'session', urlPath: '/', createdAt: '2026-03-01T10:00:00.000Z', sessionId: 's2', country: null })
    ]
    const feed = realtimeFeed(items)
    expect(feed.map((r) => [r.kind, r.label, r.path])).toEqual([
      ['event', 'signup', '/join'],
      ['view', '/join', '/join'],
      ['view', '/', '/']
    ])
    expect(feed[0]!.at).toBe(Date.parse('2026-03-01T10:02:00.000Z'))
    expect(feed[2]).toMatchObject({ sessionId: 's2', country: null, browser: 'chrome', device: 'desktop' })
  })

  test('keys stay the same when newer hits arrive, and twin hits get keys of their own', () => {
    const older = [item({ urlPath: '/a' }), item({ urlPath: '/a' })]
    const before = realtimeFeed(older).map((r) => r.key)
    expect(new Set(before).size).toBe(2)
    const after = realtimeFeed([item({ urlPath: '/b', createdAt: '2026-03-01T10:05:00.000Z' }), ...older]).map((r) => r.key)
    expect(after.slice(1)).toEqual(before)
  })

  test('stops at the limit', () => {
    const many = Array.from({ length: 80 }, (_, i) => item({ urlPath: `/${i}` }))
    expect(realtimeFeed(many)).toHaveLength(50)
    expect(realtimeFeed(many, 5).map((r) => r.label)).toEqual(['/0', '/1', '/2', '/3', '/4'])
  })

  test('count maps become rows, largest first, ties by value', () => {
    expect(countRows({ '/b': 2, '/a': 2, '/c': 5 })).toEqual([
      { x: '/c', y: 5 },
      { x: '/a', y: 2 },
      { x: '/b', y: 2 }
    ])
    expect(countRows({})).toEqual([])
  })

  test('an /events hit reads like a feed line: events by name, views by path', () => {
    const event: WebsiteEvent = {
      id: '42',
      websiteId: 'w',
      sessionId: 's9',
      distinctId: null,
      createdAt: '2026-03-01T10:00:00.000Z',
      hostname: 'example.com',
      urlPath: '/join',
      urlQuery: null,
      referrerPath: null,
      referrerQuery: null,
      referrerDomain: null,
      country: 'FR',
      city: null,
      device: 'mobile',
      os: 'iOS',
      browser: 'ios',
      pageTitle: null,
      eventType: 2,
      eventName: 'signup',
      hasData: false
    }
    expect(listedHit(event)).toEqual({
      key: '42',
      at: Date.parse('2026-03-01T10:00:00.000Z'),
      kind: 'event',
      label: 'signup',
      path: '/join',
      sessionId: 's9',
      country: 'FR',
      browser: 'ios',
      device: 'mobile'
    })
    expect(listedHit({ ...event, eventType: 1, eventName: null })).toMatchObject({ kind: 'view', label: '/join' })
  })
})
