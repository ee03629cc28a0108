import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FILTER_NAMES } from '../../src/shared/api/types'
import { resolveConfig } from '../../src/server/config'
import { startServer, type RunningServer } from '../../src/server/server'
import { writeHits } from '../current-helpers'
import { bearer, collectV1, createTestServer, createWebsiteV1, login, type TestServer } from '../helpers'

/*
 * Issue 7, item 5: injection. Every filter, search, type, unit and timezone parameter of the read routes
 * gets classic SQL-injection payloads; the server must answer < 500, leak nothing (a payload answers
 * exactly what a harmless value that matches nothing answers) and leave every table as it was. Values
 * that could reach a response header must never add one; the static dashboard never serves a file from
 * outside its directory.
 */

const SQL_PAYLOADS = [
  "' OR 1=1 --",
  "' OR '1'='1",
  '"; DROP TABLE website_event; --',
  "'); DROP TABLE account; --",
  "%' UNION SELECT password FROM account --",
  "x' UNION SELECT username, password FROM account WHERE '1'='1",
  '1; SELECT * FROM account',
  '%',
  '%ome',
  'H_me',
  '\\',
  '*/ OR 1=1 /*',
  '@f0',
  ':f0',
  '?',
  'Robert\u2019); DROP TABLE session;--',
  'x'.repeat(2000)
]
/** Filter values longer than the server's limit: a clear 400, never a query. */
const TOO_LONG = ['x'.repeat(2001), "' OR 1=1 --".repeat(2000)]
/** Patterns for re / nre: some invalid (400), some pathological for backtracking engines, all harmless here. */
const REGEX_PAYLOADS = ['(', '[', '*', '\\', '(?<n>x', 'a{100000}', '(a+)+$', '(a|aa)+$', '^(([a-z])+.)+[A-Z]([a-z])+$', "' OR 1=1 --", '\x00', 'x'.repeat(2000)]
const HARMLESS = 'zz-harmless-nothing-matches'
/**
 * NUL characters: exact comparisons (eq, neq, re, nre) take them as text. LIKE stops reading its pattern at
 * a NUL (SQLite reads patterns as C strings), so `c.\0` and `search=\0` are refused (see the test below). The LIKE-based syntaxes skip them in the main loops.
 */
const NUL_PAYLOADS = ['\x00', "a\x00' OR 1=1 --"]
const LIKE_SYNTAXES = new Set(['c.', 'dnc.', '~', '!~'])

/** The ways a filter value can be written: v3 `op.value` and the v2 prefixes. */
const SYNTAXES = [
  { name: 'eq.', wrap: (v: string) => `eq.${v}`, negated: false },
  { name: 'neq.', wrap: (v: string) => `neq.${v}`, negated: true },
  { name: 'c.', wrap: (v: string) => `c.${v}`, negated: false },
  { name: 'dnc.', wrap: (v: string) => `dnc.${v}`, negated: true },
  { name: 're.', wrap: (v: string) => `re.${v}`, negated: false },
  { name: 'nre.', wrap: (v: string) => `nre.${v}`, negated: true },
  { name: 'plain', wrap: (v: string) => v, negated: false },
  { name: '!', wrap: (v: string) => `!${v}`, negated: true },
  { name: '~', wrap: (v: string) => `~${v}`, negated: false },
  { name: '!~', wrap: (v: string) => `!~${v}`, negated: true }
] as const
/** v3 names plus the v2 aliases and a numbered repeat. */
const FILTER_KEYS = [...FILTER_NAMES, 'url', 'host', 'browser1']

let server: TestServer
let token: string
let websiteUuid: string
let otherUuid: string
let shareId: string
let adminHash: string
let tablesBefore: Record<string, number>
const JAN = { startAt: Date.parse('2026-01-01T00:00:00Z'), endAt: Date.parse('2026-01-31T23:59:59Z') }

/** Every table with its row count: what "intact" means afterwards. */
function tableCounts(): Record<string, number> {
  const names = server.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]
  return Object.fromEntries(names.map((name) => [name, server.db.prepare(`SELECT count(*) FROM "${name}"`).pluck().get() as number]))
}

function qs(params: Record<string, string | number>): string {
  return new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()
}

interface Answer {
  status: number
  body: string
}

async function get(path: string, params: Record<string, string | number> = {}): Promise<Answer> {
  const query = qs(params)
  const res = await server.app.inject({ method: 'GET', url: query ? `${path}?${query}` : path, headers: bearer(token) })
  return { status: res.statusCode, body: res.body }
}

async function post(path: string, payload: unknown): Promise<Answer> {
  const res = await server.app.inject({ method: 'POST', url: path, headers: bearer(token), payload: payload as Record<string, unknown> })
  return { status: res.statusCode, body: res.body }
}

