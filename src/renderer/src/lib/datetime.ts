/**
 * Instants as people read them in the zone the dashboard shows (not the machine's): the clock time of a
 * live hit, the date and time of a session's visit. Formatters are cached per locale, zone and style.
 */

const formats = new Map<string, Intl.DateTimeFormat>()

function format(locale: string | undefined, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${timeZone}|${JSON.stringify(options)}`
  let f = formats.get(key)
  if (!f) {
    // An unknown zone or locale (from a hand-edited URL) still shows a time rather than breaking a list:
    // the zone falls back to UTC first, then the locale to English.
    const attempts: [string | undefined, string][] = [[locale, timeZone], [locale, 'UTC'], ['en', 'UTC']]
    for (const [l, zone] of attempts) {
      try {
        f = new Intl.DateTimeFormat(l, { ...options, timeZone: zone })
        break
      } catch {
        continue
      }
    }
    if (formats.size >= 100) formats.clear()
    formats.set(key, f!)
  }
  return f!
}

const valid = (ms: number) => Number.isFinite(ms)

/** "14:03:05" (24-hour or 12-hour as the locale writes it). */
export function formatClock(ms: number, timeZone: string, locale?: string): string {
  if (!valid(ms)) return '—'
  return format(locale, timeZone, { hour: 'numeric', minute: '2-digit', second: '2-digit' }).format(ms)
}

/** "Mar 5, 2026, 14:03". */
export function formatDateTime(ms: number, timeZone: string, locale?: string): string {
  if (!valid(ms)) return '—'
  return format(locale, timeZone, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(ms)
}

/** An ISO time from the API as epoch ms; NaN for null or anything unreadable. */
export const instantOf = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : NaN)
