import type { Db } from '../db/open'
import { prepared } from '../db/sql'
import type { ColumnLabel, MetricOptions, MetricRow, Scope, WebsiteStats } from './current-analytics'
import { openVisitStart } from './visits'

/**
 * The dashboard's unfiltered numbers from daily and hourly sets (migrations 008–010): for a range holding whole
 * UTC days or hours whose sets are built, the ids a table counts for each value (sessions; custom events' ids for
 * the event table) are the union of those sets and of the rows in the rest of the range (its cut hours, today's
 * last hour or two, anything not built; for the visit tables, the visits that do not start in a used day or hour).
 * A union is exact where adding up daily counts is not, and OR-ing sets into a bitset is one pass over far fewer
 * entries than grouping every view by its text (bench/day-sets.mjs: 90 days at 10 M events 154 ms vs 5.6 s). The
 * stats add the totals; the pageviews series unions hour sets. A range's first and last days are rarely whole: it
 * takes the whole hours it holds of the built days it cuts, and today's hours built one by one (hour_built).
 *
 * Which rows count for a table is decided in one place (daySetRows and the visit rows in current-analytics.ts):
 * the rest of the range is read with it here, and the hit writer builds the sets of closed days with it
 * (daySetBuildQueries, task daySets in collect/writer-worker.mjs); the website's own domain is applied when
 * reading since it may change. An event inserted into a built day or hour, or a visit starting in it that changes
 * from another one, drops it from day_set_built or hour_built (triggers), so a stale set is never read.
 */

const DAY = 86_400_000
const HOUR = 3_600_000

/**
 * day_set.kind of each table answered from sets (referrer and domain are the same column). The session
 * attributes (4–9, migration 009) are fixed at a session's first sight, so a day's set per value is exact too.
 */
export const DAY_SET_KINDS = {
  path: 1,
  title: 2,
  referrer: 3,
  domain: 3,
  browser: 4,
  os: 5,
  device: 6,
  screen: 7,
  language: 8,
  country: 9,
  hostname: 10,
  // Sets of event ids: their union's size is the number of custom events (the table's y), not of visitors.
  event: 11,
  // Attributes of visits (migrations 009, 010): the sessions of the visits that start in the day, by the path of their
  // first or last view, or by the inputs of their first view's channel (read as channels with the domain of the
  // moment: channelOfInputs in current-analytics.ts).
  entry: 12,
  exit: 13,
  channel: 14,
  // Views' tag and campaign parameters.
  tag: 15,
  utmSource: 16,
  utmMedium: 17,
  utmCampaign: 18,
  utmContent: 19,
  utmTerm: 20,
  // The query (migration 010): many distinct values (click ids), but few rows a day, so sets stay small.
  query: 23
} as const

/**
 * day_set.kind of a day's totals over the visits that start in it: one blob of four float64s, visits, views,
 * bounces and seconds (as visitRows measures them). With the entry sets (every such visit has one entry, so
 * their union is those visits' sessions) they give the stats of the range's built days.
 */
export const DAY_TOTALS_KIND = 0

/**
 * The pageviews series (migration 009): the sessions with a view in each UTC hour of the day (values '0'–'23'),
 * and the day's views per hour as 24 float64s. In a zone whose offsets are whole hours, every bucket of an
 * hour or more is a union of UTC hours.
 */
export const HOUR_SETS_KIND = 21
export const HOUR_VIEWS_KIND = 22

/**
 * The visit tables: their sets hold the visits that start in a day (or hour), wherever they end; a range uses a
 * day's (hour's) only when all of them end inside it, and reads the other visits.
 */
export const VISIT_DAY_SET_TYPES = ['entry', 'exit', 'channel'] as const
export type DaySetType = keyof typeof DAY_SET_KINDS
export const isDaySetType = (type: string): type is DaySetType => Object.hasOwn(DAY_SET_KINDS, type)

/** The value id of an unknown (NULL) value in the packed sets: no day_set_value row names it. */
const NULL_VALUE_ID = 0

