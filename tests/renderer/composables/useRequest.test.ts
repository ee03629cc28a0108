import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { effectScope, nextTick, watch } from 'vue'
import { useApi } from '../../../src/renderer/src/composables/useApi'
import { useRequest, watchRequest } from '../../../src/renderer/src/composables/useRequest'
import { useAuthStore } from '../../../src/renderer/src/stores/auth'
import { useDashboardStore } from '../../../src/renderer/src/stores/dashboard'
import type { Website } from '../../../src/shared/api/types'
import { adminApi, freshPinia, startStoreServer, type StoreTestServer } from '../stores/setup'

let server: StoreTestServer
let website: Website

beforeAll(async () => {
  server = await startStoreServer()
  website = await (await adminApi(server.baseUrl)).createWebsite({ name: 'Shop', domain: 'shop.example.com' })
})

afterAll(async () => {
  await server.close()
})

/** A logged-in app state with the dashboard on `website`. */
const URL_QUERY = { range: '7d', path: 'eq./pricing' }

async function dashboard() {
  freshPinia()
  await useAuthStore().login('admin', 'umami')
  const store = useDashboardStore()
  store.openWebsite(website.id)
  store.applyUrlQuery(URL_QUERY)
  return store
}

describe('useRequest', () => {
  test('a failed refresh keeps the last answer and says what went wrong beside it', async () => {
    await dashboard()
    const api = useApi()
    const scope = effectScope()
    const stats = scope.run(() => useRequest<Website>())!
    await stats.run((signal) => api.getWebsite(website.id, { signal }))
    expect(stats.data.value?.name).toBe('Shop')
    expect(stats.error.value).toBeNull()

    await stats.run((signal) => api.getWebsite('00000000-0000-4000-8000-000000000000', { signal }))
    expect(stats.error.value).toBeTruthy()
    expect(stats.data.value?.name).toBe('Shop')
    expect(stats.loading.value).toBe(false)

    // The next good answer clears the error.
    await stats.run((signal) => api.getWebsite(website.id, { signal }))
    expect(stats.error.value).toBeNull()
    scope.stop()
  })
})

describe('watchRequest', () => {
  test('loads once, and again only when the request changes, not when the store merely recomputes', async () => {
    const store = await dashboard()
    const scope = effectScope()
    let tables = 0
    let naive = 0
    scope.run(() => {
      watchRequest(() => [website.id, store.rangeQuery, store.now], () => tables++)
      // The pattern this replaces: a fresh array from the getter counts as a change every time.
      watch(() => [website.id, JSON.stringify(store.rangeQuery), store.now], () => naive++)
    })
    expect(tables).toBe(1)

    // The same URL again (as the router applies it after a navigation): new objects, equal request.
    store.applyUrlQuery({ ...URL_QUERY })
    await nextTick()
    expect(tables).toBe(1)
    expect(naive).toBe(1)

    // A unit or comparison change is no change of a range request.
    store.setUnit('hour')
    store.setCompare('yoy')
    await nextTick()
    expect(tables).toBe(1)

    store.setFilter('path', 'eq./signup')
    await nextTick()
    expect(tables).toBe(2)

    store.refresh()
    await nextTick()
    expect(tables).toBe(3)
    scope.stop()
  })
})
