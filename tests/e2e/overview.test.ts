import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { MetricRow, WebsiteStats } from '../../src/shared/api/types'
import { formatDuration, formatNumber, formatPercent } from '../../src/renderer/src/lib/format'
import { BROWSER_UA } from './browser'
import { apiToken, logIn, openDashboard, SHOTS, type DashboardSession } from './dashboard-helpers'

// The website overview in Chromium against the real server in web mode: headline numbers, breakdown
// tables, filters, range and unit, CSV export and the share page, each checked against what the API
// answers for the very request the page sent. Hits go in through /api/send with timestamps, one
// address per visitor. page.evaluate takes expressions as text: the tests' tsconfig has no DOM types.

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
const XSS = '<img src=x onerror=alert(1)>'
/** The XSS page as a browser reports it: `location.pathname` is percent-encoded. */
const XSS_URL = `/pages/${encodeURI(XSS)}`

let session: DashboardSession
let page: Page
let token: string
let websiteId: string
let locale: string
/** Dialogs opened by any page of the test: an injected `alert(1)` would land here. */
const dialogs: string[] = []
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
  /** Milliseconds before the test started. */
  ago: number
  title?: string
  name?: string
  ua?: string
}

async function send({ ip, url, ago, title, name, ua = BROWSER_UA }: Hit) {
  const response = await fetch(`${session.dashi.url}/api/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': ua },
    body: JSON.stringify({
      type: 'event',
      payload: {
        website: websiteId,
        hostname: 'blog.example.com',
        language: 'en-US',
        screen: '1920x1080',
        url,
        title,
        name,
        ip,
        timestamp: Math.floor((started - ago) / 1000)
      }
    })
  })
  expect(response.status, await response.text()).toBe(200)
}

/**
 * The next successful API response of the page whose path ends with `suffix` (and whose parameters
 * pass `match`), as a promise to take before the action that causes it.
 */
function nextApi(target: Page, suffix: string, match: (params: URLSearchParams) => boolean = () => true): Promise<Response> {
  return target.waitForResponse((r) => {
    const url = new URL(r.url())
    return url.pathname.startsWith('/api/') && url.pathname.endsWith(suffix) && match(url.searchParams) && r.ok()
  })
}

const searchOf = async (response: Promise<Response>) => new URL((await response).url()).search

/** Whether a request's range is a whole week ("Last 7 days"). */
const sevenDays = (p: URLSearchParams) => Math.round((Number(p.get('endAt')) - Number(p.get('startAt'))) / DAY) === 7

/** The five cards as the UI must print them for a /stats answer, by the rules of MetricCard and lib/format. */
function expectedCards(stats: WebsiteStats) {
  const bounceRate = stats.visits > 0 ? Math.min(stats.bounces, stats.visits) / stats.visits : 0
  const duration = stats.visits > 0 ? stats.totaltime / stats.visits : 0
  return [
    { label: 'Visitors', value: formatNumber(stats.visitors, locale) },
    { label: 'Visits', value: formatNumber(stats.visits, locale) },
    { label: 'Views', value: formatNumber(stats.pageviews, locale) },
    { label: 'Bounce rate', value: formatPercent(bounceRate, locale) },
    { label: 'Visit duration', value: formatDuration(duration) }
  ]
}

/** The cards shown, once none is loading. */
async function shownCards(target: Page) {
  const cards = target.getByRole('region', { name: 'Summary' }).locator('.metric-card')
  return cards.evaluateAll((items) =>
    items.every((item) => item.getAttribute('aria-busy') !== 'true')
      ? items.map((item) => ({ label: item.querySelector('.label')!.textContent!.trim(), value: item.querySelector('.value')!.textContent!.trim() }))
      : []
  )
}

/**
 * Waits until no panel is loading and the map has drawn, then past the charts' 300 ms animation, so a
 * screenshot shows the numbers and not a transition.
 */
async function settled(target: Page) {
  await target.getByRole('region', { name: 'Views and visitors over time' }).locator('canvas').first().waitFor()
  await target.locator('.world-map canvas').first().waitFor()
  await expect.poll(() => target.locator('[aria-busy="true"]').count()).toBe(0)
  await target.waitForTimeout(500)
}

/** A breakdown table's rows as shown: label text and count. */
async function shownRows(target: Page, title: string) {
  return target
    .getByRole('region', { name: title, exact: true })
    .locator('li.row')
    .evaluateAll((rows) => rows.map((row) => ({ label: row.querySelector('.text')!.textContent!, value: row.querySelector('.value')!.textContent! })))
}

const asShown = (rows: MetricRow[], label: (x: string | null) => string = (x) => x ?? '(unknown)') =>
  rows.map((row) => ({ label: label(row.x), value: formatNumber(row.y, locale) }))

/** A CSV field as RFC 4180 quotes it (enough for these values: no formulas, no edge spaces). */
const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text)

beforeAll(async () => {
  session = await openDashboard({ name: 'overview' })
  page = session.page
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  token = await apiToken(session.dashi.url)
  const created = await fetch(`${session.dashi.url}/api/websites`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'Blog', domain: 'blog.example.com' })
  })
  websiteId = ((await created.json()) as { id: string }).id
  // Five visitors this week (two of them in Firefox, two bouncing), two more only in the last 30 days.
  const hits: Hit[] = [
    { ip: '81.2.69.11', url: '/', ago: 2 * DAY, title: 'Home' },
    { ip: '81.2.69.11', url: '/pricing', ago: 2 * DAY - 2 * MINUTE, title: 'Pricing' },
    { ip: '81.2.69.11', url: XSS_URL, ago: 2 * DAY - 5 * MINUTE, title: `Hello ${XSS}` },
    { ip: '81.2.69.11', url: XSS_URL, ago: 2 * DAY - 5 * MINUTE + 1000, name: XSS },
    { ip: '81.2.69.12', url: '/', ago: DAY, title: 'Home', ua: FIREFOX_UA },
    { ip: '81.2.69.12', url: '/docs', ago: DAY - 90_000, title: 'Docs', ua: FIREFOX_UA },
    { ip: '81.2.69.13', url: '/compare/a,b', ago: 3 * HOUR, title: 'A or B' },
    { ip: '81.2.69.14', url: '/docs', ago: 5 * DAY, title: 'Docs', ua: FIREFOX_UA },
    { ip: '81.2.69.15', url: '/', ago: 4 * HOUR, title: 'Home' },
    { ip: '81.2.69.15', url: '/docs', ago: 4 * HOUR - 40_000, title: 'Docs' },
    { ip: '81.2.69.16', url: '/', ago: 10 * DAY, title: 'Home' },
    { ip: '81.2.69.16', url: '/pricing', ago: 10 * DAY - MINUTE, title: 'Pricing' },
    { ip: '81.2.69.17', url: '/docs', ago: 20 * DAY, title: 'Docs', ua: FIREFOX_UA }
  ]
  for (const hit of hits) await send(hit)
  await logIn(page, session.dashi.url)
  locale = (await page.evaluate('navigator.language')) as string
})

afterAll(async () => {
  await session?.close()
})

describe('the website overview in Chromium (web mode)', () => {
  let unfiltered: ReturnType<typeof expectedCards>
  /** The Pages rows of the API for the last 30 days, as the page asked for them. */
  let monthPages: MetricRow[]

  test('cards are the API’s /stats, the Pages table its path metrics, and page text stays text', async () => {
    // Only the week's answers: the websites list, just left, asks /stats for its own range.
    const stats = nextApi(page, '/stats', sevenDays)
    const pages = nextApi(page, '/metrics', (p) => p.get('type') === 'path' && sevenDays(p))
    const events = nextApi(page, '/metrics', (p) => p.get('type') === 'event' && sevenDays(p))
    // A fresh load of the deep link, as a bookmark opens it.
    await page.goto(`${session.dashi.url}/websites/${websiteId}?range=7d`)
    await page.getByRole('heading', { name: 'Blog', level: 1 }).waitFor()

    const statsSearch = await searchOf(stats)
    expect(statsSearch).toMatch(/startAt=\d+/)
    const expectedStats = await api<WebsiteStats>(`/api/websites/${websiteId}/stats${statsSearch}`)
    // The seeding is what this test thinks it is: five visitors this week, nine of their hits are views.
    expect(expectedStats).toMatchObject({ visitors: 5, pageviews: 9 })
    unfiltered = expectedCards(expectedStats)
    await expect.poll(() => shownCards(page)).toEqual(unfiltered)

    const expectedPages = await api<MetricRow[]>(`/api/websites/${websiteId}/metrics${await searchOf(pages)}`)
    expect(expectedPages.map((row) => row.x)).toEqual(expect.arrayContaining(['/', '/docs', '/pricing', '/compare/a,b', XSS_URL]))
    await expect.poll(() => shownRows(page, 'Pages')).toEqual(asShown(expectedPages))

    // The script-looking page and event name are text: no element made of them, no dialog, the text shown.
    // The page's path reads percent-encoded, as the browser reported it; the event name is the literal markup.
    const expectedEvents = await api<MetricRow[]>(`/api/websites/${websiteId}/metrics${await searchOf(events)}`)
    expect(expectedEvents).toEqual([{ x: XSS, y: 1 }])
    await expect.poll(() => shownRows(page, 'Events')).toEqual(asShown(expectedEvents))
    await page.getByRole('region', { name: 'Events', exact: true }).getByText(XSS, { exact: true }).waitFor()
    await page.getByRole('region', { name: 'Pages', exact: true }).getByText(XSS_URL, { exact: true }).waitFor()
    // The title is stored as sent (the overview has no titles table, the API has).
    const titles = await api<MetricRow[]>(`/api/websites/${websiteId}/metrics${statsSearch}&type=title`)
    expect(titles.map((row) => row.x)).toContain(`Hello ${XSS}`)
    expect(await page.locator('img[src="x"]').count()).toBe(0)
    expect(dialogs).toEqual([])
    expect(session.consoleErrors).toEqual([])
  }, 60_000)

  test('a click on a browser filters the whole page; removing its chip brings the totals back', async () => {
    const browsers = await shownRows(page, 'Browsers')
    expect(browsers.map((row) => row.label)).toEqual(expect.arrayContaining(['Chrome', 'Firefox']))

    const filteredStats = nextApi(page, '/stats', (p) => p.get('browser') === 'eq.firefox')
    const filteredSeries = nextApi(page, '/pageviews', (p) => p.get('browser') === 'eq.firefox')
    await page.getByRole('region', { name: 'Browsers', exact: true }).getByRole('button', { name: 'Filter by Firefox' }).click()
    await page.waitForURL(/[?&]browser=eq\.firefox(&|$)/)
    const chips = page.getByRole('group', { name: 'Filters' })
    await chips.getByText('Browser is Firefox', { exact: true }).waitFor()

    const expected = await api<WebsiteStats>(`/api/websites/${websiteId}/stats${await searchOf(filteredStats)}`)
    // Firefox this week: one visitor of two pages, one who bounced.
    expect(expected).toMatchObject({ visitors: 2, pageviews: 3 })
    const filteredCards = expectedCards(expected)
    expect(filteredCards).not.toEqual(unfiltered)
    await expect.poll(() => shownCards(page)).toEqual(filteredCards)
    // The tables follow the filter too: only Firefox is left among the browsers.
    await expect.poll(async () => (await shownRows(page, 'Browsers')).map((row) => row.label)).toEqual(['Firefox'])
    await filteredSeries
    await settled(page)
    await session.shot('overview-filtered')

    const back = nextApi(page, '/stats', (p) => !p.has('browser'))
    await chips.getByRole('button', { name: 'Remove filter: Browser is Firefox' }).click()
    await back
    await expect.poll(() => page.url()).not.toMatch(/browser=/)
    expect(await page.getByRole('group', { name: 'Filters' }).count()).toBe(0)
    await expect.poll(() => shownCards(page)).toEqual(unfiltered)
    expect(session.consoleErrors).toEqual([])
  }, 60_000)

  test('a unit and a range from the controls: the URL, the chart’s request and the cards follow', async () => {
    const units = page.getByRole('group', { name: 'Time unit' })
    expect(await units.getByRole('button', { name: 'Days' }).getAttribute('aria-pressed')).toBe('true')
    const chart = page.getByRole('region', { name: 'Views and visitors over time' })
    await chart.locator('canvas').first().waitFor()

    // Days → hours: the series is asked for again in hours and drawn per hour.
    const hourly = nextApi(page, '/pageviews', (p) => p.get('unit') === 'hour')
    await units.getByRole('button', { name: 'Hours' }).click()
    await page.waitForURL(/[?&]unit=hour(&|$)/)
    const hourlySearch = new URLSearchParams(await searchOf(hourly))
    expect(await units.getByRole('button', { name: 'Hours' }).getAttribute('aria-pressed')).toBe('true')
    await expect.poll(() => chart.getByRole('img').getAttribute('aria-label')).toMatch(/ per hour, /)
    const hourlySeries = await api<{ pageviews: unknown[] }>(`/api/websites/${websiteId}/pageviews?${hourlySearch}`)
    expect(hourlySeries.pageviews.length).toBeGreaterThan(0)

    // Last 7 days → last 30 days: a new range (and its default unit), new numbers on the cards.
    const monthStats = nextApi(page, '/stats', (p) => Number(p.get('startAt')) < Number(hourlySearch.get('startAt')))
    const monthSeries = nextApi(page, '/pageviews', (p) => Number(p.get('startAt')) < Number(hourlySearch.get('startAt')))
    const monthPagesSearch = searchOf(nextApi(page, '/metrics', (p) => p.get('type') === 'path' && Number(p.get('startAt')) < Number(hourlySearch.get('startAt'))))
    await page.getByLabel('Date range').selectOption('30d')
    await page.waitForURL(/[?&]range=30d(&|$)/)
    expect(page.url()).not.toMatch(/unit=/)
    const seriesSearch = new URLSearchParams(await searchOf(monthSeries))
    expect(seriesSearch.get('unit')).toBe('day')
    expect(Number(seriesSearch.get('endAt')) - Number(seriesSearch.get('startAt'))).toBeGreaterThan(29 * DAY)
    await expect.poll(() => chart.getByRole('img').getAttribute('aria-label')).toMatch(/ per day, /)
    const expected = await api<WebsiteStats>(`/api/websites/${websiteId}/stats${await searchOf(monthStats)}`)
    expect(expected).toMatchObject({ visitors: 7, pageviews: 12 })
    await expect.poll(() => shownCards(page)).toEqual(expectedCards(expected))
    await chart.locator('canvas').first().waitFor()
    monthPages = await api<MetricRow[]>(`/api/websites/${websiteId}/metrics${await monthPagesSearch}`)
    await expect.poll(() => shownRows(page, 'Pages')).toEqual(asShown(monthPages))
    expect(session.consoleErrors).toEqual([])
  }, 60_000)

  test('the Pages table as CSV: the same rows, quoted where needed', async () => {
    const pagesTable = page.getByRole('region', { name: 'Pages', exact: true })
    // The table of the range in force (30 days), whose rows are the API's.
    const shown = await shownRows(page, 'Pages')
    expect(shown).toEqual(asShown(monthPages))

    const downloading = page.waitForEvent('download')
    await pagesTable.getByRole('button', { name: 'CSV of Pages' }).click()
    const download = await downloading
    expect(download.suggestedFilename()).toBe('pages.csv')
    const path = await download.path()
    const text = readFileSync(path, 'utf8')
    // A byte-order mark for spreadsheets, then CRLF-ended lines.
    expect(text.startsWith('\ufeff')).toBe(true)
    const lines = text.slice(1).split('\r\n')
    expect(lines.pop()).toBe('')
    expect(lines[0]).toBe('Page,Visitors')
    expect(lines.slice(1)).toEqual(shown.map((row) => `${csvField(row.label)},${row.value.replace(/\D/g, '')}`))
    expect(lines).toContain('"/compare/a,b",1')
    expect(lines).toContain(`${XSS_URL},1`)
    expect(session.consoleErrors).toEqual([])
  }, 60_000)

  test('the share page, freshly loaded in a new browser without login: the same numbers, read-only', async () => {
    const shareId = 'blogshare'
    const enabled = await fetch(`${session.dashi.url}/api/websites/${websiteId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ shareId })
    })
    expect(enabled.status).toBe(200)

    const context = await session.browser.newContext({ userAgent: BROWSER_UA, viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
    try {
      const visitor = await context.newPage()
      visitor.setDefaultTimeout(10_000)
      const errors: string[] = []
      visitor.on('console', (message) => void (message.type() === 'error' && errors.push(`${message.text()} (${message.location().url})`)))
      visitor.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`))
      visitor.on('dialog', (dialog) => {
        dialogs.push(dialog.message())
        void dialog.dismiss()
      })

      const stats = nextApi(visitor, '/stats')
      const pages = nextApi(visitor, '/metrics', (p) => p.get('type') === 'path')
      const response = await visitor.goto(`${session.dashi.url}/share/${shareId}`)
      expect(response?.status()).toBe(200)
      expect(await visitor.evaluate("localStorage.getItem('dashi.token')")).toBeNull()
      await visitor.getByText('Shared with Dashi').waitFor()
      await visitor.getByRole('heading', { name: 'Blog', level: 1 }).waitFor()

      const statsResponse = await stats
      // Read with the share token, not a login.
      expect(statsResponse.request().headers()['x-umami-share-token']).toBeTruthy()
      expect(statsResponse.request().headers()['authorization']).toBeUndefined()
      const expected = await api<WebsiteStats>(`/api/websites/${websiteId}/stats${new URL(statsResponse.url()).search}`)
      expect(expected.visitors).toBeGreaterThan(0)
      await expect.poll(() => shownCards(visitor)).toEqual(expectedCards(expected))
      const expectedPages = await api<MetricRow[]>(`/api/websites/${websiteId}/metrics${await searchOf(pages)}`)
      await expect.poll(() => shownRows(visitor, 'Pages')).toEqual(asShown(expectedPages))

      // Read-only: no settings, no app navigation, no website tabs.
      expect(await visitor.getByRole('link', { name: 'Settings' }).count()).toBe(0)
      expect(await visitor.getByRole('navigation', { name: 'Main' }).count()).toBe(0)
      expect(await visitor.getByRole('navigation', { name: 'Website sections' }).count()).toBe(0)
      expect(await visitor.locator('img[src="x"]').count()).toBe(0)
      await settled(visitor)
      await visitor.screenshot({ path: join(SHOTS, 'dashboard-share-fresh.png'), fullPage: true })
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
    expect(dialogs).toEqual([])
    expect(session.consoleErrors).toEqual([])
  }, 60_000)
})
