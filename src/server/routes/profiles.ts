import type { FastifyInstance, FastifyReply } from 'fastify'
import { type Call, type CallParams, type Credentials, createAdapter, type Detection, type DetectionErrorKind, isUnsupported } from '../../shared/api/adapters'
import { ApiError } from '../../shared/api/client'
import { probe } from '../../shared/api/remote'
import { FILTER_NAMES, METRIC_TYPES } from '../../shared/api/types'
import { AppError, badRequest, type ErrorCode, notFound } from '../../shared/errors'
import { requireDashiAdmin } from '../auth'
import { isUuid } from '../collect/ids'
import type { Sealer } from '../lib/seal'
import {
  createProfile,
  deleteProfile,
  getCachedAnswer,
  getProfileByUuid,
  listProfiles,
  type ProfileInput,
  type ProfileRow,
  putCachedAnswer,
  renameProfile,
  replaceProfileServer
} from '../queries/profiles'
import { dialectOf, type LoginWords, nodeFetch, openSealed, ProfileConnection, readDetection, REMOTE_TIMEOUT_MS, storedDetection } from '../remote/profile-remote'
import { dateRange, iso, paging, timezoneOf } from './current/common'

/**
 * Remote profiles (issue 5): other Umami servers (v1, v2, v3, Cloud, another Dashi) that the dashboard reads
 * through this server, so desktop and web mode behave the same and remote logins never reach the renderer.
 * Admin only. `/api/dashi/profiles/:id/api/*` mirrors the current API paths the dashboard client calls, so
 * the same `AnalyticsApi` client works with base `/api/dashi/profiles/:id`; each call goes through the
 * profile's dialect adapter and comes back in current-API shapes. Every successful answer is kept
 * (profile_cache), and served with `x-dashi-as-of` while the remote server cannot be reached. Stored
 * detections, sealed secrets and the remote login (renewed once on a 401) are remote/profile-remote.ts's.
 */

const AS_OF_HEADER = 'x-dashi-as-of'

// --- errors in the v3 envelope, with codes a dashboard can branch on ---

type ProfileErrorCode = DetectionErrorKind | 'unsupported' | 'credentials-unreadable' | 'bad-response'

/** `AppError` codes are the core list; these are the profile routes' own, answered in the same envelope. */
const profileError = (status: number, code: ProfileErrorCode, message: string) => new AppError(status, message, code as ErrorCode)

/** Detection failures: the remote server's fault or absence is a 502, what the user typed is a 422. */
const DETECTION_STATUS: Record<DetectionErrorKind, number> = { unreachable: 502, 'not-umami': 422, 'bad-credentials': 422, 'unsupported-version': 422 }

/** A profile's login trouble in this envelope; a fresh login refused again stays the remote's 401 (`remoteFailure`). */
const LOGIN_WORDS: LoginWords = {
  unreadable: (_row, reason) => profileError(409, 'credentials-unreadable', `This profile's saved credentials cannot be opened here (${reason}). Enter them again.`),
  signInFailed: (error, remote) =>
    error instanceof ApiError && error.code === 'bad-credentials'
      ? profileError(502, 'bad-credentials', `${remote.label} no longer accepts this profile's username and password. Edit the profile and enter them again.`)
      : error
}

// --- what is stored about the remote server (its `detection` column: remote/profile-remote.ts) ---

/** The row of a profile for a detected server, its secrets sealed. */
export function profileInput(sealer: Sealer, name: string, detection: Detection, credentials: Credentials, now: number): ProfileInput {
  return {
    name,
    baseUrl: detection.baseUrl,
    family: detection.family,
    version: detection.version,
    detection: JSON.stringify(storedDetection(detection, credentials)),
    credentials: sealer.seal(JSON.stringify(credentials)),
    authState: sealer.seal(JSON.stringify(detection.auth)),
    now
  }
}

// --- request bodies ---

interface ProfileBody {
  name?: unknown
  baseUrl?: unknown
  credentials?: unknown
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function readName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.trim().length > 100) throw badRequest('name must be a text of 1 to 100 characters')
  return value.trim()
}

function readBaseUrl(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 2000) throw badRequest('baseUrl must be the address of the Umami server, e.g. https://analytics.example.com')
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw badRequest(`baseUrl "${value.slice(0, 200)}" is not an address: use e.g. https://analytics.example.com`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest('baseUrl must start with http:// or https://')
  if (url.username || url.password) throw badRequest('Put the username and password in the credentials, not in baseUrl')
  if (url.search || url.hash) throw badRequest('baseUrl must be the server address without ?query or #fragment')
  return value.trim()
}

const text = (value: unknown, max: number): string | undefined => (typeof value === 'string' && value !== '' && value.length <= max ? value : undefined)

/**
 * `{kind: 'password', username, password}` or `{kind: 'api-key', key}`. When editing, an omitted password
 * or key keeps the stored one (the dashboard never has it to send back).
 */
