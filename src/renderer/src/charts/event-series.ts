import type { BarSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'
import type { ComposeOption } from 'echarts/core'
import type { DateUnit, EventSeriesPoint } from '../../../shared/api/types'
import { bucketKey, bucketKeys } from '../lib/buckets'
import { formatBucket, formatBucketLong, formatNumber } from '../lib/format'
import { axisTooltip, bucketAxis, countAxis, plotGrid } from './axes'
import { escapeHtml } from './html'
import { chartPalette, type ChartPalette, type ChartTheme } from './theme'

export type EventSeriesOption = ComposeOption<BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>

export interface EventSeriesInput {
  /** `/events/series` rows: count `y` of event `x` in bucket `t` (only buckets with data). */
  points: readonly EventSeriesPoint[]
  startAt: number
  endAt: number
  /** The unit the series was bucketed in (after the server's coarsening). */
  unit: DateUnit
  timezone?: string
  locale?: string
  theme: ChartTheme | ChartPalette
}

/** One event name's counts, bucket by bucket. */
export interface EventLine {
  name: string
  total: number
  values: number[]
}

export interface EventSeriesData {
  keys: string[]
  /** Most frequent event first (ties by name), so the legend and the stack read in that order. */
  events: EventLine[]
}

/** Every bucket of the range for every event name, zero-filled; counts outside the range are dropped. */
export function eventSeriesData(input: Omit<EventSeriesInput, 'theme' | 'locale'>): EventSeriesData {
  const keys = bucketKeys(input.startAt, input.endAt, input.unit, input.timezone || 'UTC')
  const index = new Map(keys.map((key, i) => [key, i]))
  const byName = new Map<string, EventLine>()
  for (const point of input.points) {
    const i = index.get(bucketKey(point.t))
    if (i === undefined) continue
    let line = byName.get(point.x)
    if (!line) byName.set(point.x, (line = { name: point.x, total: 0, values: new Array<number>(keys.length).fill(0) }))
    line.values[i]! += point.y
    line.total += point.y
  }
  const events = [...byName.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name))
  return { keys, events }
}

/** Series colours after the theme's own: distinct hues that read on light and dark backgrounds. */
const MORE_COLOURS = ['#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#f97316', '#64748b']

interface TooltipParam {
  seriesName?: string
  dataIndex: number
  value?: unknown
  marker?: unknown
}

/**
 * Custom events over the range as stacked bars, one colour per event name. Names come from visitors'
 * pages, so the tooltip (HTML) escapes them; legend and axes are drawn on canvas. Pure, like every
 * option builder here.
 */
export function eventSeriesOption(input: EventSeriesInput): EventSeriesOption {
  const palette = typeof input.theme === 'string' ? chartPalette(input.theme) : input.theme
  const data = eventSeriesData(input)
  const first = data.keys[0]
  const spansDays = first !== undefined && first.slice(0, 10) !== data.keys[data.keys.length - 1]!.slice(0, 10)

  const tooltip = (raw: unknown): string => {
    const params = (Array.isArray(raw) ? raw : [raw]) as TooltipParam[]
    const key = data.keys[params[0]?.dataIndex ?? 0]
    const lines = key ? [`<strong>${escapeHtml(formatBucketLong(key, input.unit, input.locale))}</strong>`] : []
    for (const p of params) {
      if (!Number(p.value)) continue
      const marker = typeof p.marker === 'string' ? p.marker : ''
      lines.push(`${marker}${escapeHtml(p.seriesName ?? '')}: <strong>${escapeHtml(formatNumber(Number(p.value), input.locale))}</strong>`)
    }
    return lines.join('<br>')
  }

  return {
    animationDuration: 300,
    color: [palette.visitors, palette.mapHover, ...MORE_COLOURS],
    textStyle: { color: palette.text },
    grid: plotGrid(40),
    legend: { type: 'plain', top: 0, left: 0, itemWidth: 12, itemHeight: 8, textStyle: { color: palette.muted } },
    tooltip: axisTooltip(palette, tooltip),
    xAxis: bucketAxis(palette, data.keys.map((key) => formatBucket(key, input.unit, input.locale, spansDays))),
    yAxis: countAxis(palette, input.locale),
    series: data.events.map(
      (line): BarSeriesOption => ({ type: 'bar', name: line.name, stack: 'events', data: line.values, barMaxWidth: 36, emphasis: { focus: 'series' } })
    )
  }
}
