import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BROWSER_UA } from './browser'
import { apiToken, logIn, openDashboard, type DashboardSession } from './dashboard-helpers'

// Issue 7, item 5: every text a visitor or a user can store, stored as an XSS payload, then every view that
// shows it, in Chromium against the real server in web mode. No payload may run (each one would set
// window.__xss to the name of its field, so a failure names the field), no dialog may open, no element
// may carry an event-handler attribute or a javascript: link, and the payloads read as text.
// (overview.test.ts checks one payload in the overview's tables and CSV; this covers the other fields
// and views.) page.evaluate takes expressions as text: the tests' tsconfig has no DOM types.

/** A payload per field: each names its field when it runs. Short fields get short payloads (limits in shared/constants.ts). */
const X = {
  path: `/<img src=x onerror="window.__xss='path'">`,
  query: `q=<script>window.__xss='query'</script>`,
  referrer: `https://evil.example/"><svg onload="window.__xss='referrer'">`,
  jsReferrer: `javascript:window.__xss='js-referrer'`,
  hostname: `"><svg onload=window.__xss='host'>`,
  language: `<img src=x onerror=__xss='lang'>`,
  screen: `<b>scr</b>`,
  title: `<script>window.__xss='title'</script>`,
  event: `<img src=x onerror=__xss='event'>`,
  tag: `<svg/onload=__xss='tag'>`,
  dataKey: `<img src=x onerror="window.__xss='data-key'">`,
  dataValue: `"><img src=x onerror="window.__xss='data-value'">`,
  browser: `<svg/onload=__xss=2>`,
  os: `<svg/onload=__xss=3>`,
  device: `<svg/onload=__xss=4>`,
  distinctId: `"><img src=x onerror=__xss='did'>`,
  sessionKey: `<img src=x onerror="window.__xss='session-key'">`,
  sessionValue: `<script>window.__xss='session-value'</script>`,
  websiteName: `<img src=x onerror="window.__xss='website'">`,
  domain: `"><svg onload="window.__xss='domain'">.example`,
  username: `<img src=x onerror="window.__xss='user'">`,
  reportName: `<img src=x onerror="window.__xss='report'">`,
  reportDescription: `<script>window.__xss='report-description'</script>`,
  stepEvent: `javascript:window.__xss='step'`
}

let session: DashboardSession
let page: Page
let token: string
let websiteId: string
let shareId: string
const dialogs: string[] = []
/** What each view checked, for the last test's summary. */
const visited: string[] = []

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${session.dashi.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return JSON.parse(text) as T
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${session.dashi.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, ...headers },
    body: JSON.stringify(body)
  })
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200)
  return response
}

/** Goes to a path inside the app, as its links do. */
async function navigate(path: string) {
  await page.evaluate(`history.pushState({}, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'))`)
  await page.waitForURL(`**${path}`)
}

/**
 * Nothing ran and nothing was injected: no __xss, no dialog, no element with an inline event handler,
 * no javascript: link, no <script> or <img src=x> that came from data.
 */
async function expectInert(target: Page, view: string) {
  // A handler would run on the next task after its element is inserted: give it a moment.
  await target.waitForTimeout(150)
  expect(await target.evaluate('window.__xss'), `${view}: a payload ran`).toBeUndefined()
  expect(dialogs, view).toEqual([])
  const injected = await target.evaluate(`(() => {
    const all = [...document.querySelectorAll('*')]
    return {
      handlers: all.filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).map((el) => el.outerHTML.slice(0, 120)),
      jsLinks: [...document.querySelectorAll('a[href], area[href], iframe[src], form[action]')]
        .filter((el) => /^\\s*javascript:/i.test(el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action') ?? ''))
        .map((el) => el.outerHTML.slice(0, 120)),
      scripts: [...document.scripts].filter((s) => s.textContent.includes('__xss')).length,
      images: document.querySelectorAll('img[src="x"]').length
    }
  })()`)
  expect(injected, view).toEqual({ handlers: [], jsLinks: [], scripts: 0, images: 0 })
  visited.push(view)
}

