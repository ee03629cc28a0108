import { defineStore, type Pinia } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { NavigationGuardWithThis } from 'vue-router'
import type { Family, Feature } from '../../../shared/api/adapters/types'
import { ApiError } from '../../../shared/api/client'
import { errorText } from '../composables/useApi'
import { adminRequest } from './admin-request'
import { useAuthStore } from './auth'
import { useStorage } from './storage'

/**
 * Profiles (issue 5): the local server (the built-in profile, id `local`) and remote Umami servers the
 * local server reads for the dashboard. Admins only: the server keeps the remote logins, this store only
 * names, addresses and what was detected. The active profile is kept in storage, so a reload stays on it;
 * `useApi()` sends every dashboard call to it (composables/useApi.ts).
 */

export const LOCAL_PROFILE = 'local'
export const PROFILE_STORAGE_KEY = 'dashi.profile'
/** The forwarding route's header on an answer served from its cache while the remote server is away. */
export const AS_OF_HEADER = 'x-dashi-as-of'
/** Umami Cloud's API address (as the server's detection names it). */
export const CLOUD_URL = 'https://api.umami.is/v1'

/**
 * Every feature, and whether a remote profile can have it: the forwarding route serves the dashboard's
 * analytics calls only, so saved reports and event data stay with the local server whatever the remote
 * version offers. (A Record, so a feature added to `Feature` must be placed here.)
 */
const FEATURES: Record<Feature, boolean> = {
  visits: true,
  comparison: true,
  compareYoy: true,
  pageviewsCompare: true,
  filterOperators: true,
  filterMultiValue: true,
  filterMatchAny: true,
  entryExit: true,
  channels: true,
  realtime: true,
  sessions: true,
  eventList: true,
  eventStats: true,
  metricsExpanded: true,
  dateRange: true,
  filterValues: true,
  reports: false,
  eventData: false
}
export const ALL_FEATURES = Object.keys(FEATURES) as Feature[]

export type ProfileCredentialsSummary = { kind: 'password'; username: string; hasPassword: boolean } | { kind: 'api-key'; hasApiKey: boolean }

/** A remote profile as the server lists it (never a password, key or remote token). */
export interface RemoteProfile {
  id: string
  name: string
  baseUrl: string
  family: Family
  version: string | null
  versionRange: string
  server: string
  summary: string
  /** For people: "Umami v2.19", "Umami Cloud". */
  label: string
  features: Feature[]
  credentials: ProfileCredentialsSummary
  createdAt: string
  updatedAt: string
  lastOkAt: string | null
}

/** What the form sends. When editing, an empty password or key keeps the stored one. */
export type ProfileCredentialsInput = { kind: 'password'; username: string; password?: string } | { kind: 'api-key'; key?: string }

export interface ProfileInput {
  name: string
  baseUrl: string
  credentials: ProfileCredentialsInput
}

/** What "Test connection" found. */
export interface DetectedServer {
  ok: true
  server: string
  family: Family
  version: string | null
  versionRange: string
  baseUrl: string
  summary: string
  label: string
  features: Feature[]
}

/** The four ways detection fails, each told in its own words. */
export type DetectionErrorCode = 'unreachable' | 'not-umami' | 'bad-credentials' | 'unsupported-version'

export interface ProfileProblem {
  /** The server's code: one of the detection errors, or another (bad-request, forbidden…). */
  code: string
  /** What went wrong, in words, for the kind of failure. */
  title: string
  /** The server's own words (what it tried, what the remote answered). */
  detail: string
}

const DETECTION_TITLES: Record<DetectionErrorCode, string> = {
  unreachable: 'Cannot reach that server. Check the address and that the server is running and reachable from this computer.',
  'not-umami': 'That address answers, but not as an Umami server. Use the address you open Umami at, e.g. https://analytics.example.com.',
  'bad-credentials': 'The server refused the login: check the username and password (or the API key).',
  'unsupported-version': 'This Umami version is not supported by Dashi.'
}

