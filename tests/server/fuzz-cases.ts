import { Readable } from 'node:stream'

/*
 * Generators of malformed requests for tests/server/fuzz.test.ts. Everything random comes from one seeded
 * PRNG, so a seed names a storm exactly and a failing request can be replayed. The generators know the
 * shapes of the API (field names, valid values) only to get past the first check now and then: a mutation
 * of an almost valid request reaches the deeper code a wholly random one never does.
 */

// --- randomness ---

export interface Rng {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, n). */
  int(n: number): number
  pick<T>(items: readonly T[]): T
  chance(p: number): boolean
}

/** mulberry32: small, fast and good enough to pick cases; the same seed gives the same storm. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  return { next, int, pick: (items) => items[int(items.length)]!, chance: (p) => next() < p }
}

/** A v4-shaped UUID from the PRNG (crypto's would not reproduce). */
function seededUuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => rng.int(16).toString(16)).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`
}

// --- what the storm aims at ---

export interface RouteInfo {
  method: string
  /** All methods of a route registered for several (app.all); `method` is the first. */
  methods?: string[]
  url: string
  /** The route's own body limit, when it sets one (else the app's). */
  bodyLimit?: number
}

/** Ids of real rows, so that some requests name things that exist and get past the lookups. */
export interface Fixtures {
  website: { id: number; uuid: string; shareId: string }
  otherWebsite: { id: number; uuid: string }
  admin: { id: number; uuid: string }
  user: { id: number; uuid: string; username: string }
  sessionUuid: string
  eventId: number
  reportUuid: string
  /** Rows that destructive requests may delete or change; recreated when gone (see fuzz.test.ts). */
  victim: { websiteId: number; websiteUuid: string; userId: number; userUuid: string; reportUuid: string }
  tokens: { share: string; otherShare: string; cache: string; otherCache: string }
  adminPassword: string
}

/**
 * The fixtures as a destructive request sees them: every id that names the seeded website or the admin names
 * a victim instead, so that no variant of it (an upper-case UUID, say) deletes what the storm reads.
 */
function victimView(f: Fixtures): Fixtures {
  return {
    ...f,
    website: { ...f.website, id: f.victim.websiteId, uuid: f.victim.websiteUuid },
    admin: { id: f.victim.userId, uuid: f.victim.userUuid }
  }
}

/** Whether a request may change or delete the row its path (or body) names: such requests aim at victims. */
export function isDestructive(route: RouteInfo): boolean {
  const safe = route.method === 'GET' || route.method === 'HEAD' || route.method === 'OPTIONS'
  return (!safe && /:/.test(route.url)) || route.url === '/api/account' || route.url === '/api/website'
}

// --- malformed values ---

const LONG = (n: number, unit = 'a') => unit.repeat(Math.ceil(n / unit.length)).slice(0, n)

/** Text a path segment or query value may hold once percent-encoded. */
const NASTY_TEXT = [
  '',
  ' ',
  '0',
  '-1',
  '-0',
  '1.5',
  '1e3',
  '1e308',
  '1e999',
  '0x10',
  'NaN',
  'Infinity',
  '-Infinity',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '99999999999999999999999',
  '9007199254740993',
  '8640000000000001',
  '-8640000000000001',
  "' OR 1=1 --",
  '"; DROP TABLE website; --',
  '../../../etc/passwd',
  '..%2F..%2F',
  '<script>alert(1)</script>',
  '${7*7}',
  '%s%s%s%n',
  'ü',
  '日本語',
  '😀',
  '\u202egnp.exe',
  '\u0000',
  '\u0000abc',
  '\r\nx-injected: 1',
  '\\',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  ' 5 ',
  '2026-13-45',
  '2026-01-15T12:00:00Z',
  'Europe/Nowhere',
  'UTC+5',
  LONG(64),
  LONG(65),
  LONG(101),
  LONG(300, 'é'),
  LONG(2001),
  LONG(10_000, 'x,')
]

/** Raw fragments sent as they are: badly encoded on purpose. */
const RAW_FRAGMENTS = ['%', '%zz', '%E0%A4%A', '%ED%A0%80', '%00', '%2F', '%25', '%C0%AF', '%FF%FE', '+', '%20%20']

function nastyText(rng: Rng, f: Fixtures): string {
  const roll = rng.int(10)
  if (roll === 0) return seededUuid(rng)
  if (roll === 1) return rng.pick([f.website.uuid.toUpperCase(), f.website.uuid.replace(/-/g, ''), `{${f.website.uuid}}`, `${f.website.uuid}x`, f.sessionUuid, f.admin.uuid])
  if (roll === 2) return LONG(1 + rng.int(200_000), rng.pick(['a', '9', '%', 'ß', '😀']))
  return rng.pick(NASTY_TEXT)
}

/** encodeURIComponent, except for text it cannot encode (lone surrogates), which goes raw-escaped. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    return text.replace(/[^A-Za-z0-9_.~-]/g, (c) => `%${(c.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')}`)
  }
}

