import { defineStore, type Pinia } from 'pinia'
import { computed, ref } from 'vue'
import type { NavigationGuardWithThis } from 'vue-router'
import type { ApiError } from '../../../shared/api/client'
import type { MeResult } from '../../../shared/api/types'
import { errorText, useApi } from '../composables/useApi'
import { STORAGE_KEYS, useStorage } from './storage'

export type CurrentUser = MeResult['user']

/**
 * The login: its token (kept in storage so a reload stays logged in), the user, and the share token of
 * a share page (kept in memory only). A 401 on any request ends the login.
 */
export const useAuthStore = defineStore('auth', () => {
  const storage = useStorage()
  const token = ref<string | null>(storage.getItem(STORAGE_KEYS.token))
  const user = ref<CurrentUser | null>(null)
  const shareToken = ref<string | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)

  const isLoggedIn = computed(() => token.value !== null)
  const isAdmin = computed(() => user.value?.isAdmin === true)

  function setToken(value: string | null) {
    token.value = value
    if (value === null) storage.removeItem(STORAGE_KEYS.token)
    else storage.setItem(STORAGE_KEYS.token, value)
  }

  function clear() {
    setToken(null)
    user.value = null
  }

  /** Logs in; on failure keeps the reason in `error` (wrong password, server unreachable…) and returns false. */
  async function login(username: string, password: string): Promise<boolean> {
    loading.value = true
    error.value = null
    try {
      const result = await useApi().login(username, password)
      setToken(result.token)
      user.value = { id: result.user.id, username: result.user.username, role: result.user.role, createdAt: result.user.createdAt, isAdmin: result.user.isAdmin }
      return true
    } catch (e) {
      error.value = errorText(e)
      return false
    } finally {
      loading.value = false
    }
  }

  /**
   * Loads the user of a stored token. A rejected token ends the login (through `onUnauthorized`); an
   * unreachable server keeps it, so that the dashboard can retry.
   */
  async function restore(): Promise<void> {
    if (!token.value) return
    loading.value = true
    try {
      user.value = (await useApi().me()).user
      error.value = null
    } catch (e) {
      if ((e as ApiError).status === 401) {
        clear()
        error.value = 'Your session has ended. Please log in again.'
      } else {
        error.value = errorText(e)
      }
    } finally {
      loading.value = false
    }
  }

  /** Ends the login on the server and here. The local login ends even when the server cannot be told. */
  async function logout(): Promise<void> {
    if (token.value) {
      try {
        await useApi().logout()
      } catch (e) {
        // The token stays valid on the server until it expires; say so rather than pretend.
        error.value = `Logged out here, but the server could not be told: ${errorText(e)}`
        clear()
        return
      }
    }
    error.value = null
    clear()
  }

  let checking = false

  /**
   * Every 401 of the client lands here. Umami answers 401 also for a website one may not see, so the
   * token is checked once more; only a token the server no longer accepts ends the login.
   */
  async function onUnauthorized(e: ApiError): Promise<void> {
    // A wrong password is a failed login, not an ended one; a share page's 401 is not about the login.
    if (e.code === 'incorrect-username-password' || !token.value || shareToken.value || checking) return
    checking = true
    const checked = token.value
    try {
      await useApi().verify()
    } catch (failure) {
      if ((failure as ApiError).status === 401 && token.value === checked) {
        clear()
        error.value = 'Your session has ended. Please log in again.'
      }
    } finally {
      checking = false
    }
  }

  /** Changes the caller's password; the server logs out every other session of the account. */
  async function changePassword(currentPassword: string, newPassword: string): Promise<boolean> {
    loading.value = true
    error.value = null
    try {
      await useApi().updatePassword(currentPassword, newPassword)
      return true
    } catch (e) {
      error.value = errorText(e)
      return false
    } finally {
      loading.value = false
    }
  }

  function setShareToken(value: string | null) {
    shareToken.value = value
  }

  return { token, user, shareToken, loading, error, isLoggedIn, isAdmin, login, restore, logout, onUnauthorized, changePassword, setShareToken }
})

/** Only same-site paths are followed after login: `?redirect=https://elsewhere` or `//elsewhere` is ignored. */
export function safeRedirect(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/websites'
}

/**
 * The router's guard: not logged in → /login?redirect=<where they were going>. A stored token is
 * checked once (its user loaded) before the first private page; the login page sends a logged-in user on.
 */
export function loginGuard(pinia: Pinia): NavigationGuardWithThis<undefined> {
  return async (to) => {
    const auth = useAuthStore(pinia)
    if (auth.token && !auth.user && !to.meta.public) await auth.restore()
    if (to.name === 'login' && auth.token) return safeRedirect(to.query.redirect)
    if (to.meta.public || auth.token) return true
    return { name: 'login', query: to.fullPath === '/' || to.fullPath === '/websites' ? {} : { redirect: to.fullPath } }
  }
}
