/**
 * Which server is behind a profile's URL (umami-v2.md §7), decided from the replies to a fixed list of
 * probe requests. Pure: `remote.ts` sends the probes, `detect` reads them. Every failure is one of four
 * kinds with a message a person can act on.
 */
import { atLeast, isRecord, parseBody, parseVersion, versionText } from './common'
import type { AuthState, Credentials, Dialect, Family, RemoteResponse, Version } from './types'
import { v1Dialect, v1EraOf, type V1Era } from './v1'
import { v2Dialect } from './v2'
import { v3Dialect } from './v3'

export const CLOUD_BASE = 'https://api.umami.is/v1'

export type ProbeId = 'heartbeat' | 'telemetry' | 'version' | 'config' | 'websitesAnon' | 'login' | 'websites'

export interface Probe {
  id: ProbeId
  method: 'GET' | 'POST'
  /** Relative to the base URL. */
  path: string
  body?: unknown
  /** Sent with the credentials (the login's token, or the API key). */
  authenticated?: boolean
}

/** A probe's reply, or the network error that stopped it. */
export type ProbeOutcome = RemoteResponse | { error: string }
export type ProbeResults = Partial<Record<ProbeId, ProbeOutcome>>

export type DetectionErrorKind = 'unreachable' | 'not-umami' | 'bad-credentials' | 'unsupported-version'

export interface DetectionError {
  ok: false
  error: DetectionErrorKind
  message: string
}

export interface Detection {
  ok: true
  family: Family
  /** Which software answered (Dashi speaks Umami v3). */
  server: 'umami' | 'dashi' | 'umami-cloud'
  /** The exact version when the server told it, else null. */
  version: string | null
  /** What is known, for people: "2.19.0", "2.16–2.20", "1.26–1.38". */
  versionRange: string
  dialect: Dialect
  /** The base URL requests go to (`/api` and trailing slashes taken off; Cloud's API base). */
  baseUrl: string
  auth: AuthState
  /** One line for the profile screen: "Umami v2.19.0, found by its telemetry script". */
  summary: string
}

/** Umami Cloud's hosts: its dashboard (cloud.umami.is) or API (api.umami.is) both mean the API base. */
export function isCloudUrl(baseUrl: string): boolean {
  try {
    return /(^|\.)umami\.is$/.test(new URL(baseUrl).hostname) && !/^(www\.)?umami\.is$/.test(new URL(baseUrl).hostname)
  } catch {
    return false
  }
}

/** The base requests go to: Cloud's API base, or the server root without `/api` and trailing slashes. */
export function normaliseBaseUrl(baseUrl: string): string {
  if (isCloudUrl(baseUrl)) return CLOUD_BASE
  return baseUrl.trim().replace(/\/+$/, '').replace(/\/api$/, '')
}

/** The probes, in order; `login` only for a password, `websites` once the credentials can be sent. */
export function probesFor(baseUrl: string, credentials: Credentials): Probe[] {
  if (isCloudUrl(baseUrl)) return [{ id: 'websites', method: 'GET', path: '/websites?pageSize=1', authenticated: true }]
  const probes: Probe[] = [
    { id: 'heartbeat', method: 'GET', path: '/api/heartbeat' },
    { id: 'telemetry', method: 'GET', path: '/api/scripts/telemetry' },
    { id: 'version', method: 'GET', path: '/api/version' },
    { id: 'config', method: 'GET', path: '/api/config' },
    { id: 'websitesAnon', method: 'GET', path: '/api/websites' }
  ]
  if (credentials.kind === 'password') {
    probes.push({ id: 'login', method: 'POST', path: '/api/auth/login', body: { username: credentials.username, password: credentials.password } })
  }
  probes.push({ id: 'websites', method: 'GET', path: '/api/websites', authenticated: true })
  return probes
}

const isResponse = (o: ProbeOutcome | undefined): o is RemoteResponse => o !== undefined && 'status' in o
const jsonOf = (o: ProbeOutcome | undefined): unknown => (isResponse(o) ? parseBody(o.body) : undefined)
const hostOf = (baseUrl: string) => {
  try {
    return new URL(baseUrl).host
  } catch {
    return baseUrl
  }
}

const SUPPORTED_MIN: Version = [1, 20, 0]
const SUPPORTED_TEXT = 'Dashi reads Umami v1.20 to v3.x and Umami Cloud'

