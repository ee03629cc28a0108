import { defineStore } from 'pinia'
import { computed, ref, watch, type WatchStopHandle } from 'vue'
import type { LocationQuery, LocationQueryRaw, Router } from 'vue-router'
import { FILTER_NAMES, type AnalyticsQuery, type Compare, type DateRange, type DateUnit, type FilterName, type FilterOperator, type SeriesQuery, type Website } from '../../../shared/api/types'
import { errorText, useApi } from '../composables/useApi'
import { useAuthStore } from './auth'
import { usePrefsStore } from './prefs'
import { defaultUnit, effectiveUnit as coarsenedUnit, isDateUnit, isRangePreset, presetRange, type RangeKind } from '../lib/range'
import { isValidTimeZone } from '../lib/zone'

/**
 * What the website dashboard shows: which website (or share link), the date range (a preset or a custom
 * start and end), unit, time zone, comparison and filters. All of it lives in the URL query, so a view
 * can be bookmarked, shared and reloaded: `?range=7d&unit=day&path=eq./about`.
 *
 * URL keys: `range` (a preset or `custom`), `start`/`end` (epoch ms, custom only), `unit` (only when
 * chosen), `tz` (only when it differs from the preference), `compare=yoy`, and one key per filter by
 * its API name with a v3 value (`path=eq./about`, `browser=neq.firefox`, `referrer=c.google`).
 */

const FILTER_KEYS = new Set<string>(FILTER_NAMES)
const DASHBOARD_KEYS = new Set(['range', 'start', 'end', 'unit', 'tz', 'compare', ...FILTER_NAMES])

/** The first text value of a query parameter (vue-router gives arrays for repeats, null for bare keys). */
function first(value: LocationQuery[string] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' && v !== '' ? v : undefined
}

const epochMs = (value: string | undefined) => (value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined)

/** A filter value in v3 syntax. */
export const filterValue = (operator: FilterOperator, value: string) => `${operator}.${value}`

