import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConsoleMessage, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { resolveConfig } from '../../src/server/config'
import { startServer, type RunningServer } from '../../src/server/server'
import { CHROME_UA } from '../helpers'
import { apiToken, logIn, openDashboard, type DashboardSession } from './dashboard-helpers'

// Remote profiles in Chromium (web mode): the dashboard's local server and a second Dashi server started
// here as the remote (own data directory, hits sent through its /api/send). The user adds a profile in
// Settings (a wrong password first), switches to it in the app bar, sees its website with the numbers the
// remote's own API gives, then the remote stops and a reload shows the kept numbers under an offline banner.
// page.evaluate takes expressions as text in this file: the tests' tsconfig has no DOM types.

const REMOTE_PASSWORD = 'remote-password-9'
const DAY = 86_400_000
/** Three days ago, 00:00 UTC: a day the remote accepts hits for. */
const DAY0 = Math.floor((Date.now() - 3 * DAY) / DAY) * DAY

/**
 * Console errors this test causes on purpose: Chromium logs every failed fetch. The wrong password is a
 * 422 of the profile test; with the remote stopped, a call nothing was kept for is a 502 of its profile.
 */
const expected = (message: ConsoleMessage) =>
  (/status of 422/.test(message.text()) && message.location().url.endsWith('/api/dashi/profiles/test')) ||
  (/status of 502/.test(message.text()) && message.location().url.includes('/api/dashi/profiles/'))

let session: DashboardSession
let page: Page
let remote: RunningServer | undefined
let remoteDir: string
let remoteToken: string
let websiteId: string

async function remoteCall(path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${remote!.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${remoteToken}` },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  expect(res.status, path).toBe(200)
  return res.json()
}

async function send(at: number, url: string, ip: string) {
  const res = await fetch(`${remote!.url}/api/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
    body: JSON.stringify({ type: 'event', payload: { website: websiteId, hostname: 'remote.example', url, language: 'en-US', screen: '1920x1080', timestamp: at / 1000, ip } })
  })
  expect(res.status).toBe(200)
}

/** The summary cards, once none is loading: label → shown value. */
async function shownCards(target: Page): Promise<Record<string, string>> {
  const cards = target.getByRole('region', { name: 'Summary' }).locator('.metric-card')
  const items = await cards.evaluateAll((els) =>
    els.every((el) => el.getAttribute('aria-busy') !== 'true')
      ? els.map((el) => [el.querySelector('.label')!.textContent!.trim(), el.querySelector('.value')!.textContent!.trim()])
      : []
  )
  return Object.fromEntries(items)
}