/** What a response must never be or hold, whatever was sent. */
function expectSafe(answer: Answer, what: string) {
  expect(answer.status, `${what}: ${answer.body.slice(0, 300)}`).toBeLessThan(500)
  expect(answer.body, what).not.toContain(adminHash)
  expect(answer.body, what).not.toMatch(/\$2[aby]\$\d\d\$/)
  expect(answer.body.toLowerCase(), what).not.toMatch(/sqlite|syntax error|no such (table|column)|SQLITE_/i)
  if (answer.status >= 400) {
    // The current dialect's envelope, with words a person can act on.
    const body = JSON.parse(answer.body)
    expect(typeof body.error?.message, what).toBe('string')
  }
}

/** The parts of a reply that depend on the data (paged lists echo `search`, which differs on purpose). */
function dataOf(answer: Answer, echoed?: string): unknown {
  // Reports name their steps back: the payload there is the caller's own text, shown as the harmless one.
  const text = echoed === undefined ? answer.body : answer.body.split(JSON.stringify(echoed).slice(1, -1)).join(HARMLESS)
  const body = JSON.parse(text)
  if (body && typeof body === 'object' && !Array.isArray(body) && 'search' in body) delete body.search
  return body
}

interface ReadRoute {
  name: string
  path: () => string
  params: () => Record<string, string | number>
}

const site = () => `/api/websites/${websiteUuid}`
/** Every read route of the current dialect that takes filters, with the parameters it needs besides them. */
const FILTERED_ROUTES: ReadRoute[] = [
  { name: 'stats', path: () => `${site()}/stats`, params: () => ({ ...JAN, compare: 'prev' }) },
  { name: 'pageviews', path: () => `${site()}/pageviews`, params: () => ({ ...JAN, unit: 'day', timezone: 'Europe/Berlin', compare: 'prev' }) },
  { name: 'metrics', path: () => `${site()}/metrics`, params: () => ({ ...JAN, type: 'path' }) },
  { name: 'metrics session', path: () => `${site()}/metrics`, params: () => ({ ...JAN, type: 'browser' }) },
  { name: 'metrics entry', path: () => `${site()}/metrics`, params: () => ({ ...JAN, type: 'entry' }) },
  { name: 'metrics channel', path: () => `${site()}/metrics`, params: () => ({ ...JAN, type: 'channel' }) },
  { name: 'metrics/expanded', path: () => `${site()}/metrics/expanded`, params: () => ({ ...JAN, type: 'referrer' }) },
  { name: 'events', path: () => `${site()}/events`, params: () => JAN },
  { name: 'events/series', path: () => `${site()}/events/series`, params: () => ({ ...JAN, unit: 'day' }) },
  { name: 'events/stats', path: () => `${site()}/events/stats`, params: () => JAN },
  { name: 'realtime', path: () => `/api/realtime/${websiteUuid}`, params: () => ({}) },
  { name: 'sessions', path: () => `${site()}/sessions`, params: () => JAN },
  { name: 'sessions/stats', path: () => `${site()}/sessions/stats`, params: () => JAN },
  { name: 'sessions/weekly', path: () => `${site()}/sessions/weekly`, params: () => ({ ...JAN, timezone: 'UTC' }) },
  { name: 'session-data/properties', path: () => `${site()}/session-data/properties`, params: () => JAN },
  { name: 'session-data/values', path: () => `${site()}/session-data/values`, params: () => ({ ...JAN, propertyName: 'plan' }) },
  { name: 'event-data/events', path: () => `${site()}/event-data/events`, params: () => JAN },
  { name: 'event-data/fields', path: () => `${site()}/event-data/fields`, params: () => JAN },
  { name: 'event-data/properties', path: () => `${site()}/event-data/properties`, params: () => JAN },
  { name: 'event-data/values', path: () => `${site()}/event-data/values`, params: () => ({ ...JAN, event: 'signup', propertyName: 'plan' }) },
  { name: 'event-data/stats', path: () => `${site()}/event-data/stats`, params: () => JAN },
  { name: 'event-data', path: () => `${site()}/event-data`, params: () => JAN }
]

/** Answers of harmless values, per route and parameter shape, so each payload is compared once computed. */
const harmlessCache = new Map<string, unknown>()
async function harmless(key: string, fetch: () => Promise<Answer>): Promise<unknown> {
  if (!harmlessCache.has(key)) {
    const answer = await fetch()
    expect(answer.status, `${key} (harmless): ${answer.body.slice(0, 300)}`).toBe(200)
    harmlessCache.set(key, dataOf(answer))
  }
  return harmlessCache.get(key)
}

