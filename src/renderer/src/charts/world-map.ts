import type { MapSeriesOption } from 'echarts/charts'
import type { TooltipComponentOption, VisualMapComponentOption } from 'echarts/components'
import type { ComposeOption } from 'echarts/core'
import { countryName, formatNumber } from '../lib/format'
import { escapeHtml } from './html'
import { chartPalette, type ChartPalette, type ChartTheme } from './theme'

export type WorldMapOption = ComposeOption<MapSeriesOption | TooltipComponentOption | VisualMapComponentOption>

/** The name the country shapes are registered under (charts/echarts-map.ts). */
export const WORLD_MAP = 'dashi-world'

export interface WorldMapInput {
  /** Visitors per country: `x` an ISO 3166 alpha-2 code (null for unknown), as `/metrics?type=country` returns. */
  rows: readonly { x: string | null; y: number }[]
  theme: ChartTheme | ChartPalette
  locale?: string
  /** What `y` counts, for the tooltip. */
  metricLabel?: string
}

/** Rows as map data: codes upper-cased (shapes are named that way), unknown countries dropped, repeats summed. */
export function mapData(rows: WorldMapInput['rows']): { name: string; value: number }[] {
  const totals = new Map<string, number>()
  for (const row of rows) {
    if (!row.x) continue
    const code = row.x.toUpperCase()
    totals.set(code, (totals.get(code) ?? 0) + row.y)
  }
  return [...totals].map(([name, value]) => ({ name, value }))
}

/**
 * A choropleth of visitors per country: colour from the palette's low to high end by count, countries
 * without visitors in the empty colour. Pure, like the time-series builder.
 */
export function worldMapOption(input: WorldMapInput): WorldMapOption {
  const palette = typeof input.theme === 'string' ? chartPalette(input.theme) : input.theme
  const data = mapData(input.rows)
  const max = Math.max(1, ...data.map((d) => d.value))
  const metric = input.metricLabel ?? 'Visitors'
  return {
    tooltip: {
      trigger: 'item',
      backgroundColor: palette.tooltipBackground,
      borderColor: palette.tooltipBorder,
      textStyle: { color: palette.tooltipText },
      formatter: (raw: unknown) => {
        const p = raw as { name?: string; value?: unknown }
        const value = typeof p.value === 'number' && Number.isFinite(p.value) ? p.value : 0
        return `${escapeHtml(countryName(p.name, input.locale))}<br>${escapeHtml(metric)}: <strong>${escapeHtml(formatNumber(value, input.locale))}</strong>`
      }
    },
    visualMap: {
      type: 'continuous',
      min: 0,
      max,
      show: false,
      inRange: { color: [palette.mapLow, palette.mapHigh] },
      // Countries not in the data have no value: they keep the series' area colour, not the low end.
      outOfRange: { color: palette.mapEmpty }
    },
    series: [
      {
        type: 'map',
        map: WORLD_MAP,
        roam: false,
        // Fills the box (keeping the map's proportions) instead of ECharts' default inset.
        top: 4,
        bottom: 4,
        left: 4,
        right: 4,
        nameProperty: 'name',
        selectedMode: false,
        label: { show: false },
        itemStyle: { areaColor: palette.mapEmpty, borderColor: palette.mapBorder, borderWidth: 0.5 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: palette.mapHover } },
        data
      }
    ]
  }
}
