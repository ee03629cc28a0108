import { describe, expect, test } from 'vitest'
import { rng } from '../../bench/hits.mjs'
import { HitWriter } from '../../src/server/collect/writer'
import { daySetRest } from '../../src/server/queries/current-analytics'
import { type DaySetType, tableFromDaySets, VISIT_DAY_SET_TYPES } from '../../src/server/queries/day-sets'
import { type HitSpec, writeHits } from '../current-helpers'
import { bearer, createWebsiteV1, serverForFile } from '../helpers'

// Daily and hourly sets (migrations 008–010, src/server/queries/day-sets.ts): the unfiltered path, title, referrer,
// hostname, tag, UTM, session-attribute (browser, os, device, screen, language, country), custom-event and visit
// (entry, exit, channel) tables of a range with whole built days or hours OR their sets (of sessions; of events for
// the event table; of the visits that start in the day or hour for the visit tables, when all of them end in the
// range) and read the rest; the stats add up the totals over those visits and OR their entry sets. Their rows must be
// those of grouping the events (the reference below is that SQL), for ranges cutting days, with today unbuilt,
// after a late hit into a built day, a purge and a reset. Referrers leave out the website's domain (which
// may change after the sets were built) and the page's own host.

const file = serverForFile()

const HOUR = 3_600_000
const DAY = 24 * HOUR
const T0 = Date.parse('2026-03-01T00:00:00Z')
/** "Now": day 5 of the traffic, so days 0–4 are closed and can be built. */
const NOW = T0 + 5 * DAY + 12 * HOUR
/** Paths whose UTF-8 order differs from JavaScript's UTF-16 order (U+E000 vs an astral character), and plain ones. */
const PATHS = ['/', '/a', '/b', '/c/d', '/ü', '/\uE000', '/\u{1F600}', '/long/' + 'x'.repeat(40)]

/** Visitors coming back over six days (day 5 is today), several views a visit, some custom events. */
function traffic(seed: number): Omit<HitSpec, 'websiteId'>[] {
  const random = rng(seed)
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!
  const hits: Omit<HitSpec, 'websiteId'>[] = []
  for (let s = 0; s < 60; s++) {
    // Fixed at the session's first sight; unknown (null) values included, languages in mixed case.
    const attributes = {
      browser: pick([null, 'chrome', 'firefox', 'safari', 'edge-chromium']),
      os: pick([null, 'Windows 10', 'Mac OS', 'Android', 'iOS']),
      device: pick([null, 'desktop', 'mobile', 'tablet', 'laptop']),
      screen: pick([null, '1920x1080', '390x844', '1440x900']),
      language: pick([null, 'en-US', 'EN-gb', 'de', 'fr-CA', 'ü-x']),
      country: pick([null, 'DE', 'US', 'FR', 'JP'])
    }
    for (let v = 0; v < 1 + Math.floor(random() * 4); v++) {
      // Some visits start on an hour's first or last millisecond (the edges of the sets per hour).
      const edge = random()
      let at = T0 + Math.floor(random() * (5 * DAY + 11 * HOUR))
      if (edge < 0.1) at -= at % HOUR
      else if (edge < 0.2) at += HOUR - 1 - (at % HOUR)
      for (let p = 0; p < 1 + Math.floor(random() * 5); p++) {
        const hostname = pick(['example.com', 'www.shop.example', 'shop.example'])
        const referrer = pick([null, '', 'https://www.google.com/x', 'https://example.com/self', 'https://shop.example/own', 'https://t.co/y', 'https://news.ycombinator.com/'])
        const title = pick([null, '', 'Home', 'Über uns', '\u{1F600} Fun', 'Shop'])
        // Campaign parameters and click ids, for the channel of a visit's first view.
        const query = pick([
          null,
          null,
          'utm_source=newsletter&utm_medium=email&utm_campaign=spring',
          'gclid=x1',
          'utm_medium=cpc&utm_source=google&utm_term=shoes&utm_content=ad%20%C3%BC',
          'fbclid=y',
          'utm_source=reddit&utm_campaign='
        ])
        const tag = pick([null, '', 'a', 'b'])
        hits.push({ session: `visitor-${s}`, visit: `${s}-${v}`, at, path: pick(PATHS), query, tag, hostname, referrer, title, ...attributes })
        if (random() < 0.3) {
          const eventName = pick(['click', 'signup', 'Ünïcode', '\u{1F600}', '\uE000'])
          hits.push({ session: `visitor-${s}`, visit: `${s}-${v}`, at: at + 1, type: 'event', eventName, path: '/events-only' })
        }
        at += Math.floor(random() * 40 * 60_000) + 1
      }
    }
  }
  // A view on the first millisecond of an hour, and one on the last of the hour before, read by ranges that end or
  // start right there (ranges()).
  hits.push({ session: 'edge-first', visit: 'edge-first', at: T0 + 2 * DAY + 9 * HOUR, path: '/edge-first', browser: 'edge-first' })
  hits.push({ session: 'edge-last', visit: 'edge-last', at: T0 + 2 * DAY + 9 * HOUR - 1, path: '/edge-last', browser: 'edge-last' })
  return hits
}

