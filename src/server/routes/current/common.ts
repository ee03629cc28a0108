import type { FastifyRequest } from 'fastify'
import { badRequest, unauthorized } from '../../../shared/errors'
import { assertCanView } from '../../auth'
import { FilterError, parseFilters, type ParsedFilters } from '../../db/filters'
import { isUuid } from '../../collect/ids'
import { isValidTimeZone, type DateUnit } from '../../lib/time'
import { getWebsiteByUuid, type WebsiteRow } from '../../queries/websites'

/** Helpers every route of the current dialect shares: website access, date ranges, units, paging. */

/** The website a request may read (owner, admin or a share token for it), else 401 as Umami answers. */
export function viewableWebsite(request: FastifyRequest, websiteId: string): WebsiteRow {
  const website = isUuid(websiteId) ? getWebsiteByUuid(request.server.ctx.db, websiteId.toLowerCase()) : undefined
  // Umami answers 401 for a website that does not exist, so ids cannot be probed.
  if (!website) throw unauthorized()
  assertCanView(request, website)
  return website
}

export interface DateRange {
  start: number
  end: number
}

/** A time given as epoch milliseconds (number or digits) or an ISO date; undefined when absent. `name` labels the error. */
export function instant(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const n =
    typeof value === 'number' ? value : typeof value === 'string' ? (/^-?\d+$/.test(value) ? Number(value) : Date.parse(value)) : NaN
  if (!Number.isFinite(n) || n < 0 || n > 8.64e15) throw badRequest(`${name} must be a time in epoch milliseconds (or an ISO date)`)
  return n
}

/** `startAt`/`endAt` (epoch ms, inclusive), or `startDate`/`endDate` (ISO). */
export function dateRange(query: Record<string, unknown>): DateRange {
  const start = instant(query.startAt, 'startAt') ?? instant(query.startDate, 'startDate')
  const end = instant(query.endAt, 'endAt') ?? instant(query.endDate, 'endDate')
  if (start === undefined || end === undefined) throw badRequest('startAt and endAt are required (epoch milliseconds)')
  if (start > end) throw badRequest('startAt must not be after endAt')
  return { start, end }
}

const UNITS: DateUnit[] = ['minute', 'hour', 'day', 'month', 'year']
const MINUTE = 60_000
const DAY = 86_400_000

/** The finest unit Umami allows for a range: buckets stay countable whatever the caller asks for. */
export function minimumUnit({ start, end }: DateRange): DateUnit {
  const span = end - start
  if (span <= 60 * MINUTE) return 'minute'
  if (span <= 30 * DAY) return 'hour'
  const s = new Date(start)
  const e = new Date(end)
  const months = (e.getUTCFullYear() - s.getUTCFullYear()) * 12 + e.getUTCMonth() - s.getUTCMonth()
  if (months <= 7) return 'day'
  if (months <= 24) return 'month'
  return 'year'
}

export function dateUnit(query: Record<string, unknown>, range: DateRange): DateUnit {
  const raw = query.unit
  const min = minimumUnit(range)
  if (raw === undefined || raw === '') return min === 'minute' ? 'hour' : min
  if (typeof raw !== 'string' || !UNITS.includes(raw as DateUnit)) throw badRequest(`unit must be one of ${UNITS.join(', ')}`)
  return UNITS.indexOf(raw as DateUnit) < UNITS.indexOf(min) ? min : (raw as DateUnit)
}

/** Legacy zone names that Intl knows under their current name. */
const ZONE_ALIASES: Record<string, string> = { 'Asia/Calcutta': 'Asia/Kolkata', 'Asia/Saigon': 'Asia/Ho_Chi_Minh', 'Asia/Katmandu': 'Asia/Kathmandu' }

/** The requested zone; `utc` (or none) also selects ISO labels in time series, as Umami v3 does. */
export function timezoneOf(query: Record<string, unknown>): { timezone: string; isoLabels: boolean } {
  const raw = query.timezone
  if (raw === undefined || raw === '' || raw === 'utc') return { timezone: 'UTC', isoLabels: true }
  // Not String(raw): a JSON body's `{"toString": "x"}` cannot be turned into text, which was a 500.
  if (typeof raw !== 'string') throw badRequest('timezone must be an IANA zone name such as Europe/Berlin, given as text')
  if (!isValidTimeZone(raw)) throw badRequest(`Unknown time zone "${raw.slice(0, 100)}": use an IANA name such as Europe/Berlin`)
  return { timezone: ZONE_ALIASES[raw] ?? raw, isoLabels: false }
}

/** The previous period: same length, ending where the range starts (`prev`), or a year earlier (`yoy`). */
export function comparisonRange(range: DateRange, compare: unknown): DateRange {
  if (compare === 'yoy') {
    const shift = (t: number) => {
      const d = new Date(t)
      d.setUTCFullYear(d.getUTCFullYear() - 1)
      return d.getTime()
    }
    return { start: shift(range.start), end: shift(range.end) }
  }
  if (compare !== undefined && compare !== 'prev' && compare !== '') throw badRequest('compare must be prev or yoy')
  // Umami shifts both ends back by the range length in whole minutes.
  const shift = Math.trunc((range.end - range.start) / MINUTE) * MINUTE
  return { start: range.start - shift, end: range.end - shift }
}

export function filtersOf(query: Record<string, unknown>): ParsedFilters {
  try {
    return parseFilters(query)
  } catch (error) {
    if (error instanceof FilterError) throw badRequest(error.message)
    throw error
  }
}

export interface Paging {
  page: number
  pageSize: number
  search: string | undefined
}

/**
 * The last page anyone can ask for: with pages of at most 1000 rows its offset stays an exact integer that
 * SQLite can bind (`page=1e308` is a whole number too, but its offset is not).
 */
const MAX_PAGE = 1_000_000_000

/** `page` (1-based, at most MAX_PAGE), `pageSize` (default 20, at most 1000) and `search`. */
export function paging(query: Record<string, unknown>): Paging {
  const page = query.page === undefined || query.page === '' ? 1 : Number(query.page)
  const pageSize = query.pageSize === undefined || query.pageSize === '' ? 20 : Number(query.pageSize)
  if (!Number.isInteger(page) || page < 1 || page > MAX_PAGE) throw badRequest(`page must be a whole number from 1 to ${MAX_PAGE}`)
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw badRequest('pageSize must be a whole number from 1 to 1000')
  return { page, pageSize, search: searchText(query) }
}

/**
 * The longest search text accepted: far beyond any stored value (at most 500 characters), and far below
 * SQLite's limit on LIKE patterns (50 000 bytes), which a longer search would hit as a 500.
 */
const MAX_SEARCH_LENGTH = 2000

/** `search` from the query: undefined when absent (or not given as one text), 400 when too long. */
export function searchText(query: Record<string, unknown>): string | undefined {
  const search = query.search
  if (typeof search !== 'string' || search === '') return undefined
  if (search.length > MAX_SEARCH_LENGTH) throw badRequest(`search must be at most ${MAX_SEARCH_LENGTH} characters`)
  return search
}

export function paged<T>(data: T[], count: number, { page, pageSize, search }: Paging) {
  return search === undefined ? { data, count, page, pageSize } : { data, count, page, pageSize, search }
}

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
