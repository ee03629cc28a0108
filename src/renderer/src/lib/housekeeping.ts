import type { HousekeepingRun } from '../../../shared/api/types'
import { formatDateTime } from './datetime'
import { formatNumber } from './format'

/**
 * Words and numbers for Settings → Data (retention and database upkeep): the choices, the instant a choice
 * would delete before, byte sizes and the last run as a sentence. Pure, so the settings card stays markup.
 */

/** What "Keep data for" offers, in months; null keeps everything. */
export const RETENTION_CHOICES: readonly (number | null)[] = [null, 1, 3, 6, 12, 24, 36]

/** "Forever", "1 month", "6 months". */
export function retentionLabel(months: number | null, locale?: string): string {
  if (months === null) return 'Forever'
  return months === 1 ? '1 month' : `${formatNumber(months, locale)} months`
}

/**
 * The choices to offer: the fixed ones, plus the current setting when it is another number (set over the
 * API), so the select always shows what the server keeps.
 */
export function retentionChoices(current: number | null): (number | null)[] {
  if (current === null || RETENTION_CHOICES.includes(current)) return [...RETENTION_CHOICES]
  return [null, ...[...RETENTION_CHOICES.filter((m): m is number => m !== null), current].sort((a, b) => a - b)]
}

/** A select's value for a choice ("forever" or the number of months) and back. */
export const choiceKey = (months: number | null): string => (months === null ? 'forever' : String(months))
export const choiceOf = (key: string): number | null => (key === 'forever' ? null : Number(key))

/** Whether going from `current` to `next` deletes data that is kept now: a period shorter than before. */
export function deletesData(current: number | null, next: number | null): boolean {
  return next !== null && (current === null || next < current)
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const
const byteFormats = new Map<string, Intl.NumberFormat>()

function byteFormat(locale: string | undefined, unit: (typeof BYTE_UNITS)[number]): Intl.NumberFormat {
  const key = `${locale ?? ''}|${unit}`
  let f = byteFormats.get(key)
  if (!f) {
    const options: Intl.NumberFormatOptions = { style: 'unit', unit, unitDisplay: unit === 'byte' ? 'long' : 'short', maximumFractionDigits: 1 }
    try {
      f = new Intl.NumberFormat(locale, options)
    } catch {
      // An unknown locale still shows a size rather than breaking the card.
      f = new Intl.NumberFormat('en', options)
    }
    byteFormats.set(key, f)
  }
  return f
}

/** A size in decimal units, as file managers show it, per locale: "512 bytes", "4.1 kB", "12.3 MB" (en), "12,3 MB" (de). */
export function formatBytes(bytes: number, locale?: string): string {
  let value = Number.isFinite(bytes) ? Math.max(0, bytes) : 0
  let i = 0
  while (value >= 1000 && i < BYTE_UNITS.length - 1) {
    value /= 1000
    i++
  }
  // 999,960 bytes would round to "1,000 kB": say "1 MB" instead.
  if (i > 0 && i < BYTE_UNITS.length - 1 && Math.round(value * 10) / 10 >= 1000) {
    value /= 1000
    i++
  }
  return byteFormat(locale, BYTE_UNITS[i]).format(value)
}

/** "1 event", "1,234 sessions". */
export function countOf(n: number, noun: string, locale?: string): string {
  return `${formatNumber(n, locale)} ${noun}${n === 1 ? '' : 's'}`
}

/** The last run as the card tells it: when it finished, and what it did or why it stopped. */
export interface RunSummary {
  when: string
  text: string
  failed: boolean
}

export function describeRun(run: HousekeepingRun, timeZone: string, locale?: string): RunSummary {
  const when = formatDateTime(run.finishedAt || run.startedAt, timeZone, locale)
  const deleted = `${countOf(run.events, 'event', locale)} and ${countOf(run.sessions, 'session', locale)}`
  if (run.error !== null) {
    const what = run.kind === 'compact' ? 'Compacting the database' : 'Deleting old data'
    const sofar = run.kind === 'purge' && run.events + run.sessions > 0 ? ` (${deleted} had been deleted)` : ''
    return { when, text: `${what} stopped: ${run.error}${sofar}`, failed: true }
  }
  if (run.kind === 'compact') return { when, text: 'Compacted the database.', failed: false }
  if (run.cutoff === null) return { when, text: 'Nothing deleted: data is kept forever.', failed: false }
  const before = formatDateTime(run.cutoff, timeZone, locale)
  if (run.events + run.sessions === 0) return { when, text: `Nothing was older than ${before}.`, failed: false }
  return { when, text: `Deleted ${deleted} older than ${before}.`, failed: false }
}
