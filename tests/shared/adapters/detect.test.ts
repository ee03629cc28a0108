import { describe, expect, test } from 'vitest'
import { type Credentials, detect, probesFor, type ProbeResults } from '../../../src/shared/api/adapters'

// Each way a profile can fail gets its own kind and a message that says what to do.

const PASSWORD: Credentials = { kind: 'password', username: 'admin', password: 'secret' }
const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body)
})
const V3_PROBES: ProbeResults = {
  heartbeat: reply(200, { ok: true }),
  telemetry: reply(200, 'x.src="https://i.umami.is/a.png?v=3.1.0"'),
  config: reply(200, { privateMode: false, cloudMode: false, currentVersion: true }),
  websitesAnon: reply(401, { error: { message: 'Unauthorized', code: 'unauthorized', status: 401 } })
}

describe('the probes', () => {
  test('self-hosted: unauthenticated probes, the login, then the websites list with the token', () => {
    expect(probesFor('https://a.example.com', PASSWORD).map((p) => `${p.method} ${p.path}${p.authenticated ? ' (auth)' : ''}`)).toEqual([
      'GET /api/heartbeat',
      'GET /api/scripts/telemetry',
      'GET /api/version',
      'GET /api/config',
      'GET /api/websites',
      'POST /api/auth/login',
      'GET /api/websites (auth)'
    ])
  })

  test('Umami Cloud: one authenticated request on the API base', () => {
    expect(probesFor('https://cloud.umami.is', { kind: 'api-key', key: 'k' })).toEqual([{ id: 'websites', method: 'GET', path: '/websites?pageSize=1', authenticated: true }])
  })
})

describe('failures, each with its own kind and message', () => {
  test('nothing answers: unreachable, naming the host and the network error', () => {
    const results: ProbeResults = { heartbeat: { error: 'ECONNREFUSED' }, login: { error: 'ECONNREFUSED' } }
    const d = detect(results, 'http://10.0.0.5:3000', PASSWORD)
    expect(d).toMatchObject({ ok: false, error: 'unreachable' })
    expect(!d.ok && d.message).toBe('Could not reach 10.0.0.5:3000 (ECONNREFUSED). Check the address, your network, and that the server is running.')
  })

  test('a site that answers every path with its HTML page is not Umami (wrong URL)', () => {
    const page = reply(200, '<!doctype html><title>My blog</title>', { 'content-type': 'text/html' })
    const results: ProbeResults = { heartbeat: page, telemetry: page, version: page, config: page, websitesAnon: page, login: reply(405, '<html>Method Not Allowed</html>') }
    const d = detect(results, 'https://blog.example.com', PASSWORD)
    expect(d).toMatchObject({ ok: false, error: 'not-umami' })
    expect(!d.ok && d.message).toMatch(/^blog\.example\.com answers, but not as an Umami server\. Use the address of Umami itself/)
  })

  test('404 everywhere (a wrong path under the right host) is not Umami either', () => {
    const missing = reply(404, 'Not Found')
    const d = detect({ heartbeat: missing, telemetry: missing, version: missing, config: missing, websitesAnon: missing, login: missing }, 'https://a.example.com/umami/dashboard', PASSWORD)
    expect(d).toMatchObject({ ok: false, error: 'not-umami' })
  })

  test('a refused login is bad-credentials in every era', () => {
    const v3 = detect({ ...V3_PROBES, login: reply(401, { error: { message: 'Unauthorized', code: 'incorrect-username-password', status: 401 } }) }, 'https://u.example.com', PASSWORD)
    expect(v3).toEqual({ ok: false, error: 'bad-credentials', message: 'Wrong username or password: the server refused them.' })
    const v1 = detect({ heartbeat: reply(200, {}), websitesAnon: reply(401, '401 Unauthorized'), login: reply(401, '401 Unauthorized') }, 'https://u.example.com', PASSWORD)
    expect(v1).toMatchObject({ ok: false, error: 'bad-credentials' })
    const v2 = detect({ heartbeat: reply(200, {}), login: reply(401, 'message.incorrect-username-password') }, 'https://u.example.com', PASSWORD)
    expect(v2).toMatchObject({ ok: false, error: 'bad-credentials' })
  })

  test('two-factor accounts and disabled logins are told to use an API key', () => {
    const twoFactor = detect({ ...V3_PROBES, login: reply(200, { requiresTwoFactor: true, partialToken: 'p' }) }, 'https://u.example.com', PASSWORD)
    expect(twoFactor).toMatchObject({ ok: false, error: 'bad-credentials', message: expect.stringMatching(/two-factor.*API key/) })
    const disabled = detect({ ...V3_PROBES, login: reply(403, 'Forbidden') }, 'https://u.example.com', PASSWORD)
    expect(disabled).toMatchObject({ ok: false, error: 'bad-credentials', message: expect.stringMatching(/DISABLE_LOGIN/) })
  })

  test('a version outside v1.20–v3.x is unsupported, and the message names it', () => {
    const future = detect({ ...V3_PROBES, telemetry: reply(200, 'i.umami.is/a.png?v=4.0.1') }, 'https://u.example.com', PASSWORD)
    expect(future).toEqual({
      ok: false,
      error: 'unsupported-version',
      message: 'This server runs Umami v4.0.1, which Dashi cannot read: Dashi reads Umami v1.20 to v3.x and Umami Cloud.'
    })
    const ancient = detect({ telemetry: reply(200, 'i.umami.is/a.png?v=1.12.0'), login: reply(200, { token: 't' }) }, 'https://u.example.com', PASSWORD)
    expect(ancient).toMatchObject({ ok: false, error: 'unsupported-version', message: expect.stringMatching(/v1\.12\.0/) })
  })

  test('the version is checked before the password, so a refused login on v4 still says "unsupported"', () => {
    const d = detect({ ...V3_PROBES, telemetry: reply(200, 'i.umami.is/a.png?v=4.0.0'), login: reply(401, 'no') }, 'https://u.example.com', PASSWORD)
    expect(d).toMatchObject({ error: 'unsupported-version' })
  })

  test('Umami Cloud: a refused key, a password instead of a key, a rate limit', () => {
    const key: Credentials = { kind: 'api-key', key: 'wrong' }
    expect(detect({ websites: reply(401, { error: 'Unauthorized' }) }, 'https://api.umami.is/v1', key)).toMatchObject({
      ok: false,
      error: 'bad-credentials',
      message: expect.stringMatching(/^Umami Cloud refused this API key/)
    })
    expect(detect({ websites: reply(200, { data: [] }) }, 'https://cloud.umami.is', PASSWORD)).toMatchObject({
      ok: false,
      error: 'bad-credentials',
      message: expect.stringMatching(/API key/)
    })
    expect(detect({ websites: reply(429, 'Too many') }, 'https://api.umami.is/v1', key)).toMatchObject({ ok: false, error: 'unreachable' })
  })

  test('a self-hosted API key that the server refuses is bad-credentials', () => {
    const d = detect({ ...V3_PROBES, websites: reply(401, { error: { message: 'Unauthorized', code: 'unauthorized', status: 401 } }) }, 'https://u.example.com', { kind: 'api-key', key: 'umami_x' })
    expect(d).toMatchObject({ ok: false, error: 'bad-credentials', message: expect.stringMatching(/API key/) })
  })
})

