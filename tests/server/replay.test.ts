import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildApp } from '../../src/server/app'
import { parseUserAgent } from '../../src/server/collect/client-info'
import { isBotAgent } from '../../src/server/collect/client'
import { resolveConfig } from '../../src/server/config'
import { openDatabase, type Db } from '../../src/server/db/open'
import { createProfile } from '../../src/server/queries/profiles'
import { representativeUserAgent } from '../../src/server/replay/user-agents'
import { profileInput } from '../../src/server/routes/profiles'
import { startServer, type RunningServer } from '../../src/server/server'
import { v2Dialect } from '../../src/shared/api/adapters'
import { bearer, CHROME_UA, FIREFOX_LINUX_UA, IPHONE_UA, login } from '../helpers'

// "Move history to…" (issue 5) between two real Dashi servers: the local one (its database in a file, so
// it can be closed and opened again) holds a website's hits; the remote one is started on a free port and
// reached as a profile, directly or through a small HTTP proxy in front of it that can hold, fail or refuse
// /api/batch requests (a real server in between, as a load balancer or a failing Umami would be).

const SECRET = 'b'.repeat(64)
const REMOTE_PASSWORD = 'remote-password-9'
const CREDENTIALS = { kind: 'password', username: 'admin', password: REMOTE_PASSWORD }
const DAY = 86_400_000
/** Six days ago, 00:00 UTC: the seeded history spans the five days after it. */
const DAY0 = Math.floor((Date.now() - 6 * DAY) / DAY) * DAY
const RANGE = `startAt=${DAY0}&endAt=${DAY0 + 6 * DAY - 1}`
/** More than two pages of 500: a move takes three requests. */
const HITS = 1200

interface Local {
  app: FastifyInstance
  db: Db
  token: string
  close: () => Promise<void>
}

/** The local server over the database file in `dir`; opening it again on the same dir is a restart. */
async function openLocal(dir: string): Promise<Local> {
  const db = openDatabase({ file: join(dir, 'dashi.db') })
  const app = await buildApp({ db, config: { ...resolveConfig([], {}), dataDir: dir }, secret: SECRET })
  await app.ready()
  return {
    app,
    db,
    token: await login(app),
    close: async () => {
      await app.close()
      db.close()
    }
  }
}

/**
 * Forwards everything to the remote server; `/api/batch` can be held until the test releases it, failed
 * once with a 503, or refused with a 400.
 */
class FaultProxy {
  batches = 0
  mode: 'pass' | 'fail-once' | 'refuse' = 'pass'
  url = ''
  private server: Server
  private holds = new Map<number, (release: () => void) => void>()

  constructor(private readonly target: string) {
    this.server = createServer((req, res) => void this.handle(req, res))
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }

