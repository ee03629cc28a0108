import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, RouteOptions } from 'fastify'
import type { Response as InjectResponse } from 'light-my-request'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ROLE } from '../../src/shared/constants'
import { hashPassword } from '../../src/server/auth'
import type { Dialect } from '../../src/server/context'
import { createAccount, getAccountById, getAccountByUuid, updateAccount } from '../../src/server/queries/accounts'
import { createReport, getReportByUuid } from '../../src/server/queries/current-reports'
import { createWebsite, getWebsiteById, getWebsiteByUuid, updateWebsite } from '../../src/server/queries/websites'
import { writeHits, type HitSpec } from '../current-helpers'
import { bearer, CHROME_UA, createTestServer, createUserV1, login, type TestServer } from '../helpers'
import {
  buildBody,
  buildHeaders,
  buildPath,
  buildQuery,
  type BuiltBody,
  type Caller,
  createRng,
  type Fixtures,
  OTHER_METHODS,
  pickCaller,
  type Rng,
  type RouteInfo,
  validPath
} from './fuzz-cases'

/*
 * Issue 7: a storm of generated malformed requests at every route of the app (found through Fastify's
 * own route registration, so a new route is fuzzed without touching this file), as the admin (so the
 * checks behind authorization are reached), as a plain user, with share tokens, anonymously and with
 * garbage credentials. Bad input must never get a 5xx; every 4xx must carry a message in its dialect's
 * envelope; bodies over a route's limit get 413; afterwards the server still takes hits and answers reads.
 *
 * Reproduce a storm with DASHI_FUZZ_SEED=<seed> (printed at the start); DASHI_FUZZ_REQUESTS sets its size,
 * DASHI_FUZZ_PROFILE=1 prints the slowest routes and requests.
 */

const SEED = Number(process.env.DASHI_FUZZ_SEED ?? 0x5eed_da5)
const TOTAL = Number(process.env.DASHI_FUZZ_REQUESTS ?? 10_500)
const ADMIN_PASSWORD = 'umami'
const STORM_TIMEOUT_MS = 180_000
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

let server: TestServer
let app: FastifyInstance
const routes: RouteOptions[] = []
/** The dialect of the route that answered the last request (set by an onSend hook; undefined for unmatched paths). */
let answeredDialect: Dialect | undefined

/** Read through a function: the hook sets the variable while a request runs, out of the compiler's sight. */
const dialectOfLastAnswer = () => answeredDialect

/** Collects every route the app registers and notes which route answered; hooked in as the app is created. */
function observe({ fastify }: { fastify: FastifyInstance }) {
  fastify.addHook('onRoute', (route) => {
    routes.push(route)
  })
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    answeredDialect = request.routeOptions.config?.dialect
    done(null, payload)
  })
}

// --- fixtures: real rows the storm can aim at, kept alive while it rages ---

let fx: Fixtures
let victimPasswordHash: string
const tokens = { admin: '', user: '' }
let fixtureRepairs = 0

function liveLoginToken(current: string, userId: number): string {
  const user = app.ctx.auth.userForToken(current)
  if (user && user.userId === userId) return current
  fixtureRepairs++
  return app.ctx.auth.issueLoginToken(userId)
}

/**
 * Before each request: fresh tokens when a request revoked them, the admin still an admin, the seeded
 * website as seeded, victims in place for the requests that delete or change what they name.
 */
function keepFixtures(): void {
  const { db } = app.ctx
  const admin = getAccountById(db, fx.admin.id)
  if (!admin) throw new Error('the storm deleted the admin account')
  if (admin.role !== ROLE.admin) {
    fixtureRepairs++
    updateAccount(db, fx.admin.id, { role: ROLE.admin, now: server.clock.now() })
  }
  // The seeded website stays as seeded: its share URL on (share tokens are part of the storm), the admin's.
  const website = getWebsiteById(db, fx.website.id)
  if (!website) throw new Error('the storm deleted the seeded website: a destructive request was not aimed at a victim')
  if (website.share_id !== fx.website.shareId || website.user_id !== fx.admin.id) {
    fixtureRepairs++
    updateWebsite(db, website.website_id, { userId: fx.admin.id, name: website.name, domain: website.domain, shareId: fx.website.shareId, now: server.clock.now() })
  }
  tokens.admin = liveLoginToken(tokens.admin, fx.admin.id)
  if (getAccountById(db, fx.user.id)) tokens.user = liveLoginToken(tokens.user, fx.user.id)
  const now = server.clock.now()
  if (!getWebsiteByUuid(db, fx.victim.websiteUuid)) {
    const site = createWebsite(db, { userId: fx.admin.id, name: 'Victim', domain: 'victim.example', shareId: null, now })
    fx.victim.websiteId = site.website_id
    fx.victim.websiteUuid = site.website_uuid
  }
  if (!getAccountByUuid(db, fx.victim.userUuid)) {
    const account = createAccount(db, { username: `victim-${now}-${fixtureRepairs}`, passwordHash: victimPasswordHash, role: ROLE.user, now })
    fx.victim.userId = account.user_id
    fx.victim.userUuid = account.user_uuid
  }
  if (!getReportByUuid(db, fx.victim.reportUuid)) {
    const website = getWebsiteByUuid(db, fx.victim.websiteUuid)!
    const report = createReport(db, { userId: fx.admin.id, websiteId: website.website_id, type: 'goal', name: 'Victim', description: '', parameters: '{}', now })
    fx.victim.reportUuid = report.report_uuid
  }
}

