import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { useApi } from '../../../src/renderer/src/composables/useApi'
import { useAuthStore } from '../../../src/renderer/src/stores/auth'
import { syncDashboardWithRouter, useDashboardStore } from '../../../src/renderer/src/stores/dashboard'
import { usePrefsStore } from '../../../src/renderer/src/stores/prefs'
import { defaultUnit, presetRange } from '../../../src/renderer/src/lib/range'
import { fromWallTime } from '../../../src/renderer/src/lib/zone'
import { writeHits } from '../../current-helpers'
import { adminApi, freshPinia, internalWebsiteId, startStoreServer, type StoreTestServer } from './setup'

let server: StoreTestServer

beforeAll(async () => {
  server = await startStoreServer()
})

afterAll(async () => {
  await server.close()
})

const routes = [
  { path: '/websites', component: {} },
  { path: '/websites/:websiteId', component: {}, meta: { dashboard: true } },
  { path: '/websites/:websiteId/settings', component: {} },
  { path: '/share/:shareId', component: {}, meta: { dashboard: true } }
]

async function dashboardWithRouter(url: string) {
  freshPinia()
  usePrefsStore().setTimezone('Europe/Berlin')
  const store = useDashboardStore()
  const router = createRouter({ history: createMemoryHistory(), routes })
  syncDashboardWithRouter(router, store)
  await router.push(url)
  return { store, router }
}

const query = (router: Router) => router.currentRoute.value.query

describe('dashboard state in the URL', () => {
  test('a URL sets website, range, unit and filters', async () => {
    const { store } = await dashboardWithRouter('/websites/site-1?range=7d&unit=day&path=eq./about&browser=neq.firefox&tab=pages')
    expect(store.websiteId).toBe('site-1')
    expect(store.range).toBe('7d')
    expect(store.effectiveUnit).toBe('day')
    expect(store.filters).toEqual({ path: 'eq./about', browser: 'neq.firefox' })
    expect(store.query).toMatchObject({ unit: 'day', timezone: 'Europe/Berlin', compare: 'prev', filters: { path: 'eq./about', browser: 'neq.firefox' } })
    // Lists and tables get the same range, zone and filters, without the chart's unit and comparison.
    expect(store.rangeQuery).toEqual({ ...store.dateRange, timezone: 'Europe/Berlin', filters: { path: 'eq./about', browser: 'neq.firefox' } })
  })

  test('changes in the store replace the query, keeping keys that are not the dashboard’s', async () => {
    const { store, router } = await dashboardWithRouter('/websites/site-1?range=7d&tab=pages')
    const entries = router.options.history.state
    store.setFilter('path', 'eq./pricing')
    await vi.waitFor(() => expect(query(router)).toEqual({ range: '7d', tab: 'pages', path: 'eq./pricing' }))

    store.setRange('30d')
    store.setUnit('hour')
    await vi.waitFor(() => expect(query(router)).toEqual({ range: '30d', unit: 'hour', tab: 'pages', path: 'eq./pricing' }))

    store.setFilter('path', null)
    store.setCompare('yoy')
    store.setTimezone('Asia/Tokyo')
    await vi.waitFor(() => expect(query(router)).toEqual({ range: '30d', unit: 'hour', tab: 'pages', compare: 'yoy', tz: 'Asia/Tokyo' }))
    // Replaced, not pushed: the back button leaves the dashboard instead of stepping through clicks.
    expect(router.options.history.state.position).toBe(entries.position)

    const start = Date.parse('2026-02-01T00:00:00Z')
    const end = Date.parse('2026-02-15T00:00:00Z') - 1
    store.setCustomRange(start, end)
    await vi.waitFor(() => expect(query(router)).toMatchObject({ range: 'custom', start: String(start), end: String(end) }))
    expect(query(router).unit).toBeUndefined()
    expect(store.dateRange).toEqual({ startAt: start, endAt: end })
    expect(store.effectiveUnit).toBe('day')
  })

  test('navigating (links, back) sets the store from the URL', async () => {
    const { store, router } = await dashboardWithRouter('/websites/site-1?range=7d')
    await router.push('/websites/site-2?range=thisMonth&country=eq.DE')
    expect(store.websiteId).toBe('site-2')
    expect(store.range).toBe('thisMonth')
    expect(store.filters).toEqual({ country: 'eq.DE' })
    router.back()
    await vi.waitFor(() => expect(store.websiteId).toBe('site-1'))
    expect(store.range).toBe('7d')
    expect(store.filters).toEqual({})
  })

  test('a unit too fine for the range is coarsened as the server coarsens it; the choice stays in the URL', async () => {
    const { store, router } = await dashboardWithRouter('/websites/site-1?range=90d&unit=minute')
    expect(store.unit).toBe('minute')
    expect(store.effectiveUnit).toBe('day')
    expect(store.query.unit).toBe('day')
    expect(query(router).unit).toBe('minute')
    store.setRange('24h')
    store.setUnit('minute')
    expect(store.effectiveUnit).toBe('hour')
    store.setUnit('day')
    expect(store.effectiveUnit).toBe('day')
  })

  test('invalid values in the URL fall back to defaults', async () => {
    const { store } = await dashboardWithRouter('/websites/site-1?range=forever&unit=week&tz=Mars/Base&compare=later&start=5&end=1')
    expect(store.range).toBe('24h')
    expect(store.unit).toBeNull()
    expect(store.timezone).toBe('Europe/Berlin')
    expect(store.compare).toBe('prev')

    const custom = await dashboardWithRouter('/websites/site-1?range=custom&start=9&end=3')
    expect(custom.store.range).toBe('24h')
  })

  test('routes without meta.dashboard leave the URL alone', async () => {
    const { store, router } = await dashboardWithRouter('/websites/site-1/settings?x=1')
    store.setRange('90d')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(query(router)).toEqual({ x: '1' })
  })
})