  /** Holds the nth /api/batch request from now (1 = the next): resolves, once it arrived, with its release. */
  hold(nth: number): Promise<() => void> {
    return new Promise((resolve) => this.holds.set(this.batches + nth, resolve))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    if (req.method === 'POST' && req.url === '/api/batch') {
      const n = ++this.batches
      if (this.mode === 'refuse') return this.answer(res, 400, { error: { message: 'Invalid request: this proxy takes no batches', code: 'bad-request', status: 400 } })
      if (this.mode === 'fail-once') {
        this.mode = 'pass'
        return this.answer(res, 503, { error: { message: 'Service Unavailable', code: 'service-unavailable', status: 503 } })
      }
      const held = this.holds.get(n)
      if (held) await new Promise<void>((release) => held(release))
    }
    const headers: Record<string, string> = {}
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['host', 'content-length', 'connection', 'transfer-encoding'].includes(key)) headers[key] = value
    }
    const upstream = await fetch(`${this.target}${req.url}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body })
    const out: Record<string, string | string[]> = {}
    upstream.headers.forEach((value, key) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'set-cookie'].includes(key)) out[key] = value
    })
    const cookies = upstream.headers.getSetCookie()
    if (cookies.length > 0) out['set-cookie'] = cookies
    res.writeHead(upstream.status, out)
    res.end(Buffer.from(await upstream.arrayBuffer()))
  }

  private answer(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
}

let localDir: string
let local: Local
let remoteDir: string
let remote: RunningServer
let remoteToken: string
let proxy: FaultProxy
let websiteId: string
/** The remote server reached directly, and through the proxy. */
let directProfile: string
let proxiedProfile: string
let userToken: string

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, token: string | null = local.token) =>
  local.app.inject({ method, url, payload: payload as object, headers: token ? bearer(token) : {} })

async function remoteFetch(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${remote.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...bearer(remoteToken) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  expect(res.status, `${method} ${path}`).toBe(200)
  return res.json()
}

async function remoteWebsite(name: string): Promise<string> {
  return ((await remoteFetch('POST', '/api/websites', { name, domain: 'moved.example' })) as { id: string }).id
}

/** The local website's or a remote website's reading of a path, over the seeded range. */
async function localGet(path: string): Promise<unknown> {
  const res = await call('GET', `/api/websites/${websiteId}${path}${path.includes('?') ? '&' : '?'}${RANGE}`)
  expect(res.statusCode, path).toBe(200)
  return res.json()
}
const remoteGet = (remoteId: string, path: string) => remoteFetch('GET', `/api/websites/${remoteId}${path}${path.includes('?') ? '&' : '?'}${RANGE}`)

/** Pageviews + custom events on a remote website over the seeded range: what a duplicate page would inflate. */
async function remoteHits(remoteId: string): Promise<number> {
  const stats = (await remoteGet(remoteId, '/stats')) as { pageviews: number }
  const events = (await remoteGet(remoteId, '/metrics?type=event')) as { y: number }[]
  return stats.pageviews + events.reduce((sum, row) => sum + row.y, 0)
}

interface Job {
  id: string
  status: string
  total: number
  sent: number
  accepted: number
  rejected: number
  error: string | null
  lastRejection: string | null
  remoteWebsiteName: string | null
  check: { localCount: number; remoteCount: number | null; matches: boolean; startAt: string; endAt: string } | null
}

async function startMove(profileId: string, remoteWebsiteId: string): Promise<Job> {
  const res = await call('POST', '/api/dashi/replays', { websiteId, profileId, remoteWebsiteId })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

const getJob = async (id: string, on: Local = local): Promise<Job> => (await on.app.inject({ method: 'GET', url: `/api/dashi/replays/${id}`, headers: bearer(on.token) })).json()

/** Polls a job until `done` says so (the test's own timeout bounds the wait; nothing here is timed). */
async function waitFor(id: string, done: (job: Job) => boolean, on: Local = local): Promise<Job> {
  for (;;) {
    const job = await getJob(id, on)
    if (done(job)) return job
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
const finished = (job: Job) => job.status === 'done' || job.status === 'failed'

/** Seeds HITS hits over five days: 60 visitors (some identified), pageviews with referrers, titles and UTM, custom events with properties. */
async function seed(): Promise<void> {
  const agents = [CHROME_UA, IPHONE_UA, FIREFOX_LINUX_UA]
  const items = []
  for (let i = 0; i < HITS; i++) {
    const visitor = i % 60
    const at = DAY0 + (1 + (i % 5)) * DAY + (visitor % 20) * 3_600_000 + (i % 7) * 61_000
    const event = i % 9 === 0
    items.push({
      type: 'event',
      payload: {
        website: websiteId,
        hostname: 'shop.example',
        url: `/page-${i % 12}${i % 4 === 0 ? '?utm_source=newsletter' : ''}`,
        referrer: i % 3 === 0 ? 'https://news.example.org/post' : undefined,
        title: `Page ${i % 12}`,
        language: visitor % 2 ? 'en-US' : 'de-DE',
        screen: visitor % 3 ? '1920x1080' : '390x844',
        timestamp: at / 1000,
        userAgent: agents[visitor % 3],
        ip: `203.0.113.${visitor}`,
        ...(visitor % 10 === 0 ? { id: `customer-${visitor}` } : {}),
        ...(event ? { name: 'signup', data: { plan: visitor % 2 ? 'pro' : 'free', seats: visitor, trial: true, profile: { tier: 'gold' } } } : {})
      }
    })
  }
  for (let i = 0; i < items.length; i += 600) {
    const res = await local.app.inject({ method: 'POST', url: '/api/batch', payload: items.slice(i, i + 600) })
    expect(res.json()).toMatchObject({ errors: 0 })
  }
}

beforeAll(async () => {
  remoteDir = mkdtempSync(join(tmpdir(), 'dashi-replay-remote-'))
  remote = await startServer({ ...resolveConfig([], {}), dataDir: remoteDir, port: 0, host: '127.0.0.1' })
  const first = (await (await fetch(`${remote.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'umami' }) })).json()) as { token: string }
  remoteToken = first.token
  await remoteFetch('POST', '/api/me/password', { currentPassword: 'umami', newPassword: REMOTE_PASSWORD })
  proxy = new FaultProxy(remote.url)
  await proxy.start()

  localDir = mkdtempSync(join(tmpdir(), 'dashi-replay-local-'))
  local = await openLocal(localDir)
  const created = await call('POST', '/api/websites', { name: 'Shop', domain: 'shop.example' })
  websiteId = created.json().id
  await seed()
  const user = await call('POST', '/api/users', { username: 'plain', password: 'plain-password-1', role: 'user' })
  expect(user.statusCode).toBe(200)
  userToken = await login(local.app, 'plain', 'plain-password-1')

  for (const [name, baseUrl] of [['Remote', remote.url], ['Remote via proxy', proxy.url]] as const) {
    const res = await call('POST', '/api/dashi/profiles', { name, baseUrl, credentials: CREDENTIALS })
    expect(res.statusCode, res.body).toBe(200)
    if (baseUrl === remote.url) directProfile = res.json().id
    else proxiedProfile = res.json().id
  }
}, 60_000)

