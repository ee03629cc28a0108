import type { EChartsCoreOption } from 'echarts/core'
import { onBeforeUnmount, onMounted, ref, shallowRef, watch, type Ref, type WatchSource } from 'vue'
import type { EChartsType } from '../charts/echarts'

/** Reads a CSS custom property of the chart's element (for `paletteFromCss`). */
export type CssReader = (name: string) => string

/**
 * An ECharts canvas on `container`, drawn from a pure option builder. ECharts is imported when the
 * component mounts, so the view around it paints first; the canvas follows its box (ResizeObserver,
 * which also covers window resizes) and is redrawn after the DOM updates whenever `sources` change,
 * so a theme switch has already changed the stylesheet's colours. `loadError` says in words when
 * the library could not be loaded.
 */
export function useChart(container: Ref<HTMLElement | null>, build: (read: CssReader) => EChartsCoreOption, sources: WatchSource[]) {
  const chart = shallowRef<EChartsType | null>(null)
  const loadError = ref<string | null>(null)
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
      const { createChart } = await import('../charts/echarts')
      const el = container.value
      if (unmounted || !el) return
      chart.value = createChart(el)
      draw()
      observer = new ResizeObserver(() => chart.value?.resize())
      observer.observe(el)
    } catch (error) {
      loadError.value = `The chart could not be drawn: ${(error as Error).message}`
    }
  })

  onBeforeUnmount(() => {
    unmounted = true
    observer?.disconnect()
    chart.value?.dispose()
    chart.value = null
  })

  watch(sources, draw, { flush: 'post' })

  return { loadError }
}
