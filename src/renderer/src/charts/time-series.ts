import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'
import type { ComposeOption } from 'echarts/core'
import type { DateUnit, SeriesPoint } from '../../../shared/api/types'
import { bucketKeys, fillBuckets } from '../lib/buckets'
import { formatBucket, formatBucketLong, formatNumber } from '../lib/format'
import { axisTooltip, bucketAxis, countAxis, plotGrid } from './axes'
import { chartPalette, type ChartPalette, type ChartTheme } from './theme'
import { escapeHtml } from './html'

export type TimeSeriesOption = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>

export interface TimeSeriesInput {
  /** Views per bucket, as `/pageviews` returns them (only buckets with data). */
  pageviews: readonly SeriesPoint[]
  /** Visitors per bucket. */
  sessions: readonly SeriesPoint[]
  startAt: number
  endAt: number
  /** The unit the series was bucketed in (after the server's coarsening: see `effectiveUnit`). */
  unit: DateUnit
  /** The zone the series was requested in; UTC when none was sent. */
  timezone?: string
  /** The previous period, drawn dashed under the current one, bucket by bucket. */
  previous?: {
    pageviews: readonly SeriesPoint[]
    sessions: readonly SeriesPoint[]
    /** The previous period's range; the same length just before `startAt` when not given. */
    startAt?: number
    endAt?: number
  }
  locale?: string
  theme: ChartTheme | ChartPalette
}

export const SERIES_NAMES = {
  views: 'Views',
  visitors: 'Visitors',
  previousViews: 'Previous views',
  previousVisitors: 'Previous visitors'
} as const

/** The option's data, before it is dressed as ECharts wants: what the chart shows, bucket by bucket. */
export interface TimeSeriesData {
  keys: string[]
  views: number[]
  visitors: number[]
  previousKeys?: string[]
  previousViews?: number[]
  previousVisitors?: number[]
}

/** Every bucket of the range with its numbers, zero-filled; the previous period aligned bucket by bucket. */
export function timeSeriesData(input: TimeSeriesInput): TimeSeriesData {
  const zone = input.timezone || 'UTC'
  const keys = bucketKeys(input.startAt, input.endAt, input.unit, zone)
  const data: TimeSeriesData = { keys, views: fillBuckets(input.pageviews, keys), visitors: fillBuckets(input.sessions, keys) }
  if (input.previous) {
    const length = input.endAt - input.startAt
    const endAt = input.previous.endAt ?? input.startAt - 1
    const startAt = input.previous.startAt ?? endAt - length
    // Periods of different lengths (February against January) are cut or padded to the current one.
    const previousKeys = bucketKeys(startAt, endAt, input.unit, zone).slice(0, keys.length)
    const pad = (values: number[]) => [...values, ...new Array<number>(keys.length - values.length).fill(0)]
    data.previousKeys = previousKeys
    data.previousViews = pad(fillBuckets(input.previous.pageviews, previousKeys))
    data.previousVisitors = pad(fillBuckets(input.previous.sessions, previousKeys))
  }
  return data
}

interface TooltipParam {
  seriesName?: string
  dataIndex: number
  value?: unknown
  marker?: unknown
}

/** The tooltip of one bucket: its date, then each series; previous-period rows name their own date. */
function tooltipFormatter(data: TimeSeriesData, unit: DateUnit, locale: string | undefined) {
  return (raw: unknown): string => {
    const params = (Array.isArray(raw) ? raw : [raw]) as TooltipParam[]
    const index = params[0]?.dataIndex ?? 0
    const key = data.keys[index]
    const lines = [key ? `<strong>${escapeHtml(formatBucketLong(key, unit, locale))}</strong>` : '']
    for (const p of params) {
      const previous = p.seriesName === SERIES_NAMES.previousViews || p.seriesName === SERIES_NAMES.previousVisitors
      const previousKey = previous ? data.previousKeys?.[index] : undefined
      const when = previousKey ? ` (${formatBucketLong(previousKey, unit, locale)})` : ''
      const marker = typeof p.marker === 'string' ? p.marker : ''
      lines.push(`${marker}${escapeHtml(`${p.seriesName ?? ''}${when}`)}: <strong>${escapeHtml(formatNumber(Number(p.value) || 0, locale))}</strong>`)
    }
    return lines.join('<br>')
  }
}

/**
 * Views (bars) and visitors (line) over the range, every bucket present, with the previous period as
 * dashed lines when given. Pure: the same input gives the same option, so it is tested without a DOM.
 */
export function timeSeriesOption(input: TimeSeriesInput): TimeSeriesOption {
  const palette = typeof input.theme === 'string' ? chartPalette(input.theme) : input.theme
  const data = timeSeriesData(input)
  // Hour labels carry the date when the range covers more than one local day.
  const spansDays = data.keys.length > 0 && data.keys[0]!.slice(0, 10) !== data.keys[data.keys.length - 1]!.slice(0, 10)
  const labels = data.keys.map((key) => formatBucket(key, input.unit, input.locale, spansDays))
  const showSymbols = data.keys.length <= 31

  const series: (BarSeriesOption | LineSeriesOption)[] = [
    {
      type: 'bar',
      name: SERIES_NAMES.views,
      data: data.views,
      itemStyle: { color: palette.views, borderRadius: [3, 3, 0, 0] },
      barMaxWidth: 36,
      emphasis: { focus: 'none' }
    },
    {
      type: 'line',
      name: SERIES_NAMES.visitors,
      data: data.visitors,
      color: palette.visitors,
      lineStyle: { width: 2 },
      symbol: 'circle',
      symbolSize: 6,
      showSymbol: showSymbols,
      z: 3
    }
  ]
  if (data.previousViews && data.previousVisitors) {
    const dashed = (name: string, values: number[], width: number): LineSeriesOption => ({
      type: 'line',
      name,
      data: values,
      color: palette.previous,
      lineStyle: { type: 'dashed', width },
      symbol: 'none',
      z: 2
    })
    series.push(dashed(SERIES_NAMES.previousViews, data.previousViews, 1), dashed(SERIES_NAMES.previousVisitors, data.previousVisitors, 1.5))
  }

  return {
    animationDuration: 300,
    textStyle: { color: palette.text },
    grid: plotGrid(36),
    legend: { top: 0, right: 8, itemWidth: 14, itemHeight: 8, textStyle: { color: palette.muted } },
    tooltip: axisTooltip(palette, tooltipFormatter(data, input.unit, input.locale)),
    xAxis: bucketAxis(palette, labels),
    yAxis: countAxis(palette, input.locale),
    series
  }
}