async function seed(): Promise<void> {
  const adminToken = await login(app)
  const user = await createUserV1(app, adminToken, 'fuzz-user', 'fuzz-user-password')
  tokens.admin = adminToken
  tokens.user = user.token
  const site = async (token: string, name: string, shareId: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/websites', headers: bearer(token), payload: { name, domain: 'example.com', shareId } })
    expect(res.statusCode).toBe(200)
    return getWebsiteByUuid(app.ctx.db, res.json().id)!
  }
  const website = await site(adminToken, 'Fuzzed', 'fuzz-share')
  const other = await site(user.token, 'Other', 'other-share')

  // A month of hits by a few visitors: pageviews, events with properties, several browsers and countries.
  const now = server.clock.now()
  const specs: HitSpec[] = []
  for (let i = 0; i < 120; i++) {
    specs.push({
      websiteId: i % 5 === 0 ? other.website_id : website.website_id,
      at: now - (i % 30) * 86_400_000 - i * 60_000,
      session: `visitor-${i % 12}`,
      path: ['/', '/a', '/b/c', '/pricing'][i % 4],
      query: i % 3 === 0 ? 'utm_source=news&utm_medium=mail' : null,
      referrer: i % 2 ? 'https://ref.example/x' : null,
      title: 'Title',
      eventName: i % 4 === 3 ? rngName(i) : null,
      data: i % 4 === 3 ? { plan: 'pro', n: i, nested: { key: 'v' } } : undefined,
      browser: ['chrome', 'firefox', 'safari'][i % 3],
      country: ['DE', 'US', 'FR'][i % 3]
    })
  }
  await writeHits(server, specs)

  // Cache tokens come from real hits; share tokens from the share URLs.
  const send = async (uuid: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/send',
      headers: { 'user-agent': CHROME_UA },
      payload: { type: 'event', payload: { website: uuid, url: '/seed', hostname: 'example.com', data: { plan: 'pro' } } },
      remoteAddress: '203.0.113.50'
    })
    expect(res.statusCode).toBe(200)
    return res.json().cache as string
  }
  const shareToken = async (shareId: string) => (await app.inject({ method: 'GET', url: `/api/share/${shareId}` })).json().token as string
  const report = await app.inject({
    method: 'POST',
    url: '/api/reports',
    headers: bearer(adminToken),
    payload: { websiteId: website.website_uuid, type: 'funnel', name: 'Seeded', parameters: { window: 60, steps: [] } }
  })
  expect(report.statusCode).toBe(200)

  const { db } = app.ctx
  const sessionUuid = (db.prepare('SELECT session_uuid FROM session WHERE website_id = ? LIMIT 1').get(website.website_id) as { session_uuid: string }).session_uuid
  const eventId = (db.prepare('SELECT event_id FROM website_event WHERE website_id = ? AND event_type = 2 LIMIT 1').get(website.website_id) as { event_id: number })
    .event_id
  const adminRow = getAccountById(db, 1)!
  victimPasswordHash = await hashPassword('victim-password')
  fx = {
    website: { id: website.website_id, uuid: website.website_uuid, shareId: website.share_id! },
    otherWebsite: { id: other.website_id, uuid: other.website_uuid },
    admin: { id: adminRow.user_id, uuid: adminRow.user_uuid },
    user: { id: user.user_id, uuid: getAccountById(db, user.user_id)!.user_uuid, username: 'fuzz-user' },
    sessionUuid,
    eventId,
    reportUuid: report.json().id,
    victim: { websiteId: 0, websiteUuid: '00000000-0000-4000-8000-000000000000', userId: 0, userUuid: '00000000-0000-4000-8000-000000000000', reportUuid: '00000000-0000-4000-8000-000000000000' },
    tokens: { share: await shareToken('fuzz-share'), otherShare: await shareToken('other-share'), cache: await send(website.website_uuid), otherCache: await send(other.website_uuid) },
    adminPassword: ADMIN_PASSWORD
  }
  keepFixtures()
}

