import type { StatsNumbers, WebsiteStats } from '../../../shared/api/types'

/**
 * The overview's headline numbers and their change against the previous period. Bounce rate and visit
 * duration are derived from `/stats` as Umami derives them: bounces / visits and totaltime / visits.
 */

export type Direction = 'up' | 'down' | 'flat'

export interface Change {
  /** Relative change in percent; null when the previous period was zero and this one is not. */
  percent: number | null
  direction: Direction
}

/** `current` against `previous`: +50 for 150 vs 100; null percent (but `up`) from nothing to something. */
export function change(current: number, previous: number): Change {
  const a = Number.isFinite(current) ? current : 0
  const b = Number.isFinite(previous) ? previous : 0
  const direction: Direction = a > b ? 'up' : a < b ? 'down' : 'flat'
  if (b === 0) return { percent: a === 0 ? 0 : null, direction }
  return { percent: ((a - b) / Math.abs(b)) * 100, direction }
}

export type Tone = 'good' | 'bad' | 'neutral'

/** Whether a change is good news: up is good, except for metrics where lower is better (bounce rate). */
export function changeTone(direction: Direction, lowerIsBetter = false): Tone {
  if (direction === 'flat') return 'neutral'
  return (direction === 'up') !== lowerIsBetter ? 'good' : 'bad'
}

/** Share of visits with a single view (0–1). Bounces never exceed visits; a stray extra is capped. */
export function bounceRate(stats: Pick<StatsNumbers, 'bounces' | 'visits'>): number {
  return stats.visits > 0 ? Math.min(stats.bounces, stats.visits) / stats.visits : 0
}

/** Mean visit length in seconds. */
export function averageVisitDuration(stats: Pick<StatsNumbers, 'totaltime' | 'visits'>): number {
  return stats.visits > 0 ? stats.totaltime / stats.visits : 0
}

export type MetricKey = 'visitors' | 'visits' | 'pageviews' | 'bounceRate' | 'visitDuration'
export type MetricFormat = 'number' | 'percent' | 'duration'

export interface MetricSummary {
  key: MetricKey
  label: string
  value: number
  previous: number
  change: Change
  format: MetricFormat
  lowerIsBetter: boolean
}

const METRICS: { key: MetricKey; label: string; format: MetricFormat; lowerIsBetter: boolean; of: (s: StatsNumbers) => number }[] = [
  { key: 'visitors', label: 'Visitors', format: 'number', lowerIsBetter: false, of: (s) => s.visitors },
  { key: 'visits', label: 'Visits', format: 'number', lowerIsBetter: false, of: (s) => s.visits },
  { key: 'pageviews', label: 'Views', format: 'number', lowerIsBetter: false, of: (s) => s.pageviews },
  { key: 'bounceRate', label: 'Bounce rate', format: 'percent', lowerIsBetter: true, of: bounceRate },
  { key: 'visitDuration', label: 'Visit duration', format: 'duration', lowerIsBetter: false, of: averageVisitDuration }
]

/** The five overview cards from one `/stats` answer (which carries the previous period in `comparison`). */
export function overviewMetrics(stats: WebsiteStats): MetricSummary[] {
  return METRICS.map(({ of, ...metric }) => {
    const value = of(stats)
    const previous = of(stats.comparison)
    return { ...metric, value, previous, change: change(value, previous) }
  })
}