export const useDashboardStore = defineStore('dashboard', () => {
  const prefs = usePrefsStore()

  const websiteId = ref<string | null>(null)
  /** Set on share pages: the dashboard is read-only and reads with the share token. */
  const shareId = ref<string | null>(null)
  const range = ref<RangeKind>(prefs.defaultRange)
  const customRange = ref<DateRange | null>(null)
  /** Chosen unit; null = the range's default. */
  const unit = ref<DateUnit | null>(null)
  /** Chosen zone; null = the preference. */
  const timezoneOverride = ref<string | null>(null)
  const compare = ref<Compare>('prev')
  const filters = ref<Record<string, string>>({})
  /** The instant presets are measured from; `refresh()` moves it to now, which makes every panel reload. */
  const now = ref(Date.now())
  const website = ref<Website | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)

  const isShare = computed(() => shareId.value !== null)
  const timezone = computed(() => timezoneOverride.value ?? prefs.timezone)
  const dateRange = computed<DateRange>(() =>
    range.value === 'custom' && customRange.value ? { ...customRange.value } : presetRange(range.value === 'custom' ? prefs.defaultRange : range.value, now.value, timezone.value)
  )
  /**
   * The unit series are drawn and requested in: the chosen one, or the range's default, coarsened as the
   * server coarsens it (a range too long for hours is answered in days), so a chart's buckets match.
   */
  const effectiveUnit = computed<DateUnit>(() => coarsenedUnit(dateRange.value, unit.value ?? defaultUnit(dateRange.value)))
  const hasFilters = computed(() => Object.keys(filters.value).length > 0)

  /** Everything an analytics request needs: spread it into `getStats`, `getPageviews`, `getMetrics`… */
  const query = computed<SeriesQuery & { timezone: string; unit: DateUnit; compare: Compare }>(() => ({
    ...dateRange.value,
    timezone: timezone.value,
    unit: effectiveUnit.value,
    compare: compare.value,
    ...(hasFilters.value ? { filters: { ...filters.value } } : {})
  }))

  /** The range, zone and filters alone, for requests that take no unit or comparison (lists, tables). */
  const rangeQuery = computed<AnalyticsQuery>(() => {
    const { unit: _unit, compare: _compare, ...rest } = query.value
    return rest
  })

  /** The dashboard's part of the URL query. */
  const urlQuery = computed<Record<string, string>>(() => {
    const q: Record<string, string> = { range: range.value }
    if (range.value === 'custom' && customRange.value) {
      q.start = String(customRange.value.startAt)
      q.end = String(customRange.value.endAt)
    }
    if (unit.value) q.unit = unit.value
    if (timezoneOverride.value) q.tz = timezoneOverride.value
    if (compare.value !== 'prev') q.compare = compare.value
    for (const name of FILTER_NAMES) if (filters.value[name]) q[name] = filters.value[name]!
    return q
  })

  /** Takes the state from a URL query; anything missing or invalid falls back to its default. */
  function applyUrlQuery(q: LocationQuery) {
    const rangeParam = first(q.range)
    const start = epochMs(first(q.start))
    const end = epochMs(first(q.end))
    if (rangeParam === 'custom' && start !== undefined && end !== undefined && start <= end) {
      range.value = 'custom'
      customRange.value = { startAt: start, endAt: end }
    } else {
      range.value = isRangePreset(rangeParam) ? rangeParam : prefs.defaultRange
      customRange.value = null
    }
    const unitParam = first(q.unit)
    unit.value = isDateUnit(unitParam) ? unitParam : null
    const tz = first(q.tz)
    timezoneOverride.value = tz && isValidTimeZone(tz) ? tz : null
    compare.value = first(q.compare) === 'yoy' ? 'yoy' : 'prev'
    const next: Record<string, string> = {}
    for (const [key, value] of Object.entries(q)) {
      const text = first(value)
      if (FILTER_KEYS.has(key) && text !== undefined) next[key] = text
    }
    filters.value = next
  }

  function setRange(preset: RangeKind) {
    if (preset === 'custom') {
      // A custom range starts as the range shown now, for the user to adjust.
      customRange.value = { ...dateRange.value }
    } else {
      customRange.value = null
      now.value = Date.now()
    }
    range.value = preset
    unit.value = null
  }

  function setCustomRange(startAt: number, endAt: number) {
    if (!(startAt <= endAt)) {
      error.value = 'The start of a date range must come before its end.'
      return
    }
    error.value = null
    range.value = 'custom'
    customRange.value = { startAt, endAt }
    unit.value = null
  }

  function setUnit(value: DateUnit | null) {
    unit.value = value
  }

  function setTimezone(value: string | null) {
    timezoneOverride.value = value && value !== prefs.timezone ? value : null
  }

  function setCompare(value: Compare) {
    compare.value = value
  }

  /** Sets one filter (a v3 value such as `eq./about`), or removes it with null. */
  function setFilter(name: FilterName, value: string | null) {
    const next = { ...filters.value }
    if (value === null || value === '') delete next[name]
    else next[name] = value
    filters.value = next
  }

  function clearFilters() {
    filters.value = {}
  }

  /** Moves presets to the current time; panels watching `query` reload. */
  function refresh() {
    now.value = Date.now()
  }

  /** Loads the website being shown (name, domain) into `website`. */
  async function loadWebsite(): Promise<void> {
    if (!websiteId.value) return
    const id = websiteId.value
    loading.value = true
    error.value = null
    try {
      const loaded = await useApi().getWebsite(id)
      if (websiteId.value === id) website.value = loaded
    } catch (e) {
      if (websiteId.value === id) error.value = errorText(e)
    } finally {
      loading.value = false
    }
  }

  /** Shows a logged-in user's website. */
  function openWebsite(id: string) {
    if (shareId.value !== null) leaveShare()
    if (websiteId.value !== id) {
      websiteId.value = id
      website.value = null
      error.value = null
    }
  }

  /** Opens a share link: trades the share id for its website and token. False when the link is not valid. */
  async function openShare(id: string): Promise<boolean> {
    const auth = useAuthStore()
    loading.value = true
    error.value = null
    website.value = null
    try {
      const share = await useApi().getShare(id)
      shareId.value = id
      auth.setShareToken(share.token)
      websiteId.value = share.websiteId
      return true
    } catch (e) {
      shareId.value = null
      websiteId.value = null
      error.value = (e as { status?: number }).status === 404 ? 'This share link does not exist or was turned off.' : errorText(e)
      return false
    } finally {
      loading.value = false
    }
  }

  function leaveShare() {
    shareId.value = null
    useAuthStore().setShareToken(null)
    websiteId.value = null
    website.value = null
  }

  return {
    websiteId,
    shareId,
    range,
    customRange,
    unit,
    timezoneOverride,
    compare,
    filters,
    now,
    website,
    loading,
    error,
    isShare,
    timezone,
    dateRange,
    effectiveUnit,
    hasFilters,
    query,
    rangeQuery,
    urlQuery,
    applyUrlQuery,
    setRange,
    setCustomRange,
    setUnit,
    setTimezone,
    setCompare,
    setFilter,
    clearFilters,
    refresh,
    loadWebsite,
    openWebsite,
    openShare,
    leaveShare
  }
})

function sameQuery(a: LocationQuery, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const key of keys) if (first(a[key]) !== b[key]) return false
  return true
}

/**
 * Keeps the dashboard store and the URL of routes with `meta.dashboard` in step: a navigation (link,
 * back button, reload) sets the store; a change in the store replaces the query (no new history entry
 * per click). Query keys that are not the dashboard's stay as they are.
 */
export function syncDashboardWithRouter(router: Router, store: ReturnType<typeof useDashboardStore>): WatchStopHandle {
  const removeHook = router.afterEach((to, _from, failure) => {
    if (failure || !to.meta.dashboard) return
    const websiteId = to.params.websiteId
    if (typeof websiteId === 'string') store.openWebsite(websiteId)
    store.applyUrlQuery(to.query)
  })
  const stopWatch = watch(
    () => store.urlQuery,
    (q) => {
      const route = router.currentRoute.value
      if (!route.meta.dashboard) return
      const next: Record<string, string> = {}
      for (const [key, value] of Object.entries(route.query)) {
        const text = first(value)
        if (!DASHBOARD_KEYS.has(key) && text !== undefined) next[key] = text
      }
      Object.assign(next, q)
      if (!sameQuery(route.query, next)) void router.replace({ query: next as LocationQueryRaw })
    }
  )
  return () => {
    removeHook()
    stopWatch()
  }
}
