import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, effectiveDataDir, SETTINGS_FILE, SettingsStore } from '../../src/main/settings'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dashi-settings-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const file = () => join(dir, SETTINGS_FILE)

describe('settings', () => {
  it('starts from the defaults (loopback, port 7365) without writing anything', () => {
    const store = new SettingsStore(dir)
    expect(store.get()).toEqual({ port: 7365, host: '127.0.0.1', dataDir: null, launchAtLogin: false, theme: 'system' })
    expect(store.warnings).toEqual([])
    expect(readdirSync(dir)).toEqual([])
  })

  it('persists a change and reads it back in a new session; says when a restart is needed', () => {
    const store = new SettingsStore(dir)
    expect(store.update({ theme: 'dark' })).toEqual({ settings: { ...DEFAULT_SETTINGS, theme: 'dark' }, restartNeeded: false })
    expect(store.update({ port: 8123 }).restartNeeded).toBe(true)
    expect(store.update({ port: 8123, launchAtLogin: true }).restartNeeded).toBe(false)
    expect(new SettingsStore(dir).get()).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark', port: 8123, launchAtLogin: true })
    // Written whole, as JSON, with no temporary file left behind.
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toMatchObject({ port: 8123, theme: 'dark' })
    expect(readdirSync(dir)).toEqual([SETTINGS_FILE])
  })

  it('refuses invalid values and keeps the previous ones', () => {
    const store = new SettingsStore(dir)
    expect(() => store.update({ port: 99999 })).toThrow(/port/)
    expect(() => store.update({ host: 'evil.example' } as never)).toThrow(/IP address/)
    expect(store.get()).toEqual(DEFAULT_SETTINGS)
  })

  it('a damaged file gives the defaults and a warning, and is kept aside rather than overwritten', () => {
    writeFileSync(file(), '{"port": 80')
    const warnings: string[] = []
    const store = new SettingsStore(dir, { warn: (m) => warnings.push(m) })
    expect(store.get()).toEqual(DEFAULT_SETTINGS)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/not valid JSON.*using the default settings.*kept as .*settings\.json\.bad-/)
    const aside = readdirSync(dir).find((name) => name.startsWith(`${SETTINGS_FILE}.bad-`))!
    expect(readFileSync(join(dir, aside), 'utf8')).toBe('{"port": 80')
    store.update({ theme: 'light' })
    expect(new SettingsStore(dir).get().theme).toBe('light')
  })

  it('keeps the good fields of a file with bad ones, and fills in fields an older version did not have', () => {
    writeFileSync(file(), JSON.stringify({ port: 'eighty', host: '0.0.0.0', theme: 'dark', future: 1 }))
    const store = new SettingsStore(dir)
    expect(store.get()).toEqual({ ...DEFAULT_SETTINGS, host: '0.0.0.0', theme: 'dark' })
    expect(store.warnings).toEqual([expect.stringMatching(/port must be a whole number.*using the default \(7365\)/)])
  })

  it('a file that is not an object is treated as damaged', () => {
    writeFileSync(file(), '[1,2]')
    const store = new SettingsStore(dir)
    expect(store.get()).toEqual(DEFAULT_SETTINGS)
    expect(store.warnings[0]).toMatch(/does not hold a settings object/)
  })

  it.skipIf(process.getuid?.() === 0)('a write that fails leaves the settings as they were and says why', () => {
    const locked = join(dir, 'locked')
    mkdirSync(locked)
    const store = new SettingsStore(locked)
    chmodSync(locked, 0o500)
    try {
      expect(() => store.update({ theme: 'dark' })).toThrow(/EACCES/)
      expect(store.get().theme).toBe('system')
    } finally {
      chmodSync(locked, 0o700)
    }
  })

  it('the data directory defaults to the user data directory', () => {
    expect(effectiveDataDir(DEFAULT_SETTINGS, '/home/u/.config/Dashi')).toBe('/home/u/.config/Dashi')
    expect(effectiveDataDir({ ...DEFAULT_SETTINGS, dataDir: '/srv/dashi' }, '/home/u/.config/Dashi')).toBe('/srv/dashi')
  })

  it('writes atomically: the file is replaced in one rename, never truncated in place', () => {
    const store = new SettingsStore(dir)
    store.update({ theme: 'dark' })
    const before = statSync(file()).ino
    store.update({ theme: 'light' })
    // A new inode: the old file was replaced by rename, so a reader sees either version whole.
    expect(statSync(file()).ino).not.toBe(before)
  })
})
