import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { useAuthStore } from '../../../src/renderer/src/stores/auth'
import { usePrefsStore } from '../../../src/renderer/src/stores/prefs'
import { hourlyBuckets, newShareId, useWebsitesStore } from '../../../src/renderer/src/stores/websites'
import { createAnalyticsApi } from '../../../src/shared/api/client'
import { writeHits } from '../../current-helpers'
import { freshPinia, internalWebsiteId, startStoreServer, type StoreTestServer } from './setup'

let server: StoreTestServer

beforeAll(async () => {
  server = await startStoreServer()
})

afterAll(async () => {
  await server.close()
})

beforeEach(async () => {
  freshPinia()
  expect(await useAuthStore().login('admin', 'umami')).toBe(true)
})

describe('websites store', () => {
  test('create, list, update, share on and off, delete', async () => {
    const websites = useWebsitesStore()
    const zeta = await websites.create({ name: '  Zeta shop ', domain: ' shop.example ' })
    const alpha = await websites.create({ name: 'alpha blog', domain: 'blog.example' })
    expect(websites.error).toBeNull()
    // Trimmed, and listed in name order at once, as the server lists them.
    expect(zeta).toMatchObject({ name: 'Zeta shop', domain: 'shop.example', shareId: null })
    expect(websites.list.map((w) => w.name)).toEqual(['alpha blog', 'Zeta shop'])

    await websites.fetchList()
    expect(websites.list.map((w) => w.name)).toEqual(['alpha blog', 'Zeta shop'])
    expect(websites.count).toBe(2)

    websites.search = 'shop'
    await websites.fetchList()
    expect(websites.list.map((w) => w.id)).toEqual([zeta!.id])
    websites.search = ''

    const renamed = await websites.update(alpha!.id, { name: 'Alpha blog', domain: 'alpha.example' })
    expect(renamed).toMatchObject({ name: 'Alpha blog', domain: 'alpha.example' })

    const shared = await websites.setSharing(alpha!.id, true)
    expect(shared!.shareId).toMatch(/^[0-9A-Za-z]{8}$/)
    const share = await createAnalyticsApi({ baseUrl: server.baseUrl }).getShare(shared!.shareId!)
    expect(share.websiteId).toBe(alpha!.id)
    const unshared = await websites.setSharing(alpha!.id, false)
    expect(unshared!.shareId).toBeNull()
    await expect(createAnalyticsApi({ baseUrl: server.baseUrl }).getShare(shared!.shareId!)).rejects.toMatchObject({ status: 404 })

    expect(await websites.remove(zeta!.id)).toBe(true)
    expect(await websites.remove(alpha!.id)).toBe(true)
    await websites.fetchList()
    expect(websites.list).toEqual([])
  })

  test('a rejected change keeps the list and says why', async () => {
    const websites = useWebsitesStore()
    expect(await websites.create({ name: '', domain: 'x.example' })).toBeUndefined()
    expect(websites.error).toMatch(/name/)
    expect(websites.saving).toBe(false)
  })

  test('load shows one website for the settings page; an unknown one is an error in words', async () => {
    const websites = useWebsitesStore()
    const site = await websites.create({ name: 'Settings', domain: 'settings.example' })
    expect(await websites.load(site!.id)).toMatchObject({ id: site!.id, name: 'Settings' })
    expect(websites.current?.id).toBe(site!.id)
    expect(await websites.load('00000000-0000-4000-8000-000000000000')).toBeUndefined()
    expect(websites.current).toBeNull()
    expect(websites.error).toMatch(/not allowed/)
    await websites.remove(site!.id)
  })

  test('summaries: visitors today and visitors per hour of the last 24 hours; reset clears them', async () => {
    usePrefsStore().setTimezone('Europe/Berlin')
    const websites = useWebsitesStore()
    const site = (await websites.create({ name: 'Busy', domain: 'busy.example' }))!
    const now = Date.parse('2026-03-10T15:20:00Z') // 16:20 in Berlin
    const websiteId = internalWebsiteId(server, site)
    await writeHits(server, [
      // Yesterday evening in Berlin (inside the 24 hours, not today).
      { websiteId, session: 'ann', at: '2026-03-09T20:00:00Z' },
      // Today (Berlin): three visitors, one of them twice in different hours.
      { websiteId, session: 'ann', at: '2026-03-10T08:05:00Z' },
      { websiteId, session: 'ben', at: '2026-03-10T08:40:00Z' },
      { websiteId, session: 'cid', at: '2026-03-10T15:10:00Z' },
      { websiteId, session: 'ann', at: '2026-03-10T15:15:00Z' },
      // Too old for either number.
      { websiteId, session: 'old', at: '2026-03-08T12:00:00Z' }
    ])
    await websites.fetchList()
    await websites.fetchSummaries(now)
    expect(websites.error).toBeNull()
    const summary = websites.summaries[site.id]!
    expect(summary.visitorsToday).toBe(3)
    expect(summary.hourly).toHaveLength(24)
    // Hours 16:00 UTC yesterday … 15:00 UTC today: 20:00 is index 4, 08:00 index 16, 15:00 the last.
    expect(summary.hourly[4]).toBe(1)
    expect(summary.hourly[16]).toBe(2)
    expect(summary.hourly[23]).toBe(2)
    expect(summary.hourly.reduce((a, b) => a + b, 0)).toBe(5)

    expect(await websites.reset(site.id)).toBe(true)
    expect(websites.summaries[site.id]).toBeUndefined()
    await websites.fetchSummaries(now)
    expect(websites.summaries[site.id]).toEqual({ visitorsToday: 0, hourly: new Array(24).fill(0) })
    await websites.remove(site.id)
  })

  test('hourly buckets and share ids', () => {
    const first = Date.parse('2026-01-01T00:00:00Z')
    expect(hourlyBuckets([{ x: '2026-01-01T02:00:00Z', y: 3 }, { x: '2025-12-31T23:00:00Z', y: 9 }], first, 4)).toEqual([0, 0, 3, 0])
    const ids = new Set(Array.from({ length: 50 }, newShareId))
    expect(ids.size).toBe(50)
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{8}$/)
  })
})