/** The UTC day of an instant, as day_set.day and migration 008's trigger number days. */
const utcDay = (ms: number): number => Math.floor(ms / DAY)

/**
 * The table's rows (`x`, `id`) in [start, end], as SQL and parameters: `id` is what the table counts distinct
 * of, the session (visitors) or, for custom events, the event itself (their number).
 */
export type RowsIn = (start: number, end: number) => Sql

/** SQL and its parameters. */
export interface Sql {
  sql: string
  params: Record<string, unknown>
}

/**
 * The visits of a range that its sets leave out, as SQL: those that start in none of the built `days` and `hours`
 * (visits.ts visitRows, option beside).
 */
export type BesideSets = (days: number[], hours: number[]) => Sql

/**
 * What the sets leave out of a range. Tables of events and sessions: the rows of the parts of the range outside
 * the built days and hours (`rowsIn`). Visit tables: the rows of the range's other visits (`beside`), and
 * `display`, the table's value of a set's value (the channel of channel inputs).
 */
export type DaySetRest = { rowsIn: RowsIn } | { beside: BesideSets; display?: (value: string) => string }

/**
 * The `type` table of `scope` (no filters, no search) with the sets of its built days and hours, or null when the
 * range holds no built part (the caller then groups the events as before). `rest` reads the rest of the range.
 * Runs in one read transaction, so the sets, the list of built parts and the rest are of the same moment.
 */
