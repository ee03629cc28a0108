import { describe, expect, test } from 'vitest'
import { csvField, csvFileName, metricRowsCsv, toCsv } from '../../../src/renderer/src/lib/csv'

describe('CSV export', () => {
  test('writes a header and rows with CRLF line ends', () => {
    expect(toCsv(['Page', 'Visitors'], [['/', 10], ['/about', 3]])).toBe('Page,Visitors\r\n/,10\r\n/about,3\r\n')
  })

  test('quotes fields holding commas, quotes, line breaks or edge spaces', () => {
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField(' padded')).toBe('" padded"')
    expect(csvField('/plain/path')).toBe('/plain/path')
  })

  test('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`)
    expect(csvField('+1')).toBe("'+1")
    expect(csvField('-2+3')).toBe("'-2+3")
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvField('\tcmd')).toBe("'\tcmd")
  })

  test('keeps numbers as numbers, negative ones included, and empties as empty', () => {
    expect(csvField(-5)).toBe('-5')
    expect(csvField(12.5)).toBe('12.5')
    expect(csvField(Number.NaN)).toBe('')
    expect(csvField(null)).toBe('')
    expect(csvField(undefined)).toBe('')
  })

  test('exports a breakdown with unknown values as empty cells', () => {
    expect(metricRowsCsv('Country', 'Visitors', [{ x: 'DE', y: 4 }, { x: null, y: 1 }])).toBe('Country,Visitors\r\nDE,4\r\n,1\r\n')
  })

  test('makes a safe file name from a title', () => {
    expect(csvFileName('Pages', 'Last 7 days')).toBe('pages-last-7-days.csv')
    expect(csvFileName('Événements / Überblick')).toBe('evenements-uberblick.csv')
    expect(csvFileName('***')).toBe('export.csv')
  })
})
