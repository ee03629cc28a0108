// The HitWriter's worker thread (see writer.ts): owns a second connection to the database file and
// does all of the hit inserts, BEGIN/COMMIT, the fsync of synchronous=FULL and WAL auto-checkpoints,
// off the server's event loop.
//
// Plain JavaScript on purpose: it runs as it is under vitest (TypeScript sources) and is copied as it
// is into the build (out/main/), so no loader or second compilation is needed in either mode.
//
// Protocol (one message per batch each way at most; see the types in writer.ts). Messages are handled
// in the order they were sent, and batches waiting together are committed together:
//   in:  { type: 'batch', count, json } json: the hits as one JSON array of flat arrays (encodeHit in writer.ts;
//                                      read back by the indexes below); count: how many;
//                                      an identify call has the same layout with event type IDENTIFY (0)
//        { type: 'forget' }            drop cached session ids (sessions were deleted elsewhere)
//        { type: 'close' }             close the connection, answer { type: 'closed' } and end
//        { type: 'task', id, task, args }  housekeeping between batches (see TASKS below); answered
//                                      { type: 'task-done', id, result } or { type: 'task-done', id, error }
//   out: { type: 'done', messages, ids, errors, retried }   one per transaction
//          messages: how many batch messages, the oldest unanswered ones, the transaction held
//          ids: Float64Array [sessionId0, eventId0, sessionId1, eventId1, …] over their hits in order
//               (NaN where a hit failed; eventId 0 for an identify call)
//          errors: null, or [index, name, message, code][] of the hits that failed
//          retried: true when the transaction failed as a whole and the hits were written one by one
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

const SESSION_CACHE_SIZE = 50_000

const { file, nativeBinding, maxBatch, busyTimeout, daySetQueries, daySetStepMs } = workerData
// The main thread opened and migrated the file; never create an empty one at a wrong path.
const db = new Database(file, nativeBinding ? { nativeBinding, fileMustExist: true } : { fileMustExist: true })
// Same pragmas as src/server/db/open.ts (they are per connection), no migrations.
db.pragma('journal_mode = WAL')
db.pragma('synchronous = FULL')
db.pragma('foreign_keys = ON')
db.pragma(`busy_timeout = ${Number(busyTimeout)}`)
db.pragma('cache_size = -32000')
db.pragma('temp_store = MEMORY')

