import { describe, expect, test } from 'vitest'
import { equalsFilter, filterChips, filterForMetric, parseFilterValue } from '../../../src/renderer/src/lib/filters'

describe('table filters', () => {
  test('a row of a breakdown filters by the field it shows', () => {
    expect(filterForMetric('path')).toBe('path')
    expect(filterForMetric('entry')).toBe('path')
    expect(filterForMetric('exit')).toBe('path')
    expect(filterForMetric('country')).toBe('country')
    expect(filterForMetric('event')).toBe('event')
    expect(filterForMetric('channel')).toBeNull()
    expect(filterForMetric('screen')).toBeNull()
  })

  test('reads the API filter syntax, with eq as the default', () => {
    expect(parseFilterValue('neq.firefox')).toEqual({ operator: 'neq', value: 'firefox' })
    expect(parseFilterValue('eq./a.b')).toEqual({ operator: 'eq', value: '/a.b' })
    expect(parseFilterValue('/plain.html')).toEqual({ operator: 'eq', value: '/plain.html' })
    expect(equalsFilter('/about')).toBe('eq./about')
  })

  test('chips say what is filtered in words, country codes as names', () => {
    expect(filterChips({ path: 'eq./about', country: 'eq.DE', browser: 'neq.firefox', match: 'any' }, 'en')).toEqual([
      { key: 'path', label: 'Page is /about' },
      { key: 'country', label: 'Country is Germany' },
      { key: 'browser', label: 'Browser is not Firefox' }
    ])
  })
})
