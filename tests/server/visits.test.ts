import Database from 'better-sqlite3'
import { describe, expect, test } from 'vitest'
import { rng } from '../../bench/hits.mjs'
import { bundledMigrations, migrate } from '../../src/server/db/migrate'
import { type HitSpec, writeHits } from '../current-helpers'
import { bearer, createWebsiteV1, serverForFile } from '../helpers'

// The visit table (migration 007) answers the unfiltered stats, series, entry/exit/channel and visitor
// tables. Its numbers must be those of grouping the events themselves, also for visits the range or a
// bucket cuts. The reference: the same request with a filter every view matches (path contains "/"),
// which takes the event-scanning path.

const file = serverForFile()

const HOUR = 3_600_000
const T0 = Date.parse('2026-03-27T00:00:00Z') // three days around Europe's and before America's DST change

/** Visits of 1–6 views with gaps up to 25 min, many across an hour or midnight; some custom events. */
function traffic(seed: number): Omit<HitSpec, 'websiteId'>[] {
  const random = rng(seed)
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!
  const hits: Omit<HitSpec, 'websiteId'>[] = []
  for (let s = 0; s < 40; s++) {
    const session = `visitor-${s}`
    const browser = pick(['chrome', 'firefox', 'safari'])
    const country = pick(['DE', 'US', 'IN', null])
    for (let v = 0; v < 1 + Math.floor(random() * 3); v++) {
      let at = T0 + Math.floor(random() * 72 * HOUR)
      const visit = `${s}-${v}`
      const referrer = pick([null, 'https://www.google.com/search', 'https://news.ycombinator.com/', 'https://mail.google.com/'])
      const query = pick([null, 'utm_source=newsletter&utm_medium=email', 'gclid=abc'])
      for (let p = 0; p < 1 + Math.floor(random() * 6); p++) {
        hits.push({ session, visit, at, path: pick(['/', '/a', '/b', '/c/d']), browser, country, referrer: p === 0 ? referrer : null, query: p === 0 ? query : null })
        if (random() < 0.2) hits.push({ session, visit, at: at + 1000, type: 'event', eventName: 'click', path: '/a', browser, country })
        at += Math.floor(random() * 25 * 60_000) + 1
      }
    }
  }
  // Out of order, as batches with timestamps arrive: a visit's first view may be stored after its later ones.
  for (let i = hits.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[hits[i], hits[j]] = [hits[j]!, hits[i]!]
  }
  return hits
}

