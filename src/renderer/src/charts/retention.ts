import type { RetentionRow } from '../../../shared/api/types'

/**
 * The retention report as a cohort table: one row per day visitors first came (a cohort), one column
 * per day since (day 0 is the cohort's own day, where everyone is by definition), each cell the share
 * of the cohort active that day, on a colour scale. Pure; the component only renders what this gives.
 */

export interface RetentionCell {
  day: number
  returnVisitors: number
  /** 0–100. */
  percentage: number
}

export interface RetentionCohort {
  /** The cohort's day, `YYYY-MM-DD`. */
  date: string
  visitors: number
  /** One entry per column; null where that day is after the period, so nothing could be seen yet. */
  cells: (RetentionCell | null)[]
}

export interface RetentionTable {
  /** Column headings: 0..N days since the first visit. */
  days: number[]
  cohorts: RetentionCohort[]
}

const DAY = 86_400_000

/** Days from `from` to `to`, both `YYYY-MM-DD`. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY)
}

/**
 * Builds the table. `lastDate` is the period's last local day (`YYYY-MM-DD`): days after it cannot have
 * returns yet and stay blank, while a day inside the period with no row from the server had none (0%).
 * Without it, the last cohort's day is taken. Columns go up to the longest day either seen or possible,
 * at most `maxDays`.
 */
export function retentionTable(rows: readonly RetentionRow[], lastDate?: string, maxDays = 31): RetentionTable {
  const byCohort = new Map<string, { visitors: number; days: Map<number, RetentionRow> }>()
  for (const row of rows) {
    const date = row.date.slice(0, 10)
    let cohort = byCohort.get(date)
    if (!cohort) byCohort.set(date, (cohort = { visitors: row.visitors, days: new Map() }))
    cohort.days.set(row.day, row)
  }
  const dates = [...byCohort.keys()].sort()
  if (dates.length === 0) return { days: [], cohorts: [] }
  const last = lastDate ?? dates[dates.length - 1]!
  const seen = Math.max(...rows.map((r) => r.day))
  const possible = Math.max(0, daysBetween(dates[0]!, last))
  const columns = Math.min(maxDays, Math.max(seen, possible))
  const days = Array.from({ length: columns + 1 }, (_, i) => i)
  const cohorts = dates.map((date) => {
    const cohort = byCohort.get(date)!
    const observable = daysBetween(date, last)
    const cells = days.map((day): RetentionCell | null => {
      const row = cohort.days.get(day)
      if (row) return { day, returnVisitors: row.returnVisitors, percentage: row.percentage }
      return day > observable ? null : { day, returnVisitors: 0, percentage: 0 }
    })
    return { date, visitors: cohort.visitors, cells }
  })
  return { days, cohorts }
}

/**
 * A cell's colours on the heat scale, as CSS with the theme's variables so that it follows light and
 * dark: the accent mixed into the surface in proportion to the share (a faint tint for any return at
 * all), with the text switching to the accent's contrast colour on the darker half.
 */
export function heatStyle(percentage: number): { background: string; color: string } {
  const share = Math.min(100, Math.max(0, Number.isFinite(percentage) ? percentage : 0))
  if (share === 0) return { background: 'var(--surface)', color: 'var(--muted)' }
  const strength = Math.round(8 + share * 0.84)
  return {
    background: `color-mix(in srgb, var(--accent) ${strength}%, var(--surface))`,
    color: strength >= 55 ? 'var(--accent-contrast)' : 'var(--text)'
  }
}
