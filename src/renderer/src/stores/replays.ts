import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { errorText } from '../composables/useApi'
import { adminRequest } from './admin-request'
import { useAuthStore } from './auth'

/**
 * "Move history to…" (issue 5): the local server's jobs that replay a website's hits to a remote
 * profile's website. Admins only; the server does the sending in its background, this store starts,
 * follows, pauses, resumes and deletes jobs through `/api/dashi/replays`.
 */

export type ReplayStatus = 'running' | 'paused' | 'done' | 'failed'

/** The final count check: the job's hits here and pageviews + events on the remote website over the same range. */
export interface ReplayCheck {
  localCount: number
  remoteCount: number | null
  matches: boolean
  startAt: string | null
  endAt: string | null
  checkedAt: string | null
}

export interface Replay {
  id: string
  websiteId: string
  websiteName: string
  profileId: string
  profileName: string
  remoteWebsiteId: string
  remoteWebsiteName: string | null
  status: ReplayStatus
  total: number
  sent: number
  accepted: number
  rejected: number
  lastRejection: string | null
  error: string | null
  check: ReplayCheck | null
  createdAt: string
  updatedAt: string
  finishedAt: string | null
}

export const useReplaysStore = defineStore('replays', () => {
  const auth = useAuthStore()
  const list = ref<Replay[]>([])
  const websiteId = ref<string | null>(null)
  const loading = ref(false)
  const saving = ref(false)
  const error = ref<string | null>(null)

  const anyRunning = computed(() => list.value.some((job) => job.status === 'running'))

  const request = adminRequest('/api/dashi/replays', auth)

  /** The moves of one website, newest first. */
  async function load(id: string): Promise<void> {
    if (websiteId.value !== id) list.value = []
    websiteId.value = id
    loading.value = true
    error.value = null
    try {
      list.value = (await request<{ data: Replay[] }>('GET', `?websiteId=${encodeURIComponent(id)}`)).data
    } catch (e) {
      error.value = errorText(e)
    } finally {
      loading.value = false
    }
  }

  /** Reads the website's moves again (the progress of running ones); quiet on failure, the next poll tries again. */
  async function refresh(): Promise<void> {
    if (!websiteId.value) return
    const id = websiteId.value
    try {
      const data = (await request<{ data: Replay[] }>('GET', `?websiteId=${encodeURIComponent(id)}`)).data
      if (websiteId.value === id) list.value = data
    } catch (e) {
      error.value = errorText(e)
    }
  }

  function put(job: Replay): void {
    const others = list.value.filter((j) => j.id !== job.id)
    list.value = [job, ...others].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  }

  async function act(action: () => Promise<Replay | null>): Promise<Replay | null> {
    saving.value = true
    error.value = null
    try {
      const job = await action()
      if (job) put(job)
      return job
    } catch (e) {
      error.value = errorText(e)
      return null
    } finally {
      saving.value = false
    }
  }

  /** Starts moving the website's hits to a website of a profile; the server checks that website first. */
  const start = (input: { websiteId: string; profileId: string; remoteWebsiteId: string }) => act(() => request<Replay>('POST', '', input))
  const pause = (id: string) => act(() => request<Replay>('POST', `/${encodeURIComponent(id)}/pause`))
  /** Goes on from where the move stopped; a finished one has its counts checked again. */
  const resume = (id: string) => act(() => request<Replay>('POST', `/${encodeURIComponent(id)}/resume`))

  async function remove(id: string): Promise<boolean> {
    const done = await act(async () => {
      await request('DELETE', `/${encodeURIComponent(id)}`)
      list.value = list.value.filter((j) => j.id !== id)
      return null
    })
    return done === null && error.value === null
  }

  return { list, loading, saving, error, anyRunning, load, refresh, start, pause, resume, remove }
})
