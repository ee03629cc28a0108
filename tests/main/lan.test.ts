import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../src/server/db/open'
import { afterEach, describe, expect, it } from 'vitest'
import { checkBindAddress, checkBindAddressForDataDir } from '../../src/main/lan'
import { createTestServer, type TestServer } from '../helpers'
import { changeAdminPassword, tempUserData } from './main-helpers'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('opening to the LAN', () => {
  it('loopback addresses are always allowed', async () => {
    server = await createTestServer()
    for (const host of ['127.0.0.1', '::1', 'localhost', '127.0.0.2']) expect(await checkBindAddress(host, server.db), host).toEqual({ allowed: true })
  })

  it('any other address needs the admin password changed first', async () => {
    server = await createTestServer()
    for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
      const check = await checkBindAddress(host, server.db)
      expect(check.allowed, host).toBe(false)
      if (!check.allowed) expect(check.message).toMatch(new RegExp(`listen on ${host.replace(/\./g, '\\.')}.*default password "umami"`))
    }
    await changeAdminPassword(server.app)
    expect(await checkBindAddress('0.0.0.0', server.db)).toEqual({ allowed: true })
  })

  it('a data directory that is not open is checked by opening it briefly; a new one has the default admin', async () => {
    server = await createTestServer()
    await changeAdminPassword(server.app)
    // The test server's directory, read through a second connection.
    expect(await checkBindAddressForDataDir('0.0.0.0', server.dir)).toEqual({ allowed: true })
    const fresh = tempUserData()
    try {
      const check = await checkBindAddressForDataDir('0.0.0.0', fresh.dir)
      expect(check.allowed).toBe(false)
      expect(existsSync(join(fresh.dir, 'dashi.db'))).toBe(false)
      // An existing database without accounts (first start not finished) counts as default too.
      const empty = openDatabase({ file: join(fresh.dir, 'dashi.db') })
      expect((await checkBindAddress('0.0.0.0', empty)).allowed).toBe(false)
      empty.close()
      expect(await checkBindAddressForDataDir('127.0.0.1', join(fresh.dir, 'never-created'))).toEqual({ allowed: true })
    } finally {
      fresh.remove()
    }
  })
})
