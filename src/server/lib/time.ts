/** Time-zone maths for date buckets. SQLite knows no IANA zones, so offsets are computed here. */

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

/** Offset of `timeZone` from UTC at instant `t`, in ms (positive east of Greenwich). */
export function zoneOffset(timeZone: string, t: number): number {
  const parts: Record<string, number> = {}
  for (const p of formatter(timeZone).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!)
  return local - Math.floor(t / 1000) * 1000
}

export interface OffsetSegment {
  /** First instant (ms, inclusive) this offset applies to; the first segment starts at -infinity. */
  from: number
  offset: number
}

const DAY = 86_400_000

/**
 * The UTC offsets in force over [start, end], with the exact instants where they change (DST).
 * Found by sampling every 6 hours and bisecting each change down to the millisecond.
 */
export function offsetSegments(timeZone: string, start: number, end: number): OffsetSegment[] {
  const step = DAY / 4
  const segments: OffsetSegment[] = [{ from: -Infinity, offset: zoneOffset(timeZone, start) }]
  let prevT = start
  let prevOffset = segments[0]!.offset
  for (let t = Math.min(start + step, end); ; t = Math.min(t + step, end)) {
    const offset = zoneOffset(timeZone, t)
    if (offset !== prevOffset) {
      let lo = prevT
      let hi = t
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2)
        if (zoneOffset(timeZone, mid) === prevOffset) lo = mid
        else hi = mid
      }
      segments.push({ from: hi, offset })
      prevOffset = offset
    }
    prevT = t
    if (t >= end) break
  }
  return segments
}

export type DateUnit = 'minute' | 'hour' | 'day' | 'month' | 'year'

export const BUCKET_FORMAT: Record<DateUnit, string> = {
  minute: '%Y-%m-%d %H:%M:00',
  hour: '%Y-%m-%d %H:00:00',
  day: '%Y-%m-%d',
  month: '%Y-%m-01',
  year: '%Y-01-01'
}

/**
 * SQL for the local-time bucket label of `column` (ms UTC) in `timeZone`, DST-correct per row.
 * Offsets are bound as parameters named `${prefix}N`; returns the expression and its parameters.
 */
export function bucketSql(
  column: string,
  unit: DateUnit,
  timeZone: string,
  start: number,
  end: number,
  prefix = 'tz'
): { sql: string; params: Record<string, number> } {
  const segments = offsetSegments(timeZone, start, end)
  const params: Record<string, number> = {}
  let offsetExpr: string
  if (segments.length === 1) {
    params[`${prefix}o0`] = segments[0]!.offset
    offsetExpr = `@${prefix}o0`
  } else {
    const whens = segments.slice(1).map((segment, i) => {
      params[`${prefix}t${i}`] = segment.from
      params[`${prefix}o${i}`] = segments[i]!.offset
      return `WHEN ${column} < @${prefix}t${i} THEN @${prefix}o${i}`
    })
    params[`${prefix}o${segments.length - 1}`] = segments[segments.length - 1]!.offset
    offsetExpr = `CASE ${whens.join(' ')} ELSE @${prefix}o${segments.length - 1} END`
  }
  return {
    sql: `strftime('${BUCKET_FORMAT[unit]}', (${column} + ${offsetExpr}) / 1000, 'unixepoch')`,
    params
  }
}