function rngName(i: number): string {
  return ['signup', 'click', 'buy'][i % 3]!
}

beforeAll(async () => {
  subscribe('fastify.initialization', observe as (message: unknown) => void)
  try {
    // A proxy header and an ignored address, so that the storm reaches those paths of the collect routes too.
    server = await createTestServer({ clientIpHeader: 'x-forwarded-for', ignoreIps: ['198.51.100.7'] })
  } finally {
    unsubscribe('fastify.initialization', observe as (message: unknown) => void)
  }
  app = server.app
  await seed()
})

afterAll(async () => {
  await server?.close()
})

// --- one request of the storm ---

interface FuzzRequest {
  route: RouteInfo
  method: string
  url: string
  caller: Caller
  headers: Record<string, string>
  body: BuiltBody
}

function generate(rng: Rng, route: RouteInfo): FuzzRequest {
  const at = server.clock.now()
  const caller = pickCaller(rng)
  const own = route.methods ? rng.pick(route.methods) : route.method
  const method = rng.chance(0.92) ? own : rng.pick(OTHER_METHODS)
  // Aimed as the method it is sent with: a GET route's path sent as DELETE must name a victim too.
  const aimed: RouteInfo = { ...route, method }
  const body = BODY_METHODS.has(method) || rng.chance(0.1) ? buildBody(aimed, rng, fx, at, app.initialConfig.bodyLimit!) : { note: 'no body' }
  // An oversize body goes to the route itself (a 404 or 414 would answer before the limit is checked).
  const oversize = body.oversize === true && BODY_METHODS.has(method) && method === own
  const path = oversize ? validPath(aimed, rng, fx) : buildPath(aimed, rng, fx)
  const query = buildQuery(rng, fx, at)
  const headers = buildHeaders(rng, fx, caller, tokens)
  if (oversize) {
    // Framing headers would be judged before the size.
    delete headers['transfer-encoding']
    delete headers['content-encoding']
  }
  if (body.contentType !== undefined) headers['content-type'] = body.contentType
  if (body.contentLength !== undefined) headers['content-length'] = body.contentLength
  return { route, method, url: query ? `${path}?${query}` : path, caller, headers, body: { ...body, oversize } }
}

const clipText = (text: string, n = 300) => (text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text)

function describeRequest(request: FuzzRequest, res?: InjectResponse): string {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, clipText(v, 120)]))
  const payload = typeof request.body.payload === 'string' ? clipText(request.body.payload) : request.body.payload ? '<stream>' : '<none>'
  const lines = [
    `${request.method} ${clipText(request.url)}  [route ${request.route.method} ${request.route.url}, caller ${request.caller}]`,
    `  headers: ${JSON.stringify(headers)}`,
    `  body (${request.body.note}): ${payload}`
  ]
  if (res) lines.push(`  → ${res.statusCode} ${res.headers['content-type'] ?? ''}: ${clipText(res.body)}`)
  return lines.join('\n')
}

/** The URL families of the classic dialect: where an unmatched path answers in plain text. */
function urlDialect(url: string): Dialect {
  return url === '/api/website' || /^\/api\/(website[/?]|account|collect|realtime\/(init|update))/.test(url) ? 'v1' : 'current'
}

/** A batch answers 200 with one reply per item: an item answered 5xx is a 5xx too. */
function batchItemProblem(request: FuzzRequest, res: InjectResponse): string | null {
  if (request.method !== 'POST' || request.route.url !== '/api/batch' || res.statusCode !== 200) return null
  const details = (res.json() as { details?: unknown })?.details
  if (!Array.isArray(details)) return null
  const failed = details.find((d: { response?: { error?: { status?: number } } }) => (d.response?.error?.status ?? 0) >= 500)
  return failed ? `batch item ${String(failed.index)} answered ${String(failed.response.error.status)}` : null
}

