import { describe, expect, test } from 'vitest'
import { comparisonRange, dateUnit, minimumUnit } from '../../src/server/routes/current/common'

const t = (iso: string) => Date.parse(iso)

describe('date ranges of the current API', () => {
  test('the previous period shifts both ends back by the range length in whole minutes (Umami v3)', () => {
    const day = { start: t('2026-03-10T00:00:00.000Z'), end: t('2026-03-10T23:59:59.999Z') }
    // 23:59:59.999 is 1439 whole minutes and a fraction: the shift is 1439 minutes, not a full day.
    expect(comparisonRange(day, 'prev')).toEqual({ start: t('2026-03-09T00:01:00.000Z'), end: t('2026-03-10T00:00:59.999Z') })
  })

  test('year over year moves the same window one calendar year back', () => {
    const range = { start: t('2026-03-01T00:00:00Z'), end: t('2026-03-31T23:59:59Z') }
    expect(comparisonRange(range, 'yoy')).toEqual({ start: t('2025-03-01T00:00:00Z'), end: t('2025-03-31T23:59:59Z') })
  })

  test('a unit too fine for the range is raised to the finest one allowed', () => {
    const hour = { start: t('2026-03-10T10:00:00Z'), end: t('2026-03-10T10:59:00Z') }
    const quarter = { start: t('2026-01-01T00:00:00Z'), end: t('2026-03-31T00:00:00Z') }
    expect(minimumUnit(hour)).toBe('minute')
    expect(dateUnit({ unit: 'minute' }, quarter)).toBe('day')
    expect(dateUnit({ unit: 'month' }, quarter)).toBe('month')
    expect(() => dateUnit({ unit: 'week' }, quarter)).toThrow(/unit must be one of/)
  })
})
