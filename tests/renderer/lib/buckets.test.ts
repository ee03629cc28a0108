import { describe, expect, test } from 'vitest'
import { bucketKey, bucketKeys, fillBuckets, MAX_BUCKETS, zeroFilled } from '../../../src/renderer/src/lib/buckets'
import { customRange, presetRange } from '../../../src/renderer/src/lib/range'

const at = (iso: string) => Date.parse(iso)

describe('bucket keys', () => {
  test('both label styles of the API reduce to the same key', () => {
    expect(bucketKey('2024-03-05T14:00:00Z')).toBe('2024-03-05 14:00')
    expect(bucketKey('2024-03-05 14:00:00')).toBe('2024-03-05 14:00')
    expect(bucketKey('2024-03-01 00:00:00')).toBe(bucketKey('2024-03-01T00:00:00Z'))
  })

  test('a week in days has seven buckets, in local dates', () => {
    const r = customRange('2024-03-01', '2024-03-07', 'America/New_York')!
    expect(bucketKeys(r.startAt, r.endAt, 'day', 'America/New_York')).toEqual([
      '2024-03-01 00:00',
      '2024-03-02 00:00',
      '2024-03-03 00:00',
      '2024-03-04 00:00',
      '2024-03-05 00:00',
      '2024-03-06 00:00',
      '2024-03-07 00:00'
    ])
  })

  test('a day in hours has 24 buckets starting at local midnight', () => {
    const r = customRange('2024-07-01', '2024-07-01', 'Asia/Kolkata')!
    const keys = bucketKeys(r.startAt, r.endAt, 'hour', 'Asia/Kolkata')
    expect(keys).toHaveLength(24)
    expect(keys[0]).toBe('2024-07-01 00:00')
    expect(keys[23]).toBe('2024-07-01 23:00')
  })

  test('the day clocks go forward has 23 hour buckets, the day they go back 24 with the repeated hour once', () => {
    const spring = customRange('2024-03-31', '2024-03-31', 'Europe/Berlin')!
    const springKeys = bucketKeys(spring.startAt, spring.endAt, 'hour', 'Europe/Berlin')
    expect(springKeys).toHaveLength(23)
    expect(springKeys).not.toContain('2024-03-31 02:00')
    const autumn = customRange('2024-10-27', '2024-10-27', 'Europe/Berlin')!
    const autumnKeys = bucketKeys(autumn.startAt, autumn.endAt, 'hour', 'Europe/Berlin')
    // 25 real hours, but the server labels both 02:00 hours alike: one bucket.
    expect(autumnKeys).toHaveLength(24)
    expect(new Set(autumnKeys).size).toBe(24)
  })

  test('months and years follow the calendar', () => {
    const year = presetRange('thisYear', at('2024-06-01T00:00:00Z'), 'Europe/Berlin')
    const months = bucketKeys(year.startAt, year.endAt, 'month', 'Europe/Berlin')
    expect(months).toHaveLength(12)
    expect(months[0]).toBe('2024-01-01 00:00')
    expect(months[11]).toBe('2024-12-01 00:00')
    expect(bucketKeys(at('2019-05-01T00:00:00Z'), at('2024-02-01T00:00:00Z'), 'year', 'UTC')).toEqual([
      '2019-01-01 00:00',
      '2020-01-01 00:00',
      '2021-01-01 00:00',
      '2022-01-01 00:00',
      '2023-01-01 00:00',
      '2024-01-01 00:00'
    ])
  })

  test('minutes are whole local minutes, and runaway ranges stop at the cap', () => {
    const keys = bucketKeys(at('2024-03-05T10:00:30Z'), at('2024-03-05T10:04:59Z'), 'minute', 'UTC')
    expect(keys).toEqual(['2024-03-05 10:00', '2024-03-05 10:01', '2024-03-05 10:02', '2024-03-05 10:03', '2024-03-05 10:04'])
    expect(bucketKeys(0, at('2024-01-01T00:00:00Z'), 'day', 'UTC')).toHaveLength(MAX_BUCKETS)
    expect(bucketKeys(10, 5, 'day', 'UTC')).toEqual([])
  })
})

describe('zero fill', () => {
  test('missing buckets become zeros in time order; points outside the range are dropped', () => {
    const r = customRange('2024-03-01', '2024-03-04', 'UTC')!
    const filled = zeroFilled(
      [
        { x: '2024-03-02T00:00:00Z', y: 5 },
        { x: '2024-03-04T00:00:00Z', y: 2 },
        { x: '2024-02-20T00:00:00Z', y: 99 }
      ],
      r.startAt,
      r.endAt,
      'day',
      'UTC'
    )
    expect(filled).toEqual([
      { x: '2024-03-01 00:00', y: 0 },
      { x: '2024-03-02 00:00', y: 5 },
      { x: '2024-03-03 00:00', y: 0 },
      { x: '2024-03-04 00:00', y: 2 }
    ])
  })

  test('wall-clock labels of a zone land in that zone’s buckets', () => {
    const r = customRange('2024-03-10', '2024-03-10', 'America/New_York')!
    const keys = bucketKeys(r.startAt, r.endAt, 'hour', 'America/New_York')
    expect(keys).toHaveLength(23)
    const values = fillBuckets([{ x: '2024-03-10 03:00:00', y: 7 }], keys)
    expect(values[keys.indexOf('2024-03-10 03:00')]).toBe(7)
    expect(values.reduce((a, b) => a + b, 0)).toBe(7)
  })
})
