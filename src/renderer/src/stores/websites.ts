import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { CreateWebsiteInput, UpdateWebsiteInput, Website } from '../../../shared/api/types'
import { errorText, useApi } from '../composables/useApi'
import { usePrefsStore } from './prefs'
import { presetRange } from '../lib/range'

/** What the websites list shows beside each site: visitors today and visitors per hour of the last 24 hours. */
export interface WebsiteSummary {
  visitorsToday: number
  /** 24 numbers, oldest hour first. */
  hourly: number[]
}

const HOUR = 3_600_000
const SPARK_HOURS = 24

/** Visitors per hour from a UTC series (ISO labels): every hour present, empty ones as 0. */
export function hourlyBuckets(points: { x: string; y: number }[], firstHour: number, hours = SPARK_HOURS): number[] {
  const buckets = new Array<number>(hours).fill(0)
  for (const { x, y } of points) {
    const index = Math.floor((Date.parse(x) - firstHour) / HOUR)
    if (index >= 0 && index < hours) buckets[index]! += y
  }
  return buckets
}

/** 8 characters from [0-9A-Za-z], as Umami's share ids; from the browser's CSPRNG. */
export function newShareId(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
  let id = ''
  while (id.length < 8) {
    const bytes = crypto.getRandomValues(new Uint8Array(16))
    // 248 = 4 × 62: bytes above it would favour the first letters.
    for (const b of bytes) if (b < 248 && id.length < 8) id += alphabet[b % 62]
  }
  return id
}

/** The caller's websites: the list with a summary per site, and the changes made from the settings page. */
export const useWebsitesStore = defineStore('websites', () => {
  const list = ref<Website[]>([])
  const count = ref(0)
  const search = ref('')
  const summaries = ref<Record<string, WebsiteSummary>>({})
  const loading = ref(false)
  const saving = ref(false)
  const error = ref<string | null>(null)
  /** The website the settings page shows. */
  const current = ref<Website | null>(null)

  const PAGE_SIZE = 100

  async function fetchList(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const page = await useApi().listWebsites({ pageSize: PAGE_SIZE, search: search.value || undefined })
      list.value = page.data
      count.value = page.count
    } catch (e) {
      error.value = errorText(e)
    } finally {
      loading.value = false
    }
  }

  /** Loads every listed site's summary; one failing site shows no numbers, the others still do. */
  async function fetchSummaries(now = Date.now()): Promise<void> {
    const api = useApi()
    const timezone = usePrefsStore().timezone
    const today = presetRange('today', now, timezone)
    const lastHour = Math.floor(now / HOUR) * HOUR
    const firstHour = lastHour - (SPARK_HOURS - 1) * HOUR
    const results = await Promise.allSettled(
      list.value.map(async (website) => {
        const [stats, series] = await Promise.all([
          api.getStats(website.id, { ...today, timezone }),
          // UTC hours: the sparkline needs no labels, and whole hours are whole hours in nearly every zone.
          api.getPageviews(website.id, { startAt: firstHour, endAt: lastHour + HOUR - 1, unit: 'hour' })
        ])
        return [website.id, { visitorsToday: stats.visitors, hourly: hourlyBuckets(series.sessions, firstHour) }] as const
      })
    )
    const next: Record<string, WebsiteSummary> = {}
    for (const result of results) if (result.status === 'fulfilled') next[result.value[0]] = result.value[1]
    summaries.value = next
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) error.value = `Some numbers could not be loaded: ${errorText(failed.reason)}`
  }

  async function refresh(): Promise<void> {
    await fetchList()
    if (!error.value) await fetchSummaries()
  }

  /** Runs a change, keeping `saving` and `error`; resolves to the result, or undefined when it failed. */
  async function change<T>(action: () => Promise<T>): Promise<T | undefined> {
    saving.value = true
    error.value = null
    try {
      return await action()
    } catch (e) {
      error.value = errorText(e)
      return undefined
    } finally {
      saving.value = false
    }
  }

  const replace = (website: Website) => {
    list.value = list.value.map((w) => (w.id === website.id ? website : w))
    if (current.value?.id === website.id) current.value = website
  }

  async function create(input: CreateWebsiteInput): Promise<Website | undefined> {
    return change(async () => {
      const website = await useApi().createWebsite({ ...input, name: input.name.trim(), domain: input.domain.trim() })
      list.value = [...list.value, website].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }))
      count.value += 1
      return website
    })
  }

  async function load(websiteId: string): Promise<Website | undefined> {
    loading.value = true
    error.value = null
    current.value = null
    try {
      current.value = await useApi().getWebsite(websiteId)
      return current.value
    } catch (e) {
      error.value = errorText(e)
      return undefined
    } finally {
      loading.value = false
    }
  }

  async function update(websiteId: string, input: UpdateWebsiteInput): Promise<Website | undefined> {
    return change(async () => {
      const website = await useApi().updateWebsite(websiteId, input)
      replace(website)
      return website
    })
  }

  /** Turns the share URL on (a new random id) or off (its links and tokens stop working). */
  async function setSharing(websiteId: string, on: boolean): Promise<Website | undefined> {
    return update(websiteId, { shareId: on ? newShareId() : null })
  }

  async function remove(websiteId: string): Promise<boolean> {
    const done = await change(async () => {
      await useApi().deleteWebsite(websiteId)
      list.value = list.value.filter((w) => w.id !== websiteId)
      count.value = Math.max(0, count.value - 1)
      if (current.value?.id === websiteId) current.value = null
      return true
    })
    return done === true
  }

  async function reset(websiteId: string): Promise<boolean> {
    const done = await change(async () => {
      await useApi().resetWebsite(websiteId)
      const { [websiteId]: _gone, ...rest } = summaries.value
      summaries.value = rest
      // The reset time is part of the website: show the new one.
      replace(await useApi().getWebsite(websiteId))
      return true
    })
    return done === true
  }

  return {
    list,
    count,
    search,
    summaries,
    loading,
    saving,
    error,
    current,
    fetchList,
    fetchSummaries,
    refresh,
    create,
    load,
    update,
    setSharing,
    remove,
    reset
  }
})
