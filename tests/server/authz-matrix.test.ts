import { randomUUID } from 'node:crypto'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse, RouteOptions } from 'fastify'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ROLE, type Role } from '../../src/shared/constants'
import { hashPassword } from '../../src/server/auth'
import { createAccount } from '../../src/server/queries/accounts'
import { createReport } from '../../src/server/queries/current-reports'
import { createProfile, getProfileByUuid } from '../../src/server/queries/profiles'
import { createReplay } from '../../src/server/replay/jobs'
import { profileInput } from '../../src/server/routes/profiles'
import { v3Dialect } from '../../src/shared/api/adapters'
import { createWebsite } from '../../src/server/queries/websites'
import { deriveKey } from '../../src/server/secret'
import { buildHit } from '../current-helpers'
import { bearer, CHROME_UA, createTestServer, login, type TestServer } from '../helpers'

/*
 * Issue 7, item 3: the authorization matrix. Every route the app registers (found through Fastify's own
 * route registration, so a route added without an expectation here fails this test) is called by every
 * principal, and the status must be the one in the table below. Around that:
 *  - 0 leaks: a website's data carries a marker (LEAKMARK<n>X) in its name, domain, paths, titles, event
 *    names, properties, distinct id, saved report and owner's name. A response to a principal without
 *    rights to a website never holds its marker; a denied response holds no marker at all.
 *  - a denied write or delete changes nothing: the website, its owner, its reports, its data and the
 *    global counts are read from the database before and after, and must be equal.
 *  - no response of the whole matrix holds a bcrypt hash, the install secret, a key derived from it or
 *    the users' password.
 *
 * Principals: anonymous; `other` (a user owning another website, W2); `share` (only the share token of W,
 * from GET /api/share/{shareId}, which serves both dialects); `viewer` (a user with the view-only role and
 * no relation to W); `viewOnlyOwner` (W was given to a view-only user: reads, never writes); `owner` (a
 * plain user owning W); `admin`. Dashi has no teams, so a view-only user can only ever see websites it
 * holds itself; both readings of "view-only user" are in the matrix.
 */

const PRINCIPALS = ['anonymous', 'other', 'share', 'viewer', 'viewOnlyOwner', 'owner', 'admin'] as const
type Principal = (typeof PRINCIPALS)[number]
type Expectation = Record<Principal, number>
type Kind = 'read' | 'write' | 'delete'

const PASSWORD = 'matrix-password-1'
const SECRET = 'a'.repeat(64)

/** Expected statuses in the order of PRINCIPALS. */
const E = (anonymous: number, other: number, share: number, viewer: number, viewOnlyOwner: number, owner: number, admin: number): Expectation => ({
  anonymous,
  other,
  share,
  viewer,
  viewOnlyOwner,
  owner,
  admin
})
const PUBLIC = E(200, 200, 200, 200, 200, 200, 200)
const LOGGED_IN = E(401, 200, 401, 200, 200, 200, 200)
const ADMIN_ONLY = E(401, 401, 401, 401, 401, 401, 200)
/** Reading W's numbers: owner, admin, a share token for W (a view-only holder too). */
const WEBSITE_READ = E(401, 401, 200, 401, 200, 200, 200)
/** Changing W: owner or admin by login; the view-only holder gets 403; share tokens never. */
const WEBSITE_MANAGE = E(401, 401, 401, 401, 403, 200, 200)
/** Routes about W's owner as a user (the owner itself, or an admin). */
const SELF_OR_ADMIN = E(401, 401, 401, 401, 200, 200, 200)
/** Saved reports: login only, never a share token. */
const REPORT_READ = E(401, 401, 401, 401, 200, 200, 200)
const REPORT_CHANGE = E(401, 401, 401, 401, 403, 200, 200)
/** Creating a website: any login but view-only users. */
const WEBSITE_CREATE = E(401, 200, 401, 403, 403, 200, 200)
/** A CORS preflight is answered by the CORS plugin for anyone, before any route (and any credential) is looked at. */
const PREFLIGHT = E(204, 204, 204, 204, 204, 204, 204)

/**
 * A call to a route registered for every method: OPTIONS as a browser's CORS preflight, QUERY (which
 * Fastify only takes with a body) with an empty JSON body.
 */
