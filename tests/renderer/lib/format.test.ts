import { describe, expect, test } from 'vitest'
import {
  countryName,
  formatBucket,
  formatBucketLong,
  formatChange,
  formatCompact,
  formatDuration,
  formatNumber,
  formatPercent,
  formatRange,
  languageName
} from '../../../src/renderer/src/lib/format'

describe('numbers per locale', () => {
  test('groups thousands the way the locale does', () => {
    expect(formatNumber(1234567, 'en-US')).toBe('1,234,567')
    expect(formatNumber(1234567, 'de-DE')).toBe('1.234.567')
    expect(formatNumber(12.6, 'en-US')).toBe('13')
  })

  test('shortens large counts and leaves small ones whole', () => {
    expect(formatCompact(1234, 'en-US')).toBe('1,234')
    expect(formatCompact(12_345, 'en-US')).toBe('12.3K')
    expect(formatCompact(3_400_000, 'en-US')).toBe('3.4M')
  })

  test('shows ratios as percentages and changes with a sign', () => {
    expect(formatPercent(0.425, 'en-US')).toBe('43%')
    expect(formatPercent(0.425, 'en-US', 1)).toBe('42.5%')
    expect(formatPercent(0.5, 'fr-FR')).toMatch(/^50\s%$/)
    expect(formatChange(12.5, 'en-US')).toBe('+13%')
    expect(formatChange(-4, 'en-US')).toBe('-4%')
    expect(formatChange(0, 'en-US')).toBe('0%')
  })

  test('never prints NaN or throws on a bad locale', () => {
    expect(formatNumber(Number.NaN, 'en-US')).toBe('0')
    expect(formatNumber(5, 'not a locale!')).toBe('5')
    expect(formatPercent(Number.POSITIVE_INFINITY, 'en-US')).toBe('0%')
  })
})

describe('durations', () => {
  test('reads as seconds, minutes and hours with a padded second field', () => {
    expect(formatDuration(0)).toBe('0s')
    expect(formatDuration(45)).toBe('45s')
    expect(formatDuration(65)).toBe('1m 05s')
    expect(formatDuration(59.6)).toBe('1m 00s')
    expect(formatDuration(3600 * 2 + 180 + 9)).toBe('2h 03m')
    expect(formatDuration(86_400 + 4 * 3600)).toBe('1d 04h')
    expect(formatDuration(-3)).toBe('0s')
  })
})

describe('dates and names', () => {
  test('labels buckets per unit without shifting their wall-clock time', () => {
    expect(formatBucket('2024-03-05 14:00', 'hour', 'en-US')).toBe('2:00 PM')
    expect(formatBucket('2024-03-05 14:00', 'hour', 'de-DE')).toBe('14:00')
    expect(formatBucket('2024-03-05 14:00', 'hour', 'en-US', true)).toBe('Mar 5, 2:00 PM')
    expect(formatBucket('2024-03-05 00:00', 'day', 'en-US')).toBe('Mar 5')
    expect(formatBucket('2024-03-01 00:00', 'month', 'en-US')).toBe('Mar 2024')
    expect(formatBucket('2024-01-01 00:00', 'year', 'en-US')).toBe('2024')
    expect(formatBucketLong('2024-03-05 00:00', 'day', 'en-US')).toBe('Tue, Mar 5, 2024')
  })

  test('states a range in the chosen zone', () => {
    const start = Date.parse('2024-02-29T23:00:00Z')
    const end = Date.parse('2024-03-03T22:59:59.999Z')
    expect(formatRange(start, end, 'Europe/Berlin', 'en-US')).toMatch(/^Mar 1\s–\s3, 2024$/)
  })

  test('names countries and languages from their codes', () => {
    expect(countryName('DE', 'en')).toBe('Germany')
    expect(countryName('de', 'de')).toBe('Deutschland')
    expect(countryName(null, 'en')).toBe('Unknown')
    expect(countryName('not-a-code', 'en')).toBe('not-a-code')
    expect(languageName('fr', 'en')).toBe('French')
    expect(languageName(null, 'en')).toBe('Unknown')
  })
})
