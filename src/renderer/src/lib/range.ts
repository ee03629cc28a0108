import type { DateRange, DateUnit } from '../../../shared/api/types'
import { fromWallTime, startOfDay, wallTime } from './zone'

/**
 * Date range presets and the time-series unit that goes with a range, computed in the IANA zone the
 * dashboard shows: "today" starts at local midnight of that zone, DST-correct, whatever the machine's.
 */

export const RANGE_PRESETS = ['24h', 'today', 'yesterday', '7d', '30d', '90d', 'thisMonth', 'lastMonth', '12m', 'thisYear'] as const
export type RangePreset = (typeof RANGE_PRESETS)[number]
/** A preset, or `custom` with explicit start and end dates. */
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

export const DATE_UNITS: readonly DateUnit[] = ['minute', 'hour', 'day', 'month', 'year']

export const UNIT_LABELS: Record<DateUnit, string> = { minute: 'Minutes', hour: 'Hours', day: 'Days', month: 'Months', year: 'Years' }

export const isRangePreset = (value: unknown): value is RangePreset => RANGE_PRESETS.includes(value as RangePreset)
export const isDateUnit = (value: unknown): value is DateUnit => DATE_UNITS.includes(value as DateUnit)

/** A range with the unit its time series is drawn in. */
export interface ResolvedRange extends DateRange {
  unit: DateUnit
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** The range a preset covers at `now`, in `timeZone`; `endAt` is inclusive (the last millisecond). */
export function presetRange(preset: RangePreset, now: number, timeZone: string): DateRange {
  const w = wallTime(now, timeZone)
  const lastDays = (n: number) => ({ startAt: startOfDay(now, timeZone, -(n - 1)), endAt: startOfDay(now, timeZone, 1) - 1 })
  const months = (from: number, to: number) => ({
    startAt: fromWallTime(timeZone, w.year, w.month + from),
    endAt: fromWallTime(timeZone, w.year, w.month + to + 1) - 1
  })
  switch (preset) {
    case '24h': {
      // The last 24 whole hours up to the end of the current one, as Umami shows them. Counted in real
      // hours back from the local hour's end, so a DST change inside still gives 24 hours.
      const endAt = fromWallTime(timeZone, w.year, w.month, w.day, w.hour + 1) - 1
      return { startAt: endAt + 1 - 24 * HOUR, endAt }
    }
    case 'today':
      return lastDays(1)
    case 'yesterday':
      return { startAt: startOfDay(now, timeZone, -1), endAt: startOfDay(now, timeZone) - 1 }
    case '7d':
      return lastDays(7)
    case '30d':
      return lastDays(30)
    case '90d':
      return lastDays(90)
    case 'thisMonth':
      return months(0, 0)
    case 'lastMonth':
      return months(-1, -1)
    case '12m':
      return months(-11, 0)
    case 'thisYear':
      return { startAt: fromWallTime(timeZone, w.year, 1), endAt: fromWallTime(timeZone, w.year + 1, 1) - 1 }
  }
}

const DATE_INPUT = /^(\d{4})-(\d{2})-(\d{2})$/

/** `YYYY-MM-DD` (what `<input type="date">` gives) as numbers; undefined when it is no real date. */
export function parseDateInput(text: string): { year: number; month: number; day: number } | undefined {
  const match = DATE_INPUT.exec(text)
  if (!match) return undefined
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const check = new Date(Date.UTC(year, month - 1, day))
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined
  return { year, month, day }
}

/** The local date of `ms` in `timeZone` as `YYYY-MM-DD`, for date inputs. */
export function dateInputValue(ms: number, timeZone: string): string {
  const w = wallTime(ms, timeZone)
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`
}

/**
 * From the first instant of `startDate` to the last of `endDate` (both `YYYY-MM-DD`, local to
 * `timeZone`); dates given the wrong way round are swapped. Undefined when either is no date.
 */
export function customRange(startDate: string, endDate: string, timeZone: string): DateRange | undefined {
  let a = parseDateInput(startDate)
  let b = parseDateInput(endDate)
  if (!a || !b) return undefined
  if (Date.UTC(a.year, a.month - 1, a.day) > Date.UTC(b.year, b.month - 1, b.day)) [a, b] = [b, a]
  return { startAt: fromWallTime(timeZone, a.year, a.month, a.day), endAt: fromWallTime(timeZone, b.year, b.month, b.day + 1) - 1 }
}

/** The unit a range is shown in unless the user picks another: about 24 to 190 buckets. */
export function defaultUnit({ startAt, endAt }: DateRange): DateUnit {
  const span = endAt - startAt
  if (span <= 2 * DAY) return 'hour'
  if (span <= 190 * DAY) return 'day'
  return 'month'
}

/**
 * The finest unit the server allows for a range (its `minimumUnit` in routes/current/common.ts, as
 * Umami decides it): a finer unit is coarsened there, so the chart must bucket the same way.
 */
export function minimumUnit({ startAt, endAt }: DateRange): DateUnit {
  const span = endAt - startAt
  if (span <= 60 * MINUTE) return 'minute'
  if (span <= 30 * DAY) return 'hour'
  const s = new Date(startAt)
  const e = new Date(endAt)
  const months = (e.getUTCFullYear() - s.getUTCFullYear()) * 12 + e.getUTCMonth() - s.getUTCMonth()
  if (months <= 7) return 'day'
  if (months <= 24) return 'month'
  return 'year'
}

const unitIndex = (unit: DateUnit) => DATE_UNITS.indexOf(unit)

/** The unit the server answers in when asked for `unit` over `range`. */
export function effectiveUnit(range: DateRange, unit: DateUnit): DateUnit {
  const min = minimumUnit(range)
  return unitIndex(unit) < unitIndex(min) ? min : unit
}

/** Longest span of one bucket of each unit: a range longer than that touches at least two buckets. */
const UNIT_SPAN: Record<DateUnit, number> = { minute: MINUTE, hour: HOUR, day: 25 * HOUR, month: 31 * DAY, year: 366 * DAY }

/**
 * Units worth offering for a range: from the finest the server allows (never minutes unless the range
 * is that short) to the coarsest that still gives more than one bucket.
 */
export function unitChoices(range: DateRange): DateUnit[] {
  const span = range.endAt - range.startAt
  const min = minimumUnit(range)
  return DATE_UNITS.filter((unit) => unitIndex(unit) >= unitIndex(min) && (unit === min || span > UNIT_SPAN[unit]))
}

/** What the dashboard keeps for a range (the URL's `range`, `start`, `end`, `unit`). */
export interface RangeSelection {
  kind: RangeKind
  /** `YYYY-MM-DD`, for `custom`. */
  startDate?: string
  endDate?: string
  /** The unit the user picked; the range's default when absent or not allowed for it. */
  unit?: DateUnit
}

/**
 * The instants and unit of a selection at `now` in `timeZone`. A custom range with bad dates falls back
 * to the last 7 days, so a hand-edited URL still shows something.
 */
export function resolveRange(selection: RangeSelection, now: number, timeZone: string): ResolvedRange {
  const custom = selection.kind === 'custom' ? customRange(selection.startDate ?? '', selection.endDate ?? '', timeZone) : undefined
  const range = custom ?? presetRange(selection.kind === 'custom' ? '7d' : selection.kind, now, timeZone)
  const wanted = selection.unit && unitChoices(range).includes(selection.unit) ? selection.unit : defaultUnit(range)
  return { ...range, unit: effectiveUnit(range, wanted) }
}
