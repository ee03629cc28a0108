import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkHost, checkSettings, IPC_CHANNELS, ipcFail, ipcOk, isIpcChannel, validateIpcArgs, wireChannel } from '../../src/shared/ipc'

describe('IPC contract', () => {
  it('lists each channel once, and names them apart from other ipcMain users', () => {
    expect(new Set(IPC_CHANNELS).size).toBe(IPC_CHANNELS.length)
    expect(IPC_CHANNELS).toContain('settings:get')
    expect(IPC_CHANNELS).toContain('server:status')
    expect(wireChannel('settings:get')).toBe('dashi:settings:get')
    expect(isIpcChannel('settings:get')).toBe(true)
    expect(isIpcChannel('settings:delete')).toBe(false)
    expect(isIpcChannel({})).toBe(false)
  })

  it('the preload generates its functions from the channel list, exposing nothing else of Electron', () => {
    const preload = readFileSync(new URL('../../src/preload/index.ts', import.meta.url), 'utf8')
    expect(preload).toMatch(/IPC_CHANNELS\.map/)
    expect(preload).toMatch(/exposeInMainWorld\('dashi'/)
    // No generic send/on, no raw ipcRenderer handed to the page.
    expect(preload).not.toMatch(/ipcRenderer\.(send|on|sendSync)\b/)
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/)
  })

  it('envelopes results', () => {
    expect(ipcOk(3)).toEqual({ ok: true, data: 3 })
    expect(ipcFail('bad-request', 'no')).toEqual({ ok: false, error: { code: 'bad-request', message: 'no' } })
  })

  it('channels without arguments refuse any', () => {
    for (const channel of ['settings:get', 'server:status', 'server:restart', 'app:versions', 'dialog:chooseDataDir'] as const) {
      expect(validateIpcArgs(channel, [])).toEqual({ ok: true, value: [] })
      expect(validateIpcArgs(channel, [1]).ok).toBe(false)
    }
  })

  it('settings:set accepts known, valid fields and names what is wrong otherwise', () => {
    expect(validateIpcArgs('settings:set', [{ port: 8080, theme: 'dark' }])).toEqual({ ok: true, value: [{ port: 8080, theme: 'dark' }] })
    expect(validateIpcArgs('settings:set', [{ host: '[::1]' }])).toEqual({ ok: true, value: [{ host: '::1' }] })
    const cases: [unknown, RegExp][] = [
      [{ port: 70000 }, /port must be a whole number/],
      [{ port: '8080' }, /port/],
      [{ port: 1.5 }, /port/],
      [{ host: 'example.com' }, /IP address/],
      [{ host: '999.1.1.1' }, /IP address/],
      [{ dataDir: 'relative/dir' }, /absolute/],
      [{ theme: 'pink' }, /theme must be one of/],
      [{ launchAtLogin: 'yes' }, /true or false/],
      [{ admin: true }, /unknown setting "admin"/],
      [null, /must be an object/],
      [[1], /must be an object/]
    ]
    for (const [patch, message] of cases) {
      const result = validateIpcArgs('settings:set', [patch])
      expect(result.ok, JSON.stringify(patch)).toBe(false)
      if (!result.ok) expect(result.message).toMatch(message)
    }
    expect(validateIpcArgs('settings:set', []).ok).toBe(false)
  })

  it('accepts the bind addresses people use and refuses names', () => {
    for (const host of ['127.0.0.1', '0.0.0.0', '::', '::1', 'fe80::1', '192.168.1.20', 'localhost', '::ffff:127.0.0.1']) expect(checkHost(host).ok, host).toBe(true)
    for (const host of ['', 'my-laptop', '1.2.3', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', 42]) expect(checkHost(host).ok, String(host)).toBe(false)
  })

  it('a settings file must be complete', () => {
    expect(checkSettings({ port: 1, host: '127.0.0.1', dataDir: null, launchAtLogin: false, theme: 'system' }).ok).toBe(true)
    const partial = checkSettings({ port: 1 })
    expect(partial.ok).toBe(false)
    if (!partial.ok) expect(partial.message).toMatch(/missing settings: host, dataDir, launchAtLogin, theme/)
  })

  it('server:checkPort takes a port and an optional host', () => {
    expect(validateIpcArgs('server:checkPort', [8080])).toEqual({ ok: true, value: [8080] })
    expect(validateIpcArgs('server:checkPort', [8080, '0.0.0.0'])).toEqual({ ok: true, value: [8080, '0.0.0.0'] })
    expect(validateIpcArgs('server:checkPort', [-1]).ok).toBe(false)
    expect(validateIpcArgs('server:checkPort', [8080, 'nowhere']).ok).toBe(false)
    expect(validateIpcArgs('server:checkPort', []).ok).toBe(false)
  })

  it('shell:openExternal takes one text argument (the URL rule itself is the guard\'s)', () => {
    expect(validateIpcArgs('shell:openExternal', ['https://umami.is']).ok).toBe(true)
    expect(validateIpcArgs('shell:openExternal', [{ href: 'x' }]).ok).toBe(false)
    expect(validateIpcArgs('shell:openExternal', ['x'.repeat(5000)]).ok).toBe(false)
  })
})
