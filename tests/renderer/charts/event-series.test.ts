import { describe, expect, test } from 'vitest'
import { eventSeriesData, eventSeriesOption } from '../../../src/renderer/src/charts/event-series'
import { customRange } from '../../../src/renderer/src/lib/range'

const week = customRange('2024-03-04', '2024-03-10', 'UTC')!
const points = [
  { x: 'signup', t: '2024-03-05T00:00:00Z', y: 2 },
  { x: 'download', t: '2024-03-05T00:00:00Z', y: 5 },
  { x: 'signup', t: '2024-03-07T00:00:00Z', y: 1 },
  { x: 'download', t: '2024-03-09T00:00:00Z', y: 1 }
]

type Series = { type: string; name: string; stack: string; data: number[] }
type Tooltip = { formatter: (params: unknown) => string }

describe('event series option', () => {
  test('stacks one bar series per event, most frequent first, over every day of the range', () => {
    const option = eventSeriesOption({ points, ...week, unit: 'day', timezone: 'UTC', locale: 'en-US', theme: 'light' })
    const series = option.series as Series[]
    expect(series.map((s) => s.name)).toEqual(['download', 'signup'])
    expect(series[0]).toMatchObject({ type: 'bar', stack: 'events', data: [0, 5, 0, 0, 0, 1, 0] })
    expect(series[1]).toMatchObject({ type: 'bar', stack: 'events', data: [0, 2, 0, 1, 0, 0, 0] })
    expect((option.xAxis as { data: string[] }).data).toEqual(['Mar 4', 'Mar 5', 'Mar 6', 'Mar 7', 'Mar 8', 'Mar 9', 'Mar 10'])
  })

  test('wall-clock labels of a zone land in that zone’s buckets; counts outside the range are dropped', () => {
    const day = customRange('2024-03-04', '2024-03-04', 'Europe/Berlin')!
    const data = eventSeriesData({
      points: [
        { x: 'play', t: '2024-03-04 09:00:00', y: 3 },
        { x: 'play', t: '2024-03-04 09:00:00', y: 1 },
        { x: 'play', t: '2024-03-05 09:00:00', y: 7 }
      ],
      ...day,
      unit: 'hour',
      timezone: 'Europe/Berlin'
    })
    expect(data.keys).toHaveLength(24)
    expect(data.events).toHaveLength(1)
    expect(data.events[0]!.values[9]).toBe(4)
    expect(data.events[0]!.total).toBe(4)
  })

  test('no events: every bucket, no series', () => {
    const option = eventSeriesOption({ points: [], ...week, unit: 'day', theme: 'dark' })
    expect(option.series).toEqual([])
    expect((option.xAxis as { data: string[] }).data).toHaveLength(7)
  })

  test('the tooltip names the bucket and each event with a count, escaping names a visitor sent', () => {
    const option = eventSeriesOption({
      points: [{ x: '<img src=x onerror=alert(1)>', t: '2024-03-05T00:00:00Z', y: 1200 }],
      ...week,
      unit: 'day',
      locale: 'en-US',
      theme: 'light'
    })
    const html = (option.tooltip as Tooltip).formatter([
      { seriesName: '<img src=x onerror=alert(1)>', dataIndex: 1, value: 1200, marker: '' },
      { seriesName: 'quiet', dataIndex: 1, value: 0, marker: '' }
    ])
    expect(html).toBe('<strong>Tue, Mar 5, 2024</strong><br>&#60;img src=x onerror=alert(1)&#62;: <strong>1,200</strong>')
  })
})