export function tableFromDaySets(db: Db, scope: Scope, type: DaySetType, options: MetricOptions, rest: DaySetRest): MetricRow[] | null {
  const kind = DAY_SET_KINDS[type]
  const skip = kind === DAY_SET_KINDS.referrer ? scope.selfDomain : null
  // Sets per hour too (migration 010): the range's cut days add their hours (for visits, the hours they start in).
  const ofVisits = 'beside' in rest
  return withBuiltParts(db, scope, ofVisits, ({ days: built, hours }) => {
    // Where each value's set lies in the days' (and hours') blobs, in two passes (counts, then places) into typed
    // arrays: a 90-day table has ~100 k of them at 1 M events, too many for an array per value.
    const blobs: Uint32Array[] = []
    const slotOf = new Map<number, number>()
    const perSlot: number[] = []
    let maxId = 0
    const daySets = builtSets(db, scope.websiteId, [kind], built)
    for (const [, , blob] of chain(daySets, hourSets(db, scope.websiteId, [kind], hours))) {
      const ids = uint32s(blob)
      blobs.push(ids)
      maxId = eachSet(ids, maxId, (valueId) => {
        let slot = slotOf.get(valueId)
        if (slot === undefined) slotOf.set(valueId, (slot = perSlot.push(0) - 1))
        perSlot[slot]!++
      })
    }
    const starts = new Int32Array(perSlot.length + 1)
    for (let slot = 0; slot < perSlot.length; slot++) starts[slot + 1] = starts[slot]! + perSlot[slot]!
    const fill = starts.slice(0, perSlot.length)
    // [blob index, index of the set's first id] per set, grouped by slot.
    const places = new Int32Array(starts[perSlot.length]! * 2)
    blobs.forEach((ids, b) =>
      eachSet(ids, 0, (valueId, from) => {
        const at = fill[slotOf.get(valueId)!]!++
        places[2 * at] = b
        places[2 * at + 1] = from
      })
    )

    // The rest of the range, between and around the built days: ids by value (values without sets apart).
    const scanned = new Map<string | null, number[]>()
    // Each value's distinct ids as one JSON array: a row per (value, id) cost more to hand over than to group.
    const scan = (part: Sql) => {
      const grouped = prepared(db, `SELECT x, json_group_array(DISTINCT id) FROM (${part.sql}) GROUP BY x`).raw()
      for (const [value, json] of grouped.iterate(part.params) as Iterable<[string | null, string]>) {
        const ids = JSON.parse(json) as number[]
        const list = scanned.get(value)
        if (list) for (const id of ids) list.push(id)
        else scanned.set(value, ids)
      }
    }
    if ('rowsIn' in rest) {
      for (const [from, to] of outsideParts(scope, built, hours)) scan(rest.rowsIn(from, to))
    } else {
      scan(rest.beside(built, hours))
    }

    // Sized for the sets' ids; an id of the rest beyond them grows it.
    const count = distinctCounter(maxId)
    const setsOfValue = (valueId: number, into: SetRef[]) => {
      const slot = slotOf.get(valueId)!
      for (let k = starts[slot]!; k < starts[slot + 1]!; k++) {
        const ids = blobs[places[2 * k]!]!
        const from = places[2 * k + 1]!
        into.push([ids, from, ids[from - 1]!])
      }
      return into
    }
    const display = 'display' in rest ? rest.display : undefined
    if (display) {
      // Channels: several set values (inputs) make one value of the table, so all of them are named.
      const valueIds = namesOf(db, [...slotOf.keys()])
      const parts = new Map<string | null, number[]>()
      for (const [valueId, value] of valueIds) {
        if (skip !== null && value === skip) continue
        const shown = value !== null ? display(value) : value
        const list = parts.get(shown)
        if (list) list.push(valueId)
        else parts.set(shown, [valueId])
      }
      const rows: MetricRow[] = []
      for (const [value, valueIdList] of parts) {
        const sets: SetRef[] = []
        for (const valueId of valueIdList) setsOfValue(valueId, sets)
        const n = count(sets, scanned.get(value))
        scanned.delete(value)
        if (n > 0) rows.push({ x: value, y: n })
      }
      for (const [value, more] of scanned) rows.push({ x: value, y: count([], more) })
      return page(rows, options)
    }

    // A value is its set value: counted by value id, named only when it can make the page (a 90-day query table
    // holds ~83 k click ids, nearly all counted once). The rest's values are found by name.
    const byName = new Map<string | null, number>([[null, NULL_VALUE_ID]])
    const lookup = [...scanned.keys(), skip].filter((value): value is string => value !== null)
    if (lookup.length > 0) {
      const known = prepared(db, 'SELECT value, value_id FROM day_set_value WHERE website_id = ? AND kind = ? AND value IN (SELECT value FROM json_each(?))')
      for (const [value, valueId] of known.raw().all(scope.websiteId, kind, JSON.stringify(lookup)) as [string, number][]) byName.set(value, valueId)
    }
    const skipId = skip === null ? undefined : byName.get(skip)
    const rows: IdRow[] = []
    const restOf = new Map<number, number[]>()
    for (const [value, more] of scanned) {
      const valueId = byName.get(value)
      if (valueId !== undefined && slotOf.has(valueId)) restOf.set(valueId, more)
      else rows.push({ id: -1, x: value, y: count([], more) })
    }
    for (const valueId of slotOf.keys()) {
      if (valueId === skipId) continue
      const n = count(setsOfValue(valueId, []), restOf.get(valueId))
      if (n > 0) rows.push({ id: valueId, x: valueId === NULL_VALUE_ID ? null : undefined, y: n })
    }
    return pageOfIds(db, scope.websiteId, kind, rows, options)
  })
}

/**
 * The first `count` of these rows in the BINARY order of their names, from the ids of the dictionary's index in that
 * order, or null when more than twice as many ids as rows go by first (naming them all is then cheaper).
 */
function firstByName(db: Db, websiteId: number, kind: number, rows: Map<number, IdRow>, count: number): IdRow[] | null {
  const inOrder = prepared(db, 'SELECT value_id FROM day_set_value WHERE website_id = ? AND kind = ? ORDER BY value').pluck()
  const first: IdRow[] = []
  let walked = 0
  for (const valueId of inOrder.iterate(websiteId, kind) as Iterable<number>) {
    const row = rows.get(valueId)
    if (row && first.push(row) === count) return first
    if (++walked > 2 * rows.size) return null
  }
  return first
}

