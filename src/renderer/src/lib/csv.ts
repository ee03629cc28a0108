/**
 * CSV export of dashboard tables (RFC 4180: comma separated, CRLF line ends, fields quoted when they
 * hold a quote, comma, line break or edge spaces). The values are whatever visitors sent (page paths,
 * referrers, event names), so a text cell that a spreadsheet would run as a formula is defused. Saving
 * the file is `download.ts`, the one part that needs a DOM.
 */

export type CsvValue = string | number | boolean | null | undefined

/** Spreadsheets treat a cell starting with one of these as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/

/** One field: formula-looking text gets a leading `'` (shown as text), then quoting as needed. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  let text = String(value)
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** A header row and data rows as CSV text, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',') + '\r\n').join('')
}

/** A breakdown table (`{x, y}` rows) with its two column names. */
export function metricRowsCsv(labelColumn: string, valueColumn: string, rows: readonly { x: string | null; y: number }[]): string {
  return toCsv([labelColumn, valueColumn], rows.map((row) => [row.x ?? '', row.y]))
}

/** A file name from a title: "Pages, last 7 days" → "pages-last-7-days.csv". */
export function csvFileName(...parts: string[]): string {
  const base = parts
    .join(' ')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return `${base || 'export'}.csv`
}