beforeAll(async () => {
  server = await createTestServer()
  token = await login(server.app)
  const site1 = await createWebsiteV1(server.app, token, { name: 'Shop', domain: 'shop.example', enable_share_url: true })
  const site2 = await createWebsiteV1(server.app, token, { name: 'Other', domain: 'other.example' })
  websiteUuid = site1.website_uuid
  otherUuid = site2.website_uuid
  shareId = site1.share_id!
  const id = site1.website_id
  // A little of everything each filter reads, on both websites (the other one must never leak in).
  await writeHits(server, [
    { websiteId: id, at: '2026-01-10T09:00:00Z', session: 'alice', path: '/', title: 'Home', referrer: 'https://www.google.com/', distinctId: 'alice@example.com' },
    { websiteId: id, at: '2026-01-10T09:05:00Z', session: 'alice', path: '/pricing', query: 'utm_source=news&utm_medium=email&utm_campaign=spring&utm_content=a&utm_term=b', title: 'Pricing' },
    { websiteId: id, at: '2026-01-10T09:06:00Z', session: 'alice', eventName: 'signup', tag: 'beta', data: { plan: 'pro', seats: 3 } },
    { websiteId: id, at: '2026-01-12T10:00:00Z', session: 'bob', path: '/docs', browser: 'firefox', os: 'Linux', device: 'laptop', country: 'FR', language: 'fr-FR' },
    { websiteId: id, at: '2026-01-12T10:01:00Z', session: 'bob', eventName: 'download', data: { platform: 'linux' } },
    { websiteId: site2.website_id, at: '2026-01-11T10:00:00Z', session: 'eve', path: '/secret-other-site', title: 'Other' }
  ])
  const bobSession = server.db.prepare("SELECT session_id FROM session WHERE distinct_id = 'alice@example.com'").pluck().get() as number
  server.db
    .prepare("INSERT INTO session_data (website_id, session_id, data_key, string_value, data_type, created_at) VALUES (?, ?, 'plan', 'pro', 1, ?)")
    .run(id, bobSession, Date.parse('2026-01-10T09:00:00Z'))
  adminHash = server.db.prepare("SELECT password FROM account WHERE username = 'admin'").pluck().get() as string
  expect(adminHash).toMatch(/^\$2/)
  tablesBefore = tableCounts()
})

afterAll(async () => {
  await server?.close()
})

describe('SQL injection through filters (current API)', () => {
  test('every filter, in every syntax, on /stats: payloads answer as a harmless value does', async () => {
    for (const key of FILTER_KEYS) {
      for (const syntax of SYNTAXES) {
        const route = FILTERED_ROUTES[0]!
        const nul = LIKE_SYNTAXES.has(syntax.name) ? [] : NUL_PAYLOADS
        const payloads = syntax.name === 're.' || syntax.name === 'nre.' ? [...REGEX_PAYLOADS, ...SQL_PAYLOADS, ...nul] : [...SQL_PAYLOADS, ...nul]
        for (const payload of payloads) {
          const what = `${route.name} ${key}=${syntax.name}${JSON.stringify(payload.slice(0, 40))}`
          const answer = await get(route.path(), { ...route.params(), [key]: syntax.wrap(payload) })
          expectSafe(answer, what)
          if (answer.status !== 200) {
            // Only a bad pattern may be refused; an SQL payload is just text to match.
            expect(['re.', 'nre.'], what).toContain(syntax.name)
            expect(answer.status, what).toBe(400)
            continue
          }
          const expected = await harmless(`${route.name}|${key}|${syntax.name}`, () => get(route.path(), { ...route.params(), [key]: syntax.wrap(HARMLESS) }))
          // A pathological regex is still a pattern: it may match ('*' is refused, '(a+)+$' matches "…a").
          if (!REGEX_PAYLOADS.includes(payload)) expect(dataOf(answer), what).toEqual(expected)
        }
      }
    }
  }, 120_000)

  test('every filter on every filtered read route: payloads answer as a harmless value does', async () => {
    let n = 0
    for (const [r, route] of FILTERED_ROUTES.entries()) {
      for (const [k, key] of FILTER_KEYS.entries()) {
        // Six payloads per route and filter, a different six each time: all of them over the routes.
        const start = (r * 7 + k * 5) % SQL_PAYLOADS.length
        for (const payload of [...SQL_PAYLOADS, ...SQL_PAYLOADS].slice(start, start + 6)) {
          // Each payload in a different syntax, turn by turn, so every route sees every syntax.
          const syntax = SYNTAXES.filter((s) => s.name !== 're.' && s.name !== 'nre.')[n++ % 8]!
          const what = `${route.name} ${key}=${syntax.name}${JSON.stringify(payload.slice(0, 40))}`
          const answer = await get(route.path(), { ...route.params(), [key]: syntax.wrap(payload) })
          expectSafe(answer, what)
          expect(answer.status, `${what}: ${answer.body.slice(0, 200)}`).toBe(200)
          const expected = await harmless(`${route.name}|${key}|${syntax.name}`, () => get(route.path(), { ...route.params(), [key]: syntax.wrap(HARMLESS) }))
          expect(dataOf(answer), what).toEqual(expected)
        }
      }
    }
  }, 180_000)

  test('a comma list, match=any and too-long values: same answers or a clear 400', async () => {
    const route = FILTERED_ROUTES[0]!
    for (const payload of SQL_PAYLOADS.slice(0, 8)) {
      const list = await get(route.path(), { ...route.params(), path: `eq.${HARMLESS},${payload}`, browser: `neq.${payload},x` })
      expectSafe(list, `list ${payload}`)
      expect(list.status).toBe(200)
      const listExpected = await get(route.path(), { ...route.params(), path: `eq.${HARMLESS},${HARMLESS}`, browser: `neq.${HARMLESS},x` })
      expect(dataOf(list)).toEqual(dataOf(listExpected))
      const any = await get(route.path(), { ...route.params(), path: `eq.${payload}`, title: `c.${payload}`, match: `any' OR 1=1 --` })
      expectSafe(any, `match ${payload}`)
      expect(any.status).toBe(200)
    }
    for (const payload of TOO_LONG) {
      for (const key of ['path', 'country', 'distinctId']) {
        for (const syntax of SYNTAXES) {
          const answer = await get(route.path(), { ...route.params(), [key]: syntax.wrap(payload) })
          expectSafe(answer, `${key} too long`)
          expect(answer.status).toBe(400)
          expect(JSON.parse(answer.body).error.message).toMatch(/at most 2000 characters/)
        }
      }
    }
    // 51 values in one list.
    const many = await get(route.path(), { ...route.params(), path: Array.from({ length: 51 }, () => "' OR 1=1 --").join(',') })
    expect(many.status).toBe(400)
  })

  test('the same filters in report bodies, and payloads in report steps', async () => {
    const range = { startDate: new Date(JAN.startAt).toISOString(), endDate: new Date(JAN.endAt).toISOString() }
    const reports: { path: string; parameters: (value: string) => Record<string, unknown> }[] = [
      {
        path: '/api/reports/funnel',
        parameters: (v) => ({ ...range, window: 60, steps: [{ type: 'path', value: v }, { type: 'event', value: v }] })
      },
      { path: '/api/reports/goal', parameters: (v) => ({ ...range, type: 'event', value: v }) },
      { path: '/api/reports/retention', parameters: () => ({ ...range, timezone: 'UTC' }) },
      { path: '/api/reports/journey', parameters: (v) => ({ ...range, steps: 3, startStep: v, endStep: v }) },
      { path: '/api/reports/utm', parameters: () => range }
    ]
    for (const report of reports) {
      for (const payload of SQL_PAYLOADS) {
        for (const key of ['path', 'referrer', 'browser', 'distinctId', 'utmSource', 'event']) {
          const what = `${report.path} ${key} ${JSON.stringify(payload.slice(0, 40))}`
          const answer = await post(report.path, { websiteId: websiteUuid, filters: { [key]: `c.${payload}` }, parameters: report.parameters(payload) })
          expectSafe(answer, what)
          if (payload.length > 500 && answer.status === 400) {
            // A step value is at most 500 characters.
            expect(JSON.parse(answer.body).error.message, what).toMatch(/500 characters/)
            continue
          }
          expect(answer.status, `${what}: ${answer.body.slice(0, 200)}`).toBe(200)
          const expected = await harmless(`${report.path}|${key}`, () =>
            post(report.path, { websiteId: websiteUuid, filters: { [key]: `c.${HARMLESS}` }, parameters: report.parameters(HARMLESS) })
          )
          expect(dataOf(answer, payload), what).toEqual(expected)
        }
      }
    }
  }, 60_000)
})

