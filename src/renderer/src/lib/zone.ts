/**
 * Wall-clock arithmetic in an IANA time zone with Intl alone (no date library). The dashboard shows
 * days, hours and months of the zone the user picked, not of the machine it runs on, so every
 * conversion between an instant and a local time goes through here.
 */

/** A local time in some zone; `month` is 1-based. */
export interface WallTime {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
    // Zone names come from the URL; keep the cache bounded whatever is typed there.
    if (formatters.size >= 100) formatters.clear()
    formatters.set(timeZone, f)
  }
  return f
}

/** The wall-clock time in `timeZone` at instant `ms`. */
export function wallTime(ms: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {}
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! }
}

/** How far `timeZone` is ahead of UTC at instant `ms`, in ms. */
export function zoneOffset(ms: number, timeZone: string): number {
  const w = wallTime(ms, timeZone)
  const whole = ms - (((ms % 1000) + 1000) % 1000)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - whole
}

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

export function isValidTimeZone(zone: string): boolean {
  if (!zone) return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Every zone Intl knows, for pickers, UTC first; a short list where the runtime cannot enumerate them. */
export function timeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] }
  const zones = intl.supportedValuesOf?.('timeZone') ?? ['Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo']
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')]
}