function anyMethod(url: string) {
  return ({ method }: CallContext): Call => {
    if (method === 'OPTIONS') return { url, headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' } }
    if (method === 'QUERY') return { url, payload: {} }
    return { url }
  }
}

/** A website W with its owner, data and tokens: the object of every check. */
interface Target {
  n: number
  mark: string
  ownerId: number
  ownerUuid: string
  ownerToken: string
  websiteId: number
  websiteUuid: string
  shareId: string
  shareToken: string
  reportUuid: string
  sessionUuid: string
  eventId: number
}

interface Call {
  url: string
  payload?: unknown
  headers?: Record<string, string>
}

interface CallContext {
  t: Target
  p: Principal
  method: string
  /** The credentials the principal sends (none, a share token, or a login by Bearer or cookie). */
  credentials: Pick<InjectOptions, 'headers' | 'cookies'>
}

interface Case {
  /** `METHOD url` exactly as registered, or `ALL url` for a route registered for every method. */
  route: string
  variant?: string
  kind: Kind
  expect: Expectation
  /** For a route of every method: the methods that answer otherwise. */
  expectByMethod?: Partial<Record<string, Expectation>>
  call: (c: CallContext) => Call | Promise<Call>
  /** An allowed call must change W's state (so the snapshot comparison is known to see changes). */
  changes?: boolean
  /** Extra checks on the database after the call. */
  after?: (c: CallContext, res: LightMyRequestResponse) => string | null
}

let server: TestServer
let app: FastifyInstance
const routes: RouteOptions[] = []
let passwordHash: string
const logins: Record<'admin' | 'other' | 'viewer', { id: number; uuid: string; token: string }> = {
  admin: { id: 0, uuid: '', token: '' },
  other: { id: 0, uuid: '', token: '' },
  viewer: { id: 0, uuid: '', token: '' }
}
/** Shared targets for reads (they change nothing): W owned by a plain user, and W held by a view-only user. */
let readTargets: Record<'user' | 'viewOnly', Target>
let targetCount = 0

function observe({ fastify }: { fastify: FastifyInstance }) {
  fastify.addHook('onRoute', (route) => {
    routes.push(route)
  })
}

const now = () => server.clock.now()
const range = () => `startAt=${now() - 86_400_000}&endAt=${now()}`
const isoRange = () => ({ startDate: new Date(now() - 86_400_000).toISOString(), endDate: new Date(now()).toISOString() })

async function makeTarget(role: Role): Promise<Target> {
  const { db } = app.ctx
  const n = ++targetCount
  const mark = `LEAKMARK${n}X`
  const owner = createAccount(db, { username: `owner-${mark}`, passwordHash, role, now: now() })
  const website = createWebsite(db, { userId: owner.user_id, name: `Site ${mark}`, domain: `${mark.toLowerCase()}.example`, shareId: `share-${n}`, now: now() })
  const at = now() - 10 * 60_000
  const common = { websiteId: website.website_id, at, hostname: `${mark.toLowerCase()}.example`, distinctId: `id-${mark}` }
  await Promise.all(
    [
      buildHit({ ...common, path: `/page-${mark}`, title: `Title ${mark}`, referrer: `https://ref-${mark.toLowerCase()}.example/`, query: `utm_source=${mark}` }),
      buildHit({ ...common, at: at + 1000, path: `/page-${mark}`, eventName: `event-${mark}`, data: { plan: `value-${mark}`, [`key${mark}`]: 1 } })
    ].map((hit) => app.ctx.writer.write(hit))
  )
  const identify = await app.inject({
    method: 'POST',
    url: '/api/send',
    headers: { 'user-agent': CHROME_UA },
    payload: { type: 'identify', payload: { website: website.website_uuid, id: `id-${mark}`, data: { tier: `tier-${mark}` } } }
  })
  if (identify.statusCode !== 200) throw new Error(`identify failed: ${identify.body}`)
  const report = createReport(db, {
    userId: owner.user_id,
    websiteId: website.website_id,
    type: 'goal',
    name: `Report ${mark}`,
    description: `About ${mark}`,
    parameters: JSON.stringify({ type: 'path', value: `/page-${mark}` }),
    now: now()
  })
  const share = await app.inject({ method: 'GET', url: `/api/share/share-${n}` })
  if (share.statusCode !== 200) throw new Error(`share failed: ${share.body}`)
  const row = (sql: string) => db.prepare(sql).get(website.website_id) as Record<string, string | number>
  return {
    n,
    mark,
    ownerId: owner.user_id,
    ownerUuid: owner.user_uuid,
    ownerToken: app.ctx.auth.issueLoginToken(owner.user_id),
    websiteId: website.website_id,
    websiteUuid: website.website_uuid,
    shareId: website.share_id!,
    shareToken: share.json().token,
    reportUuid: report.report_uuid,
    sessionUuid: String(row('SELECT session_uuid FROM session WHERE website_id = ? ORDER BY session_id LIMIT 1').session_uuid),
    eventId: Number(row('SELECT event_id FROM website_event WHERE website_id = ? AND event_type = 2 LIMIT 1').event_id)
  }
}

/** A login token that still works (a case may have logged the principal out or changed its password). */
function liveToken(who: 'admin' | 'other' | 'viewer'): string {
  const entry = logins[who]
  const user = app.ctx.auth.userForToken(entry.token)
  if (!user || user.userId !== entry.id) entry.token = app.ctx.auth.issueLoginToken(entry.id)
  return entry.token
}

function credentials(p: Principal, t: Target, byCookie: boolean): CallContext['credentials'] {
  if (p === 'anonymous') return {}
  if (p === 'share') return { headers: { 'x-umami-share-token': t.shareToken } }
  const token = p === 'owner' || p === 'viewOnlyOwner' ? t.ownerToken : liveToken(p)
  return byCookie ? { cookies: { 'umami.auth': token } } : { headers: bearer(token) }
}

/** Everything a denied write must leave alone. */
function snapshot(t: Target): string {
  const { db } = app.ctx
  const all = (sql: string, ...args: unknown[]) => db.prepare(sql).all(...args)
  return JSON.stringify({
    website: all('SELECT * FROM website WHERE website_id = ?', t.websiteId),
    owner: all('SELECT * FROM account WHERE user_id = ?', t.ownerId),
    reports: all('SELECT * FROM report WHERE website_id = ? ORDER BY report_id', t.websiteId),
    events: all('SELECT count(*) AS n, max(event_id) AS last FROM website_event WHERE website_id = ?', t.websiteId),
    sessions: all('SELECT count(*) AS n FROM session WHERE website_id = ?', t.websiteId),
    data: all('SELECT count(*) AS n FROM event_data WHERE website_id = ?', t.websiteId),
    sessionData: all('SELECT count(*) AS n FROM session_data WHERE website_id = ?', t.websiteId),
    counts: all('SELECT (SELECT count(*) FROM account) AS accounts, (SELECT count(*) FROM website) AS websites, (SELECT count(*) FROM report) AS reports')
  })
}

const roleOf = (userId: number) => (app.ctx.db.prepare('SELECT role FROM account WHERE user_id = ?').get(userId) as { role: string } | undefined)?.role

// --- the expected table ---

const ws = (t: Target, rest = '') => `/api/websites/${t.websiteUuid}${rest}`
const v1 = (t: Target, rest = '') => `/api/website/${t.websiteId}${rest}`
const get = (route: string, expect: Expectation, url: (t: Target) => string, extra: Partial<Case> = {}): Case => ({
  route: `GET ${route}`,
  kind: 'read',
  expect,
  call: ({ t }) => ({ url: url(t) }),
  ...extra
})
const websiteGet = (path: string, query = '') =>
  get(`/api/websites/:websiteId${path}`, WEBSITE_READ, (t) => `${ws(t, path)}?${range()}${query}`)
const v1Get = (path: string, query = '') =>
  get(`/api/website/:id${path}`, WEBSITE_READ, (t) => `${v1(t, path)}?start_at=${now() - 86_400_000}&end_at=${now()}${query}`)
const runReport = (type: string, parameters: Record<string, unknown>): Case => ({
  route: `POST /api/reports/${type}`,
  kind: 'read',
  expect: WEBSITE_READ,
  call: ({ t }) => ({ url: `/api/reports/${type}`, payload: { websiteId: t.websiteUuid, type, parameters: { ...isoRange(), ...parameters } } })
})

/** Remote profiles: admins only; 403 for any other login and for a share link, as the hit inspector. */
const PROFILES = E(401, 403, 403, 403, 403, 403, 200)
const REMOTE_CREDENTIALS = { kind: 'password', username: 'remote-admin', password: 'remote-password' }

/** A fresh profile per call (a DELETE must not take the next case's), stored as a detected Dashi server at a closed port. */
function remoteProfile(): string {
  const detection = {
    ok: true as const,
    family: 'v3' as const,
    server: 'dashi' as const,
    version: '0.1.0',
    versionRange: '0.1.0',
    dialect: v3Dialect(),
    baseUrl: 'http://127.0.0.1:1',
    auth: { kind: 'bearer' as const, token: 'remote-token' },
    summary: 'Dashi 0.1.0 (speaks Umami v3).'
  }
  return createProfile(app.ctx.db, profileInput(app.ctx.sealer, 'Remote', detection, { kind: 'password', username: 'remote-admin', password: 'remote-password' }, now())).profile_uuid
}

/** A move of W to a website of a fresh profile, stored as a job (no request goes out until it is resumed). */
function replayJob(t: Target, status: 'running' | 'paused'): string {
  const profile = getProfileByUuid(app.ctx.db, remoteProfile())!
  return createReplay(app.ctx.db, { websiteId: t.websiteId, profileId: profile.profile_id, remoteWebsiteId: randomUUID(), remoteWebsiteName: null, status, now: now() }).replay_uuid
}

async function realtimeToken(creds: CallContext['credentials']): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/api/realtime/init', ...creds })
  if (res.statusCode !== 200) throw new Error(`realtime init failed: ${res.statusCode}`)
  return res.json().token
}