/** What the probes say, each signal on its own. */
interface Signals {
  dashiVersion: string | null
  exact: Version | null
  exactFrom: string | null
  heartbeatOk: boolean | null
  configKind: 'v1' | 'v2.0' | 'v2.6' | 'v3' | 'missing' | null
  errorKind: 'text' | 'string' | 'envelope' | null
  loginKind: 'v1-cookie' | 'v1-token' | 'v1-snake' | 'v1-camel' | 'current' | 'two-factor' | 'refused' | 'bad-request' | 'disabled' | null
  websitesKind: 'v1-snake' | 'v1-camel' | 'array' | 'paged' | 'refused' | null
}

function readSignals(results: ProbeResults): Signals {
  const telemetry = results.telemetry
  const telemetryText = isResponse(telemetry) && telemetry.status === 200 ? telemetry.body : ''
  const config = jsonOf(results.config)
  const dashiFromConfig = isRecord(config) && typeof config.currentVersion === 'string' ? config.currentVersion : null
  const dashiFromTelemetry = /dashi v=([0-9][0-9.]*)/.exec(telemetryText)?.[1] ?? null
  const dashiVersion = dashiFromConfig ?? dashiFromTelemetry

  let exact: Version | null = null
  let exactFrom: string | null = null
  const pixel = /umami\.is\/a\.png\?v=([0-9][0-9.]*)/.exec(telemetryText) ?? (dashiVersion ? null : /[?&]v=([0-9][0-9.]*)/.exec(telemetryText))
  if (pixel) [exact, exactFrom] = [parseVersion(pixel[1]!), 'its telemetry script']
  const versionBody = jsonOf(results.version)
  if (!exact && isResponse(results.version) && results.version.status === 200 && isRecord(versionBody) && typeof versionBody.version === 'string') {
    ;[exact, exactFrom] = [parseVersion(versionBody.version), '/api/version']
  }

  const heartbeat = jsonOf(results.heartbeat)
  const heartbeatOk = isResponse(results.heartbeat) && results.heartbeat.status === 200 && isRecord(heartbeat) ? heartbeat.ok === true : null

  let configKind: Signals['configKind'] = null
  if (isResponse(results.config) && results.config.status === 404) configKind = 'missing'
  else if (isRecord(config) && isResponse(results.config) && results.config.status === 200) {
    if ('privateMode' in config || 'linksUrl' in config || 'pixelsUrl' in config) configKind = 'v3'
    else if ('uiDisabled' in config) configKind = 'v2.6'
    else if ('cloudMode' in config) configKind = 'v2.0'
    else if ('trackerScriptName' in config || 'telemetryDisabled' in config || 'basePath' in config) configKind = 'v1'
  }

  let errorKind: Signals['errorKind'] = null
  const anon = results.websitesAnon
  if (isResponse(anon) && anon.status === 401) {
    const body = parseBody(anon.body)
    errorKind = isRecord(body) && isRecord(body.error) ? 'envelope' : isRecord(body) && typeof body.error === 'string' ? 'string' : typeof body === 'string' ? 'text' : null
  }

  return { dashiVersion, exact, exactFrom, heartbeatOk, configKind, errorKind, loginKind: loginKindOf(results.login), websitesKind: websitesKindOf(results.websites) }
}

function loginKindOf(login: ProbeOutcome | undefined): Signals['loginKind'] {
  if (!isResponse(login)) return null
  if (login.status === 401) return 'refused'
  if (login.status === 400) return 'bad-request'
  if (login.status === 403) return 'disabled'
  if (login.status !== 200) return null
  const body = parseBody(login.body)
  if (!isRecord(body)) return null
  if (body.requiresTwoFactor === true) return 'two-factor'
  if (typeof body.token !== 'string') return null
  const user = isRecord(body.user) ? body.user : null
  // Dashi answers both dialects' fields at once; `id` + `role` is the current API's user.
  if (user && typeof user.id === 'string' && 'role' in user) return 'current'
  if (user && ('userId' in user || 'accountUuid' in user)) return 'v1-camel'
  if (user && 'user_id' in user) return 'v1-snake'
  return /(^|\n|,\s*)umami\.auth=/.test(login.headers['set-cookie'] ?? '') ? 'v1-cookie' : 'v1-token'
}

function websitesKindOf(websites: ProbeOutcome | undefined): Signals['websitesKind'] {
  if (!isResponse(websites)) return null
  if (websites.status === 401 || websites.status === 403) return 'refused'
  const body = jsonOf(websites)
  if (isRecord(body) && Array.isArray(body.data)) return 'paged'
  if (!Array.isArray(body)) return null
  const first = body.find(isRecord)
  if (first && 'website_id' in first) return 'v1-snake'
  if (first && 'websiteUuid' in first) return 'v1-camel'
  return 'array'
}

