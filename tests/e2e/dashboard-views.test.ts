import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { MetricRow, Paged, SessionListItem } from '../../src/shared/api/types'
import { BROWSER_UA } from './browser'
import { apiToken, logIn, openDashboard, type DashboardSession } from './dashboard-helpers'

// The realtime, sessions and events views in Chromium against the real server in web mode. Hits go in
// through /api/send as a tracker (or a server-side sender with timestamps) sends them; what the views
// show is checked against what the API answers for the same request.

const MINUTE = 60_000
let session: DashboardSession
let token: string
let websiteId: string
const started = Date.now()

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${session.dashi.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

interface Hit {
  /** A distinct address is a distinct visitor. */
  ip: string
  url: string
  /** Minutes before the test started; now when absent. */
  ago?: number
  name?: string
  data?: Record<string, unknown>
}

async function send({ ip, url, ago, name, data }: Hit) {
  const timestamp = ago === undefined ? undefined : Math.floor((started - ago * MINUTE) / 1000)
  const response = await fetch(`${session.dashi.url}/api/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
    body: JSON.stringify({
      type: 'event',
      payload: { website: websiteId, hostname: 'shop.example.com', language: 'en-US', screen: '1920x1080', url, ip, timestamp, name, data }
    })
  })
  expect(response.status).toBe(200)
}

/**
 * Goes to a path inside the app, as its links do. A fresh load of a nested path would fetch the
 * built index.html's `./assets/` relative to that path, which the server does not serve.
 */
async function navigate(path: string) {
  await session.page.evaluate(`history.pushState({}, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'))`)
  await session.page.waitForURL(`**${path}`)
}

/** The query string of the next API request whose path ends with `suffix`, as the page sent it. */
async function nextRequest(suffix: string, action: () => Promise<unknown>): Promise<string> {
  const waiting = session.page.waitForResponse((r) => {
    const path = new URL(r.url()).pathname
    return path.startsWith('/api/') && path.endsWith(suffix) && r.ok()
  })
  await action()
  return new URL((await waiting).url()).search
}

beforeAll(async () => {
  session = await openDashboard({ name: 'dashboard-views' })
  token = await apiToken(session.dashi.url)
  const created = await fetch(`${session.dashi.url}/api/websites`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'Shop', domain: 'shop.example.com' })
  })
  websiteId = ((await created.json()) as { id: string }).id
  // Three visitors earlier today (one of them twice), and one a few minutes ago.
  const hits: Hit[] = [
    { ip: '81.2.69.1', url: '/', ago: 180 },
    { ip: '81.2.69.1', url: '/pricing', ago: 179 },
    { ip: '81.2.69.1', url: '/signup', ago: 178 },
    { ip: '81.2.69.1', url: '/signup', ago: 177.5, name: 'signup', data: { plan: 'pro' } },
    { ip: '81.2.69.2', url: '/', ago: 120 },
    { ip: '81.2.69.2', url: '/docs', ago: 119, name: 'download', data: { file: 'guide.pdf' } },
    { ip: '81.2.69.3', url: '/docs', ago: 40 },
    { ip: '81.2.69.3', url: '/docs', ago: 39, name: 'download', data: { file: 'guide.pdf' } },
    { ip: '81.2.69.3', url: '/docs', ago: 38, name: 'download', data: { file: 'api.pdf' } },
    { ip: '81.2.69.4', url: '/', ago: 3 }
  ]
  for (const hit of hits) await send(hit)
  await logIn(session.page, session.dashi.url)
})

afterAll(async () => {
  await session?.close()
})

