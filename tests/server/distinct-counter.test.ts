import { describe, expect, test } from 'vitest'
import { distinctCounter, type SetRef } from '../../src/server/queries/day-sets'

/** A seeded generator, so a failure names a case that can be run again. */
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** Packs sets as a day-set blob does ([value, n, ids…]…) and returns where each lies in it. */
function blobOf(sets: number[][]): SetRef[] {
  const ids = new Uint32Array(sets.reduce((n, set) => n + 2 + set.length, 0))
  const refs: SetRef[] = []
  let at = 0
  sets.forEach((set, value) => {
    ids[at] = value
    ids[at + 1] = set.length
    ids.set(set, at + 2)
    refs.push([ids, at + 2, set.length])
    at += 2 + set.length
  })
  return refs
}

const sorted = (ids: Iterable<number>) => [...new Set(ids)].sort((a, b) => a - b)

describe('distinctCounter (the union of day sets)', () => {
  const MAX = 3_000_000
  // Dense counts (a value's sessions over days: many ids in a narrow span), sparse ones (a rare value's few ids
  // spread over the whole id range), both with single ids beside, and empty ones; one counter for all, in turn,
  // so a count that leaves a bit behind spoils the next one.
  test('counts every union exactly, dense and sparse in turn, with one reused bitset', () => {
    const random = rng(7)
    const count = distinctCounter(MAX)
    for (let round = 0; round < 300; round++) {
      const shape = round % 4
      const setCount = 1 + Math.floor(random() * 6)
      const sets: number[][] = []
      for (let s = 0; s < setCount; s++) {
        const size = shape === 0 ? 2_000 + Math.floor(random() * 3_000) : shape === 1 ? 1 + Math.floor(random() * 3) : Math.floor(random() * 50)
        const base = shape === 0 ? 1_000_000 + Math.floor(random() * 5_000) : 0
        const spread = shape === 0 ? 20_000 : MAX
        sets.push(sorted(Array.from({ length: size }, () => base + Math.floor(random() * spread))))
      }
      const more = shape === 3 ? [] : Array.from({ length: Math.floor(random() * 20) }, () => Math.floor(random() * MAX))
      const expected = new Set([...sets.flat(), ...more]).size
      expect(count(blobOf(sets), more), `round ${round}`).toBe(expected)
    }
  })

  test('ids at both ends of the bitset and nothing at all', () => {
    const count = distinctCounter(MAX)
    expect(count(blobOf([[0, 31, 32, MAX]]), [MAX, 0])).toBe(4)
    expect(count([], [])).toBe(0)
    expect(count(blobOf([[], []]))).toBe(0)
    expect(count(blobOf([[5]]), [5])).toBe(1)
  })

  test('single ids below and above the sets are cleared for the next count', () => {
    const count = distinctCounter(MAX)
    expect(count(blobOf([[1000, 1001, 1002]]), [40, 90_000])).toBe(5)
    expect(count([], [40])).toBe(1)
    expect(count([], [90_000])).toBe(1)
    expect(count(blobOf([[40, 1000]]), [90_000])).toBe(3)
  })

  test('ids beyond the size it was made for are counted too', () => {
    const count = distinctCounter(100)
    expect(count(blobOf([[5, 99, 5_000_000]]), [7_000_000, 5_000_000])).toBe(4)
    expect(count([], [7_000_000])).toBe(1)
  })
})
