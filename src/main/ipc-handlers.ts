import { isLoopbackHost } from '../server/server'
import {
  type AppVersions,
  type DesktopSettings,
  type IpcChannel,
  type IpcContract,
  type IpcData,
  type IpcErrorCode,
  type IpcResult,
  IPC_CHANNELS,
  ipcFail,
  ipcOk,
  isIpcChannel,
  type ServerStatus,
  type SettingsChange,
  validateIpcArgs
} from '../shared/ipc'
import { classifyUrl, externalUrl } from './guard'
import { checkBindAddressForDataDir } from './lan'
import { checkPortChoice } from './ports'
import { effectiveDataDir, type SettingsStore } from './settings'
import type { ServerController } from './server-controller'

/** What the handlers act on; index.ts passes the Electron-backed pieces, tests pass real Node ones. */
export interface MainServices {
  userDataDir: string
  settings: SettingsStore
  server: ServerController
  /** shell.openExternal; only ever called with an http(s) URL that passed the guard. */
  openExternal: (url: string) => Promise<void>
  /** dialog.showOpenDialog for a directory; null when cancelled. */
  chooseDirectory: () => Promise<string | null>
  versions: () => AppVersions
  /** Applies what needs no restart (launch at login, theme) and tells the window. */
  onSettingsChanged?: (change: SettingsChange) => void
  /** After a restart the window follows the server to its (maybe new) URL. */
  onServerRestarted?: (status: ServerStatus) => void
  /** The dashboard's origin now: only frames of it may call (another page in the window must not). */
  appOrigin: () => string | null
  log?: (message: string, error?: unknown) => void
}

/** A failure with a code the renderer can act on; anything else is reported as `internal`. */
export class IpcHandlerError extends Error {
  constructor(
    readonly code: IpcErrorCode,
    message: string,
    readonly details?: Record<string, unknown>
  ) {
    super(message)
  }
}

type Implementations = { [C in IpcChannel]: (services: MainServices, ...args: Parameters<IpcContract[C]>) => IpcData<C> | Promise<IpcData<C>> }

async function setSettings(services: MainServices, patch: Partial<DesktopSettings>): Promise<SettingsChange> {
  const current = services.settings.get()
  const next = { ...current, ...patch }
  if (!isLoopbackHost(next.host) && (next.host !== current.host || next.dataDir !== current.dataDir)) {
    // The rule startServer enforces, asked now so the settings view can say it before anything restarts.
    const sameDb = next.dataDir === current.dataDir ? services.server.running?.db : undefined
    const check = await checkBindAddressForDataDir(next.host, effectiveDataDir(next, services.userDataDir), sameDb)
    if (!check.allowed) throw new IpcHandlerError('denied', check.message)
  }
  let change: SettingsChange
  try {
    change = services.settings.update(patch)
  } catch (error) {
    throw new IpcHandlerError('unavailable', `The settings could not be saved: ${(error as Error).message}`)
  }
  services.onSettingsChanged?.(change)
  return change
}

const IMPLEMENTATIONS: Implementations = {
  'settings:get': (s) => s.settings.get(),
  'settings:set': setSettings,
  'server:status': (s) => s.server.status(),
  'server:restart': async (s) => {
    const status = await s.server.restart(s.settings.get())
    s.onServerRestarted?.(status)
    return status
  },
  'server:checkPort': async (s, port, host) => {
    const onHost = host ?? s.settings.get().host
    const running = s.server.running
    // The port our own server holds is not "busy" for the purpose of keeping it.
    if (running && running.port === port && s.server.status().host === onHost) return { port, host: onHost, free: true, suggestion: null }
    return checkPortChoice(port, onHost)
  },
  'shell:openExternal': async (s, url) => {
    const safe = externalUrl(url)
    if (!safe || classifyUrl(url, null) !== 'external') throw new IpcHandlerError('denied', 'Only http and https links can be opened in the browser.')
    await s.openExternal(safe)
    return { opened: true }
  },
  'app:versions': (s) => s.versions(),
  'dialog:chooseDataDir': async (s) => ({ path: await s.chooseDirectory() })
}

function toFailure(error: unknown, services: MainServices, channel: string): IpcResult<never> {
  if (error instanceof IpcHandlerError) return ipcFail(error.code, error.message, error.details)
  // No stack or internal message to the renderer; the log keeps it.
  services.log?.(`IPC ${channel} failed`, error)
  return ipcFail('internal', `${channel} failed unexpectedly; see the log.`)
}

function senderAllowed(senderUrl: string | undefined, services: MainServices): boolean {
  return senderUrl !== undefined && classifyUrl(senderUrl, services.appOrigin()) === 'app'
}

/**
 * One entry point per call: checks who is calling, the channel and the arguments, runs the handler and
 * wraps whatever happens in the {ok,data}|{ok:false,error} envelope. It never throws.
 */
export async function handleIpc(services: MainServices, channel: unknown, args: unknown[], senderUrl: string | undefined): Promise<IpcResult<unknown>> {
  if (!isIpcChannel(channel)) return ipcFail('bad-request', `Unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}.`)
  if (!senderAllowed(senderUrl, services)) return ipcFail('denied', 'Only the Dashi dashboard may use this channel.')
  const checked = validateIpcArgs(channel, Array.isArray(args) ? args : [])
  if (!checked.ok) return ipcFail('bad-request', `${channel}: ${checked.message}.`)
  try {
    const implementation = IMPLEMENTATIONS[channel] as (services: MainServices, ...args: unknown[]) => unknown
    return ipcOk(await implementation(services, ...checked.value))
  } catch (error) {
    return toFailure(error, services, channel)
  }
}

/** The handler map index.ts registers with ipcMain.handle, one per channel of the contract. */
export function createIpcHandlers(services: MainServices): Map<IpcChannel, (args: unknown[], senderUrl: string | undefined) => Promise<IpcResult<unknown>>> {
  return new Map(IPC_CHANNELS.map((channel) => [channel, (args: unknown[], senderUrl: string | undefined) => handleIpc(services, channel, args, senderUrl)]))
}