/** The payload shows as visible text somewhere in `scope` (of the page when not given). */
async function expectText(text: string, scope: Page | ReturnType<Page['locator']> = page) {
  // Some texts are in the page twice, one copy hidden at this width (e.g. a domain shown under the name on narrow screens).
  await scope.getByText(text).filter({ visible: true }).first().waitFor()
}

beforeAll(async () => {
  session = await openDashboard({ name: 'xss' })
  page = session.page
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  token = await apiToken(session.dashi.url)

  // The website through the classic API (any text is a name; domains are not checked there), shared.
  const site = await api<{ website_uuid: string; share_id: string }>('POST', '/api/website', { name: X.websiteName, domain: X.domain, enable_share_url: true })
  websiteId = site.website_uuid
  shareId = site.share_id
  const now = Math.floor(Date.now() / 1000)

  // v1 /api/collect stores path, query and referrer as sent (the current API parses the URL, which
  // percent-encodes < > and quotes): so the raw payloads reach the tables.
  const collect = (payload: Record<string, unknown>, ip: string, type = 'pageview') =>
    post('/api/collect', { type, payload: { website: websiteId, hostname: X.hostname, language: X.language, screen: X.screen, ...payload } }, { 'x-forwarded-for': ip })
  await collect({ url: `${X.path}?${X.query}`, referrer: X.referrer }, '81.2.69.10')
  await collect({ url: '/from-js', referrer: X.jsReferrer }, '81.2.69.11')

  // /api/send: title, event name, tag, event data, browser/os/device overrides and a distinct id, a
  // minute ago and now (so realtime and the 24-hour overview both have them).
  const send = (payload: Record<string, unknown>) =>
    post('/api/send', {
      type: 'event',
      payload: { website: websiteId, hostname: X.hostname, language: X.language, screen: X.screen, ip: '81.2.69.12', browser: X.browser, os: X.os, device: X.device, id: X.distinctId, ...payload }
    })
  await send({ url: '/titled', title: X.title, referrer: X.referrer, timestamp: now - 60 })
  await send({ url: '/titled', title: X.title, name: X.event, tag: X.tag, data: { [X.dataKey]: X.dataValue, nested: { [X.dataKey]: X.dataValue } } })
  await post('/api/send', { type: 'identify', payload: { website: websiteId, ip: '81.2.69.12', id: X.distinctId, data: { [X.sessionKey]: X.sessionValue } } })

  // A user, and a saved funnel whose steps are payloads too.
  await api('POST', '/api/users', { username: X.username, password: 'a-long-password-1', role: 'user' })
  await api('POST', '/api/reports', {
    websiteId,
    type: 'funnel',
    name: X.reportName,
    description: X.reportDescription,
    parameters: { window: 60, steps: [{ type: 'path', value: X.path }, { type: 'event', value: X.stepEvent }] }
  })

  await logIn(page, session.dashi.url)
}, 60_000)

afterAll(async () => {
  await session?.close()
})

