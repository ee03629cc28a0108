import type { Db } from '../db/open'
import { prepared } from '../db/sql'
import type { Scope } from './current-analytics'

/**
 * Tables of event values (path, title, referrer) from daily visitor sets (migration 008): for a range holding whole UTC days whose sets are
 * built, the sessions that viewed each path are the union of those days' sets and of the views in the rest
 * of the range (its edges, today, days not built yet), read from the events. A union is exact where
 * adding up daily visitor counts is not, and OR-ing sets into a bitset is one pass over far fewer entries
 * than grouping every view by its path text (bench/day-sets.mjs: 90 days at 10 M events 154 ms vs 5.6 s).
 *
 * The sets are built for closed days by the hit writer (task daySets in collect/writer-worker.mjs); an
 * event inserted into a built day drops the day from day_set_built (trigger), so a stale set is never read.
 */

const DAY = 86_400_000
/** Own host of the event's page, lower-cased, without www. (OWN_HOST in current-analytics.ts). */
const OWN_HOST = "(CASE WHEN lower(hostname) LIKE 'www.%' THEN substr(lower(hostname), 5) ELSE lower(hostname) END)"

/**
 * The tables answered from sets: day_set.kind, the column, and the views that hold a value of it, exactly as
 * the event-grouping path (namedRows in current-analytics.ts) selects them. The builder (KINDS in
 * collect/writer-worker.mjs) leaves out referrers from the page's own host; the website's configured domain,
 * which may change, is left out here when reading (`skip`).
 */
const KINDS = {
  path: { kind: 1, column: 'url_path', present: "url_path IS NOT NULL AND url_path <> ''" },
  title: { kind: 2, column: 'page_title', present: "page_title IS NOT NULL AND page_title <> ''" },
  referrer: {
    kind: 3,
    column: 'referrer_domain',
    present: `referrer_domain IS NOT NULL AND referrer_domain <> '' AND NOT (referrer_domain IS @selfDomain OR referrer_domain IS ${OWN_HOST})`
  }
} as const

export type DaySetType = 'path' | 'title' | 'referrer' | 'domain'
export const DAY_SET_TYPES: readonly string[] = ['path', 'title', 'referrer', 'domain']

export interface DaySetRow {
  x: string
  y: number
}

/** What the table asks for: the page of rows after sorting (visitors descending, then the path in SQLite's BINARY order). */
export interface DaySetOptions {
  limit: number
  offset: number
}

/**
 * The `type` table of `scope` (views, no filters, no search) with the days' sets, or null when the range holds
 * no built whole day (the caller then groups the events as before). Runs in one read transaction, so the
 * sets, the list of built days and the scanned edges are of the same moment.
 */