/** value_id → value of these set values. */
function namesOf(db: Db, valueIds: number[]): Map<number, string | null> {
  const names = new Map<number, string | null>(
    prepared(db, 'SELECT value_id, value FROM day_set_value WHERE value_id IN (SELECT value FROM json_each(?))')
      .raw()
      .all(JSON.stringify(valueIds)) as [number, string][]
  )
  if (valueIds.includes(NULL_VALUE_ID)) names.set(NULL_VALUE_ID, null)
  return names
}

/** A table row by set value (`id`; -1 for a value only in the rest) with its name once known (`x`). */
interface IdRow {
  id: number
  x?: string | null
  y: number
}

/**
 * The page of `rows` (as page() orders them), naming only the rows that can be on it: those counted more than the
 * page's last and, of those counted as many, the first by name. Those first are found by walking the ids of the
 * dictionary's index, in SQLite's BINARY order of the names (~0.7 µs a row, against ~1.5 µs to name a row), as
 * long as that walk stays shorter than twice the ties; otherwise every tie is named.
 */
function pageOfIds(db: Db, websiteId: number, kind: number, rows: IdRow[], options: MetricOptions): MetricRow[] {
  const end = options.offset + options.limit
  let chosen = rows
  if (rows.length > end && end > 0) {
    rows.sort((a, b) => b.y - a.y)
    const last = rows[end - 1]!.y
    let above = 0
    while (rows[above]!.y > last) above++
    let tiesEnd = end
    while (tiesEnd < rows.length && rows[tiesEnd]!.y === last) tiesEnd++
    const ties = rows.slice(above, tiesEnd)
    const places = end - above
    const unnamed = new Map<number, IdRow>()
    for (const row of ties) if (row.x === undefined) unnamed.set(row.id, row)
    chosen = rows.slice(0, above)
    const first = unnamed.size > places ? firstByName(db, websiteId, kind, unnamed, places) : null
    if (first === null) chosen.push(...ties)
    else {
      chosen.push(...first)
      // Ties named already: NULL, and values only in the rest.
      for (const row of ties) if (row.x !== undefined) chosen.push(row)
    }
  }
  const missing = chosen.filter((row) => row.x === undefined)
  if (missing.length > 0) {
    const names = namesOf(db, missing.map((row) => row.id))
    for (const row of missing) row.x = names.get(row.id)
  }
  // A value whose name is gone (never within one read transaction) is left out, as before.
  return page(
    chosen.filter((row) => row.x !== undefined).map((row) => ({ x: row.x!, y: row.y })),
    options
  )
}

/**
 * The stats of `scope` (no filters) from its built whole days' totals and entry sets, and those of the visits that
 * start in the whole hours it holds of the built days it cuts, plus the range's other visits (`beside`: visitRows
 * without those visits; `session_id`, `c` views, `t` seconds), or null when the range holds no built part. One read
 * transaction.
 */
export function statsFromDaySets(db: Db, scope: Scope, beside: BesideSets): WebsiteStats | null {
  return withBuiltParts(db, scope, true, ({ days: built, hours }) => {
    const stats: WebsiteStats = { pageviews: 0, visitors: 0, visits: 0, bounces: 0, totaltime: 0 }
    // The entry sets (one entry per visit: their union is those visits' sessions).
    const sets: SetRef[] = []
    let maxId = 0
    const kinds = [DAY_TOTALS_KIND, DAY_SET_KINDS.entry]
    const daySets = builtSets(db, scope.websiteId, kinds, built)
    for (const [kind, , blob] of chain(daySets, hourSets(db, scope.websiteId, kinds, hours))) {
      if (kind === DAY_TOTALS_KIND) {
        const totals = float64s(blob)
        stats.visits += totals[0]!
        stats.pageviews += totals[1]!
        stats.bounces += totals[2]!
        stats.totaltime += totals[3]!
      } else {
        const ids = uint32s(blob)
        maxId = eachSet(ids, maxId, (_, from, n) => sets.push([ids, from, n]))
      }
    }
    const rest = beside(built, hours)
    const others = prepared(db, `SELECT session_id, c, t FROM (${rest.sql})`).raw().all(rest.params) as [number, number, number][]
    for (const [, c, t] of others) {
      stats.visits++
      stats.pageviews += c
      if (c === 1) stats.bounces++
      stats.totaltime += t
    }
    stats.visitors = distinctCounter(maxId)(sets, others.map(([sessionId]) => sessionId))
    return stats
  })
}

