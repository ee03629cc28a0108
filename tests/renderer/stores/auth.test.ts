import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { configureApi } from '../../../src/renderer/src/composables/useApi'
import { loginGuard, safeRedirect, useAuthStore } from '../../../src/renderer/src/stores/auth'
import { memoryStorage, STORAGE_KEYS } from '../../../src/renderer/src/stores/storage'
import { useWebsitesStore } from '../../../src/renderer/src/stores/websites'
import { createAnalyticsApi } from '../../../src/shared/api/client'
import { adminApi, freshPinia, startStoreServer, type StoreTestServer } from './setup'

let server: StoreTestServer

beforeAll(async () => {
  server = await startStoreServer()
})

afterAll(async () => {
  await server.close()
})

describe('auth store', () => {
  test('a wrong password leaves no token and says so in words', async () => {
    freshPinia()
    const auth = useAuthStore()
    expect(await auth.login('admin', 'not-the-password')).toBe(false)
    expect(auth.error).toBe('Wrong username or password.')
    expect(auth.token).toBeNull()
    expect(auth.isLoggedIn).toBe(false)
  })

  test('login keeps the token in storage; a reload (new Pinia, same storage) restores the user', async () => {
    const storage = memoryStorage()
    freshPinia(storage)
    const auth = useAuthStore()
    expect(await auth.login('admin', 'umami')).toBe(true)
    expect(auth.error).toBeNull()
    expect(auth.user).toMatchObject({ username: 'admin', isAdmin: true })
    expect(storage.getItem(STORAGE_KEYS.token)).toBe(auth.token)

    freshPinia(storage)
    const reloaded = useAuthStore()
    expect(reloaded.token).toBe(storage.getItem(STORAGE_KEYS.token))
    expect(reloaded.user).toBeNull()
    await reloaded.restore()
    expect(reloaded.user).toMatchObject({ username: 'admin', role: 'admin', isAdmin: true })
  })

  test('logout forgets the token here and revokes it on the server', async () => {
    const storage = memoryStorage()
    freshPinia(storage)
    const auth = useAuthStore()
    await auth.login('admin', 'umami')
    const token = auth.token!
    await auth.logout()
    expect(auth.token).toBeNull()
    expect(auth.user).toBeNull()
    expect(storage.getItem(STORAGE_KEYS.token)).toBeNull()
    const old = createAnalyticsApi({ baseUrl: server.baseUrl, getToken: () => token })
    await expect(old.me()).rejects.toMatchObject({ status: 401 })
  })

  test('a token the server no longer accepts ends the login on the next request', async () => {
    freshPinia()
    const auth = useAuthStore()
    await auth.login('admin', 'umami')
    // Logged out elsewhere (the same token revoked by another client).
    await createAnalyticsApi({ baseUrl: server.baseUrl, getToken: () => auth.token }).logout()
    const websites = useWebsitesStore()
    await websites.fetchList()
    expect(websites.error).toMatch(/log in again/)
    await vi.waitFor(() => expect(auth.token).toBeNull())
    expect(auth.error).toBe('Your session has ended. Please log in again.')
  })

  test('a 401 for a website one may not see does not end a valid login', async () => {
    const admin = await adminApi(server.baseUrl)
    const othersSite = await admin.createWebsite({ name: 'Not yours', domain: 'x.example' })
    await admin.createUser({ username: 'dora', password: 'dora-pass-1', role: 'user' })
    freshPinia()
    const auth = useAuthStore()
    await auth.login('dora', 'dora-pass-1')
    const websites = useWebsitesStore()
    expect(await websites.load(othersSite.id)).toBeUndefined()
    expect(websites.error).toMatch(/not allowed/)
    // The check of the token has run and found it good.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(auth.token).not.toBeNull()
    expect(auth.error).toBeNull()
  })

  test('restoring a revoked token ends the login at once', async () => {
    const storage = memoryStorage({ [STORAGE_KEYS.token]: 'revoked-or-made-up' })
    freshPinia(storage)
    const auth = useAuthStore()
    await auth.restore()
    expect(auth.token).toBeNull()
    expect(storage.getItem(STORAGE_KEYS.token)).toBeNull()
    expect(auth.error).toBe('Your session has ended. Please log in again.')
  })

  test('an unreachable server is reported in words, and a stored login is kept for a retry', async () => {
    const storage = memoryStorage({ [STORAGE_KEYS.token]: 'some-token' })
    freshPinia(storage)
    configureApi({ baseUrl: 'http://127.0.0.1:9' })
    try {
      const auth = useAuthStore()
      await auth.restore()
      expect(auth.error).toBe('Cannot reach the Dashi server. Check that it is running, then try again.')
      expect(auth.token).toBe('some-token')
      expect(await auth.login('admin', 'umami')).toBe(false)
      expect(auth.error).toMatch(/Cannot reach the Dashi server/)
    } finally {
      configureApi({ baseUrl: server.baseUrl })
    }
  })

  test('changing the password: a wrong current password is refused in words; the right one works', async () => {
    const admin = await adminApi(server.baseUrl)
    await admin.createUser({ username: 'eve', password: 'eve-pass-11', role: 'user' })
    freshPinia()
    const auth = useAuthStore()
    await auth.login('eve', 'eve-pass-11')
    expect(await auth.changePassword('wrong-one', 'eve-pass-22')).toBe(false)
    expect(auth.error).toBe('Current password is incorrect')
    expect(await auth.changePassword('eve-pass-11', 'eve-pass-22')).toBe(true)
    await auth.logout()
    expect(await auth.login('eve', 'eve-pass-22')).toBe(true)
  })
})

describe('login guard', () => {
  const routes = [
    { path: '/login', name: 'login', component: {}, meta: { public: true } },
    { path: '/websites', name: 'websites', component: {} },
    { path: '/settings', name: 'settings', component: {} },
    { path: '/share/:shareId', name: 'share', component: {}, meta: { public: true } }
  ]

  test('sends a visitor without a login to /login with where they were going, and back after login', async () => {
    const pinia = freshPinia()
    const router = createRouter({ history: createMemoryHistory(), routes })
    router.beforeEach(loginGuard(pinia))
    await router.push('/settings?tab=users')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/settings?tab=users')
    await router.push('/share/abc')
    expect(router.currentRoute.value.name).toBe('share')

    await useAuthStore().login('admin', 'umami')
    await router.push({ name: 'login', query: { redirect: '/settings?tab=users' } })
    expect(router.currentRoute.value.fullPath).toBe('/settings?tab=users')
  })

  test('follows only same-site redirects', () => {
    expect(safeRedirect('/websites/abc?range=7d')).toBe('/websites/abc?range=7d')
    expect(safeRedirect('https://evil.example/')).toBe('/websites')
    expect(safeRedirect('//evil.example/')).toBe('/websites')
    expect(safeRedirect('/\\evil.example/')).toBe('/websites')
    expect(safeRedirect(undefined)).toBe('/websites')
  })
})
