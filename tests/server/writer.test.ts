import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { EVENT_TYPE } from '../../src/shared/constants'
import { AppError } from '../../src/shared/errors'
import { HitWriter } from '../../src/server/collect/writer'
import { DATA_TYPE, type Hit } from '../../src/server/collect/hit'
import { openDatabase, type Db } from '../../src/server/db/open'

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0)

let dir: string
let file: string
let db: Db
let websiteId: number

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

afterEach(() => {
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
    const writer = new HitWriter(db)
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
    const writer = new HitWriter(db, { maxBatch: 100 })
    await Promise.all(Array.from({ length: 450 }, (_, i) => writer.write(hit(i))))
    expect(writer.stats.batches).toBe(5)
    expect(count('website_event')).toBe(450)
  })

  test('stores a session once and keeps its first-seen attributes', async () => {
    const writer = new HitWriter(db)
    await writer.write(hit(1))
    await writer.write(hit(1, { session: { ...hit(1).session, browser: 'firefox', os: 'Linux' } }))
    const sessions = db.prepare('SELECT browser, os FROM session').all()
    expect(sessions).toEqual([{ browser: 'chrome', os: 'Windows 10' }])
    expect(count('website_event')).toBe(2)
  })

  test('writes event properties with the event, typed', async () => {
    const writer = new HitWriter(db)
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
    const writer = new HitWriter(db, { maxQueue: 10 })
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
    const writer = new HitWriter(db)
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

  test('close() writes the hits still queued and refuses new ones with 503', async () => {
    const writer = new HitWriter(db)
    const pending = Array.from({ length: 20 }, (_, i) => writer.write(hit(i)))
    expect(writer.pending).toBe(20)
    writer.close()
    expect(writer.pending).toBe(0)
    await expect(Promise.all(pending)).resolves.toHaveLength(20)
    expect(count('website_event')).toBe(20)

    await expect(writer.write(hit(21))).rejects.toMatchObject({ status: 503 })
    expect(count('website_event')).toBe(20)
  })

  test('acknowledged hits are in the files on disk: a copy taken without closing, and a new connection, see them', async () => {
    const writer = new HitWriter(db)
    await Promise.all(Array.from({ length: 100 }, (_, i) => writer.write(hit(i))))

    // As if the process died right after answering: copy the database and its WAL while the writer's
    // connection is still open (nothing checkpointed, nothing closed), then open the copy.
    copyFileSync(file, join(dir, 'crash.db'))
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, join(dir, 'crash.db-wal'))
    const copy = new Database(join(dir, 'crash.db'))
    expect(count('website_event', copy)).toBe(100)
    copy.close()

    writer.close()
    db.close()
    const reopened = new Database(file, { readonly: true })
    expect(count('website_event', reopened)).toBe(100)
    expect(count('session', reopened)).toBe(100)
    reopened.close()
  })
})