// --- path parameters ---

/** A valid value for a path parameter, by its name and route (victims for destructive requests). */
function validParam(name: string, route: RouteInfo, f: Fixtures, rng: Rng): string {
  const destructive = isDestructive(route)
  const accountRoute = route.url.startsWith('/api/account')
  switch (name) {
    case 'websiteId':
      return destructive ? f.victim.websiteUuid : rng.pick([f.website.uuid, f.website.uuid, f.otherWebsite.uuid])
    case 'id':
      if (accountRoute) return String(destructive ? f.victim.userId : rng.pick([f.admin.id, f.user.id]))
      return destructive ? rng.pick([String(f.victim.websiteId), f.victim.websiteUuid]) : rng.pick([String(f.website.id), f.website.uuid])
    case 'userId':
      return destructive ? f.victim.userUuid : rng.pick([f.admin.uuid, f.user.uuid])
    case 'sessionId':
      return f.sessionUuid
    case 'eventId':
      return String(f.eventId)
    case 'reportId':
      return destructive ? rng.pick([f.victim.reportUuid, 'funnel', 'insights']) : f.reportUuid
    case 'shareId':
      return f.website.shareId
    default:
      return 'x'
  }
}

/** The route's path with every parameter valid: for requests that must reach the route itself. */
export function validPath(route: RouteInfo, rng: Rng, f: Fixtures): string {
  return route.url
    .split('/')
    .map((segment) => (segment === '*' ? '/x' : segment.startsWith(':') ? encode(validParam(segment.slice(1), route, f, rng)) : segment))
    .join('/')
}

export function buildPath(route: RouteInfo, rng: Rng, fixtures: Fixtures): string {
  const f = isDestructive(route) ? victimView(fixtures) : fixtures
  return route.url
    .split('/')
    .map((segment) => {
      if (segment === '*') return rng.chance(0.5) ? '/some/deep/path' : `/${encode(nastyText(rng, f))}`
      if (!segment.startsWith(':')) return segment
      const name = segment.slice(1)
      if (rng.chance(0.45)) return encode(validParam(name, route, f, rng))
      if (rng.chance(0.15)) return rng.pick(RAW_FRAGMENTS)
      return encode(nastyText(rng, f))
    })
    .join('/')
}

// --- query strings ---

const FILTER_KEYS = [
  'path', 'url', 'referrer', 'title', 'query', 'event', 'hostname', 'host', 'tag', 'utmSource', 'utmMedium', 'utmCampaign',
  'utmContent', 'utmTerm', 'os', 'browser', 'device', 'country', 'region', 'city', 'language', 'distinctId', 'event_name', 'screen'
]

const FILTER_VALUES = [
  'chrome', 'eq.chrome', 'neq.chrome', '!chrome', '~exa', '!~exa', 'c.exa', 'dnc.x', 're.^/a', 'nre.x$', 'eq.a,b,c', 'eq.', 'neq.', '!', '~',
  're.(', 're.[', 're.(?<n>x)', 're.(a+)+$', 're.\\', `re.${LONG(5000, '(a|')}`, 're.a{1000000}', 'gt.5', 'lt.', 's.x', 'bf.2020',
  `eq.${LONG(120, 'a,')}`, 'c.%_\\', 'c.\u0000'
]