afterAll(async () => {
  await local?.close()
  await proxy?.close()
  await remote?.close().catch(() => {})
  rmSync(localDir, { recursive: true, force: true })
  rmSync(remoteDir, { recursive: true, force: true })
})

describe('moving a website’s history to a remote server', () => {
  test('every hit arrives with its original time: the remote website reads as the local one, and the final counts agree', async () => {
    const target = await remoteWebsite('Shop (moved)')
    const job = await startMove(directProfile, target)
    expect(job).toMatchObject({ status: 'running', total: HITS, remoteWebsiteName: 'Shop (moved)' })
    const done = await waitFor(job.id, finished)
    expect(done).toMatchObject({ status: 'done', sent: HITS, accepted: HITS, rejected: 0, error: null })
    expect(done.check).toMatchObject({ localCount: HITS, remoteCount: HITS, matches: true })
    // The range checked is the hits' own, days ago, not the time of the move.
    expect(Date.parse(done.check!.startAt)).toBeGreaterThanOrEqual(DAY0 + DAY)
    expect(Date.parse(done.check!.endAt)).toBeLessThan(DAY0 + 6 * DAY)

    // Same numbers over the original range: stats (visitors, visits, bounces, time), the daily series,
    // and the breakdowns, so times, sessions, pages, referrers, agents and events all came over.
    expect(await remoteGet(target, '/stats')).toEqual(await localGet('/stats'))
    expect(await remoteGet(target, '/pageviews?unit=day&timezone=UTC')).toEqual(await localGet('/pageviews?unit=day&timezone=UTC'))
    for (const type of ['path', 'query', 'referrer', 'title', 'event', 'browser', 'os', 'device', 'language', 'screen', 'hostname']) {
      expect(await remoteGet(target, `/metrics?type=${type}`), type).toEqual(await localGet(`/metrics?type=${type}`))
    }
    // Event properties (numbers, booleans, nested keys) and identified visitors.
    for (const property of ['plan', 'seats', 'trial', 'profile.tier']) {
      expect(await remoteGet(target, `/event-data/values?event=signup&propertyName=${property}`), property).toEqual(
        await localGet(`/event-data/values?event=signup&propertyName=${property}`)
      )
    }
    expect(await remoteGet(target, '/sessions/stats')).toEqual(await localGet('/sessions/stats'))
    const identified = (await remoteGet(target, '/sessions?search=customer-&pageSize=100')) as { data: { id: string }[] }
    const distinctIds = await Promise.all(identified.data.map(async (s) => ((await remoteFetch('GET', `/api/websites/${target}/sessions/${s.id}`)) as { distinctId: string }).distinctId))
    expect(distinctIds.sort()).toEqual(['customer-0', 'customer-10', 'customer-20', 'customer-30', 'customer-40', 'customer-50'])

    const list = (await call('GET', `/api/dashi/replays?websiteId=${websiteId}`)).json()
    expect(list.data.map((j: Job) => j.id)).toContain(job.id)
  }, 120_000)

  test('paused mid-way, then the server restarted: the move goes on from where it was and sends no hit twice', async () => {
    const target = await remoteWebsite('Shop (paused)')
    // The first page passes; the second is held at the proxy while the move is paused.
    const secondPage = proxy.hold(2)
    const job = await startMove(proxiedProfile, target)
    const release = await secondPage
    const paused = await call('POST', `/api/dashi/replays/${job.id}/pause`)
    expect(paused.json()).toMatchObject({ status: 'paused' })
    release()
    // The page that was in flight is recorded when its answer comes; nothing after it is sent.
    const stopped = await waitFor(job.id, (j) => j.sent === 1000)
    expect(stopped).toMatchObject({ status: 'paused', accepted: 1000 })
    const batchesWhilePaused = proxy.batches
    expect(await remoteHits(target)).toBe(1000)

    // Restart: the paused move is still paused, with its progress.
    await local.close()
    local = await openLocal(localDir)
    expect(await getJob(job.id)).toMatchObject({ status: 'paused', sent: 1000 })
    expect(proxy.batches).toBe(batchesWhilePaused)

    const resumed = await call('POST', `/api/dashi/replays/${job.id}/resume`)
    expect(resumed.statusCode).toBe(200)
    const done = await waitFor(job.id, finished)
    expect(done).toMatchObject({ status: 'done', sent: HITS, accepted: HITS })
    expect(done.check).toMatchObject({ localCount: HITS, remoteCount: HITS, matches: true })
    expect(await remoteHits(target)).toBe(HITS)
    expect(proxy.batches).toBe(batchesWhilePaused + 1)
  }, 120_000)

  test('a server closed during a move continues it by itself when it starts again', async () => {
    const target = await remoteWebsite('Shop (restarted)')
    const secondPage = proxy.hold(2)
    const job = await startMove(proxiedProfile, target)
    const release = await secondPage
    // Closing waits for the page in flight (its answer is recorded); the move stays "running".
    const closing = local.close()
    release()
    await closing
    const db = openDatabase({ file: join(localDir, 'dashi.db') })
    const row = db.prepare('SELECT status, sent FROM replay WHERE replay_uuid = ?').get(job.id)
    db.close()
    expect(row).toEqual({ status: 'running', sent: 1000 })
    expect(await remoteHits(target)).toBe(1000)

    local = await openLocal(localDir)
    const done = await waitFor(job.id, finished)
    expect(done).toMatchObject({ status: 'done', sent: HITS, accepted: HITS })
    expect(done.check).toMatchObject({ localCount: HITS, remoteCount: HITS, matches: true })
    expect(await remoteHits(target)).toBe(HITS)
  }, 120_000)

  test('a 503 from the remote server is retried; the move completes without duplicates', async () => {
    const target = await remoteWebsite('Shop (flaky)')
    proxy.mode = 'fail-once'
    const before = proxy.batches
    const job = await startMove(proxiedProfile, target)
    const done = await waitFor(job.id, finished)
    expect(done).toMatchObject({ status: 'done', sent: HITS, accepted: HITS })
    expect(done.check).toMatchObject({ remoteCount: HITS, matches: true })
    expect(proxy.batches - before).toBe(4)
  }, 120_000)

  test('a 4xx from the remote server stops the move with its words; resumed once fixed, it completes', async () => {
    const target = await remoteWebsite('Shop (refused)')
    proxy.mode = 'refuse'
    const job = await startMove(proxiedProfile, target)
    const failed = await waitFor(job.id, finished)
    expect(failed).toMatchObject({ status: 'failed', sent: 0, accepted: 0 })
    expect(failed.error).toMatch(/refused the hits \(400\): Invalid request: this proxy takes no batches/)
    expect(await remoteHits(target)).toBe(0)

    proxy.mode = 'pass'
    await call('POST', `/api/dashi/replays/${job.id}/resume`)
    const done = await waitFor(job.id, finished)
    expect(done).toMatchObject({ status: 'done', accepted: HITS, error: null, check: { matches: true } })
  }, 120_000)

  test('a remote website deleted during the move: every hit of the page is refused and the move stops saying why', async () => {
    const target = await remoteWebsite('Shop (deleted)')
    const firstPage = proxy.hold(1)
    const job = await startMove(proxiedProfile, target)
    const release = await firstPage
    await remoteFetch('DELETE', `/api/websites/${target}`)
    release()
    const failed = await waitFor(job.id, finished)
    expect(failed).toMatchObject({ status: 'failed', sent: 0 })
    expect(failed.error).toMatch(/refused every hit of a page: Website not found/)
  }, 120_000)
})

