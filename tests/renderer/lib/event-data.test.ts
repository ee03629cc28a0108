import { describe, expect, test } from 'vitest'
import { eventsWithProperties, propertyValueText, valueRows } from '../../../src/renderer/src/lib/event-data'

describe('event properties explorer', () => {
  test('groups property rows by event, most used first, properties likewise', () => {
    const events = eventsWithProperties([
      { eventName: 'signup', propertyName: 'plan', total: 3 },
      { eventName: 'download', propertyName: 'file', total: 9 },
      { eventName: 'signup', propertyName: 'referrer', total: 5 },
      { eventName: 'signup', propertyName: 'coupon', total: 3 }
    ])
    expect(events.map((e) => [e.eventName, e.total])).toEqual([
      ['signup', 11],
      ['download', 9]
    ])
    expect(events[0]!.properties.map((p) => p.propertyName)).toEqual(['referrer', 'coupon', 'plan'])
    expect(eventsWithProperties([])).toEqual([])
  })

  test('values read as text, with empty and missing ones said in words', () => {
    expect(propertyValueText(42)).toBe('42')
    expect(propertyValueText('pro')).toBe('pro')
    expect(propertyValueText('')).toBe('(empty)')
    expect(propertyValueText(null)).toBe('(none)')
    expect(valueRows([{ value: 'pro', total: 4 }, { value: 0, total: 1 }])).toEqual([
      { x: 'pro', y: 4 },
      { x: '0', y: 1 }
    ])
  })
})
