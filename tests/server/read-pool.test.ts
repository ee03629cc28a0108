import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AppError } from '../../src/shared/errors'
import { openDatabase, type Db } from '../../src/server/db/open'
import { ReadPool } from '../../src/server/reads/pool'
import { CHROME_UA, createTestServer, createWebsiteV1, login, bearer, type TestServer } from '../helpers'

/**
 * Dashboard reads run on worker threads (src/server/reads/pool.ts): a read of a second must not hold up the
 * hits arriving meanwhile, errors keep their status across the thread boundary, and a dead worker costs one
 * read, not the server.
 */

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDb(): { db: Db; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dashi-reads-'))
  const file = join(dir, 'dashi.db')
  const db = openDatabase({ file })
  cleanups.push(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { db, file }
}

function pool(options: ConstructorParameters<typeof ReadPool>[0]): ReadPool {
  const p = new ReadPool(options)
  cleanups.push(() => p.close())
  return p
}

/** A user and a website (id 1) straight into the database. */
function addWebsite(db: Db): number {
  db.prepare("INSERT INTO account (user_uuid, username, password, role, created_at, updated_at) VALUES ('u1', 'owner', 'x', 'admin', 0, 0)").run()
  return Number(
    db.prepare("INSERT INTO website (website_uuid, user_id, name, domain, created_at, updated_at) VALUES ('11111111-1111-4111-8111-111111111111', 1, 'a', 'a.com', 0, 0)").run()
      .lastInsertRowid
  )
}

/** `rows` page views of one session, one a second back from `end`, with paths long enough to make a regex filter slow. */
function seedEvents(db: Db, websiteId: number, rows: number, end: number): void {
  db.prepare(`INSERT INTO session (session_uuid, website_id, created_at, browser, os, device, country)
    VALUES ('00000000-0000-4000-8000-000000000001', ?, ?, 'chrome', 'Linux', 'desktop', 'DE')`).run(websiteId, end - rows * 1000)
  const sessionId = db.prepare('SELECT session_id FROM session').pluck().get() as number
  db.prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
    INSERT INTO website_event (website_id, session_id, visit_id, created_at, event_type, url_path, hostname)
    SELECT ?, ?, 'v' || (i / 10), ? - i * 1000, 1, '/articles/' || (i % 997) || '/' || hex(randomblob(24)), 'example.com' FROM n`).run(
    rows,
    websiteId,
    sessionId,
    end
  )
}

describe('reads off the event loop', () => {
  /**
   * Starts a slow read (a regular-expression filter over 60 000 events), then sends a hit, and says which
   * answer came first. `readers: 0` runs the read on the main connection, the way Dashi did before the pool.
   */
  async function firstAnswer(readers: number): Promise<{ first: string; read: number; send: number }> {
    const server: TestServer = await createTestServer({ readers })
    cleanups.push(() => server.close())
    const token = await login(server.app)
    const site = await createWebsiteV1(server.app, token)
    const end = server.clock.now()
    seedEvents(server.db, site.website_id, 60_000, end)
    const order: string[] = []
    const read = server.app
      .inject({
        method: 'GET',
        url: `/api/websites/${site.website_uuid}/metrics?type=path&startAt=0&endAt=${end}&path=re.(a%2Bb%2B)%2Bc%7Cd(e%7Cf)%2Bg%24`,
        headers: bearer(token)
      })
      .then((res) => {
        order.push('read')
        return res
      })
    // Let the read reach its handler first.
    await new Promise((resolve) => setTimeout(resolve, 20))
    const send = server.app
      .inject({
        method: 'POST',
        url: '/api/send',
        headers: { 'user-agent': CHROME_UA },
        payload: { type: 'event', payload: { website: site.website_uuid, hostname: 'example.com', url: 'https://example.com/while-reading' } },
        remoteAddress: '8.8.8.8'
      })
      .then((res) => {
        order.push('send')
        return res
      })
    const [readRes, sendRes] = await Promise.all([read, send])
    expect(readRes.statusCode, readRes.body).toBe(200)
    expect(sendRes.statusCode, sendRes.body).toBe(200)
    return { first: order[0]!, read: readRes.json().length, send: sendRes.statusCode }
  }

  it('drops a waiting read whose client has gone, and goes on with the next', async () => {
    const server: TestServer = await createTestServer({ readers: 1 })
    cleanups.push(() => server.close())
    const token = await login(server.app)
    const site = await createWebsiteV1(server.app, token)
    const end = server.clock.now()
    seedEvents(server.db, site.website_id, 60_000, end)
    await server.app.listen({ port: 0, host: '127.0.0.1' })
    const address = server.app.server.address()
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/websites/${site.website_uuid}`
    const slow = (type: string) => `${base}/metrics?type=${type}&startAt=0&endAt=${end}&path=re.(a%2Bb%2B)%2Bc%7Cd(e%7Cf)%2Bg%24`
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    // The one worker is busy with a slow read; a second read waits behind it, and its client gives up.
    const first = fetch(slow('path'), { headers: bearer(token) })
    await wait(100)
    const abandoned = new AbortController()
    const second = fetch(slow('title'), { headers: bearer(token), signal: abandoned.signal }).catch((error: unknown) => error)
    await wait(100)
    abandoned.abort()
    expect((await first).status).toBe(200)
    expect(await second).toBeInstanceOf(Error)
    const after = await fetch(`${base}/stats?startAt=0&endAt=${end}`, { headers: bearer(token) })
    expect(after.status).toBe(200)
    expect(((await after.json()) as { pageviews: number }).pageviews).toBe(60_000)
    // The abandoned read never ran: the worker went from the first read to the stats.
    expect(server.app.ctx.reads.stats.dropped).toBe(1)
  })

  it('answers a hit while a slow dashboard read runs', async () => {
    const { first } = await firstAnswer(2)
    expect(first).toBe('send')
  })

  it('(control) with reads on the main connection the hit waits for the read', async () => {
    const { first } = await firstAnswer(0)
    expect(first).toBe('read')
  })
})