/**
 * The values each table counts, as the event-grouping path selects them (namedRows in current-analytics.ts):
 * event columns of the views, or the attribute of the viewing session, unknown (NULL) ones included.
 */
const SELF = "e.referrer_domain IS NOT NULL AND e.referrer_domain <> '' AND e.referrer_domain IS NOT 'example.com' AND e.referrer_domain IS NOT replace(lower(e.hostname), 'www.', '')"
const VIEW = 'e.event_type = 1'
const COLUMNS: Record<DaySetType, [column: string, where: string]> = {
  path: ['e.url_path', `${VIEW} AND e.url_path <> ''`],
  title: ['e.page_title', `${VIEW} AND e.page_title IS NOT NULL AND e.page_title <> ''`],
  query: ['e.url_query', `${VIEW} AND e.url_query IS NOT NULL AND e.url_query <> ''`],
  referrer: ['e.referrer_domain', `${VIEW} AND ${SELF}`],
  domain: ['e.referrer_domain', `${VIEW} AND ${SELF}`],
  browser: ['s.browser', VIEW],
  os: ['s.os', VIEW],
  device: ['s.device', VIEW],
  screen: ['s.screen', VIEW],
  language: ['lower(substr(s.language, 1, 2))', VIEW],
  country: ['s.country', VIEW],
  hostname: ['e.hostname', `${VIEW} AND e.hostname IS NOT NULL AND e.hostname <> ''`],
  // Custom events, counted (y: their number), not their visitors.
  event: ['e.event_name', 'e.event_type = 2'],
  tag: ['e.tag', `${VIEW} AND e.tag IS NOT NULL AND e.tag <> ''`],
  utmSource: ['e.utm_source', `${VIEW} AND e.utm_source IS NOT NULL AND e.utm_source <> ''`],
  utmMedium: ['e.utm_medium', `${VIEW} AND e.utm_medium IS NOT NULL AND e.utm_medium <> ''`],
  utmCampaign: ['e.utm_campaign', `${VIEW} AND e.utm_campaign IS NOT NULL AND e.utm_campaign <> ''`],
  utmContent: ['e.utm_content', `${VIEW} AND e.utm_content IS NOT NULL AND e.utm_content <> ''`],
  utmTerm: ['e.utm_term', `${VIEW} AND e.utm_term IS NOT NULL AND e.utm_term <> ''`],
  // Visit tables: see visitReference.
  entry: ['', ''],
  exit: ['', ''],
  channel: ['', '']
}
const TYPES = Object.keys(COLUMNS) as DaySetType[]
const isVisitType = (type: DaySetType) => (VISIT_DAY_SET_TYPES as readonly string[]).includes(type)