const CASES: Case[] = [
  // --- public: health, config, scripts, share links, collection ---
  { route: 'ALL /api/heartbeat', kind: 'read', expect: PUBLIC, expectByMethod: { OPTIONS: PREFLIGHT }, call: anyMethod('/api/heartbeat') },
  get('/api/config', PUBLIC, () => '/api/config'),
  get('/api/scripts/telemetry', PUBLIC, () => '/api/scripts/telemetry'),
  get('/telemetry.js', PUBLIC, () => '/telemetry.js'),
  get('/umami.js', PUBLIC, () => '/umami.js'),
  get('/script.js', PUBLIC, () => '/script.js'),
  get('/api/share/:shareId', PUBLIC, (t) => `/api/share/${t.shareId}`),
  {
    route: 'OPTIONS *',
    kind: 'read',
    expect: E(204, 204, 204, 204, 204, 204, 204),
    call: ({ t }) => ({ url: ws(t), headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'DELETE' } })
  },
  {
    route: 'POST /api/collect',
    kind: 'write',
    expect: PUBLIC,
    changes: true,
    call: ({ t }) => ({
      url: '/api/collect',
      headers: { 'user-agent': CHROME_UA },
      payload: { type: 'pageview', payload: { website: t.websiteUuid, url: '/new', hostname: 'x.example', screen: '1920x1080', language: 'en' } }
    })
  },
  {
    route: 'POST /api/send',
    kind: 'write',
    expect: PUBLIC,
    changes: true,
    call: ({ t }) => ({ url: '/api/send', headers: { 'user-agent': CHROME_UA }, payload: { type: 'event', payload: { website: t.websiteUuid, url: '/new' } } })
  },
  {
    route: 'POST /api/batch',
    kind: 'write',
    expect: PUBLIC,
    changes: true,
    call: ({ t }) => ({ url: '/api/batch', headers: { 'user-agent': CHROME_UA }, payload: [{ type: 'event', payload: { website: t.websiteUuid, url: '/new' } }] })
  },

  // --- login, verify, logout ---
  {
    route: 'POST /api/auth/login',
    kind: 'write',
    expect: PUBLIC,
    // A login of its own account (not W's owner): the user object it returns is no leak.
    call: () => ({ url: '/api/auth/login', payload: { username: 'matrix-login', password: PASSWORD } })
  },
  { route: 'ALL /api/auth/verify', kind: 'read', expect: LOGGED_IN, expectByMethod: { OPTIONS: PREFLIGHT }, call: anyMethod('/api/auth/verify') },
  { route: 'POST /api/auth/logout', kind: 'write', expect: PUBLIC, call: () => ({ url: '/api/auth/logout' }) },

  // --- the caller ---
  get('/api/me', LOGGED_IN, () => '/api/me'),
  get('/api/me/websites', LOGGED_IN, () => '/api/me/websites'),
  get('/api/me/teams', LOGGED_IN, () => '/api/me/teams'),
  {
    route: 'POST /api/me/password',
    kind: 'write',
    expect: LOGGED_IN,
    call: () => ({ url: '/api/me/password', payload: { currentPassword: PASSWORD, newPassword: PASSWORD } })
  },

  // --- users (current) and accounts (v1) ---
  {
    route: 'POST /api/users',
    kind: 'write',
    expect: ADMIN_ONLY,
    call: ({ t, p }) => ({ url: '/api/users', payload: { username: `new-${t.n}-${p}`, password: PASSWORD, role: 'admin' } })
  },
  get('/api/users/:userId', SELF_OR_ADMIN, (t) => `/api/users/${t.ownerUuid}`),
  get('/api/users/:userId/websites', SELF_OR_ADMIN, (t) => `/api/users/${t.ownerUuid}/websites`),
  get('/api/users/:userId/teams', SELF_OR_ADMIN, (t) => `/api/users/${t.ownerUuid}/teams`),
  {
    route: 'POST /api/users/:userId',
    kind: 'write',
    expect: SELF_OR_ADMIN,
    changes: true,
    call: ({ t }) => ({ url: `/api/users/${t.ownerUuid}`, payload: { password: PASSWORD } })
  },
  {
    route: 'POST /api/users/:userId',
    variant: 'raise own role to admin',
    kind: 'write',
    expect: ADMIN_ONLY,
    changes: true,
    call: ({ t }) => ({ url: `/api/users/${t.ownerUuid}`, payload: { role: 'admin' } })
  },
  {
    route: 'DELETE /api/users/:userId',
    kind: 'delete',
    expect: ADMIN_ONLY,
    changes: true,
    call: ({ t }) => ({ url: `/api/users/${t.ownerUuid}` })
  },
  get('/api/admin/users', ADMIN_ONLY, () => '/api/admin/users'),
  get('/api/admin/websites', ADMIN_ONLY, () => '/api/admin/websites'),
  get('/api/accounts', ADMIN_ONLY, () => '/api/accounts'),
  get('/api/account/:id', ADMIN_ONLY, (t) => `/api/account/${t.ownerId}`),
  {
    route: 'POST /api/account',
    variant: 'create',
    kind: 'write',
    expect: ADMIN_ONLY,
    changes: true,
    call: ({ t, p }) => ({ url: '/api/account', payload: { username: `v1-${t.n}-${p}`, password: PASSWORD, is_admin: true } })
  },
  {
    route: 'POST /api/account',
    variant: 'update W\'s owner',
    kind: 'write',
    expect: SELF_OR_ADMIN,
    changes: true,
    call: ({ t }) => ({ url: '/api/account', payload: { user_id: t.ownerId, password: PASSWORD } })
  },
  {
    route: 'POST /api/account',
    variant: 'raise own role (is_admin)',
    kind: 'write',
    expect: SELF_OR_ADMIN,
    call: ({ t }) => ({ url: '/api/account', payload: { user_id: t.ownerId, is_admin: true } }),
    // v1 drops the field from a non-admin (as Umami); what matters is that nobody raised itself.
    after: ({ t, p }) => (p !== 'admin' && roleOf(t.ownerId) === ROLE.admin ? `${p} made W's owner an admin` : null)
  },
  {
    route: 'POST /api/account/password',
    kind: 'write',
    expect: SELF_OR_ADMIN,
    changes: true,
    call: ({ t }) => ({ url: '/api/account/password', payload: { user_id: t.ownerId, current_password: PASSWORD, new_password: PASSWORD } })
  },
  { route: 'DELETE /api/account/:id', kind: 'delete', expect: ADMIN_ONLY, changes: true, call: ({ t }) => ({ url: `/api/account/${t.ownerId}` }) },

  // --- websites (current) ---
  get('/api/websites', LOGGED_IN, () => '/api/websites'),
  get('/api/websites', LOGGED_IN, () => '/api/websites?include_all=true', { variant: 'v1 include_all' }),
  get('/api/websites', SELF_OR_ADMIN, (t) => `/api/websites?user_id=${t.ownerId}`, { variant: 'v1 user_id of W\'s owner' }),
  {
    route: 'POST /api/websites',
    kind: 'write',
    expect: WEBSITE_CREATE,
    changes: true,
    call: ({ t, p }) => ({ url: '/api/websites', payload: { name: `New ${p}`, domain: `new-${t.n}.example` } })
  },
  get('/api/websites/:websiteId', WEBSITE_READ, (t) => ws(t)),
  {
    route: 'POST /api/websites/:websiteId',
    kind: 'write',
    expect: WEBSITE_MANAGE,
    changes: true,
    call: ({ t }) => ({ url: ws(t), payload: { name: `Renamed ${t.mark}`, shareId: null } })
  },
  { route: 'DELETE /api/websites/:websiteId', kind: 'delete', expect: WEBSITE_MANAGE, changes: true, call: ({ t }) => ({ url: ws(t) }) },
  { route: 'POST /api/websites/:websiteId/reset', kind: 'delete', expect: WEBSITE_MANAGE, changes: true, call: ({ t }) => ({ url: ws(t, '/reset') }) },
  {
    route: 'POST /api/websites/:websiteId/transfer',
    kind: 'write',
    expect: WEBSITE_MANAGE,
    changes: true,
    // To the admin: a website given to `other` would show up in its lists and read as a leak.
    call: ({ t }) => ({ url: ws(t, '/transfer'), payload: { userId: logins.admin.uuid } })
  },

  // --- website analytics (current) ---
  websiteGet('/stats', '&compare=prev'),
  websiteGet('/pageviews', '&unit=hour&timezone=UTC'),
  websiteGet('/metrics', '&type=path'),
  websiteGet('/metrics/expanded', '&type=path'),
  websiteGet('/events'),
  websiteGet('/events/series', '&unit=hour&timezone=UTC'),
  websiteGet('/events/stats'),
  websiteGet('/active'),
  websiteGet('/daterange'),
  websiteGet('/values', '&type=path'),
  get('/api/realtime/:websiteId', WEBSITE_READ, (t) => `/api/realtime/${t.websiteUuid}`),

  // --- sessions and properties (current) ---
  websiteGet('/sessions'),
  websiteGet('/sessions/stats'),
  websiteGet('/sessions/weekly', '&timezone=UTC'),
  get('/api/websites/:websiteId/sessions/:sessionId', WEBSITE_READ, (t) => `${ws(t, `/sessions/${t.sessionUuid}`)}?${range()}`),
  get('/api/websites/:websiteId/sessions/:sessionId/activity', WEBSITE_READ, (t) => `${ws(t, `/sessions/${t.sessionUuid}/activity`)}?${range()}`),
  get('/api/websites/:websiteId/sessions/:sessionId/properties', WEBSITE_READ, (t) => ws(t, `/sessions/${t.sessionUuid}/properties`)),
  websiteGet('/session-data/properties'),
  websiteGet('/session-data/values', '&propertyName=tier'),
  websiteGet('/event-data'),
  get('/api/websites/:websiteId/event-data/:eventId', WEBSITE_READ, (t) => ws(t, `/event-data/${t.eventId}`)),
  websiteGet('/event-data/events'),
  websiteGet('/event-data/fields'),
  websiteGet('/event-data/properties'),
  get('/api/websites/:websiteId/event-data/values', WEBSITE_READ, (t) => `${ws(t, '/event-data/values')}?${range()}&event=event-${t.mark}&propertyName=plan`),
  websiteGet('/event-data/stats'),

  // --- reports (current) ---
  get('/api/reports', LOGGED_IN, () => '/api/reports'),
  get('/api/reports', REPORT_READ, (t) => `/api/reports?websiteId=${t.websiteUuid}`, { variant: 'of W' }),
  get('/api/websites/:websiteId/reports', REPORT_READ, (t) => ws(t, '/reports')),
  {
    route: 'POST /api/reports',
    kind: 'write',
    expect: REPORT_CHANGE,
    changes: true,
    call: ({ t }) => ({ url: '/api/reports', payload: { websiteId: t.websiteUuid, type: 'goal', name: 'New report', parameters: { type: 'path', value: '/' } } })
  },
  get('/api/reports/:reportId', REPORT_READ, (t) => `/api/reports/${t.reportUuid}`),
  {
    route: 'POST /api/reports/:reportId',
    kind: 'write',
    expect: REPORT_CHANGE,
    changes: true,
    call: ({ t }) => ({ url: `/api/reports/${t.reportUuid}`, payload: { name: `Renamed ${t.mark}` } })
  },
  { route: 'DELETE /api/reports/:reportId', kind: 'delete', expect: REPORT_CHANGE, changes: true, call: ({ t }) => ({ url: `/api/reports/${t.reportUuid}` }) },
  runReport('funnel', { window: 60, steps: [{ type: 'path', value: '/' }, { type: 'path', value: '/b' }] }),
  runReport('goal', { type: 'path', value: '/' }),
  runReport('retention', {}),
  runReport('journey', { steps: 3 }),
  runReport('utm', {}),

  // --- the hit inspector: the admin's only; 403 to a share link and to other logins ---
  get('/api/dashi/inspector', E(401, 403, 403, 403, 403, 403, 200), () => '/api/dashi/inspector'),

  // --- remote profiles (issue 5): the admin's only, 403 to other logins and share links. No remote server
  // runs here: the admin's calls stop at validation (400) or at the unreachable remote (502), past authorization.
  {
    route: 'POST /api/dashi/profiles/test',
    kind: 'read',
    expect: { ...PROFILES, admin: 400 },
    call: () => ({ url: '/api/dashi/profiles/test', payload: { baseUrl: 'ftp://remote.example', credentials: REMOTE_CREDENTIALS } })
  },
  get('/api/dashi/profiles', PROFILES, () => '/api/dashi/profiles'),
  {
    route: 'POST /api/dashi/profiles',
    kind: 'write',
    expect: { ...PROFILES, admin: 400 },
    call: () => ({ url: '/api/dashi/profiles', payload: { baseUrl: 'http://127.0.0.1:1', credentials: REMOTE_CREDENTIALS } })
  },
  { route: 'GET /api/dashi/profiles/:id', kind: 'read', expect: PROFILES, call: () => ({ url: `/api/dashi/profiles/${remoteProfile()}` }) },
  { route: 'PATCH /api/dashi/profiles/:id', kind: 'write', expect: PROFILES, call: () => ({ url: `/api/dashi/profiles/${remoteProfile()}`, payload: { name: 'Renamed' } }) },
  { route: 'DELETE /api/dashi/profiles/:id', kind: 'delete', expect: PROFILES, call: () => ({ url: `/api/dashi/profiles/${remoteProfile()}` }) },
  { route: 'GET /api/dashi/profiles/:id/features', kind: 'read', expect: PROFILES, call: () => ({ url: `/api/dashi/profiles/${remoteProfile()}/features` }) },
  {
    route: 'GET /api/dashi/profiles/:id/api/*',
    kind: 'read',
    expect: { ...PROFILES, admin: 502 },
    call: ({ t }) => ({ url: `/api/dashi/profiles/${remoteProfile()}/api/websites/${t.websiteUuid}/stats?${range()}` })
  },

  // --- "Move history to…" (issue 5): as profiles. Creating one checks the remote website first, and the
  // remote server here is a closed port (502); the other routes act on a job stored for W.
  get('/api/dashi/replays', PROFILES, () => '/api/dashi/replays'),
  get('/api/dashi/replays', PROFILES, (t) => `/api/dashi/replays?websiteId=${t.websiteUuid}`, { variant: 'of W' }),
  {
    route: 'POST /api/dashi/replays',
    kind: 'write',
    expect: { ...PROFILES, admin: 502 },
    call: ({ t }) => ({ url: '/api/dashi/replays', payload: { websiteId: t.websiteUuid, profileId: remoteProfile(), remoteWebsiteId: randomUUID() } })
  },
  { route: 'GET /api/dashi/replays/:id', kind: 'read', expect: PROFILES, call: ({ t }) => ({ url: `/api/dashi/replays/${replayJob(t, 'paused')}` }) },
  { route: 'POST /api/dashi/replays/:id/pause', kind: 'write', expect: PROFILES, call: ({ t }) => ({ url: `/api/dashi/replays/${replayJob(t, 'running')}/pause` }) },
  { route: 'POST /api/dashi/replays/:id/resume', kind: 'write', expect: PROFILES, call: ({ t }) => ({ url: `/api/dashi/replays/${replayJob(t, 'paused')}/resume` }) },
  { route: 'DELETE /api/dashi/replays/:id', kind: 'delete', expect: PROFILES, call: ({ t }) => ({ url: `/api/dashi/replays/${replayJob(t, 'paused')}` }) },

  // --- data retention and database upkeep (issue 6): the admin's only, as remote profiles ---
  get('/api/dashi/housekeeping', PROFILES, () => '/api/dashi/housekeeping'),
  {
    route: 'PUT /api/dashi/housekeeping',
    kind: 'write',
    expect: PROFILES,
    call: () => ({ url: '/api/dashi/housekeeping', payload: { retentionMonths: null } })
  },
  { route: 'POST /api/dashi/housekeeping/purge', kind: 'write', expect: { ...PROFILES, admin: 202 }, call: () => ({ url: '/api/dashi/housekeeping/purge' }) },
  {
    route: 'POST /api/dashi/housekeeping/compact',
    kind: 'write',
    expect: { ...PROFILES, admin: 202 },
    call: () => ({ url: '/api/dashi/housekeeping/compact' })
  },

  // --- websites (v1) ---
  {
    route: 'POST /api/website',
    variant: 'create',
    kind: 'write',
    expect: WEBSITE_CREATE,
    changes: true,
    call: ({ p }) => ({ url: '/api/website', payload: { name: `New v1 ${p}`, domain: 'new-v1.example' } })
  },
  {
    route: 'POST /api/website',
    variant: 'create for W\'s owner',
    kind: 'write',
    expect: E(401, 401, 401, 403, 403, 200, 200),
    changes: true,
    call: ({ t }) => ({ url: '/api/website', payload: { name: 'Given', domain: 'given.example', owner: t.ownerId } })
  },
  {
    route: 'POST /api/website',
    variant: 'update W',
    kind: 'write',
    // A view-only login is refused (403) before the website is looked up.
    expect: E(401, 401, 401, 403, 403, 200, 200),
    changes: true,
    call: ({ t }) => ({ url: '/api/website', payload: { website_id: t.websiteId, name: `Renamed ${t.mark}`, enable_share_url: false } })
  },
  {
    route: 'POST /api/website',
    variant: 'give W away',
    kind: 'write',
    expect: E(401, 401, 401, 403, 403, 401, 200),
    changes: true,
    call: ({ t }) => ({ url: '/api/website', payload: { website_id: t.websiteId, name: `Given ${t.mark}`, owner: logins.admin.id } })
  },
  get('/api/website/:id', WEBSITE_READ, (t) => v1(t)),
  get('/api/website/:id', WEBSITE_READ, (t) => `/api/website/${t.websiteUuid}`, { variant: 'by UUID' }),
  { route: 'DELETE /api/website/:id', kind: 'delete', expect: WEBSITE_MANAGE, changes: true, call: ({ t }) => ({ url: v1(t) }) },
  { route: 'POST /api/website/:id/reset', kind: 'delete', expect: WEBSITE_MANAGE, changes: true, call: ({ t }) => ({ url: v1(t, '/reset') }) },
  v1Get('/stats'),
  v1Get('/pageviews', '&unit=day&tz=UTC'),
  v1Get('/events', '&unit=day&tz=UTC'),
  v1Get('/metrics', '&type=url'),
  get('/api/website/:id/active', WEBSITE_READ, (t) => v1(t, '/active')),

  // --- realtime (v1) ---
  get('/api/realtime/init', LOGGED_IN, () => '/api/realtime/init'),
  {
    route: 'GET /api/realtime/update',
    kind: 'read',
    expect: LOGGED_IN,
    // Each login first gets its own realtime token (sent, as v1 did, in the share-token header).
    call: async ({ p, credentials }) =>
      p === 'anonymous' || p === 'share'
        ? { url: '/api/realtime/update?start_at=0' }
        : { url: '/api/realtime/update?start_at=0', headers: { 'x-umami-share-token': await realtimeToken(credentials) } }
  },
  {
    route: 'GET /api/realtime/update',
    variant: 'with the realtime token of W\'s owner',
    kind: 'read',
    expect: E(401, 401, 401, 401, 200, 200, 401),
    call: async ({ t }) => ({
      url: '/api/realtime/update?start_at=0',
      headers: { 'x-umami-share-token': await realtimeToken({ headers: bearer(t.ownerToken) }) }
    })
  }
]