const stmts = {
  insertSession: db.prepare(`INSERT INTO session
    (session_uuid, website_id, created_at, hostname, browser, os, device, screen, language, country, distinct_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (session_uuid) DO NOTHING`),
  findSession: db.prepare('SELECT session_id FROM session WHERE session_uuid = ?').pluck(),
  insertEvent: db.prepare(`INSERT INTO website_event
    (website_id, session_id, visit_id, created_at, event_type, url_path, url_query, referrer, referrer_domain,
     page_title, event_name, tag, hostname, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
     gclid, fbclid, msclkid, ttclid, li_fat_id, twclid)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
  insertData: db.prepare(`INSERT INTO event_data
    (website_id, event_id, data_key, string_value, number_value, date_value, data_type, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
  // Identify: the latest value of a key wins (UNIQUE (session_id, data_key)).
  upsertSessionData: db.prepare(`INSERT INTO session_data
    (website_id, session_id, data_key, string_value, number_value, date_value, data_type, distinct_id, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (session_id, data_key) DO UPDATE SET
      string_value = excluded.string_value, number_value = excluded.number_value, date_value = excluded.date_value,
      data_type = excluded.data_type, distinct_id = excluded.distinct_id, created_at = excluded.created_at`),
  setDistinctId: db.prepare('UPDATE session SET distinct_id = ? WHERE session_id = ? AND distinct_id IS NOT ?'),
  dataVersion: db.prepare('PRAGMA data_version').pluck()
}

/**
 * session_uuid → session_id of sessions known to exist, in two generations (as src/server/lib/bounded-cache.ts,
 * which this plain script cannot import): evicting a Map's oldest key one by one costs ~20 µs a miss in V8.
 */
const sessions = {
  young: new Map(),
  old: new Map(),
  get(key) {
    const id = this.young.get(key)
    if (id !== undefined) return id
    const aged = this.old.get(key)
    if (aged !== undefined) this.set(key, aged)
    return aged
  },
  set(key, id) {
    if (this.young.size >= SESSION_CACHE_SIZE / 2 && !this.young.has(key)) {
      this.old = this.young
      this.young = new Map()
    }
    this.young.set(key, id)
  },
  clear() {
    this.young.clear()
    this.old.clear()
  }
}
/** PRAGMA data_version seen in the last transaction: it changes when another connection commits. */
let dataVersion = -1

/**
 * One transaction (BEGIN IMMEDIATE: this connection only writes, so take the write lock up front and
 * let busy_timeout wait for the main connection). The session cache is dropped whenever another
 * connection has committed since the last batch: the main connection deletes sessions (website reset
 * or delete), and session ids freed there may be reused by rows inserted here.
 */
const writeBatch = db.transaction((hits, ids) => {
  const version = stmts.dataVersion.get()
  if (version !== dataVersion) {
    sessions.clear()
    dataVersion = version
  }
  for (let i = 0; i < hits.length; i++) insert(hits[i], ids, i)
}).immediate

// Indexes into an encoded hit (encodeHit in writer.ts): 0 websiteId, 1 sessionUuid, 2 visitId, 3 createdAt,
// 4 eventType, 5 urlPath, 6 urlQuery, 7 referrer, 8 referrerDomain, 9 pageTitle, 10 eventName, 11 tag,
// 12 hostname, 13–17 utm_source…utm_term, 18–23 gclid…twclid, 24–31 session hostname, browser, os, device,
// screen, language, country, distinctId, 32 data as [key, type, string, number, date]…
const SESSION_AT = 24
const DISTINCT_ID_AT = 31
const DATA_AT = 32
/** ENCODED_IDENTIFY in writer.ts: the event type slot of an identify call. */
const IDENTIFY = 0

function insert(hit, ids, i) {
  const sessionUuid = hit[1]
  let sessionId = sessions.get(sessionUuid)
  if (sessionId === undefined) {
    // A hit whose session a cache token vouched for carries no session attributes (nulls): the row exists
    // and DO NOTHING keeps it. Were it gone, the event still gets a (bare) session row, never a lost hit.
    stmts.insertSession.run(sessionUuid, hit[0], hit[3], ...hit.slice(SESSION_AT, DATA_AT))
    sessionId = stmts.findSession.get(sessionUuid)
    sessions.set(sessionUuid, sessionId)
  }
  if (hit[4] === IDENTIFY) {
    identify(hit, sessionId)
    ids[2 * i] = sessionId
    ids[2 * i + 1] = 0
    return
  }
  const info = stmts.insertEvent.run(hit[0], sessionId, ...hit.slice(2, SESSION_AT))
  const eventId = Number(info.lastInsertRowid)
  const data = hit[DATA_AT]
  for (let d = 0; d < data.length; d += 5) {
    stmts.insertData.run(hit[0], eventId, data[d], data[d + 2], data[d + 3], data[d + 4], data[d + 1], hit[3])
  }
  ids[2 * i] = sessionId
  ids[2 * i + 1] = eventId
}

/** An identify call: the distinct id onto the session, the properties into session_data (no event). */
function identify(hit, sessionId) {
  const distinctId = hit[DISTINCT_ID_AT]
  if (distinctId !== null) stmts.setDistinctId.run(distinctId, sessionId, distinctId)
  const data = hit[DATA_AT]
  for (let d = 0; d < data.length; d += 5) {
    stmts.upsertSessionData.run(hit[0], sessionId, data[d], data[d + 2], data[d + 3], data[d + 4], data[d + 1], distinctId, hit[3])
  }
}

/** Writes hits in one transaction, or hit by hit if that fails, and answers the `messages` batches they came in. */
function writeAll(messages, hits) {
  const ids = new Float64Array(2 * hits.length)
  let errors = null
  let retried = false
  try {
    writeBatch(hits, ids)
  } catch (error) {
    retried = true
    sessions.clear()
    ids.fill(NaN)
    if (typeof error?.code === 'string' && error.code.startsWith('SQLITE_BUSY')) {
      // Another connection held the write lock for all of busy_timeout (a long website reset): trying
      // each hit alone would wait that long again per hit. They all fail (the main thread answers 503).
      errors = hits.map((_, i) => [i, error.name, error.message, error.code])
      parentPort.postMessage({ type: 'done', messages, ids, errors, retried }, [ids.buffer])
      return
    }
    // The batch rolled back as a whole; ids cached during it may not exist. Write each hit on its own
    // so that one bad hit cannot cost the others.
    const one = [null]
    const slot = new Float64Array(2)
    for (let i = 0; i < hits.length; i++) {
      one[0] = hits[i]
      try {
        writeBatch(one, slot)
        ids[2 * i] = slot[0]
        ids[2 * i + 1] = slot[1]
      } catch (error) {
        sessions.clear()
        errors ??= []
        const e = error instanceof Error ? error : new Error(String(error))
        errors.push([i, e.name, e.message, typeof e.code === 'string' ? e.code : null])
      }
    }
  }
  parentPort.postMessage({ type: 'done', messages, ids, errors, retried }, [ids.buffer])
}

// ---------------------------------------------------------------------------------------------------
// Housekeeping: runs here because this connection owns the writes, so it never waits for the write lock
// and hits wait at most one short transaction for it.

const purgeStmts = {
  websites: db.prepare('SELECT website_id FROM website').pluck(),
  oldEvents: db.prepare('SELECT event_id, session_id, visit_id, event_type FROM website_event WHERE website_id = ? AND created_at < ? LIMIT ?').raw(),
  // A visit that lost views is deleted and measured again over the views it has left (as migration 007 fills
  // the table: ties to the first and the last inserted); none left, no row.
  deleteVisit: db.prepare('DELETE FROM visit WHERE session_id = ? AND visit_id = ?'),
  remeasureVisit: db.prepare(`INSERT INTO visit (session_id, visit_id, website_id, first_at, last_at, views, entry_id, exit_id)
    SELECT session_id, visit_id, min(website_id), min(created_at), max(created_at), count(*),
      (SELECT f.event_id FROM website_event f WHERE f.session_id = e.session_id AND f.visit_id = e.visit_id AND f.event_type = 1
        ORDER BY f.created_at, f.event_id LIMIT 1),
      (SELECT l.event_id FROM website_event l WHERE l.session_id = e.session_id AND l.visit_id = e.visit_id AND l.event_type = 1
        ORDER BY l.created_at DESC, l.event_id DESC LIMIT 1)
    FROM website_event e WHERE session_id = @sessionId AND visit_id = @visitId AND event_type = 1
    GROUP BY session_id, visit_id`),
  deleteEventData: db.prepare('DELETE FROM event_data WHERE event_id = ?'),
  deleteEvent: db.prepare('DELETE FROM website_event WHERE event_id = ?'),
  emptySessions: db
    .prepare(`SELECT s.session_id FROM session s WHERE s.website_id = ? AND s.created_at < ?
      AND NOT EXISTS (SELECT 1 FROM website_event e WHERE e.session_id = s.session_id) LIMIT ?`)
    .pluck(),
  deleteSessionData: db.prepare('DELETE FROM session_data WHERE session_id = ?'),
  deleteSession: db.prepare('DELETE FROM session WHERE session_id = ?'),
  anyOld: db.prepare('SELECT 1 FROM website_event WHERE website_id = ? AND created_at < ? LIMIT 1').pluck(),
  dropBuilt: db.prepare('DELETE FROM day_set_built WHERE website_id = ? AND day <= ?'),
  dropSets: db.prepare('DELETE FROM day_set WHERE website_id = ? AND day <= ?'),
  dropHourSets: db.prepare('DELETE FROM hour_set WHERE website_id = ? AND hour < ?'),
  dropBuiltHours: db.prepare('DELETE FROM hour_built WHERE website_id = ? AND hour < ?')
}

// ---------------------------------------------------------------------------------------------------
// Daily and hourly visitor sets (migrations 008–010, src/server/queries/day-sets.ts): for a closed UTC day (and
// each of its hours, and today's closed hours) of a website, the distinct sessions each value of a table counts,
// so that long ranges OR sets instead of grouping events.
// daySetQueries (daySetBuildQueries in current-analytics.ts): per kind, the SQL of the rows the table counts
// for @websiteId, @start and @end, as (x, id) by value then id, and the rest of its parameters; or, with
// `totals`, of one row of numbers.

const DAY = 86_400_000
const HOUR = 3_600_000
/** NULL_VALUE_ID in day-sets.ts: the id of an unknown (NULL) value, which has no day_set_value row. */
const NULL_VALUE_ID = 0
const daySetStmts = {
  websites: db.prepare('SELECT website_id FROM website ORDER BY website_id').pluck(),
  firstEvent: db.prepare('SELECT min(created_at) FROM website_event WHERE website_id = ?').pluck(),
  built: db.prepare('SELECT day FROM day_set_built WHERE website_id = ? AND day BETWEEN ? AND ?').pluck(),
  anyEvent: db.prepare('SELECT 1 FROM website_event WHERE website_id = ? AND created_at BETWEEN ? AND ? LIMIT 1').pluck(),
  views: daySetQueries.map(({ sql }) => db.prepare(sql).raw()),
  dropDaySets: db.prepare('DELETE FROM day_set WHERE website_id = ? AND day = ?'),
  dropHourSets: db.prepare('DELETE FROM hour_set WHERE website_id = ? AND hour BETWEEN ? AND ?'),
  dropBuiltHours: db.prepare('DELETE FROM hour_built WHERE website_id = ? AND hour BETWEEN ? AND ?'),
  builtHours: db.prepare('SELECT hour FROM hour_built WHERE website_id = ? AND hour BETWEEN ? AND ?').pluck(),
  markHourBuilt: db.prepare('INSERT OR IGNORE INTO hour_built (website_id, hour) VALUES (?, ?)'),
  valueId: db.prepare('SELECT value_id FROM day_set_value WHERE website_id = ? AND kind = ? AND value = ?').pluck(),
  addValue: db.prepare('INSERT INTO day_set_value (website_id, kind, value) VALUES (?, ?, ?)'),
  insertSets: db.prepare('INSERT INTO day_set (website_id, kind, day, sets) VALUES (?, ?, ?, ?)'),
  insertHourSets: db.prepare('INSERT INTO hour_set (website_id, kind, hour, sets) VALUES (?, ?, ?, ?)'),
  markBuilt: db.prepare('INSERT OR IGNORE INTO day_set_built (website_id, day) VALUES (?, ?)'),
  eventStamp: db.prepare('SELECT count(*), max(event_id) FROM website_event WHERE website_id = ? AND created_at BETWEEN ? AND ?').raw(),
  visitStamp: db.prepare('SELECT count(*), total(first_at), total(last_at), total(views) FROM visit WHERE website_id = ? AND first_at BETWEEN ? AND ?').raw()
}

/** Drops the sets of a day (migration 008) and of its hours (migration 010), also those built hour by hour. */
function dropDay(websiteId, day) {
  daySetStmts.dropDaySets.run(websiteId, day)
  daySetStmts.dropHourSets.run(websiteId, day * 24, day * 24 + 23)
  daySetStmts.dropBuiltHours.run(websiteId, day * 24, day * 24 + 23)
}

/**
 * The blob of kind `k` (an index into daySetQueries) over [start, start + length - 1], or null for no rows: its
 * packed sets, or with `totals` one row of numbers (totals, views per hour) as float64s.
 */
function kindBlob(websiteId, k, start, length) {
  const { kind, params, totals } = daySetQueries[k]
  const at = { ...params, websiteId, start, end: start + length - 1 }
  if (totals) return Buffer.from(Float64Array.from(daySetStmts.views[k].get(at)).buffer)
  return packSets(websiteId, kind, daySetStmts.views[k].all(at))
}

/** The blob of kind `k` of one hour into hour_set, if it has rows. */
function buildKindHour(websiteId, k, hour) {
  const sets = kindBlob(websiteId, k, hour * HOUR, HOUR)
  if (sets) daySetStmts.insertHourSets.run(websiteId, daySetQueries[k].kind, hour, sets)
}

/** The sets of kind `k` of one day, and with `hours` of each of its hours, in the transaction of the caller. */
function buildKind(websiteId, day, k) {
  const sets = kindBlob(websiteId, k, day * DAY, DAY)
  if (sets) daySetStmts.insertSets.run(websiteId, daySetQueries[k].kind, day, sets)
  if (daySetQueries[k].hours) for (let hour = day * 24; hour < day * 24 + 24; hour++) buildKindHour(websiteId, k, hour)
}

/**
 * The sets of one closed hour of today (migration 010), every kind built per hour, in one transaction of the
 * caller: those of a day's hours (`hours`) and the series' sessions and views of the hour (`hourSlots`), then
 * marked built.
 */
function buildHour(websiteId, hour) {
  daySetStmts.dropHourSets.run(websiteId, hour, hour)
  daySetQueries.forEach(({ hours, hourSlots }, k) => (hours || hourSlots) && buildKindHour(websiteId, k, hour))
  daySetStmts.markHourBuilt.run(websiteId, hour)
}

/** buildHour in a savepoint of the caller's transaction: an hour that fails leaves nothing behind. */
const buildHourSavepoint = db.transaction(buildHour)

/**
 * The next closed hour of today (`now`, ms) that has events and no sets, oldest first per website, or null. An
 * hour waits one more hour after it closes: its visits go on into the next one, and each change drops it again.
 */
function nextHour(now) {
  const firstHour = Math.floor(now / DAY) * 24
  const lastHour = Math.floor(now / HOUR) - 2
  if (lastHour < firstHour) return null
  for (const websiteId of daySetStmts.websites.all()) {
    const done = new Set(daySetStmts.builtHours.all(websiteId, firstHour, lastHour))
    for (let hour = firstHour; hour <= lastHour; hour++) {
      if (done.has(hour) || skip.has(`${websiteId}:h${hour}`)) continue
      if (daySetStmts.anyEvent.get(websiteId, hour * HOUR, hour * HOUR + HOUR - 1) !== undefined) return { websiteId, hour }
    }
  }
  return null
}

/**
 * Rows (value, id), sorted by value then id, packed as [value_id, n, ids…] per value (migration 008; ids: sessions,
 * or events for custom events), or null for no rows. All of them are read first (the connection cannot insert
 * while a statement iterates): values get their ids here.
 */
function packSets(websiteId, kind, rows) {
  const packed = []
  // undefined: no value yet (a value may be NULL: an unknown browser, country…, value id 0, no row).
  let value
  let countAt = -1
  let last = -1
  for (const [text, id] of rows) {
    // Ids beyond 32 bits do not fit the sets: the day (hour) stays unbuilt and is scanned.
    if (id > 0xffffffff) throw new RangeError('id beyond 32 bits')
    if (text !== value) {
      value = text
      let valueId = text === null ? NULL_VALUE_ID : daySetStmts.valueId.get(websiteId, kind, text)
      if (valueId === undefined) valueId = Number(daySetStmts.addValue.run(websiteId, kind, text).lastInsertRowid)
      packed.push(valueId, 0)
      countAt = packed.length - 1
      last = -1
    }
    if (id !== last) {
      packed.push(id)
      packed[countAt]++
      last = id
    }
  }
  return packed.length > 0 ? Buffer.from(Uint32Array.from(packed).buffer) : null
}

/**
 * What a day's sets are built from, as one text: its events (count, last id) and its visits (count, sums of
 * their times and views). A day whose stamp changed while its kinds were being built is not marked built.
 */
function dayStamp(websiteId, day) {
  return JSON.stringify([daySetStmts.eventStamp.get(websiteId, day * DAY, day * DAY + DAY - 1), daySetStmts.visitStamp.get(websiteId, day * DAY, day * DAY + DAY - 1)])
}

/**
 * The day being built, across tasks: its kinds are built a few at a time (at most STEP_MS of them, at least
 * one, per transaction), so that hits wait at most one step between two of them rather than a whole day.
 * `skip`: days (and hours) whose ids do not fit the sets, not tried again until the run ends.
 */
let building = null
let skip = new Set()
const STEP_MS = daySetStepMs ?? 40

/** The next closed day (before `today`) that has events and no sets, oldest first per website, or null. */
function nextDay(today) {
  for (const websiteId of daySetStmts.websites.all()) {
    const first = daySetStmts.firstEvent.get(websiteId)
    if (first === null || first === undefined) continue
    const firstDay = Math.floor(first / DAY)
    const done = new Set(daySetStmts.built.all(websiteId, firstDay, today - 1))
    for (let day = firstDay; day < today; day++) {
      if (done.has(day) || skip.has(`${websiteId}:${day}`)) continue
      if (daySetStmts.anyEvent.get(websiteId, day * DAY, day * DAY + DAY - 1) !== undefined) return { websiteId, day }
    }
  }
  return null
}

/** One step: some kinds of the day being built, or of the next one; with every closed day built, one hour of today. */
const buildStep = db.transaction((now) => {
  if (building === null) {
    const next = nextDay(Math.floor(now / DAY))
    if (!next) {
      const hour = nextHour(now)
      if (!hour) return { built: 0, left: false }
      try {
        buildHourSavepoint(hour.websiteId, hour.hour)
      } catch (error) {
        if (!(error instanceof RangeError)) throw error
        // Ids beyond 32 bits (rolled back to the savepoint): the hour stays unbuilt and is scanned.
        skip.add(`${hour.websiteId}:h${hour.hour}`)
      }
      return { built: 0, left: true }
    }
    building = { ...next, next: 0, stamp: dayStamp(next.websiteId, next.day) }
    dropDay(next.websiteId, next.day)
  }
  const { websiteId, day } = building
  const started = performance.now()
  try {
    do buildKind(websiteId, day, building.next++)
    while (building.next < daySetQueries.length && performance.now() - started < STEP_MS)
  } catch (error) {
    // The transaction rolls back: the day starts again from its first kind.
    building = null
    if (!(error instanceof RangeError)) throw error
    // Ids beyond 32 bits: the day stays unbuilt (and is scanned), and is not tried again in this run.
    skip.add(`${websiteId}:${day}`)
    dropDay(websiteId, day)
    return { built: 0, left: true }
  }
  if (building.next < daySetQueries.length) return { built: 0, left: true }
  // Every kind is in: built, unless an event or a visit of the day changed meanwhile (then built again later).
  const current = dayStamp(websiteId, day) === building.stamp
  if (current) daySetStmts.markBuilt.run(websiteId, day)
  else dropDay(websiteId, day)
  building = null
  return { built: current ? 1 : 0, left: true }
}).immediate

/**
 * Builds the sets of closed days (before the UTC day of `now`, ms) that have events and no sets, in steps of a
 * few kinds each, then those of today's closed hours, one per step (up to `limit` steps per call). Returns the
 * days it completed and whether any work is left.
 */
function buildDaySets(now, limit) {
  let built = 0
  for (let step = 0; step < limit; step++) {
    const result = buildStep(now)
    built += result.built
    if (!result.left) {
      skip = new Set()
      return { built, left: false }
    }
  }
  return { built, left: true }
}

/**
 * Deletes up to `limit` rows older than `before` (ms) in one transaction: events with their properties
 * first, then sessions that started before it and have no event left, with their properties.
 */
const purgeChunk = db.transaction((before, limit) => {
  let events = 0
  let purgedSessions = 0
  const websites = purgeStmts.websites.all()
  /** session_id → visit ids that lost a view. */
  const cut = new Map()
  for (const websiteId of websites) {
    if (events >= limit) break
    // The days the cut-off reaches into lose events: their visitor sets are dropped (rebuilt later, the
    // cut-off's own day from what it keeps).
    if (purgeStmts.anyOld.get(websiteId, before) !== undefined) {
      const lastDay = Math.floor((before - 1) / DAY)
      purgeStmts.dropBuilt.run(websiteId, lastDay)
      purgeStmts.dropSets.run(websiteId, lastDay)
      purgeStmts.dropHourSets.run(websiteId, (lastDay + 1) * 24)
      purgeStmts.dropBuiltHours.run(websiteId, (lastDay + 1) * 24)
    }
    for (const [id, sessionId, visitId, eventType] of purgeStmts.oldEvents.all(websiteId, before, limit - events)) {
      purgeStmts.deleteEventData.run(id)
      purgeStmts.deleteEvent.run(id)
      if (eventType === 1) {
        const visits = cut.get(sessionId) ?? new Set()
        cut.set(sessionId, visits.add(visitId))
      }
      events++
    }
  }
  for (const [sessionId, visits] of cut) {
    for (const visitId of visits) {
      purgeStmts.deleteVisit.run(sessionId, visitId)
      purgeStmts.remeasureVisit.run({ sessionId, visitId })
    }
  }
  for (const websiteId of websites) {
    if (events + purgedSessions >= limit) break
    for (const id of purgeStmts.emptySessions.all(websiteId, before, limit - events - purgedSessions)) {
      purgeStmts.deleteSessionData.run(id)
      purgeStmts.deleteSession.run(id)
      purgedSessions++
    }
  }
  return { events, sessions: purgedSessions }
}).immediate

const TASKS = {
  /** args [before, limit] → { events, sessions } deleted; fewer than limit together means done. */
  purge([before, limit]) {
    const result = purgeChunk(before, limit)
    // Deleted sessions' ids must not be handed to a later hit from the cache.
    if (result.sessions > 0) sessions.clear()
    return result
  },
  /** Rewrites the file without its free pages; hits wait meanwhile (the main thread queues them). */
  vacuum() {
    db.exec('VACUUM')
    return null
  },
  /** args [now, limit] → { built, left }: sets of closed days, then of today's closed hours (buildDaySets). */
  daySets([now, limit]) {
    const result = buildDaySets(now, limit)
    // Building read whole days of events through this connection's page cache, which inserts need little of.
    if (!result.left) db.pragma('shrink_memory')
    return result
  },
  /** Lets SQLite refresh the statistics its query planner uses, where they are stale. */
  optimize() {
    db.pragma('optimize')
    return null
  }
}

function runTask({ id, task, args }) {
  try {
    const run = Object.hasOwn(TASKS, task) ? TASKS[task] : undefined
    if (!run) throw new Error(`unknown task ${String(task)}`)
    parentPort.postMessage({ type: 'task-done', id, result: run(args ?? []) })
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error))
    parentPort.postMessage({ type: 'task-done', id, error: [e.name, e.message, typeof e.code === 'string' ? e.code : null] })
  }
}

/**
 * Handles one message. A batch takes along the batches already waiting behind it (up to maxBatch hits)
 * into the same transaction: while this thread was committing, the main thread kept sending. Returns a
 * message taken from the port but not handled yet.
 */
function handle(message) {
  switch (message.type) {
    case 'batch': {
      const parts = [JSON.parse(message.json)]
      let size = message.count
      let deferred
      while (size < maxBatch) {
        const next = receiveMessageOnPort(parentPort)
        if (next === undefined) break
        const m = next.message
        if (m.type !== 'batch' || size + m.count > maxBatch) {
          deferred = m
          break
        }
        parts.push(JSON.parse(m.json))
        size += m.count
      }
      writeAll(parts.length, parts.length === 1 ? parts[0] : parts.flat())
      return deferred
    }
    case 'forget':
      sessions.clear()
      return undefined
    case 'task':
      runTask(message)
      return undefined
    case 'close':
      db.close()
      parentPort.postMessage({ type: 'closed' })
      parentPort.close()
      return undefined
    default:
      throw new Error(`writer-worker: unknown message type ${String(message.type)}`)
  }
}

parentPort.on('message', (message) => {
  for (let next = message; next !== undefined; ) next = handle(next)
})
