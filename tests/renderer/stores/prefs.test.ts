import { describe, expect, test } from 'vitest'
import { usePrefsStore } from '../../../src/renderer/src/stores/prefs'
import { localTimeZone } from '../../../src/renderer/src/lib/zone'
import { memoryStorage, STORAGE_KEYS } from '../../../src/renderer/src/stores/storage'
import { freshPinia } from './setup'

describe('prefs store', () => {
  test('starts from the system theme, the machine’s time zone and the last 24 hours', () => {
    freshPinia()
    const prefs = usePrefsStore()
    expect(prefs.theme).toBe('system')
    expect(prefs.timezone).toBe(localTimeZone())
    expect(prefs.defaultRange).toBe('24h')
    // No window to ask in these tests: "system" resolves to light until the system reports dark.
    expect(prefs.resolvedTheme).toBe('light')
    prefs.setSystemDark(true)
    expect(prefs.resolvedTheme).toBe('dark')
    prefs.setTheme('light')
    expect(prefs.resolvedTheme).toBe('light')
  })

  test('keeps every change in storage, and a reload reads it back', () => {
    const storage = memoryStorage()
    freshPinia(storage)
    const prefs = usePrefsStore()
    prefs.setTheme('dark')
    prefs.setTimezone('America/New_York')
    prefs.setDefaultRange('30d')
    expect(prefs.resolvedTheme).toBe('dark')
    expect(JSON.parse(storage.getItem(STORAGE_KEYS.prefs)!)).toEqual({ theme: 'dark', timezone: 'America/New_York', defaultRange: '30d' })

    freshPinia(storage)
    const reloaded = usePrefsStore()
    expect(reloaded.theme).toBe('dark')
    expect(reloaded.timezone).toBe('America/New_York')
    expect(reloaded.defaultRange).toBe('30d')
  })

  test('refuses an unknown time zone in words and keeps the old one', () => {
    freshPinia()
    const prefs = usePrefsStore()
    prefs.setTimezone('Europe/Berlin')
    prefs.setTimezone('Mars/Olympus_Mons')
    expect(prefs.timezone).toBe('Europe/Berlin')
    expect(prefs.error).toBe('"Mars/Olympus_Mons" is not a time zone this browser knows.')
    prefs.setTimezone('UTC')
    expect(prefs.error).toBeNull()
  })

  test('a damaged or outdated stored entry falls back field by field', () => {
    freshPinia(memoryStorage({ [STORAGE_KEYS.prefs]: JSON.stringify({ theme: 'sepia', timezone: 'Asia/Tokyo', defaultRange: 'forever' }) }))
    const prefs = usePrefsStore()
    expect(prefs.theme).toBe('system')
    expect(prefs.timezone).toBe('Asia/Tokyo')
    expect(prefs.defaultRange).toBe('24h')

    freshPinia(memoryStorage({ [STORAGE_KEYS.prefs]: '{not json' }))
    expect(usePrefsStore().theme).toBe('system')
  })
})