/** Whether view f's referrer is another site's; the channel of view f, as the dashboard's channel table names it. */
const EXTERNAL = "(f.referrer_domain IS NOT NULL AND f.referrer_domain <> '' AND NOT (f.referrer_domain IS 'example.com' OR f.referrer_domain IS replace(lower(f.hostname), 'www.', '')))"
const CLICKS = ['gclid', 'msclkid', 'ttclid', 'li_fat_id', 'twclid', 'fbclid']
const CHANNEL = `CASE WHEN NOT ${EXTERNAL} AND f.utm_source IS NULL AND f.utm_medium IS NULL AND ${CLICKS.map((c) => `f.${c} IS NULL`).join(' AND ')} THEN 'direct'
  ELSE dashi_channel(${EXTERNAL}, f.referrer_domain, f.utm_medium, f.utm_source, ${CLICKS.map((c, i) => `((f.${c} IS NOT NULL) << ${i})`).join(' | ')}) END`

/**
 * Entry, exit and channel tables by grouping the views: each visit with views in the range counts for the path
 * of its first (last) view in the range, or the channel of its first; ties to the first (last) inserted.
 */
function visitReference(type: DaySetType, websiteId: number, start: number, end: number) {
  const order = type === 'exit' ? 'DESC' : 'ASC'
  return file.server.db
    .prepare(
      `SELECT x, count(DISTINCT session_id) AS y FROM (
         SELECT e.session_id, (SELECT ${type === 'channel' ? CHANNEL : 'f.url_path'} FROM website_event f
             WHERE f.session_id = e.session_id AND f.visit_id = e.visit_id AND f.event_type = 1 AND f.created_at BETWEEN @start AND @end
             ORDER BY f.created_at ${order}, f.event_id ${order} LIMIT 1) AS x
         FROM website_event e WHERE e.website_id = @websiteId AND e.created_at BETWEEN @start AND @end AND e.event_type = 1
         GROUP BY e.session_id, e.visit_id)
       GROUP BY x ORDER BY y DESC, x ASC`
    )
    .all({ websiteId, start, end })
}

/** A table's rows (value x, id) in [start, end]: id the session, or for custom events the event. */
function rowsIn(type: DaySetType, websiteId: number) {
  const [column, where] = COLUMNS[type]
  return (start: number, end: number) => ({
    sql: `SELECT ${column} AS x, ${type === 'event' ? 'e.event_id' : 'e.session_id'} AS id FROM website_event e JOIN session s ON s.session_id = e.session_id
      WHERE e.website_id = @websiteId AND e.created_at BETWEEN @start AND @end AND ${where}`,
    params: { websiteId, start, end }
  })
}

/** A table as grouping the events gives it (what the table gave before the sets). */
function reference(type: DaySetType, websiteId: number, startAt: number, endAt: number) {
  if (isVisitType(type)) return visitReference(type, websiteId, startAt, endAt)
  const rows = rowsIn(type, websiteId)(startAt, endAt)
  return file.server.db.prepare(`SELECT x, count(DISTINCT id) AS y FROM (${rows.sql}) GROUP BY x ORDER BY y DESC, x ASC`).all(rows.params)
}

