import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { EVENT_TYPE } from '../../src/shared/constants'
import { AppError } from '../../src/shared/errors'
import type { Worker } from 'node:worker_threads'
import { HitWriter } from '../../src/server/collect/writer'
import { DATA_TYPE, type Hit } from '../../src/server/collect/hit'
import { openDatabase, type Db } from '../../src/server/db/open'

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0)

let dir: string
let file: string
let db: Db
let websiteId: number
/** Writers of the current test, closed (worker ended, its connection closed) after it. */
let writers: HitWriter[] = []
const track = (writer: HitWriter) => (writers.push(writer), writer)
/** The writer's current worker thread (private): tests make it fail. */
const workerOf = (writer: HitWriter) => (writer as unknown as { worker: Worker | undefined }).worker

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dashi-writer-'))
  file = join(dir, 'dashi.db')
  db = openDatabase({ file })
  db.prepare(
    "INSERT INTO account (user_uuid, username, password, role, created_at, updated_at) VALUES ('4c8a5cfe-5b1e-4a4b-9b44-93f5b1a6c001', 'owner', 'x', 'admin', ?, ?)"
  ).run(T0, T0)
  websiteId = Number(
    db
      .prepare(
        "INSERT INTO website (website_uuid, user_id, name, domain, created_at, updated_at) VALUES ('0b8f3c9e-7d2a-4f51-a7c3-5e9d1b2a6f10', 1, 'Example', 'example.com', ?, ?)"
      )
      .run(T0, T0).lastInsertRowid
  )
})

