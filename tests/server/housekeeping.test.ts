import { afterEach, describe, expect, it } from 'vitest'
import { retentionCutoff } from '../../src/shared/retention'
import { bearer, CHROME_UA, createTestServer, createWebsiteV1, login, type TestServer } from '../helpers'
import { writeHits } from '../current-helpers'

/**
 * Data retention (issue 6): events older than the chosen number of months are deleted in the background,
 * in chunks on the hit writer's connection, while hits keep being stored; sessions left without events go
 * with them; the database can be compacted. Admin only.
 */

const DAY = 86_400_000
const servers: TestServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

async function setUp() {
  const server = await createTestServer()
  servers.push(server)
  server.clock.set('2026-06-15T12:00:00Z')
  const token = await login(server.app)
  const site = await createWebsiteV1(server.app, token)
  return { server, token, site }
}

const status = async (server: TestServer, token: string) => {
  const res = await server.app.inject({ method: 'GET', url: '/api/dashi/housekeeping', headers: bearer(token) })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

/** Waits until no purge or compaction runs (they run in the background). */
async function settled(server: TestServer, token: string) {
  for (let i = 0; i < 500; i++) {
    const s = await status(server, token)
    if (s.running === null) return s
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('housekeeping did not finish')
}

const count = (server: TestServer, sql: string) => server.db.prepare(sql).pluck().get() as number

/** `n` one-view sessions a day apart, each with one event property, directly in the database (fast). */
function seedOldSessions(server: TestServer, websiteId: number, n: number, newest: number) {
  server.db.exec('BEGIN')
  const session = server.db.prepare("INSERT INTO session (session_uuid, website_id, created_at, browser) VALUES (?, ?, ?, 'chrome')")
  const event = server.db.prepare("INSERT INTO website_event (website_id, session_id, visit_id, created_at, event_type, url_path) VALUES (?, ?, ?, ?, 1, '/old')")
  const data = server.db.prepare("INSERT INTO event_data (website_id, event_id, data_key, string_value, data_type, created_at) VALUES (?, ?, 'k', 'v', 1, ?)")
  for (let i = 0; i < n; i++) {
    const at = newest - (i % 30) * DAY
    const sessionId = Number(session.run(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, websiteId, at).lastInsertRowid)
    const eventId = Number(event.run(websiteId, sessionId, `visit-${i}`, at).lastInsertRowid)
    data.run(websiteId, eventId, at)
  }
  server.db.exec('COMMIT')
}

describe('retention cut-off', () => {
  it('goes back whole calendar months, clamping the day to the shorter month', () => {
    expect(new Date(retentionCutoff(Date.parse('2026-06-15T12:00:00Z'), 3)).toISOString()).toBe('2026-03-15T12:00:00.000Z')
    expect(new Date(retentionCutoff(Date.parse('2026-03-31T00:00:00Z'), 1)).toISOString()).toBe('2026-02-28T00:00:00.000Z')
    expect(new Date(retentionCutoff(Date.parse('2026-01-10T08:30:00Z'), 2)).toISOString()).toBe('2025-11-10T08:30:00.000Z')
    expect(new Date(retentionCutoff(Date.parse('2028-03-31T00:00:00Z'), 13)).toISOString()).toBe('2027-02-28T00:00:00.000Z')
  })
})

describe('data retention', () => {
  it('keeps everything until a retention period is set, then deletes older events, their properties and emptied sessions', async () => {
    const { server, token, site } = await setUp()
    const now = server.clock.now()
    const old = now - 120 * DAY
    await writeHits(server, [
      // A visitor seen only long ago: all of it goes.
      { websiteId: site.website_id, at: old, session: 'gone', path: '/a', data: { plan: 'pro' } },
      { websiteId: site.website_id, at: old + 60_000, session: 'gone', eventName: 'signup', data: { step: 2 } },
      // A visitor seen then and recently (same session): the old view goes, the session stays.
      { websiteId: site.website_id, at: old, session: 'both', path: '/b' },
      { websiteId: site.website_id, at: now - DAY, session: 'both', path: '/b' },
      { websiteId: site.website_id, at: now - 2 * DAY, session: 'recent', path: '/c', data: { plan: 'free' } }
    ])
    // `both` was written first at the old time, so its session row dates from then.
    expect(count(server, 'SELECT count(*) FROM website_event')).toBe(5)

    let s = await status(server, token)
    expect(s.retentionMonths).toBeNull()
    expect(s.database.bytes).toBeGreaterThan(0)
    await server.app.inject({ method: 'POST', url: '/api/dashi/housekeeping/purge', headers: bearer(token) })
    s = await settled(server, token)
    expect(count(server, 'SELECT count(*) FROM website_event')).toBe(5)
    expect(s.lastRun).toMatchObject({ kind: 'purge', cutoff: null, events: 0, sessions: 0, error: null })

    const put = await server.app.inject({ method: 'PUT', url: '/api/dashi/housekeeping', headers: bearer(token), payload: { retentionMonths: 3 } })
    expect(put.statusCode, put.body).toBe(200)
    expect(put.json().retentionMonths).toBe(3)
    s = await settled(server, token)

    expect(s.lastRun).toMatchObject({ kind: 'purge', cutoff: Date.parse('2026-03-15T12:00:00Z'), events: 3, sessions: 1, error: null })
    expect(count(server, 'SELECT count(*) FROM website_event')).toBe(2)
    expect(count(server, `SELECT count(*) FROM website_event WHERE created_at < ${s.lastRun.cutoff}`)).toBe(0)
    expect(count(server, 'SELECT count(*) FROM session')).toBe(2)
    // Only the recent event's property is left, and nothing points at a deleted row.
    expect(count(server, 'SELECT count(*) FROM event_data')).toBe(1)
    expect(server.db.pragma('foreign_key_check')).toEqual([])

    // The dashboard sees the same: all-time stats count the kept views only.
    const stats = await server.app.inject({
      method: 'GET',
      url: `/api/websites/${site.website_uuid}/stats?startAt=0&endAt=${now}`,
      headers: bearer(token)
    })
    expect(stats.json()).toMatchObject({ pageviews: 2, visitors: 2 })

    // Keeping everything again deletes nothing more.
    await server.app.inject({ method: 'PUT', url: '/api/dashi/housekeeping', headers: bearer(token), payload: { retentionMonths: null } })
    expect((await settled(server, token)).retentionMonths).toBeNull()
  })

  it('stores every hit that arrives while a large purge runs, and a late hit dated into the purged months', async () => {
    const { server, token, site } = await setUp()
    const now = server.clock.now()
    seedOldSessions(server, site.website_id, 12_000, now - 200 * DAY)
    const put = await server.app.inject({ method: 'PUT', url: '/api/dashi/housekeeping', headers: bearer(token), payload: { retentionMonths: 1 } })
    expect(put.json().running).toBe('purge')
    const sends = Array.from({ length: 200 }, (_, i) =>
      server.app.inject({
        method: 'POST',
        url: '/api/send',
        headers: { 'user-agent': CHROME_UA },
        remoteAddress: `10.0.${Math.floor(i / 250)}.${i % 250}`,
        payload: { type: 'event', payload: { website: site.website_uuid, hostname: 'example.com', url: `https://example.com/during-${i}` } }
      })
    )
    const replies = await Promise.all(sends)
    expect(replies.filter((r) => r.statusCode !== 200)).toEqual([])
    const s = await settled(server, token)
    expect(s.lastRun).toMatchObject({ events: 12_000, sessions: 12_000, error: null })
    expect(count(server, "SELECT count(*) FROM website_event WHERE url_path LIKE '/during-%'")).toBe(200)
    expect(count(server, "SELECT count(*) FROM website_event WHERE url_path = '/old'")).toBe(0)
    expect(count(server, 'SELECT count(*) FROM event_data')).toBe(0)

    // A hit dated back into the purged months is stored as any other (the next purge takes it).
    const late = await server.app.inject({
      method: 'POST',
      url: '/api/send',
      headers: { 'user-agent': CHROME_UA },
      remoteAddress: '10.9.9.9',
      payload: { type: 'event', payload: { website: site.website_uuid, hostname: 'example.com', url: 'https://example.com/late', timestamp: Math.floor((now - 200 * DAY) / 1000) } }
    })
    expect(late.statusCode, late.body).toBe(200)
    expect(count(server, "SELECT count(*) FROM website_event WHERE url_path = '/late'")).toBe(1)
    expect(server.db.pragma('foreign_key_check')).toEqual([])
  })

  it('compacts the database file, giving back the pages a purge freed, while hits keep being stored', async () => {
    const { server, token, site } = await setUp()
    const now = server.clock.now()
    seedOldSessions(server, site.website_id, 5_000, now - 200 * DAY)
    await server.app.inject({ method: 'PUT', url: '/api/dashi/housekeeping', headers: bearer(token), payload: { retentionMonths: 6 } })
    const purged = await settled(server, token)
    expect(purged.database.freeBytes).toBeGreaterThan(0)

    const compact = await server.app.inject({ method: 'POST', url: '/api/dashi/housekeeping/compact', headers: bearer(token) })
    expect(compact.statusCode, compact.body).toBe(202)
    expect(compact.json().running).toBe('compact')
    const again = await server.app.inject({ method: 'POST', url: '/api/dashi/housekeeping/compact', headers: bearer(token) })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.message).toMatch(/already running/)
    const hit = await server.app.inject({
      method: 'POST',
      url: '/api/send',
      headers: { 'user-agent': CHROME_UA },
      remoteAddress: '10.1.1.1',
      payload: { type: 'event', payload: { website: site.website_uuid, hostname: 'example.com', url: 'https://example.com/while-compacting' } }
    })
    expect(hit.statusCode, hit.body).toBe(200)
    const compacted = await settled(server, token)
    expect(compacted.lastRun).toMatchObject({ kind: 'compact', error: null })
    expect(compacted.database.freeBytes).toBe(0)
    expect(compacted.database.bytes).toBeLessThan(purged.database.bytes)
    expect(count(server, "SELECT count(*) FROM website_event WHERE url_path = '/while-compacting'")).toBe(1)
  })

  it('refuses a retention that is not a whole number of months from 1 to 120, saying what it takes', async () => {
    const { server, token } = await setUp()
    for (const payload of [{ retentionMonths: 0 }, { retentionMonths: 1.5 }, { retentionMonths: '3' }, { retentionMonths: 121 }, {}, { months: 3 }]) {
      const res = await server.app.inject({ method: 'PUT', url: '/api/dashi/housekeeping', headers: bearer(token), payload })
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.json().error.message).toMatch(/retentionMonths/)
    }
    expect((await status(server, token)).retentionMonths).toBeNull()
  })
})