function readCredentials(value: unknown, stored?: Credentials): Credentials {
  if (!isRecord(value)) throw badRequest('credentials must be {kind: "password", username, password} or {kind: "api-key", key}')
  if (value.kind === 'api-key') {
    const key = text(value.key, 1000) ?? (value.key === undefined && stored?.kind === 'api-key' ? stored.key : undefined)
    if (key === undefined) throw badRequest('credentials.key must be the API key (1 to 1000 characters)')
    return { kind: 'api-key', key }
  }
  if (value.kind === 'password') {
    const username = text(value.username, 255)
    if (username === undefined) throw badRequest('credentials.username must be a text of 1 to 255 characters')
    const password = text(value.password, 1000) ?? (value.password === undefined && stored?.kind === 'password' ? stored.password : undefined)
    if (password === undefined) throw badRequest('credentials.password must be a text of 1 to 1000 characters')
    return { kind: 'password', username, password }
  }
  throw badRequest('credentials.kind must be "password" or "api-key"')
}

// --- replies: never a password, key or remote token ---

function detectionReply(detection: Detection) {
  return {
    ok: true as const,
    server: detection.server,
    family: detection.family,
    version: detection.version,
    versionRange: detection.versionRange,
    baseUrl: detection.baseUrl,
    summary: detection.summary,
    label: detection.dialect.label,
    features: [...detection.dialect.features].sort()
  }
}

function profileReply(row: ProfileRow) {
  const stored = readDetection(row)
  return {
    id: row.profile_uuid,
    name: row.name,
    baseUrl: row.base_url,
    family: row.family,
    version: row.version,
    versionRange: stored.versionRange,
    server: stored.server,
    summary: stored.summary,
    label: stored.label,
    features: [...dialectOf(row).features].sort(),
    credentials: stored.login.kind === 'password' ? { kind: 'password', username: stored.login.username, hasPassword: true } : { kind: 'api-key', hasApiKey: true },
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    lastOkAt: iso(row.last_ok_at)
  }
}

// --- the forwarding route's paths and parameters ---

/** Paths below `/api/websites/:websiteId/` and the call each one is. */
const WEBSITE_PATHS: Record<string, Call> = {
  '': 'website',
  stats: 'stats',
  pageviews: 'pageviews',
  metrics: 'metrics',
  'metrics/expanded': 'metricsExpanded',
  active: 'active',
  daterange: 'dateRange',
  values: 'filterValues',
  events: 'events',
  'events/series': 'eventSeries',
  'events/stats': 'eventStats',
  sessions: 'sessions',
  'sessions/stats': 'sessionStats'
}

/** The call a path after `/api/` is, with its website; null for a path the dashboard does not read remotely. */
function callOfPath(rest: string): { call: Call; websiteId?: string } | null {
  const parts = rest.replace(/\/+$/, '').split('/')
  if (parts.length === 1 && parts[0] === 'websites') return { call: 'websites' }
  if (parts.length === 2 && parts[0] === 'realtime' && parts[1]) return { call: 'realtime', websiteId: parts[1] }
  if (parts[0] !== 'websites' || !parts[1]) return null
  const call = WEBSITE_PATHS[parts.slice(2).join('/')]
  return call ? { call, websiteId: parts[1] } : null
}

type Query = Record<string, unknown>

/** The first value of a query parameter (a repeated key gives an array). */
function flatQuery(raw: Record<string, unknown>): Query {
  const query: Query = {}
  for (const [key, value] of Object.entries(raw)) query[key] = Array.isArray(value) ? value[0] : value
  return query
}

const FILTER_KEY = new RegExp(`^(${[...FILTER_NAMES, 'url', 'host'].join('|')})\\d*$`)

/** Filters in v3 syntax as the client sends them (`path=eq./a`, `browser1=…`, `match=any`). */
function filtersOf(query: Query): Record<string, string> | undefined {
  const filters: Record<string, string> = {}
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string' || value === '') continue
    if (key === 'match' || FILTER_KEY.test(key)) filters[key] = value
  }
  return Object.keys(filters).length > 0 ? filters : undefined
}

function wholeNumber(query: Query, name: string, min: number, max: number): number | undefined {
  const value = query[name]
  if (value === undefined || value === '') return undefined
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`${name} must be a whole number from ${min} to ${max}`)
  return n
}

function oneOf<T extends string>(query: Query, name: string, allowed: readonly T[], required: boolean): T | undefined {
  const value = query[name]
  if (value === undefined || value === '') {
    if (required) throw badRequest(`${name} is required: one of ${allowed.join(', ')}`)
    return undefined
  }
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw badRequest(`${name} must be one of ${allowed.join(', ')}`)
  return value as T
}