/** Query parameters every family of routes reads, with values that pass their checks. */
function validQuery(rng: Rng, f: Fixtures, at: number): [string, string][] {
  const start = at - rng.pick([3_600_000, 86_400_000, 30 * 86_400_000, 400 * 86_400_000])
  const pairs: [string, string][] = [
    ['startAt', String(start)],
    ['endAt', String(at)],
    ['start_at', String(start)],
    ['end_at', String(at)]
  ]
  const optional: [string, () => string][] = [
    ['unit', () => rng.pick(['minute', 'hour', 'day', 'month', 'year'])],
    ['timezone', () => rng.pick(['utc', 'Europe/Berlin', 'America/New_York', 'Asia/Calcutta', 'Australia/Lord_Howe'])],
    ['tz', () => rng.pick(['UTC', 'Europe/Berlin', 'Pacific/Chatham'])],
    ['compare', () => rng.pick(['prev', 'yoy'])],
    ['type', () => rng.pick(['path', 'url', 'referrer', 'browser', 'os', 'device', 'country', 'event', 'query', 'title', 'language', 'screen', 'entry', 'exit', 'channel', 'hostname'])],
    ['limit', () => String(1 + rng.int(50))],
    ['offset', () => String(rng.int(5))],
    ['page', () => String(1 + rng.int(3))],
    ['pageSize', () => String(1 + rng.int(100))],
    ['search', () => rng.pick(['a', 'exa', 'chrome,firefox'])],
    ['match', () => rng.pick(['any', 'all'])],
    ['include_all', () => rng.pick(['true', 'false', '1', '0'])],
    ['user_id', () => String(rng.pick([f.admin.id, f.user.id]))],
    ['since', () => String(rng.int(100))],
    ['propertyName', () => rng.pick(['plan', 'n', 'nested.key'])],
    ['event', () => rng.pick(['signup', 'click'])],
    ['websiteId', () => rng.pick([f.website.uuid, f.otherWebsite.uuid])]
  ]
  for (const [key, value] of optional) if (rng.chance(0.35)) pairs.push([key, value()])
  const filters = rng.int(3)
  for (let i = 0; i < filters; i++) pairs.push([rng.pick(FILTER_KEYS), rng.pick(FILTER_VALUES.slice(0, 11))])
  return pairs
}

const KNOWN_QUERY_KEYS = [
  'startAt', 'endAt', 'startDate', 'endDate', 'start_at', 'end_at', 'unit', 'timezone', 'tz', 'compare', 'type', 'limit', 'offset', 'page',
  'pageSize', 'search', 'match', 'include_all', 'user_id', 'since', 'propertyName', 'event', 'websiteId'
]
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'a[b]', 'a.b', '', '日本', LONG(1000), 'browser99', 'path0']

function nastyQueryValue(rng: Rng, f: Fixtures, key: string): string {
  if ((FILTER_KEYS.includes(key.replace(/\d+$/, '')) || rng.chance(0.1)) && rng.chance(0.6)) return rng.pick(FILTER_VALUES)
  return nastyText(rng, f)
}

export function buildQuery(rng: Rng, f: Fixtures, at: number): string {
  if (rng.chance(0.08)) return ''
  const pairs = rng.chance(0.6) ? validQuery(rng, f, at) : []
  const mutations = 1 + rng.int(3)
  for (let i = 0; i < mutations; i++) {
    const roll = rng.int(10)
    if (roll < 5 && pairs.length > 0) {
      // Spoil one value.
      const index = rng.int(pairs.length)
      pairs[index] = [pairs[index]![0], nastyQueryValue(rng, f, pairs[index]![0])]
    } else if (roll < 7) {
      const key = rng.pick([...KNOWN_QUERY_KEYS, ...FILTER_KEYS, `${rng.pick(FILTER_KEYS)}${rng.int(12)}`])
      pairs.push([key, nastyQueryValue(rng, f, key)])
    } else if (roll < 8 && pairs.length > 0) {
      // Repeat a key: the parser makes an array of it.
      const [key] = rng.pick(pairs)
      pairs.push([key, nastyQueryValue(rng, f, key)])
    } else if (roll < 9) {
      pairs.push([rng.pick(ODD_KEYS), nastyText(rng, f)])
    } else if (pairs.length > 0) {
      pairs.splice(rng.int(pairs.length), 1)
    }
  }
  let text = pairs.map(([k, v]) => (rng.chance(0.05) ? encode(k) : `${encode(k)}=${encode(v)}`)).join('&')
  if (rng.chance(0.1)) text += rng.pick(['&', '&&&', '&=', '&%=%', '&a=%zz', '&%E0%A4%A=1', '&x=1=2', '?a=b', '#frag', '&a=%00'])
  return text
}

