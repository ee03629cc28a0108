import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createTestServer, type TestServer } from '../helpers'

let server: TestServer
beforeAll(async () => {
  server = await createTestServer()
})
afterAll(() => server.close())

describe('routes both dialects share', () => {
  test('heartbeat answers any method', async () => {
    for (const method of ['GET', 'POST', 'HEAD'] as const) {
      const res = await server.app.inject({ method, url: '/api/heartbeat' })
      expect(res.statusCode).toBe(200)
    }
    expect((await server.app.inject({ url: '/api/heartbeat' })).json()).toEqual({ ok: true })
  })

  test('config tells the dashboard there is no base path and no telemetry', async () => {
    const res = await server.app.inject({ url: '/api/config' })
    expect(res.json()).toEqual({
      basePath: '',
      cloudMode: false,
      faviconUrl: null,
      linksUrl: null,
      pixelsUrl: null,
      privateMode: false,
      telemetryDisabled: true,
      trackerScriptName: null,
      updatesDisabled: true,
      currentVersion: server.app.ctx.version
    })
  })

  test('the telemetry probe names our version and loads nothing from anywhere', async () => {
    for (const url of ['/api/scripts/telemetry', '/telemetry.js']) {
      const res = await server.app.inject({ url })
      expect(res.headers['content-type']).toMatch(/javascript/)
      expect(res.body).toMatch(/v=\d+\.\d+\.\d+/)
      expect(res.body).not.toMatch(/https?:|new Image|fetch\(/)
    }
  })

  test('serves the classic tracker as cacheable, minified JavaScript any origin may load', async () => {
    const res = await server.app.inject({ url: '/umami.js', headers: { origin: 'http://localhost:5173' } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/javascript/)
    expect(res.headers['cache-control']).toContain('max-age=86400')
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.body).toContain('/api/collect')
    expect(res.body.split('\n').length).toBeLessThanOrEqual(2)
  })

  test('answers CORS preflight on read endpoints (Umami v1.38 answered 405)', async () => {
    const res = await server.app.inject({
      method: 'OPTIONS',
      url: '/api/website/1/stats',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' }
    })
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['access-control-allow-headers']).toBe('authorization')
  })

  test('an OPTIONS request that is no preflight is a 400 in the path\'s dialect (the CORS plugin answered plain text everywhere)', async () => {
    const current = await server.app.inject({ method: 'OPTIONS', url: '/api/websites' })
    expect(current.statusCode).toBe(400)
    expect(current.json().error).toMatchObject({ status: 400, code: 'bad-request', message: expect.stringContaining('Origin') })
    const v1 = await server.app.inject({ method: 'OPTIONS', url: '/api/website/1/stats', headers: { origin: 'http://localhost:5173' } })
    expect(v1.statusCode).toBe(400)
    expect(v1.headers['content-type']).toMatch(/^text\/plain/)
    expect(v1.body).toContain('Access-Control-Request-Method')
  })

  test('an unknown classic route is a plain-text 404; an unknown current route a JSON envelope', async () => {
    const v1 = await server.app.inject({ url: '/api/website/1/nothing-here' })
    expect(v1.statusCode).toBe(404)
    expect(v1.headers['content-type']).toMatch(/^text\/plain/)
    expect(v1.body).toBe('404 Not Found')
    const current = await server.app.inject({ url: '/api/no-such-thing' })
    expect(current.statusCode).toBe(404)
    expect(current.json()).toEqual({ error: { message: 'Not Found', code: 'not-found', status: 404 } })
  })

  test('sets defensive headers on every response', async () => {
    const res = await server.app.inject({ url: '/api/heartbeat' })
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN')
  })
})