/** The zone as sent (the adapters read `utc` as "ISO labels"), once it is known to be one. */
function timezone(query: Query): string | undefined {
  timezoneOf(query)
  return typeof query.timezone === 'string' && query.timezone !== '' ? query.timezone : undefined
}

const search = (query: Query) => (typeof query.search === 'string' && query.search !== '' ? query.search.slice(0, 500) : undefined)
const METRIC_ALIASES: Record<string, string> = { url: 'path', host: 'hostname' }

/** Parameters of a call from the query string, checked as the local routes check them (400 otherwise). */
function paramsOf(call: Call, websiteId: string | undefined, query: Query): CallParams[Call] {
  const site = { websiteId: websiteId! }
  const ranged = () => {
    const { start, end } = dateRange(query)
    return { ...site, startAt: start, endAt: end, timezone: timezone(query), filters: filtersOf(query) }
  }
  const pages = () => {
    const { page, pageSize, search } = paging(query)
    return { page, pageSize, search }
  }
  const compare = () => oneOf(query, 'compare', ['prev', 'yoy'] as const, false)
  const unit = () => oneOf(query, 'unit', ['minute', 'hour', 'day', 'month', 'year'] as const, false)
  switch (call) {
    case 'websites':
      return pages()
    case 'website':
    case 'active':
    case 'dateRange':
      return site
    case 'realtime':
      return { ...site, timezone: timezone(query), filters: filtersOf(query) }
    case 'stats':
    case 'eventStats':
      return { ...ranged(), compare: compare() }
    case 'pageviews':
      return { ...ranged(), unit: unit(), compare: compare() }
    case 'eventSeries':
      return { ...ranged(), unit: unit(), compare: compare(), limit: wholeNumber(query, 'limit', 1, 100_000) }
    case 'metrics':
    case 'metricsExpanded': {
      // v2's names for two types, as the local routes accept them.
      const type = oneOf({ type: METRIC_ALIASES[String(query.type)] ?? query.type }, 'type', METRIC_TYPES, true)!
      return { ...ranged(), type, limit: wholeNumber(query, 'limit', 1, 100_000), offset: wholeNumber(query, 'offset', 0, 1_000_000_000), search: search(query) }
    }
    case 'events':
    case 'sessions':
      return { ...ranged(), ...pages() }
    case 'sessionStats':
      return ranged()
    case 'filterValues':
      return { ...ranged(), type: oneOf(query, 'type', FILTER_NAMES, true)!, search: search(query) }
  }
}

/** JSON with keys in order and undefined left out: the same query always gives the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** The cache keys of a call: exactly, and with the range as its length only (the same dashboard query another day). */
function cacheKeys(call: Call, params: CallParams[Call]): { key: string; queryKey: string } {
  const p = params as Record<string, unknown>
  const key = `${call}:${canonical(p)}`
  if (typeof p.startAt !== 'number' || typeof p.endAt !== 'number') return { key, queryKey: key }
  const { startAt, endAt, ...rest } = p
  return { key, queryKey: `${call}:${canonical({ ...rest, span: (endAt as number) - (startAt as number) })}` }
}

// --- the routes ---

/** No answer at all, or the remote server failing (5xx, not a malformed reply): the cases the cache answers. */
const isOffline = (error: unknown) => error instanceof ApiError && (error.status === 0 || (error.status >= 500 && error.code !== 'bad-response'))

