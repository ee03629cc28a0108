import { describe, expect, test } from 'vitest'
import { retentionCutoff } from '../../../src/shared/retention'
import type { HousekeepingRun } from '../../../src/shared/api/types'
import {
  choiceKey,
  choiceOf,
  deletesData,
  describeRun,
  formatBytes,
  retentionChoices,
  retentionLabel
} from '../../../src/renderer/src/lib/housekeeping'

const run = (over: Partial<HousekeepingRun>): HousekeepingRun => ({
  kind: 'purge',
  startedAt: Date.parse('2026-06-15T12:00:00Z'),
  finishedAt: Date.parse('2026-06-15T12:00:03Z'),
  cutoff: Date.parse('2026-03-15T12:00:00Z'),
  events: 0,
  sessions: 0,
  error: null,
  ...over
})

describe('retention choices', () => {
  test('offers forever and the fixed month counts, in words', () => {
    expect(retentionChoices(null).map((m) => retentionLabel(m, 'en-US'))).toEqual(['Forever', '1 month', '3 months', '6 months', '12 months', '24 months', '36 months'])
  })

  test('also offers a setting made over the API that is not one of them, in order', () => {
    expect(retentionChoices(5)).toEqual([null, 1, 3, 5, 6, 12, 24, 36])
    expect(retentionChoices(120)).toEqual([null, 1, 3, 6, 12, 24, 36, 120])
    expect(retentionChoices(12)).toEqual([null, 1, 3, 6, 12, 24, 36])
  })

  test('round-trips through the select value', () => {
    for (const months of retentionChoices(null)) expect(choiceOf(choiceKey(months))).toBe(months)
  })

  test('asks before a shorter period than now, not before a longer one or forever', () => {
    expect(deletesData(null, 3)).toBe(true)
    expect(deletesData(12, 3)).toBe(true)
    expect(deletesData(3, 12)).toBe(false)
    expect(deletesData(3, 3)).toBe(false)
    expect(deletesData(3, null)).toBe(false)
    expect(deletesData(null, null)).toBe(false)
  })
})

describe('the date a choice deletes before', () => {
  // One function (src/shared/retention.ts) serves the server's purge and this confirmation.
  test('clamps the day to a shorter month', () => {
    expect(new Date(retentionCutoff(Date.parse('2026-05-31T09:00:00Z'), 3)).toISOString()).toBe('2026-02-28T09:00:00.000Z')
  })
})

describe('byte sizes', () => {
  test('uses decimal units, per locale', () => {
    expect(formatBytes(0, 'en-US')).toBe('0 bytes')
    expect(formatBytes(512, 'en-US')).toBe('512 bytes')
    expect(formatBytes(4096, 'en-US')).toBe('4.1 kB')
    expect(formatBytes(12_345_678, 'en-US')).toBe('12.3 MB')
    expect(formatBytes(12_345_678, 'de-DE')).toBe('12,3 MB')
    expect(formatBytes(3_200_000_000, 'en-US')).toBe('3.2 GB')
  })

  test('never shows 1,000 of a unit, NaN or a negative size', () => {
    expect(formatBytes(999_960, 'en-US')).toBe('1 MB')
    expect(formatBytes(999_940, 'en-US')).toBe('999.9 kB')
    expect(formatBytes(Number.NaN, 'en-US')).toBe('0 bytes')
    expect(formatBytes(-5, 'en-US')).toBe('0 bytes')
    expect(formatBytes(2048, 'not a locale!')).toBe('2 kB')
  })
})

describe('the last run in words', () => {
  const zone = 'UTC'

  test('says when it ran and how much it deleted, older than which date', () => {
    const summary = describeRun(run({ events: 1234, sessions: 1 }), zone, 'en-US')
    expect(summary).toEqual({ when: 'Jun 15, 2026, 12:00 PM', text: 'Deleted 1,234 events and 1 session older than Mar 15, 2026, 12:00 PM.', failed: false })
  })

  test('says when nothing was old enough, or nothing is set', () => {
    expect(describeRun(run({}), zone, 'en-US').text).toBe('Nothing was older than Mar 15, 2026, 12:00 PM.')
    expect(describeRun(run({ cutoff: null }), zone, 'en-US').text).toBe('Nothing deleted: data is kept forever.')
  })

  test('reports a compaction, and an error with what was done before it', () => {
    expect(describeRun(run({ kind: 'compact', cutoff: null }), zone, 'en-US')).toMatchObject({ text: 'Compacted the database.', failed: false })
    expect(describeRun(run({ events: 2000, sessions: 0, error: 'the server is shutting down' }), zone, 'en-US')).toMatchObject({
      text: 'Deleting old data stopped: the server is shutting down (2,000 events and 0 sessions had been deleted)',
      failed: true
    })
    expect(describeRun(run({ kind: 'compact', cutoff: null, error: 'database or disk is full' }), zone, 'en-US')).toMatchObject({
      text: 'Compacting the database stopped: database or disk is full',
      failed: true
    })
  })

  test('shows the time in the dashboard’s zone', () => {
    expect(describeRun(run({}), 'Asia/Tokyo', 'en-US').when).toBe('Jun 15, 2026, 9:00 PM')
  })
})