describe('stored XSS payloads stay text in every view (Chromium, web mode)', () => {
  test('websites list, overview, realtime', async () => {
    await expectText(X.websiteName)
    await expectText(X.domain)
    await expectInert(page, 'websites')

    await navigate(`/websites/${websiteId}?range=24h`)
    await page.getByRole('heading', { name: X.websiteName, level: 1 }).waitFor()
    await expectText(X.event, page.getByRole('region', { name: 'Events', exact: true }))
    await expectText(X.path, page.getByRole('region', { name: 'Pages', exact: true }))
    await expectText('evil.example')
    await expectText(X.browser)
    await expectText(X.os)
    // (The Languages table groups by the first two characters, as Umami does: the full text is on the session page.)
    await expect.poll(() => page.locator('[aria-busy="true"]').count()).toBe(0)
    // The chart tooltips are HTML (ECharts): move across the time chart so one renders.
    const chart = page.getByRole('region', { name: 'Views and visitors over time' }).locator('canvas').first()
    const box = await chart.boundingBox()
    if (box) for (const f of [0.2, 0.5, 0.8, 0.95]) await page.mouse.move(box.x + box.width * f, box.y + box.height / 2)
    await expectInert(page, 'overview')

    await navigate(`/websites/${websiteId}/realtime`)
    await expectText(X.path)
    await expectInert(page, 'realtime')
  }, 30_000)

  test('sessions list and a session page: attributes, distinct id, properties, activity', async () => {
    await navigate(`/websites/${websiteId}/sessions?range=24h`)
    const table = page.getByTestId('sessions-table')
    await table.locator('tbody tr').first().waitFor()
    await expectText(X.os, table)
    await expectInert(page, 'sessions')

    const identified = await api<{ data: { id: string; os: string }[] }>(
      'GET',
      `/api/websites/${websiteId}/sessions?startAt=${Date.now() - 86_400_000}&endAt=${Date.now() + 60_000}`
    )
    const visitor = identified.data.find((s) => s.os === X.os)!
    await table.getByRole('link', { name: `Visitor ${visitor.id.split('-')[0]}: open the timeline` }).click()
    await page.waitForURL(`**/sessions/${visitor.id}**`)
    await expectText(X.distinctId)
    await expectText(X.sessionKey)
    await expectText(X.sessionValue)
    await expectText(X.language)
    await expectText(X.screen)
    await expectText(X.browser)
    await expectText(X.event)
    await expectInert(page, 'session')
  }, 30_000)

  test('events: names, properties and values; the event chart tooltip', async () => {
    await navigate(`/websites/${websiteId}/events?range=24h`)
    await expectText(X.event, page.getByRole('region', { name: 'Events', exact: true }))
    await expectText(X.dataValue)
    const chart = page.getByRole('region', { name: 'Events over time' }).locator('canvas').first()
    await chart.waitFor()
    const box = await chart.boundingBox()
    if (box) for (const f of [0.3, 0.6, 0.9, 0.97]) await page.mouse.move(box.x + box.width * f, box.y + box.height * 0.6)
    await expectInert(page, 'events')
  }, 30_000)

  test('reports: the saved report in the list, opened, its funnel drawn', async () => {
    await navigate(`/websites/${websiteId}/reports`)
    const saved = page.getByRole('list', { name: 'Saved reports' })
    const ran = page.waitForResponse((r) => r.url().endsWith('/api/reports/funnel') && r.request().method() === 'POST')
    await saved.getByRole('button', { name: X.reportName }).click()
    await page.getByRole('heading', { name: X.reportName }).waitFor()
    await expectText(X.reportDescription)
    expect((await ran).status()).toBe(200)
    await page.waitForTimeout(300)
    await expectInert(page, 'reports')
  }, 30_000)

  test('hit inspector, website settings, settings with the users list', async () => {
    await navigate('/inspector')
    await expectText(X.path)
    await expectText(X.websiteName)
    await expectInert(page, 'inspector')

    await navigate(`/websites/${websiteId}/settings`)
    await page.getByRole('heading', { name: X.websiteName, level: 1 }).waitFor()
    await expectInert(page, 'website settings')

    await navigate('/settings')
    await expectText(X.username)
    await expectInert(page, 'settings')
  }, 30_000)

  test('the share page, in a new browser without login', async () => {
    const context = await session.browser.newContext({ userAgent: BROWSER_UA, viewport: { width: 1280, height: 800 } })
    try {
      const visitor = await context.newPage()
      visitor.setDefaultTimeout(10_000)
      visitor.on('dialog', (dialog) => {
        dialogs.push(`share: ${dialog.message()}`)
        void dialog.dismiss()
      })
      await visitor.goto(`${session.dashi.url}/share/${shareId}?range=24h`)
      await visitor.getByRole('heading', { name: X.websiteName, level: 1 }).waitFor()
      await expectText(X.event, visitor.getByRole('region', { name: 'Events', exact: true }))
      await expectText(X.path, visitor.getByRole('region', { name: 'Pages', exact: true }))
      await expectInert(visitor, 'share')
    } finally {
      await context.close()
    }
    expect(visited).toEqual(['websites', 'overview', 'realtime', 'sessions', 'session', 'events', 'reports', 'inspector', 'website settings', 'settings', 'share'])
    expect(session.consoleErrors).toEqual([])
  }, 30_000)
})