describe('version ranges when the server does not say its version', () => {
  const login = reply(200, { token: 't', user: { id: 'u', username: 'admin', role: 'admin', isAdmin: true } })

  test('v3 error envelope without telemetry → v3.0 (3.1-only views hidden)', () => {
    const d = detect({ ...V3_PROBES, telemetry: reply(200, '/* telemetry disabled */'), config: reply(404, 'x'), login }, 'https://u.example.com', PASSWORD)
    expect(d).toMatchObject({ ok: true, family: 'v3', version: null, versionRange: '3.x' })
    expect(d.ok && d.dialect.features.has('eventStats')).toBe(false)
  })

  test('config with uiDisabled → v2.6–2.15; paged websites without config → v2.5–2.15; plain array → v2.0–2.5', () => {
    const uiDisabled = detect({ heartbeat: reply(200, {}), config: reply(200, { uiDisabled: false, telemetryDisabled: true }), login }, 'https://u.example.com', PASSWORD)
    expect(uiDisabled).toMatchObject({ ok: true, family: 'v2', versionRange: '2.6–2.15' })
    const paged = detect({ heartbeat: reply(200, {}), login, websites: reply(200, { data: [], count: 0 }) }, 'https://u.example.com', PASSWORD)
    expect(paged).toMatchObject({ ok: true, versionRange: '2.5–2.15' })
    const array = detect({ heartbeat: reply(200, {}), login, websites: reply(200, []) }, 'https://u.example.com', PASSWORD)
    expect(array).toMatchObject({ ok: true, versionRange: '2.0–2.5' })
    expect(array.ok && array.dialect.features.has('dateRange')).toBe(false)
  })

  test('a v1 login without a user and without a cookie is v1.26 (Bearer)', () => {
    const d = detect({ heartbeat: reply(404, 'x'), login: reply(200, { token: 'tok' }) }, 'https://u.example.com', PASSWORD)
    expect(d).toMatchObject({ ok: true, family: 'v1', versionRange: '1.26', auth: { kind: 'bearer', token: 'tok' } })
  })
})