// --- running it ---

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'QUERY'])
const BCRYPT = /\$2[aby]\$/
const MARK = /leakmark(\d+)x/gi

/** The route keys the app registered: `METHOD url`, with `ALL url` for routes registered for every method. */
function registeredRoutes(): { key: string; methods: string[]; url: string }[] {
  return routes.map((route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    return { key: methods.length > 2 ? `ALL ${route.url}` : `${methods[0]} ${route.url}`, methods, url: route.url }
  })
}

interface Check {
  case: Case
  method: string
  p: Principal
}

beforeAll(async () => {
  subscribe('fastify.initialization', observe as (message: unknown) => void)
  try {
    server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  } finally {
    unsubscribe('fastify.initialization', observe as (message: unknown) => void)
  }
  app = server.app
  passwordHash = await hashPassword(PASSWORD)
  const adminToken = await login(app)
  const changed = await app.inject({ method: 'POST', url: '/api/me/password', headers: bearer(adminToken), payload: { currentPassword: 'umami', newPassword: PASSWORD } })
  expect(changed.statusCode).toBe(200)
  const me = (await app.inject({ method: 'GET', url: '/api/me', headers: bearer(adminToken) })).json()
  logins.admin = { id: 1, uuid: me.user.id, token: adminToken }
  for (const [name, role] of [['other', ROLE.user], ['viewer', ROLE.viewOnly], ['matrix-login', ROLE.user]] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/users', headers: bearer(adminToken), payload: { username: name, password: PASSWORD, role } })
    expect(res.statusCode).toBe(200)
    if (name === 'matrix-login') continue
    const token = await login(app, name, PASSWORD)
    const id = (app.ctx.db.prepare('SELECT user_id FROM account WHERE username = ?').get(name) as { user_id: number }).user_id
    logins[name] = { id, uuid: res.json().id, token }
  }
  // W2: the other user's website, with data of its own (no marker).
  const w2 = await app.inject({ method: 'POST', url: '/api/websites', headers: bearer(logins.other.token), payload: { name: 'W2', domain: 'w2.example', shareId: 'w2-share' } })
  expect(w2.statusCode).toBe(200)
  await app.ctx.writer.write(buildHit({ websiteId: (app.ctx.db.prepare('SELECT website_id FROM website WHERE website_uuid = ?').get(w2.json().id) as { website_id: number }).website_id, at: now() - 60_000, path: '/w2' }))
  readTargets = { user: await makeTarget(ROLE.user), viewOnly: await makeTarget(ROLE.viewOnly) }
})