describe('dashboard views in Chromium (web mode)', () => {
  test('realtime: the active count is the API’s, a new hit shows up in the live feed, a hidden tab pauses', async () => {
    const { page } = session
    await navigate(`/websites/${websiteId}`)
    await page.getByRole('navigation', { name: 'Website sections' }).getByRole('link', { name: 'Realtime' }).click()
    await page.waitForURL(`**/websites/${websiteId}/realtime`)
    await expect.poll(() => page.title()).toBe('Realtime · Dashi')
    await page.getByRole('heading', { name: 'Shop', level: 1 }).waitFor()
    const indicator = page.getByTestId('live-indicator')
    await expect.poll(() => indicator.textContent()).toMatch(/^Live/)

    const feed = page.getByTestId('live-feed')
    await feed.getByText('/', { exact: true }).first().waitFor()
    // Only the last 30 minutes: the visitor of 40 minutes ago is not in the feed.
    expect(await feed.getByText('/docs').count()).toBe(0)

    // A hit sent now reaches the feed at the next refresh, with its parsed country, browser and device.
    await send({ ip: '81.2.69.5', url: '/live-now' })
    const row = feed.getByRole('row', { name: /\/live-now/ })
    await row.waitFor({ timeout: 12_000 })
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('Chrome')
    expect(await row.getByRole('cell').nth(4).textContent()).toBe('Laptop')

    const active = page.getByTestId('active-visitors')
    await expect
      .poll(async () => {
        const { visitors } = await api<{ visitors: number }>(`/api/websites/${websiteId}/active`)
        return (await active.textContent()) === String(visitors) ? visitors : -1
      }, { timeout: 12_000 })
      .toBe(2)
    await session.shot('realtime')

    // Another tab in front: the view stops asking until it is shown again.
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }); document.dispatchEvent(new Event('visibilitychange'))`)
    await expect.poll(() => indicator.textContent()).toMatch(/^Paused while this tab is hidden/)
    let asked = 0
    const count = (r: { url: () => string }) => void (r.url().includes('/api/realtime/') && asked++)
    page.on('request', count)
    await page.waitForTimeout(6000)
    expect(asked).toBe(0)
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' }); document.dispatchEvent(new Event('visibilitychange'))`)
    await expect.poll(() => asked).toBeGreaterThan(0)
    page.off('request', count)
    await expect.poll(() => indicator.textContent()).toMatch(/^Live/)
    expect(session.consoleErrors).toEqual([])
  }, 60_000)

  test('sessions: the list count is the API’s; a session shows its pages in order, visit by visit', async () => {
    const { page } = session
    const search = await nextRequest('/sessions', () => navigate(`/websites/${websiteId}/sessions?range=7d`))
    const expected = await api<Paged<SessionListItem>>(`/api/websites/${websiteId}/sessions${search}`)
    expect(expected.count).toBe(5)
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe(`${expected.count} visitors in this period`)
    const table = page.getByTestId('sessions-table')
    expect(await table.locator('tbody tr').count()).toBe(expected.data.length)
    await page.getByRole('navigation', { name: 'Website sections' }).getByRole('link', { name: 'Sessions' }).and(page.locator('[aria-current="page"]')).waitFor()
    await session.shot('sessions')

    // The visitor of three hours ago: three views and a sign-up.
    const visitor = expected.data.find((s) => s.views === 3)!
    const short = visitor.id.split('-')[0]!
    await table.getByRole('link', { name: `Visitor ${short}: open the timeline` }).click()
    await page.waitForURL(`**/websites/${websiteId}/sessions/${visitor.id}?**`)
    await page.getByRole('heading', { name: `Visitor ${short}` }).waitFor()
    const hits = page.getByTestId('session-hit')
    await expect.poll(() => hits.count()).toBe(4)
    const steps = await hits.evaluateAll((items) => items.map((item) => item.querySelector('.what')!.textContent!.trim()))
    expect(steps).toEqual(['/', '/pricing', '/signup', 'signup on /signup'])
    const attributes = page.getByRole('region', { name: `Visitor ${short}` })
    await attributes.getByText('Chrome', { exact: true }).waitFor()
    expect(await attributes.getByText('Laptop', { exact: true }).count()).toBe(1)
    await session.shot('session')

    // Back to the list, with the range kept.
    await page.getByRole('link', { name: 'Sessions', exact: true }).first().click()
    await page.waitForURL(/\/sessions\?.*range=7d/)
    expect(session.consoleErrors).toEqual([])
  }, 60_000)

  test('events: names and counts are the API’s; properties and their values; the activity list', async () => {
    const { page } = session
    const search = await nextRequest('/metrics', () => navigate(`/websites/${websiteId}/events?range=7d`))
    const expected = await api<MetricRow[]>(`/api/websites/${websiteId}/metrics${search}`)
    expect(expected).toEqual([
      { x: 'download', y: 3 },
      { x: 'signup', y: 1 }
    ])
    const table = page.getByRole('region', { name: 'Events', exact: true })
    await table.locator('li.row').first().waitFor()
    const shown = await table.locator('li.row').evaluateAll((rows) =>
      rows.map((row) => ({ x: row.querySelector('.text')!.textContent, y: Number(row.querySelector('.value')!.textContent!.replace(/\D/g, '')) }))
    )
    expect(shown).toEqual(expected)

    // Explorer: the most used event with properties first, its property, the values with their counts.
    expect(await page.getByLabel('Event', { exact: true }).inputValue()).toBe('download')
    expect(await page.getByLabel('Property', { exact: true }).inputValue()).toBe('file')
    const values = page.getByRole('region', { name: 'Values of file' })
    await expect.poll(() => values.locator('li.row .text').allTextContents()).toEqual(['guide.pdf', 'api.pdf'])
    await page.getByLabel('Event', { exact: true }).selectOption('signup')
    await expect.poll(() => page.getByRole('region', { name: 'Values of plan' }).locator('li.row .text').allTextContents()).toEqual(['pro'])

    // The activity list has every hit of the range, newest first.
    const list = page.getByTestId('events-table')
    await expect.poll(() => list.locator('tbody tr').count()).toBe(11)
    expect(await list.locator('tbody tr').first().getByRole('cell').nth(1).textContent()).toContain('/live-now')
    await page.getByRole('region', { name: 'Events over time' }).locator('canvas').waitFor()
    await session.shot('events')

    // A click on an event name filters the whole page by it.
    await table.getByRole('button', { name: 'Filter by signup' }).click()
    await page.waitForURL(/event=eq\.signup/)
    await expect.poll(() => list.locator('tbody tr').count()).toBe(1)
    expect(session.consoleErrors).toEqual([])
  }, 60_000)
})