/** A bucket of the pageviews series: its label, views and distinct sessions. */
export interface SeriesBucket {
  x: string
  views: number
  sessions: number
}

/**
 * The pageviews series of `scope` (no filters), buckets of whole UTC hours (`label`: a zone whose offsets are
 * whole hours, a unit of an hour or more): the built whole days' hours from their views and session sets, the
 * rest of the range from its views (`viewsIn`: SQL of the views `e` in [start, end]). Null when the range holds
 * no built part. One read transaction.
 */
export function seriesFromDaySets(db: Db, scope: Scope, label: ColumnLabel, viewsIn: RowsIn): SeriesBucket[] | null {
  return withBuiltParts(db, scope, false, ({ days: built, hours: allHours, ownHours }) => {
    // Per UTC hour (an hour number since 1970) of the built days, and the hours the range holds of the built days it
    // cuts: its views and its session sets.
    const views = new Map<number, number>()
    const sets = new Map<number, SetRef[]>()
    const hourIds = new Map(
      prepared(db, 'SELECT value_id, value FROM day_set_value WHERE website_id = ? AND kind = ?').raw().all(scope.websiteId, HOUR_SETS_KIND) as [number, string][]
    )
    // Hours of built days are in the days' blobs (HOUR_SETS_KIND, HOUR_VIEWS_KIND); today's, in their own.
    const own = new Set(ownHours)
    const cutHours = allHours.filter((hour) => !own.has(hour))
    const inRange = new Set(cutHours)
    for (const day of built) for (let h = 0; h < 24; h++) inRange.add(day * 24 + h)
    const days = [...new Set([...built, ...cutHours.map((hour) => Math.floor(hour / 24))])].sort((a, b) => a - b)
    let maxId = 0
    for (const [kind, hour, blob] of hourSets(db, scope.websiteId, [HOUR_SETS_KIND, HOUR_VIEWS_KIND], ownHours)) {
      if (kind === HOUR_VIEWS_KIND) {
        const n = float64s(blob)[0]!
        if (n > 0) views.set(hour, n)
        continue
      }
      const ids = uint32s(blob)
      maxId = eachSet(ids, maxId, (_, from, n) => sets.set(hour, [[ids, from, n]]))
    }
    const daySets = builtSets(db, scope.websiteId, [HOUR_SETS_KIND, HOUR_VIEWS_KIND], days)
    for (const [kind, day, blob] of daySets) {
      if (kind === HOUR_VIEWS_KIND) {
        float64s(blob).forEach((n, h) => n > 0 && inRange.has(day * 24 + h) && views.set(day * 24 + h, n))
        continue
      }
      const ids = uint32s(blob)
      maxId = eachSet(ids, maxId, (valueId, from, n) => {
        const hour = day * 24 + Number(hourIds.get(valueId))
        if (!inRange.has(hour)) return
        const list = sets.get(hour)
        if (list) list.push([ids, from, n])
        else sets.set(hour, [[ids, from, n]])
      })
    }
    type Bucket = { x: string; views: number; hours: number[]; sessions: number[] }
    const buckets = new Map<number | string, Bucket>()
    const bucket = (k: number | string, x: string) => {
      let b = buckets.get(k)
      if (!b) buckets.set(k, (b = { x, views: 0, hours: [], sessions: [] }))
      return b
    }
    // The built hours' buckets, in one statement.
    const hours = [...views.keys()]
    const keyed = prepared(db, `SELECT value, ${label.key('(value * 3600000)')}, ${label.of('(value * 3600000)')} FROM json_each(?)`).raw()
    for (const [hour, k, x] of keyed.all(JSON.stringify(hours), label.params) as [number, number | string, string][]) {
      const b = bucket(k, x)
      b.views += views.get(hour)!
      b.hours.push(hour)
    }
    // The rest of the range (edges, days not built), grouped by bucket in SQL: its views and distinct sessions (one
    // JSON array).
    const scan = (from: number, to: number) => {
      const part = viewsIn(from, to)
      const restViews = prepared(
        db,
        `SELECT k, x, count(*), json_group_array(DISTINCT sid)
           FROM (SELECT ${label.key('e.created_at')} AS k, ${label.of('e.created_at')} AS x, e.session_id AS sid FROM ${part.sql}) GROUP BY k, x`
      ).raw()
      for (const [k, x, n, json] of restViews.iterate({ ...part.params, ...label.params }) as Iterable<[number | string, string, number, string]>) {
        const b = bucket(k, x)
        b.views += n
        for (const sessionId of JSON.parse(json) as number[]) b.sessions.push(sessionId)
      }
    }
    for (const [from, to] of outsideParts(scope, built, allHours)) scan(from, to)

    const count = distinctCounter(maxId)
    const rows: (SeriesBucket & { k: number | string })[] = []
    for (const [k, b] of buckets) {
      const inBucket = b.hours.flatMap((hour) => sets.get(hour) ?? [])
      rows.push({ k, x: b.x, views: b.views, sessions: count(inBucket, b.sessions) })
    }
    rows.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    return rows.map(({ x, views: v, sessions }) => ({ x, views: v, sessions }))
  })
}