/** What is wrong with a response, or null. */
function problemOf(request: FuzzRequest, res: InjectResponse, dialect: Dialect): string | null {
  const status = res.statusCode
  if (status >= 500) return `answered ${status}`
  // A route may refuse a caller before it reads the body (an onRequest check): 401/403 then, never for the admin.
  const refusedFirst = request.caller !== 'admin' && (status === 401 || status === 403)
  if (request.body.oversize && status !== 413 && !refusedFirst) return `a body over the limit got ${status}, not 413`
  if (status < 400) return batchItemProblem(request, res)
  if (request.method === 'HEAD') return null
  const type = String(res.headers['content-type'] ?? '')
  if (dialect === 'v1') {
    if (!type.startsWith('text/plain')) return `a v1 ${status} is not text/plain (${type})`
    if (res.body.trim() === '') return `a v1 ${status} has no message`
    return null
  }
  let envelope: { error?: { message?: unknown; code?: unknown; status?: unknown } }
  try {
    envelope = res.json()
  } catch {
    return `a ${status} of the current dialect is not JSON`
  }
  const error = envelope?.error
  if (typeof error?.message !== 'string' || error.message.trim() === '') return `a ${status} has no error.message`
  if (typeof error.code !== 'string' || error.code === '') return `a ${status} has no error.code`
  if (error.status !== status) return `error.status ${String(error.status)} differs from the status ${status}`
  return null
}

