import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ApiError } from '../../../src/shared/api/client'
import { type Call, type CallParams, createAdapter, type Credentials, detect, isUnsupported, type ProbeResults } from '../../../src/shared/api/adapters'

// Each fixture is one remote server as the specs describe it (umami-v1.md, umami-v2.md): the replies to
// the detection probes, and for a few dashboard calls the request Dashi must send and the reply it gets.
// Detection must pick the right dialect; each normalised reply must equal the current API's shape exactly.

interface CallFixture {
  call?: Call
  params: CallParams[Call]
  path?: string
  unsupported?: boolean
  response?: unknown
  expected?: unknown
}
interface Fixture {
  description: string
  baseUrl: string
  credentials: Credentials
  probes: ProbeResults
  expect: { family: string; dialect: string; version: string | null; versionRange: string; baseUrl?: string; auth: unknown; authHeaders: Record<string, string> }
  calls: Record<string, CallFixture>
}

const dir = join(__dirname, 'fixtures')
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture] as const)

test('there is a fixture for each v1 era, early and late v2, v3 and Cloud', () => {
  expect(fixtures.map(([name]) => name).sort()).toEqual(['cloud', 'v1-bearer', 'v1-camel', 'v1-cookie', 'v2-10', 'v2-19', 'v3'])
})

describe.each(fixtures)('%s', (_name, fixture) => {
  const detection = detect(fixture.probes, fixture.baseUrl, fixture.credentials)
  if (!detection.ok) throw new Error(`fixture not detected: ${detection.message}`)
  const baseUrl = fixture.expect.baseUrl ?? fixture.baseUrl.replace(/\/+$/, '')
  const adapter = createAdapter(detection.dialect, { baseUrl: detection.baseUrl, auth: detection.auth })

  test('detection picks the dialect, version and login, and says so in words', () => {
    expect({
      family: detection.family,
      dialect: detection.dialect.id,
      version: detection.version,
      versionRange: detection.versionRange,
      baseUrl: detection.baseUrl,
      auth: detection.auth
    }).toEqual({
      family: fixture.expect.family,
      dialect: fixture.expect.dialect,
      version: fixture.expect.version,
      versionRange: fixture.expect.versionRange,
      baseUrl,
      auth: fixture.expect.auth
    })
    expect(detection.summary).toMatch(/Umami/)
  })

  test.each(Object.entries(fixture.calls))('%s', (key, c) => {
    const call = c.call ?? (key as Call)
    const request = adapter.request(call, c.params)
    if (c.unsupported) {
      expect(isUnsupported(request)).toBe(true)
      if (isUnsupported(request)) expect(request.reason).toMatch(/\w+ .*\w/)
      return
    }
    if (isUnsupported(request)) throw new Error(`unexpectedly unsupported: ${request.reason}`)
    expect(request.method).toBe('GET')
    expect(request.path).toBe(c.path)
    expect(request.url).toBe(`${baseUrl}${c.path}`)
    expect(request.headers).toEqual({ accept: 'application/json', ...fixture.expect.authHeaders })
    const body = typeof c.response === 'string' ? c.response : JSON.stringify(c.response)
    expect(adapter.normalise(call, { status: 200, headers: {}, body }, c.params)).toEqual(c.expected)
  })
})