afterAll(async () => {
  await server?.close()
})

test('every registered route has an expectation for every principal', () => {
  const keys = new Set(CASES.map((c) => c.route))
  const registered = registeredRoutes()
  const gets = new Set(registered.filter((r) => r.key.startsWith('GET ')).map((r) => r.url))
  // HEAD routes are Fastify's copies of GET routes: checked with the GET route's expectation.
  const missing = registered.filter((r) => !keys.has(r.key) && !(r.key.startsWith('HEAD ') && gets.has(r.url))).map((r) => r.key)
  expect(missing, 'routes without an expected row in the authorization table').toEqual([])
  const stale = [...keys].filter((key) => !registered.some((r) => r.key === key))
  expect(stale, 'rows of the table for routes the app no longer has').toEqual([])
  for (const c of CASES) expect(Object.keys(c.expect).sort()).toEqual([...PRINCIPALS].sort())
})

test('the authorization matrix: statuses as expected, 0 leaks, denied writes change nothing, no secrets in any response', async () => {
  const registered = registeredRoutes()
  const checks: Check[] = []
  for (const c of CASES) {
    const methods = c.route.startsWith('ALL ') ? registered.find((r) => r.key === c.route)!.methods : [c.route.split(' ')[0]!]
    if (c.route.startsWith('GET ')) methods.push('HEAD')
    for (const method of methods) for (const p of PRINCIPALS) checks.push({ case: c, method, p })
  }
  const secrets = [SECRET, ...['share-token', 'realtime-token', 'cache-token', 'profile-seal'].map((purpose) => deriveKey(SECRET, purpose)), PASSWORD, REMOTE_CREDENTIALS.password, 'remote-token']
  const failures: string[] = []
  const tally = { allowed: 0, denied: 0, deniedWrites: 0 }

  for (const [index, check] of checks.entries()) {
    const { case: c, method, p } = check
    const mutates = !READ_METHODS.has(method)
    // Reads share two standing websites; each write gets a fresh one, so one check cannot spoil the next.
    const role = p === 'viewOnlyOwner' ? ROLE.viewOnly : ROLE.user
    const t = mutates ? await makeTarget(role) : role === ROLE.viewOnly ? readTargets.viewOnly : readTargets.user
    const context: CallContext = { t, p, method, credentials: credentials(p, t, index % 2 === 1) }
    const call = await c.call(context)
    const before = mutates ? snapshot(t) : ''
    const res = await app.inject({
      method: method as InjectOptions['method'],
      url: call.url,
      payload: call.payload as InjectOptions['payload'],
      headers: { ...context.credentials.headers, ...call.headers },
      cookies: context.credentials.cookies
    })
    const label = `${method} ${c.route.split(' ')[1]}${c.variant ? ` (${c.variant})` : ''} as ${p}`
    const expected = (c.expectByMethod?.[method] ?? c.expect)[p]
    const allowed = res.statusCode >= 200 && res.statusCode < 300
    if (res.statusCode !== expected) failures.push(`${label}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 200)}`)
    if (allowed) tally.allowed++
    else tally.denied++

    // 0 leaks: only W's owner, a holder of W's share token and the admin may see W's marker, and only on success.
    const marks = new Set([...res.body.matchAll(MARK)].map((m) => Number(m[1])))
    const mayRead = allowed && (p === 'owner' || p === 'viewOnlyOwner' || p === 'share') ? t.n : null
    for (const n of marks) {
      if (p === 'admin' && allowed) continue
      if (n !== mayRead) failures.push(`${label}: leaks data of website #${n} (status ${res.statusCode}): ${res.body.slice(0, 200)}`)
    }
    if (BCRYPT.test(res.body)) failures.push(`${label}: a bcrypt hash in the response`)
    for (const secret of secrets) if (res.body.includes(secret)) failures.push(`${label}: the install secret, a key or a password in the response`)

    if (mutates) {
      const after = snapshot(t)
      if (!allowed) {
        tally.deniedWrites++
        if (after !== before) failures.push(`${label}: denied with ${res.statusCode} but changed the database`)
      } else if (c.changes && after === before) {
        failures.push(`${label}: allowed but changed nothing (is the snapshot blind?)`)
      }
    }
    const problem = c.after?.(context, res)
    if (problem) failures.push(`${label}: ${problem}`)
  }

  const routeCount = new Set(CASES.map((c) => c.route)).size
  console.log(
    `authz matrix: ${routeCount} routes (${CASES.length} cases, ${checks.length / PRINCIPALS.length} method-cases incl. HEAD) × ${PRINCIPALS.length} principals = ${checks.length} checks; ` +
      `${tally.allowed} allowed, ${tally.denied} denied (${tally.deniedWrites} denied writes/deletes verified unchanged)`
  )
  expect(failures).toEqual([])
})

test('share tokens never write: every write or delete carrying only a share token is refused', () => {
  for (const c of CASES) {
    if (c.kind === 'read' || c.expect.share !== 401) continue
    expect(c.expect.share).toBeGreaterThanOrEqual(400)
  }
  const shareWrites = CASES.filter((c) => c.kind !== 'read' && c.expect.share < 400).map((c) => c.route)
  // Only the public endpoints take a share token's call (as anyone's): collection, login, logout.
  expect(shareWrites.sort()).toEqual(['POST /api/auth/login', 'POST /api/auth/logout', 'POST /api/batch', 'POST /api/collect', 'POST /api/send'])
})
