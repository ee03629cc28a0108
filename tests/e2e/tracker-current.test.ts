import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BROWSER_UA, eventually, launchChromium } from './browser'
import { EVENT_TYPE } from '../../src/shared/constants'
import { resolveConfig } from '../../src/server/config'
import { startServer, type RunningServer } from '../../src/server/server'


let dataDir: string
let dashi: RunningServer
let site: Server
let siteUrl: string
let browser: Browser
let websiteId: number
let websiteUuid: string

/** The tracked site: a second origin, so every hit is a cross-origin request with a preflight. */
function startSite(trackerSrc: string, uuid: string): Promise<Server> {
  const tracker = (attrs = '') => `<script async defer data-website-id="${uuid}" src="${trackerSrc}" ${attrs}></script>`
  const home = `<!doctype html>
<html>
  <head>
    <title>Tracked site</title>
    ${tracker('data-tag="spring" data-before-send="beforeSend"')}
    <script>
      // May answer with a promise; a falsy payload is not sent.
      window.beforeSend = (type, payload) => Promise.resolve(payload.name === 'private' ? null : payload)
    </script>
  </head>
  <body>
    <h1>Home</h1>
    <button id="buy" data-umami-event="buy-click" data-umami-event-plan="pro"><span>Buy</span></button>
    <a id="next" data-umami-event="outbound" data-umami-event-target="next-page" href="/next">Next page</a>
    <script>
      window.addEventListener('load', () => setTimeout(() => history.pushState({}, '', '/pushed?step=2'), 100))
    </script>
  </body>
</html>`
  const pages: Record<string, string> = {
    '/': home,
    '/next': '<!doctype html><html><head><title>Next</title></head><body><h1>Next page</h1></body></html>',
    '/manual': `<!doctype html><html><head><title>Manual</title>${tracker('data-auto-track="false" data-exclude-hash="true"')}</head>
      <body><button id="untracked" data-umami-event="ignored">No auto track</button></body></html>`,
    '/elsewhere': `<!doctype html><html><head>${tracker('data-domains="example.com, www.example.com"')}</head><body></body></html>`,
    '/private': `<!doctype html><html><head>${tracker('data-do-not-track="true"')}</head><body></body></html>`,
    '/plain': `<!doctype html><html><head><title>Plain</title>${tracker('data-exclude-search="true"')}</head><body></body></html>`,
    // A sandboxed frame (opaque origin): reading localStorage throws there.
    '/framed': '<!doctype html><html><body><iframe sandbox="allow-scripts" src="/frame"></iframe></body></html>',
    '/frame': `<!doctype html><html><body>${tracker()}</body></html>`
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

async function api<T>(path: string, init: { token?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(dashi.url + path, {
    method: init.body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

interface StoredEvent {
  event_id: number
  event_type: number
  url_path: string
  url_query: string | null
  referrer: string | null
  page_title: string | null
  event_name: string | null
  tag: string | null
  hostname: string | null
  session_id: number
  distinct_id: string | null
}

const storedEvents = () =>
  dashi.db
    .prepare(
      `SELECT e.event_id, e.event_type, e.url_path, e.url_query, e.referrer, e.page_title, e.event_name, e.tag, e.hostname, e.session_id,
              s.distinct_id
       FROM website_event e JOIN session s USING (session_id) WHERE e.website_id = ? ORDER BY e.event_id`
    )
    .all(websiteId) as StoredEvent[]

const findEvent = (predicate: (e: StoredEvent) => boolean) => storedEvents().find(predicate)
const eventData = (eventId: number) =>
  Object.fromEntries(
    (dashi.db.prepare('SELECT data_key, string_value FROM event_data WHERE event_id = ?').all(eventId) as { data_key: string; string_value: string }[]).map(
      (r) => [r.data_key, r.string_value]
    )
  )

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dashi-e2e-'))
  dashi = await startServer({ ...resolveConfig([], {}), host: '127.0.0.1', port: 0, dataDir })
  const { token } = await api<{ token: string }>('/api/auth/login', { body: { username: 'admin', password: 'umami' } })
  const website = await api<{ website_id: number; website_uuid: string }>('/api/website', { token, body: { name: 'Tracked site', domain: '127.0.0.1' } })
  websiteId = website.website_id
  websiteUuid = website.website_uuid
  site = await startSite(`${dashi.url}/script.js`, website.website_uuid)
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)))
  await dashi?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('the current tracker (/script.js) in Chromium', () => {
  test('records the pageview, the pushState pageview, data-umami-event clicks, track() and identify()', async () => {
    const context = await browser.newContext({ userAgent: BROWSER_UA, screen: { width: 1280, height: 800 }, viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const sent: { type: string; cache: string | undefined }[] = []
    page.on('request', (request) => {
      if (request.url() === `${dashi.url}/api/send` && request.method() === 'POST') {
        sent.push({ type: request.postDataJSON().type, cache: request.headers()['x-umami-cache'] })
      }
    })

    await page.goto(siteUrl + '/')
    const initial = await eventually(() => findEvent((e) => e.event_type === EVENT_TYPE.pageView && e.url_path === '/'), 'the initial pageview')
    expect(initial).toMatchObject({ url_query: null, referrer: null, hostname: '127.0.0.1', page_title: 'Tracked site', tag: 'spring' })

    const pushed = await eventually(() => findEvent((e) => e.url_path === '/pushed'), 'the pushState pageview')
    // An SPA pageview's referrer is the page before it; same visitor, same session.
    expect(pushed).toMatchObject({ event_type: EVENT_TYPE.pageView, url_query: 'step=2', referrer: `${siteUrl}/`, session_id: initial.session_id })

    await page.click('#buy span')
    const buy = await eventually(() => findEvent((e) => e.event_name === 'buy-click'), 'the button click')
    expect(buy).toMatchObject({ event_type: EVENT_TYPE.customEvent, url_path: '/pushed', session_id: initial.session_id })
    expect(eventData(buy.event_id)).toEqual({ plan: 'pro' })

    await page.evaluate(() => (globalThis as unknown as { umami: { track: (n: string, d?: object) => Promise<void> } }).umami.track('signup', { plan: 'pro' }))
    const signup = await eventually(() => findEvent((e) => e.event_name === 'signup'), 'umami.track(name, data)')
    expect(signup).toMatchObject({ event_type: EVENT_TYPE.customEvent, session_id: initial.session_id })
    expect(eventData(signup.event_id)).toEqual({ plan: 'pro' })

    // data-before-send drops this one.
    await page.evaluate(() => (globalThis as unknown as { umami: { track: (n: string) => Promise<void> } }).umami.track('private'))

    await page.evaluate(async () => {
      const { umami } = globalThis as unknown as { umami: { identify: (id: string) => Promise<void>; track: (n: string) => Promise<void> } }
      await umami.identify('user-42')
      await umami.track('after-identify')
    })
    const identified = await eventually(() => findEvent((e) => e.event_name === 'after-identify'), 'the event after identify')
    // The distinct id names a session of its own; the tracker sends it with every later hit.
    expect(identified.distinct_id).toBe('user-42')
    expect(identified.session_id).not.toBe(initial.session_id)

    await Promise.all([page.waitForURL(`${siteUrl}/next`), page.click('#next')])
    // The navigation waited for the event: it is stored by the time the next page is there.
    const outbound = findEvent((e) => e.event_name === 'outbound')
    expect(outbound).toMatchObject({ event_type: EVENT_TYPE.customEvent, url_path: '/pushed', session_id: identified.session_id })
    expect(eventData(outbound!.event_id)).toEqual({ target: 'next-page' })
    expect(await page.textContent('h1')).toBe('Next page')

    const session = dashi.db.prepare('SELECT browser, os, device, screen, language, distinct_id FROM session WHERE session_id = ?').get(initial.session_id)
    // v3 device rule: no device type in a desktop agent → desktop; 1280 ≤ 1920 → laptop.
    expect(session).toMatchObject({ browser: 'chrome', os: 'Linux', device: 'laptop', screen: '1280x800', distinct_id: null })

    expect(storedEvents().map((e) => e.event_name ?? e.url_path)).toEqual(['/', '/pushed', 'buy-click', 'signup', 'after-identify', 'outbound'])
    expect(findEvent((e) => e.event_name === 'private')).toBeUndefined()
    // Each reply's cache token went back with the next hit, except right after identify (a new session).
    expect(sent.map((s) => s.type)).toEqual(['event', 'event', 'event', 'event', 'identify', 'event', 'event'])
    expect(sent.map((s) => Boolean(s.cache))).toEqual([false, true, true, true, false, true, true])
    expect(pageErrors).toEqual([])
    await context.close()
  })

  test('data-exclude-search leaves the query out of the reported URL', async () => {
    const context = await browser.newContext({ userAgent: BROWSER_UA })
    const page = await context.newPage()
    await page.goto(siteUrl + '/plain?secret=token')
    const plain = await eventually(() => findEvent((e) => e.url_path === '/plain'), 'the pageview without its query')
    expect(plain).toMatchObject({ url_query: null, page_title: 'Plain' })
    await context.close()
  })

  test('with data-auto-track="false" only the JS API sends: track(), track(fn) and track(payload)', async () => {
    const context = await browser.newContext({ userAgent: BROWSER_UA })
    const page = await context.newPage()
    const before = storedEvents().length
    await page.goto(siteUrl + '/manual#section')
    await page.click('#untracked')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(storedEvents()).toHaveLength(before)

    await page.evaluate(async (website) => {
      type Track = (arg?: unknown) => Promise<void>
      const { umami } = globalThis as unknown as { umami: { track: Track } }
      await umami.track()
      await umami.track((props: Record<string, unknown>) => ({ ...props, url: '/virtual', title: 'Virtual' }))
      await umami.track({ website, url: '/exact', name: 'exact', data: { n: 1 } })
    }, websiteUuid)
    const rows = storedEvents().slice(before)
    expect(rows.map((e) => [e.event_type, e.url_path, e.page_title, e.event_name])).toEqual([
      // data-exclude-hash: the hash is not part of the reported URL.
      [EVENT_TYPE.pageView, '/manual', 'Manual', null],
      [EVENT_TYPE.pageView, '/virtual', 'Virtual', null],
      // track(payload) sends exactly that payload: no title.
      [EVENT_TYPE.customEvent, '/exact', null, 'exact']
    ])
    await context.close()
  })

  test('sends nothing on a host outside data-domains, nor with Do Not Track on and data-do-not-track="true"', async () => {
    const context = await browser.newContext({ userAgent: BROWSER_UA })
    await context.addInitScript({ content: "Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })" })
    const page = await context.newPage()
    const sends: string[] = []
    page.on('request', (request) => request.url().endsWith('/api/send') && sends.push(request.url()))
    await page.goto(siteUrl + '/elsewhere')
    await page.goto(siteUrl + '/private')
    await page.evaluate(() => (globalThis as unknown as { umami: { track: (n: string) => Promise<void> } }).umami.track('manual'))
    // The same Do Not Track browser is tracked where the site does not ask to honour it.
    await page.goto(siteUrl + '/plain')
    await eventually(() => (sends.length === 1 ? true : undefined), 'the one hit of /plain')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(sends).toHaveLength(1)
    await context.close()
  })

  test('tracks inside a sandboxed frame, where reading localStorage throws, without a script error', async () => {
    const context = await browser.newContext({ userAgent: BROWSER_UA })
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(siteUrl + '/framed')
    await eventually(() => findEvent((e) => e.url_path === '/frame'), 'the framed pageview')
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
    await page.click('#buy')
    await Promise.all([page.waitForURL(`${siteUrl}/next`), page.click('#next')])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(storedEvents()).toHaveLength(before)
    await context.close()
  })
})