describe('date ranges', () => {
  const tz = 'Europe/Berlin'
  const now = Date.parse('2026-03-29T10:30:00Z') // 12:30 in Berlin, the day clocks go forward

  test('presets are whole local days in the chosen zone', () => {
    expect(presetRange('today', now, tz)).toEqual({ startAt: Date.parse('2026-03-28T23:00:00Z'), endAt: Date.parse('2026-03-29T22:00:00Z') - 1 })
    expect(presetRange('yesterday', now, tz)).toEqual({ startAt: Date.parse('2026-03-27T23:00:00Z'), endAt: Date.parse('2026-03-28T23:00:00Z') - 1 })
    expect(presetRange('7d', now, tz).startAt).toBe(Date.parse('2026-03-22T23:00:00Z'))
    expect(presetRange('thisMonth', now, tz)).toEqual({ startAt: Date.parse('2026-02-28T23:00:00Z'), endAt: Date.parse('2026-03-31T22:00:00Z') - 1 })
    expect(presetRange('lastMonth', now, tz).startAt).toBe(Date.parse('2026-01-31T23:00:00Z'))
    expect(presetRange('thisYear', now, 'UTC')).toEqual({ startAt: Date.parse('2026-01-01T00:00:00Z'), endAt: Date.parse('2027-01-01T00:00:00Z') - 1 })
    expect(presetRange('12m', now, 'UTC').startAt).toBe(Date.parse('2025-04-01T00:00:00Z'))
  })

  test('the last 24 hours end with the current hour', () => {
    expect(presetRange('24h', now, tz)).toEqual({ startAt: Date.parse('2026-03-28T11:00:00Z'), endAt: Date.parse('2026-03-29T11:00:00Z') - 1 })
    // 16:00 in Kolkata (UTC+5:30): local hours end on the half hour of UTC.
    expect(presetRange('24h', Date.parse('2026-01-01T10:30:00Z'), 'Asia/Kolkata')).toEqual({
      startAt: Date.parse('2025-12-31T11:30:00Z'),
      endAt: Date.parse('2026-01-01T11:30:00Z') - 1
    })
  })

  test('wall-clock times in a zone, across a DST change', () => {
    expect(fromWallTime('America/New_York', 2026, 3, 8)).toBe(Date.parse('2026-03-08T05:00:00Z'))
    expect(fromWallTime('America/New_York', 2026, 3, 9)).toBe(Date.parse('2026-03-09T04:00:00Z'))
    // 02:30 does not exist that night: the instant after the gap.
    expect(fromWallTime('America/New_York', 2026, 3, 8, 2, 30)).toBe(Date.parse('2026-03-08T07:30:00Z'))
  })

  test('default units: hours up to two days, days up to about six months, months beyond', () => {
    expect(defaultUnit(presetRange('24h', now, tz))).toBe('hour')
    expect(defaultUnit(presetRange('30d', now, tz))).toBe('day')
    expect(defaultUnit(presetRange('90d', now, tz))).toBe('day')
    expect(defaultUnit(presetRange('12m', now, tz))).toBe('month')
  })
})

