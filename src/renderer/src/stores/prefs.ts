import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { isRangePreset, type RangePreset } from '../lib/range'
import { isValidTimeZone, localTimeZone } from '../lib/zone'
import { STORAGE_KEYS, useStorage } from './storage'

export type Theme = 'light' | 'dark' | 'system'
export const THEMES: Theme[] = ['light', 'dark', 'system']

interface StoredPrefs {
  theme: Theme
  timezone: string
  defaultRange: RangePreset
}

const DEFAULTS = (): StoredPrefs => ({ theme: 'system', timezone: localTimeZone(), defaultRange: '24h' })

/** Stored preferences, each checked: a hand-edited or outdated entry falls back to the default, field by field. */
function load(text: string | null): StoredPrefs {
  const prefs = DEFAULTS()
  if (!text) return prefs
  let stored: Partial<Record<keyof StoredPrefs, unknown>>
  try {
    stored = JSON.parse(text) ?? {}
  } catch {
    return prefs
  }
  if (THEMES.includes(stored.theme as Theme)) prefs.theme = stored.theme as Theme
  if (typeof stored.timezone === 'string' && isValidTimeZone(stored.timezone)) prefs.timezone = stored.timezone
  if (isRangePreset(stored.defaultRange)) prefs.defaultRange = stored.defaultRange
  return prefs
}

/**
 * Preferences of this browser (not of the account): theme, time zone and the range a dashboard opens
 * with. Kept in storage; composables/useTheme.ts applies the theme as `<html data-theme="light|dark">`.
 */
export const usePrefsStore = defineStore('prefs', () => {
  const storage = useStorage()
  const initial = load(storage.getItem(STORAGE_KEYS.prefs))
  const theme = ref<Theme>(initial.theme)
  const timezone = ref(initial.timezone)
  const defaultRange = ref<RangePreset>(initial.defaultRange)
  /** The system's scheme, reported by composables/useTheme.ts where there is a window to ask. */
  const systemDark = ref(false)
  const error = ref<string | null>(null)
  // Nothing to load from a server: kept for the same shape as every store.
  const loading = ref(false)

  const resolvedTheme = computed<'light' | 'dark'>(() => (theme.value === 'system' ? (systemDark.value ? 'dark' : 'light') : theme.value))

  watch([theme, timezone, defaultRange], () => {
    const value: StoredPrefs = { theme: theme.value, timezone: timezone.value, defaultRange: defaultRange.value }
    storage.setItem(STORAGE_KEYS.prefs, JSON.stringify(value))
  }, { flush: 'sync' })

  function setTheme(value: Theme) {
    theme.value = value
  }

  function setTimezone(value: string) {
    if (!isValidTimeZone(value)) {
      error.value = `"${value}" is not a time zone this browser knows.`
      return
    }
    error.value = null
    timezone.value = value
  }

  function setDefaultRange(value: RangePreset) {
    defaultRange.value = value
  }

  function setSystemDark(value: boolean) {
    systemDark.value = value
  }

  return { theme, timezone, defaultRange, resolvedTheme, loading, error, setTheme, setTimezone, setDefaultRange, setSystemDark }
})