// --- bodies ---

/** A body that passes the route's checks (or close to it), by the route's URL. */
function validBody(route: RouteInfo, rng: Rng, f: Fixtures, at: number): unknown {
  const websiteUuid = rng.pick([f.website.uuid, f.website.uuid, f.otherWebsite.uuid])
  const range = { startDate: new Date(at - 30 * 86_400_000).toISOString(), endDate: new Date(at).toISOString() }
  switch (route.url) {
    case '/api/collect':
      return {
        type: rng.pick(['pageview', 'event']),
        payload: {
          website: websiteUuid,
          url: '/fuzz?utm_source=x',
          referrer: 'https://ref.example/a',
          hostname: 'example.com',
          language: 'en-US',
          screen: '1920x1080',
          event_name: 'click',
          event_data: { plan: 'pro', n: 1 }
        }
      }
    case '/api/send':
      return sendBody(rng, websiteUuid, at)
    case '/api/batch':
      return Array.from({ length: 1 + rng.int(3) }, () => sendBody(rng, websiteUuid, at))
    case '/api/auth/login':
      return { username: rng.pick(['admin', f.user.username, 'nobody']), password: rng.pick(['wrong', f.adminPassword]) }
    case '/api/account':
      return { user_id: f.victim.userId, username: `victim-${rng.int(1e6)}`, password: 'victim-pass', is_admin: false }
    case '/api/account/password':
      return { user_id: f.victim.userId, current_password: 'nope', new_password: 'something-new' }
    case '/api/me/password':
      return { currentPassword: rng.pick(['wrong-password', f.adminPassword]), newPassword: f.adminPassword }
    case '/api/users':
      return { username: `fuzz-${rng.int(1e9)}`, password: 'long-enough-password', role: rng.pick(['user', 'view-only', 'admin']) }
    case '/api/users/:userId':
      return { username: `renamed-${rng.int(1e9)}`, role: rng.pick(['user', 'view-only']) }
    case '/api/website':
      return { website_id: f.victim.websiteId, name: 'Victim', domain: 'victim.example', enable_share_url: rng.chance(0.5) }
    case '/api/websites':
      return { name: 'Fuzz site', domain: 'fuzz.example', shareId: rng.chance(0.3) ? `s${rng.int(1e9)}` : null }
    case '/api/websites/:websiteId':
      return { name: 'Victim', domain: 'victim.example', shareId: rng.chance(0.5) ? null : `v${rng.int(1e9)}` }
    case '/api/websites/:websiteId/transfer':
      return { userId: rng.pick([f.user.uuid, f.admin.uuid]) }
    case '/api/reports':
    case '/api/reports/:reportId':
      return {
        websiteId: route.url === '/api/reports' ? websiteUuid : f.website.uuid,
        type: 'funnel',
        name: 'Fuzz report',
        description: 'made by the fuzz test',
        parameters: { window: 60, steps: [{ type: 'path', value: '/' }, { type: 'event', value: 'click' }] }
      }
    default:
      if (route.url.startsWith('/api/reports/')) {
        return {
          websiteId: websiteUuid,
          filters: rng.chance(0.5) ? { browser: rng.pick(FILTER_VALUES) } : undefined,
          parameters: {
            ...range,
            window: 60,
            steps: rng.chance(0.5) ? [{ type: 'path', value: '/' }, { type: 'event', value: 'click' }] : 3,
            type: 'path',
            value: '/',
            timezone: 'Europe/Berlin',
            eventType: 1,
            startStep: '/',
            endStep: undefined
          }
        }
      }
      return { name: 'x', value: 1 }
  }
}

