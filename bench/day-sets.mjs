// Design probe for issue 6 (it led to migration 008 and src/server/queries/day-sets.ts): can exact per-day session sets make the tables of event
// values (path, title, referrer…) fast at 10 M events without giving up exact distinct visitors?
//
//   node bench/day-sets.mjs [--events 1000000] [--days 90] [--websites 3] [--seed 42]
//
// Uses the cached bench data set (bench/data.mjs). For the busiest website it builds, in memory, one row per
// (UTC day, path) holding the sorted distinct session ids of that day's views of the path, as a background
// job would for closed days. Then it answers the path table (distinct visitors per path, top first) for the
// last 90, 30 and 7 whole days twice: by OR-ing the day sets into a bitset of session ids, and by the
// event scan Dashi runs today (GROUP BY path, count(DISTINCT session_id)); it prints both times and whether
// the two tables are identical. Distinct visitors over several days do not add up from daily counts, but
// the union of daily sets is exact.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { DATABASE_FILE, ensureDataSet, parseCommonArgs } from './data.mjs'

const DAY = 86_400_000
const args = parseCommonArgs(process.argv.slice(2))
const { dataDir } = await ensureDataSet(args)
const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true })
const websiteId = db.prepare('SELECT website_id FROM website_event GROUP BY website_id ORDER BY count(*) DESC LIMIT 1').pluck().get()
const events = db.prepare('SELECT count(*) FROM website_event WHERE website_id = ?').pluck().get(websiteId)
const lastDay = Math.floor(db.prepare('SELECT max(created_at) FROM website_event WHERE website_id = ?').pluck().get(websiteId) / DAY)

// Build: one row per (day, path) with its sessions' ids as a Uint32Array blob.
const sets = new Database(':memory:')
sets.exec('CREATE TABLE day_path (day INTEGER, path TEXT, sessions BLOB, PRIMARY KEY (day, path)) WITHOUT ROWID')
const insert = sets.prepare('INSERT INTO day_path VALUES (?, ?, ?)')
let started = performance.now()
let rows = 0
let bytes = 0
let key = null
let ids = []
const flush = () => {
  if (key === null) return
  const unique = Uint32Array.from(new Set(ids))
  insert.run(key[0], key[1], Buffer.from(unique.buffer))
  rows++
  bytes += unique.byteLength
}
sets.exec('BEGIN')
const views = db
  .prepare(`SELECT created_at / ${DAY} AS day, url_path, session_id FROM website_event WHERE website_id = ? AND event_type = 1 ORDER BY day, url_path, session_id`)
  .raw()
  .iterate(websiteId)
for (const [day, path, sessionId] of views) {
  if (key === null || key[0] !== day || key[1] !== path) {
    flush()
    key = [day, path]
    ids = []
  }
  ids.push(sessionId)
}
flush()
sets.exec('COMMIT')
const buildMs = performance.now() - started

const maxSession = db.prepare('SELECT max(session_id) FROM session').pluck().get()
const bits = new Uint32Array((maxSession >>> 5) + 1)
/** SQLite's BINARY order for the tie-break (UTF-8 bytes), not JavaScript's UTF-16 one. */
const binary = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))

function fromSets(fromDay) {
  const byPath = new Map()
  for (const [path, blob] of sets.prepare('SELECT path, sessions FROM day_path WHERE day BETWEEN ? AND ?').raw().iterate(fromDay, lastDay)) {
    const list = byPath.get(path)
    if (list) list.push(blob)
    else byPath.set(path, [blob])
  }
  const table = []
  const touched = []
  for (const [path, blobs] of byPath) {
    let n = 0
    for (const blob of blobs) {
      const u = new Uint32Array(blob.buffer, blob.byteOffset, blob.byteLength >>> 2)
      for (let i = 0; i < u.length; i++) {
        const word = u[i] >>> 5
        const mask = 1 << (u[i] & 31)
        if ((bits[word] & mask) === 0) {
          if (bits[word] === 0) touched.push(word)
          bits[word] |= mask
          n++
        }
      }
    }
    for (const word of touched) bits[word] = 0
    touched.length = 0
    table.push([path, n])
  }
  return table.sort((a, b) => b[1] - a[1] || binary(a[0], b[0]))
}

const scan = db.prepare(
  'SELECT url_path, count(DISTINCT session_id) AS y FROM website_event WHERE website_id = ? AND created_at BETWEEN ? AND ? AND event_type = 1 GROUP BY url_path ORDER BY y DESC, url_path'
)
const time = (fn) => {
  const t = performance.now()
  const value = fn()
  return [value, performance.now() - t]
}

console.log(`\nDay sets vs event scan — website ${websiteId} (${events.toLocaleString('en-US')} events) of ${dataDir}`)
console.log(`build: ${rows.toLocaleString('en-US')} (day, path) rows, ${(bytes / 1048576).toFixed(1)} MB of session ids, ${(buildMs / 1000).toFixed(1)} s`)
console.log('range     day sets ms   event scan ms   paths   identical')
for (const days of [90, 30, 7]) {
  const fromDay = lastDay - days + 1
  // Best of 3 each, after one warm-up of the page cache.
  scan.raw().all(websiteId, fromDay * DAY, (lastDay + 1) * DAY - 1)
  let best = [Infinity, Infinity]
  let tables
  for (let i = 0; i < 3; i++) {
    const [a, aMs] = time(() => fromSets(fromDay))
    const [b, bMs] = time(() => scan.raw().all(websiteId, fromDay * DAY, (lastDay + 1) * DAY - 1))
    best = [Math.min(best[0], aMs), Math.min(best[1], bMs)]
    tables = [a, b]
  }
  const [a, b] = tables
  const identical = a.length === b.length && a.every((row, i) => row[0] === b[i][0] && row[1] === b[i][1])
  console.log(`${`${days} d`.padEnd(9)} ${best[0].toFixed(0).padStart(11)}   ${best[1].toFixed(0).padStart(13)}   ${String(a.length).padStart(5)}   ${identical}`)
  if (!identical) process.exitCode = 1
}
