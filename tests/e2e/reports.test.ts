import { readFileSync } from 'node:fs'
import type { Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BROWSER_UA } from './browser'
import { apiToken, logIn, openDashboard, type DashboardSession } from './dashboard-helpers'

// The reports view and Settings → About in Chromium against the real server in web mode, serving the
// built renderer (out/renderer, from `npx electron-vite build`). The data goes in through /api/send, as
// a tracker would send it: 10 visitors on /, 6 of them go on to /pricing, 3 of those to /signup.

let session: DashboardSession
let page: Page
let token: string
let websiteId: string
/** Every report run the page asked for, by type, in order. */
const reportRequests: string[] = []

const url = () => session.dashi.url
const shot = (name: string) => session.shot(name)

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url()}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'user-agent': BROWSER_UA },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

/** One hit through the collect endpoint, from the visitor at `ip` (a distinct address is a distinct visitor). */
async function send(ip: string, path: string, name?: string) {
  const response = await fetch(`${url()}/api/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
    body: JSON.stringify({
      type: 'event',
      payload: { website: websiteId, hostname: 'shop.example.com', language: 'en-US', screen: '1920x1080', url: path, ip, ...(name ? { name } : {}) }
    })
  })
  expect(response.status).toBe(200)
}

/** The JSON of the next response to a report request of `type`, started by `action`. */
async function reportResponse<T>(type: string, action: () => Promise<void>): Promise<T> {
  const waiting = page.waitForResponse((r: Response) => r.url() === `${url()}/api/reports/${type}` && r.request().method() === 'POST')
  await action()
  const response = await waiting
  expect(response.status()).toBe(200)
  return (await response.json()) as T
}

const cellTexts = (testId: string) => page.getByTestId(testId).allTextContents()

/**
 * Goes to a dashboard path inside the app, as a link would. (A fresh load of a nested path such as
 * /websites/{id}/reports cannot work yet: the built index.html names its assets relative to the page,
 * `./assets/…`, which electron-vite forces for renderer builds.)
 */
async function visit(path: string) {
  await page.evaluate(`history.pushState({}, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'))`)
  await page.waitForURL(`**${path}`)
}

beforeAll(async () => {
  session = await openDashboard({ name: 'reports' })
  page = session.page
  token = await apiToken(url())
  websiteId = (await api<{ id: string }>('POST', '/api/websites', { name: 'Shop', domain: 'shop.example.com' })).id

  // Each visitor's hits go in order, so that their steps are in order too.
  for (let i = 1; i <= 10; i++) {
    const ip = `203.0.113.${i}`
    await send(ip, i <= 4 ? '/?utm_source=newsletter&utm_medium=email' : '/')
    if (i <= 6) await send(ip, '/pricing')
    if (i <= 3) {
      await send(ip, '/signup')
      await send(ip, '/signup', 'signup')
    }
  }

  page.on('request', (r) => {
    const type = /\/api\/reports\/([a-z]+)$/.exec(r.url())?.[1]
    if (type && r.method() === 'POST') reportRequests.push(type)
  })
})

afterAll(async () => {
  await session?.close()
})

describe('reports and About in Chromium (web mode)', () => {
  test('funnel and goals match the API, a saved report reopens and is deleted, other reports render, About credits DB-IP', async () => {
    await logIn(page, url())

    // The reports of the website (the funnel is the first report).
    await visit(`/websites/${websiteId}/reports`)
    await page.getByRole('heading', { name: 'Shop', level: 1 }).waitFor()
    await page.getByRole('heading', { name: 'Funnel', level: 2 }).waitFor()
    await expect.poll(() => page.title()).toBe('Reports · Dashi')
    const reportsTab = page.getByRole('navigation', { name: 'Website sections' }).getByRole('link', { name: 'Reports' })
    expect(await reportsTab.getAttribute('aria-current')).toBe('page')
    // The report type is remembered in the URL beside the dashboard's range.
    expect(await page.getByRole('button', { name: 'Funnel' }).getAttribute('aria-pressed')).toBe('true')

    // Set up the funnel: / → /pricing → /signup (the step list starts with / and an empty step).
    expect(await page.getByLabel('Step 1', { exact: true }).inputValue()).toBe('/')
    await page.getByRole('button', { name: 'Run report' }).click()
    expect(await page.getByRole('alert').textContent()).toBe('Step 2 needs a page path, such as /pricing.')
    await page.getByLabel('Step 2', { exact: true }).fill('/pricing')
    await page.getByRole('button', { name: 'Add step' }).click()
    // Adding a step puts the cursor in it.
    await page.getByLabel('Step 3', { exact: true }).pressSequentially('/signup')
    expect(await page.getByLabel('Window (minutes)').inputValue()).toBe('60')
    const funnel = await reportResponse<{ value: string; visitors: number }[]>('funnel', () =>
      page.getByRole('button', { name: 'Run report' }).click()
    )
    expect(funnel.map((s) => [s.value, s.visitors])).toEqual([
      ['/', 10],
      ['/pricing', 6],
      ['/signup', 3]
    ])
    await page.getByTestId('funnel-table').waitFor()
    expect(await cellTexts('funnel-visitors')).toEqual(funnel.map((s) => String(s.visitors)))
    const stepRows = page.getByTestId('funnel-step')
    expect(await stepRows.nth(1).textContent()).toContain('60.0%')
    expect(await stepRows.nth(2).textContent()).toContain('3 (50.0%)')
    await page.locator('.funnel-chart canvas').waitFor()
    expect(await page.locator('.funnel-chart [role="img"]').getAttribute('aria-label')).toBe(
      'Funnel chart: step 1, /, 10 visitors; step 2, /pricing, 6 visitors; step 3, /signup, 3 visitors.'
    )

    // Reorder from the keyboard's reach: move step 3 up and back down, the list follows.
    await page.getByRole('button', { name: 'Move step 3 up' }).click()
    expect(await page.getByLabel('Step 2', { exact: true }).inputValue()).toBe('/signup')
    await page.getByRole('button', { name: 'Move step 2 down' }).click()
    expect(await page.getByLabel('Step 3', { exact: true }).inputValue()).toBe('/signup')
    await shot('report-funnel')

    // Save it; it appears in the saved list and in the URL.
    await page.getByLabel('Report name').fill('Signup <b>funnel</b>')
    await page.getByRole('button', { name: 'Save report' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved “Signup <b>funnel</b>”.' }).waitFor()
    await page.waitForURL(/[?&]saved=[0-9a-f-]{36}/)
    const savedList = page.getByRole('list', { name: 'Saved reports' })
    await savedList.getByRole('button', { name: 'Signup <b>funnel</b>' }).waitFor()
    expect(await page.locator('.saved b').count()).toBe(0)
    const saved = await api<{ data: { name: string; type: string; parameters: unknown }[] }>('GET', `/api/websites/${websiteId}/reports`)
    expect(saved.data).toEqual([
      expect.objectContaining({
        name: 'Signup <b>funnel</b>',
        type: 'funnel',
        parameters: { window: 60, steps: [{ type: 'path', value: '/' }, { type: 'path', value: '/pricing' }, { type: 'path', value: '/signup' }] }
      })
    ])

    // Goals: a page and an event, each with its completions out of all visitors.
    await page.getByRole('button', { name: 'Goals' }).click()
    await page.getByRole('heading', { name: 'Goals', level: 2 }).waitFor()
    await page.getByLabel('Goal 1', { exact: true }).fill('/pricing')
    await page.getByRole('button', { name: 'Add goal' }).click()
    await page.getByLabel('Type of goal 2').selectOption('event')
    await page.getByLabel('Goal 2', { exact: true }).fill('signup')
    // One request per goal; the table shows what they answered.
    const goalAnswers: Promise<{ num: number; total: number }>[] = []
    const onGoal = (r: Response) => {
      if (r.url() === `${url()}/api/reports/goal`) goalAnswers.push(r.json() as Promise<{ num: number; total: number }>)
    }
    page.on('response', onGoal)
    await page.getByRole('button', { name: 'Run report' }).click()
    await page.getByTestId('goals-table').waitFor()
    page.off('response', onGoal)
    expect(await cellTexts('goal-completed')).toEqual(['6', '3'])
    expect(await cellTexts('goal-percent')).toEqual(['60.0%', '30.0%'])
    await shot('report-goals')
    const goalResults = await Promise.all(goalAnswers)
    expect([...goalResults].sort((a, b) => b.num - a.num)).toEqual([
      { num: 6, total: 10 },
      { num: 3, total: 10 }
    ])

    // Reopen the saved funnel from the list: its steps come back and it runs again.
    const reopened = await reportResponse<{ visitors: number }[]>('funnel', () => savedList.getByRole('button', { name: 'Signup <b>funnel</b>' }).click())
    await page.getByRole('heading', { name: 'Signup <b>funnel</b>', level: 2 }).waitFor()
    expect(await page.getByLabel('Step 3', { exact: true }).inputValue()).toBe('/signup')
    await expect.poll(() => cellTexts('funnel-visitors')).toEqual(reopened.map((s) => String(s.visitors)))
    expect(await page.getByRole('button', { name: 'Save changes' }).isVisible()).toBe(true)

    // Its URL opens the same saved report when arrived at afresh (a bookmark, back and forward).
    const savedUrl = new URL(page.url())
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Websites' }).click()
    await page.waitForURL('**/websites')
    const afterReload = await reportResponse<{ visitors: number }[]>('funnel', () => visit(`${savedUrl.pathname}${savedUrl.search}`))
    await page.getByRole('heading', { name: 'Signup <b>funnel</b>', level: 2 }).waitFor()
    await expect.poll(() => cellTexts('funnel-visitors')).toEqual(afterReload.map((s) => String(s.visitors)))
    expect(afterReload.map((s) => s.visitors)).toEqual([10, 6, 3])

    // Journey: the commonest path first, as a row of steps.
    await page.getByRole('button', { name: 'Journey' }).click()
    const journeys = page.getByTestId('journeys')
    await journeys.waitFor()
    // 4 visitors saw / only; 3 went / → /pricing → /signup and signed up (the event), 3 stopped at /pricing.
    const rows = journeys.locator(':scope > li')
    expect(await rows.count()).toBe(3)
    expect(await rows.nth(0).locator('.chip').allTextContents()).toEqual(['/'])
    expect(await rows.nth(0).locator('.count').textContent()).toContain('4')
    const chips = await Promise.all([1, 2].map((i) => rows.nth(i).locator('.chip').allTextContents()))
    expect(chips).toContainEqual(['/', '/pricing', '/signup', 'signup'])
    expect(chips).toContainEqual(['/', '/pricing'])
    await shot('report-journey')

    // Retention: one cohort (today), everyone on day 0.
    await page.getByRole('button', { name: 'Retention' }).click()
    const retention = page.getByTestId('retention-table')
    await retention.waitFor()
    expect(await retention.locator('tbody tr').count()).toBe(1)
    expect(await retention.locator('tbody td.cell').first().textContent()).toContain('100%')
    await shot('report-retention')

    // UTM: the 4 newsletter visitors' views.
    await page.getByRole('button', { name: 'UTM' }).click()
    const sources = page.getByRole('region', { name: 'Sources' })
    await sources.getByText('newsletter').waitFor()
    expect(await sources.locator('.value').allTextContents()).toEqual(['4'])

    // Delete the saved report after confirming.
    await savedList.getByRole('button', { name: 'Delete…' }).click()
    await page.getByRole('button', { name: 'Delete report' }).click()
    await page.getByRole('status').filter({ hasText: 'Deleted “Signup <b>funnel</b>”.' }).waitFor()
    await page.getByText('No saved reports yet.', { exact: false }).waitFor()
    expect((await api<{ data: unknown[] }>('GET', `/api/websites/${websiteId}/reports`)).data).toEqual([])

    // Settings → About: versions, and the credit the DB-IP licence asks for, with its link.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    await page.waitForURL('**/settings')
    const about = page.getByRole('region', { name: 'About Dashi' })
    const credit = about.getByTestId('about-geo-credit')
    expect((await credit.textContent())!.replace(/\s+/g, ' ').trim()).toBe(
      'IP geolocation by DB-IP (https://db-ip.com), licensed under CC BY 4.0.'
    )
    expect(await credit.getByRole('link', { name: 'https://db-ip.com' }).getAttribute('href')).toBe('https://db-ip.com')
    expect(await credit.getByRole('link', { name: 'CC BY 4.0' }).getAttribute('href')).toBe('https://creativecommons.org/licenses/by/4.0/')
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
    await expect.poll(() => about.getByTestId('about-server-version').textContent()).toBe(`Dashi ${version}`)
    expect(await about.getByTestId('about-dashboard-version').textContent()).toBe(version)
    expect(await about.getByTestId('about-runtime').textContent()).toMatch(/^Web mode/)
    // An admin is told where the database is, or why the dashboard cannot know.
    expect(await about.getByTestId('about-database').isVisible()).toBe(true)
    // From the top: a full-page shot taken scrolled down would draw the sticky app bar mid-page.
    await page.evaluate('window.scrollTo(0, 0)')
    await shot('about')

    // Each report ran once per request for it: saving, switching and navigating do not run reports twice.
    expect(reportRequests).toEqual(['funnel', 'goal', 'goal', 'funnel', 'funnel', 'journey', 'retention', 'utm'])
    expect(session.consoleErrors).toEqual([])
  }, 120_000)

  test('a view-only user is not shown where the database is', async () => {
    await api('POST', '/api/users', { username: 'viewer', password: 'viewer-pass', role: 'view-only' })
    await page.evaluate("localStorage.removeItem('dashi.token')")
    await logIn(page, url(), 'viewer', 'viewer-pass')

    await visit('/settings')
    const about = page.getByRole('region', { name: 'About Dashi' })
    await about.getByTestId('about-geo-credit').waitFor()
    expect(await about.getByTestId('about-database').count()).toBe(0)
    expect(session.consoleErrors).toEqual([])
  }, 60_000)
})