describe('starting a move: checks before anything is sent', () => {
  test('only admins: anonymous 401, a plain user 403', async () => {
    expect((await call('GET', '/api/dashi/replays', undefined, null)).statusCode).toBe(401)
    const denied = await call('GET', '/api/dashi/replays', undefined, userToken)
    expect(denied.statusCode).toBe(403)
    expect(denied.json().error.message).toMatch(/Only admins/)
    const create = await call('POST', '/api/dashi/replays', { websiteId, profileId: directProfile, remoteWebsiteId: randomUUID() }, userToken)
    expect(create.statusCode).toBe(403)
  })

  test('bad input is a 400 naming the field; unknown website, profile or remote website a 404 in words', async () => {
    for (const [body, field] of [
      [{}, 'websiteId'],
      [{ websiteId, profileId: 'x' }, 'profileId'],
      [{ websiteId, profileId: directProfile, remoteWebsiteId: 42 }, 'remoteWebsiteId']
    ] as const) {
      const res = await call('POST', '/api/dashi/replays', body)
      expect(res.statusCode).toBe(400)
      expect(res.json().error.message).toContain(field)
    }
    const unknownSite = await call('POST', '/api/dashi/replays', { websiteId: randomUUID(), profileId: directProfile, remoteWebsiteId: randomUUID() })
    expect(unknownSite.json().error).toMatchObject({ status: 404, message: 'Website not found' })
    const unknownRemote = await call('POST', '/api/dashi/replays', { websiteId, profileId: directProfile, remoteWebsiteId: randomUUID() })
    expect(unknownRemote.statusCode, unknownRemote.body).toBe(404)
    expect(unknownRemote.json().error.message).toMatch(/has no website .* that this profile's account can see/)
    expect((await call('GET', `/api/dashi/replays/${randomUUID()}`)).statusCode).toBe(404)
  })

  test('a server too old to keep original times is refused before anything is sent', async () => {
    const detection = {
      ok: true as const,
      family: 'v2' as const,
      server: 'umami' as const,
      version: '2.12.1',
      versionRange: '2.12.1',
      dialect: v2Dialect([2, 12, 1]),
      baseUrl: remote.url,
      auth: { kind: 'bearer' as const, token: 'old-token' },
      summary: 'Umami v2.12.1'
    }
    const old = createProfile(local.db, profileInput(local.app.ctx.sealer, 'Old Umami', detection, { kind: 'password', username: 'admin', password: 'x' }, Date.now()))
    const res = await call('POST', '/api/dashi/replays', { websiteId, profileId: old.profile_uuid, remoteWebsiteId: randomUUID() })
    expect(res.statusCode).toBe(422)
    expect(res.json().error).toMatchObject({ code: 'unsupported-version', message: expect.stringMatching(/came in Umami v2\.17/) })
  })

  test('a second move of the same website to the same remote website while one is paused is refused', async () => {
    const target = await remoteWebsite('Shop (once)')
    const firstPage = proxy.hold(1)
    const job = await startMove(proxiedProfile, target)
    const release = await firstPage
    await call('POST', `/api/dashi/replays/${job.id}/pause`)
    const again = await call('POST', '/api/dashi/replays', { websiteId, profileId: proxiedProfile, remoteWebsiteId: target })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.message).toMatch(/resume that move/)
    release()
    await waitFor(job.id, (j) => j.sent === 500)
    const deleted = await call('DELETE', `/api/dashi/replays/${job.id}`)
    expect(deleted.json()).toEqual({ ok: true })
    expect((await call('GET', `/api/dashi/replays/${job.id}`)).statusCode).toBe(404)
  }, 60_000)
})