/**
 * The built parts of a range (ascending): its whole UTC days whose sets are built, and its other whole hours with
 * sets: those of the built days it cuts (its first and last, when they are not whole), and those built one by one
 * (`ownHours`, today's).
 */
interface BuiltParts {
  days: number[]
  hours: number[]
  ownHours: number[]
}

/**
 * Runs `read` with the range's built parts, in one read transaction, so that the sets, the list of built days and
 * the rest of the range are of the same moment; null when the range holds no built part (the caller then reads
 * without sets). `ofVisits`: the days and hours are those whose visits (by the day or hour they start in) all end
 * inside the range: those before the first visit that goes on past its end (openVisitStart).
 */
function withBuiltParts<T>(db: Db, scope: Scope, ofVisits: boolean, read: (built: BuiltParts) => T | null): T | null {
  const firstDay = Math.ceil(scope.start / DAY)
  const lastDay = utcDay(scope.end + 1) - 1
  if (scope.end < scope.start) return null
  return db.transaction(() => {
    // The days the range cuts (before its first whole day, after its last) with its whole days.
    const built = prepared(db, 'SELECT day FROM day_set_built WHERE website_id = ? AND day BETWEEN ? AND ? ORDER BY day')
      .pluck()
      .all(scope.websiteId, utcDay(scope.start), utcDay(scope.end)) as number[]
    // For visits, the parts before the start of the first visit that goes on past the range's end: their visits all
    // end inside it. (None when the range ends now.) Such a visit starts at most the longest visit before the end.
    const cutoff = ofVisits ? openVisitStart(db, scope) : scope.end + 1
    // Whole days; for visits, only those before the cutoff (the others give their hours).
    const lastWhole = Math.min(lastDay, utcDay(cutoff) - 1)
    const days = built.filter((day) => day >= firstDay && day <= lastWhole)
    const firstHour = Math.ceil(scope.start / HOUR)
    const lastHour = Math.floor(cutoff / HOUR) - 1
    const hours: number[] = []
    for (const day of built.filter((day) => day < firstDay || day > lastWhole)) {
      for (let hour = Math.max(day * 24, firstHour); hour <= Math.min(day * 24 + 23, lastHour); hour++) hours.push(hour)
    }
    const builtDays = new Set(built)
    const ownHours = (
      prepared(db, 'SELECT hour FROM hour_built WHERE website_id = ? AND hour BETWEEN ? AND ? ORDER BY hour').pluck().all(scope.websiteId, firstHour, lastHour) as number[]
    ).filter((hour) => !builtDays.has(Math.floor(hour / 24)))
    hours.push(...ownHours)
    hours.sort((a, b) => a - b)
    return days.length === 0 && hours.length === 0 ? null : read({ days, hours, ownHours })
  })()
}

