import Database from 'better-sqlite3'
import { afterAll, describe, expect, test } from 'vitest'
import { bucketSql, type DateUnit, isValidTimeZone, offsetSegments, zoneOffset } from '../../src/server/lib/time'

// Expected instants come from the published rules of each zone:
//   America/New_York: EST (UTC−5); EDT (UTC−4) from 02:00 local on the 2nd Sunday of March (2026-03-08T07:00Z)
//     to 02:00 local on the 1st Sunday of November (2026-11-01T06:00Z).
//   Europe/Berlin: CET (UTC+1); CEST (UTC+2) from 01:00 UTC on the last Sunday of March (2026-03-29)
//     to 01:00 UTC on the last Sunday of October (2026-10-25).
//   Australia/Lord_Howe: UTC+10:30; UTC+11 (a half-hour shift) from 02:00 local on the 1st Sunday of October
//     (2026-10-03T15:30Z) to 02:00 local on the 1st Sunday of April (2026-04-04T15:00Z).
//   Asia/Kolkata UTC+5:30 and Asia/Kathmandu UTC+5:45 all year; Africa/Monrovia kept UTC−0:44:30 until 1972.

const H = 3_600_000
const M = 60_000
const S = 1000
const ms = (iso: string) => Date.parse(iso)

const NY_SPRING = ms('2026-03-08T07:00:00Z')
const NY_FALL = ms('2026-11-01T06:00:00Z')
const BERLIN_SPRING = ms('2026-03-29T01:00:00Z')
const BERLIN_FALL = ms('2026-10-25T01:00:00Z')
const LORD_HOWE_APRIL = ms('2026-04-04T15:00:00Z')
const LORD_HOWE_OCTOBER = ms('2026-10-03T15:30:00Z')
const YEAR_2026 = [ms('2026-01-01T00:00:00Z'), ms('2026-12-31T23:59:59.999Z')] as const

