import { describe, expect, test } from 'vitest'
import { formatClock, formatDateTime, instantOf } from '../../../src/renderer/src/lib/datetime'

describe('times of day in the dashboard’s zone', () => {
  const at = Date.parse('2026-03-05T13:03:05Z')

  test('a clock time and a date with time, in the zone asked for', () => {
    expect(formatClock(at, 'Europe/Berlin', 'en-GB')).toBe('14:03:05')
    expect(formatClock(at, 'America/New_York', 'en-US')).toBe('8:03:05 AM')
    expect(formatDateTime(at, 'Asia/Tokyo', 'en-US')).toBe('Mar 5, 2026, 10:03 PM')
  })

  test('a missing time is a dash; an unknown zone falls back to UTC rather than failing', () => {
    expect(formatClock(instantOf(null), 'UTC')).toBe('—')
    expect(formatDateTime(instantOf('not a date'), 'UTC')).toBe('—')
    expect(formatClock(at, 'Mars/Base', 'en-GB')).toBe('13:03:05')
  })
})
