import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendPlainComponent, TooltipComponent } from 'echarts/components'
import { init, use, type EChartsType } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

/**
 * ECharts from `echarts/core` with only the parts the dashboard draws, so the bundle carries no unused
 * chart types. Components import this module lazily (`await import('../charts/echarts')`): the first
 * paint of a view never waits for the chart library. The map's parts live in echarts-map.ts, loaded
 * only where a map is shown.
 */
use([BarChart, LineChart, GridComponent, LegendPlainComponent, TooltipComponent, CanvasRenderer])

export type { EChartsType }

/** A chart on `element`, drawn on canvas at the device's pixel ratio. */
export function createChart(element: HTMLElement): EChartsType {
  return init(element, null, { renderer: 'canvas' })
}
