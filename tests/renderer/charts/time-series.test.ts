import { describe, expect, test } from 'vitest'
import { SERIES_NAMES, timeSeriesData, timeSeriesOption } from '../../../src/renderer/src/charts/time-series'
import { chartPalette } from '../../../src/renderer/src/charts/theme'
import { customRange } from '../../../src/renderer/src/lib/range'

const week = customRange('2024-03-04', '2024-03-10', 'UTC')!
const pageviews = [
  { x: '2024-03-05T00:00:00Z', y: 10 },
  { x: '2024-03-07T00:00:00Z', y: 4 }
]
const sessions = [
  { x: '2024-03-05T00:00:00Z', y: 6 },
  { x: '2024-03-07T00:00:00Z', y: 2 }
]

type Series = { type: string; name: string; data: number[]; lineStyle?: { type?: string } }
const seriesOf = (option: ReturnType<typeof timeSeriesOption>) => option.series as Series[]

describe('time series option', () => {
  test('draws views as bars and visitors as a line over every day of the range, zeros included', () => {
    const option = timeSeriesOption({ pageviews, sessions, ...week, unit: 'day', timezone: 'UTC', locale: 'en-US', theme: 'light' })
    const [views, visitors] = seriesOf(option)
    expect(views).toMatchObject({ type: 'bar', name: SERIES_NAMES.views, data: [0, 10, 0, 4, 0, 0, 0] })
    expect(visitors).toMatchObject({ type: 'line', name: SERIES_NAMES.visitors, data: [0, 6, 0, 2, 0, 0, 0] })
    expect((option.xAxis as { data: string[] }).data).toEqual(['Mar 4', 'Mar 5', 'Mar 6', 'Mar 7', 'Mar 8', 'Mar 9', 'Mar 10'])
  })

  test('labels hours with the time, and with the date when the range spans days', () => {
    const day = customRange('2024-03-04', '2024-03-04', 'Europe/Berlin')!
    const option = timeSeriesOption({ pageviews: [], sessions: [], ...day, unit: 'hour', timezone: 'Europe/Berlin', locale: 'de-DE', theme: 'light' })
    const labels = (option.xAxis as { data: string[] }).data
    expect(labels).toHaveLength(24)
    expect(labels[0]).toBe('0:00')
    expect(labels[23]).toBe('23:00')
    const two = customRange('2024-03-04', '2024-03-05', 'UTC')!
    const spanning = timeSeriesOption({ pageviews: [], sessions: [], ...two, unit: 'hour', locale: 'en-US', theme: 'light' })
    expect((spanning.xAxis as { data: string[] }).data[24]).toBe('Mar 5, 12:00 AM')
  })

  test('wall-clock labels of a zone fill that zone’s buckets', () => {
    const day = customRange('2024-03-04', '2024-03-04', 'America/New_York')!
    const data = timeSeriesData({
      pageviews: [{ x: '2024-03-04 09:00:00', y: 3 }],
      sessions: [{ x: '2024-03-04 09:00:00', y: 1 }],
      ...day,
      unit: 'hour',
      timezone: 'America/New_York',
      theme: 'light'
    })
    expect(data.views[9]).toBe(3)
    expect(data.visitors[9]).toBe(1)
    expect(data.views.reduce((a, b) => a + b)).toBe(3)
  })

  test('overlays the previous period as dashed lines aligned bucket by bucket', () => {
    const previous = customRange('2024-02-26', '2024-03-03', 'UTC')!
    const option = timeSeriesOption({
      pageviews,
      sessions,
      ...week,
      previous: { pageviews: [{ x: '2024-02-26T00:00:00Z', y: 8 }], sessions: [{ x: '2024-02-27T00:00:00Z', y: 5 }], ...previous },
      unit: 'day',
      locale: 'en-US',
      theme: 'dark'
    })
    const series = seriesOf(option)
    expect(series.map((s) => s.name)).toEqual([SERIES_NAMES.views, SERIES_NAMES.visitors, SERIES_NAMES.previousViews, SERIES_NAMES.previousVisitors])
    expect(series[2]).toMatchObject({ type: 'line', data: [8, 0, 0, 0, 0, 0, 0], lineStyle: { type: 'dashed' } })
    expect(series[3]).toMatchObject({ data: [0, 5, 0, 0, 0, 0, 0], lineStyle: { type: 'dashed' } })
  })

  test('a shorter previous period is padded, and without its dates the period just before is used', () => {
    const march = customRange('2024-03-01', '2024-03-31', 'UTC')!
    const february = customRange('2024-02-01', '2024-02-29', 'UTC')!
    const data = timeSeriesData({
      pageviews: [],
      sessions: [],
      ...march,
      previous: { pageviews: [{ x: '2024-02-29T00:00:00Z', y: 1 }], sessions: [], ...february },
      unit: 'day',
      theme: 'light'
    })
    expect(data.previousViews).toHaveLength(31)
    expect(data.previousViews![28]).toBe(1)
    expect(data.previousKeys).toHaveLength(29)
    const implicit = timeSeriesData({ pageviews: [], sessions: [], ...week, previous: { pageviews: [{ x: '2024-02-26T00:00:00Z', y: 2 }], sessions: [] }, unit: 'day', theme: 'light' })
    expect(implicit.previousKeys![0]).toBe('2024-02-26 00:00')
    expect(implicit.previousViews![0]).toBe(2)
  })

  test('the tooltip names the bucket and the previous date, and escapes what it prints', () => {
    const previous = customRange('2024-02-26', '2024-03-03', 'UTC')!
    const option = timeSeriesOption({ pageviews, sessions, ...week, previous: { pageviews: [], sessions: [], ...previous }, unit: 'day', locale: 'en-US', theme: 'light' })
    const formatter = (option.tooltip as { formatter: (p: unknown) => string }).formatter
    const html = formatter([
      { seriesName: SERIES_NAMES.views, dataIndex: 1, value: 1234, marker: '' },
      { seriesName: SERIES_NAMES.previousViews, dataIndex: 1, value: 7, marker: '' },
      { seriesName: '<img src=x>', dataIndex: 1, value: 1, marker: '' }
    ])
    expect(html).toContain('Tue, Mar 5, 2024')
    expect(html).toContain('Views: <strong>1,234</strong>')
    expect(html).toContain('Previous views (Tue, Feb 27, 2024): <strong>7</strong>')
    expect(html).not.toContain('<img')
  })

  test('takes its colours from the theme', () => {
    const light = seriesOf(timeSeriesOption({ pageviews, sessions, ...week, unit: 'day', theme: 'light' }))
    const dark = timeSeriesOption({ pageviews, sessions, ...week, unit: 'day', theme: 'dark' })
    expect((light[0] as unknown as { itemStyle: { color: string } }).itemStyle.color).toBe(chartPalette('light').views)
    expect((seriesOf(dark)[0] as unknown as { itemStyle: { color: string } }).itemStyle.color).toBe(chartPalette('dark').views)
    expect(dark.legend).toMatchObject({ textStyle: { color: chartPalette('dark').muted } })
  })
})
