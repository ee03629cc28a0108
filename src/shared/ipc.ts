/**
 * The typed IPC contract between the desktop window and the Electron main process: one channel per
 * operation, its arguments and its result. The preload exposes exactly these channels (one `invoke` each,
 * generated from IPC_CHANNELS), the main process answers them (src/main/ipc-handlers.ts), and every answer
 * is an IpcResult envelope, so the renderer never sees a thrown Electron error.
 *
 * Arguments come from a renderer and are untrusted: `validateIpcArgs` checks them per channel before any
 * handler runs. This module imports nothing, so it stays tiny inside the sandboxed preload bundle.
 */

// ---------------------------------------------------------------------------------------------------
// Values carried over the channels

export type Theme = 'system' | 'light' | 'dark'
export const THEMES: readonly Theme[] = ['system', 'light', 'dark']

/** Desktop settings, persisted as JSON in the user data directory (src/main/settings.ts). */
export interface DesktopSettings {
  /** Port of the embedded server; 0 lets the system choose one at every start. */
  port: number
  /** Bind address of the embedded server: loopback by default; anything else needs a changed admin password. */
  host: string
  /** Directory of dashi.db and the install secret; null = the default inside the user data directory. */
  dataDir: string | null
  launchAtLogin: boolean
  theme: Theme
}

export type SettingsPatch = Partial<DesktopSettings>

export interface SettingsChange {
  settings: DesktopSettings
  /** True when the change only takes effect once the server restarts (port, host, data directory). */
  restartNeeded: boolean
}

export type ServerProblemCode = 'port-busy' | 'lan-refused' | 'start-failed'

export interface ServerStatus {
  running: boolean
  /** The dashboard's address, e.g. http://127.0.0.1:7365; null while stopped. */
  url: string | null
  host: string
  port: number
  dataDir: string
  /** Distinct visitors with any event in the last five minutes, over all local websites. */
  activeVisitors: number
  /** Why the server is not running, in words, with a free port offered when the configured one is busy. */
  problem: { code: ServerProblemCode; message: string; suggestedPort?: number } | null
}

export interface PortCheck {
  port: number
  host: string
  free: boolean
  /** A port that is free on the same host, offered when `port` is not. */
  suggestion: number | null
}

export interface AppVersions {
  app: string
  electron: string
  chrome: string
  node: string
  platform: string
}

// ---------------------------------------------------------------------------------------------------
// The contract

/** channel -> signature. Adding a channel here (and to IPC_CHANNELS, checked below) is all the preload needs. */
export interface IpcContract {
  'settings:get': () => DesktopSettings
  /** Validates and persists; port/host/data dir apply on `server:restart`. */
  'settings:set': (patch: SettingsPatch) => SettingsChange
  'server:status': () => ServerStatus
  /** Restarts the embedded server with the saved settings (the window follows it to the new URL). */
  'server:restart': () => ServerStatus
  /** Is `port` free on the configured (or given) host? Offers a free one when not. */
  'server:checkPort': (port: number, host?: string) => PortCheck
  /** Opens an http(s) URL in the system browser; any other scheme is refused. */
  'shell:openExternal': (url: string) => { opened: true }
  'app:versions': () => AppVersions
  /** Shows the system folder picker (in main); null when cancelled. Does not change settings by itself. */
  'dialog:chooseDataDir': () => { path: string | null }
}
// Remote server profiles are not IPC: the embedded server stores them (src/server/routes/profiles.ts),
// so web mode has them too; the desktop only gives it a keychain-backed sealer (src/main/sealer.ts).

export type IpcChannel = keyof IpcContract
export type IpcArgs<C extends IpcChannel> = Parameters<IpcContract[C]>
export type IpcData<C extends IpcChannel> = ReturnType<IpcContract[C]>

export const IPC_CHANNELS = [
  'settings:get',
  'settings:set',
  'server:status',
  'server:restart',
  'server:checkPort',
  'shell:openExternal',
  'app:versions',
  'dialog:chooseDataDir'
] as const satisfies readonly IpcChannel[]

// A channel missing from the list fails to compile here.
type MissingChannels = Exclude<IpcChannel, (typeof IPC_CHANNELS)[number]>
const everyChannelListed: [MissingChannels] extends [never] ? true : MissingChannels = true
void everyChannelListed

export const isIpcChannel = (value: unknown): value is IpcChannel => typeof value === 'string' && (IPC_CHANNELS as readonly string[]).includes(value)

// ---------------------------------------------------------------------------------------------------
// Result envelope

export type IpcErrorCode = 'bad-request' | 'not-found' | 'denied' | 'unavailable' | 'conflict' | 'internal'

export interface IpcError {
  code: IpcErrorCode
  message: string
  /** Extra facts a view can act on (e.g. a suggested port). */
  details?: Record<string, unknown>
}

export type IpcResult<T> = { ok: true; data: T } | { ok: false; error: IpcError }

export const ipcOk = <T>(data: T): IpcResult<T> => ({ ok: true, data })
export const ipcFail = (code: IpcErrorCode, message: string, details?: Record<string, unknown>): IpcResult<never> => ({
  ok: false,
  error: details ? { code, message, details } : { code, message }
})

/**
 * What the preload puts on `window.dashi`: one promise-returning function per channel, plus two facts
 * the sandboxed preload knows synchronously (Settings → About reads them without a round trip).
 */
export type DashiBridge = {
  [C in IpcChannel]: (...args: IpcArgs<C>) => Promise<IpcResult<IpcData<C>>>
} & { platform: string; versions: { electron: string; chrome: string; node: string } }

/** The channel name on the wire; a prefix keeps ours apart from any other ipcMain user. */
export const wireChannel = (channel: IpcChannel): string => `dashi:${channel}`

