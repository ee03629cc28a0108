import { describe, expect, it } from 'vitest'
import { countActiveVisitors, createActivePoller, trayLabel, trayTitle, trayTooltip, type Timers } from '../../src/main/tray'
import { trayIconBitmap } from '../../src/main/tray-icon'
import { bearer, createTestServer, login, TestClock } from '../helpers'
import { writeHits } from '../current-helpers'
import { createWebsite } from '../../src/server/queries/websites'

/** A timer queue the test advances by hand, so polling is checked without waiting. */
function manualTimers() {
  const pending = new Map<number, { at: number; run: () => void }>()
  let now = 0
  let next = 1
  const timers: Timers = {
    setTimeout: (run, ms) => {
      pending.set(next, { at: now + ms, run })
      return next++
    },
    clearTimeout: (handle) => void pending.delete(handle as number)
  }
  return {
    timers,
    pendingCount: () => pending.size,
    async advance(ms: number) {
      now += ms
      for (const [id, timer] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > now) continue
        pending.delete(id)
        timer.run()
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('tray text', () => {
  it('says the count in words, and when it cannot', () => {
    expect(trayLabel(0)).toBe('No active visitors')
    expect(trayLabel(1)).toBe('1 active visitor')
    expect(trayLabel(12)).toBe('12 active visitors')
    expect(trayLabel(null)).toBe('Active visitors unknown')
    expect(trayLabel(5, false)).toBe('Server stopped')
    expect(trayTitle(3)).toBe('3')
    expect(trayTitle(0)).toBe('')
    expect(trayTitle(3, false)).toBe('')
  })

  it('the tooltip names the address, or the problem', () => {
    expect(trayTooltip({ running: true, url: 'http://127.0.0.1:7365', activeVisitors: 2, problem: null })).toBe('Dashi: 2 active visitors\nhttp://127.0.0.1:7365')
    expect(trayTooltip({ running: false, url: null, activeVisitors: 0, problem: { code: 'port-busy', message: 'Port 7365 is in use.' } })).toBe(
      'Dashi: server stopped (Port 7365 is in use.)'
    )
  })

  it('draws a visible icon of the requested size', () => {
    const bitmap = trayIconBitmap(16)
    expect(bitmap.length).toBe(16 * 16 * 4)
    const opaque = [...Array(256).keys()].filter((i) => bitmap[i * 4 + 3] === 0xff).length
    expect(opaque).toBeGreaterThan(30)
    expect(opaque).toBeLessThan(200)
    expect(trayIconBitmap(32).length).toBe(32 * 32 * 4)
  })
})

describe('active-visitor polling', () => {
  it('reads at start and every interval, and reports only changes', async () => {
    const clock = manualTimers()
    const values = [3, 3, 4, null, 0]
    const seen: (number | null)[] = []
    const poller = createActivePoller({ read: () => (values.length > 0 ? values.shift()! : 0), onChange: (c) => seen.push(c), intervalMs: 5000, timers: clock.timers })
    poller.start()
    await settle()
    expect(seen).toEqual([3])
    await clock.advance(4999)
    expect(seen).toEqual([3])
    await clock.advance(1)
    expect(seen).toEqual([3]) // 3 again: no redraw
    await clock.advance(5000)
    await clock.advance(5000)
    await clock.advance(5000)
    expect(seen).toEqual([3, 4, null, 0])
    poller.stop()
    expect(clock.pendingCount()).toBe(0)
  })

  it('a failing read shows "unknown" and polling goes on', async () => {
    const clock = manualTimers()
    let fail = true
    const seen: (number | null)[] = []
    const poller = createActivePoller({
      read: async () => {
        if (fail) throw new Error('database is locked')
        return 2
      },
      onChange: (c) => seen.push(c),
      timers: clock.timers
    })
    poller.start()
    await settle()
    fail = false
    await clock.advance(5000)
    expect(seen).toEqual([null, 2])
    poller.stop()
  })

  it('a slow read never overlaps the next one; stop() during a read leaves no timer', async () => {
    const clock = manualTimers()
    let inFlight = 0
    let maxInFlight = 0
    let release: (() => void) | undefined
    const poller = createActivePoller({
      read: () =>
        new Promise<number>((resolve) => {
          inFlight++
          maxInFlight = Math.max(maxInFlight, inFlight)
          release = () => {
            inFlight--
            resolve(1)
          }
        }),
      onChange: () => {},
      timers: clock.timers
    })
    poller.start()
    await clock.advance(60_000) // nothing scheduled while the first read hangs
    expect(clock.pendingCount()).toBe(0)
    poller.stop()
    release!()
    await settle()
    expect(maxInFlight).toBe(1)
    expect(clock.pendingCount()).toBe(0)
  })
})

describe('active visitors in the local database', () => {
  it('counts visitors of the last five minutes over every website, as each website\'s "active now" does', async () => {
    const clock = new TestClock()
    const server = await createTestServer({}, clock)
    try {
      const now = clock.now()
      const a = createWebsite(server.db, { name: 'A', domain: 'a.example', userId: 1, shareId: null, now })
      const b = createWebsite(server.db, { name: 'B', domain: 'b.example', userId: 1, shareId: null, now })
      expect(countActiveVisitors(server.db, now)).toBe(0)
      await writeHits(server, [
        { websiteId: a.website_id, at: now - 60_000, session: 'ann' },
        { websiteId: a.website_id, at: now - 30_000, session: 'ann' },
        { websiteId: a.website_id, at: now - 10_000, session: 'bob' },
        { websiteId: b.website_id, at: now - 120_000, session: 'cid' },
        { websiteId: b.website_id, at: now - 6 * 60_000, session: 'old' }
      ])
      expect(countActiveVisitors(server.db, now)).toBe(3)
      // The dashboard's own numbers, over the API: the tray's total is their sum.
      const token = await login(server.app)
      const active = async (uuid: string) =>
        (await server.app.inject({ method: 'GET', url: `/api/websites/${uuid}/active`, headers: bearer(token) })).json().visitors as number
      expect((await active(a.website_uuid)) + (await active(b.website_uuid))).toBe(3)
    } finally {
      await server.close()
    }
  })
})
