/** Time-zone maths for date buckets. SQLite knows no IANA zones, so offsets are computed here. */

import { zoneOffset } from '../../shared/time-zone'

export { isValidTimeZone, zoneOffset } from '../../shared/time-zone'

export interface OffsetSegment {
  /** First instant (ms, inclusive) this offset applies to; the first segment starts at -infinity. */
  from: number
  offset: number
}

const DAY = 86_400_000
/** Offsets are sampled this often; no zone changes its offset twice within six hours. */
const STEP = DAY / 4
/**
 * Offset changes are searched per chunk of 32 days on a fixed grid and cached, so a dashboard asking for
 * the same months again does no time-zone work. The grid divides the whole Date range (±1e8 days) evenly.
 */
const CHUNK = 128 * STEP
/** The limits of a JavaScript Date; beyond them Intl throws. */
const MAX_TIME = 8.64e15
const transitionCache = new Map<string, OffsetSegment[]>()
const TRANSITION_CACHE_SIZE = 20_000

/** The offset changes in (chunkStart, chunkStart + CHUNK], each bisected to the exact millisecond. */
function transitionsIn(timeZone: string, chunkStart: number): OffsetSegment[] {
  const key = `${timeZone}\n${chunkStart}`
  const cached = transitionCache.get(key)
  if (cached) return cached
  const found: OffsetSegment[] = []
  let prevT = chunkStart
  let prevOffset = zoneOffset(chunkStart, timeZone)
  for (let t = chunkStart + STEP; t <= chunkStart + CHUNK; t += STEP) {
    const offset = zoneOffset(t, timeZone)
    if (offset !== prevOffset) {
      let lo = prevT
      let hi = t
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2)
        if (zoneOffset(mid, timeZone) === prevOffset) lo = mid
        else hi = mid
      }
      found.push({ from: hi, offset })
    }
    prevT = t
    prevOffset = offset
  }
  if (transitionCache.size >= TRANSITION_CACHE_SIZE) transitionCache.clear()
  transitionCache.set(key, found)
  return found
}

/**
 * The UTC offsets in force over [start, end], with the exact instants where they change (DST).
 * Changes are found by sampling every 6 hours and bisecting each one down to the millisecond. The work
 * grows with the length of the range, so callers should pass the span of their data, not of the request.
 */
export function offsetSegments(timeZone: string, start: number, end: number): OffsetSegment[] {
  const from = Math.min(Math.max(start, -MAX_TIME), MAX_TIME)
  const to = Math.min(Math.max(end, -MAX_TIME), MAX_TIME)
  const segments: OffsetSegment[] = [{ from: -Infinity, offset: zoneOffset(from, timeZone) }]
  let current = segments[0]!.offset
  for (let chunk = Math.floor(from / CHUNK) * CHUNK; chunk < to; chunk += CHUNK) {
    for (const change of transitionsIn(timeZone, chunk)) {
      if (change.from <= from || change.from > to || change.offset === current) continue
      segments.push(change)
      current = change.offset
    }
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
 * SQL for `column` (ms UTC) shifted to local wall-clock ms in `timeZone`, DST-correct per row: the offsets
 * in force over [start, end] become a CASE over `column`. Offsets are bound as parameters named `${prefix}…`.
 */
export function localTimeSql(
  column: string,
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
  return { sql: `(${column} + ${offsetExpr})`, params }
}

/** SQL for the local-time bucket label of `column` (ms UTC) in `timeZone`; see localTimeSql. */
export function bucketSql(
  column: string,
  unit: DateUnit,
  timeZone: string,
  start: number,
  end: number,
  prefix = 'tz'
): { sql: string; params: Record<string, number> } {
  const local = localTimeSql(column, timeZone, start, end, prefix)
  return {
    // 1000.0, not 1000: an integer division would truncate toward zero and put local instants just
    // before 1970 in the next second (and so the next minute, hour or day).
    sql: `strftime('${BUCKET_FORMAT[unit]}', ${local.sql} / 1000.0, 'unixepoch')`,
    params: local.params
  }
}
