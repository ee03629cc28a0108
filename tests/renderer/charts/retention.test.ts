import { describe, expect, test } from 'vitest'
import type { RetentionRow } from '../../../src/shared/api/types'
import { heatStyle, retentionTable } from '../../../src/renderer/src/charts/retention'

const row = (date: string, day: number, visitors: number, returnVisitors: number): RetentionRow => ({
  date: `${date}T00:00:00Z`,
  day,
  visitors,
  returnVisitors,
  percentage: (returnVisitors * 100) / visitors
})

describe('retention table', () => {
  test('puts cohorts in date order with a column per day since the first visit', () => {
    const rows = [row('2024-03-02', 0, 4, 4), row('2024-03-01', 0, 10, 10), row('2024-03-01', 2, 10, 3)]
    const table = retentionTable(rows, '2024-03-03')
    expect(table.days).toEqual([0, 1, 2])
    expect(table.cohorts.map((c) => [c.date, c.visitors])).toEqual([
      ['2024-03-01', 10],
      ['2024-03-02', 4]
    ])
    const first = table.cohorts[0]!.cells
    expect(first.map((c) => c?.percentage)).toEqual([100, 0, 30])
    expect(first[2]).toEqual({ day: 2, returnVisitors: 3, percentage: 30 })
  })

  test('a day inside the period without returns is 0%; a day after it is blank', () => {
    const table = retentionTable([row('2024-03-01', 0, 10, 10), row('2024-03-02', 0, 5, 5)], '2024-03-03')
    expect(table.cohorts[0]!.cells.map((c) => c?.percentage ?? null)).toEqual([100, 0, 0])
    // The cohort of the 2nd can be seen on the 2nd and 3rd only.
    expect(table.cohorts[1]!.cells.map((c) => c?.percentage ?? null)).toEqual([100, 0, null])
  })

  test('reads wall-clock labels as well as ISO ones, and caps the columns', () => {
    const rows: RetentionRow[] = [{ date: '2024-01-01 00:00:00', day: 0, visitors: 2, returnVisitors: 2, percentage: 100 }]
    const table = retentionTable(rows, '2024-12-31', 31)
    expect(table.cohorts[0]!.date).toBe('2024-01-01')
    expect(table.days).toHaveLength(32)
  })

  test('no rows, no table', () => {
    expect(retentionTable([])).toEqual({ days: [], cohorts: [] })
  })
})

describe('heat colour scale', () => {
  test('grows with the share and switches the text colour on the dark half', () => {
    expect(heatStyle(0)).toEqual({ background: 'var(--surface)', color: 'var(--muted)' })
    expect(heatStyle(10).background).toBe('color-mix(in srgb, var(--accent) 16%, var(--surface))')
    expect(heatStyle(10).color).toBe('var(--text)')
    expect(heatStyle(100)).toEqual({ background: 'color-mix(in srgb, var(--accent) 92%, var(--surface))', color: 'var(--accent-contrast)' })
  })

  test('keeps odd input on the scale', () => {
    expect(heatStyle(250).background).toBe(heatStyle(100).background)
    expect(heatStyle(Number.NaN)).toEqual(heatStyle(0))
  })
})
