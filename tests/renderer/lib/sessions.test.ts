import { describe, expect, test } from 'vitest'
import type { SessionActivity } from '../../../src/shared/api/types'
import { groupVisits, placeOf, shortId } from '../../../src/renderer/src/lib/sessions'

let nextId = 1
const hit = (visitId: string, at: string, over: Partial<SessionActivity> = {}): SessionActivity => ({
  createdAt: at,
  urlPath: '/',
  urlQuery: null,
  referrerDomain: null,
  eventId: String(nextId++),
  eventType: 1,
  eventName: null,
  visitId,
  hostname: 'example.com',
  hasData: false,
  ...over
})

describe('session timeline', () => {
  test('groups activity (newest first from the API) into visits in the order they happened, hits oldest first', () => {
    const activity = [
      hit('v2', '2026-03-02T09:10:00.000Z', { urlPath: '/pricing' }),
      hit('v2', '2026-03-02T09:00:00.000Z', { urlPath: '/' }),
      hit('v1', '2026-03-01T18:00:30.000Z', { eventType: 2, eventName: 'signup', urlPath: '/join' }),
      hit('v1', '2026-03-01T18:00:00.000Z', { urlPath: '/join' })
    ]
    const visits = groupVisits(activity)
    expect(visits.map((v) => v.visitId)).toEqual(['v1', 'v2'])
    expect(visits[0]).toMatchObject({ views: 1, events: 1, duration: 30, startAt: Date.parse('2026-03-01T18:00:00.000Z') })
    expect(visits[0]!.items.map((i) => i.eventName ?? i.urlPath)).toEqual(['/join', 'signup'])
    expect(visits[1]!.items.map((i) => i.urlPath)).toEqual(['/', '/pricing'])
    expect(visits[1]!.duration).toBe(600)
  })

  test('hits in the same millisecond keep the order they were stored in', () => {
    const [first, second] = [hit('v', '2026-03-01T10:00:00.000Z', { urlPath: '/a' }), hit('v', '2026-03-01T10:00:00.000Z', { urlPath: '/b' })]
    expect(groupVisits([second!, first!])[0]!.items.map((i) => i.urlPath)).toEqual(['/a', '/b'])
    expect(groupVisits([])).toEqual([])
  })

  test('a visitor is named by the first block of its id, and placed as precisely as known', () => {
    expect(shortId('3f2a9c1e-0b4d-5e6f-8a9b-0c1d2e3f4a5b')).toBe('3f2a9c1e')
    const name = (code: string) => ({ DE: 'Germany' })[code] ?? code
    expect(placeOf({ city: 'Berlin', country: 'DE' }, name)).toBe('Berlin, Germany')
    expect(placeOf({ city: null, country: 'DE' }, name)).toBe('Germany')
    expect(placeOf({ city: null, country: null }, name)).toBe('Unknown')
  })
})