beforeAll(async () => {
  remoteDir = mkdtempSync(join(tmpdir(), 'dashi-e2e-remote-'))
  remote = await startServer({ ...resolveConfig([], {}), host: '127.0.0.1', port: 0, dataDir: remoteDir })
  remoteToken = await apiToken(remote.url)
  await remoteCall('/api/me/password', { currentPassword: 'umami', newPassword: REMOTE_PASSWORD })
  websiteId = ((await remoteCall('/api/websites', { name: 'Remote shop', domain: 'remote.example' })) as { id: string }).id
  // Three visitors, four views: two views and a later one by the first, one each by two others.
  await send(DAY0 + 10 * 3600_000, '/', '203.0.113.1')
  await send(DAY0 + 10 * 3600_000 + 60_000, '/about', '203.0.113.1')
  await send(DAY0 + 12 * 3600_000, '/pricing', '203.0.113.2')
  await send(DAY0 + 15 * 3600_000, '/', '203.0.113.3')

  session = await openDashboard({ name: 'profiles', expectedConsoleError: expected })
  page = session.page
  // A website of the local server, which must not show while the remote profile is open.
  const localToken = await apiToken(session.dashi.url)
  const created = await fetch(`${session.dashi.url}/api/websites`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${localToken}` },
    body: JSON.stringify({ name: 'Local blog', domain: 'local.example' })
  })
  expect(created.status).toBe(200)
}, 60_000)

afterAll(async () => {
  await remote?.close().catch(() => {})
  if (remoteDir) rmSync(remoteDir, { recursive: true, force: true })
  await session?.close()
})

describe('remote profiles in the dashboard', () => {
  test('add a profile (wrong password first), switch to it, see its numbers; offline, the kept numbers under a banner', async () => {
    const local = session.dashi.url
    await logIn(page, local)
    // No remote profile yet: no switcher in the app bar.
    expect(await page.getByLabel('Server').count()).toBe(0)

    // Settings → Profiles.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('link', { name: 'Manage profiles' }).click()
    await page.waitForURL('**/settings/profiles')
    await page.getByText('No remote profiles yet.').waitFor()
    await page.getByRole('button', { name: 'Add profile' }).click()
    await page.getByLabel('Name', { exact: true }).fill('Shop analytics')
    await page.getByLabel('Address', { exact: true }).fill(remote!.url)
    await page.getByLabel('Username', { exact: true }).fill('admin')
    await page.getByLabel('Password', { exact: true }).fill('not-the-password')

    // A wrong password: its own message, and nothing saved.
    await page.getByRole('button', { name: 'Test connection' }).click()
    const problem = page.getByTestId('profile-problem')
    await problem.waitFor()
    expect(await problem.textContent()).toContain('The server refused the login: check the username and password (or the API key).')
    await session.shot('profiles-wrong-password')

    // The right one: the detected version is shown; saving lists the profile.
    await page.getByLabel('Password', { exact: true }).fill(REMOTE_PASSWORD)
    await page.getByRole('button', { name: 'Test connection' }).click()
    const detected = page.getByTestId('profile-detected')
    await detected.waitFor()
    expect(await detected.textContent()).toMatch(/Connected: Umami v3\.1 \(version \d+\.\d+\.\d+\)/)
    await page.getByRole('button', { name: 'Save profile' }).click()
    const row = page.getByTestId('profiles-table').getByRole('row', { name: /Shop analytics/ })
    await row.waitFor()
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('Umami v3.1')
    expect(await row.getByRole('cell').nth(2).textContent()).toBe(remote!.url)
    await session.shot('profiles-list')

    // The app bar's switcher: this server and the profile with its detected label.
    const switcher = page.getByLabel('Server')
    await switcher.waitFor()
    expect(await switcher.locator('option').allTextContents()).toEqual(['This Dashi server', 'Shop analytics · Umami v3.1'])
    await switcher.selectOption({ label: 'Shop analytics · Umami v3.1' })
    await page.waitForURL('**/websites')
    const remoteRow = page.getByRole('row', { name: /Remote shop/ })
    await remoteRow.waitFor()
    expect(await page.getByRole('row', { name: /Local blog/ }).count()).toBe(0)
    expect(await page.getByText('1 website on Shop analytics (Umami v3.1)').count()).toBe(1)
    // The remote's websites are changed on the remote: no add, no settings here.
    expect(await page.getByRole('button', { name: 'Add website' }).count()).toBe(0)
    expect(await remoteRow.getByRole('link', { name: /Settings/ }).count()).toBe(0)
    await session.shot('profiles-remote-websites')

    // Its overview on the day of the hits: the numbers the remote's own API gives.
    await remoteRow.getByRole('link', { name: 'Remote shop', exact: true }).click()
    await page.waitForURL(new RegExp(`/websites/${websiteId}`))
    const query = `range=custom&start=${DAY0}&end=${DAY0 + DAY - 1}&tz=UTC`
    await page.goto(`${local}/websites/${websiteId}?${query}`)
    await page.getByRole('heading', { name: 'Remote shop', level: 1 }).waitFor()
    const stats = (await remoteCall(`/api/websites/${websiteId}/stats?startAt=${DAY0}&endAt=${DAY0 + DAY - 1}&timezone=UTC`)) as { visitors: number; visits: number; pageviews: number }
    expect(stats).toMatchObject({ visitors: 3, pageviews: 4 })
    await expect.poll(() => shownCards(page)).toMatchObject({ Visitors: String(stats.visitors), Visits: String(stats.visits), Views: String(stats.pageviews) })
    // The remote's sections the forwarding serves; saved reports stay with the local server.
    const tabs = page.getByRole('navigation', { name: 'Website sections' })
    expect(await tabs.getByRole('link').allTextContents()).toEqual(['Overview', 'Realtime', 'Sessions', 'Events'].map((t) => expect.stringContaining(t)))
    expect(await page.getByTestId('offline-banner').count()).toBe(0)
    await session.shot('profiles-remote-overview')

    // The remote stops; a reload opens the same view from what the local server kept, and says so.
    await remote!.close()
    remote = undefined
    await page.reload()
    const banner = page.getByTestId('offline-banner')
    await banner.waitFor()
    expect(await banner.textContent()).toMatch(/^Offline — showing data as of .*\d/)
    await page.getByRole('heading', { name: 'Remote shop', level: 1 }).waitFor()
    await expect.poll(() => shownCards(page)).toMatchObject({ Visitors: String(stats.visitors), Visits: String(stats.visits), Views: String(stats.pageviews) })
    // Still the remote profile after the reload.
    expect(await page.getByLabel('Server').inputValue()).not.toBe('local')
    await session.shot('profiles-offline')

    // Back to this server: its own websites, no banner.
    await page.getByLabel('Server').selectOption({ label: 'This Dashi server' })
    await page.waitForURL('**/websites')
    await page.getByRole('row', { name: /Local blog/ }).waitFor()
    expect(await page.getByTestId('offline-banner').count()).toBe(0)

    expect(session.consoleErrors).toEqual([])
  })
})
