import { describe, expect, test } from 'vitest'
import {
  customRange,
  dateInputValue,
  defaultUnit,
  effectiveUnit,
  minimumUnit,
  parseDateInput,
  presetRange,
  resolveRange,
  unitChoices
} from '../../../src/renderer/src/lib/range'
import { fromWallTime, startOfDay, timeZones, wallTime, zoneOffset } from '../../../src/renderer/src/lib/zone'

const HOUR = 3_600_000
const at = (iso: string) => Date.parse(iso)
const iso = (ms: number) => new Date(ms).toISOString()

describe('wall-clock time in a zone', () => {
  test('reads the local time and offset of an instant', () => {
    expect(wallTime(at('2024-07-01T12:00:00Z'), 'Europe/Berlin')).toMatchObject({ year: 2024, month: 7, day: 1, hour: 14 })
    expect(zoneOffset(at('2024-01-15T12:00:00Z'), 'America/New_York')).toBe(-5 * HOUR)
    expect(zoneOffset(at('2024-07-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * HOUR)
  })

  test('names the first occurrence of a local time that happens twice when clocks go back', () => {
    // New York, 3 Nov 2024: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(iso(fromWallTime('America/New_York', 2024, 11, 3, 1, 30))).toBe('2024-11-03T05:30:00.000Z')
  })

  test('moves a local time skipped by the spring gap forward past it', () => {
    // New York, 10 Mar 2024: 02:00–03:00 does not exist; 02:30 reads as 03:30 EDT.
    expect(iso(fromWallTime('America/New_York', 2024, 3, 10, 2, 30))).toBe('2024-03-10T07:30:00.000Z')
  })

  test('starts a day whose midnight does not exist at its first instant', () => {
    // Santiago, 8 Sep 2024: clocks jump from 00:00 to 01:00, so the day starts at 01:00 local (04:00Z).
    const start = startOfDay(at('2024-09-08T15:00:00Z'), 'America/Santiago')
    expect(iso(start)).toBe('2024-09-08T04:00:00.000Z')
    expect(wallTime(start, 'America/Santiago')).toMatchObject({ day: 8, hour: 1, minute: 0 })
  })

  test('lists UTC first among the zones a picker offers', () => {
    const zones = timeZones()
    expect(zones[0]).toBe('UTC')
    expect(zones).toContain('Europe/Berlin')
    expect(zones.filter((z) => z === 'UTC')).toHaveLength(1)
  })
})

describe('range presets', () => {
  const now = at('2024-03-15T10:20:00Z')

  test('today runs from local midnight to the last millisecond of the local day', () => {
    const r = presetRange('today', now, 'Asia/Tokyo')
    expect(iso(r.startAt)).toBe('2024-03-14T15:00:00.000Z')
    expect(iso(r.endAt)).toBe('2024-03-15T14:59:59.999Z')
  })

  test('today is the day of the chosen zone, not of UTC', () => {
    // 10:20 UTC is still the 14th in Los Angeles.
    const r = presetRange('today', now, 'America/Los_Angeles')
    expect(dateInputValue(r.startAt, 'America/Los_Angeles')).toBe('2024-03-15')
    const early = presetRange('today', at('2024-03-15T05:00:00Z'), 'America/Los_Angeles')
    expect(dateInputValue(early.startAt, 'America/Los_Angeles')).toBe('2024-03-14')
  })

  test('the last 24 hours end with the current local hour', () => {
    const r = presetRange('24h', now, 'UTC')
    expect(iso(r.startAt)).toBe('2024-03-14T11:00:00.000Z')
    expect(iso(r.endAt)).toBe('2024-03-15T10:59:59.999Z')
    // Kathmandu is UTC+5:45: its hours start at :15 past the UTC hour.
    const k = presetRange('24h', now, 'Asia/Kathmandu')
    expect(iso(k.endAt + 1)).toBe('2024-03-15T11:15:00.000Z')
    expect(k.endAt + 1 - k.startAt).toBe(24 * HOUR)
  })

  test('the last 7 days include today and span a DST change at 23 hours for that day', () => {
    // Europe/Berlin moves to summer time on 31 Mar 2024.
    const r = presetRange('7d', at('2024-04-02T12:00:00Z'), 'Europe/Berlin')
    expect(iso(r.startAt)).toBe('2024-03-26T23:00:00.000Z') // 27 Mar 00:00 CET
    expect(iso(r.endAt)).toBe('2024-04-02T21:59:59.999Z') // 2 Apr 23:59:59.999 CEST
    expect(r.endAt + 1 - r.startAt).toBe(7 * 24 * HOUR - HOUR)
  })

  test('30 and 90 days count whole local days back from today', () => {
    expect(dateInputValue(presetRange('30d', now, 'UTC').startAt, 'UTC')).toBe('2024-02-15')
    expect(dateInputValue(presetRange('90d', now, 'UTC').startAt, 'UTC')).toBe('2023-12-17')
  })

  test('yesterday ends where today starts', () => {
    const y = presetRange('yesterday', now, 'Europe/Paris')
    expect(y.endAt + 1).toBe(presetRange('today', now, 'Europe/Paris').startAt)
    expect(dateInputValue(y.startAt, 'Europe/Paris')).toBe('2024-03-14')
  })

  test('this month, last month and this year follow the calendar of the zone', () => {
    const month = presetRange('thisMonth', now, 'America/New_York')
    expect(iso(month.startAt)).toBe('2024-03-01T05:00:00.000Z') // EST
    expect(iso(month.endAt)).toBe('2024-04-01T03:59:59.999Z') // EDT
    const last = presetRange('lastMonth', now, 'UTC')
    expect([iso(last.startAt), iso(last.endAt)]).toEqual(['2024-02-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z'])
    const january = presetRange('lastMonth', at('2024-01-10T00:00:00Z'), 'UTC')
    expect(iso(january.startAt)).toBe('2023-12-01T00:00:00.000Z')
    const year = presetRange('thisYear', now, 'UTC')
    expect([iso(year.startAt), iso(year.endAt)]).toEqual(['2024-01-01T00:00:00.000Z', '2024-12-31T23:59:59.999Z'])
    const twelve = presetRange('12m', now, 'UTC')
    expect(iso(twelve.startAt)).toBe('2023-04-01T00:00:00.000Z')
  })
})

describe('custom ranges', () => {
  test('cover both dates whole, in the zone', () => {
    const r = customRange('2024-03-01', '2024-03-03', 'Europe/Berlin')!
    expect(iso(r.startAt)).toBe('2024-02-29T23:00:00.000Z')
    expect(iso(r.endAt)).toBe('2024-03-03T22:59:59.999Z')
  })

  test('swap dates given the wrong way round and reject what is no date', () => {
    expect(customRange('2024-03-03', '2024-03-01', 'UTC')).toEqual(customRange('2024-03-01', '2024-03-03', 'UTC'))
    expect(customRange('2024-02-30', '2024-03-01', 'UTC')).toBeUndefined()
    expect(customRange('yesterday', '2024-03-01', 'UTC')).toBeUndefined()
    expect(parseDateInput('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 })
    expect(parseDateInput('2023-02-29')).toBeUndefined()
  })
})

describe('time-series units', () => {
  const day = 24 * HOUR
  test('the default gives hours for a day or two, days up to about six months, months beyond', () => {
    expect(defaultUnit({ startAt: 0, endAt: day - 1 })).toBe('hour')
    expect(defaultUnit({ startAt: 0, endAt: 7 * day - 1 })).toBe('day')
    expect(defaultUnit({ startAt: 0, endAt: 90 * day - 1 })).toBe('day')
    expect(defaultUnit({ startAt: 0, endAt: 365 * day - 1 })).toBe('month')
  })

  test('a unit finer than the server allows is coarsened as the server does', () => {
    const quarter = { startAt: at('2024-01-01T00:00:00Z'), endAt: at('2024-03-31T00:00:00Z') }
    expect(minimumUnit(quarter)).toBe('day')
    expect(effectiveUnit(quarter, 'hour')).toBe('day')
    expect(effectiveUnit(quarter, 'month')).toBe('month')
    expect(minimumUnit({ startAt: 0, endAt: 30 * 60_000 })).toBe('minute')
    expect(minimumUnit({ startAt: at('2020-01-01T00:00:00Z'), endAt: at('2024-01-01T00:00:00Z') })).toBe('year')
  })

  test('the unit switch offers what gives more than one bucket', () => {
    expect(unitChoices({ startAt: 0, endAt: day - 1 })).toEqual(['hour'])
    expect(unitChoices({ startAt: 0, endAt: 7 * day - 1 })).toEqual(['hour', 'day'])
    expect(unitChoices(presetRange('90d', at('2024-06-15T00:00:00Z'), 'UTC'))).toEqual(['day', 'month'])
    expect(unitChoices(presetRange('thisYear', at('2024-06-15T00:00:00Z'), 'UTC'))).toEqual(['month'])
  })

  test('a selection resolves to its range and an allowed unit', () => {
    const now = at('2024-03-15T10:20:00Z')
    expect(resolveRange({ kind: '7d' }, now, 'UTC').unit).toBe('day')
    expect(resolveRange({ kind: '7d', unit: 'hour' }, now, 'UTC').unit).toBe('hour')
    expect(resolveRange({ kind: '7d', unit: 'year' }, now, 'UTC').unit).toBe('day')
    const custom = resolveRange({ kind: 'custom', startDate: '2024-01-01', endDate: '2024-01-01' }, now, 'UTC')
    expect(custom).toEqual({ startAt: at('2024-01-01T00:00:00Z'), endAt: at('2024-01-01T23:59:59.999Z'), unit: 'hour' })
    // A broken custom range in a hand-edited URL still shows the last week.
    expect(resolveRange({ kind: 'custom', startDate: 'x' }, now, 'UTC').startAt).toBe(presetRange('7d', now, 'UTC').startAt)
  })
})