describe('features a version lacks are declared, so the dashboard hides them', () => {
  const featuresOf = (name: string) => {
    const fixture = fixtures.find(([n]) => n === name)![1]
    const detection = detect(fixture.probes, fixture.baseUrl, fixture.credentials)
    if (!detection.ok) throw new Error(detection.message)
    return detection.dialect
  }

  test('v1: no visits, sessions or channels; comparison only once stats carry it (1.22+)', () => {
    const cookie = featuresOf('v1-cookie')
    expect([...cookie.features].sort()).toEqual(['realtime'])
    const bearer = featuresOf('v1-bearer')
    expect(bearer.features.has('comparison')).toBe(true)
    expect(bearer.features.has('visits')).toBe(false)
    expect(bearer.features.has('sessions')).toBe(false)
    expect(bearer.metricMeasure('path')).toBe('pageviews')
    expect(bearer.metricMeasure('browser')).toBe('visitors')
  })

  test('v2.10 lacks visits, operators and sessions; v2.16 has realtime and channels, not expanded metrics', () => {
    const early = featuresOf('v2-10')
    for (const f of ['visits', 'filterOperators', 'sessions', 'realtime', 'channels'] as const) expect(early.features.has(f)).toBe(false)
    expect(early.features.has('dateRange')).toBe(true)
    const late = featuresOf('v2-19')
    for (const f of ['visits', 'filterOperators', 'sessions', 'realtime', 'channels', 'compareYoy'] as const) expect(late.features.has(f)).toBe(true)
    for (const f of ['metricsExpanded', 'eventStats', 'filterMultiValue', 'filterMatchAny'] as const) expect(late.features.has(f)).toBe(false)
    // 2.16–2.18 counted views for page types; the range's oldest release decides.
    expect(late.metricMeasure('path')).toBe('pageviews')
    expect(late.metricMeasure('referrer')).toBe('visitors')
  })

  test('v3.1 and Cloud have everything; metric rows count visitors (events for events)', () => {
    expect(featuresOf('v3').features.has('eventStats')).toBe(true)
    expect(featuresOf('cloud').features.has('metricsExpanded')).toBe(true)
    expect(featuresOf('v3').metricMeasure('path')).toBe('visitors')
    expect(featuresOf('v3').metricMeasure('event')).toBe('events')
  })
})

describe('error replies of every era become an ApiError with the server’s words', () => {
  const fixture = (name: string) => fixtures.find(([n]) => n === name)![1]
  const adapterFor = (name: string) => {
    const f = fixture(name)
    const d = detect(f.probes, f.baseUrl, f.credentials)
    if (!d.ok) throw new Error(d.message)
    return createAdapter(d.dialect, { baseUrl: d.baseUrl, auth: d.auth })
  }
  const thrown = (fn: () => unknown) => {
    try {
      fn()
    } catch (e) {
      return e as ApiError
    }
    throw new Error('did not throw')
  }
  const params = { websiteId: '1', startAt: 0, endAt: 1 }

  test('v1 plain text 401: code unauthorized, and a hint to sign in again', () => {
    const error = thrown(() => adapterFor('v1-bearer').normalise('stats', { status: 401, headers: {}, body: '401 Unauthorized' }, params))
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' })
    expect(error.message).toMatch(/^401 Unauthorized \(Umami v1\.26–1\.38 .*sign in again/)
  })

  test('v2.16+ {error: string} and v3 envelopes keep their message and code', () => {
    expect(thrown(() => adapterFor('v2-19').normalise('stats', { status: 400, headers: {}, body: '{"error":["startAt: Required"]}' }, params))).toMatchObject({
      status: 400,
      code: 'bad-request'
    })
    expect(
      thrown(() => adapterFor('v2-19').normalise('stats', { status: 404, headers: {}, body: JSON.stringify({ error: 'Website not found' }) }, params))
    ).toMatchObject({ status: 404, code: 'not-found', message: 'Website not found' })
    expect(
      thrown(() =>
        adapterFor('v3').normalise('stats', { status: 400, headers: {}, body: JSON.stringify({ error: { message: 'Invalid startAt', code: 'bad-request', status: 400 } }) }, params)
      )
    ).toMatchObject({ status: 400, code: 'bad-request', message: 'Invalid startAt' })
  })

  test('an HTML page or a reply of the wrong shape is a 502 naming the likely cause', () => {
    const html = thrown(() => adapterFor('v3').normalise('stats', { status: 200, headers: {}, body: '<html>login</html>' }, params))
    expect(html).toMatchObject({ status: 502, code: 'bad-response' })
    const wrong = thrown(() => adapterFor('v3').normalise('stats', { status: 200, headers: {}, body: '{"pageviews":{"value":1,"prev":0}}' }, params))
    expect(wrong).toMatchObject({ status: 502, code: 'bad-response' })
    expect(wrong.message).toMatch(/does not look like Umami v3\.1.*server version/)
  })
})
