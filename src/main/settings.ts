import { renameSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_HOST, DEFAULT_PORT } from '../shared/constants'
import { checkSettingsPatch, type DesktopSettings, type SettingsChange, type SettingsPatch } from '../shared/ipc'
import { readJson, writeJsonAtomic } from './json-file'

export const SETTINGS_FILE = 'settings.json'

export const DEFAULT_SETTINGS: Readonly<DesktopSettings> = Object.freeze({
  port: DEFAULT_PORT,
  host: DEFAULT_HOST,
  dataDir: null,
  launchAtLogin: false,
  theme: 'system'
})

/** Settings that only take effect when the embedded server starts again. */
const RESTART_FIELDS: readonly (keyof DesktopSettings)[] = ['port', 'host', 'dataDir']

/** Where dashi.db lives: the chosen directory, else the user data directory (as before settings existed). */
export function effectiveDataDir(settings: DesktopSettings, userDataDir: string): string {
  return settings.dataDir ?? userDataDir
}

/**
 * Reads settings without ever failing: a missing file gives the defaults; a damaged one gives the
 * defaults and a warning, and is moved aside (settings.json.bad-<time>) so the next save does not
 * destroy what the user may want to recover; a file with some bad fields keeps the good ones.
 */
export function loadSettings(file: string, now = Date.now()): { settings: DesktopSettings; warnings: string[] } {
  const read = readJson(file)
  if (read.state === 'missing') return { settings: { ...DEFAULT_SETTINGS }, warnings: [] }
  if (read.state === 'unreadable' || typeof read.value !== 'object' || read.value === null || Array.isArray(read.value)) {
    const reason = read.state === 'unreadable' ? read.reason : `${file} does not hold a settings object`
    return { settings: { ...DEFAULT_SETTINGS }, warnings: [`${reason}; using the default settings.${moveAside(file, now)}`] }
  }
  const settings: DesktopSettings = { ...DEFAULT_SETTINGS }
  const warnings: string[] = []
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof DesktopSettings)[]) {
    if (!(key in read.value)) continue
    const checked = checkSettingsPatch({ [key]: (read.value as Record<string, unknown>)[key] })
    if (checked.ok) Object.assign(settings, checked.value)
    else warnings.push(`${file}: ${checked.message}; using the default (${JSON.stringify(DEFAULT_SETTINGS[key])}).`)
  }
  return { settings, warnings }
}

function moveAside(file: string, now: number): string {
  const aside = `${file}.bad-${now}`
  try {
    renameSync(file, aside)
    return ` The damaged file was kept as ${aside}.`
  } catch {
    return ''
  }
}

/** The settings of this install: loaded once, changed through `update`, written atomically. */
export class SettingsStore {
  readonly file: string
  readonly warnings: string[]
  #settings: DesktopSettings

  constructor(userDataDir: string, options: { warn?: (message: string) => void } = {}) {
    this.file = join(userDataDir, SETTINGS_FILE)
    const loaded = loadSettings(this.file)
    this.#settings = loaded.settings
    this.warnings = loaded.warnings
    for (const warning of loaded.warnings) options.warn?.(warning)
  }

  get(): DesktopSettings {
    return { ...this.#settings }
  }

  /** Validates (again: callers other than IPC exist), persists, then adopts the change. Throws when the write fails. */
  update(patch: SettingsPatch): SettingsChange {
    const checked = checkSettingsPatch(patch)
    if (!checked.ok) throw new TypeError(checked.message)
    const next = { ...this.#settings, ...checked.value }
    const restartNeeded = RESTART_FIELDS.some((key) => next[key] !== this.#settings[key])
    writeJsonAtomic(this.file, next)
    this.#settings = next
    return { settings: this.get(), restartNeeded }
  }
}
