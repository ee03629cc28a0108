import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ConsoleMessage, Page } from 'playwright-core'
import { BROWSER_UA } from './browser'
import { apiToken, logIn, openDashboard, type DashboardSession } from './dashboard-helpers'

// Settings → Data in Chromium against the real server in web mode: an admin chooses how long to keep
// data, confirms the deletion the page warns about, and sees the background run report what it deleted;
// the API then shows the old events gone and the recent ones kept. Other users do not see the section.

const DAY = 86_400_000

let session: DashboardSession
let token: string
let websiteId: string
const started = Date.now()

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${session.dashi.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}

/** A pageview sent the way a server-side sender with timestamps sends it; a distinct address is a distinct visitor. */
async function send(url: string, at: number, ip: string) {
  const response = await fetch(`${session.dashi.url}/api/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
    body: JSON.stringify({
      type: 'event',
      payload: { website: websiteId, hostname: 'blog.example.com', language: 'en-US', screen: '1920x1080', url, ip, timestamp: Math.floor(at / 1000) }
    })
  })
  expect(response.status, await response.text()).toBe(200)
}

/** The paths that have pageviews in the last 200 days, per the current API. */
async function storedPaths(): Promise<string[]> {
  const rows = (await api('GET', `/api/websites/${websiteId}/metrics?type=path&startAt=${started - 200 * DAY}&endAt=${Date.now() + 60_000}`)) as { x: string }[]
  return rows.map((r) => r.x).sort()
}

beforeAll(async () => {
  session = await openDashboard({ name: 'retention' })
  token = await apiToken(session.dashi.url)
  websiteId = ((await api('POST', '/api/websites', { name: 'Blog', domain: 'blog.example.com' })) as { id: string }).id
  await api('POST', '/api/users', { username: 'writer', password: 'writer-pass-1', role: 'user' })
  // About four months old: older than a 3-month retention whatever day of the month this runs.
  await send('/old-a', started - 125 * DAY, '203.0.113.1')
  await send('/old-b', started - 124 * DAY, '203.0.113.2')
  await send('/old-c', started - 123 * DAY, '203.0.113.3')
  await send('/recent-a', started - 2 * DAY, '203.0.113.4')
  await send('/recent-b', started - 60_000, '203.0.113.5')
})

afterAll(async () => {
  await session?.close()
})

const activeElementText = (page: Page) => page.evaluate('document.activeElement?.textContent?.trim() ?? ""') as Promise<string>
const activeElementId = (page: Page) => page.evaluate('document.activeElement?.id ?? ""') as Promise<string>

describe('Settings → Data in Chromium (web mode)', () => {
  test('an admin keeps 3 months after confirming, and the old events go while the recent stay', async () => {
    const { page, dashi } = session
    expect(await storedPaths()).toEqual(['/old-a', '/old-b', '/old-c', '/recent-a', '/recent-b'])

    await logIn(page, dashi.url)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    await page.waitForURL('**/settings')
    const card = page.getByRole('region', { name: 'Data', exact: true })
    await card.waitFor()

    // Nothing is deleted until a period is set; the size of the database is shown in bytes the locale's way.
    const keep = card.getByLabel('Keep data for')
    expect(await keep.inputValue()).toBe('forever')
    expect(await keep.locator('option').allTextContents()).toEqual(['Forever', '1 month', '3 months', '6 months', '12 months', '24 months', '36 months'])
    expect(await card.getByTestId('database-size').textContent()).toMatch(/^\d[\d.,]* (kB|MB)$/)
    expect(await card.getByTestId('database-free').textContent()).toMatch(/^\d[\d.,]* (bytes|kB|MB)$/)
    expect(await card.getByRole('button', { name: 'Delete old data now' }).isDisabled()).toBe(true)

    // A shorter period asks first, naming the date; Escape takes it back and nothing changes.
    await keep.selectOption('3')
    const question = card.getByRole('group', { name: /Events older than .+ will be deleted/ })
    await question.waitFor()
    expect(await activeElementText(page)).toBe('Cancel')
    await page.keyboard.press('Escape')
    await question.waitFor({ state: 'detached' })
    expect(await activeElementId(page)).toBe('retention-months')
    expect(await keep.inputValue()).toBe('forever')
    expect(((await api('GET', '/api/dashi/housekeeping')) as { retentionMonths: number | null }).retentionMonths).toBeNull()
    expect(await storedPaths()).toHaveLength(5)

    // Asked again, and confirmed from the keyboard.
    await keep.selectOption('3')
    await question.waitFor()
    const cutoffText = await question.locator('p').textContent()
    await page.keyboard.press('Shift+Tab')
    expect(await activeElementText(page)).toBe('Keep 3 months and delete older data')
    await page.keyboard.press('Enter')
    await card.getByRole('status').filter({ hasText: 'Data is now kept for 3 months.' }).waitFor()
    expect(cutoffText).toContain('for every website')

    // The purge runs in the background; the card polls until it reports it.
    const lastRun = card.getByTestId('last-run')
    await lastRun.filter({ hasText: 'Deleted 3 events and 3 sessions older than' }).waitFor({ timeout: 20_000 })
    expect(await card.getByTestId('housekeeping-running').count()).toBe(0)
    // When it ran, then what it did: "Jun 15, 2026, 12:00 PM: Deleted …".
    expect(await lastRun.textContent()).toMatch(/\d{4}, .+: Deleted 3 events and 3 sessions older than .+\d{4}, .+\.$/)
    expect(await keep.inputValue()).toBe('3')
    await session.shot('retention')

    expect(await storedPaths()).toEqual(['/recent-a', '/recent-b'])
    const status = (await api('GET', '/api/dashi/housekeeping')) as { retentionMonths: number; lastRun: { events: number; sessions: number } }
    expect(status.retentionMonths).toBe(3)
    expect(status.lastRun).toMatchObject({ events: 3, sessions: 3 })

    // Running it again finds nothing left to delete; compacting is reported too.
    await card.getByRole('button', { name: 'Delete old data now' }).click()
    await lastRun.filter({ hasText: 'Nothing was older than' }).waitFor({ timeout: 20_000 })
    await card.getByRole('button', { name: 'Compact database' }).click()
    await lastRun.filter({ hasText: 'Compacted the database.' }).waitFor({ timeout: 20_000 })
    expect(await card.getByRole('button', { name: 'Compact database' }).isEnabled()).toBe(true)
    expect(await storedPaths()).toEqual(['/recent-a', '/recent-b'])

    // A longer period deletes nothing more, so it is saved without asking.
    await keep.selectOption('12')
    await card.getByRole('status').filter({ hasText: 'Data is now kept for 12 months.' }).waitFor()
    expect(await question.count()).toBe(0)
    expect(((await api('GET', '/api/dashi/housekeeping')) as { retentionMonths: number }).retentionMonths).toBe(12)

    expect(session.consoleErrors).toEqual([])
  }, 90_000)

  test('a user who is not an admin does not see the section, and the page never asks for it', async () => {
    const context = await session.browser.newContext({ userAgent: BROWSER_UA, viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    page.setDefaultTimeout(10_000)
    const errors: string[] = []
    page.on('console', (message: ConsoleMessage) => message.type() === 'error' && errors.push(message.text()))
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`))
    const asked: string[] = []
    page.on('request', (request) => request.url().includes('/api/dashi/housekeeping') && asked.push(request.url()))
    try {
      await logIn(page, session.dashi.url, 'writer', 'writer-pass-1')
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
      await page.waitForURL('**/settings')
      await page.getByRole('heading', { name: 'Preferences' }).waitFor()
      await page.getByRole('heading', { name: 'About Dashi' }).waitFor()
      expect(await page.getByRole('heading', { name: 'Data', exact: true }).count()).toBe(0)
      expect(await page.getByLabel('Keep data for').count()).toBe(0)
      expect(asked).toEqual([])
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  }, 60_000)
})
