import type { DateUnit } from '../../../shared/api/types'
import { keyAsUtcDate } from './buckets'

/**
 * Numbers, percentages, durations and bucket labels for people, per locale with Intl. Formatters are
 * cached because tables format thousands of cells; an unknown locale falls back to English rather than
 * throwing in the middle of a render.
 */

const numberFormats = new Map<string, Intl.NumberFormat>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()

function safeLocale(locale: string | undefined): string | undefined {
  if (!locale) return undefined
  try {
    return Intl.NumberFormat.supportedLocalesOf([locale]).length > 0 ? locale : 'en'
  } catch {
    return 'en'
  }
}

function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`
  let f = numberFormats.get(key)
  if (!f) {
    f = new Intl.NumberFormat(safeLocale(locale), options)
    if (numberFormats.size >= 200) numberFormats.clear()
    numberFormats.set(key, f)
  }
  return f
}

function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`
  let f = dateFormats.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat(safeLocale(locale), options)
    if (dateFormats.size >= 200) dateFormats.clear()
    dateFormats.set(key, f)
  }
  return f
}

const finite = (n: number) => (Number.isFinite(n) ? n : 0)

/** A whole count with the locale's grouping: 12,345 (en), 12.345 (de). */
export function formatNumber(n: number, locale?: string): string {
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(finite(n))
}

/** A short count for tight places: 1.2K, 3.4M (en); 1234 stays readable below 10,000. */
export function formatCompact(n: number, locale?: string): string {
  const value = finite(n)
  if (Math.abs(value) < 10_000) return formatNumber(value, locale)
  return numberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value)
}

/** A ratio (0.425) as a percentage (43%), with `digits` decimals. */
export function formatPercent(ratio: number, locale?: string, digits = 0): string {
  return numberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(finite(ratio))
}

/** A signed change in percent (12.5 → "+13%", -4 → "-4%", 0 → "0%"). */
export function formatChange(percent: number, locale?: string): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' }).format(finite(percent) / 100)
}

/**
 * A duration in seconds as people read it on a dashboard: "45s", "1m 05s", "2h 03m", "3d 04h". Two
 * fields at most; the second is zero-padded so values line up in a column.
 */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(finite(seconds)))
  const d = Math.floor(total / 86_400)
  const h = Math.floor((total % 86_400) / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const two = (n: number) => String(n).padStart(2, '0')
  if (d > 0) return `${d}d ${two(h)}h`
  if (h > 0) return `${h}h ${two(m)}m`
  if (m > 0) return `${m}m ${two(s)}s`
  return `${s}s`
}

/**
 * The axis label of a bucket (a `bucketKey`): "14:00" for hours (with the date when the range spans
 * days), "Mar 5" for days, "Mar 2025" for months, "2025" for years. The key is already local time, so
 * it is formatted as UTC to print it unchanged.
 */
export function formatBucket(key: string, unit: DateUnit, locale?: string, spansDays = false): string {
  const date = keyAsUtcDate(key)
  const base: Intl.DateTimeFormatOptions = { timeZone: 'UTC' }
  switch (unit) {
    case 'minute':
    case 'hour':
      return dateFormat(locale, spansDays ? { ...base, month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' } : { ...base, hour: 'numeric', minute: '2-digit' }).format(date)
    case 'day':
      return dateFormat(locale, { ...base, month: 'short', day: 'numeric' }).format(date)
    case 'month':
      return dateFormat(locale, { ...base, month: 'short', year: 'numeric' }).format(date)
    case 'year':
      return dateFormat(locale, { ...base, year: 'numeric' }).format(date)
  }
}

/** The full label of a bucket, for tooltips: "Tue, Mar 5, 2024" or "Mar 5, 2024, 14:00". */
export function formatBucketLong(key: string, unit: DateUnit, locale?: string): string {
  const date = keyAsUtcDate(key)
  const base: Intl.DateTimeFormatOptions = { timeZone: 'UTC' }
  switch (unit) {
    case 'minute':
    case 'hour':
      return dateFormat(locale, { ...base, year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(date)
    case 'day':
      return dateFormat(locale, { ...base, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' }).format(date)
    case 'month':
      return dateFormat(locale, { ...base, month: 'long', year: 'numeric' }).format(date)
    case 'year':
      return dateFormat(locale, { ...base, year: 'numeric' }).format(date)
  }
}

/** A range as a short phrase for headings: "Mar 1 – Mar 31, 2024" in the given zone. */
export function formatRange(startAt: number, endAt: number, timeZone: string, locale?: string): string {
  const f = dateFormat(locale, { timeZone, year: 'numeric', month: 'short', day: 'numeric' })
  return f.formatRange(new Date(startAt), new Date(endAt))
}

const regionNames = new Map<string, Intl.DisplayNames | null>()

/** A country's name from its ISO 3166 alpha-2 code in the locale ("DE" → "Germany"); the code where Intl has none. */
export function countryName(code: string | null | undefined, locale?: string): string {
  if (!code) return 'Unknown'
  const key = locale ?? ''
  let names = regionNames.get(key)
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames(safeLocale(locale) ?? [], { type: 'region' })
    } catch {
      names = null
    }
    regionNames.set(key, names)
  }
  try {
    return names?.of(code.toUpperCase()) ?? code
  } catch {
    // Not a well-formed region code (the API passes through whatever was stored).
    return code
  }
}

const languageNames = new Map<string, Intl.DisplayNames | null>()

/** A language tag's name in the locale ("de-AT" → "Austrian German"); the tag where Intl has none. */
export function languageName(tag: string | null | undefined, locale?: string): string {
  if (!tag) return 'Unknown'
  const key = locale ?? ''
  let names = languageNames.get(key)
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames(safeLocale(locale) ?? [], { type: 'language' })
    } catch {
      names = null
    }
    languageNames.set(key, names)
  }
  try {
    return names?.of(tag) ?? tag
  } catch {
    return tag
  }
}