export function problemOf(error: unknown): ProfileProblem {
  const detail = errorText(error)
  if (error instanceof ApiError && error.code in DETECTION_TITLES) {
    return { code: error.code, title: DETECTION_TITLES[error.code as DetectionErrorCode], detail }
  }
  return { code: error instanceof ApiError ? error.code : 'error', title: detail, detail: '' }
}

/** The profile's credentials as the server takes them: an empty password or key is left out (kept when editing). */
function credentialsBody(credentials: ProfileCredentialsInput) {
  if (credentials.kind === 'api-key') return credentials.key ? { kind: 'api-key', key: credentials.key } : { kind: 'api-key' }
  const body: Record<string, string> = { kind: 'password', username: credentials.username.trim() }
  if (credentials.password) body.password = credentials.password
  return body
}

export const useProfilesStore = defineStore('profiles', () => {
  const storage = useStorage()
  const auth = useAuthStore()

  const list = ref<RemoteProfile[]>([])
  /** Whether `list` was read from the server since this store began. */
  const loaded = ref(false)
  const activeId = ref<string>(storage.getItem(PROFILE_STORAGE_KEY) ?? LOCAL_PROFILE)
  const loading = ref(false)
  const saving = ref(false)
  const testing = ref(false)
  const error = ref<string | null>(null)
  /** The last "Test connection": what was found, or why it failed. */
  const detected = ref<DetectedServer | null>(null)
  const problem = ref<ProfileProblem | null>(null)
  /** Set while the active remote profile answers from the local server's cache: the time of those answers. */
  const asOf = ref<string | null>(null)

  watch(activeId, (id) => {
    if (id === LOCAL_PROFILE) storage.removeItem(PROFILE_STORAGE_KEY)
    else storage.setItem(PROFILE_STORAGE_KEY, id)
  }, { flush: 'sync' })

  /**
   * The remote profile calls go to, or null for the local server. Only admins have remote profiles; a
   * stored profile that no longer exists (deleted elsewhere) falls back to the local server once the list is read.
   */
  const remoteId = computed<string | null>(() => {
    // A share page shows the local server's website, whatever profile this browser has open.
    if (activeId.value === LOCAL_PROFILE || !auth.isAdmin || auth.shareToken) return null
    if (loaded.value && !list.value.some((p) => p.id === activeId.value)) return null
    return activeId.value
  })
  const active = computed<RemoteProfile | null>(() => list.value.find((p) => p.id === remoteId.value) ?? null)
  const isRemote = computed(() => remoteId.value !== null)
  const activeLabel = computed(() => (active.value ? `${active.value.name} (${active.value.label})` : 'This Dashi server'))

  /** What the active profile's views may show: everything locally; a remote one its version's features the forwarding serves. */
  const features = computed<ReadonlySet<Feature>>(() => {
    if (!isRemote.value) return new Set(ALL_FEATURES)
    // Not listed yet (the guard reads the list before the first page): show the calls every version has.
    return new Set((active.value?.features ?? []).filter((f) => FEATURES[f] === true))
  })
  const hasFeature = (name: Feature) => features.value.has(name)

  const request = adminRequest('/api/dashi/profiles', auth)

  async function fetchList(): Promise<void> {
    if (!auth.isAdmin) {
      list.value = []
      loaded.value = true
      return
    }
    loading.value = true
    error.value = null
    try {
      list.value = (await request<{ data: RemoteProfile[] }>('GET', '')).data
      loaded.value = true
    } catch (e) {
      error.value = errorText(e)
    } finally {
      loading.value = false
    }
  }

  /** Reads the list once (the router guard calls this before the first page, so features are known). */
  async function ensureLoaded(): Promise<void> {
    if (!loaded.value && !loading.value) await fetchList()
  }

  /** Makes a profile (or `local`) the one the dashboard shows; forgets the previous one's offline state. */
  function select(id: string): void {
    activeId.value = id === LOCAL_PROFILE || list.value.some((p) => p.id === id) ? id : LOCAL_PROFILE
    asOf.value = null
  }

  /** Probes an address with credentials, saving nothing: `detected` or `problem` says what happened. */
  async function test(input: Pick<ProfileInput, 'baseUrl' | 'credentials'>): Promise<DetectedServer | null> {
    testing.value = true
    detected.value = null
    problem.value = null
    try {
      detected.value = await request<DetectedServer>('POST', '/test', { baseUrl: input.baseUrl.trim(), credentials: credentialsBody(input.credentials) })
      return detected.value
    } catch (e) {
      problem.value = problemOf(e)
      return null
    } finally {
      testing.value = false
    }
  }

  async function change<T>(action: () => Promise<T>): Promise<T | null> {
    saving.value = true
    problem.value = null
    error.value = null
    try {
      return await action()
    } catch (e) {
      problem.value = problemOf(e)
      return null
    } finally {
      saving.value = false
    }
  }

  const byName = (a: RemoteProfile, b: RemoteProfile) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' })

  /** Saves a new profile; the server probes and signs in first, so a refused one is `problem`, not saved. */
  const create = (input: ProfileInput) =>
    change(async () => {
      const profile = await request<RemoteProfile>('POST', '', { name: input.name.trim(), baseUrl: input.baseUrl.trim(), credentials: credentialsBody(input.credentials) })
      list.value = [...list.value, profile].sort(byName)
      return profile
    })

  /** Changes a profile: a name alone is saved at once; a new address or login is tested first. */
  const update = (id: string, input: Partial<ProfileInput>) =>
    change(async () => {
      const body: Record<string, unknown> = {}
      if (input.name !== undefined) body.name = input.name.trim()
      if (input.baseUrl !== undefined) body.baseUrl = input.baseUrl.trim()
      if (input.credentials !== undefined) body.credentials = credentialsBody(input.credentials)
      const profile = await request<RemoteProfile>('PATCH', `/${encodeURIComponent(id)}`, body)
      list.value = list.value.map((p) => (p.id === id ? profile : p)).sort(byName)
      return profile
    })

  /** Deletes a profile (and the server's cached answers of it); the active one falls back to the local server. */
  async function remove(id: string): Promise<boolean> {
    const done = await change(async () => {
      await request('DELETE', `/${encodeURIComponent(id)}`)
      list.value = list.value.filter((p) => p.id !== id)
      if (activeId.value === id) select(LOCAL_PROFILE)
      return true
    })
    return done === true
  }

  /**
   * Every response of a remote profile's client passes here: an answer from the cache carries the time
   * it was fetched (the oldest one shown is the one to tell); a fresh answer means the server is back.
   */
  function noteResponse(profileId: string, response: Pick<Response, 'ok' | 'headers'>): void {
    if (profileId !== remoteId.value) return
    const cachedAt = response.headers.get(AS_OF_HEADER)
    if (cachedAt) {
      if (!asOf.value || Date.parse(cachedAt) < Date.parse(asOf.value)) asOf.value = cachedAt
    } else if (response.ok) {
      asOf.value = null
    }
  }

  return {
    list,
    loaded,
    activeId,
    remoteId,
    active,
    isRemote,
    activeLabel,
    features,
    loading,
    saving,
    testing,
    error,
    detected,
    problem,
    asOf,
    hasFeature,
    fetchList,
    ensureLoaded,
    select,
    test,
    create,
    update,
    remove,
    noteResponse
  }
})

/** The router's guard after the login guard: an admin's profiles are read before the first page, so views know their features. */
export function profilesGuard(pinia: Pinia): NavigationGuardWithThis<undefined> {
  return async (to) => {
    const auth = useAuthStore(pinia)
    if (!to.meta.public && auth.isAdmin) await useProfilesStore(pinia).ensureLoaded()
    return true
  }
}
