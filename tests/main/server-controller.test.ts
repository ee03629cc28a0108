import { createServer, type Server } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ServerController } from '../../src/main/server-controller'
import { DEFAULT_SETTINGS } from '../../src/main/settings'
import { openDatabase } from '../../src/server/db/open'
import type { DesktopSettings } from '../../src/shared/ipc'
import { collectV1, CHROME_UA, createWebsiteV1, login } from '../helpers'
import { changeAdminPassword, tempUserData } from './main-helpers'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function controller() {
  const userData = tempUserData()
  const server = new ServerController({ userDataDir: userData.dir })
  cleanups.push(userData.remove, () => server.stop())
  return { server, userData: userData.dir }
}

async function occupy(): Promise<number> {
  const blocker: Server = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
  return (blocker.address() as { port: number }).port
}

const settings = (patch: Partial<DesktopSettings> = {}): DesktopSettings => ({ ...DEFAULT_SETTINGS, port: 0, ...patch })

describe('embedded server lifecycle', () => {
  it('starts the real server (same startServer as web mode) and serves the API over HTTP', async () => {
    const { server, userData } = controller()
    const status = await server.start(settings())
    expect(status).toMatchObject({ running: true, host: '127.0.0.1', dataDir: userData, activeVisitors: 0, problem: null })
    expect(status.url).toBe(`http://127.0.0.1:${status.port}`)
    const res = await fetch(`${status.url}/api/heartbeat`)
    expect(res.status).toBe(200)
  })

  it('a busy port is reported with a free one offered, and starting on the offered port works', async () => {
    const { server } = controller()
    const busy = await occupy()
    const status = await server.start(settings({ port: busy }))
    expect(status.running).toBe(false)
    expect(status.url).toBeNull()
    expect(status.problem).toMatchObject({ code: 'port-busy', suggestedPort: expect.any(Number) })
    expect(status.problem!.message).toMatch(new RegExp(`Port ${busy} on 127.0.0.1 is already in use.*Port ${status.problem!.suggestedPort} is free`))
    const retry = await server.start(settings({ port: status.problem!.suggestedPort! }))
    expect(retry).toMatchObject({ running: true, port: status.problem!.suggestedPort, problem: null })
  })

  it('refuses the LAN while the admin password is the default, and allows it once changed', async () => {
    const { server } = controller()
    const refused = await server.start(settings({ host: '0.0.0.0' }))
    expect(refused.running).toBe(false)
    expect(refused.problem).toMatchObject({ code: 'lan-refused' })
    expect(refused.problem!.message).toMatch(/default password/)

    const local = await server.restart(settings())
    expect(local.running).toBe(true)
    await changeAdminPassword(server.running!.app)
    const lan = await server.restart(settings({ host: '0.0.0.0' }))
    expect(lan).toMatchObject({ running: true, host: '0.0.0.0', problem: null })
  })

  it('a data directory that cannot be used is a start failure in words, not a crash', async () => {
    const { server, userData } = controller()
    // Missing directories are created; a path below a plain file cannot be.
    writeFileSync(join(userData, 'plain-file'), 'x')
    const bad = await server.start(settings({ dataDir: join(userData, 'plain-file', 'data') }))
    expect(bad.running).toBe(false)
    expect(bad.problem).toMatchObject({ code: 'start-failed', message: expect.stringMatching(/ENOTDIR|not a directory/) })
  })

  it('counts active visitors from the live database', async () => {
    const { server } = controller()
    await server.start(settings())
    const app = server.running!.app
    const website = await createWebsiteV1(app, await login(app))
    for (const ip of ['203.0.113.1', '203.0.113.2']) {
      const res = await collectV1(app, website.website_uuid, { ip, ua: CHROME_UA })
      expect(res.statusCode).toBe(200)
    }
    expect(server.activeVisitors()).toBe(2)
    expect(server.status().activeVisitors).toBe(2)
  })

  it('stop flushes acknowledged hits and closes the database; restart changes port', async () => {
    const { server, userData } = controller()
    const first = await server.start(settings())
    const app = server.running!.app
    const website = await createWebsiteV1(app, await login(app))
    const res = await collectV1(app, website.website_uuid, { ip: '203.0.113.9', ua: CHROME_UA })
    expect(res.statusCode).toBe(200)
    const second = await server.restart(settings())
    expect(second.running).toBe(true)
    expect(second.url).not.toBeNull()
    await server.stop()
    expect(server.status()).toMatchObject({ running: false, url: null })
    expect(server.activeVisitors()).toBeNull()
    // Reopened from the file: the hit acknowledged before the restart is there.
    const db = openDatabase({ file: join(userData, 'dashi.db') })
    try {
      expect(db.prepare('SELECT count(*) FROM website_event').pluck().get()).toBe(1)
    } finally {
      db.close()
    }
    expect(first.port).toBeGreaterThan(0)
  })

  it('restarts asked twice at once run one after the other (one server, not two)', async () => {
    const { server } = controller()
    await server.start(settings())
    const [a, b] = await Promise.all([server.restart(settings()), server.restart(settings())])
    expect(a.running && b.running).toBe(true)
    expect(server.status().url).toBe(b.url)
    // The first restart's server is closed: its port no longer answers.
    if (a.url !== b.url) await expect(fetch(`${a.url}/api/heartbeat`)).rejects.toThrow()
  })
})