test('the stand-in user agents read back as the stored browser and OS, and none looks like a bot', () => {
  const cases: [string, string, string][] = [
    ['chrome', 'Windows 10', 'desktop'],
    ['chrome', 'Mac OS', 'laptop'],
    ['chrome', 'Linux', 'desktop'],
    ['chrome', 'Android OS', 'mobile'],
    ['chrome', 'Chrome OS', 'laptop'],
    ['firefox', 'Windows 7', 'desktop'],
    ['firefox', 'Mac OS', 'laptop'],
    ['firefox', 'Linux', 'desktop'],
    ['firefox', 'Android OS', 'mobile'],
    ['safari', 'Mac OS', 'laptop'],
    ['ios', 'iOS', 'mobile'],
    ['ios', 'iOS', 'tablet'],
    ['crios', 'iOS', 'mobile'],
    ['fxios', 'iOS', 'mobile'],
    ['edge-ios', 'iOS', 'mobile'],
    ['edge-chromium', 'Windows 10', 'desktop'],
    ['edge-chromium', 'Android OS', 'mobile'],
    ['opera', 'Windows 10', 'desktop'],
    ['yandexbrowser', 'Windows 10', 'desktop'],
    ['samsung', 'Android OS', 'mobile'],
    ['chromium-webview', 'Android OS', 'mobile'],
    ['ie', 'Windows 7', 'desktop']
  ]
  for (const [browser, os, device] of cases) {
    const ua = representativeUserAgent(browser, os, device)
    const parsed = parseUserAgent(ua)
    expect({ browser: parsed.browser, os: parsed.os }, ua).toEqual({ browser, os })
    expect(isBotAgent(ua, resolveConfig([], {})), ua).toBe(false)
  }
})