afterEach(async () => {
  await Promise.all(writers.map((w) => w.close()))
  writers = []
  if (db.open) db.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A pageview hit of visitor `n` (one session per visitor), with overridable fields. */
function hit(n: number, overrides: Partial<Hit> = {}): Hit {
  const session = `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`
  return {
    websiteId,
    sessionUuid: session,
    visitId: `00000000-0000-5000-9000-${String(n).padStart(12, '0')}`,
    createdAt: T0 + n,
    eventType: EVENT_TYPE.pageView,
    urlPath: `/page/${n}`,
    urlQuery: null,
    referrer: null,
    referrerDomain: null,
    pageTitle: null,
    eventName: null,
    tag: null,
    hostname: 'example.com',
    utm: {},
    clickIds: {},
    session: {
      hostname: 'example.com',
      browser: 'chrome',
      os: 'Windows 10',
      device: 'desktop',
      screen: '1920x1080',
      language: 'en-US',
      country: null,
      distinctId: null
    },
    data: [],
    ...overrides
  }
}

const count = (table: string, connection: Database.Database = db) =>
  connection.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number

describe('HitWriter', () => {
  test('groups concurrent hits into a few transactions and stores every one of them', async () => {
    const writer = track(new HitWriter({ file }))
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => writer.write(hit(i % 50))))

    expect(writer.stats.hits).toBe(500)
    expect(writer.stats.batches).toBeGreaterThan(0)
    expect(writer.stats.batches).toBeLessThanOrEqual(5)
    expect(count('website_event')).toBe(500)
    // 50 visitors: one session each, shared by their ten hits.
    expect(count('session')).toBe(50)
    expect(new Set(results.map((r) => r.eventId)).size).toBe(500)
    expect(new Set(results.map((r) => r.sessionId)).size).toBe(50)
  })

  test('splits a long queue into batches of at most maxBatch hits', async () => {
    const writer = track(new HitWriter({ file, maxBatch: 100 }))
    await Promise.all(Array.from({ length: 450 }, (_, i) => writer.write(hit(i))))
    expect(writer.stats.batches).toBe(5)
    expect(count('website_event')).toBe(450)
  })

  test('hits sent while a batch is being written are committed together in the next transaction, in order', async () => {
    const writer = track(new HitWriter({ file, maxQueue: 3 }))
    await writer.write(hit(0))
    const turn = () => new Promise((r) => setTimeout(r, 20))

    // The main connection holds the write lock: the worker's transaction for hit 1 waits for it.
    db.exec('BEGIN IMMEDIATE')
    const first = writer.write(hit(1))
    await turn()
    const second = writer.write(hit(2))
    await turn()
    const third = writer.write(hit(3))
    await turn()
    // Hits sent to the worker count against maxQueue until they are committed.
    expect(writer.pending).toBe(3)
    await expect(writer.write(hit(4))).rejects.toMatchObject({ status: 503 })
    db.exec('COMMIT')

    const results = await Promise.all([first, second, third])
    // hit 0; hit 1 (waiting for the lock); hits 2 and 3 together (on a slow machine hit 1 may join them)
    expect(writer.stats.batches).toBeGreaterThanOrEqual(2)
    expect(writer.stats.batches).toBeLessThanOrEqual(3)
    expect(writer.stats.rejectedBusy).toBe(1)
    const ids = results.map((r) => r.eventId)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(count('website_event')).toBe(4)
  })

  test('stores a session once and keeps its first-seen attributes', async () => {
    const writer = track(new HitWriter({ file }))
    await writer.write(hit(1))
    await writer.write(hit(1, { session: { ...hit(1).session!, browser: 'firefox', os: 'Linux' } }))
    const sessions = db.prepare('SELECT browser, os FROM session').all()
    expect(sessions).toEqual([{ browser: 'chrome', os: 'Windows 10' }])
    expect(count('website_event')).toBe(2)
  })

  test('a hit without session attributes joins its existing session, or gets a bare one rather than being lost', async () => {
    const writer = track(new HitWriter({ file }))
    const first = await writer.write(hit(1))
    // The session cache of the worker is dropped by a write of another connection; the row is still found.
    db.prepare("UPDATE website SET name = name WHERE website_id = 1").run()
    const known = await writer.write(hit(1, { session: null }))
    expect(known.sessionId).toBe(first.sessionId)
    const unknown = await writer.write(hit(2, { session: null }))
    expect(unknown.sessionId).not.toBe(first.sessionId)
    const sessions = db.prepare('SELECT browser, os FROM session ORDER BY session_id').all()
    expect(sessions).toEqual([{ browser: 'chrome', os: 'Windows 10' }, { browser: null, os: null }])
    expect(count('website_event')).toBe(3)
  })

  test('writes event properties with the event, typed', async () => {
    const writer = track(new HitWriter({ file }))
    const { eventId } = await writer.write(
      hit(7, {
        eventType: EVENT_TYPE.customEvent,
        eventName: 'signup',
        data: [
          { key: 'plan', type: DATA_TYPE.string, string: 'pro', number: null, date: null },
          { key: 'seats', type: DATA_TYPE.number, string: null, number: 3, date: null }
        ]
      })
    )
    const rows = db.prepare('SELECT event_id, website_id, data_key, string_value, number_value, data_type FROM event_data ORDER BY data_key').all()
    expect(rows).toEqual([
      { event_id: eventId, website_id: websiteId, data_key: 'plan', string_value: 'pro', number_value: null, data_type: DATA_TYPE.string },
      { event_id: eventId, website_id: websiteId, data_key: 'seats', string_value: null, number_value: 3, data_type: DATA_TYPE.number }
    ])
  })

  test('answers 503 once the queue is full, without dropping the hits already queued', async () => {
    const writer = track(new HitWriter({ file, maxQueue: 10 }))
    const outcomes = await Promise.allSettled(Array.from({ length: 15 }, (_, i) => writer.write(hit(i))))

    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10)
    expect(rejected).toHaveLength(5)
    for (const { reason } of rejected) {
      expect(reason).toBeInstanceOf(AppError)
      expect(reason.status).toBe(503)
    }
    expect(writer.stats.rejectedBusy).toBe(5)
    expect(count('website_event')).toBe(10)

    // Once the queue has drained, hits are accepted again.
    await expect(writer.write(hit(99))).resolves.toMatchObject({ eventId: expect.any(Number) })
  })

  test('a hit that cannot be stored fails alone; the rest of its batch is stored', async () => {
    const writer = track(new HitWriter({ file }))
    const hits = Array.from({ length: 10 }, (_, i) => (i === 4 ? hit(i, { websiteId: 9999 }) : hit(i)))
    const outcomes = await Promise.allSettled(hits.map((h) => writer.write(h)))

    expect(outcomes.map((o) => o.status)).toEqual(hits.map((_, i) => (i === 4 ? 'rejected' : 'fulfilled')))
    expect(String((outcomes[4] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/)
    expect(writer.stats.failed).toBe(1)
    expect(count('website_event')).toBe(9)
    expect(count('session')).toBe(9)
    // Ids cached during the rolled-back attempt are not reused: later hits of those sessions still land.
    await writer.write(hit(3))
    expect(count('website_event')).toBe(10)
    expect(db.prepare('SELECT count(DISTINCT session_id) FROM website_event WHERE url_path = ?').pluck().get('/page/3')).toBe(1)
  })

  test('close() writes the hits still queued, refuses new ones with 503 and closes the worker connection', async () => {
    const writer = track(new HitWriter({ file }))
    const pending = Array.from({ length: 20 }, (_, i) => writer.write(hit(i)))
    expect(writer.pending).toBe(20)
    const closed = writer.close()
    await expect(writer.write(hit(30))).rejects.toMatchObject({ status: 503 })
    await closed
    expect(writer.pending).toBe(0)
    await expect(Promise.all(pending)).resolves.toHaveLength(20)
    expect(count('website_event')).toBe(20)

    await expect(writer.write(hit(21))).rejects.toMatchObject({ status: 503 })
    await writer.close() // idempotent
    expect(count('website_event')).toBe(20)
    // The worker's connection is closed: closing the last one checkpoints and removes the WAL file.
    db.close()
    expect(existsSync(`${file}-wal`)).toBe(false)
  })

  test('acknowledged hits are in the files on disk: a copy taken without closing, and a new connection, see them', async () => {
    const writer = track(new HitWriter({ file }))
    await Promise.all(Array.from({ length: 100 }, (_, i) => writer.write(hit(i))))

    // As if the process died right after answering: copy the database and its WAL while the writer's
    // connection is still open (nothing checkpointed, nothing closed), then open the copy.
    copyFileSync(file, join(dir, 'crash.db'))
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, join(dir, 'crash.db-wal'))
    const copy = new Database(join(dir, 'crash.db'))
    expect(count('website_event', copy)).toBe(100)
    copy.close()

    await writer.close()
    db.close()
    const reopened = new Database(file, { readonly: true })
    expect(count('website_event', reopened)).toBe(100)
    expect(count('session', reopened)).toBe(100)
    reopened.close()
  })

  test('an acknowledged hit is visible at once to a fresh connection', async () => {
    const writer = track(new HitWriter({ file }))
    for (let i = 0; i < 5; i++) {
      const { eventId } = await writer.write(hit(i))
      const fresh = new Database(file, { readonly: true })
      expect(fresh.prepare('SELECT url_path FROM website_event WHERE event_id = ?').pluck().get(eventId)).toBe(`/page/${i}`)
      fresh.close()
      // and to the main connection the routes read with
      expect(count('website_event')).toBe(i + 1)
    }
  })

  test('forgetSessions() after a reset on the main connection: hits of known visitors get new sessions', async () => {
    const writer = track(new HitWriter({ file }))
    await Promise.all([writer.write(hit(1)), writer.write(hit(2))])
    db.exec('DELETE FROM website_event; DELETE FROM session')
    writer.forgetSessions()
    const { sessionId } = await writer.write(hit(1))
    expect(db.prepare('SELECT session_uuid FROM session WHERE session_id = ?').pluck().get(sessionId)).toBe(hit(1).sessionUuid)
    expect(count('website_event')).toBe(1)
  })

  test('sessions deleted by another connection without forgetSessions(): hits still land, each in its own session', async () => {
    const writer = track(new HitWriter({ file }))
    await writer.write(hit(1))
    await writer.write(hit(2)) // visitor 2 has the highest session_id, cached by the worker
    const gone = db.prepare('SELECT session_id FROM session WHERE session_uuid = ?').pluck().get(hit(2).sessionUuid)
    db.prepare('DELETE FROM website_event WHERE session_id = ?').run(gone)
    db.prepare('DELETE FROM session WHERE session_id = ?').run(gone)
    // Visitor 3's new session may take the freed id; visitor 2 must not be filed under it.
    await Promise.all([writer.write(hit(3)), writer.write(hit(2))])
    const rows = db
      .prepare('SELECT e.url_path, s.session_uuid FROM website_event e JOIN session s USING (session_id) ORDER BY e.event_id')
      .all() as { url_path: string; session_uuid: string }[]
    expect(rows.map((r) => [r.url_path, r.session_uuid])).toEqual([
      ['/page/1', hit(1).sessionUuid],
      ['/page/3', hit(3).sessionUuid],
      ['/page/2', hit(2).sessionUuid]
    ])
    expect(writer.stats.failed).toBe(0)
  })

  test('a crash of the worker answers its pending hits 503 (not stored); later hits start a new worker', async () => {
    const errors: Error[] = []
    const writer = track(new HitWriter({ file, onError: (e) => errors.push(e) }))
    await writer.write(hit(0))
    const first = workerOf(writer)!

    // Hold the write lock on the main connection so that the next batch stays in flight (uncommitted).
    db.exec('BEGIN IMMEDIATE')
    const inFlight = Array.from({ length: 5 }, (_, i) => writer.write(hit(i + 1)))
    await new Promise((r) => setTimeout(r, 100))
    const queued = writer.write(hit(10))
    expect(writer.pending).toBe(6)
    void first.terminate()
    db.exec('ROLLBACK')

    const outcomes = await Promise.allSettled([...inFlight, queued])
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      const { reason } = outcome as PromiseRejectedResult
      expect(reason).toBeInstanceOf(AppError)
      expect(reason.status).toBe(503)
    }
    expect(errors).toHaveLength(1)
    expect(writer.stats.failed).toBe(6)
    expect(writer.pending).toBe(0)
    expect(count('website_event')).toBe(1)

    // A new worker takes the next hits.
    await expect(Promise.all([writer.write(hit(20)), writer.write(hit(21))])).resolves.toHaveLength(2)
    expect(workerOf(writer)).not.toBe(first)
    expect(count('website_event')).toBe(3)
  })

  test('a write lock held elsewhere beyond busyTimeout answers the waiting hits 503 at once, not hit by hit', async () => {
    const writer = track(new HitWriter({ file, busyTimeout: 300 }))
    await writer.write(hit(0))
    db.exec('BEGIN IMMEDIATE') // as a long website reset on the main connection would
    const started = Date.now()
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => writer.write(hit(i + 1))))
    const waited = Date.now() - started
    db.exec('ROLLBACK')
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ status: 503 })
    }
    expect(waited).toBeLessThan(5 * 300)
    expect(writer.stats.failed).toBe(5)
    // Once the lock is free, hits are stored again.
    await expect(writer.write(hit(6))).resolves.toMatchObject({ eventId: expect.any(Number) })
    expect(count('website_event')).toBe(2)
  })

  test('an uncaught error in the worker is reported and answered 503, and a hit with bad fields fails alone', async () => {
    const errors: Error[] = []
    const writer = track(new HitWriter({ file, onError: (e) => errors.push(e) }))
    // Not a crash: a hit the worker cannot read fails on its own, with its error.
    const bad = { ...hit(1), data: null } as unknown as Hit
    const outcomes = await Promise.allSettled([writer.write(bad), writer.write(hit(2))])
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled'])
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/TypeError/)
    expect(errors).toHaveLength(0)

    // A crash: an exception thrown outside the batch handling ends the worker.
    const pending = writer.write(hit(3))
    workerOf(writer)!.postMessage({ type: 'no-such-message' })
    await expect(pending).rejects.toMatchObject({ status: 503 })
    expect(errors).toHaveLength(1)
    expect(String(errors[0])).toMatch(/unknown message/)
    await expect(writer.write(hit(4))).resolves.toMatchObject({ eventId: expect.any(Number) })
  })

  test('needs a database file: an in-memory database cannot be shared with the worker', () => {
    expect(() => new HitWriter({ file: ':memory:' })).toThrow(/database file/)
    expect(() => new HitWriter({ file: '' })).toThrow(/database file/)
  })
})
