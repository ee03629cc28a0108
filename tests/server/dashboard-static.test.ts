import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { resolveConfig } from '../../src/server/config'
import { startServer, type RunningServer } from '../../src/server/server'

let server: RunningServer
let dir: string
const INDEX = '<!doctype html><title>Dashi</title><div id="app"></div>'

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dashi-static-'))
  const staticDir = join(dir, 'renderer')
  mkdirSync(join(staticDir, 'assets'), { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), INDEX)
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(staticDir, 'assets', 'OverviewView-CZLvb0_L.js'), 'console.log(2)')
  server = await startServer({ ...resolveConfig([], {}), dataDir: join(dir, 'data'), port: 0, host: '127.0.0.1' }, { logger: false, staticDir })
})

afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

const get = (path: string, accept = 'text/html,application/xhtml+xml,*/*;q=0.8') => fetch(server.url + path, { headers: { accept } })

describe('the dashboard in web mode', () => {
  test('a reload or a shared link on a dashboard page opens the app', async () => {
    for (const path of ['/', '/websites', '/websites/3f1c2d4e-0000-4000-8000-000000000001/settings', '/share/abc123?range=7d', '/settings']) {
      const res = await get(path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/)
      expect(await res.text(), path).toBe(INDEX)
    }
  })

  test('hashed build assets may be cached for good; the page that names them is asked again each time', async () => {
    const hashed = await get('/assets/OverviewView-CZLvb0_L.js', '*/*')
    expect(hashed.status).toBe(200)
    expect(hashed.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const page = await get('/')
    expect(page.headers.get('cache-control')).not.toMatch(/immutable|max-age=[1-9]/)
    const unhashed = await get('/assets/app.js', '*/*')
    expect(unhashed.headers.get('cache-control')).not.toMatch(/immutable/)
  })

  test('assets are served as files, and a missing asset is a 404, not the app', async () => {
    const asset = await get('/assets/app.js', '*/*')
    expect(asset.status).toBe(200)
    expect(await asset.text()).toBe('console.log(1)')
    const missing = await get('/assets/gone.js', '*/*')
    expect(missing.status).toBe(404)
    expect(await missing.text()).not.toContain('<div id="app">')
  })

  test('unknown API paths keep the API 404 envelope', async () => {
    const res = await get('/api/no-such-thing', 'application/json')
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { status: 404 } })
    const html = await get('/api/no-such-thing')
    expect(html.status).toBe(404)
  })

  test('a client that does not want HTML gets a 404 for an unknown path', async () => {
    const res = await get('/websites', 'application/json')
    expect(res.status).toBe(404)
  })
})

describe('the built dashboard', () => {
  const built = join(process.cwd(), 'out', 'renderer')
  test('a nested page reloaded in the browser finds every script and stylesheet', async () => {
    const { existsSync } = await import('node:fs')
    expect(existsSync(join(built, 'index.html')), 'out/renderer is built by npm test before vitest').toBe(true)
    const dir2 = mkdtempSync(join(tmpdir(), 'dashi-built-'))
    const running = await startServer({ ...resolveConfig([], {}), dataDir: dir2, port: 0, host: '127.0.0.1' }, { logger: false, staticDir: built })
    try {
      const page = new URL('/websites/3f1c2d4e-0000-4000-8000-000000000001/reports?range=7d', running.url)
      const html = await (await fetch(page, { headers: { accept: 'text/html' } })).text()
      // As a browser resolves them: against <base href> when there is one, else against the page.
      const base = new URL(/<base href="([^"]+)"/.exec(html)?.[1] ?? page.href, page)
      const assets = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => new URL(m[1]!, base))
      expect(assets.length).toBeGreaterThan(0)
      for (const asset of assets) {
        const res = await fetch(asset)
        expect(res.status, asset.pathname).toBe(200)
        expect(res.headers.get('content-type'), asset.pathname).toMatch(/javascript|css/)
      }
    } finally {
      await running.close()
      rmSync(dir2, { recursive: true, force: true })
    }
  })
})
