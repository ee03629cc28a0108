import { describe, expect, test } from 'vitest'
import { averageVisitDuration, bounceRate, change, changeTone, overviewMetrics } from '../../../src/renderer/src/lib/change'

describe('change against the previous period', () => {
  test('is a relative change with its direction', () => {
    expect(change(150, 100)).toEqual({ percent: 50, direction: 'up' })
    expect(change(75, 100)).toEqual({ percent: -25, direction: 'down' })
    expect(change(100, 100)).toEqual({ percent: 0, direction: 'flat' })
  })

  test('from nothing has no percentage but still goes up', () => {
    expect(change(5, 0)).toEqual({ percent: null, direction: 'up' })
    expect(change(0, 0)).toEqual({ percent: 0, direction: 'flat' })
    expect(change(0, 8)).toEqual({ percent: -100, direction: 'down' })
  })

  test('is good news going up, except where lower is better', () => {
    expect(changeTone('up')).toBe('good')
    expect(changeTone('down')).toBe('bad')
    expect(changeTone('down', true)).toBe('good')
    expect(changeTone('up', true)).toBe('bad')
    expect(changeTone('flat', true)).toBe('neutral')
  })
})

describe('derived numbers, as Umami computes them', () => {
  test('bounce rate is bounces over visits', () => {
    expect(bounceRate({ bounces: 3, visits: 12 })).toBe(0.25)
    expect(bounceRate({ bounces: 0, visits: 0 })).toBe(0)
    expect(bounceRate({ bounces: 5, visits: 4 })).toBe(1)
  })

  test('visit duration is total time over visits', () => {
    expect(averageVisitDuration({ totaltime: 600, visits: 4 })).toBe(150)
    expect(averageVisitDuration({ totaltime: 600, visits: 0 })).toBe(0)
  })

  test('the overview cards come from one stats answer with its comparison', () => {
    const cards = overviewMetrics({
      pageviews: 300,
      visitors: 80,
      visits: 100,
      bounces: 40,
      totaltime: 6000,
      comparison: { pageviews: 200, visitors: 80, visits: 50, bounces: 25, totaltime: 4000 }
    })
    expect(cards.map((c) => c.key)).toEqual(['visitors', 'visits', 'pageviews', 'bounceRate', 'visitDuration'])
    const byKey = Object.fromEntries(cards.map((c) => [c.key, c]))
    expect(byKey.pageviews).toMatchObject({ value: 300, previous: 200, change: { percent: 50, direction: 'up' } })
    expect(byKey.visitors!.change.direction).toBe('flat')
    expect(byKey.bounceRate).toMatchObject({ value: 0.4, previous: 0.5, lowerIsBetter: true, format: 'percent' })
    expect(byKey.bounceRate!.change.direction).toBe('down')
    expect(byKey.visitDuration).toMatchObject({ value: 60, previous: 80, format: 'duration' })
  })
})