/** [kind, day, blob] of the `kinds` of these built days (ascending). */
function builtSets(db: Db, websiteId: number, kinds: number[], days: number[]): Iterable<[number, number, Buffer]> {
  return setsOf(db, 'day_set', websiteId, kinds, days)
}

/** [kind, hour, blob] of the `kinds`' sets for these hours (ascending, of built days: hours with no rows have no blob). */
function hourSets(db: Db, websiteId: number, kinds: number[], hours: number[]): Iterable<[number, number, Buffer]> {
  return setsOf(db, 'hour_set', websiteId, kinds, hours)
}

/**
 * The blobs of `kinds` for these days or hours (ascending), read as ranges of the table's key, one per kind and
 * run of consecutive ones: a lookup per day read the same 90 blobs ~4× slower (10 M events: 25 vs 6.5 ms).
 */
function* setsOf(db: Db, table: 'day_set' | 'hour_set', websiteId: number, kinds: number[], slots: number[]): Iterable<[number, number, Buffer]> {
  const column = table === 'day_set' ? 'day' : 'hour'
  const statement = prepared(db, `SELECT kind, ${column}, sets FROM ${table} WHERE website_id = ? AND kind = ? AND ${column} BETWEEN ? AND ?`).raw()
  for (let i = 0; i < slots.length; ) {
    let j = i
    while (j + 1 < slots.length && slots[j + 1] === slots[j]! + 1) j++
    for (const kind of kinds) yield* statement.iterate(websiteId, kind, slots[i], slots[j]) as Iterable<[number, number, Buffer]>
    i = j + 1
  }
}

function* chain<T>(...parts: Iterable<T>[]): Iterable<T> {
  for (const part of parts) yield* part
}

/**
 * Calls `each(valueId, from, n)` for every set of a packed blob ([value_id, n, ids…]…; the set's ids are
 * ids[from] to ids[from + n - 1], ascending) and returns the larger of `maxId` and its largest id.
 */
function eachSet(ids: Uint32Array, maxId: number, each: (valueId: number, from: number, n: number) => void): number {
  for (let i = 0; i < ids.length; i += 2 + ids[i + 1]!) {
    const n = ids[i + 1]!
    each(ids[i]!, i + 2, n)
    if (n > 0 && ids[i + 1 + n]! > maxId) maxId = ids[i + 1 + n]!
  }
  return maxId
}

/** The parts of the range outside the built days and hours (each ascending), as [from, to] (inclusive ms), in time order. */
export function outsideParts(scope: { start: number; end: number }, days: number[], hours: number[]): [number, number][] {
  const covered = [...days.map((day) => [day * DAY, DAY] as const), ...hours.map((hour) => [hour * HOUR, HOUR] as const)]
  covered.sort((a, b) => a[0] - b[0])
  const parts: [number, number][] = []
  let cursor = scope.start
  for (const [start, length] of covered) {
    if (cursor <= start - 1) parts.push([cursor, start - 1])
    cursor = Math.max(cursor, start + length)
  }
  if (cursor <= scope.end) parts.push([cursor, scope.end])
  return parts
}

/** A blob of little-endian float64s (a day's totals or views per hour) as an array. */
function float64s(blob: Buffer): Float64Array {
  return new Float64Array(Uint8Array.from(blob).buffer)
}