describe('SQL injection through search, type, unit and timezone', () => {
  test('search on every paged or searchable list: payloads answer as a harmless search does', async () => {
    const routes: ReadRoute[] = [
      { name: 'metrics', path: () => `${site()}/metrics`, params: () => ({ ...JAN, type: 'path' }) },
      { name: 'metrics/expanded', path: () => `${site()}/metrics/expanded`, params: () => ({ ...JAN, type: 'browser' }) },
      { name: 'events', path: () => `${site()}/events`, params: () => JAN },
      { name: 'sessions', path: () => `${site()}/sessions`, params: () => JAN },
      { name: 'values', path: () => `${site()}/values`, params: () => ({ ...JAN, type: 'path' }) },
      { name: 'websites', path: () => '/api/websites', params: () => ({}) },
      { name: 'me/websites', path: () => '/api/me/websites', params: () => ({}) },
      { name: 'admin/websites', path: () => '/api/admin/websites', params: () => ({}) },
      { name: 'admin/users', path: () => '/api/admin/users', params: () => ({}) },
      { name: 'reports', path: () => '/api/reports', params: () => ({ websiteId: websiteUuid }) },
      { name: 'website reports', path: () => `${site()}/reports`, params: () => ({}) }
    ]
    for (const route of routes) {
      const expected = await harmless(`${route.name}|search`, () => get(route.path(), { ...route.params(), search: HARMLESS }))
      for (const payload of SQL_PAYLOADS) {
        const what = `${route.name} search=${JSON.stringify(payload.slice(0, 40))}`
        // /values splits its search on commas; none of the payloads has one.
        const answer = await get(route.path(), { ...route.params(), search: payload })
        expectSafe(answer, what)
        expect(answer.status, `${what}: ${answer.body.slice(0, 200)}`).toBe(200)
        expect(dataOf(answer), what).toEqual(expected)
      }
      const tooLong = await get(route.path(), { ...route.params(), search: 'x'.repeat(2001) })
      expectSafe(tooLong, `${route.name} long search`)
      expect(tooLong.status, route.name).toBe(400)
    }
  }, 60_000)

  test('type, unit, timezone, compare and the other named parameters: a clear 400, never a query', async () => {
    const cases: { path: () => string; params: (v: string) => Record<string, string | number> }[] = [
      { path: () => `${site()}/metrics`, params: (v) => ({ ...JAN, type: v }) },
      { path: () => `${site()}/metrics/expanded`, params: (v) => ({ ...JAN, type: v }) },
      { path: () => `${site()}/values`, params: (v) => ({ ...JAN, type: v }) },
      { path: () => `${site()}/pageviews`, params: (v) => ({ ...JAN, unit: v }) },
      { path: () => `${site()}/pageviews`, params: (v) => ({ ...JAN, timezone: v }) },
      { path: () => `${site()}/pageviews`, params: (v) => ({ ...JAN, compare: v }) },
      { path: () => `${site()}/events/series`, params: (v) => ({ ...JAN, unit: v }) },
      { path: () => `${site()}/events/series`, params: (v) => ({ ...JAN, timezone: v }) },
      { path: () => `${site()}/sessions/weekly`, params: (v) => ({ ...JAN, timezone: v }) },
      { path: () => `/api/realtime/${websiteUuid}`, params: (v) => ({ timezone: v }) },
      { path: () => `${site()}/metrics`, params: (v) => ({ ...JAN, type: 'path', limit: v }) },
      { path: () => `${site()}/metrics`, params: (v) => ({ ...JAN, type: 'path', offset: v }) },
      { path: () => `${site()}/events`, params: (v) => ({ ...JAN, page: v }) },
      { path: () => `${site()}/events`, params: (v) => ({ ...JAN, pageSize: v }) }
    ]
    for (const c of cases) {
      for (const payload of SQL_PAYLOADS) {
        const what = `${c.path()} ${JSON.stringify(c.params(payload)).slice(0, 120)}`
        const answer = await get(c.path(), c.params(payload))
        expectSafe(answer, what)
        expect(answer.status, what).toBe(400)
      }
    }
    // Times: a number or a date, else 400. (V8's lenient Date.parse reads "' OR '1'='1" as 2001-01-01:
    // a number all the same, bound as one.)
    for (const name of ['startAt', 'endAt', 'startDate', 'endDate']) {
      for (const payload of SQL_PAYLOADS) {
        const answer = await get(`${site()}/stats`, { ...JAN, [name]: payload })
        expectSafe(answer, `stats ${name}=${payload.slice(0, 40)}`)
      }
    }
    // Text parameters that name things: any text is a name that matches nothing.
    const named: { path: () => string; params: (v: string) => Record<string, string | number> }[] = [
      { path: () => `${site()}/session-data/values`, params: (v) => ({ ...JAN, propertyName: v }) },
      { path: () => `${site()}/event-data/values`, params: (v) => ({ ...JAN, event: v, propertyName: v }) },
      { path: () => `${site()}/event-data/events`, params: (v) => ({ ...JAN, event: v }) }
    ]
    for (const c of named) {
      const expected = await harmless(`${c.path()}|named`, () => get(c.path(), c.params(HARMLESS)))
      for (const payload of SQL_PAYLOADS) {
        const answer = await get(c.path(), c.params(payload))
        expectSafe(answer, `${c.path()} ${payload}`)
        expect(answer.status).toBe(200)
        expect(dataOf(answer)).toEqual(expected)
      }
    }
  }, 60_000)

  test('path parameters: website, session, event, report and share ids', async () => {
    for (const payload of SQL_PAYLOADS) {
      const p = encodeURIComponent(payload)
      for (const path of [
        `/api/websites/${p}/stats?${qs(JAN)}`,
        `/api/websites/${p}`,
        `${site()}/sessions/${p}`,
        `${site()}/event-data/${p}`,
        `/api/reports/${p}`,
        `/api/users/${p}`,
        `/api/share/${p}`,
        `/api/website/${p}/stats?${qs({ start_at: JAN.startAt, end_at: JAN.endAt })}`
      ]) {
        const res = await server.app.inject({ method: 'GET', url: path, headers: bearer(token) })
        expect(res.statusCode, `${path}: ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
        expect(res.statusCode, path).toBeLessThan(500)
        expect(res.body).not.toContain(adminHash)
      }
    }
  })
})

describe('NUL characters in LIKE patterns', () => {
  // SQLite's LIKE reads its pattern only up to a NUL, so `%<NUL>%` would be `%` and a "contains NUL" filter
  // or search would match every row of the website: such text is refused with a 400 that says why.
  test('c./dnc. filters, search and the v1 referrer filter with a NUL get a 400 naming the NUL', async () => {
    const cases: [string, Record<string, string | number>][] = [
      [`${site()}/stats`, { ...JAN, path: 'c.\x00' }],
      [`${site()}/stats`, { ...JAN, path: '!~\x00' }],
      [`${site()}/metrics`, { ...JAN, type: 'path', search: '\x00' }],
      [`${site()}/sessions`, { ...JAN, search: '\x00' }],
      ['/api/admin/users', { search: '\x00' }],
      [`/api/website/${websiteUuid}/stats`, { start_at: JAN.startAt, end_at: JAN.endAt, referrer: '\x00' }]
    ]
    for (const [path, withNul] of cases) {
      const answer = await get(path, withNul)
      expect(answer.status, path).toBe(400)
      expect(answer.body, path).toMatch(/NUL/)
    }
  })
})

describe('SQL injection through the classic (v1) API', () => {
  test('every v1 filter, type, unit and tz: a clear 4xx or the harmless answer', async () => {
    const v1 = `/api/website/${websiteUuid}`
    const range = { start_at: JAN.startAt, end_at: JAN.endAt }
    const routes = [
      { path: `${v1}/stats`, params: range },
      { path: `${v1}/pageviews`, params: { ...range, unit: 'day', tz: 'UTC' } },
      { path: `${v1}/events`, params: { ...range, unit: 'day', tz: 'UTC' } },
      { path: `${v1}/metrics`, params: { ...range, type: 'url' } },
      { path: `${v1}/metrics`, params: { ...range, type: 'browser' } }
    ]
    for (const route of routes) {
      for (const key of ['url', 'referrer', 'os', 'browser', 'device', 'country', 'event_name']) {
        const expected = await get(route.path, { ...route.params, [key]: HARMLESS })
        expect(expected.status).toBe(200)
        for (const payload of SQL_PAYLOADS) {
          const answer = await get(route.path, { ...route.params, [key]: payload })
          const what = `${route.path} ${key}=${JSON.stringify(payload.slice(0, 40))}`
          expect(answer.status, `${what}: ${answer.body}`).toBe(200)
          expect(answer.body).not.toContain(adminHash)
          expect(JSON.parse(answer.body), what).toEqual(JSON.parse(expected.body))
        }
        const tooLong = await get(route.path, { ...route.params, [key]: 'x'.repeat(2001) })
        expect(tooLong.status).toBe(400)
        expect(tooLong.body).not.toMatch(/sqlite/i)
      }
      for (const name of ['type', 'unit', 'tz', 'start_at', 'end_at']) {
        if (!(name in route.params)) continue
        for (const payload of SQL_PAYLOADS) {
          const answer = await get(route.path, { ...route.params, [name]: payload })
          // v1 errors are plain text.
          expect(answer.status, `${route.path} ${name}=${payload.slice(0, 40)}: ${answer.body}`).toBe(400)
          expect(answer.body).not.toMatch(/sqlite|syntax error/i)
        }
      }
    }
  }, 60_000)

  test('hits carrying payloads in every field are stored as text and read back as text', async () => {
    const payload = "x'); DROP TABLE website_event; --"
    const res = await collectV1(server.app, websiteUuid, {
      url: `/${encodeURIComponent(payload)}?q=${encodeURIComponent(payload)}`,
      referrer: `https://evil.example/${payload}`,
      hostname: payload,
      language: payload,
      screen: payload,
      type: 'event',
      eventName: payload,
      eventData: { [payload]: payload }
    })
    expect(res.statusCode, res.body).toBe(200)
    const events = await get(`${site()}/metrics`, { startAt: 0, endAt: Date.now() + 86_400_000 * 400, type: 'event' })
    expect(JSON.parse(events.body)).toEqual(expect.arrayContaining([{ x: payload, y: 1 }]))
    // The stored hit is one more event row, nothing else changed.
    const after = tableCounts()
    expect(after.website_event).toBe(tablesBefore.website_event! + 1)
    server.db.prepare('DELETE FROM event_data WHERE data_key = ?').run(payload)
    server.db.prepare('DELETE FROM website_event WHERE event_name = ?').run(payload)
    server.db.prepare('DELETE FROM session WHERE session_id NOT IN (SELECT session_id FROM website_event)').run()
  })

  test('afterwards every table is intact, with the rows it had, and the admin can still log in', async () => {
    expect(tableCounts()).toEqual(tablesBefore)
    expect(server.db.pragma('integrity_check', { simple: true })).toBe('ok')
    await login(server.app)
    // The other website's rows never showed up under the first one.
    const pages = await get(`${site()}/metrics`, { ...JAN, type: 'path' })
    expect(pages.body).not.toContain('secret-other-site')
    expect(otherUuid).toMatch(/-/)
  })
})

// ---------------------------------------------------------------------------------------------------
// Header injection

/** A raw HTTP/1.1 exchange, so that nothing on the client side cleans up the request first. */
function rawRequest(port: number, request: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const at = text.indexOf('\r\n\r\n')
      const head = at === -1 ? text : text.slice(0, at)
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: at === -1 ? '' : text.slice(at + 4) })
    })
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')))
  })
}

