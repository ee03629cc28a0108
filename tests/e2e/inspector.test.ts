import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BROWSER_UA } from './browser'
import { apiToken, logIn, openDashboard, type DashboardSession } from './dashboard-helpers'

// The hit inspector in Chromium against the real server in web mode: hits sent the way trackers and
// bots send them show up live, parsed, with the reason for the ones that were dropped.

const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const XSS = '<img src=x onerror=alert(1)>'

let session: DashboardSession
let websiteId: string

beforeAll(async () => {
  session = await openDashboard({ name: 'inspector' })
  const token = await apiToken(session.dashi.url)
  const created = await fetch(`${session.dashi.url}/api/websites`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'Docs site', domain: 'docs.example.com' })
  })
  websiteId = ((await created.json()) as { id: string }).id
})

afterAll(async () => {
  await session?.close()
})

async function post(path: string, userAgent: string, body: unknown): Promise<number> {
  const response = await fetch(`${session.dashi.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': userAgent },
    body: JSON.stringify(body)
  })
  await response.text()
  return response.status
}

const pageview = (url: string) => ({ type: 'event', payload: { website: websiteId, hostname: 'docs.example.com', screen: '1920x1080', language: 'en-US', url } })

describe('the hit inspector in Chromium (web mode)', () => {
  test('an admin watches a pageview arrive stored and a bot dropped; sent text stays text', async () => {
    const { page, dashi } = session
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })

    await logIn(page, dashi.url)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inspector' }).click()
    await page.waitForURL('**/inspector')
    await page.getByRole('heading', { name: 'Hit inspector', level: 1 }).waitFor()
    await page.getByText('No hits yet').waitFor()
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor()

    expect(await post('/api/send', BROWSER_UA, pageview('https://docs.example.com/getting-started'))).toBe(200)
    expect(await post('/api/send', GOOGLEBOT_UA, pageview('https://docs.example.com/crawled'))).toBe(200)
    // The classic endpoint keeps the path as sent: markup in it must reach the page as text.
    expect(await post('/api/collect', BROWSER_UA, { type: 'pageview', payload: { website: websiteId, url: `/${XSS}`, hostname: 'docs.example.com' } })).toBe(200)

    const rows = page.getByRole('table', { name: 'Recent hits' }).getByRole('row')
    const stored = rows.filter({ hasText: '/getting-started' })
    const bot = rows.filter({ hasText: '/crawled' })
    const markup = rows.filter({ hasText: `/${XSS}` })
    await stored.waitFor()
    await bot.waitFor()
    await markup.waitFor()
    expect(await stored.locator('.badge').textContent()).toBe('Stored')
    expect(await stored.textContent()).toContain('Docs site')
    expect(await stored.textContent()).toContain('/api/send')
    expect(await stored.textContent()).toContain('Chrome · Linux · Laptop')
    expect(await bot.locator('.badge').textContent()).toBe('Dropped: bot')
    expect(await markup.locator('.badge').textContent()).toBe('Stored')
    expect(await markup.textContent()).toContain('/api/collect')
    // Newest first.
    expect(await rows.nth(1).textContent()).toContain(XSS)
    expect(await page.locator('table img').count()).toBe(0)
    expect(dialogs).toEqual([])
    await session.shot('inspector')

    // The outcome filter: only dropped hits, then only stored ones.
    await page.getByLabel('Show').selectOption('dropped')
    await expect.poll(() => rows.count()).toBe(2)
    expect(await bot.isVisible()).toBe(true)
    await page.getByLabel('Show').selectOption('stored')
    await expect.poll(() => rows.count()).toBe(3)
    expect(await bot.count()).toBe(0)
    await page.getByLabel('Show').selectOption('all')
    await expect.poll(() => rows.count()).toBe(4)

    // A hidden tab stops polling; shown again, it catches up at once.
    let polls = 0
    page.on('request', (request) => {
      if (request.url().includes('/api/dashi/inspector')) polls++
    })
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true }); document.dispatchEvent(new Event('visibilitychange'))`)
    await page.getByRole('status').filter({ hasText: 'Paused while this tab is hidden' }).waitFor()
    polls = 0
    expect(await post('/api/send', BROWSER_UA, pageview('https://docs.example.com/while-hidden'))).toBe(200)
    await page.waitForTimeout(2500)
    expect(polls).toBe(0)
    expect(await rows.filter({ hasText: '/while-hidden' }).count()).toBe(0)
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true }); document.dispatchEvent(new Event('visibilitychange'))`)
    await rows.filter({ hasText: '/while-hidden' }).waitFor()

    expect(dialogs).toEqual([])
    expect(session.consoleErrors).toEqual([])
  }, 90_000)
})
