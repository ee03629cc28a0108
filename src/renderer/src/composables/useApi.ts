import type { Pinia } from 'pinia'
import { ApiError, createAnalyticsApi, type AnalyticsApi } from '../../../shared/api/client'
import { useAuthStore } from '../stores/auth'
import { useProfilesStore } from '../stores/profiles'

/**
 * The AnalyticsApi clients of the dashboard, one set per Pinia instance:
 * - `useLocalApi()`: the local server, with the current login (and, on share pages, the share token).
 *   Logins, users, website changes, saved reports, the inspector and share links always go here.
 * - `useApi()`: the same methods, each call sent to the active profile (stores/profiles.ts): the local
 *   server, or a remote one through the local server's forwarding base `/api/dashi/profiles/:id`, which
 *   answers the current API's shapes. Views keep one `useApi()` for their lifetime and still follow a
 *   switch, because the profile is chosen per call.
 * The dashboard is served by the server it talks to, so the base URL is the page's own origin (`''`);
 * tests and other hosts set it with `configureApi`.
 */

interface ApiSettings {
  baseUrl: string
  fetch?: typeof fetch
}

let settings: ApiSettings = { baseUrl: '' }
/** One client per auth store, that is per Pinia instance (one per app; one per test). */
const clients = new WeakMap<object, AnalyticsApi>()
const activeClients = new WeakMap<object, AnalyticsApi>()
/** Remote profiles' clients per auth store, by profile id. */
const remoteClients = new WeakMap<object, Map<string, AnalyticsApi>>()

/** What the local server keeps to itself: accounts, changes to its websites, saved reports, share links, the inspector. */
const LOCAL_ONLY = new Set<keyof AnalyticsApi>([
  'heartbeat',
  'getConfig',
  'login',
  'verify',
  'logout',
  'me',
  'updatePassword',
  'listUsers',
  'getUser',
  'createUser',
  'updateUser',
  'deleteUser',
  'listUserWebsites',
  'listAllWebsites',
  'createWebsite',
  'updateWebsite',
  'deleteWebsite',
  'resetWebsite',
  'transferWebsite',
  'getShare',
  'listReports',
  'getReport',
  'createReport',
  'updateReport',
  'deleteReport',
  'getInspector',
  'getHousekeeping',
  'setRetention',
  'purgeNow',
  'compactDatabase'
])

export function configureApi(next: ApiSettings): void {
  settings = next
}

export function apiBaseUrl(): string {
  return settings.baseUrl
}

/** The fetch the clients use (the configured one, else the global one). */
export function apiFetch(): typeof fetch {
  return settings.fetch ?? ((input, init) => globalThis.fetch(input, init))
}

/** The local server's client. */
export function useLocalApi(pinia?: Pinia): AnalyticsApi {
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

/** The client of a remote profile: the local login, sent to the forwarding base (remote logins stay on the server). */
export function remoteApi(profileId: string, pinia?: Pinia): AnalyticsApi {
  const auth = useAuthStore(pinia)
  const profiles = useProfilesStore(pinia)
  let byId = remoteClients.get(auth)
  if (!byId) remoteClients.set(auth, (byId = new Map()))
  let client = byId.get(profileId)
  if (!client) {
    client = createAnalyticsApi({
      baseUrl: `${settings.baseUrl}/api/dashi/profiles/${encodeURIComponent(profileId)}`,
      fetch: settings.fetch,
      getToken: () => auth.token,
      // The forwarding route answers a remote refusal as 502, so a 401 here is about the local login.
      onUnauthorized: (error) => void auth.onUnauthorized(error),
      onResponse: (response) => profiles.noteResponse(profileId, response)
    })
    byId.set(profileId, client)
  }
  return client
}

/** The client for the active profile's data; see above. */
export function useApi(pinia?: Pinia): AnalyticsApi {
  const auth = useAuthStore(pinia)
  let client = activeClients.get(auth)
  if (!client) {
    const local = useLocalApi(pinia)
    const profiles = useProfilesStore(pinia)
    // A share page shows the local server's website, whatever profile the browser has open.
    const current = () => {
      const id = auth.shareToken ? null : profiles.remoteId
      return id ? remoteApi(id, pinia) : local
    }
    const dispatch: Record<string, unknown> = {}
    for (const name of Object.keys(local) as (keyof AnalyticsApi)[]) {
      dispatch[name] = LOCAL_ONLY.has(name) ? local[name] : (...args: unknown[]) => (current()[name] as (...a: unknown[]) => unknown)(...args)
    }
    client = dispatch as AnalyticsApi
    activeClients.set(auth, client)
  }
  return client
}

const REMOTE_ERROR_CODES = new Set(['unreachable', 'not-umami', 'bad-credentials', 'unsupported-version', 'unsupported', 'credentials-unreadable'])

/** What to tell the user about a failed request, in words. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    // A remote profile's failures (its server down, its login refused, a view its version lacks) come in words.
    if (REMOTE_ERROR_CODES.has(error.code)) return error.message
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
