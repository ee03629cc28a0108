import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ApiError, createAnalyticsApi, type AnalyticsApi } from '../../src/shared/api/client'
import type { HousekeepingStatus } from '../../src/shared/api/types'
import { writeHits } from '../current-helpers'
import { createTestServer, type TestServer } from '../helpers'

// Contract: the AnalyticsApi client's retention and upkeep methods against our own server over real
// HTTP, so the shared HousekeepingStatus type and the server's replies cannot drift apart.

const DAY = 86_400_000

let server: TestServer
let token: string | null = null
let api: AnalyticsApi

beforeAll(async () => {
  server = await createTestServer()
  server.clock.set('2026-06-15T12:00:00Z')
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  api = createAnalyticsApi({ baseUrl: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`, getToken: () => token })
  token = (await api.login('admin', 'umami')).token
})

afterAll(async () => {
  await server.close()
})

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

/** Asks until no run goes on (runs are in the background on the server). */
async function settled(): Promise<HousekeepingStatus> {
  for (let i = 0; i < 500; i++) {
    const status = await api.getHousekeeping()
    if (status.running === null) return status
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('housekeeping did not finish')
}

const eventCount = () => server.db.prepare('SELECT COUNT(*) FROM website_event').pluck().get() as number

describe('the housekeeping methods of the AnalyticsApi client', () => {
  test('read the status, set a retention that deletes older events, and report the run', async () => {
    const initial = await api.getHousekeeping()
    expect(initial).toMatchObject({ retentionMonths: null, running: null, lastRun: null })
    expect(initial.database.bytes).toBeGreaterThan(0)
    expect(initial.database.freeBytes).toBeGreaterThanOrEqual(0)

    const website = await api.createWebsite({ name: 'Kept', domain: 'kept.example' })
    const websiteId = server.db.prepare('SELECT website_id FROM website WHERE website_uuid = ?').pluck().get(website.id) as number
    const now = server.clock.now()
    await writeHits(server, [
      { websiteId, at: now - 125 * DAY, session: 'old', path: '/old' },
      { websiteId, at: now - DAY, session: 'new', path: '/new' }
    ])

    const saved = await api.setRetention(3)
    expect(saved.retentionMonths).toBe(3)
    expect(saved.running).toBe('purge')
    const done = await settled()
    expect(done.lastRun).toMatchObject({ kind: 'purge', cutoff: Date.parse('2026-03-15T12:00:00Z'), events: 1, sessions: 1, error: null })
    expect(eventCount()).toBe(1)

    const again = await api.purgeNow()
    expect(again.retentionMonths).toBe(3)
    expect((await settled()).lastRun).toMatchObject({ kind: 'purge', events: 0, sessions: 0 })

    const compacting = await api.compactDatabase()
    expect(compacting.running).toBe('compact')
    expect((await settled()).lastRun).toMatchObject({ kind: 'compact', error: null })

    expect((await api.setRetention(null)).retentionMonths).toBeNull()
    expect(eventCount()).toBe(1)
  })

  test('reject a period out of range with the server’s message, and a user who is not an admin', async () => {
    const bad = await apiError(api.setRetention(0))
    expect(bad.status).toBe(400)
    expect(bad.message).toMatch(/retentionMonths must be a whole number of months from 1 to 120/)

    await api.createUser({ username: 'plain', password: 'plain-pass-1', role: 'user' })
    const adminToken = token
    token = (await api.login('plain', 'plain-pass-1')).token
    try {
      const refused = await apiError(api.getHousekeeping())
      expect(refused.status).toBe(403)
      expect(refused.message).toBe('Only admins can change data retention and database upkeep.')
      expect((await apiError(api.compactDatabase())).status).toBe(403)
    } finally {
      token = adminToken
    }
  })
})
