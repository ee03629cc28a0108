import type { Pinia } from 'pinia'
import { ApiError, createAnalyticsApi, type AnalyticsApi } from '../../../shared/api/client'
import { useAuthStore } from '../stores/auth'

/**
 * The AnalyticsApi client bound to the current login (and, on share pages, the share token), one per
 * Pinia instance. The dashboard is served by the server it talks to, so the base URL is the page's own
 * origin (`''`); tests and other hosts set it with `configureApi`.
 */

interface ApiSettings {
  baseUrl: string
  fetch?: typeof fetch
}

let settings: ApiSettings = { baseUrl: '' }
/** One client per auth store, that is per Pinia instance (one per app; one per test). */
const clients = new WeakMap<object, AnalyticsApi>()

export function configureApi(next: ApiSettings): void {
  settings = next
}

export function apiBaseUrl(): string {
  return settings.baseUrl
}

export function useApi(pinia?: Pinia): AnalyticsApi {
  const auth = useAuthStore(pinia)
  let client = clients.get(auth)
  if (!client) {
    client = createAnalyticsApi({
      baseUrl: settings.baseUrl,
      fetch: settings.fetch,
      // A share page reads with the share token alone: it shows what any visitor of the link sees.
      getToken: () => (auth.shareToken ? null : auth.token),
      getShareToken: () => auth.shareToken,
      onUnauthorized: (error) => void auth.onUnauthorized(error)
    })
    clients.set(auth, client)
  }
  return client
}

/** What to tell the user about a failed request, in words. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'network-error') return 'Cannot reach the Dashi server. Check that it is running, then try again.'
    if (error.code === 'incorrect-username-password') return 'Wrong username or password.'
    if (error.status === 401) return 'You are not allowed to see this, or your session has ended. Please log in again.'
    if (error.status === 403) return error.message || 'You are not allowed to do this.'
    if (error.status === 429) return 'Too many requests: wait a moment and try again.'
    if (error.status >= 500) return `The server failed (${error.status}). ${error.message}`
    return error.message
  }
  return error instanceof Error ? error.message : String(error)
}

/** A cancelled request is no failure to report: a newer one replaced it. */
export const isAborted = (error: unknown) => error instanceof ApiError && error.code === 'aborted'