export async function profileRoutes(app: FastifyInstance) {
  const { ctx } = app
  const sealer: Sealer = ctx.sealer

  app.addHook('onRequest', async (request) => requireDashiAdmin(request, 'use remote profiles'))

  const openCredentials = (row: ProfileRow) => openSealed<Credentials>(sealer, row.credentials, (reason) => LOGIN_WORDS.unreadable(row, reason))

  function profileOf(id: string): ProfileRow {
    const row = isUuid(id) ? getProfileByUuid(ctx.db, id.toLowerCase()) : undefined
    if (!row) throw notFound('Profile not found')
    return row
  }

  /** Probes the server and signs in: the detection, or the typed error (unreachable, not-umami, bad-credentials, unsupported-version). */
  async function detectServer(baseUrl: string, credentials: Credentials): Promise<Detection> {
    const { detection } = await probe(nodeFetch, baseUrl, credentials, { timeoutMs: REMOTE_TIMEOUT_MS })
    if (!detection.ok) throw profileError(DETECTION_STATUS[detection.error], detection.error, detection.message)
    return detection
  }

  app.post<{ Body: ProfileBody }>('/api/dashi/profiles/test', async (request) => {
    const body = isRecord(request.body) ? request.body : {}
    return detectionReply(await detectServer(readBaseUrl(body.baseUrl), readCredentials(body.credentials)))
  })

  app.get('/api/dashi/profiles', async () => ({ data: listProfiles(ctx.db).map(profileReply) }))

  app.post<{ Body: ProfileBody }>('/api/dashi/profiles', async (request) => {
    const body = isRecord(request.body) ? request.body : {}
    const name = readName(body.name)
    const credentials = readCredentials(body.credentials)
    const detection = await detectServer(readBaseUrl(body.baseUrl), credentials)
    return profileReply(createProfile(ctx.db, profileInput(sealer, name, detection, credentials, ctx.now())))
  })

  app.get<{ Params: { id: string } }>('/api/dashi/profiles/:id', async (request) => profileReply(profileOf(request.params.id)))

  app.patch<{ Params: { id: string }; Body: ProfileBody }>('/api/dashi/profiles/:id', async (request) => {
    const row = profileOf(request.params.id)
    const body = isRecord(request.body) ? request.body : {}
    const name = body.name === undefined ? row.name : readName(body.name)
    if (body.baseUrl === undefined && body.credentials === undefined) {
      return profileReply(name === row.name ? row : renameProfile(ctx.db, row.profile_id, name, ctx.now()))
    }
    // A new address or login is tested like a new profile; on failure the profile stays as it was.
    const baseUrl = body.baseUrl === undefined ? row.base_url : readBaseUrl(body.baseUrl)
    const credentials = body.credentials === undefined ? openCredentials(row) : readCredentials(body.credentials, openCredentials(row))
    const detection = await detectServer(baseUrl, credentials)
    return profileReply(replaceProfileServer(ctx.db, row.profile_id, profileInput(sealer, name, detection, credentials, ctx.now())))
  })

  app.delete<{ Params: { id: string } }>('/api/dashi/profiles/:id', async (request) => {
    const row = profileOf(request.params.id)
    deleteProfile(ctx.db, row.profile_id)
    return { ok: true }
  })

  app.get<{ Params: { id: string } }>('/api/dashi/profiles/:id/features', async (request) => {
    const row = profileOf(request.params.id)
    const dialect = dialectOf(row)
    return { family: row.family, version: row.version, versionRange: readDetection(row).versionRange, label: dialect.label, features: [...dialect.features].sort() }
  })

  /** A remote error as this server's: offline handled by the caller, a 401 never passed on (it would end the dashboard's own login). */
  function remoteFailure(error: unknown, row: ProfileRow): unknown {
    if (!(error instanceof ApiError)) return error
    if (error.code === 'unsupported') return profileError(404, 'unsupported', error.message)
    if (error.status === 401) return profileError(502, 'bad-credentials', error.message)
    if (error.code === 'bad-response') return profileError(502, 'bad-response', error.message)
    if (error.status === 0 || error.status >= 500) {
      const message = error.status === 0 ? error.message : `${new URL(row.base_url).host} answered ${error.status}: ${error.message}`
      return profileError(502, 'unreachable', `${message} Nothing from this profile is saved for this view yet, so there is nothing to show offline.`)
    }
    return new AppError(error.status, error.message, error.code as ErrorCode)
  }

  app.get<{ Params: { id: string; '*': string }; Querystring: Record<string, unknown> }>('/api/dashi/profiles/:id/api/*', async (request, reply: FastifyReply) => {
    const row = profileOf(request.params.id)
    const target = callOfPath(request.params['*'])
    if (!target) throw profileError(404, 'unsupported', `Remote profiles do not forward /api/${request.params['*']}: only the dashboard's analytics calls.`)
    const params = paramsOf(target.call, target.websiteId, flatQuery(request.query))
    // Unsupported by this server's version: said before any request, never cached, never served from cache.
    const built = createAdapter(dialectOf(row), { baseUrl: row.base_url, auth: { kind: 'none' } }).request(target.call, params)
    if (isUnsupported(built)) throw profileError(404, 'unsupported', built.reason)

    const { key, queryKey } = cacheKeys(target.call, params)
    try {
      // The stored login, renewed once (and stored again, sealed) when the remote answers 401.
      const result = await new ProfileConnection(ctx.db, sealer, row, LOGIN_WORDS).call(target.call, params)
      const body = JSON.stringify(result)
      const now = ctx.now()
      putCachedAnswer(ctx.db, row.profile_id, { key, queryKey, body, now })
      return reply.type('application/json; charset=utf-8').send(body)
    } catch (error) {
      if (!isOffline(error)) throw remoteFailure(error, row)
      const cached = getCachedAnswer(ctx.db, row.profile_id, key, queryKey)
      if (!cached) throw remoteFailure(error, row)
      request.log.info({ profile: row.profile_uuid, call: target.call }, 'remote profile offline: answered from cache')
      return reply
        .header(AS_OF_HEADER, new Date(cached.fetched_at).toISOString())
        .header('x-dashi-cache', cached.exact ? 'exact' : 'earlier-range')
        .type('application/json; charset=utf-8')
        .send(cached.body)
    }
  })
}
