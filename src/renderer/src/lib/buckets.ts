import type { DateUnit, SeriesPoint } from '../../../shared/api/types'
import { fromWallTime, wallTime, type WallTime } from './zone'

/**
 * Time-series buckets between two instants. The API returns only buckets that have data; a chart needs
 * every bucket of the range, zeros included, labelled as the server labels them: wall-clock time in the
 * requested zone (`YYYY-MM-DD HH:mm:ss`), or ISO in UTC (`YYYY-MM-DDTHH:mm:00Z`) when no zone was sent.
 */

/** Far more than any chart can show; stops a minute unit over years from building millions of keys. */
export const MAX_BUCKETS = 5000

/**
 * A bucket's key: its local start as `YYYY-MM-DD HH:mm`. Both label styles the server sends reduce to
 * it, so series from either style line up with the buckets made here.
 */
export function bucketKey(label: string): string {
  return label.slice(0, 16).replace('T', ' ')
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

function keyOf(w: Pick<WallTime, 'year' | 'month' | 'day' | 'hour' | 'minute'>): string {
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`
}

/** The start of the bucket that wall time `w` falls in. */
function floorWall(w: WallTime, unit: DateUnit): Pick<WallTime, 'year' | 'month' | 'day' | 'hour' | 'minute'> {
  switch (unit) {
    case 'minute':
      return { year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute }
    case 'hour':
      return { year: w.year, month: w.month, day: w.day, hour: w.hour, minute: 0 }
    case 'day':
      return { year: w.year, month: w.month, day: w.day, hour: 0, minute: 0 }
    case 'month':
      return { year: w.year, month: w.month, day: 1, hour: 0, minute: 0 }
    case 'year':
      return { year: w.year, month: 1, day: 1, hour: 0, minute: 0 }
  }
}

/** Calendar buckets (day, month, year): counted on the wall calendar, where DST changes nothing. */
function calendarKeys(startAt: number, endAt: number, unit: 'day' | 'month' | 'year', timeZone: string): string[] {
  const first = floorWall(wallTime(startAt, timeZone), unit)
  const last = keyOf(floorWall(wallTime(endAt, timeZone), unit))
  const keys: string[] = []
  for (let i = 0; keys.length < MAX_BUCKETS; i++) {
    // Date.UTC is used as a plain calendar here: it normalises day 32 or month 13 to the next one.
    const d = new Date(
      Date.UTC(first.year + (unit === 'year' ? i : 0), first.month - 1 + (unit === 'month' ? i : 0), first.day + (unit === 'day' ? i : 0))
    )
    const key = keyOf({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: 0, minute: 0 })
    if (key > last) break
    keys.push(key)
  }
  return keys
}

/**
 * Clock buckets (hour, minute): walked in real time, so a DST change is what the server sees too. The
 * repeated hour when clocks go back is one bucket (the server groups by wall-clock label), the skipped
 * hour when they go forward is none. Steps of a quarter of the unit also catch zones whose offset is not
 * whole hours.
 */
function clockKeys(startAt: number, endAt: number, unit: 'hour' | 'minute', timeZone: string): string[] {
  const w = floorWall(wallTime(startAt, timeZone), unit)
  const step = unit === 'hour' ? 15 * 60_000 : 15_000
  const keys: string[] = []
  for (let t = fromWallTime(timeZone, w.year, w.month, w.day, w.hour, w.minute); t <= endAt && keys.length < MAX_BUCKETS; t += step) {
    const key = keyOf(floorWall(wallTime(t, timeZone), unit))
    if (key !== keys[keys.length - 1]) keys.push(key)
  }
  return keys
}

/** The keys of every bucket from `startAt` to `endAt` (inclusive), in time order. */
export function bucketKeys(startAt: number, endAt: number, unit: DateUnit, timeZone = 'UTC'): string[] {
  if (!(endAt >= startAt)) return []
  return unit === 'hour' || unit === 'minute' ? clockKeys(startAt, endAt, unit, timeZone) : calendarKeys(startAt, endAt, unit, timeZone)
}

/** The values of `points` on `keys`: zero where the API sent no bucket; points outside the keys are dropped. */
export function fillBuckets(points: readonly SeriesPoint[], keys: readonly string[]): number[] {
  const byKey = new Map<string, number>()
  for (const p of points) {
    const key = bucketKey(p.x)
    byKey.set(key, (byKey.get(key) ?? 0) + p.y)
  }
  return keys.map((key) => byKey.get(key) ?? 0)
}

/** A series with every bucket of the range, zeros included, keyed as `bucketKey` keys them. */
export function zeroFilled(points: readonly SeriesPoint[], startAt: number, endAt: number, unit: DateUnit, timeZone = 'UTC'): SeriesPoint[] {
  const keys = bucketKeys(startAt, endAt, unit, timeZone)
  const values = fillBuckets(points, keys)
  return keys.map((x, i) => ({ x, y: values[i]! }))
}

/** A key's wall time, read back as a UTC date: for formatting a label without shifting it again. */
export function keyAsUtcDate(key: string): Date {
  const [date, time = '00:00'] = key.split(' ')
  const [y, m, d] = date!.split('-').map(Number)
  const [h, min] = time.split(':').map(Number)
  return new Date(Date.UTC(y!, m! - 1, d!, h!, min!))
}
