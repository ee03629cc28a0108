import type { DateRange, DateUnit } from '../../../shared/api/types'

/**
 * Date range presets and wall-clock arithmetic in an IANA time zone, with Intl only (no date library):
 * "today" starts at local midnight of the zone the dashboard shows, not of the machine.
 */

export const RANGE_PRESETS = ['24h', 'today', 'yesterday', '7d', '30d', '90d', 'thisMonth', 'lastMonth', '12m', 'thisYear'] as const
export type RangePreset = (typeof RANGE_PRESETS)[number]
/** A preset, or `custom` with explicit start and end. */
export type RangeKind = RangePreset | 'custom'

export const RANGE_LABELS: Record<RangeKind, string> = {
  '24h': 'Last 24 hours',
  today: 'Today',
  yesterday: 'Yesterday',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  thisMonth: 'This month',
  lastMonth: 'Last month',
  '12m': 'Last 12 months',
  thisYear: 'This year',
  custom: 'Custom range'
}

export const DATE_UNITS: DateUnit[] = ['minute', 'hour', 'day', 'month', 'year']

export const isRangePreset = (value: unknown): value is RangePreset => RANGE_PRESETS.includes(value as RangePreset)

const HOUR = 3_600_000
const DAY = 24 * HOUR

interface WallTime {
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
function offsetAt(ms: number, timeZone: string): number {
  const w = wallTime(ms, timeZone)
  const whole = ms - (((ms % 1000) + 1000) % 1000)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - whole
}

/**
 * The instant a wall-clock time in `timeZone` names. Month and day may overflow (day 0 = the last day
 * of the month before), as with Date.UTC. In a DST gap, the instant after the gap.
 */
export function fromWallTime(timeZone: string, year: number, month: number, day = 1, hour = 0, minute = 0): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute)
  const first = guess - offsetAt(guess, timeZone)
  const second = guess - offsetAt(first, timeZone)
  return first === second ? first : Math.max(first, second)
}

/** Local midnight of the day `ms` falls on, `addDays` days later (negative: earlier). */
export function startOfDay(ms: number, timeZone: string, addDays = 0): number {
  const w = wallTime(ms, timeZone)
  return fromWallTime(timeZone, w.year, w.month, w.day + addDays)
}

/** The range a preset covers at `now`, in `timeZone`; `endAt` is inclusive. */
export function presetRange(preset: RangePreset, now: number, timeZone: string): DateRange {
  const w = wallTime(now, timeZone)
  const days = (n: number) => ({ startAt: startOfDay(now, timeZone, -(n - 1)), endAt: startOfDay(now, timeZone, 1) - 1 })
  switch (preset) {
    case '24h': {
      // The last 24 whole hours up to the end of the current one, as Umami shows them.
      const endAt = fromWallTime(timeZone, w.year, w.month, w.day, w.hour + 1) - 1
      return { startAt: endAt + 1 - 24 * HOUR, endAt }
    }
    case 'today':
      return days(1)
    case 'yesterday':
      return { startAt: startOfDay(now, timeZone, -1), endAt: startOfDay(now, timeZone) - 1 }
    case '7d':
      return days(7)
    case '30d':
      return days(30)
    case '90d':
      return days(90)
    case 'thisMonth':
      return { startAt: fromWallTime(timeZone, w.year, w.month), endAt: fromWallTime(timeZone, w.year, w.month + 1) - 1 }
    case 'lastMonth':
      return { startAt: fromWallTime(timeZone, w.year, w.month - 1), endAt: fromWallTime(timeZone, w.year, w.month) - 1 }
    case '12m':
      return { startAt: fromWallTime(timeZone, w.year, w.month - 11), endAt: fromWallTime(timeZone, w.year, w.month + 1) - 1 }
    case 'thisYear':
      return { startAt: fromWallTime(timeZone, w.year, 1), endAt: fromWallTime(timeZone, w.year + 1, 1) - 1 }
  }
}

/** The unit a range is shown in unless the user picks another: about 24 to 90 buckets. */
export function defaultUnit({ startAt, endAt }: DateRange): DateUnit {
  const span = endAt - startAt
  if (span <= 2 * DAY) return 'hour'
  if (span <= 190 * DAY) return 'day'
  return 'month'
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
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Every zone Intl knows, for pickers; a short list where the runtime cannot enumerate them. */
export function timeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] }
  const zones = intl.supportedValuesOf?.('timeZone') ?? ['UTC', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo']
  return zones.includes('UTC') ? zones : ['UTC', ...zones]
}
