import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BROWSER_UA, eventually, launchChromium } from './browser'
import { EVENT_TYPE } from '../../src/shared/constants'
import { resolveConfig } from '../../src/server/config'
import { startServer, type RunningServer } from '../../src/server/server'
import { trackerScript } from '../../src/server/tracker'


let dataDir: string
let dashi: RunningServer
let site: Server
let siteUrl: string
let browser: Browser
let websiteId: number
let websiteUuid: string

/** The tracked site: a second origin, so every hit is a cross-origin request with a preflight. */
function startSite(trackerSrc: string, uuid: string): Promise<Server> {
  const home = `<!doctype html>
<html>
  <head>
    <title>Tracked site</title>
    <script async defer data-website-id="${uuid}" src="${trackerSrc}"></script>
  </head>
  <body>
    <h1>Home</h1>
    <button class="umami--click--signup-button">Sign up</button>
    <a class="umami--click--outbound" href="/next">Next page</a>
    <script>
      // An SPA route change once the page (and with it the async tracker) has loaded.
      window.addEventListener('load', () =>
        setTimeout(() => {
          history.pushState({}, '', '/pushed?step=2')
          // Content rendered after the route change: the tracker's observer must pick its classes up.
          const late = document.createElement('div')
          late.innerHTML = '<button id="late" class="primary umami--click--late-button">Late</button>'
          document.body.appendChild(late)
        }, 100)
      )
    </script>
  </body>
</html>`
  const pages: Record<string, string> = {
    '/': home,
    '/next': '<!doctype html><html><head><title>Next</title></head><body><h1>Next page</h1></body></html>',
    // A sandboxed frame (opaque origin): reading localStorage throws there.
    '/framed': '<!doctype html><html><body><iframe sandbox="allow-scripts" src="/frame"></iframe></body></html>',
    '/frame': `<!doctype html><html><body><script async data-website-id="${uuid}" src="${trackerSrc}"></script></body></html>`
  }
  const server = createServer((request, response) => {
    const page = pages[new URL(request.url ?? '/', 'http://localhost').pathname]
    if (page) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(page)
    } else {
      response.writeHead(404).end()
    }
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

async function api<T>(path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(dashi.url + path, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

interface StoredEvent {
  event_type: number
  url_path: string
  url_query: string | null
  referrer: string | null
  event_name: string | null
  hostname: string | null
  session_id: number
}

const storedEvents = () =>
  dashi.db
    .prepare(
      'SELECT event_type, url_path, url_query, referrer, event_name, hostname, session_id FROM website_event WHERE website_id = ? ORDER BY event_id'
    )
    .all(websiteId) as StoredEvent[]

const findEvent = (predicate: (e: StoredEvent) => boolean) => storedEvents().find(predicate)

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dashi-e2e-'))
  dashi = await startServer({ ...resolveConfig([], {}), host: '127.0.0.1', port: 0, dataDir })
  const { token } = await api<{ token: string }>('/api/auth/login', { body: { username: 'admin', password: 'umami' } })
  const website = await api<{ website_id: number; website_uuid: string }>('/api/website', {
    token,
    body: { name: 'Tracked site', domain: '127.0.0.1' }
  })
  websiteId = website.website_id
  websiteUuid = website.website_uuid
  site = await startSite(`${dashi.url}/umami.js`, websiteUuid)
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)))
  await dashi?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('the classic tracker in Chromium', () => {
  test('records the pageview, the SPA route change, CSS-class clicks, and lets the link navigate', async () => {
    const context = await browser.newContext({ userAgent: BROWSER_UA, screen: { width: 1280, height: 800 }, viewport: { width: 1280, height: 800 } })
    const page: Page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const collectRequests: { cache: string | undefined }[] = []
    page.on('request', (request) => {
      if (request.url() === `${dashi.url}/api/collect` && request.method() === 'POST') {
        collectRequests.push({ cache: request.headers()['x-umami-cache'] })
      }
    })

    await page.goto(siteUrl + '/')

    const initial = await eventually(
      () => findEvent((e) => e.event_type === EVENT_TYPE.pageView && e.url_path === '/'),
      'the initial pageview'
    )
    expect(initial).toMatchObject({ url_query: null, referrer: '', hostname: '127.0.0.1' })

    const pushed = await eventually(
      () => findEvent((e) => e.event_type === EVENT_TYPE.pageView && e.url_path === '/pushed'),
      'the pushState pageview'
    )
    // An SPA pageview's referrer is the previous path, as Umami v1 sends it.
    expect(pushed).toMatchObject({ url_query: 'step=2', referrer: '/', session_id: initial.session_id })
    // page.url() follows same-document navigations through a browser event that can lag the hit itself.
    await page.waitForURL(`${siteUrl}/pushed?step=2`)

    await page.click('button.umami--click--signup-button')
    const signup = await eventually(() => findEvent((e) => e.event_name === 'signup-button'), 'the button click event')
    expect(signup).toMatchObject({ event_type: EVENT_TYPE.customEvent, url_path: '/pushed', url_query: 'step=2', session_id: initial.session_id })

    await page.click('#late')
    const late = await eventually(() => findEvent((e) => e.event_name === 'late-button'), 'the click on an element added later')
    expect(late).toMatchObject({ event_type: EVENT_TYPE.customEvent, url_path: '/pushed' })

    await Promise.all([page.waitForURL(`${siteUrl}/next`), page.click('a.umami--click--outbound')])
    const outbound = await eventually(() => findEvent((e) => e.event_name === 'outbound'), 'the link click event')
    expect(outbound).toMatchObject({ event_type: EVENT_TYPE.customEvent, session_id: initial.session_id })
    expect(await page.textContent('h1')).toBe('Next page')

    const session = dashi.db
      .prepare('SELECT browser, os, device, screen, language, hostname FROM session WHERE session_id = ?')
      .get(initial.session_id)
    expect(session).toMatchObject({ browser: 'chrome', os: 'Linux', device: 'laptop', screen: '1280x800', hostname: '127.0.0.1' })

    // Every hit was a cross-origin POST; later ones carried the cache token read from an earlier reply,
    // which only works when the preflight and the reply's CORS headers are right.
    expect(collectRequests.length).toBe(5)
    expect(collectRequests.filter((r) => r.cache)).not.toHaveLength(0)
    expect(storedEvents()).toHaveLength(5)
    expect(pageErrors).toEqual([])
    await context.close()
  })

  test('the metrics API reports what the tracker sent', async () => {
    const { token } = await api<{ token: string }>('/api/auth/login', { body: { username: 'admin', password: 'umami' } })
    const range = `start_at=${Date.now() - 3600_000}&end_at=${Date.now() + 60_000}`
    const urls = await api<{ x: string; y: number }[]>(`/api/website/${websiteId}/metrics?type=url&${range}`, { token })
    expect(urls).toEqual(expect.arrayContaining([{ x: '/', y: 1 }, { x: '/pushed?step=2', y: 1 }]))
    const events = await api<{ x: string; y: number }[]>(`/api/website/${websiteId}/metrics?type=event&${range}`, { token })
    expect(events).toEqual(expect.arrayContaining([{ x: 'signup-button', y: 1 }, { x: 'outbound', y: 1 }]))
  })

  test('tracks inside a sandboxed frame, where reading localStorage throws, without a script error', async () => {
    const context = await browser.newContext({ userAgent: BROWSER_UA })
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(siteUrl + '/framed')
    await eventually(() => findEvent((e) => e.event_type === EVENT_TYPE.pageView && e.url_path === '/frame'), 'the framed pageview')
    expect(pageErrors).toEqual([])
    await context.close()
  })

  test('does nothing for visitors who opted out with localStorage umami.disabled', async () => {
    const context = await browser.newContext({ userAgent: BROWSER_UA })
    await context.addInitScript({ content: "localStorage.setItem('umami.disabled', '1')" })
    const page = await context.newPage()
    const before = storedEvents().length
    await page.goto(siteUrl + '/')
    await page.waitForURL(`${siteUrl}/pushed?step=2`)
    await page.click('button.umami--click--signup-button')
    await Promise.all([page.waitForURL(`${siteUrl}/next`), page.click('a.umami--click--outbound')])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(storedEvents()).toHaveLength(before)
    await context.close()
  })
})

describe('the served umami.js', () => {
  test('is minified and at most 2 KB gzipped', async () => {
    const res = await fetch(`${dashi.url}/umami.js`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/javascript/)
    const served = await res.text()
    const source = readFileSync(new URL('../../src/server/tracker/umami.js', import.meta.url), 'utf8')

    expect(served.length).toBeLessThan(source.length * 0.6)
    expect(served.split('\n').length).toBeLessThanOrEqual(2)
    expect(served).not.toContain('/*')
    expect(served).toContain('/api/collect')

    const { code, gzipBytes } = await trackerScript('umami.js')
    expect(code).toBe(served)
    expect(gzipBytes).toBe(gzipSync(served, { level: 9 }).length)
    console.info(`umami.js: ${served.length} bytes minified, ${gzipBytes} bytes gzip`)
    expect(gzipBytes).toBeLessThanOrEqual(2048)
  })
})
