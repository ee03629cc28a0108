import type { BarSeriesOption } from 'echarts/charts'
import type { GridComponentOption, TooltipComponentOption } from 'echarts/components'
import type { ComposeOption } from 'echarts/core'
import type { FunnelStep } from '../../../shared/api/types'
import { formatNumber, formatPercent } from '../lib/format'
import { stepLabel } from '../lib/reports'
import { axisTooltip, countAxis, plotGrid } from './axes'
import { escapeHtml } from './html'
import { chartPalette, type ChartPalette, type ChartTheme } from './theme'

export type FunnelOption = ComposeOption<BarSeriesOption | GridComponentOption | TooltipComponentOption>

/** One step of a funnel as the dashboard shows it, in the table and in the chart. */
export interface FunnelRow {
  /** 1-based. */
  number: number
  label: string
  visitors: number
  /** Visitors of the step before (step 1: its own). */
  previous: number
  /** Visitors lost since the step before. */
  dropped: number
  /** dropped / previous (0–1). */
  dropoff: number
  /** Share of step 1's visitors still here (0–1): the conversion so far. */
  conversion: number
  /** Share of the step before's visitors who made it here (0–1). */
  stepConversion: number
}

/** The server's funnel steps as rows, with the ratios recomputed from the counts so that they always agree. */
export function funnelRows(steps: readonly FunnelStep[]): FunnelRow[] {
  const first = steps[0]?.visitors ?? 0
  return steps.map((step, i) => {
    const previous = i === 0 ? step.visitors : steps[i - 1]!.visitors
    const dropped = Math.max(0, previous - step.visitors)
    return {
      number: i + 1,
      label: stepLabel(step),
      visitors: step.visitors,
      previous,
      dropped,
      dropoff: previous > 0 ? dropped / previous : 0,
      conversion: first > 0 ? step.visitors / first : 0,
      stepConversion: previous > 0 ? step.visitors / previous : 0
    }
  })
}

export const FUNNEL_SERIES = { visitors: 'Visitors', previous: 'Visitors of the step before' } as const

export interface FunnelInput {
  steps: readonly FunnelStep[]
  locale?: string
  theme: ChartTheme | ChartPalette
}

interface TooltipParam {
  dataIndex: number
}

/** Longest step label drawn on the axis; the full text is in the tooltip and the table. */
const AXIS_LABEL_MAX = 28

const shorten = (text: string) => (text.length > AXIS_LABEL_MAX ? `${text.slice(0, AXIS_LABEL_MAX - 1)}…` : text)

/**
 * A horizontal funnel: one bar per step, top to bottom, its length the step's visitors, drawn over a
 * pale bar as long as the step before, so that the drop-off is the pale part. Each bar is labelled
 * with its visitors and conversion from step 1. Pure, so it is tested without a DOM.
 */
export function funnelOption(input: FunnelInput): FunnelOption {
  const palette = typeof input.theme === 'string' ? chartPalette(input.theme) : input.theme
  const rows = funnelRows(input.steps)
  const { locale } = input
  const labels = rows.map((row) => `${row.number}. ${shorten(row.label)}`)

  const tooltip = (raw: unknown): string => {
    const param = (Array.isArray(raw) ? raw[0] : raw) as TooltipParam | undefined
    const row = rows[param?.dataIndex ?? 0]
    if (!row) return ''
    const lines = [
      `<strong>${escapeHtml(`${row.number}. ${row.label}`)}</strong>`,
      escapeHtml(`Visitors: ${formatNumber(row.visitors, locale)} (${formatPercent(row.conversion, locale)} of step 1)`)
    ]
    if (row.number > 1) {
      lines.push(escapeHtml(`Dropped: ${formatNumber(row.dropped, locale)} (${formatPercent(row.dropoff, locale)} of step ${row.number - 1})`))
    }
    return lines.join('<br>')
  }

  return {
    animationDuration: 300,
    textStyle: { color: palette.text },
    grid: plotGrid(8, 24),
    tooltip: axisTooltip(palette, tooltip),
    xAxis: {
      ...countAxis(palette, locale),
      // Room after the longest bar for its label.
      max: (extent: { max: number }) => Math.max(1, Math.ceil(extent.max * 1.3)),
      axisLabel: { show: false }
    },
    yAxis: {
      type: 'category',
      data: labels,
      // Step 1 on top.
      inverse: true,
      axisLine: { show: false },
      axisTick: { show: false },
      axisLabel: { color: palette.text, fontWeight: 500 }
    },
    series: [
      {
        type: 'bar',
        name: FUNNEL_SERIES.previous,
        data: rows.map((row) => row.previous),
        itemStyle: { color: palette.grid, borderRadius: [0, 4, 4, 0] },
        barWidth: '60%',
        silent: true,
        z: 1
      },
      {
        type: 'bar',
        name: FUNNEL_SERIES.visitors,
        data: rows.map((row) => row.visitors),
        itemStyle: { color: palette.visitors, borderRadius: [0, 4, 4, 0] },
        barWidth: '60%',
        // Over the pale bar, not beside it.
        barGap: '-100%',
        z: 2,
        label: {
          show: true,
          position: 'right',
          color: palette.text,
          formatter: (p: { dataIndex: number }) => {
            const row = rows[p.dataIndex]
            return row ? `${formatNumber(row.visitors, locale)} · ${formatPercent(row.conversion, locale)}` : ''
          }
        }
      }
    ]
  }
}