function shuffled<T>(rng: Rng, items: T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

test('a storm of malformed requests at every route: no 5xx, a message with every 4xx, 413 over the limits', async () => {
  // A route registered for many methods (app.all) is one target; each request picks one of its methods.
  const targets: RouteInfo[] = routes.map((route) => ({
    method: Array.isArray(route.method) ? route.method[0]! : route.method,
    methods: Array.isArray(route.method) ? route.method : undefined,
    url: route.url,
    bodyLimit: route.bodyLimit
  }))
  // Every family of the API is in the storm: the route list really is the app's.
  for (const expected of ['POST /api/collect', 'POST /api/send', 'POST /api/batch', 'GET /api/websites/:websiteId/stats', 'GET /api/website/:id/stats']) {
    expect(targets.map((t) => `${t.method} ${t.url}`)).toContain(expected)
  }
  const perRoute = Math.ceil(TOTAL / targets.length)
  const rng = createRng(SEED)
  const plan = shuffled(rng, targets.flatMap((target) => Array.from({ length: perRoute }, () => target)))
  console.log(`fuzz: seed ${SEED} (DASHI_FUZZ_SEED), ${targets.length} routes × ${perRoute} = ${plan.length} requests`)

  const histogram = new Map<number, number>()
  const failures: string[] = []
  let oversized = 0
  let failed = 0
  const started = performance.now()
  const timeByRoute = new Map<string, number>()
  const slowRequests: string[] = []
  for (const [index, route] of plan.entries()) {
    const t0 = performance.now()
    keepFixtures()
    const request = generate(rng, route)
    answeredDialect = undefined
    let res: InjectResponse
    try {
      res = await app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers: request.headers,
        payload: request.body.payload,
        remoteAddress: '203.0.113.10'
      })
    } catch (error) {
      failed++
      failures.push(`#${index} the request failed outright (${String(error)}):\n${describeRequest(request)}`)
      continue
    }
    const key = `${request.method} ${route.url}`
    const elapsed = performance.now() - t0
    timeByRoute.set(key, (timeByRoute.get(key) ?? 0) + elapsed)
    if (elapsed > 200) slowRequests.push(`${elapsed.toFixed(0)} ms #${index} ${describeRequest(request, res)}`)
    histogram.set(res.statusCode, (histogram.get(res.statusCode) ?? 0) + 1)
    if (request.body.oversize) oversized++
    const dialect = dialectOfLastAnswer() ?? urlDialect(request.url)
    // The storm must not eat its own fixtures: the request that deleted the seeded website is named.
    if (!getWebsiteById(app.ctx.db, fx.website.id)) throw new Error(`#${index} deleted the seeded website:\n${describeRequest(request, res)}`)
    const problem = problemOf(request, res, dialect)
    if (problem) failed++
    if (problem && failures.length < 25) failures.push(`#${index} ${problem}:\n${describeRequest(request, res)}`)
  }
  const seconds = (performance.now() - started) / 1000
  const statuses = [...histogram.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`)
  console.log(`fuzz: ${plan.length} requests in ${seconds.toFixed(1)} s; ${oversized} over a body limit; fixture repairs ${fixtureRepairs}`)
  console.log(`fuzz: statuses { ${statuses.join(', ')} }`)
  if (process.env.DASHI_FUZZ_PROFILE) {
    const slowest = [...timeByRoute.entries()].sort(([, a], [, b]) => b - a).slice(0, 15)
    console.log(`fuzz: requests over 200 ms\n${slowRequests.slice(0, 30).join('\n')}`)
    console.log(`fuzz: slowest routes\n${slowest.map(([k, ms]) => `  ${ms.toFixed(0)} ms  ${k}`).join('\n')}`)
  }
  if (failed > 0) console.log(`fuzz: seed ${SEED}; ${failed} failures, the first ${failures.length}:\n${failures.join('\n\n')}`)
  expect(failures, `seed ${SEED}`).toEqual([])
  expect(plan.length).toBeGreaterThanOrEqual(10_000)
  expect(oversized).toBeGreaterThan(0)
}, STORM_TIMEOUT_MS)

test('after the storm the server still stores hits of both dialects and answers reads', async () => {
  keepFixtures()
  const { db } = app.ctx
  const count = (path: string) =>
    (db.prepare('SELECT count(*) AS n FROM website_event WHERE website_id = ? AND url_path = ?').get(fx.website.id, path) as { n: number }).n

  const sent = await app.inject({
    method: 'POST',
    url: '/api/send',
    headers: { 'user-agent': CHROME_UA },
    payload: { type: 'event', payload: { website: fx.website.uuid, url: '/after-the-storm-send', hostname: 'example.com' } },
    remoteAddress: '203.0.113.77'
  })
  expect(sent.statusCode, sent.body).toBe(200)
  expect(sent.json().sessionId).toMatch(/^[0-9a-f-]{36}$/)
  expect(count('/after-the-storm-send')).toBe(1)

  const collected = await app.inject({
    method: 'POST',
    url: '/api/collect',
    headers: { 'user-agent': CHROME_UA },
    payload: { type: 'pageview', payload: { website: fx.website.uuid, url: '/after-the-storm-collect', referrer: '', hostname: 'example.com' } },
    remoteAddress: '203.0.113.78'
  })
  expect(collected.statusCode, collected.body).toBe(200)
  expect(count('/after-the-storm-collect')).toBe(1)

  const now = server.clock.now()
  const stats = await app.inject({
    method: 'GET',
    url: `/api/websites/${fx.website.uuid}/stats?startAt=${now - 86_400_000}&endAt=${now + 1000}`,
    headers: bearer(tokens.admin)
  })
  expect(stats.statusCode, stats.body).toBe(200)
  expect(stats.json().pageviews).toBeGreaterThanOrEqual(1)
  const v1Stats = await app.inject({
    method: 'GET',
    url: `/api/website/${fx.website.id}/stats?start_at=${now - 86_400_000}&end_at=${now + 1000}`,
    headers: bearer(tokens.admin)
  })
  expect(v1Stats.statusCode, v1Stats.body).toBe(200)
  expect(v1Stats.json().pageviews).toBeGreaterThanOrEqual(1)
})

test('bodies over each collect limit and the app limit get 413 in the dialect envelope', async () => {
  const over = (bytes: number) => `{"pad":"${'a'.repeat(bytes)}"}`
  const collect = await app.inject({ method: 'POST', url: '/api/collect', headers: { 'content-type': 'text/plain' }, payload: over(64 * 1024) })
  expect(collect.statusCode).toBe(413)
  expect(collect.headers['content-type']).toMatch(/^text\/plain/)
  expect(collect.body).not.toBe('')

  for (const [url, bytes] of [['/api/send', 64 * 1024], ['/api/batch', 2 * 1024 * 1024], ['/api/websites', 1024 * 1024]] as const) {
    const res = await app.inject({ method: 'POST', url, headers: { ...bearer(tokens.admin), 'content-type': 'application/json' }, payload: over(bytes) })
    expect(res.statusCode, url).toBe(413)
    expect(res.json().error).toMatchObject({ status: 413, code: 'payload-too-large' })
    expect(res.json().error.message).not.toBe('')
  }
  // Just under the limit a tracker's body is read (and judged on its contents).
  const under = await app.inject({ method: 'POST', url: '/api/send', headers: { 'content-type': 'application/json' }, payload: over(60 * 1024) })
  expect(under.statusCode).toBe(400)
})
