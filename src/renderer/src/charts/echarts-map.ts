import { MapChart } from 'echarts/charts'
import { VisualMapContinuousComponent } from 'echarts/components'
import { registerMap, use } from 'echarts/core'
import { countryFeatures, type Topology } from './world-geometry'
import { WORLD_MAP } from './world-map'

export { createChart, type EChartsType } from './echarts'

/**
 * The map's share of ECharts and the country shapes, in a chunk of their own: only a view that shows
 * the world map loads them. The shapes come from the bundled world-atlas file (dynamic import, so
 * Vite splits it out); nothing is fetched from the network.
 */
use([MapChart, VisualMapContinuousComponent])

let ready: Promise<void> | undefined

/** Registers the country shapes once, however many maps ask. */
export function loadWorldMap(): Promise<void> {
  ready ??= import('world-atlas/countries-110m.json').then((module) => {
    const topology = ((module as { default?: unknown }).default ?? module) as Topology
    // ECharts' own GeoJSON type wants more than the features need; the shape is what it parses.
    registerMap(WORLD_MAP, countryFeatures(topology) as unknown as Parameters<typeof registerMap>[1])
  })
  ready.catch(() => {
    ready = undefined
  })
  return ready
}