function sendBody(rng: Rng, websiteUuid: string, at: number) {
  return {
    type: rng.pick(['event', 'event', 'identify']),
    payload: {
      website: websiteUuid,
      hostname: 'example.com',
      url: rng.pick(['https://example.com/a?utm_medium=m', '/b#h', '']),
      referrer: 'https://ref.example/',
      title: 'Page',
      language: 'de-DE',
      screen: '390x844',
      name: rng.chance(0.5) ? 'signup' : undefined,
      tag: 'tag',
      id: rng.chance(0.3) ? 'user-42' : undefined,
      data: { plan: 'pro', amount: 9.5, when: '2026-01-01T00:00:00Z', list: [1, 2] },
      timestamp: rng.chance(0.3) ? Math.floor(at / 1000) : undefined
    }
  }
}

/** A value of the wrong type, size or meaning for any field. */
function nastyValue(rng: Rng, f: Fixtures, depth = 0): unknown {
  const roll = rng.int(22)
  switch (roll) {
    case 0:
      return null
    case 1:
      return rng.pick([0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 8.64e15 + 1, 4294967296, 1e-300])
    case 2:
      return rng.pick([true, false])
    case 3:
      return []
    case 4:
      return {}
    case 5:
      return depth < 2 ? [nastyValue(rng, f, depth + 1), nastyValue(rng, f, depth + 1)] : [1]
    case 6:
      return depth < 2 ? { [rng.pick(['a', '', '__proto__x', 'constructor', 'toString'])]: nastyValue(rng, f, depth + 1) } : { a: 1 }
    case 7:
      // Written into the JSON text by serialise: JSON.stringify itself cannot go this deep.
      return `@@DEEP_${rng.pick([50, 1000, 5000, 20_000])}_${rng.pick(['array', 'object'])}@@`
    case 8:
      return LONG(rng.pick([256, 501, 1001, 5000, 60_000]), rng.pick(['a', 'é', '😀', '\u0000']))
    case 9:
      return seededUuid(rng)
    case 10:
      return rng.pick(['NaN', 'Infinity', '-1', '1e999', '0x1F', '', ' ', '\t\n'])
    case 11:
      return '\ud800'
    default:
      return nastyText(rng, f)
  }
}

/** JSON text of arrays or objects nested `depth` levels deep. */
function deepJson(depth: number, arrays: boolean): string {
  return arrays ? '['.repeat(depth) + '1' + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
}

/** Paths to every value of a JSON tree, so one can be spoiled. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix)
  if (prefix.length > 4) return out
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out))
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out)
  return out
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value
  let node = root as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (remove) delete node[last]
  else node[last] = value
  return root
}

/** The valid body with one to three of its values spoiled, removed, or joined by unknown fields. */
function mutatedBody(route: RouteInfo, rng: Rng, f: Fixtures, at: number): unknown {
  let body = validBody(route, rng, f, at)
  const mutations = rng.int(4)
  for (let i = 0; i < mutations; i++) {
    const all = paths(body)
    const path = rng.pick(all)
    const roll = rng.int(10)
    if (roll < 6) body = setAt(body, path, nastyValue(rng, f), false)
    else if (roll < 8 && path.length > 0) body = setAt(body, path, undefined, true)
    else {
      const objects = all.filter((p) => {
        let node: unknown = body
        for (const k of p) node = (node as Record<string | number, unknown>)[k]
        return node !== null && typeof node === 'object' && !Array.isArray(node)
      })
      if (objects.length > 0) body = setAt(body, [...rng.pick(objects), rng.pick(['unknown', 'extra_field', 'teamId', 'isAdmin', 'role', 'user_id', '$where'])], nastyValue(rng, f), false)
    }
  }
  return body
}

/** JSON text that is not JSON, or JSON that is no object. */
const BROKEN_JSON = [
  '',
  '   ',
  '{',
  '}',
  '{"type":',
  '{"type": "event", "payload": {',
  "{'type': 'event'}",
  '{type: "event"}',
  '{"a": 1,}',
  '[1, 2,]',
  'NaN',
  'undefined',
  'null',
  '[]',
  '[null]',
  '"string"',
  '0',
  '-1',
  'true',
  '1e400',
  '\ufeff{"type":"event"}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a":"\\x41"}',
  '{"a": 01}',
  '{"__proto__": {"isAdmin": true}}',
  '{"constructor": {"prototype": {"isAdmin": true}}}',
  '{"type":"event","payload":{"website":"x","__proto__":{"a":1}}}',
  '{"a":1}{"b":2}',
  '\u0000',
  '<xml/>',
  'type=event&payload=1'
]

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'text/plain;charset=UTF-8',
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'text/html',
  'application/octet-stream',
  'application/vnd.api+json',
  'application/json;;;',
  'application/json, text/plain',
  ';',
  '*/*',
  'json'
]