/** Anything that only an Umami-compatible server would say. */
function looksLikeUmami(s: Signals, results: ProbeResults): boolean {
  if (s.dashiVersion || s.exact || s.heartbeatOk !== null || (s.configKind !== null && s.configKind !== 'missing') || s.errorKind === 'envelope' || s.errorKind === 'string') return true
  if (s.loginKind && s.loginKind !== 'bad-request' && s.loginKind !== 'disabled') return true
  const login = results.login
  return isResponse(login) && /incorrect-username-password/.test(login.body)
}

interface Identified {
  family: Family
  server: Detection['server']
  version: Version
  exact: boolean
  range: string
  evidence: string
  dialect: Dialect
}

/** Family and version range from the signals, choosing the oldest version a range allows: features a server may lack stay hidden. */
function identify(s: Signals): Identified | DetectionError {
  if (s.dashiVersion) {
    return { family: 'v3', server: 'dashi', version: [3, 1, 0], exact: true, range: s.dashiVersion, evidence: 'its /api/config', dialect: v3Dialect() }
  }
  if (s.exact) {
    const v = s.exact
    if (v[0] < 1 || v[0] > 3 || (v[0] === 1 && !atLeast(v, ...SUPPORTED_MIN))) {
      return { ok: false, error: 'unsupported-version', message: `This server runs Umami v${versionText(v)}, which Dashi cannot read: ${SUPPORTED_TEXT}.` }
    }
    const dialect = v[0] === 1 ? v1Dialect(v1EraOf(v), v) : v[0] === 2 ? v2Dialect(v) : v3Dialect({ version: v })
    return { family: dialect.family, server: 'umami', version: v, exact: true, range: versionText(v), evidence: s.exactFrom!, dialect }
  }
  const v1 = (era: V1Era, range: string, evidence: string): Identified => {
    const dialect = v1Dialect(era)
    return { family: 'v1', server: 'umami', version: dialect.versions.min, exact: false, range, evidence, dialect }
  }
  const current = (version: Version, range: string, evidence: string): Identified => {
    const dialect = version[0] === 3 ? v3Dialect({ version }) : v2Dialect(version)
    return { family: dialect.family, server: 'umami', version, exact: false, range, evidence, dialect }
  }
  // v1's login and website rows are unmistakable.
  if (s.loginKind === 'v1-camel' || s.websitesKind === 'v1-camel') return v1('camel', '1.39–1.40', 'its login reply')
  if (s.loginKind === 'v1-cookie') return v1('cookie', '1.20–1.25', 'its login cookie')
  if (s.loginKind === 'v1-snake') return v1('bearer', '1.27–1.38', 'its login reply')
  if (s.loginKind === 'v1-token') return v1('bearer', '1.26', 'its login reply')
  if (s.websitesKind === 'v1-snake') return v1('bearer', '1.26–1.38', 'its websites list')
  if (s.configKind === 'v1') return v1('bearer', '1.37–1.40', 'its /api/config')
  if (s.configKind === 'v3' || s.errorKind === 'envelope') return current([3, 0, 0], '3.x', s.configKind === 'v3' ? 'its /api/config' : 'its error replies')
  if (s.heartbeatOk === true || s.errorKind === 'string') return current([2, 16, 0], '2.16–2.20', 'its heartbeat and error replies')
  if (s.configKind === 'v2.6') return current([2, 6, 0], '2.6–2.15', 'its /api/config')
  if (s.websitesKind === 'paged') return current([2, 5, 0], '2.5–2.15', 'its websites list')
  if (s.configKind === 'v2.0' || s.websitesKind === 'array') return current([2, 0, 0], '2.0–2.5', 'its /api/config')
  if (s.loginKind === 'current') return current([2, 0, 0], '2.x', 'its login reply')
  return { ok: false, error: 'unsupported-version', message: `This server answers like Umami, but Dashi could not tell which version it runs. ${SUPPORTED_TEXT}.` }
}

function credentialsError(s: Signals, results: ProbeResults, credentials: Credentials): DetectionError | null {
  const refused = (message: string): DetectionError => ({ ok: false, error: 'bad-credentials', message })
  if (credentials.kind === 'api-key') {
    return s.websitesKind === 'refused' ? refused('The server refused this API key. Check that it is complete and still exists in Umami’s settings.') : null
  }
  switch (s.loginKind) {
    case 'refused':
      return refused('Wrong username or password: the server refused them.')
    case 'bad-request':
      return refused('The server needs both a username and a password.')
    case 'disabled':
      return refused('This server has login turned off (DISABLE_LOGIN); ask its administrator for an API key or an account.')
    case 'two-factor':
      return refused('This account uses two-factor login, which Dashi cannot do: create an API key in Umami’s settings and use it instead.')
    case null: {
      const login = results.login
      if (!isResponse(login)) return refused('The login request did not get through; try again.')
      return refused(`The server did not accept the login (it answered ${login.status}).`)
    }
    default:
      return null
  }
}