describe('dashboard against the server', () => {
  test('the store’s query, filters from the URL included, gives the filtered numbers', async () => {
    const admin = await adminApi(server.baseUrl)
    const site = await admin.createWebsite({ name: 'Dash', domain: 'dash.example' })
    const websiteId = internalWebsiteId(server, site)
    await writeHits(server, [
      { websiteId, session: 'ann', at: '2026-02-10T09:00:00Z', path: '/' },
      { websiteId, session: 'ann', at: '2026-02-10T09:01:00Z', path: '/about' },
      { websiteId, session: 'ben', at: '2026-02-11T09:00:00Z', path: '/', browser: 'firefox' }
    ])
    const start = Date.parse('2026-02-01T00:00:00Z')
    const end = Date.parse('2026-03-01T00:00:00Z') - 1
    const { store } = await dashboardWithRouter(`/websites/${site.id}?range=custom&start=${start}&end=${end}&path=eq./about`)
    await useAuthStore().login('admin', 'umami')
    await store.loadWebsite()
    expect(store.website).toMatchObject({ id: site.id, name: 'Dash' })

    const api = useApi()
    expect(await api.getStats(store.websiteId!, store.query)).toMatchObject({ pageviews: 1, visitors: 1 })
    store.setFilter('path', null)
    expect(await api.getStats(store.websiteId!, store.query)).toMatchObject({ pageviews: 3, visitors: 2 })
    const series = await api.getPageviews(store.websiteId!, store.query)
    // Days in Berlin, wall-clock labels.
    expect(series.pageviews).toEqual([
      { x: '2026-02-10 00:00:00', y: 2 },
      { x: '2026-02-11 00:00:00', y: 1 }
    ])
  })

  test('a series asked for in the store’s unit comes back in buckets of that unit', async () => {
    const admin = await adminApi(server.baseUrl)
    const site = await admin.createWebsite({ name: 'Coarse', domain: 'coarse.example' })
    const websiteId = internalWebsiteId(server, site)
    await writeHits(server, [
      { websiteId, session: 'cat', at: '2026-01-10T09:00:00Z', path: '/' },
      { websiteId, session: 'cat', at: '2026-01-10T15:00:00Z', path: '/a' }
    ])
    const start = Date.parse('2025-12-01T00:00:00Z')
    const end = Date.parse('2026-03-01T00:00:00Z') - 1
    const { store } = await dashboardWithRouter(`/websites/${site.id}?range=custom&start=${start}&end=${end}&unit=hour&tz=UTC`)
    await useAuthStore().login('admin', 'umami')
    expect(store.effectiveUnit).toBe('day')
    const series = await useApi().getPageviews(store.websiteId!, store.query)
    // Both hits in one day bucket: the server answered in the unit the store says it will.
    expect(series.pageviews).toEqual([{ x: '2026-01-10 00:00:00', y: 2 }])
  })

  test('a share link reads the website with the share token only; a bad link is explained', async () => {
    const admin = await adminApi(server.baseUrl)
    const site = await admin.createWebsite({ name: 'Shared', domain: 'shared.example', shareId: 'dash-share' })
    const { store } = await dashboardWithRouter('/share/dash-share')
    // A logged-in user with a broken token: the share page must not depend on the login.
    useAuthStore().token = 'broken'
    expect(await store.openShare('dash-share')).toBe(true)
    expect(store.isShare).toBe(true)
    expect(store.websiteId).toBe(site.id)
    await store.loadWebsite()
    expect(store.error).toBeNull()
    expect(store.website?.name).toBe('Shared')
    expect(useAuthStore().token).toBe('broken')

    store.leaveShare()
    expect(useAuthStore().shareToken).toBeNull()
    expect(await store.openShare('no-such-share')).toBe(false)
    expect(store.error).toBe('This share link does not exist or was turned off.')
    expect(store.websiteId).toBeNull()
  })
})