async function table(type: DaySetType, websiteUuid: string, startAt: number, endAt: number) {
  const res = await file.server.app.inject({
    method: 'GET',
    url: `/api/websites/${websiteUuid}/metrics?type=${type}&limit=500&startAt=${startAt}&endAt=${endAt}`,
    headers: bearer(file.token)
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { x: string; y: number }[]
}

/** Ranges with whole days and cut days, starting and ending at odd times, with and without today. */
function ranges(seed: number): { startAt: number; endAt: number }[] {
  const random = rng(seed)
  const list = [
    { startAt: T0 - DAY, endAt: NOW },
    { startAt: T0, endAt: T0 + 5 * DAY - 1 },
    { startAt: T0 + 2 * DAY, endAt: T0 + 3 * DAY - 1 },
    { startAt: T0 + DAY + 7 * HOUR + 13, endAt: T0 + 4 * DAY + 2 * HOUR },
    // Inside one day: its whole hours from the day's sets per hour, the rest of the two cut hours from the events.
    { startAt: T0 + 3 * DAY + 5 * HOUR + 17, endAt: T0 + 3 * DAY + 11 * HOUR - 5 },
    { startAt: T0 + 2 * DAY + 3 * HOUR, endAt: T0 + 2 * DAY + 9 * HOUR - 1 },
    { startAt: T0 + 2 * DAY + 9 * HOUR, endAt: T0 + 2 * DAY + 20 * HOUR - 1 },
    // Day 3's last hour, then day 4 whole.
    { startAt: T0 + 3 * DAY + 22 * HOUR + 1, endAt: T0 + 5 * DAY + 5 * HOUR }
  ]
  for (let i = 0; i < 8; i++) {
    const startAt = T0 + Math.floor(random() * 4 * DAY)
    list.push({ startAt, endAt: startAt + Math.floor(random() * 3 * DAY) + 60_000 })
  }
  return list
}

/** The stats by grouping the views: pageviews, visitors, visits, bounces (one view in the range), seconds. */
function statsReference(websiteId: number, start: number, end: number) {
  return file.server.db
    .prepare(
      `SELECT coalesce(sum(c), 0) AS pageviews, count(DISTINCT session_id) AS visitors, count(*) AS visits,
         coalesce(sum(c = 1), 0) AS bounces, coalesce(sum(t), 0) AS totaltime
       FROM (SELECT session_id, count(*) AS c, (max(created_at) - min(created_at)) / 1000 AS t FROM website_event
         WHERE website_id = @websiteId AND created_at BETWEEN @start AND @end AND event_type = 1 GROUP BY session_id, visit_id)`
    )
    .get({ websiteId, start, end })
}

/** The first view of the first visit with views on both sides of `end` (from the events), or end + 1 when none has. */
function firstOpenVisitFromEvents(websiteId: number, end: number): number {
  const first = file.server.db
    .prepare(
      `SELECT min(first) FROM (SELECT min(created_at) AS first, max(created_at) AS last FROM website_event
         WHERE website_id = ? AND event_type = 1 GROUP BY session_id, visit_id) WHERE first <= ? AND last > ?`
    )
    .pluck()
    .get(websiteId, end, end) as number | null
  return first ?? end + 1
}

/** [limit, offset] of the pages a table from sets is also asked for. */
const PAGES = [
  [1, 0],
  [2, 1],
  [3, 4],
  [1, 7]
] as const

/** Units and zones the series is checked in: UTC, a zone with DST, one whose offset is not whole hours. */
const SERIES = [
  ['day', 'UTC'],
  ['day', 'America/New_York'],
  ['hour', 'Europe/Berlin'],
  ['month', 'Asia/Tokyo'],
  ['day', 'Asia/Kolkata']
] as const

/** Every range's tables, stats and series equal the reference; returns how many were answered from sets (all with a whole built day). */
async function expectExact(site: { website_id: number; website_uuid: string }, seed: number) {
  let fromSets = 0
  const built = builtDays(site.website_id)
  const ownHours = builtHours(site.website_id).filter((hour) => !built.includes(Math.floor(hour / 24)))
  for (const { startAt, endAt } of ranges(seed)) {
    const openStart = firstOpenVisitFromEvents(site.website_id, endAt)
    const stats = await file.server.app.inject({
      method: 'GET',
      url: `/api/websites/${site.website_uuid}/stats?startAt=${startAt}&endAt=${endAt}`,
      headers: bearer(file.token)
    })
    expect(stats.statusCode, stats.body).toBe(200)
    const { pageviews, visitors, visits, bounces, totaltime } = stats.json()
    expect({ pageviews, visitors, visits, bounces, totaltime }, `stats ${startAt}–${endAt}`).toEqual(statsReference(site.website_id, startAt, endAt))
    // The series in zones of whole and of half hours (the latter grouped from the visit table), against the
    // same asked with a filter every view matches (paths start with "/"), which groups the events themselves.
    for (const [unit, timezone] of SERIES) {
      const url = `/api/websites/${site.website_uuid}/pageviews?startAt=${startAt}&endAt=${endAt}&unit=${unit}&timezone=${encodeURIComponent(timezone)}`
      const [series, scanned] = await Promise.all(
        [url, `${url}&path=c./`].map((u) => file.server.app.inject({ method: 'GET', url: u, headers: bearer(file.token) }))
      )
      expect(series!.statusCode, series!.body).toBe(200)
      expect(series!.json(), `series ${unit} ${timezone} ${startAt}–${endAt}`).toEqual(scanned!.json())
    }
    for (const type of TYPES) {
      const expected = reference(type, site.website_id, startAt, endAt)
      expect(await table(type, site.website_uuid, startAt, endAt), `${type} ${startAt}–${endAt}`).toEqual(expected)
      // The same read on this thread's connection says whether the sets answered it: exactly when the range
      // holds a whole hour of a built day or a built hour of today; for the visit tables, one whose visits all end
      // in the range (an hour ending before the first view of every visit with views past the range's end).
      const scope = { websiteId: site.website_id, start: startAt, end: endAt, selfDomain: 'example.com' }
      const rest = isVisitType(type) ? daySetRest(file.server.db, scope, { filters: [], match: 'all' }, type) : { rowsIn: rowsIn(type, site.website_id) }
      const direct = tableFromDaySets(file.server.db, scope, type, { limit: 500, offset: 0 }, rest)
      const whole = (from: number, length: number) => from >= startAt && from + length - 1 <= endAt
      const hours = [...built.flatMap((day) => Array.from({ length: 24 }, (_, h) => day * DAY + h * HOUR)), ...ownHours.map((hour) => hour * HOUR)].filter((from) =>
        whole(from, HOUR)
      )
      const visitHours = hours.filter((from) => from + HOUR - 1 < openStart)
      expect(direct !== null, `${type} ${startAt}–${endAt} from sets`).toBe(isVisitType(type) ? visitHours.length > 0 : hours.length > 0)
      if (direct) {
        expect(direct).toEqual(expected)
        // Pages: only the rows that can make a page are named (the first of many ties by the dictionary's order).
        for (const [limit, offset] of PAGES) {
          const page = tableFromDaySets(file.server.db, scope, type, { limit, offset }, rest)
          expect(page, `${type} ${startAt}–${endAt} limit ${limit} offset ${offset}`).toEqual(expected.slice(offset, offset + limit))
        }
        fromSets++
      }
    }
  }
  return fromSets
}

/** hour_set rows of the website before an hour. */
const hourSetRows = (websiteId: number, before: number) =>
  file.server.db.prepare('SELECT count(*) FROM hour_set WHERE website_id = ? AND hour < ?').pluck().get(websiteId, before === Infinity ? Number.MAX_SAFE_INTEGER : before) as number

const builtHours = (websiteId: number) =>
  file.server.db.prepare('SELECT hour FROM hour_built WHERE website_id = ? ORDER BY hour').pluck().all(websiteId) as number[]

const builtDays = (websiteId: number) =>
  file.server.db.prepare('SELECT day FROM day_set_built WHERE website_id = ? ORDER BY day').pluck().all(websiteId) as number[]

describe('daily visitor sets', () => {
  test('every table from day sets equals grouping the events, also after a late hit, a visit past midnight, a purge and a reset', async () => {
    file.server.clock.set(NOW)
    const site = await createWebsiteV1(file.server.app, file.token, { name: 'Day sets', domain: 'example.com' })
    await writeHits(file.server, traffic(3).map((h) => ({ ...h, websiteId: site.website_id })))
    const { housekeeping } = file.server.app.ctx

    // Nothing built yet: every range is grouped from the events.
    expect(await expectExact(site, 5)).toBe(0)

    // Days 0–4 are closed; day 5 (today) is not built.
    expect(await housekeeping.buildDaySets()).toBe(5)
    const day0 = T0 / DAY
    expect(builtDays(site.website_id)).toEqual([day0, day0 + 1, day0 + 2, day0 + 3, day0 + 4])
    expect(await housekeeping.buildDaySets()).toBe(0)
    // Sets per hour of the built days, and today's hours that closed over an hour ago (NOW is 12:00: 0–10), one by one.
    expect(hourSetRows(site.website_id, (day0 + 5) * 24)).toBeGreaterThan(0)
    const todayHours = () =>
      file.server.db
        .prepare('SELECT DISTINCT created_at / 3600000 FROM website_event WHERE website_id = ? AND created_at BETWEEN ? AND ? ORDER BY 1')
        .pluck()
        .all(site.website_id, (day0 + 5) * DAY, (day0 + 5) * DAY + 11 * HOUR - 1) as number[]
    expect(todayHours().length).toBeGreaterThan(3)
    expect(builtHours(site.website_id)).toEqual(todayHours())
    expect(await expectExact(site, 5)).toBeGreaterThanOrEqual(4 * TYPES.length)

    // A late hit into a built hour of today drops it; so does a visit of a built hour that goes on in a later one.
    const hour3 = (day0 + 5) * 24 + 3
    await writeHits(file.server, [{ websiteId: site.website_id, session: 'late-today', visit: 'late-today', at: hour3 * HOUR + 60_000, path: '/late-today' }])
    expect(builtHours(site.website_id)).not.toContain(hour3)
    await expectExact(site, 5)
    await housekeeping.buildDaySets()
    expect(builtHours(site.website_id)).toContain(hour3)
    await writeHits(file.server, [{ websiteId: site.website_id, session: 'late-today', visit: 'late-today', at: hour3 * HOUR + 2 * HOUR, path: '/later-today' }])
    expect(builtHours(site.website_id)).not.toContain(hour3)
    await expectExact(site, 5)
    await housekeeping.buildDaySets()
    expect(builtHours(site.website_id)).toEqual(todayHours())
    await expectExact(site, 5)

    // A path seen only today has no id among the sets: it comes from the scan alone.
    await writeHits(file.server, [{ websiteId: site.website_id, session: 'visitor-1', visit: 'today', at: NOW - HOUR, path: '/today-only' }])
    expect((await table('path', site.website_uuid, T0, NOW)).some((row) => row.x === '/today-only')).toBe(true)
    await expectExact(site, 5)

    // A visit wholly inside day 3 at the build grows past midnight: day 3's visit sets are stale (its exit).
    await writeHits(file.server, [{ websiteId: site.website_id, session: 'night', visit: 'night', at: T0 + 3 * DAY + 23 * HOUR + 50 * 60_000, path: '/before' }])
    expect(await housekeeping.buildDaySets()).toBe(1)
    expect(builtDays(site.website_id)).toContain(day0 + 3)
    await writeHits(file.server, [{ websiteId: site.website_id, session: 'night', visit: 'night', at: T0 + 4 * DAY + 10 * 60_000, path: '/after' }])
    expect(builtDays(site.website_id)).not.toContain(day0 + 3)
    await expectExact(site, 5)
    expect(await housekeeping.buildDaySets()).toBe(2)
    // It goes on after midnight: day 3's sets per hour hold it (it starts there), with an exit that is no longer its.
    await writeHits(file.server, [{ websiteId: site.website_id, session: 'night', visit: 'night', at: T0 + 4 * DAY + 20 * 60_000, path: '/later' }])
    expect(builtDays(site.website_id)).not.toContain(day0 + 3)
    await expectExact(site, 5)
    expect(await housekeeping.buildDaySets()).toBe(2)

    // A hit dated into day 2 (a late batch): the day's sets are stale and left out until rebuilt.
    await writeHits(file.server, [{ websiteId: site.website_id, session: 'late', visit: 'late', at: T0 + 2 * DAY + HOUR, path: '/a' }])
    expect(builtDays(site.website_id)).not.toContain(day0 + 2)
    await expectExact(site, 6)
    expect(await housekeeping.buildDaySets()).toBe(1)
    expect(builtDays(site.website_id)).toContain(day0 + 2)
    expect(await expectExact(site, 6)).toBeGreaterThanOrEqual(4 * TYPES.length)

    // The retention purge cuts day 1 in the middle: days 0 and 1 lose their sets; day 1 is rebuilt from what is left.
    await file.server.app.ctx.writer.task('purge', T0 + DAY + 12 * HOUR, 1_000_000)
    expect(builtDays(site.website_id)).toEqual([day0 + 2, day0 + 3, day0 + 4])
    expect(hourSetRows(site.website_id, (day0 + 2) * 24)).toBe(0)
    await expectExact(site, 7)
    expect(await housekeeping.buildDaySets()).toBe(1)
    expect(builtDays(site.website_id)).toEqual([day0 + 1, day0 + 2, day0 + 3, day0 + 4])
    expect(await expectExact(site, 7)).toBeGreaterThanOrEqual(4 * TYPES.length)

    // A reset drops the website's sets with its events.
    const reset = await file.server.app.inject({ method: 'POST', url: `/api/websites/${site.website_uuid}/reset`, headers: bearer(file.token) })
    expect(reset.statusCode, reset.body).toBe(200)
    expect(builtDays(site.website_id)).toEqual([])
    expect(file.server.db.prepare('SELECT count(*) FROM day_set WHERE website_id = ?').pluck().get(site.website_id)).toBe(0)
    expect(file.server.db.prepare('SELECT count(*) FROM hour_set WHERE website_id = ?').pluck().get(site.website_id)).toBe(0)
    expect(file.server.db.prepare('SELECT count(*) FROM day_set_value WHERE website_id = ?').pluck().get(site.website_id)).toBe(0)
    expect(await table('path', site.website_uuid, T0, NOW)).toEqual([])
  })

  test('a day is built in steps of a few kinds; one that gets a hit between its steps is not marked built, and is built again', async () => {
    file.server.clock.set(NOW)
    const site = await createWebsiteV1(file.server.app, file.token, { name: 'Steps', domain: 'example.com' })
    await writeHits(file.server, traffic(11).map((h) => ({ ...h, websiteId: site.website_id })))
    // A second writer on the same file, one kind per step, driven step by step (the server's builds nothing yet).
    const stepper = new HitWriter({ file: file.server.db.name, daySetStepMs: 0 })
    try {
      const first = await stepper.task('daySets', NOW, 3)
      expect(first).toEqual({ built: 0, left: true })
      expect(builtDays(site.website_id)).toEqual([])
      // A hit into the day being built (day 0, the oldest): its finished kinds are stale.
      await writeHits(file.server, [{ websiteId: site.website_id, session: 'mid-build', visit: 'm', at: T0 + HOUR, path: '/mid' }])
      let built = 0
      for (let left = true; left; ) ({ built, left } = await stepper.task('daySets', NOW, 1_000).then((r) => ({ built: built + r.built, left: r.left })))
      // Day 0 was dropped when its stamp changed, then built again in the same run: all five days, exact.
      expect(builtDays(site.website_id)).toEqual([0, 1, 2, 3, 4].map((d) => T0 / DAY + d))
      expect(built).toBe(5)
      expect((await table('path', site.website_uuid, T0, T0 + DAY - 1)).some((row) => row.x === '/mid')).toBe(true)
      await expectExact(site, 13)
    } finally {
      await stepper.close()
    }
  })

  test("the channel table from day sets reads a referral from the website's own domain with the domain of the moment", async () => {
    file.server.clock.set(NOW)
    const site = await createWebsiteV1(file.server.app, file.token, { name: 'Channels', domain: 'example.com' })
    const on = (at: number) => ({ websiteId: site.website_id, at, hostname: 'shop.example' })
    await writeHits(file.server, [
      // From the website's own domain (a page on another host of it): direct, while that is its domain.
      { ...on(T0 + DAY + HOUR), session: 'own', visit: 'own', referrer: 'https://example.com/blog' },
      { ...on(T0 + DAY + 2 * HOUR), session: 'social', visit: 'social', referrer: 'https://t.co/x' },
      { ...on(T0 + DAY + 3 * HOUR), session: 'direct', visit: 'direct', referrer: null }
    ])
    await file.server.app.ctx.housekeeping.buildDaySets()
    expect(builtDays(site.website_id)).toEqual([T0 / DAY + 1])
    expect(await table('channel', site.website_uuid, T0, NOW)).toEqual([
      { x: 'direct', y: 2 },
      { x: 'organicSocial', y: 1 }
    ])
    const renamed = await file.server.app.inject({
      method: 'POST',
      url: `/api/websites/${site.website_uuid}`,
      headers: bearer(file.token),
      payload: { domain: 'elsewhere.example' }
    })
    expect(renamed.statusCode, renamed.body).toBe(200)
    expect(builtDays(site.website_id)).toEqual([T0 / DAY + 1])
    expect(await table('channel', site.website_uuid, T0, NOW)).toEqual([
      { x: 'direct', y: 1 },
      { x: 'organicSocial', y: 1 },
      { x: 'referral', y: 1 }
    ])
  })

  test('a page of a table with many values counted alike names only the rows that can make it, and equals the scan', async () => {
    file.server.clock.set(NOW)
    const site = await createWebsiteV1(file.server.app, file.token, { name: 'Pages', domain: 'example.com' })
    const at = T0 + DAY + 10 * HOUR
    const hits: HitSpec[] = []
    const visitor = (browser: string | null, n: number, when = at) => {
      for (let i = 0; i < n; i++) hits.push({ websiteId: site.website_id, session: `${browser}-${i}`, visit: `${browser}-${i}`, at: when + hits.length, path: '/', browser })
    }
    // 200 values seen once (ties at the page's edge), three counted more with names sorting last, an unknown (NULL)
    // one, and one seen only in today's hour that is not built (read from the events).
    for (let b = 0; b < 200; b++) visitor(`b-${String(b).padStart(3, '0')}`, 1)
    visitor('zz-top', 5)
    visitor('zz-second', 3)
    visitor('zz-two', 2)
    visitor(null, 1)
    visitor('a-rest', 1, NOW - 30 * 60_000)
    await writeHits(file.server, hits)
    await file.server.app.ctx.housekeeping.buildDaySets()
    const scope = { websiteId: site.website_id, start: T0, end: NOW, selfDomain: 'example.com' }
    const expected = reference('browser', site.website_id, T0, NOW)
    expect((expected as { x: string | null }[]).slice(0, 6).map((row) => row.x)).toEqual(['zz-top', 'zz-second', 'zz-two', null, 'a-rest', 'b-000'])
    for (const [limit, offset] of [[1, 0], [3, 0], [2, 3], [5, 4], [3, 200], [10, 201], [500, 0]]) {
      const page = tableFromDaySets(file.server.db, scope, 'browser', { limit, offset }, { rowsIn: rowsIn('browser', site.website_id) })
      expect(page, `limit ${limit} offset ${offset}`).toEqual(expected.slice(offset, offset + limit))
    }
  })
})
