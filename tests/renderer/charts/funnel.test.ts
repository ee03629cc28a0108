import { describe, expect, test } from 'vitest'
import type { FunnelStep } from '../../../src/shared/api/types'
import { FUNNEL_SERIES, funnelOption, funnelRows } from '../../../src/renderer/src/charts/funnel'
import { chartPalette } from '../../../src/renderer/src/charts/theme'

/** A funnel as the server answers it: 10 on /, 6 of them on /pricing, 3 signed up. */
const steps: FunnelStep[] = [
  { type: 'path', value: '/', visitors: 10, previous: 10, dropped: 0, dropoff: 0, remaining: 1 },
  { type: 'path', value: '/pricing', visitors: 6, previous: 10, dropped: 4, dropoff: 0.4, remaining: 0.6 },
  { type: 'event', value: 'signup', visitors: 3, previous: 6, dropped: 3, dropoff: 0.5, remaining: 0.3 }
]

type Bar = { type: string; name: string; data: number[]; barGap?: string; label?: { formatter: (p: { dataIndex: number }) => string } }
const seriesOf = (option: ReturnType<typeof funnelOption>) => option.series as Bar[]

describe('funnel rows', () => {
  test('give each step its visitors, conversion from step 1 and drop-off from the step before', () => {
    const rows = funnelRows(steps)
    expect(rows.map((r) => r.label)).toEqual(['/', '/pricing', 'Event: signup'])
    expect(rows.map((r) => r.visitors)).toEqual([10, 6, 3])
    expect(rows.map((r) => r.conversion)).toEqual([1, 0.6, 0.3])
    expect(rows.map((r) => r.dropped)).toEqual([0, 4, 3])
    expect(rows.map((r) => r.dropoff)).toEqual([0, 0.4, 0.5])
    expect(rows.map((r) => r.stepConversion)).toEqual([1, 0.6, 0.5])
  })

  test('a funnel nobody entered has zero ratios, not NaN', () => {
    const empty = steps.map((s) => ({ ...s, visitors: 0, previous: 0, dropped: 0, dropoff: 0, remaining: 0 }))
    for (const row of funnelRows(empty)) {
      expect([row.conversion, row.dropoff, row.stepConversion]).toEqual([0, 0, 0])
    }
  })
})

describe('funnel chart option', () => {
  test('draws one bar per step, step 1 on top, over a pale bar as long as the step before', () => {
    const option = funnelOption({ steps, locale: 'en-US', theme: 'light' })
    const yAxis = option.yAxis as { data: string[]; inverse: boolean }
    expect(yAxis.data).toEqual(['1. /', '2. /pricing', '3. Event: signup'])
    expect(yAxis.inverse).toBe(true)
    const [previous, visitors] = seriesOf(option)
    expect(visitors).toMatchObject({ type: 'bar', name: FUNNEL_SERIES.visitors, data: [10, 6, 3], barGap: '-100%' })
    expect(previous).toMatchObject({ type: 'bar', name: FUNNEL_SERIES.previous, data: [10, 10, 6] })
  })

  test('labels each bar with its visitors and conversion, in the locale', () => {
    const big = steps.map((s, i) => ({ ...s, visitors: [12000, 6000, 3000][i]! }))
    const de = seriesOf(funnelOption({ steps: big, locale: 'de-DE', theme: 'light' }))[1]!
    expect(de.label!.formatter({ dataIndex: 1 })).toBe('6.000 · 50\u00a0%')
    const en = seriesOf(funnelOption({ steps, locale: 'en-US', theme: 'light' }))[1]!
    expect(en.label!.formatter({ dataIndex: 2 })).toBe('3 · 30%')
  })

  test('takes its colours from the theme', () => {
    const dark = chartPalette('dark')
    const option = funnelOption({ steps, theme: 'dark' })
    const [previous, visitors] = option.series as { itemStyle: { color: string } }[]
    expect(visitors!.itemStyle.color).toBe(dark.visitors)
    expect(previous!.itemStyle.color).toBe(dark.grid)
  })

  test('the tooltip escapes step names, which visitors sent', () => {
    const hostile: FunnelStep[] = [
      { ...steps[0]! },
      { type: 'event', value: '<img src=x onerror=alert(1)>', visitors: 2, previous: 10, dropped: 8, dropoff: 0.8, remaining: 0.2 }
    ]
    const option = funnelOption({ steps: hostile, locale: 'en-US', theme: 'light' })
    const formatter = (option.tooltip as { formatter: (p: unknown) => string }).formatter
    const html = formatter([{ dataIndex: 1 }])
    expect(html).not.toContain('<img')
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;')
    expect(html).toContain('Visitors: 2 (20% of step 1)')
    expect(html).toContain('Dropped: 8 (80% of step 1)')
  })

  test('shortens long step names on the axis only', () => {
    const long = '/a/very/long/path/that/goes/on/and/on/for/ever'
    const option = funnelOption({ steps: [{ ...steps[0]!, value: long }, steps[1]!], theme: 'light' })
    const label = (option.yAxis as { data: string[] }).data[0]!
    expect(label.length).toBeLessThanOrEqual(31)
    expect(label.endsWith('…')).toBe(true)
  })
})
