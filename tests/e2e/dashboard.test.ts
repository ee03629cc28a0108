import type { ConsoleMessage, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { openDashboard, type DashboardSession } from './dashboard-helpers'

// The dashboard in Chromium against the real server in web mode, serving the built renderer
// (out/renderer, from `npx electron-vite build`), as `npm run serve` does.
// page.evaluate takes expressions as text in this file: the tests' tsconfig has no DOM types.

let session: DashboardSession
let dashi: DashboardSession['dashi']
let page: Page
let consoleErrors: string[]

const shot = (name: string) => session.shot(name)

/**
 * The one console error a wrong password must cause: Chromium logs every 4xx fetch as "Failed to load
 * resource", and the failed login is a 401 of /api/auth/login by design.
 */
const expectedLoginFailure = (message: ConsoleMessage) => /status of 401/.test(message.text()) && message.location().url.endsWith('/api/auth/login')

beforeAll(async () => {
  session = await openDashboard({ name: 'dashboard', expectedConsoleError: expectedLoginFailure })
  dashi = session.dashi
  page = session.page
  consoleErrors = session.consoleErrors
  await session.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dashi.url })
})

afterAll(async () => {
  await session?.close()
})

describe('the dashboard in Chromium (web mode)', () => {
  test('login (wrong password first), websites, add a website, its settings and snippet, dark theme, logout', async () => {
    // Not logged in: the app sends the visitor to the login page.
    await page.goto(`${dashi.url}/`)
    await page.waitForURL('**/login')
    await expect.poll(() => page.title()).toBe('Log in · Dashi')

    await page.getByLabel('Username').fill('admin')
    await page.getByLabel('Password').fill('not-the-password')
    await page.getByRole('button', { name: 'Log in' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toBe('Wrong username or password.')
    // The password field is cleared for another try; the username stays.
    expect(await page.getByLabel('Password').inputValue()).toBe('')
    expect(await page.getByLabel('Username').inputValue()).toBe('admin')
    await shot('login-error')

    await page.getByLabel('Password').fill('umami')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL('**/websites')
    await page.getByRole('heading', { name: 'Websites', level: 1 }).waitFor()
    await page.getByText('No websites yet.').waitFor()
    expect(await page.locator('header').getByRole('button', { name: /admin/ }).isVisible()).toBe(true)

    // Add a website: it appears in the list with its numbers (none yet).
    await page.getByRole('button', { name: 'Add website' }).click()
    await page.getByLabel('Name').fill('My <b>blog</b>')
    await page.getByLabel('Domain').fill('blog.example.com')
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    const row = page.getByRole('row', { name: /My <b>blog<\/b>/ })
    await row.waitFor()
    // Text from the server is shown as text, never as markup.
    expect(await page.locator('table b').count()).toBe(0)
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('blog.example.com')
    await expect.poll(() => row.getByRole('cell').nth(2).textContent()).toBe('0')
    await row.locator('svg.sparkline').waitFor()
    await shot('websites')

    // The site's name opens its overview (views/OverviewView.vue) at /websites/{id}.
    await row.getByRole('link', { name: 'My <b>blog</b>', exact: true }).click()
    await page.waitForURL(/\/websites\/[0-9a-f-]{36}$/)
    await page.getByRole('heading', { name: 'My <b>blog</b>', level: 1 }).waitFor()
    await shot('overview')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Websites' }).click()
    await page.waitForURL('**/websites')

    // Its settings: both tracking snippets, with this server's origin and the website's id.
    await row.getByRole('link', { name: 'Settings of My <b>blog</b>' }).click()
    await page.waitForURL(/\/websites\/[0-9a-f-]{36}\/settings$/)
    const websiteId = page.url().match(/websites\/([0-9a-f-]{36})\/settings/)![1]!
    const current = await page.getByTestId('snippet-current').textContent()
    const classic = await page.getByTestId('snippet-classic').textContent()
    expect(current).toBe(`<script defer src="${dashi.url}/script.js" data-website-id="${websiteId}"></script>`)
    expect(classic).toBe(`<script async defer data-website-id="${websiteId}" src="${dashi.url}/umami.js"></script>`)
    await page.getByRole('button', { name: 'Copy Current tracker (script.js)' }).click()
    await page.getByRole('button', { name: 'Copied Current tracker (script.js)' }).waitFor()
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(current)

    // Share URL on: the link names a share id the server knows.
    await page.getByLabel('Enable share URL').check()
    const shareUrl = (await page.getByTestId('share-url').textContent())!
    expect(shareUrl).toMatch(new RegExp(`^${dashi.url}/share/[0-9A-Za-z]{8}$`))
    const share = await fetch(`${dashi.url}/api/share/${shareUrl.split('/').pop()}`)
    expect(((await share.json()) as { websiteId: string }).websiteId).toBe(websiteId)
    await shot('settings')

    // The share page, freshly loaded from its link as a visitor would open it (the server answers
    // dashboard paths with index.html). It reads with the share token, read-only.
    const sharePath = new URL(shareUrl).pathname
    const shareLoad = await page.goto(shareUrl)
    expect(shareLoad?.status()).toBe(200)
    await page.waitForURL(`**${sharePath}`)
    await page.getByText('Shared with Dashi').waitFor()
    await page.getByRole('heading', { name: 'My <b>blog</b>', level: 1 }).waitFor()
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0)
    await shot('share')
    await page.goBack()
    await page.waitForURL(/\/settings$/)

    // Dark theme from the app bar; it outlives a reload.
    await page.getByRole('button', { name: 'Switch to dark theme' }).click()
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark')
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor')
    expect(background).toBe('rgb(15, 17, 21)')
    await shot('settings-dark')
    await page.goto(`${dashi.url}/`)
    await page.waitForURL('**/websites')
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark')
    await page.getByRole('row', { name: /My <b>blog<\/b>/ }).waitFor()
    await shot('websites-dark')

    // Settings: the theme choice shows there; an admin adds a user.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    await page.waitForURL('**/settings')
    expect(await page.getByRole('radio', { name: 'Dark' }).isChecked()).toBe(true)
    await page.getByLabel('Username').fill('viewer')
    await page.getByLabel('Password', { exact: true }).fill('viewer-pass')
    await page.getByLabel('Role', { exact: true }).selectOption('view-only')
    await page.getByRole('button', { name: 'Add user' }).click()
    await page.getByRole('status').filter({ hasText: 'Created “viewer”.' }).waitFor()
    expect(await page.getByLabel('Role of viewer').inputValue()).toBe('view-only')
    await shot('user-settings')

    // Log out from the user menu: back at the login page, and the app does not let them in again.
    await page.getByRole('button', { name: /admin/ }).click()
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL('**/login')
    expect(await page.evaluate("localStorage.getItem('dashi.token')")).toBeNull()
    await page.goto(`${dashi.url}/`)
    await page.waitForURL('**/login')
    await page.getByRole('button', { name: 'Log in' }).waitFor()

    expect(consoleErrors).toEqual([])
  }, 90_000)
})