/** A blob of little-endian uint32s as an array, copied only when SQLite's buffer is not 4-byte aligned. */
function uint32s(blob: Buffer): Uint32Array {
  if (blob.byteOffset % 4 === 0) return new Uint32Array(blob.buffer, blob.byteOffset, blob.length >>> 2)
  return new Uint32Array(Uint8Array.from(blob).buffer)
}

/** A set in a blob: the blob, the index of its first id and how many ids (ascending). */
export type SetRef = readonly [ids: Uint32Array, from: number, n: number]
const NO_IDS: readonly number[] = []

/**
 * Counts distinct ids over sets and single ids in one bitset (of `maxId` bits to begin with), reused from count to
 * count. A count whose ids lie in a few words for each id (nearly every one: a value's sets over days hold ids from
 * its first to its last session) sets bits without a branch and clears its span of words with one fill (10 M
 * events, 90-day browser table: union 18 -> 5 ms); a sparse one (a rare value's few ids spread over the whole range)
 * keeps the list of words it touched.
 */
export function distinctCounter(maxId: number): (sets: readonly SetRef[], more?: readonly number[]) => number {
  let bits = new Uint32Array((maxId >>> 5) + 1)
  const touched: number[] = []
  return (sets, more = NO_IDS) => {
    let total = more.length
    let lo = Infinity
    let hi = -1
    for (const [ids, from, n] of sets) {
      if (n === 0) continue
      total += n
      if (ids[from]! < lo) lo = ids[from]!
      if (ids[from + n - 1]! > hi) hi = ids[from + n - 1]!
    }
    for (const id of more) {
      if (id < lo) lo = id
      if (id > hi) hi = id
    }
    if (total === 0) return 0
    const first = lo >>> 5
    const last = hi >>> 5
    // `maxId` is where to start: a larger id grows the bitset (clear between counts, so a new one will do).
    if (last >= bits.length) bits = new Uint32Array(last + 1)
    let count = 0
    if (last - first < 64 * total) {
      for (const [ids, from, n] of sets) {
        for (let i = from, end = from + n; i < end; i++) {
          const id = ids[i]!
          const word = id >>> 5
          const bit = id & 31
          const value = bits[word]!
          bits[word] = value | (1 << bit)
          count += 1 - ((value >>> bit) & 1)
        }
      }
      for (const id of more) {
        const word = id >>> 5
        const bit = id & 31
        const value = bits[word]!
        bits[word] = value | (1 << bit)
        count += 1 - ((value >>> bit) & 1)
      }
      bits.fill(0, first, last + 1)
      return count
    }
    const add = (id: number) => {
      const word = id >>> 5
      const mask = 1 << (id & 31)
      const value = bits[word]!
      if ((value & mask) !== 0) return
      if (value === 0) touched.push(word)
      bits[word] = value | mask
      count++
    }
    for (const [ids, from, n] of sets) for (let i = from, end = from + n; i < end; i++) add(ids[i]!)
    for (const id of more) add(id)
    for (const word of touched) bits[word] = 0
    touched.length = 0
    return count
  }
}

/**
 * A text whose JavaScript order (UTF-16 code units) is SQLite's BINARY order (the order of its UTF-8 bytes): ASCII as
 * it is, other text as its UTF-8 bytes, a character each (ASCII bytes are themselves, the others all sort after).
 */
const binaryKey = (text: string) => (/[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text)

/**
 * The rows of the page asked for, in `ORDER BY y DESC, x ASC` as SQLite sorts: NULL first, then text by BINARY
 * order. Each text's key is made once: comparing UTF-8 buffers took 300 ms of a 90-day query table (83 k values).
 */
function page(rows: MetricRow[], options: MetricOptions): MetricRow[] {
  const keyed = rows.map((row) => ({ row, key: row.x === null ? null : binaryKey(row.x) }))
  keyed.sort(
    (a, b) => b.row.y - a.row.y || (a.key === null ? (b.key === null ? 0 : -1) : b.key === null ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  )
  return keyed.slice(options.offset, options.offset + options.limit).map(({ row }) => row)
}
