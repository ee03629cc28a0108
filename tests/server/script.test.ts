import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { trackerScript } from '../../src/server/tracker'
import { createTestServer, type TestServer } from '../helpers'

let server: TestServer

beforeAll(async () => {
  server = await createTestServer()
})

afterAll(async () => {
  await server.close()
})

describe('GET /script.js (the current tracker)', () => {
  test('is served as JavaScript to any origin, cached for a day', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/script.js', headers: { origin: 'https://blog.example' } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/javascript/)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['cache-control']).toBe('public, max-age=86400, must-revalidate')
  })

  test('is minified, sends to /api/send, and is at most 2 KB gzipped', async () => {
    const served = (await server.app.inject({ method: 'GET', url: '/script.js' })).body
    const source = readFileSync(new URL('../../src/server/tracker/script.js', import.meta.url), 'utf8')

    expect(served.length).toBeLessThan(source.length * 0.6)
    expect(served.split('\n').length).toBeLessThanOrEqual(2)
    expect(served).not.toContain('/*')
    expect(served).toContain('/api/send')
    expect(served).toContain('x-umami-cache')
    expect(served).not.toContain('/api/collect')

    const { code, gzipBytes } = await trackerScript('script.js')
    expect(code).toBe(served)
    expect(gzipBytes).toBe(gzipSync(served, { level: 9 }).length)
    console.info(`script.js: ${served.length} bytes minified, ${gzipBytes} bytes gzip`)
    expect(gzipBytes).toBeLessThanOrEqual(2048)
  })

  test('is the current tracker, not the classic one served at /umami.js', async () => {
    const classic = (await server.app.inject({ method: 'GET', url: '/umami.js' })).body
    const current = (await server.app.inject({ method: 'GET', url: '/script.js' })).body
    expect(classic).toContain('/api/collect')
    expect(current).not.toBe(classic)
  })
})
