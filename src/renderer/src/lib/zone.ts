/**
 * Wall-clock arithmetic in an IANA time zone with Intl alone (no date library). The dashboard shows
 * days, hours and months of the zone the user picked, not of the machine it runs on, so every
 * conversion between an instant and a local time goes through here.
 */

import { wallTime, zoneOffset } from '../../../shared/time-zone'

export { isValidTimeZone, wallTime, zoneOffset, type WallTime } from '../../../shared/time-zone'

const HALF_DAY = 43_200_000

/**
 * The instant a wall-clock time in `timeZone` names. Fields may overflow as with Date.UTC (day 0 is the
 * last day of the month before, hour 24 the next midnight). A time that occurs twice (DST ends) names
 * its first occurrence; a time skipped by a DST gap names the first instant after the gap, so "start of
 * the day" is always the day's first instant.
 */
export function fromWallTime(timeZone: string, year: number, month: number, day = 1, hour = 0, minute = 0, second = 0): number {
  const local = Date.UTC(year, month - 1, day, hour, minute, second)
  // No zone changes its offset twice within a day, so the offsets half a day either side are the only
  // candidates; a candidate is right when the instant it gives really has that offset.
  const before = zoneOffset(local - HALF_DAY, timeZone)
  const after = zoneOffset(local + HALF_DAY, timeZone)
  const valid = [before, after].map((offset) => local - offset).filter((t) => local - zoneOffset(t, timeZone) === t)
  if (valid.length > 0) return Math.min(...valid)
  // In a gap: read with the old offset, the time moves forward by the gap's length (02:30 → 03:30), and
  // a midnight that does not exist becomes the day's first instant.
  return local - before
}

/** Local midnight of the day `ms` falls on, `addDays` days later (negative: earlier). */
export function startOfDay(ms: number, timeZone: string, addDays = 0): number {
  const w = wallTime(ms, timeZone)
  return fromWallTime(timeZone, w.year, w.month, w.day + addDays)
}

/** The machine's zone, or UTC where Intl cannot tell. */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

/** Every zone Intl knows, for pickers, UTC first; a short list where the runtime cannot enumerate them. */
export function timeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] }
  const zones = intl.supportedValuesOf?.('timeZone') ?? ['Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo']
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')]
}