export interface BuiltBody {
  payload?: string | Buffer | Readable
  contentType?: string
  /** A declared length that differs from the body. */
  contentLength?: string
  /** The body exceeds the route's limit: 413 expected. */
  oversize?: boolean
  note: string
}

/** Serialises a body, occasionally with a raw JSON edit no object can express (`1e400`, a duplicate key). */
function serialise(rng: Rng, body: unknown): string {
  let text = (JSON.stringify(body) ?? 'null').replace(/"@@DEEP_(\d+)_(array|object)@@"/g, (_m, depth: string, kind: string) =>
    deepJson(Number(depth), kind === 'array')
  )
  // Only a number that starts after a JSON delimiter, of bounded length: a long run of digits must not backtrack.
  if (rng.chance(0.1)) text = text.replace(/(?<=[:,[])-?\d{1,20}(?:\.\d{1,20})?(?=[,}\]])/, () => rng.pick(['1e400', '-1e400', '1e-400', '123456789012345678901234567890']))
  if (rng.chance(0.05) && text.startsWith('{"')) text = `{"__proto__":{"polluted":1},${text.slice(1)}`
  return text
}

export function buildBody(route: RouteInfo, rng: Rng, fixtures: Fixtures, at: number, appBodyLimit: number): BuiltBody {
  const f = isDestructive(route) ? victimView(fixtures) : fixtures
  const limit = route.bodyLimit ?? appBodyLimit
  const roll = rng.int(100)
  const jsonType = () => (rng.chance(0.85) ? rng.pick(CONTENT_TYPES.slice(0, 4)) : rng.pick(CONTENT_TYPES))
  if (roll < 8) return { note: 'no body' }
  if (roll < 50) return { payload: serialise(rng, mutatedBody(route, rng, f, at)), contentType: jsonType(), note: 'mutated body' }
  if (roll < 58) return { payload: serialise(rng, validBody(route, rng, f, at)), contentType: jsonType(), note: 'valid-looking body' }
  if (roll < 70) return { payload: rng.pick(BROKEN_JSON), contentType: jsonType(), note: 'broken JSON' }
  if (roll < 76) {
    // Deep nesting, alone or where a route reads objects; kept under the limit so the parser sees it.
    const arrays = rng.chance(0.5)
    const depth = Math.min(rng.pick([1000, 10_000, 100_000]), Math.floor((limit - 300) / (arrays ? 2 : 6)))
    const deep = deepJson(depth, arrays)
    // Alone, or in place of any value of a valid body (payload.data.plan, parameters.steps, …).
    const base = validBody(route, rng, f, at)
    const spots = paths(base).filter((path) => path.length > 0)
    const text = rng.chance(0.3) || spots.length === 0 ? deep : JSON.stringify(setAt(base, rng.pick(spots), '__DEEP__', false)).replace('"__DEEP__"', deep)
    return { payload: text, contentType: 'application/json', note: `nesting ${depth} deep` }
  }
  if (roll < 84) {
    return { payload: serialise(rng, mutatedBody(route, rng, f, at)), contentType: rng.pick(CONTENT_TYPES.slice(4)), note: 'odd content type' }
  }
  if (roll < 88) return { payload: serialise(rng, validBody(route, rng, f, at)), note: 'no content type' }
  if (roll < 92) {
    const text = serialise(rng, validBody(route, rng, f, at))
    const declared = rng.pick([text.length + 10, Math.max(0, text.length - 5), 0])
    return { payload: text, contentType: 'application/json', contentLength: String(declared), note: `content-length ${declared} for ${text.length} bytes` }
  }
  // Bodies over the limit: declared (content-length) or streamed without one.
  const size = limit + 1 + rng.int(2048)
  const filler = `{"pad":"${LONG(size, rng.pick(['a', 'é']))}"}`
  const streamed = rng.chance(0.3)
  return {
    payload: streamed ? Readable.from([Buffer.from(filler)]) : filler,
    contentType: rng.pick(['application/json', 'text/plain']),
    oversize: true,
    note: `${Buffer.byteLength(filler)}-byte body (limit ${limit})${streamed ? ', streamed' : ''}`
  }
}