describe('isValidTimeZone', () => {
  test('accepts IANA zone names', () => {
    for (const tz of ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe']) expect(isValidTimeZone(tz), tz).toBe(true)
  })

  test('rejects unknown names, offsets and the empty string', () => {
    for (const tz of ['', 'Mars/Olympus_Mons', '+05:30', 'Not a zone']) expect(isValidTimeZone(tz), tz).toBe(false)
  })
})

describe('zoneOffset', () => {
  test('is zero for UTC, before and after the epoch', () => {
    expect(zoneOffset(ms('2026-07-01T12:00:00Z'), 'UTC')).toBe(0)
    expect(zoneOffset(0, 'UTC')).toBe(0)
    // 1.5 s before the epoch: the instant must be floored to the second, not truncated toward zero.
    expect(zoneOffset(-1500, 'UTC')).toBe(0)
  })

  test('gives standard and daylight time of America/New_York', () => {
    expect(zoneOffset(ms('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(-5 * H)
    expect(zoneOffset(ms('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-4 * H)
    expect(zoneOffset(ms('1969-07-01T00:00:00.500Z'), 'America/New_York')).toBe(-4 * H)
  })

  test('changes at the exact millisecond of each America/New_York transition', () => {
    expect(zoneOffset(NY_SPRING - 1, 'America/New_York')).toBe(-5 * H)
    expect(zoneOffset(NY_SPRING, 'America/New_York')).toBe(-4 * H)
    expect(zoneOffset(NY_FALL - 1, 'America/New_York')).toBe(-4 * H)
    expect(zoneOffset(NY_FALL, 'America/New_York')).toBe(-5 * H)
  })

  test('handles half-hour, quarter-hour and second offsets', () => {
    expect(zoneOffset(ms('2026-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5 * H + 30 * M)
    expect(zoneOffset(ms('2026-01-15T12:00:00Z'), 'Asia/Kathmandu')).toBe(5 * H + 45 * M)
    expect(zoneOffset(ms('2026-01-15T12:00:00Z'), 'Australia/Lord_Howe')).toBe(11 * H)
    expect(zoneOffset(ms('2026-07-15T12:00:00Z'), 'Australia/Lord_Howe')).toBe(10 * H + 30 * M)
    expect(zoneOffset(0, 'Africa/Monrovia')).toBe(-(44 * M + 30 * S))
  })

  test('gives Europe/Berlin CET and CEST', () => {
    expect(zoneOffset(BERLIN_SPRING - 1, 'Europe/Berlin')).toBe(1 * H)
    expect(zoneOffset(BERLIN_SPRING, 'Europe/Berlin')).toBe(2 * H)
    expect(zoneOffset(BERLIN_FALL - 1, 'Europe/Berlin')).toBe(2 * H)
    expect(zoneOffset(BERLIN_FALL, 'Europe/Berlin')).toBe(1 * H)
  })
})

describe('offsetSegments', () => {
  test('finds one offset for a zone without DST', () => {
    expect(offsetSegments('UTC', ...YEAR_2026)).toEqual([{ from: -Infinity, offset: 0 }])
    expect(offsetSegments('Asia/Kolkata', ...YEAR_2026)).toEqual([{ from: -Infinity, offset: 5.5 * H }])
  })

  test('finds both America/New_York transitions of 2026 to the millisecond', () => {
    expect(offsetSegments('America/New_York', ...YEAR_2026)).toEqual([
      { from: -Infinity, offset: -5 * H },
      { from: NY_SPRING, offset: -4 * H },
      { from: NY_FALL, offset: -5 * H }
    ])
  })

  test('finds both Europe/Berlin transitions of 2026 to the millisecond', () => {
    expect(offsetSegments('Europe/Berlin', ...YEAR_2026)).toEqual([
      { from: -Infinity, offset: 1 * H },
      { from: BERLIN_SPRING, offset: 2 * H },
      { from: BERLIN_FALL, offset: 1 * H }
    ])
  })

  test('finds the half-hour transitions of Australia/Lord_Howe', () => {
    expect(offsetSegments('Australia/Lord_Howe', ...YEAR_2026)).toEqual([
      { from: -Infinity, offset: 11 * H },
      { from: LORD_HOWE_APRIL, offset: 10.5 * H },
      { from: LORD_HOWE_OCTOBER, offset: 11 * H }
    ])
  })

  test('includes a transition at the last instant of the range and none just after it', () => {
    expect(offsetSegments('America/New_York', NY_FALL - 3 * H, NY_FALL)).toEqual([
      { from: -Infinity, offset: -4 * H },
      { from: NY_FALL, offset: -5 * H }
    ])
    expect(offsetSegments('America/New_York', NY_FALL - 3 * H, NY_FALL - 1)).toEqual([{ from: -Infinity, offset: -4 * H }])
  })

  test('starts with the new offset when the range begins at or after a transition', () => {
    expect(offsetSegments('America/New_York', NY_SPRING, NY_SPRING + 3 * H)).toEqual([{ from: -Infinity, offset: -4 * H }])
    expect(offsetSegments('America/New_York', NY_SPRING + 1, NY_SPRING + 1)).toEqual([{ from: -Infinity, offset: -4 * H }])
    expect(offsetSegments('America/New_York', NY_SPRING - 1, NY_SPRING - 1)).toEqual([{ from: -Infinity, offset: -5 * H }])
  })

  test('answers the same when asked again (the search is cached)', () => {
    const first = offsetSegments('Europe/Berlin', ms('2026-03-20T00:00:00Z'), ms('2026-04-10T00:00:00Z'))
    const again = offsetSegments('Europe/Berlin', ms('2026-03-20T00:00:00Z'), ms('2026-04-10T00:00:00Z'))
    expect(first).toEqual([
      { from: -Infinity, offset: 1 * H },
      { from: BERLIN_SPRING, offset: 2 * H }
    ])
    expect(again).toEqual(first)
  })

  test('agrees with zoneOffset every three hours of 2024–2027 in several zones', () => {
    const start = ms('2024-01-01T00:00:00Z')
    const end = ms('2027-12-31T21:00:00Z')
    for (const tz of ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Tehran']) {
      const segments = offsetSegments(tz, start, end)
      for (const [i, segment] of segments.entries()) {
        if (i === 0) continue
        // Each boundary is exact: the previous offset holds 1 ms before it, the new one from it on.
        expect(zoneOffset(segment.from - 1, tz), `${tz} before ${new Date(segment.from).toISOString()}`).toBe(segments[i - 1]!.offset)
        expect(zoneOffset(segment.from, tz), `${tz} at ${new Date(segment.from).toISOString()}`).toBe(segment.offset)
      }
      let i = 0
      for (let t = start; t <= end; t += 3 * H) {
        while (i + 1 < segments.length && segments[i + 1]!.from <= t) i++
        if (segments[i]!.offset !== zoneOffset(t, tz)) expect.fail(`${tz} at ${new Date(t).toISOString()}`)
      }
    }
  })

  test('does not throw for a range reaching past the limit of Date', () => {
    expect(() => offsetSegments('America/New_York', 8.64e15 - 86_400_000, 1e16)).not.toThrow()
  })
})

describe('bucketSql', () => {
  const db = new Database(':memory:')
  db.exec('CREATE TABLE hit (created_at INTEGER NOT NULL)')
  afterAll(() => db.close())

  /** The label SQLite computes for one instant, with the offsets searched over [start, end]. */
  function label(instant: number | string, unit: DateUnit, tz: string, start = instant, end = instant): string {
    const at = typeof instant === 'string' ? ms(instant) : instant
    const from = typeof start === 'string' ? ms(start) : start
    const to = typeof end === 'string' ? ms(end) : end
    const bucket = bucketSql('h.created_at', unit, tz, from, to)
    db.exec('DELETE FROM hit')
    db.prepare('INSERT INTO hit (created_at) VALUES (?)').run(at)
    return db.prepare(`SELECT ${bucket.sql} AS t FROM hit h`).pluck().get(bucket.params) as string
  }

  test('formats minute, hour, day, month and year labels', () => {
    const at = '2026-07-04T13:45:30.250Z'
    expect(label(at, 'minute', 'UTC')).toBe('2026-07-04 13:45:00')
    expect(label(at, 'hour', 'UTC')).toBe('2026-07-04 13:00:00')
    expect(label(at, 'day', 'UTC')).toBe('2026-07-04')
    expect(label(at, 'month', 'UTC')).toBe('2026-07-01')
    expect(label(at, 'year', 'UTC')).toBe('2026-01-01')
  })

  test('labels the America/New_York fall-back hour twice over with the same local hour', () => {
    const range = ['2026-11-01T00:00:00Z', '2026-11-01T12:00:00Z'] as const
    expect(label('2026-11-01T04:59:59.999Z', 'hour', 'America/New_York', ...range)).toBe('2026-11-01 00:00:00')
    expect(label('2026-11-01T05:30:00Z', 'hour', 'America/New_York', ...range)).toBe('2026-11-01 01:00:00') // EDT
    expect(label('2026-11-01T05:59:59.999Z', 'hour', 'America/New_York', ...range)).toBe('2026-11-01 01:00:00')
    expect(label('2026-11-01T06:00:00Z', 'hour', 'America/New_York', ...range)).toBe('2026-11-01 01:00:00') // EST
    expect(label('2026-11-01T06:30:00Z', 'hour', 'America/New_York', ...range)).toBe('2026-11-01 01:00:00')
    expect(label('2026-11-01T07:00:00Z', 'hour', 'America/New_York', ...range)).toBe('2026-11-01 02:00:00')
  })

  test('skips the missing America/New_York spring-forward hour', () => {
    const range = ['2026-03-08T00:00:00Z', '2026-03-08T12:00:00Z'] as const
    expect(label('2026-03-08T06:59:59.999Z', 'hour', 'America/New_York', ...range)).toBe('2026-03-08 01:00:00')
    expect(label('2026-03-08T07:00:00Z', 'hour', 'America/New_York', ...range)).toBe('2026-03-08 03:00:00')
  })

  test('uses the offset of each row when the range spans several transitions', () => {
    // Midnight is 05:00Z in winter and 04:00Z in summer.
    for (const [at, day] of [
      ['2026-01-15T04:59:59Z', '2026-01-14'],
      ['2026-01-15T05:00:00Z', '2026-01-15'],
      ['2026-07-15T03:59:59Z', '2026-07-14'],
      ['2026-07-15T04:00:00Z', '2026-07-15'],
      ['2026-12-15T04:59:59Z', '2026-12-14'],
      ['2026-12-15T05:00:00Z', '2026-12-15']
    ]) {
      expect(label(at!, 'day', 'America/New_York', ...YEAR_2026), at).toBe(day)
    }
  })

  test('cuts days and hours of Asia/Kolkata on the half hour of UTC', () => {
    expect(label('2026-01-15T18:29:59.999Z', 'day', 'Asia/Kolkata')).toBe('2026-01-15')
    expect(label('2026-01-15T18:30:00Z', 'day', 'Asia/Kolkata')).toBe('2026-01-16')
    expect(label('2026-01-15T10:15:00Z', 'hour', 'Asia/Kolkata')).toBe('2026-01-15 15:00:00')
    expect(label('2026-01-15T10:45:00Z', 'hour', 'Asia/Kolkata')).toBe('2026-01-15 16:00:00')
  })

  test('applies offsets with seconds, before the epoch in local time', () => {
    // The epoch in Monrovia was 1969-12-31 23:15:30 local.
    expect(label(0, 'minute', 'Africa/Monrovia')).toBe('1969-12-31 23:15:00')
    expect(label(0, 'day', 'Africa/Monrovia')).toBe('1969-12-31')
    // 29.5 s after the epoch is 23:15:59.5 local: still minute 23:15 (a division truncating toward zero gives 23:16).
    expect(label(29_500, 'minute', 'Africa/Monrovia')).toBe('1969-12-31 23:15:00')
    // 0.5 s before 19:00 local on 1969-12-31 in New York (UTC−5): still the 18:00 hour.
    expect(label(-500, 'hour', 'America/New_York', -500, 0)).toBe('1969-12-31 18:00:00')
  })

  test('binds offsets under the given prefix, so two buckets can share a statement', () => {
    const ny = bucketSql('h.created_at', 'hour', 'America/New_York', ...YEAR_2026, 'a')
    const berlin = bucketSql('h.created_at', 'hour', 'Europe/Berlin', ...YEAR_2026, 'b')
    expect(Object.keys(ny.params).every((k) => k.startsWith('a'))).toBe(true)
    expect(Object.keys(berlin.params).every((k) => k.startsWith('b'))).toBe(true)
    db.exec('DELETE FROM hit')
    db.prepare('INSERT INTO hit (created_at) VALUES (?)').run(ms('2026-07-01T12:00:00Z'))
    const row = db.prepare(`SELECT ${ny.sql} AS ny, ${berlin.sql} AS berlin FROM hit h`).get({ ...ny.params, ...berlin.params })
    // 12:00Z is 08:00 EDT and 14:00 CEST.
    expect(row).toEqual({ ny: '2026-07-01 08:00:00', berlin: '2026-07-01 14:00:00' })
  })
})
