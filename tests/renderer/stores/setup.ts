import type { AddressInfo } from 'node:net'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { configureApi } from '../../../src/renderer/src/composables/useApi'
import { memoryStorage, setStorage, type KeyValueStorage } from '../../../src/renderer/src/stores/storage'
import { createAnalyticsApi } from '../../../src/shared/api/client'
import type { Website } from '../../../src/shared/api/types'
import { createTestServer, type TestServer } from '../../helpers'

/**
 * Stores run here as in the browser, against the real server over HTTP: the store's API client is
 * pointed at it, and storage is an in-memory stand-in for localStorage (no DOM in these tests).
 */
export interface StoreTestServer extends TestServer {
  baseUrl: string
}

export async function startStoreServer(): Promise<StoreTestServer> {
  const server = await createTestServer({ tokenTtlMs: 100 * 365 * 86_400_000 })
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`
  configureApi({ baseUrl })
  return { ...server, baseUrl }
}

/** A fresh app state: a new Pinia over the given storage (a new, empty one by default). */
export function freshPinia(storage: KeyValueStorage = memoryStorage()): Pinia {
  setStorage(storage)
  const pinia = createPinia()
  setActivePinia(pinia)
  return pinia
}

/** A token for direct API calls that set up a test (not through the stores under test). */
export async function adminApi(baseUrl: string) {
  const { token } = await createAnalyticsApi({ baseUrl }).login('admin', 'umami')
  return createAnalyticsApi({ baseUrl, getToken: () => token })
}

export const internalWebsiteId = (server: TestServer, website: Pick<Website, 'id'>) =>
  server.db.prepare('SELECT website_id FROM website WHERE website_uuid = ?').pluck().get(website.id) as number