describe('ReadPool', () => {
  it('runs reads on a worker and sees what the writer committed before', async () => {
    const { db, file } = tempDb()
    const reads = pool({ file })
    const websiteId = addWebsite(db)
    expect(await reads.run('getDateRange', websiteId)).toEqual({ first: null, last: null })
    seedEvents(db, websiteId, 10, 50_000)
    expect(await reads.run('getDateRange', websiteId)).toEqual({ first: 40_000, last: 49_000 })
    expect(reads.threads).toBe(1)
  })

  it('ends a worker that stays idle, without counting it as a failure, and starts one again for the next read', async () => {
    const { db, file } = tempDb()
    const failures: Error[] = []
    const reads = pool({ file, idleMs: 300, onError: (e) => failures.push(e) })
    const websiteId = addWebsite(db)
    await reads.run('getDateRange', websiteId)
    const workerOf = () => (reads as unknown as { slots: { worker: object }[] }).slots[0]?.worker
    const first = workerOf()
    expect(first).toBeDefined()
    // A worker that keeps getting reads stays: reads 50 ms apart, for longer than the idle period.
    for (let i = 0; i < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      await reads.run('getDateRange', websiteId)
      expect(workerOf()).toBe(first)
    }
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(reads.threads).toBe(0)
    seedEvents(db, websiteId, 10, 50_000)
    expect(await reads.run('getDateRange', websiteId)).toEqual({ first: 40_000, last: 49_000 })
    expect(reads.threads).toBe(1)
    expect(failures).toEqual([])
    expect(reads.stats.failedWorkers).toBe(0)
  })

  it('keeps an AppError\'s status and message across the thread', async () => {
    const { file } = tempDb()
    const reads = pool({ file })
    const error = await reads
      .run('getMetrics', { websiteId: 1, start: 0, end: 1, selfDomain: null }, { filters: [], match: 'all' }, 'path', {
        limit: 10,
        offset: 0,
        search: 'a\u0000b'
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).status).toBe(400)
    expect((error as AppError).message).toMatch(/NUL/i)
  })

  it('answers 503 for the read of a worker that dies, and starts another for the next read', async () => {
    const { db, file } = tempDb()
    const failures: Error[] = []
    const reads = pool({ file, size: 1, onError: (e) => failures.push(e) })
    addWebsite(db)
    seedEvents(db, 1, 150_000, 200_000_000)
    await reads.run('getDateRange', 1)
    const slow = reads.run('getMetrics', { websiteId: 1, start: 0, end: 200_000_000, selfDomain: null }, { filters: [{ name: 'path', operator: 're', values: ['(a+b+)+c|d(e|f)+g$'] }], match: 'all' }, 'path', { limit: 10, offset: 0 })
    const worker = (reads as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0]!.worker
    await worker.terminate()
    const error = (await slow.catch((e: unknown) => e)) as AppError
    expect(error).toBeInstanceOf(AppError)
    expect(error.status).toBe(503)
    expect(failures).toHaveLength(1)
    expect(await reads.run('getDateRange', 1)).toEqual({ first: 200_000_000 - 150_000_000, last: 200_000_000 - 1000 })
    expect(reads.stats.failedWorkers).toBe(1)
  })

  it('lets a light read (the active-visitor poll) go ahead of breakdowns waiting for a thread', async () => {
    const { db, file } = tempDb()
    const reads = pool({ file, size: 1 })
    const websiteId = addWebsite(db)
    seedEvents(db, websiteId, 20_000, 100_000_000)
    const scope = { websiteId, start: 0, end: 100_000_000, selfDomain: null }
    await reads.run('getDateRange', websiteId) // the thread is up: the first table starts at once, the rest wait
    const order: string[] = []
    const track = (name: string, p: Promise<unknown>) => p.then(() => order.push(name))
    await Promise.all([
      track('table 1', reads.run('getMetrics', scope, { filters: [], match: 'all' }, 'path', { limit: 10, offset: 0 })),
      track('table 2', reads.run('getMetrics', scope, { filters: [], match: 'all' }, 'path', { limit: 11, offset: 0 })),
      track('table 3', reads.run('getMetrics', scope, { filters: [], match: 'all' }, 'path', { limit: 12, offset: 0 })),
      track('active', reads.run('getActiveVisitors', websiteId, 0, 100_000_000))
    ])
    expect(order).toEqual(['table 1', 'active', 'table 2', 'table 3'])
  })

  it('answers identical waiting reads with one run, each caller with its own copy and every hit written before it asked', async () => {
    const { db, file } = tempDb()
    const reads = pool({ file, size: 1 })
    const websiteId = addWebsite(db)
    seedEvents(db, websiteId, 20_000, 100_000_000)
    const scope = { websiteId, start: 0, end: 200_000_000, selfDomain: null }
    const none = { filters: [], match: 'all' as const }
    const table = (limit: number) => reads.run('getMetrics', scope, none, 'path', { limit, offset: 0 })
    await reads.run('getDateRange', websiteId) // the thread is up
    // The thread is busy with one table; while it runs, an event is written, then three users ask for the
    // same table and one for another.
    const busy = table(5)
    db.prepare(`INSERT INTO website_event (website_id, session_id, visit_id, created_at, event_type, url_path, hostname)
      VALUES (?, 1, 'late', 150000000, 1, '/-late', 'example.com')`).run(websiteId)
    const same = [table(2000), table(2000), table(2000)]
    const other = table(3)
    const [a, b, c] = await Promise.all(same)
    await Promise.all([busy, other])
    expect(reads.stats.joined).toBe(2)
    expect(a).toEqual(b)
    expect(a).toEqual(c)
    // The event written before they asked is in the answer they share (first by path, all having one visitor); each got its own rows.
    expect(a.some((row) => row.x === '/-late')).toBe(true)
    expect(a).not.toBe(b)
    a.length = 0
    expect(b.some((row) => row.x === '/-late')).toBe(true)
    expect((await other).length).toBe(3)
    expect(reads.stats.reads).toBe(6)
  })

  it('empties the WAL again and again while hits are written and reads overlap without a gap', async () => {
    // With the dashboard open during heavy ingest, SQLite's own checkpoints never got to empty the WAL, and
    // the WAL file grew by every page written (gigabytes within minutes of `npm run stress -- load`).
    const { db, file } = tempDb()
    const reads = pool({ file, size: 2, walCheckpointBytes: 2 * 1024 * 1024 })
    const websiteId = addWebsite(db)
    db.prepare(`INSERT INTO session (session_uuid, website_id, created_at, browser, os, device, country)
      VALUES ('00000000-0000-4000-8000-000000000001', ?, 0, 'chrome', 'Linux', 'desktop', 'DE')`).run(websiteId)
    // 500 page views with random paths and titles (pages of every index change), in one transaction.
    const write = db.prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
      INSERT INTO website_event (website_id, session_id, visit_id, created_at, event_type, url_path, page_title, hostname)
      SELECT ?, 1, 'v' || i, ? + i, 1, '/p/' || hex(randomblob(16)), hex(randomblob(400)), 'example.com' FROM n`)
    write.run(websiteId, 0)
    const scope = { websiteId, start: 0, end: Number.MAX_SAFE_INTEGER, selfDomain: null }
    let writing = true
    let answered = 0
    // Three users' breakdowns back to back on two threads: one is always running and one waiting.
    const reader = async () => {
      while (writing) {
        const rows = await reads.run('getMetrics', scope, { filters: [], match: 'all' }, 'path', { limit: 10, offset: 0 })
        expect(rows.length).toBeGreaterThan(0)
        answered++
      }
    }
    const readers = [reader(), reader(), reader()]
    // The WAL file's size after each write: it shrinks only when a checkpoint empties it.
    const sizes: number[] = []
    for (let i = 1; i <= 150; i++) {
      write.run(websiteId, i * 1000)
      sizes.push(statSync(`${file}-wal`).size)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    writing = false
    await Promise.all(readers)
    expect(answered).toBeGreaterThan(10)
    expect(sizes.some((size, i) => i > 0 && size < sizes[i - 1]!)).toBe(true)
    expect(reads.stats.checkpoints).toBeGreaterThan(0)
  })

  it('fails reads with 503 naming the cause when the database cannot be opened, and closes cleanly', async () => {
    const failures: Error[] = []
    const reads = pool({ file: join(tmpdir(), 'dashi-no-such-dir', 'missing.db'), size: 1, onError: (e) => failures.push(e) })
    const error = (await reads.run('getDateRange', 1).catch((e: unknown) => e)) as AppError
    expect(error.status).toBe(503)
    expect(error.message).toMatch(/database/)
    expect(failures.length).toBeGreaterThan(0)
    await reads.close()
    const after = (await reads.run('getDateRange', 1).catch((e: unknown) => e)) as AppError
    expect(after.status).toBe(503)
    expect(after.message).toMatch(/shutting down/)
  })

  it('answers waiting reads 503 on close and leaves no thread running', async () => {
    const { db, file } = tempDb()
    const reads = pool({ file, size: 1 })
    addWebsite(db)
    const pending = [reads.run('getDateRange', 1), reads.run('getDateRange', 1), reads.run('getDateRange', 1)].map((p) => p.catch((e: unknown) => e))
    await reads.close()
    const results = await Promise.all(pending)
    expect(results.some((r) => r instanceof AppError && r.status === 503)).toBe(true)
    expect(reads.threads).toBe(0)
  })
})