/**
 * The server behind `baseUrl`, from the outcomes of `probesFor(baseUrl, credentials)`: its family,
 * version and dialect with the authentication the login granted, or the first thing in the way, in
 * order: nothing answers, it is not Umami, its version is unsupported, the credentials are refused.
 */
export function detect(results: ProbeResults, baseUrl: string, credentials: Credentials): Detection | DetectionError {
  const base = normaliseBaseUrl(baseUrl)
  const host = hostOf(base)
  const outcomes = Object.values(results)
  const firstError = outcomes.find((o): o is { error: string } => o !== undefined && 'error' in o)
  if (outcomes.length === 0 || outcomes.every((o) => !isResponse(o))) {
    return {
      ok: false,
      error: 'unreachable',
      message: `Could not reach ${host}${firstError ? ` (${firstError.error})` : ''}. Check the address, your network, and that the server is running.`
    }
  }
  if (isCloudUrl(base)) return detectCloud(results, base, credentials)

  const s = readSignals(results)
  if (!looksLikeUmami(s, results)) {
    return {
      ok: false,
      error: 'not-umami',
      message: `${host} answers, but not as an Umami server. Use the address of Umami itself (the page its login is on), e.g. https://analytics.example.com, without a path.`
    }
  }
  const found = identify(s)
  const refused = credentialsError(s, results, credentials)
  // A known but unsupported version comes first; an unknown one is often unknown only because the
  // login was refused (the login reply is what tells v1 from v2), so the refusal is the news then.
  if ('ok' in found) return refused && s.exact === null ? refused : found
  if (refused) return refused
  const auth = authOf(found.dialect, results, credentials)
  if (!auth) return { ok: false, error: 'bad-credentials', message: 'The server accepted the login but sent no token Dashi could use.' }
  const name = found.server === 'dashi' ? `Dashi ${found.range} (speaks Umami v3)` : `Umami v${found.range}`
  return {
    ok: true,
    family: found.family,
    server: found.server,
    version: found.exact ? (found.server === 'dashi' ? found.range : versionText(found.version)) : null,
    versionRange: found.server === 'dashi' ? found.range : found.exact ? versionText(found.version) : found.range,
    dialect: found.dialect,
    baseUrl: base,
    auth,
    summary: `${name}, recognised by ${found.evidence}.`
  }
}

function authOf(dialect: Dialect, results: ProbeResults, credentials: Credentials): AuthState | null {
  if (credentials.kind === 'api-key') return { kind: 'api-key', key: credentials.key }
  const login = results.login
  return isResponse(login) ? dialect.readLogin(login) : null
}

function detectCloud(results: ProbeResults, base: string, credentials: Credentials): Detection | DetectionError {
  if (credentials.kind !== 'api-key') {
    return { ok: false, error: 'bad-credentials', message: 'Umami Cloud is read with an API key: create one in Umami Cloud’s settings and paste it here.' }
  }
  const reply = results.websites
  if (!isResponse(reply)) return { ok: false, error: 'unreachable', message: `Could not reach Umami Cloud (${reply?.error ?? 'no answer'}).` }
  if (reply.status === 401 || reply.status === 403) {
    return { ok: false, error: 'bad-credentials', message: 'Umami Cloud refused this API key. Check that it is complete and still exists in its settings.' }
  }
  if (reply.status === 429) return { ok: false, error: 'unreachable', message: 'Umami Cloud is limiting requests for this key; try again in a minute.' }
  const body = jsonOf(reply)
  if (reply.status !== 200 || !isRecord(body) || !Array.isArray(body.data)) {
    return { ok: false, error: 'not-umami', message: `Umami Cloud's API answered ${reply.status} where it should list websites; check the address.` }
  }
  return {
    ok: true,
    family: 'cloud',
    server: 'umami-cloud',
    version: null,
    versionRange: '3.x',
    dialect: v3Dialect({ cloud: true }),
    baseUrl: base,
    auth: { kind: 'api-key', key: credentials.key },
    summary: 'Umami Cloud (Umami v3 API), reached with an API key.'
  }
}

