import { describe, expect, test } from 'vitest'
import { BoundedCache } from '../../src/server/lib/bounded-cache'

describe('BoundedCache', () => {
  test('returns what was set, and undefined for what was not; null is a value', () => {
    const cache = new BoundedCache<string, string | null>(10)
    cache.set('a', 'A')
    cache.set('n', null)
    expect(cache.get('a')).toBe('A')
    expect(cache.get('n')).toBeNull()
    expect(cache.get('b')).toBeUndefined()
  })

  test('never holds more than its capacity, and keeps at least the last half of it', () => {
    const cache = new BoundedCache<number, number>(100)
    for (let i = 0; i < 10_000; i++) {
      cache.set(i, i)
      expect(cache.size).toBeLessThanOrEqual(100)
    }
    for (let i = 10_000 - 50; i < 10_000; i++) expect(cache.get(i)).toBe(i)
    expect(cache.get(0)).toBeUndefined()
  })

  test('an entry read again survives the turnover of the entries around it', () => {
    const cache = new BoundedCache<string, number>(10)
    cache.set('hot', 1)
    for (let i = 0; i < 1000; i++) {
      cache.set(`cold-${i}`, i)
      expect(cache.get('hot')).toBe(1)
    }
  })

  test('clear forgets everything', () => {
    const cache = new BoundedCache<string, number>(4)
    for (const k of ['a', 'b', 'c']) cache.set(k, 1)
    cache.clear()
    expect(cache.size).toBe(0)
    expect(cache.get('a')).toBeUndefined()
  })
})