const headerNames = (head: string) =>
  head
    .split('\r\n')
    .slice(1)
    .map((line) => line.slice(0, line.indexOf(':')).toLowerCase())

describe('header injection and path traversal (web mode, real HTTP)', () => {
  let web: RunningServer
  let dir: string
  let staticDir: string
  let webToken: string
  let webSite: string
  const SECRET = 'TOP-SECRET-do-not-serve-7f3a'
  const INDEX = '<!doctype html><title>Dashi</title><div id="app"></div>'
  const ASSET = 'console.log("asset")'

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dashi-inject-'))
    staticDir = join(dir, 'renderer')
    mkdirSync(join(staticDir, 'assets'), { recursive: true })
    writeFileSync(join(staticDir, 'index.html'), INDEX)
    writeFileSync(join(staticDir, 'assets', 'app.js'), ASSET)
    // Planted next to the static dir, and in a sibling whose name starts like it.
    writeFileSync(join(dir, 'secret.txt'), SECRET)
    mkdirSync(join(dir, 'renderer-private'))
    writeFileSync(join(dir, 'renderer-private', 'secret.txt'), SECRET)
    web = await startServer({ ...resolveConfig([], {}), dataDir: join(dir, 'data'), port: 0, host: '127.0.0.1' }, { logger: false, staticDir })
    const res = await fetch(`${web.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'umami' }) })
    webToken = ((await res.json()) as { token: string }).token
    const created = await fetch(`${web.url}/api/website`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${webToken}` },
      body: JSON.stringify({ name: 'Web', domain: 'web.example' })
    })
    webSite = ((await created.json()) as { website_uuid: string }).website_uuid
  })

  afterAll(async () => {
    await web?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const INJECTED = 'x-injected'
  /** CRLF sequences in the forms a value could carry them: raw, percent-encoded, double-encoded, Unicode. */
  const CRLFS = ['%0d%0a', '%0D%0A', '%0a', '%250d%250a', '%E5%98%8A%E5%98%8D', '\u560a\u560d']

  test('CRLF in paths, queries, a share id and filters never adds a response header', async () => {
    const paths: string[] = []
    for (const crlf of CRLFS) {
      const inj = `${crlf}X-Injected:%20yes${crlf}Set-Cookie:%20pwned=1`
      paths.push(
        `/${inj}`,
        `/websites/${inj}`,
        `/share/${inj}`,
        `/assets/${inj}.js`,
        `/api/share/${inj}`,
        `/api/websites/${webSite}/stats?startAt=0&endAt=1&path=eq.${inj}`,
        `/api/websites/${webSite}/metrics?startAt=0&endAt=1&type=path&search=${inj}`,
        `/api/websites/${webSite}/pageviews?startAt=0&endAt=1&timezone=${inj}`,
        `/api/websites?search=${inj}`,
        `/script.js?${inj}`,
        `/umami.js?x=${inj}`
      )
    }
    for (const path of paths) {
      const res = await rawRequest(
        web.port,
        `GET ${path.replace(/[\u0100-\uffff]/g, encodeURIComponent)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html,*/*\r\nAuthorization: Bearer ${webToken}\r\nConnection: close\r\n\r\n`
      )
      expect(res.status, path).toBeGreaterThanOrEqual(200)
      expect(res.status, path).toBeLessThan(500)
      expect(headerNames(res.head), path).not.toContain(INJECTED)
      expect(res.head.toLowerCase(), path).not.toContain('pwned')
      expect(headerNames(res.head), path).not.toContain('location')
    }
  })

  test('CRLF in request headers the server reads (cache token, origin, CORS preflight, cookie) is never echoed as a header', async () => {
    const collect = JSON.stringify({ type: 'pageview', payload: { website: webSite, url: '/', hostname: 'web.example', language: 'en', screen: '1x1' } })
    const send = JSON.stringify({ type: 'event', payload: { website: webSite, url: '/', hostname: 'web.example', language: 'en', screen: '1x1' } })
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
    const requests = [
      // A bare CR or LF inside a header value: the HTTP parser must refuse it (400) rather than split it.
      `POST /api/collect HTTP/1.1\r\nHost: x\r\nUser-Agent: ${ua}\r\nContent-Type: application/json\r\nX-Umami-Cache: abc\rX-Injected: yes\r\nContent-Length: ${collect.length}\r\nConnection: close\r\n\r\n${collect}`,
      `POST /api/send HTTP/1.1\r\nHost: x\r\nUser-Agent: ${ua}\r\nContent-Type: application/json\r\nX-Umami-Cache: abc\nX-Injected: yes\r\nContent-Length: ${send.length}\r\nConnection: close\r\n\r\n${send}`,
      // Header lines that look like an injection once joined: the server sees two ordinary headers.
      `POST /api/collect HTTP/1.1\r\nHost: x\r\nUser-Agent: ${ua}\r\nContent-Type: application/json\r\nX-Umami-Cache: abc%0d%0aX-Injected: yes\r\nContent-Length: ${collect.length}\r\nConnection: close\r\n\r\n${collect}`,
      `OPTIONS /api/send HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example%0d%0aX-Injected: yes\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type, x-umami-cache%0d%0aX-Injected: yes\r\nConnection: close\r\n\r\n`,
      `OPTIONS /api/websites HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: authorization\rX-Injected: yes\r\nConnection: close\r\n\r\n`,
      `GET /api/me HTTP/1.1\r\nHost: x\r\nCookie: umami.auth=abc%0d%0aX-Injected:%20yes; other=1\r\nConnection: close\r\n\r\n`,
      `GET /api/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc%0d%0aX-Injected: yes\r\nConnection: close\r\n\r\n`
    ]
    for (const request of requests) {
      const res = await rawRequest(web.port, request)
      const what = request.split('\r\n')[0]!
      expect(res.status, what).toBeGreaterThanOrEqual(200)
      expect(res.status, what).toBeLessThan(500)
      expect(headerNames(res.head), what).not.toContain(INJECTED)
      // Whatever was reflected (CORS lists the request headers back) has no line break in it.
      for (const line of res.head.split('\r\n')) expect(line, what).not.toMatch(/[\r\n]/)
    }
  })

  test('a login name with CRLF sets only the auth cookie, and names stored with CRLF stay in the body', async () => {
    const login = await fetch(`${web.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin\r\nX-Injected: yes', password: 'umami\r\nSet-Cookie: pwned=1' })
    })
    expect(login.status).toBe(401)
    expect(login.headers.get(INJECTED)).toBeNull()
    expect(login.headers.get('set-cookie')).toBeNull()
    const rename = await fetch(`${web.url}/api/websites/${webSite}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${webToken}` },
      body: JSON.stringify({ name: 'Web\r\nX-Injected: yes', domain: 'web.example' })
    })
    expect(rename.status).toBeLessThan(500)
    const read = await fetch(`${web.url}/api/websites/${webSite}`, { headers: { authorization: `Bearer ${webToken}` } })
    expect(read.headers.get(INJECTED)).toBeNull()
    expect(read.status).toBe(200)
  })

  test('no path outside the static directory is ever served', async () => {
    const secret = encodeURIComponent(join(dir, 'secret.txt'))
    const traversals = [
      '/../secret.txt',
      '/../../secret.txt',
      '/assets/../../secret.txt',
      '/assets/../../../../../../etc/passwd',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/..%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%252e%252e/secret.txt',
      '/%252e%252e%252fsecret.txt',
      '/..%252fsecret.txt',
      '/..\\secret.txt',
      '/..%5csecret.txt',
      '/..%5Csecret.txt',
      '/assets\\..\\..\\secret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/%c0%ae%c0%ae%c0%afsecret.txt',
      '/.%2e/secret.txt',
      '/%2e./secret.txt',
      '/....//secret.txt',
      '/..;/secret.txt',
      '/../renderer-private/secret.txt',
      '/..%2frenderer-private%2fsecret.txt',
      `/${secret}`,
      `/${join(dir, 'secret.txt')}`,
      `//${join(dir, 'secret.txt').slice(1)}`,
      '/etc/passwd',
      '//etc/passwd',
      '/%2fetc%2fpasswd',
      '/file:///etc/passwd',
      '/secret.txt%00.js',
      '/../secret.txt%00.js',
      '/..%00/secret.txt',
      '/%00',
      '/index.html%00../secret.txt',
      '/assets/app.js%00',
      '/api/../../secret.txt',
      '/api/%2e%2e/%2e%2e/secret.txt',
      '/share/..%2f..%2fsecret.txt',
      '/websites/%2e%2e%2f%2e%2e%2fsecret.txt'
    ]
    for (const path of traversals) {
      for (const accept of ['text/html', '*/*']) {
        const res = await rawRequest(web.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${accept}\r\nConnection: close\r\n\r\n`)
        const what = `${path} (${accept})`
        expect(res.body, what).not.toContain(SECRET)
        expect(res.body, what).not.toMatch(/root:.*:0:0:/)
        expect(res.status, `${what}: ${res.head}`).toBeGreaterThanOrEqual(200)
        expect(res.status, `${what}: ${res.head}`).toBeLessThan(500)
        expect(headerNames(res.head), what).not.toContain('location')
        // Either a 4xx, or one of the static dir's own files (the dashboard's index.html fallback included).
        if (res.status < 400) {
          expect(res.status, what).toBe(200)
          const body = res.head.toLowerCase().includes('transfer-encoding: chunked') ? dechunk(res.body) : res.body
          expect([INDEX, ASSET], what).toContain(body)
        }
      }
    }
  })
})

/** The body of a chunked HTTP/1.1 response. */
function dechunk(body: string): string {
  let out = ''
  let rest = body
  for (;;) {
    const at = rest.indexOf('\r\n')
    const size = parseInt(rest.slice(0, at), 16)
    if (!size) return out
    out += rest.slice(at + 2, at + 2 + size)
    rest = rest.slice(at + 2 + size + 2)
  }
}