export function tableFromDaySets(db: Db, scope: Scope, type: DaySetType, options: DaySetOptions): DaySetRow[] | null {
  const { kind, column, present } = KINDS[type === 'domain' ? 'referrer' : type]
  const skip = kind === KINDS.referrer.kind ? scope.selfDomain : null
  const firstDay = Math.ceil(scope.start / DAY)
  const lastDay = Math.floor((scope.end + 1) / DAY) - 1
  if (lastDay < firstDay) return null
  return db.transaction(() => {
    const built = prepared(db, 'SELECT day FROM day_set_built WHERE website_id = ? AND day BETWEEN ? AND ? ORDER BY day')
      .pluck()
      .all(scope.websiteId, firstDay, lastDay) as number[]
    if (built.length === 0) return null
    // Where each value's set lies in the days' blobs, in two passes (counts, then places) into typed arrays:
    // a 90-day table has ~100 k of them at 1 M events, too many for an array per value.
    const blobs: Uint32Array[] = []
    const slotOf = new Map<number, number>()
    const perSlot: number[] = []
    let maxId = 0
    const sets = prepared(
      db,
      `SELECT s.sets FROM day_set s JOIN day_set_built b ON b.website_id = s.website_id AND b.day = s.day
       WHERE s.website_id = ? AND s.kind = ? AND s.day BETWEEN ? AND ?`
    ).pluck()
    for (const blob of sets.iterate(scope.websiteId, kind, firstDay, lastDay) as Iterable<Buffer>) {
      const ids = uint32s(blob)
      blobs.push(ids)
      for (let i = 0; i < ids.length; i += 2 + ids[i + 1]!) {
        let slot = slotOf.get(ids[i]!)
        if (slot === undefined) slotOf.set(ids[i]!, (slot = perSlot.push(0) - 1))
        perSlot[slot]!++
        // Sorted ascending: a set's last id is its largest.
        const n = ids[i + 1]!
        if (n > 0 && ids[i + 1 + n]! > maxId) maxId = ids[i + 1 + n]!
      }
    }
    const starts = new Int32Array(perSlot.length + 1)
    for (let slot = 0; slot < perSlot.length; slot++) starts[slot + 1] = starts[slot]! + perSlot[slot]!
    const fill = starts.slice(0, perSlot.length)
    // [blob index, index of the set's count] per set, grouped by slot.
    const places = new Int32Array(starts[perSlot.length]! * 2)
    blobs.forEach((ids, b) => {
      for (let i = 0; i < ids.length; i += 2 + ids[i + 1]!) {
        const at = fill[slotOf.get(ids[i]!)!]!++
        places[2 * at] = b
        places[2 * at + 1] = i + 1
      }
    })

    // The rest of the range, between and around the built days: ids by path text (values without sets apart).
    const valueIds = new Map(
      prepared(db, 'SELECT value, value_id FROM day_set_value WHERE website_id = ? AND kind = ?').raw().all(scope.websiteId, kind) as [string, number][]
    )
    const scanned = new Map<string, number[]>()
    const views = prepared(
      db,
      `SELECT ${column}, session_id FROM website_event
       WHERE website_id = @websiteId AND created_at BETWEEN @from AND @to AND event_type = 1 AND ${present}`
    ).raw()
    const params = kind === KINDS.referrer.kind ? { websiteId: scope.websiteId, selfDomain: scope.selfDomain } : { websiteId: scope.websiteId }
    const scan = (from: number, to: number) => {
      if (from > to) return
      for (const [path, sessionId] of views.iterate({ ...params, from, to }) as Iterable<[string, number]>) {
        const list = scanned.get(path)
        if (list) list.push(sessionId)
        else scanned.set(path, [sessionId])
        if (sessionId > maxId) maxId = sessionId
      }
    }
    let cursor = scope.start
    for (const day of built) {
      scan(cursor, day * DAY - 1)
      cursor = (day + 1) * DAY
    }
    scan(cursor, scope.end)

    const counter = bitCounter(maxId)
    const rows: DaySetRow[] = []
    for (const [path, valueId] of valueIds) {
      if (path === skip) continue
      const slot = slotOf.get(valueId)
      const more = scanned.get(path)
      if (slot === undefined && !more) continue
      if (slot !== undefined) {
        for (let k = starts[slot]!; k < starts[slot + 1]!; k++) {
          const ids = blobs[places[2 * k]!]!
          const countAt = places[2 * k + 1]!
          counter.addAll(ids, countAt + 1, ids[countAt]!)
        }
      }
      if (more) {
        for (const sessionId of more) counter.add(sessionId)
        scanned.delete(path)
      }
      const n = counter.take()
      if (n > 0) rows.push({ x: path, y: n })
    }
    // Paths first seen in the scanned rest.
    for (const [path, more] of scanned) {
      for (const sessionId of more) counter.add(sessionId)
      rows.push({ x: path, y: counter.take() })
    }
    return page(rows, options)
  })()
}

/** A blob of little-endian uint32s as an array, copied only when SQLite's buffer is not 4-byte aligned. */
function uint32s(blob: Buffer): Uint32Array {
  if (blob.byteOffset % 4 === 0) return new Uint32Array(blob.buffer, blob.byteOffset, blob.length >>> 2)
  return new Uint32Array(Uint8Array.from(blob).buffer)
}

/** Distinct ids, counted as they are set in a bitset; take() returns the count and clears the words it touched. */
function bitCounter(maxId: number) {
  const bits = new Uint32Array((maxId >>> 5) + 1)
  const touched: number[] = []
  let n = 0
  const add = (id: number) => {
    const word = id >>> 5
    const mask = 1 << (id & 31)
    const value = bits[word]!
    if ((value & mask) !== 0) return
    if (value === 0) touched.push(word)
    bits[word] = value | mask
    n++
  }
  return {
    add,
    addAll(ids: Uint32Array, from: number, count: number) {
      for (let i = from, end = from + count; i < end; i++) add(ids[i]!)
    },
    take(): number {
      for (const word of touched) bits[word] = 0
      touched.length = 0
      const count = n
      n = 0
      return count
    }
  }
}

/** SQLite's BINARY order of text is the order of its UTF-8 bytes (JavaScript compares UTF-16 code units). */
function binaryOrder(): (a: DaySetRow, b: DaySetRow) => number {
  const bytes = new Map<string, Buffer>()
  const utf8 = (text: string) => {
    let b = bytes.get(text)
    if (!b) bytes.set(text, (b = Buffer.from(text, 'utf8')))
    return b
  }
  return (a, b) => b.y - a.y || Buffer.compare(utf8(a.x), utf8(b.x))
}

function page(rows: DaySetRow[], options: DaySetOptions): DaySetRow[] {
  rows.sort(binaryOrder())
  return rows.slice(options.offset, options.offset + options.limit)
}
