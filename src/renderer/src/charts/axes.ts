import type { XAXisComponentOption } from 'echarts'
import type { GridComponentOption, TooltipComponentOption } from 'echarts/components'
import { formatCompact } from '../lib/format'
import type { ChartPalette } from './theme'

/**
 * The grid, axes and tooltip the dashboard's cartesian charts share (time series, events, funnel), so
 * they look alike and change together. Pure, like the option builders that use them.
 */

/** The plot area: axis labels inside the box, room above for a legend (`top`) and after the bars (`right`). */
export const plotGrid = (top: number, right = 16): GridComponentOption => ({ left: 8, right, top, bottom: 8, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' })

/** A tooltip for the whole band under the pointer, in the theme's colours; `formatter` writes its HTML (escaped). */
export const axisTooltip = (palette: ChartPalette, formatter: (raw: unknown) => string): TooltipComponentOption => ({
  trigger: 'axis',
  axisPointer: { type: 'shadow' },
  backgroundColor: palette.tooltipBackground,
  borderColor: palette.tooltipBorder,
  textStyle: { color: palette.tooltipText },
  formatter
})

/** The time axis along the bottom: one category per bucket, labels thinned where they would overlap. */
export const bucketAxis = (palette: ChartPalette, labels: string[]): XAXisComponentOption => ({
  type: 'category',
  data: labels,
  axisLine: { lineStyle: { color: palette.grid } },
  axisTick: { show: false },
  axisLabel: { color: palette.muted, hideOverlap: true }
})

/** A count axis (upright, or lying for the funnel): whole steps only, grid lines, compact labels (1.2k). */
export const countAxis = (palette: ChartPalette, locale: string | undefined) => ({
  type: 'value' as const,
  minInterval: 1,
  splitLine: { lineStyle: { color: palette.grid } },
  axisLabel: { color: palette.muted, formatter: (value: number) => formatCompact(value, locale) }
})
