import type { EChartsCoreOption } from 'echarts/core'
import { onBeforeUnmount, onMounted, ref, shallowRef, watch, type Ref, type WatchSource } from 'vue'
import type { EChartsType } from '../charts/echarts'

/** Reads a CSS custom property of the chart's element (for `paletteFromCss`). */
export type CssReader = (name: string) => string

export interface ChartSetup {
  /** Loads the ECharts build to draw with and returns its `createChart`; the map's build brings its own parts. */
  load?: () => Promise<(element: HTMLElement) => EChartsType>
  /** Runs once on the new chart before its first draw, e.g. to listen for clicks. */
  setup?: (chart: EChartsType) => void
  /** The start of the message shown when the library could not be loaded. */
  failure?: string
}

const loadCharts = async () => (await import('../charts/echarts')).createChart

/**
 * An ECharts canvas on `container`, drawn from a pure option builder. ECharts is imported when the
 * component mounts, so the view around it paints first; the canvas follows its box (ResizeObserver,
 * which also covers window resizes) and is redrawn after the DOM updates whenever `sources` change,
 * so a theme switch has already changed the stylesheet's colours. `loadError` says in words when
 * the library could not be loaded, and `ready` turns true once the first option is drawn.
 */
export function useChart(
  container: Ref<HTMLElement | null>,
  build: (read: CssReader) => EChartsCoreOption,
  sources: WatchSource[],
  { load = loadCharts, setup, failure = 'The chart could not be drawn' }: ChartSetup = {}
) {
  const chart = shallowRef<EChartsType | null>(null)
  const loadError = ref<string | null>(null)
  const ready = ref(false)
  let observer: ResizeObserver | undefined
  let unmounted = false

  function draw() {
    const el = container.value
    if (!chart.value || !el) return
    const style = getComputedStyle(el)
    // notMerge: fewer series or buckets than before must not leave old ones behind.
    chart.value.setOption(build((name) => style.getPropertyValue(name)), { notMerge: true })
  }

  onMounted(async () => {
    try {
      const createChart = await load()
      const el = container.value
      if (unmounted || !el) return
      chart.value = createChart(el)
      setup?.(chart.value)
      draw()
      ready.value = true
      observer = new ResizeObserver(() => chart.value?.resize())
      observer.observe(el)
    } catch (error) {
      loadError.value = `${failure}: ${(error as Error).message}`
    }
  })

  onBeforeUnmount(() => {
    unmounted = true
    observer?.disconnect()
    chart.value?.dispose()
    chart.value = null
  })

  watch(sources, draw, { flush: 'post' })

  return { loadError, ready }
}
