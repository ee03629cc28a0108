/**
 * Wall-clock arithmetic in an IANA time zone with Intl alone (no date library), shared by the server
 * (SQLite knows no zones: buckets are computed from offsets) and the dashboard (days of the zone the user
 * picked, not of the machine it runs on).
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
    // Keyed by the name as asked (from URLs and queries), so spelling variants are separate: keep it bounded.
    if (formatters.size >= 1000) formatters.clear()
    formatters.set(timeZone, f)
  }
  return f
}

export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone) return false
  try {
    formatter(timeZone)
    return true
  } catch {
    return false
  }
}

/** The wall-clock time in `timeZone` at instant `ms`. */
export function wallTime(ms: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {}
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! }
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms (positive east of Greenwich). */
export function zoneOffset(ms: number, timeZone: string): number {
  const w = wallTime(ms, timeZone)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000
}