async function get(websiteUuid: string, endpoint: string, query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
  const res = await file.server.app.inject({ method: 'GET', url: `/api/websites/${websiteUuid}/${endpoint}?${qs}`, headers: bearer(file.token) })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

/** The request without filters (visit table) and with one every view matches (events): equal answers. */
async function same(websiteUuid: string, endpoint: string, query: Record<string, string | number>) {
  const fromVisits = await get(websiteUuid, endpoint, query)
  const fromEvents = await get(websiteUuid, endpoint, { ...query, path: 'c./' })
  expect(fromVisits, `${endpoint} ${JSON.stringify(query)}`).toEqual(fromEvents)
  return fromVisits
}

/** Ranges that cut visits: odd minutes, inside hours, across midnight, one visit long, all of it. */
function ranges(seed: number): { startAt: number; endAt: number }[] {
  const random = rng(seed)
  const list = [{ startAt: T0 - HOUR, endAt: T0 + 80 * HOUR }]
  for (let i = 0; i < 8; i++) {
    const startAt = T0 + Math.floor(random() * 60 * HOUR)
    list.push({ startAt, endAt: startAt + Math.floor(random() * 20 * HOUR) + 60_000 })
  }
  list.push({ startAt: T0 + 30 * HOUR + 17 * 60_000, endAt: T0 + 30 * HOUR + 47 * 60_000 })
  return list
}

describe('visit table', () => {
  test('stats, series, entry/exit/channel and visitor tables equal the event scan for ranges that cut visits', async () => {
    const site = await createWebsiteV1(file.server.app, file.token, { name: 'Visits', domain: 'example.com' })
    await writeHits(file.server, traffic(7).map((h) => ({ ...h, websiteId: site.website_id })))
    let visits = 0
    for (const range of ranges(11)) {
      const stats = await same(site.website_uuid, 'stats', range)
      visits += stats.visits
      for (const timezone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
        for (const unit of ['hour', 'day']) await same(site.website_uuid, 'pageviews', { ...range, unit, timezone })
      }
      for (const type of ['entry', 'exit', 'channel', 'browser', 'country']) await same(site.website_uuid, 'metrics', { ...range, type })
    }
    // The ranges did reach the visits (not a comparison of empty answers).
    expect(visits).toBeGreaterThan(100)
  })

  test('a purge that cuts visits and a reset leave the visit table exact', async () => {
    const site = await createWebsiteV1(file.server.app, file.token, { name: 'Purged', domain: 'example.com' })
    // Everything before 36 h in goes, in small chunks: visits across that instant lose their first views
    // (the random traffic, and one visit placed across it for certain).
    const cutoff = T0 + 36 * HOUR + 7 * 60_000
    const across = [-5, 5, 10].map((minutes) => ({ session: 'across', visit: 'across', at: cutoff + minutes * 60_000, path: `/across${minutes}` }))
    await writeHits(file.server, [...traffic(3), ...across].map((h) => ({ ...h, websiteId: site.website_id })))
    const all = { startAt: T0 - HOUR, endAt: T0 + 80 * HOUR }
    const before = await same(site.website_uuid, 'stats', all)
    for (;;) {
      const done = (await file.server.app.ctx.writer.task('purge', cutoff, 7)) as { events: number; sessions: number }
      if (done.events + done.sessions < 7) break
    }
    const after = await same(site.website_uuid, 'stats', all)
    expect(after.pageviews).toBeLessThan(before.pageviews)
    expect(after.pageviews).toBeGreaterThan(0)
    for (const type of ['entry', 'exit']) await same(site.website_uuid, 'metrics', { ...all, type })
    await same(site.website_uuid, 'pageviews', { ...all, unit: 'hour', timezone: 'UTC' })

    const reset = await file.server.app.inject({ method: 'POST', url: `/api/websites/${site.website_uuid}/reset`, headers: bearer(file.token) })
    expect(reset.statusCode, reset.body).toBe(200)
    expect(await get(site.website_uuid, 'stats', all)).toMatchObject({ pageviews: 0, visitors: 0, visits: 0, bounces: 0, totaltime: 0 })
    const rows = file.server.app.ctx.db.prepare('SELECT count(*) FROM visit WHERE website_id = ?').pluck().get(site.website_id)
    expect(rows).toBe(0)
  })

  test('upgrading a database of events builds the visit table of those events', () => {
    const db = new Database(':memory:')
    const migrations = bundledMigrations()
    const before = migrations.filter((m) => m.version < 7)
    migrate(db, before)
    db.exec(`INSERT INTO account (user_id, user_uuid, username, password, created_at, updated_at) VALUES (1, 'u', 'a', 'x', 0, 0);
      INSERT INTO website (website_id, website_uuid, user_id, name, created_at, updated_at) VALUES (1, 'w', 1, 'n', 0, 0);
      INSERT INTO session (session_id, session_uuid, website_id, created_at) VALUES (1, 's1', 1, 0), (2, 's2', 1, 0)`)
    const event = db.prepare('INSERT INTO website_event (website_id, session_id, visit_id, created_at, event_type, url_path) VALUES (1, ?, ?, ?, ?, ?)')
    // Stored out of order; a tie at the last instant; a custom event after the last view; a visit of one event only.
    event.run(1, 'a', 5_000, 1, '/later')
    event.run(1, 'a', 1_000, 1, '/first')
    event.run(1, 'a', 9_000, 1, '/tie-1')
    event.run(1, 'a', 9_000, 1, '/tie-2')
    event.run(1, 'a', 20_000, 2, '/event')
    event.run(2, 'b', 3_000, 2, '/only-an-event')
    event.run(2, 'c', 4_000, 1, '/bounce')
    migrate(db, migrations)
    const visits = db
      .prepare(`SELECT v.session_id, v.visit_id, v.first_at, v.last_at, v.views, f.url_path AS entry, l.url_path AS exit FROM visit v
        JOIN website_event f ON f.event_id = v.entry_id JOIN website_event l ON l.event_id = v.exit_id ORDER BY v.session_id, v.visit_id`)
      .all()
    expect(visits).toEqual([
      { session_id: 1, visit_id: 'a', first_at: 1_000, last_at: 9_000, views: 4, entry: '/first', exit: '/tie-2' },
      { session_id: 2, visit_id: 'c', first_at: 4_000, last_at: 4_000, views: 1, entry: '/bounce', exit: '/bounce' }
    ])
    expect(db.prepare('SELECT span FROM visit_span WHERE website_id = 1').pluck().get()).toBe(8_000)
    // And from then on the trigger keeps them: a view before the first one becomes the entry.
    event.run(1, 'a', 500, 1, '/earlier')
    expect(db.prepare("SELECT first_at, views FROM visit WHERE visit_id = 'a'").get()).toEqual({ first_at: 500, views: 5 })
    expect(db.prepare('SELECT span FROM visit_span WHERE website_id = 1').pluck().get()).toBe(8_500)
    db.close()
  })
})
