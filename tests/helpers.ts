import { afterAll, beforeAll, expect } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/server/app'
import { resolveConfig, type ServerConfig } from '../src/server/config'
import { openDatabase, type Db } from '../src/server/db/open'

/** A controllable clock: tests place hits at exact instants. */
export class TestClock {
  constructor(public t: number = Date.UTC(2026, 0, 15, 12, 0, 0)) {}
  now = () => this.t
  set(t: number | string) {
    this.t = typeof t === 'string' ? Date.parse(t) : t
  }
  advance(ms: number) {
    this.t += ms
  }
}

export interface TestServer {
  app: FastifyInstance
  db: Db
  clock: TestClock
  dir: string
  config: ServerConfig
  close: () => Promise<void>
}

/** The real app over a real SQLite file in a fresh temporary directory. */
export async function createTestServer(overrides: Partial<ServerConfig> = {}, clock = new TestClock()): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'dashi-test-'))
  const config = { ...resolveConfig([], {}), dataDir: dir, ...overrides }
  const db = openDatabase({ file: join(dir, 'dashi.db') })
  const app = await buildApp({ db, config, secret: 'a'.repeat(64), now: clock.now })
  await app.ready()
  return {
    app,
    db,
    clock,
    dir,
    config,
    close: async () => {
      await app.close()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
export const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
export const FIREFOX_LINUX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'

/** Logs in over the API and returns the token. */
export async function login(app: FastifyInstance, username = 'admin', password = 'umami'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`)
  return res.json().token
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Creates a website through the v1 API and returns its row. */
export async function createWebsiteV1(
  app: FastifyInstance,
  token: string,
  body: Record<string, unknown> = { name: 'Example', domain: 'example.com' }
): Promise<{ website_id: number; website_uuid: string; share_id: string | null; user_id: number }> {
  const res = await app.inject({ method: 'POST', url: '/api/website', headers: bearer(token), payload: body })
  if (res.statusCode !== 200) throw new Error(`create website failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

export interface V1HitOptions {
  type?: 'pageview' | 'event'
  url?: string
  referrer?: string
  eventName?: string
  eventData?: unknown
  ua?: string
  ip?: string
  screen?: string
  language?: string
  hostname?: string
  cache?: string
}

/**
 * Sends one hit to /api/collect as a browser would, from a given client address (the socket peer is
 * faked by inject's remoteAddress) and user agent.
 */
export async function collectV1(app: FastifyInstance, websiteUuid: string, opts: V1HitOptions = {}) {
  const type = opts.type ?? (opts.eventName ? 'event' : 'pageview')
  const payload: Record<string, unknown> = {
    website: websiteUuid,
    url: opts.url ?? '/',
    hostname: opts.hostname ?? 'example.com',
    screen: opts.screen ?? '1920x1080',
    language: opts.language ?? 'en-US'
  }
  if (type === 'pageview') payload.referrer = opts.referrer ?? ''
  if (opts.eventName !== undefined) payload.event_name = opts.eventName
  if (opts.eventData !== undefined) payload.event_data = opts.eventData
  const headers: Record<string, string> = { 'user-agent': opts.ua ?? CHROME_UA }
  if (opts.cache) headers['x-umami-cache'] = opts.cache
  return app.inject({
    method: 'POST',
    url: '/api/collect',
    headers,
    payload: { type, payload },
    remoteAddress: opts.ip ?? '203.0.113.10'
  })
}

/** A v1 error: the status, a plain-text body, never JSON (and the exact text when given). */
export function expectPlainError(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, text?: string) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toMatch(/^text\/plain/)
  expect(() => JSON.parse(res.body)).toThrow()
  if (text !== undefined) expect(res.body).toBe(text)
}

/** Creates a (non-admin) account through the v1 API as the admin and logs it in. */
export async function createUserV1(app: FastifyInstance, adminToken: string, username: string, password: string) {
  const res = await app.inject({ method: 'POST', url: '/api/account', headers: bearer(adminToken), payload: { username, password } })
  if (res.statusCode !== 200) throw new Error(`create failed: ${res.statusCode} ${res.body}`)
  return { user_id: res.json().user_id as number, token: await login(app, username, password) }
}

/**
 * One server for a whole test file, logged in as admin with a token that never expires: registers the
 * beforeAll/afterAll that start and close it. Read `server` and `token` inside tests (they exist from beforeAll on).
 */
export function serverForFile(overrides: Partial<ServerConfig> = {}): { readonly server: TestServer; readonly token: string } {
  let server: TestServer | undefined
  let token: string | undefined
  beforeAll(async () => {
    server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000, ...overrides })
    token = await login(server.app)
  })
  afterAll(async () => {
    await server?.close()
  })
  return {
    get server() {
      if (!server) throw new Error('serverForFile: the server starts in beforeAll')
      return server
    },
    get token() {
      if (token === undefined) throw new Error('serverForFile: the login happens in beforeAll')
      return token
    }
  }
}