// --- headers ---

export type Caller = 'admin' | 'user' | 'anonymous' | 'share' | 'garbage'

export function pickCaller(rng: Rng): Caller {
  return rng.pick<Caller>(['admin', 'admin', 'admin', 'admin', 'admin', 'user', 'anonymous', 'anonymous', 'share', 'garbage'])
}

const GARBAGE_AUTH = [
  'Bearer',
  'Bearer ',
  'Bearer  ',
  'bearer x',
  'Bearer null',
  'Bearer undefined',
  'Basic YWRtaW46dW1hbWk=',
  'Token abc',
  `Bearer ${LONG(201)}`,
  `Bearer ${LONG(8000)}`,
  'Bearer a.b.c',
  'Bearer eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoxfQ.',
  '\t',
  'Bearer %00'
]

const GARBAGE_TOKENS = ['', 'undefined', 'null', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJ3ZWJzaXRlX2lkIjoxfQ.', LONG(500), LONG(20_000), '....', 'x.y']

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  '',
  'curl/8.0',
  LONG(10_000, 'Mozilla/5.0 '),
  '() { :; }; echo vulnerable'
]

const FORWARDED = ['203.0.113.9', '198.51.100.7', 'not-an-ip', '999.1.1.1', '::ffff:203.0.113.5', '2001:db8::1', 'fe80::1%eth0', '', ',,,', ' , 1.2.3.4', LONG(5000, '1.')]

export interface CallerTokens {
  admin: string
  user: string
}

/** Headers of a request: who calls and how, plus the odd header a proxy or a tracker adds. */
export function buildHeaders(rng: Rng, f: Fixtures, caller: Caller, tokens: CallerTokens): Record<string, string> {
  const headers: Record<string, string> = {}
  const loginToken = caller === 'admin' ? tokens.admin : caller === 'user' ? tokens.user : undefined
  if (loginToken) {
    if (rng.chance(0.8)) headers.authorization = `Bearer ${loginToken}`
    else headers.cookie = `umami.auth=${loginToken}`
  }
  if (caller === 'share') headers['x-umami-share-token'] = rng.chance(0.7) ? f.tokens.share : f.tokens.otherShare
  if (caller === 'garbage') {
    const roll = rng.int(4)
    if (roll === 0) headers.authorization = rng.pick(GARBAGE_AUTH)
    else if (roll === 1) headers.cookie = rng.pick(['umami.auth=', 'umami.auth=%E0%A4%A', '=;;=', `umami.auth=${LONG(5000)}`, 'umami.auth="unterminated', 'a=b; umami.auth=x; umami.auth=y'])
    else if (roll === 2) headers['x-umami-share-token'] = rng.pick(GARBAGE_TOKENS)
    else headers['x-umami-token'] = rng.pick(GARBAGE_TOKENS)
  }
  if (rng.chance(0.85)) headers['user-agent'] = rng.chance(0.8) ? USER_AGENTS[0]! : rng.pick(USER_AGENTS)
  if (rng.chance(0.2)) headers['x-umami-cache'] = rng.pick([f.tokens.cache, f.tokens.otherCache, ...GARBAGE_TOKENS])
  if (rng.chance(0.15)) headers['x-forwarded-for'] = rng.pick(FORWARDED)
  if (rng.chance(0.05)) headers.origin = rng.pick(['https://example.com', 'null', '*', LONG(3000)])
  if (rng.chance(0.05)) headers['access-control-request-method'] = rng.pick(['POST', 'GET', 'BOGUS', ''])
  if (rng.chance(0.05)) headers.accept = rng.pick(['text/html', '*/*', 'application/xml', ';;;', ''])
  if (rng.chance(0.03)) headers['content-encoding'] = rng.pick(['gzip', 'br', 'deflate', 'bogus'])
  if (rng.chance(0.03)) headers['transfer-encoding'] = 'chunked'
  return headers
}

export const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const