// ---------------------------------------------------------------------------------------------------
// Argument validation (the renderer is untrusted)

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string }

const good = <T>(value: T): Checked<T> => ({ ok: true, value })
const bad = (message: string): Checked<never> => ({ ok: false, message })

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export const MAX_TEXT = 2048

function text(value: unknown, field: string, options: { max?: number; allowEmpty?: boolean } = {}): Checked<string> {
  if (typeof value !== 'string') return bad(`${field} must be text`)
  if (!options.allowEmpty && value.trim() === '') return bad(`${field} must not be empty`)
  if (value.length > (options.max ?? MAX_TEXT)) return bad(`${field} is too long (at most ${options.max ?? MAX_TEXT} characters)`)
  if (/[\u0000]/.test(value)) return bad(`${field} must not contain NUL characters`)
  return good(value)
}

export function checkPort(value: unknown, field = 'port'): Checked<number> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    return bad(`${field} must be a whole number from 0 to 65535 (0 picks a free port)`)
  }
  return good(value)
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/** A bind address: `localhost`, an IPv4 address or an IPv6 address (no host names: binding needs an interface). */
export function checkHost(value: unknown, field = 'host'): Checked<string> {
  const t = text(value, field, { max: 64 })
  if (!t.ok) return t
  const host = t.value.trim().replace(/^\[(.*)\]$/, '$1')
  if (host === 'localhost' || IPV4.test(host)) return good(host)
  // IPv6: hex groups and colons, at most one `::`, optionally an embedded IPv4 tail.
  if (/^[0-9a-f:.]+$/i.test(host) && host.includes(':') && (host.match(/::/g) ?? []).length <= 1) {
    const groups = host.split(':')
    const tail = groups[groups.length - 1]!
    if (groups.length <= 8 && groups.every((g) => g === '' || /^[0-9a-f]{1,4}$/i.test(g) || (g === tail && IPV4.test(g)))) return good(host.toLowerCase())
  }
  return bad(`${field} must be an IP address such as 127.0.0.1, 0.0.0.0 or ::1, or localhost`)
}

function checkDataDir(value: unknown): Checked<string | null> {
  if (value === null) return good(null)
  const t = text(value, 'dataDir', { max: 1024 })
  if (!t.ok) return t
  // Only absolute paths: a relative one would depend on the working directory the app was launched from.
  if (!/^(\/|[a-zA-Z]:[\\/]|\\\\)/.test(t.value)) return bad('dataDir must be an absolute path (or null for the default)')
  return good(t.value)
}

const SETTINGS_FIELDS: { [K in keyof DesktopSettings]: (value: unknown) => Checked<DesktopSettings[K]> } = {
  port: (v) => checkPort(v),
  host: (v) => checkHost(v),
  dataDir: checkDataDir,
  launchAtLogin: (v) => (typeof v === 'boolean' ? good(v) : bad('launchAtLogin must be true or false')),
  theme: (v) => (THEMES.includes(v as Theme) ? good(v as Theme) : bad(`theme must be one of ${THEMES.join(', ')}`))
}

/** Checks a partial settings object: known fields only, each valid. */
export function checkSettingsPatch(value: unknown): Checked<SettingsPatch> {
  if (!isRecord(value)) return bad('settings must be an object')
  const patch: Record<string, unknown> = {}
  for (const [key, raw] of Object.entries(value)) {
    const check = SETTINGS_FIELDS[key as keyof DesktopSettings]
    if (!check) return bad(`unknown setting "${key}"`)
    const result = check(raw)
    if (!result.ok) return result
    patch[key] = result.value
  }
  return good(patch as SettingsPatch)
}

/** Checks a complete settings object (the settings file): every field present and valid. */
export function checkSettings(value: unknown): Checked<DesktopSettings> {
  const patch = checkSettingsPatch(value)
  if (!patch.ok) return patch
  const missing = (Object.keys(SETTINGS_FIELDS) as (keyof DesktopSettings)[]).filter((key) => !(key in patch.value))
  if (missing.length > 0) return bad(`missing settings: ${missing.join(', ')}`)
  return good(patch.value as DesktopSettings)
}

type ArgCheckers = { [C in IpcChannel]: (args: unknown[]) => Checked<IpcArgs<C>> }

const none = (args: unknown[]): Checked<[]> => (args.length === 0 ? good([]) : bad('this call takes no arguments'))
const one =
  <T>(check: (value: unknown) => Checked<T>) =>
  (args: unknown[]): Checked<[T]> => {
    if (args.length !== 1) return bad('this call takes exactly one argument')
    const result = check(args[0])
    return result.ok ? good([result.value]) : result
  }

const ARG_CHECKERS: ArgCheckers = {
  'settings:get': none,
  'settings:set': one(checkSettingsPatch),
  'server:status': none,
  'server:restart': none,
  'server:checkPort': (args) => {
    if (args.length < 1 || args.length > 2) return bad('server:checkPort takes a port and an optional host')
    const port = checkPort(args[0])
    if (!port.ok) return port
    if (args[1] === undefined) return good([port.value])
    const host = checkHost(args[1])
    return host.ok ? good([port.value, host.value]) : host
  },
  'shell:openExternal': one((v) => text(v, 'url')),
  'app:versions': none,
  'dialog:chooseDataDir': none
}

/** Validates a renderer's arguments for `channel`; the checked (and normalised) arguments, or why not. */
export function validateIpcArgs<C extends IpcChannel>(channel: C, args: unknown[]): Checked<IpcArgs<C>> {
  return (ARG_CHECKERS[channel] as (args: unknown[]) => Checked<IpcArgs<C>>)(args)
}
