import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIpcHandlers, handleIpc, type MainServices } from '../../src/main/ipc-handlers'
import { ServerController } from '../../src/main/server-controller'
import { DEFAULT_SETTINGS, SETTINGS_FILE, SettingsStore } from '../../src/main/settings'
import { appOriginOf } from '../../src/main/guard'
import { IPC_CHANNELS, type ServerStatus, type SettingsChange } from '../../src/shared/ipc'
import { changeAdminPassword, tempUserData } from './main-helpers'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Real stores and a real server in a temp user data dir; only the OS dialogs and browser are recorded. */
async function setup(options: { start?: boolean } = {}) {
  const userData = tempUserData()
  cleanups.push(userData.remove)
  const settings = new SettingsStore(userData.dir)
  settings.update({ port: 0 })
  const server = new ServerController({ userDataDir: userData.dir })
  cleanups.push(() => server.stop())
  const opened: string[] = []
  const changes: SettingsChange[] = []
  const restarts: ServerStatus[] = []
  const errors: unknown[] = []
  const services: MainServices = {
    userDataDir: userData.dir,
    settings,
    server,
    openExternal: async (url) => void opened.push(url),
    chooseDirectory: async () => '/chosen/dir',
    versions: () => ({ app: '0.1.0', electron: '45.5.0', chrome: '140', node: '22', platform: 'linux' }),
    onSettingsChanged: (change) => changes.push(change),
    onServerRestarted: (status) => restarts.push(status),
    appOrigin: () => (server.status().url ? appOriginOf(server.status().url!) : null),
    log: (_message, error) => errors.push(error)
  }
  if (options.start !== false) await server.start(settings.get())
  const origin = services.appOrigin() ?? 'http://127.0.0.1:1'
  const call = (channel: string, ...args: unknown[]) => handleIpc(services, channel, args, `${origin}/settings`)
  return { services, settings, server, userData: userData.dir, opened, changes, restarts, errors, call, origin }
}

describe('IPC handlers', () => {
  it('has a handler for every channel of the contract', async () => {
    const { services } = await setup({ start: false })
    expect([...createIpcHandlers(services).keys()]).toEqual([...IPC_CHANNELS])
  })

  it('answers only the dashboard: other origins and unknown channels get an error envelope', async () => {
    const { services, origin } = await setup()
    expect(await handleIpc(services, 'settings:get', [], 'https://evil.example/')).toEqual({
      ok: false,
      error: { code: 'denied', message: 'Only the Dashi dashboard may use this channel.' }
    })
    expect(await handleIpc(services, 'settings:get', [], undefined)).toMatchObject({ ok: false, error: { code: 'denied' } })
    expect(await handleIpc(services, 'fs:readFile', ['/etc/passwd'], `${origin}/`)).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/Unknown channel/) } })
  })

  it('settings: get, set (validated, persisted), and the change is announced', async () => {
    const { call, changes, userData } = await setup()
    expect(await call('settings:get')).toEqual({ ok: true, data: { ...DEFAULT_SETTINGS, port: 0 } })
    const set = await call('settings:set', { theme: 'dark', launchAtLogin: true })
    expect(set).toEqual({ ok: true, data: { settings: { ...DEFAULT_SETTINGS, port: 0, theme: 'dark', launchAtLogin: true }, restartNeeded: false } })
    expect(changes).toHaveLength(1)
    expect(JSON.parse(readFileSync(join(userData, SETTINGS_FILE), 'utf8'))).toMatchObject({ theme: 'dark', launchAtLogin: true })
    expect(await call('settings:set', { port: 'x' })).toEqual({ ok: false, error: { code: 'bad-request', message: 'settings:set: port must be a whole number from 0 to 65535 (0 picks a free port).' } })
    expect(await call('settings:set', { port: 8123 })).toMatchObject({ ok: true, data: { restartNeeded: true } })
  })

  it('opening to the LAN is refused until the admin password changes, then applies on restart', async () => {
    const { call, server, settings, restarts } = await setup()
    const refused = await call('settings:set', { host: '0.0.0.0' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'denied', message: expect.stringMatching(/admin password is changed/) } })
    expect(settings.get().host).toBe('127.0.0.1')

    await changeAdminPassword(server.running!.app)
    expect(await call('settings:set', { host: '0.0.0.0' })).toMatchObject({ ok: true, data: { restartNeeded: true } })
    const restarted = await call('server:restart')
    expect(restarted).toMatchObject({ ok: true, data: { running: true, host: '0.0.0.0' } })
    expect(restarts).toHaveLength(1)
  })

  it('server:status says where the server is; a busy port comes back with a free one to use', async () => {
    const { call, settings } = await setup()
    const status = await call('server:status')
    expect(status).toMatchObject({ ok: true, data: { running: true, activeVisitors: 0, problem: null } })

    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)))
    const busy = (blocker.address() as { port: number }).port

    const check = await call('server:checkPort', busy)
    expect(check).toMatchObject({ ok: true, data: { port: busy, host: '127.0.0.1', free: false, suggestion: expect.any(Number) } })
    // Our own server's port is not "busy" for keeping it.
    const own = (status as { data: ServerStatus }).data.port
    expect(await call('server:checkPort', own)).toMatchObject({ ok: true, data: { free: true, suggestion: null } })

    settings.update({ port: busy })
    const restarted = await call('server:restart')
    expect(restarted).toMatchObject({ ok: true, data: { running: false, problem: { code: 'port-busy', suggestedPort: expect.any(Number) } } })
  })

  it('opens only http(s) links in the browser', async () => {
    const { call, opened } = await setup()
    expect(await call('shell:openExternal', 'https://umami.is/docs')).toEqual({ ok: true, data: { opened: true } })
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://u:p@example.com']) {
      expect(await call('shell:openExternal', url), url).toMatchObject({ ok: false, error: { code: 'denied' } })
    }
    expect(opened).toEqual(['https://umami.is/docs'])
  })

  it('versions and the folder picker go through the same envelope', async () => {
    const { call } = await setup()
    expect(await call('app:versions')).toMatchObject({ ok: true, data: { electron: '45.5.0' } })
    expect(await call('dialog:chooseDataDir')).toEqual({ ok: true, data: { path: '/chosen/dir' } })
    expect(await call('dialog:chooseDataDir', '/etc')).toMatchObject({ ok: false, error: { code: 'bad-request' } })
  })

  it('an unexpected failure is an internal error without details; the log gets the error', async () => {
    const { services, call, errors } = await setup()
    services.chooseDirectory = async () => {
      throw new Error('secret internal path /root/x')
    }
    const result = await call('dialog:chooseDataDir')
    expect(result).toEqual({ ok: false, error: { code: 'internal', message: 'dialog:chooseDataDir failed unexpectedly; see the log.' } })
    expect(errors).toHaveLength(1)
  })

  it('a settings file that cannot be written is reported, not thrown', async () => {
    const { call, settings } = await setup()
    // Replace the settings file's directory entry with a directory: the rename over it fails.
    const { rmSync, mkdirSync } = await import('node:fs')
    rmSync(settings.file)
    mkdirSync(join(settings.file, 'blocker'), { recursive: true })
    const result = await call('settings:set', { theme: 'light' })
    expect(result).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/could not be saved/) } })
    expect(settings.get().theme).toBe('system')
    expect(existsSync(settings.file)).toBe(true)
  })
})
