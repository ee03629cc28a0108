import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { resolveConfig } from '../../src/server/config'
import { startServer, type RunningServer } from '../../src/server/server'
import { CHROME_UA, FIREFOX_LINUX_UA } from '../helpers'
import { apiToken, logIn, openDashboard, type DashboardSession } from './dashboard-helpers'

// "Move history to…" in Chromium (web mode): the dashboard's server holds a website's hits from past days;
// a second Dashi server started here is the remote, added as a profile over the API. In the website's
// settings the user picks the profile and a website on it, starts the move, and sees the progress end in
// the final count check; the remote's own API then reports the same hits on the original days.

const REMOTE_PASSWORD = 'remote-password-9'
const DAY = 86_400_000
const DAY0 = Math.floor((Date.now() - 4 * DAY) / DAY) * DAY
/** Two pages of the move (500 + 200). */
const HITS = 700

let session: DashboardSession
let page: Page
let remote: RunningServer
let remoteDir: string
let remoteToken: string
let remoteWebsiteId: string
let websiteId: string

async function json(base: string, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  expect(res.status, `${method} ${path}: ${res.status}`).toBe(200)
  return res.json()
}

beforeAll(async () => {
  remoteDir = mkdtempSync(join(tmpdir(), 'dashi-e2e-replay-remote-'))
  remote = await startServer({ ...resolveConfig([], {}), host: '127.0.0.1', port: 0, dataDir: remoteDir })
  remoteToken = await apiToken(remote.url)
  await json(remote.url, remoteToken, 'POST', '/api/me/password', { currentPassword: 'umami', newPassword: REMOTE_PASSWORD })
  remoteWebsiteId = ((await json(remote.url, remoteToken, 'POST', '/api/websites', { name: 'Shop archive', domain: 'shop.example' })) as { id: string }).id

  session = await openDashboard({ name: 'replay' })
  page = session.page
  const local = session.dashi.url
  const token = await apiToken(local)
  websiteId = ((await json(local, token, 'POST', '/api/websites', { name: 'Shop', domain: 'shop.example' })) as { id: string }).id
  const items = Array.from({ length: HITS }, (_, i) => ({
    type: 'event',
    payload: {
      website: websiteId,
      hostname: 'shop.example',
      url: `/item-${i % 20}`,
      timestamp: (DAY0 + (i % 3) * DAY + (i % 24) * 3_600_000) / 1000,
      userAgent: i % 2 ? CHROME_UA : FIREFOX_LINUX_UA,
      ip: `203.0.113.${i % 40}`,
      ...(i % 10 === 0 ? { name: 'add-to-cart' } : {})
    }
  }))
  const sent = (await json(local, token, 'POST', '/api/batch', items)) as { errors: number }
  expect(sent.errors).toBe(0)
  await json(local, token, 'POST', '/api/dashi/profiles', { name: 'Archive server', baseUrl: remote.url, credentials: { kind: 'password', username: 'admin', password: REMOTE_PASSWORD } })
}, 60_000)

afterAll(async () => {
  await session?.close()
  await remote?.close().catch(() => {})
  if (remoteDir) rmSync(remoteDir, { recursive: true, force: true })
})

describe('moving history from the website settings', () => {
  test('choose a profile and its website, start, see the move finish with matching counts', async () => {
    await logIn(page, session.dashi.url)
    await page.goto(`${session.dashi.url}/websites/${websiteId}/settings`)
    const section = page.getByTestId('move-history')
    await section.getByRole('heading', { name: 'Move history to…' }).waitFor()

    await section.getByLabel('Server').selectOption({ label: 'Archive server (Umami v3.1)' })
    const websiteSelect = section.getByLabel('Website there')
    await websiteSelect.locator('option', { hasText: 'Shop archive' }).waitFor({ state: 'attached' })
    await websiteSelect.selectOption({ label: 'Shop archive (shop.example)' })
    await section.getByRole('button', { name: 'Start moving' }).click()

    const move = section.getByRole('listitem').filter({ hasText: 'To Shop archive on Archive server' })
    await move.waitFor()
    // Progress is polled while the move runs; it ends in the final count check.
    await section.locator('li[data-status="done"]').waitFor({ timeout: 60_000 })
    expect(await move.getByTestId('move-status').textContent()).toBe('Done')
    expect(await move.getByTestId('move-progress').textContent()).toMatch(/^700 of 700 hits sent \(100%\)\./)
    const check = move.getByTestId('move-check')
    expect(await check.textContent()).toMatch(/Final check: 700 hits here, 700 pageviews and events on Archive server from .* to .*: they match\./)
    expect(await move.getByRole('progressbar').getAttribute('value')).toBe('700')
    await session.shot('replay-done')

    // The remote's own numbers, on the days the hits happened.
    const stats = (await json(remote.url, remoteToken, 'GET', `/api/websites/${remoteWebsiteId}/stats?startAt=${DAY0}&endAt=${DAY0 + 3 * DAY - 1}`)) as { pageviews: number }
    expect(stats.pageviews).toBe(630)
    expect(session.consoleErrors).toEqual([])
  }, 90_000)
})
