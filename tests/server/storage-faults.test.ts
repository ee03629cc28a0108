import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { resolveConfig } from '../../src/server/config'
import { bundledMigrations, migrate } from '../../src/server/db/migrate'
import { DATABASE_FILE, startServer, type RunningServer } from '../../src/server/server'
import { bearer, CHROME_UA, login } from '../helpers'
import { ensureBuilt, SERVER_ENTRY } from '../stress/crash.mjs'

// Storage faults (issue 7, item 7), on real files and real file systems: what the user sees when the database
// file is read-only, the disk is full, the file is damaged, or its schema is older or newer than the code.
// The server runs in this process through the same startServer() as `npm run serve` (cli.ts prints the
// error's message as "Dashi could not start: …" and exits 1).
//
// These tests run as root, which ignores file permissions: "read-only" is made with the immutable flag
// (chattr +i) and with a tmpfs remounted read-only, and "disk full" with a small tmpfs. Where mount or
// chattr are not available (not root, no CAP_SYS_ADMIN), those tests are skipped with the reason.

const dirs: string[] = []
const mounts: string[] = []
const immutable: string[] = []

const sh = (command: string, args: string[]) => spawnSync(command, args, { encoding: 'utf8' })

function tempDir(prefix = 'dashi-faults-') {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

/** A tmpfs of `size` (e.g. "4m") on a fresh directory; unmounted in afterAll. */
function mountTmpfs(size: string): string {
  const dir = tempDir('dashi-tmpfs-')
  const result = sh('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir])
  if (result.status !== 0) throw new Error(`mount -t tmpfs failed: ${result.stderr}`)
  mounts.push(dir)
  return dir
}

function remount(dir: string, mode: 'ro' | 'rw') {
  const result = sh('mount', ['-o', `remount,${mode}`, dir])
  if (result.status !== 0) throw new Error(`mount -o remount,${mode} failed: ${result.stderr}`)
}

function setImmutable(file: string, on: boolean) {
  const result = sh('chattr', [on ? '+i' : '-i', file])
  if (result.status !== 0) throw new Error(`chattr failed: ${result.stderr}`)
  if (on) immutable.push(file)
  else immutable.splice(immutable.indexOf(file), 1)
}

/** Whether this machine lets the tests mount a tmpfs and set the immutable flag (root with CAP_SYS_ADMIN). */
function probeFileSystemTools(): { mount: string | null; chattr: string | null } {
  if (process.platform !== 'linux') return { mount: 'not Linux', chattr: 'not Linux' }
  let mountReason: string | null = null
  let chattrReason: string | null = null
  const dir = mkdtempSync(join(tmpdir(), 'dashi-probe-'))
  try {
    const mounted = sh('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir])
    if (mounted.status !== 0) mountReason = `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || '').trim()})`
    else sh('umount', [dir])
    const file = join(dir, 'f')
    writeFileSync(file, 'x')
    const set = sh('chattr', ['+i', file])
    if (set.status !== 0) chattrReason = `cannot set the immutable flag here (${(set.stderr || set.error?.message || '').trim()})`
    else sh('chattr', ['-i', file])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return { mount: mountReason, chattr: chattrReason }
}
const unavailable = probeFileSystemTools()

afterAll(() => {
  for (const file of [...immutable]) sh('chattr', ['-i', file])
  for (const dir of mounts.reverse()) sh('umount', ['-l', dir])
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

let running: RunningServer | undefined
afterEach(async () => {
  await running?.close().catch(() => {})
  running = undefined
})

const start = (dataDir: string) => startServer({ ...resolveConfig([], {}), dataDir, port: 0, host: '127.0.0.1' }, { logger: false })

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

/** A data directory with a database that holds a website and `hits` acknowledged pageviews; the server is closed. */
async function populatedDataDir(dataDir = tempDir(), hits = 20): Promise<{ dataDir: string; file: string; websiteUuid: string }> {
  const server = await start(dataDir)
  let websiteUuid: string
  try {
    const token = await login(server.app)
    const website = await server.app.inject({ method: 'POST', url: '/api/website', headers: bearer(token), payload: { name: 'Kept', domain: 'kept.example' } })
    websiteUuid = website.json().website_uuid as string
    for (let i = 0; i < hits; i++) expect((await collect(server, websiteUuid, `before-${i}`)).statusCode).toBe(200)
  } finally {
    await server.close()
  }
  return { dataDir, file: join(dataDir, DATABASE_FILE), websiteUuid }
}

/** A v1 pageview whose URL carries `id`, so that the test can look for it in the database. */
function collect(server: RunningServer, websiteUuid: string, id: string) {
  return server.app.inject({
    method: 'POST',
    url: '/api/collect',
    headers: { 'user-agent': CHROME_UA },
    payload: { type: 'pageview', payload: { website: websiteUuid, url: `/page?hit=${id}`, hostname: 'kept.example', referrer: '' } },
    remoteAddress: '203.0.113.7'
  })
}

/** A current-dialect pageview (/api/send) whose URL carries `id`. */
function send(server: RunningServer, websiteUuid: string, id: string) {
  return server.app.inject({
    method: 'POST',
    url: '/api/send',
    headers: { 'user-agent': CHROME_UA },
    payload: { type: 'event', payload: { website: websiteUuid, hostname: 'kept.example', url: `https://kept.example/page?hit=${id}` } },
    remoteAddress: '203.0.113.8'
  })
}

/** The hit ids stored in website_event (read-only connection), with how often each is there. */
function storedIds(file: string): Map<string, number> {
  const db = new Database(file, { readonly: true })
  try {
    const ids = new Map<string, number>()
    for (const query of db.prepare('SELECT url_query FROM website_event').pluck().iterate() as Iterable<string | null>) {
      const id = /(?:^|&)hit=([\w-]+)/.exec(query ?? '')?.[1]
      if (id) ids.set(id, (ids.get(id) ?? 0) + 1)
    }
    return ids
  } finally {
    db.close()
  }
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true })
  try {
    return db.pragma('integrity_check', { simple: true }) as string
  } finally {
    db.close()
  }
}

describe('a read-only database file: start-up refuses, naming the file and what to check', () => {
  // Decision: Dashi does not start read-only. Every hit is a write, and so is every login (auth_token), so a
  // read-only server could show nothing; better to say so at once than to answer every hit with an error.
  test.skipIf(unavailable.chattr)(`immutable file (chattr +i)${unavailable.chattr ? ` — skipped: ${unavailable.chattr}` : ''}`, async () => {
    const { dataDir, file } = await populatedDataDir()
    const before = sha256(file)
    setImmutable(file, true)
    try {
      const failure = start(dataDir)
      await expect(failure).rejects.toThrow(/cannot be written/)
      await expect(failure).rejects.toThrow(file)
      await expect(failure).rejects.toThrow(/read-only|immutable/)
    } finally {
      setImmutable(file, false)
    }
    expect(sha256(file)).toBe(before)
    // Writable again, it starts with its data.
    running = await start(dataDir)
    expect(running.db.prepare('SELECT count(*) FROM website_event').pluck().get()).toBe(20)
  })

  test.skipIf(unavailable.chattr)(
    `a file made read-only while the server runs: hits 503, reads go on, ingest recovers${unavailable.chattr ? ` — skipped: ${unavailable.chattr}` : ''}`,
    async () => {
      const { dataDir, file, websiteUuid } = await populatedDataDir()
      running = await start(dataDir)
      const server = running
      expect((await collect(server, websiteUuid, 'writable')).statusCode).toBe(200)
      const token = await login(server.app)
      // The server holds the file and its WAL open; the flag stops writes through those open descriptors too.
      const wal = `${file}-wal`
      setImmutable(file, true)
      setImmutable(wal, true)
      let rejected
      try {
        rejected = [await collect(server, websiteUuid, 'refused-v1'), await send(server, websiteUuid, 'refused-current')]
        // A login writes its token through the main connection: a 503 that says why, not a 500.
        const refusedLogin = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'umami' } })
        expect(refusedLogin.statusCode).toBe(503)
        expect(refusedLogin.json().error.message).toMatch(/^Nothing was changed: the database file/)
        // The dashboard's reads are still answered, with the data stored so far.
        const websites = await server.app.inject({ method: 'GET', url: '/api/websites', headers: bearer(token) })
        expect(websites.statusCode).toBe(200)
        expect(websites.json().data.map((w: { id: string }) => w.id)).toEqual([websiteUuid])
      } finally {
        setImmutable(wal, false)
        setImmutable(file, false)
      }
      expect(rejected.map((r) => r.statusCode)).toEqual([503, 503])
      expect(rejected[0]!.body).toMatch(/^The hit was not stored: the database file could not be read or written/)
      expect(JSON.parse(rejected[1]!.body).error).toMatchObject({ status: 503, code: 'service-unavailable' })
      expect((await collect(server, websiteUuid, 'writable-again')).statusCode).toBe(200)
      await server.close()
      running = undefined
      const ids = storedIds(file)
      expect([ids.get('writable'), ids.get('writable-again'), ids.get('refused-v1'), ids.get('refused-current')]).toEqual([1, 1, undefined, undefined])
      expect(integrity(file)).toBe('ok')
    }
  )

  test.skipIf(unavailable.mount)(`file system mounted read-only${unavailable.mount ? ` — skipped: ${unavailable.mount}` : ''}`, async () => {
    const mount = mountTmpfs('8m')
    const { dataDir, file } = await populatedDataDir(join(mount, 'data'))
    const before = sha256(file)
    remount(mount, 'ro')
    try {
      await expect(start(dataDir)).rejects.toThrow(`The database file ${file} cannot be written (${file} is on a read-only file system)`)
    } finally {
      remount(mount, 'rw')
    }
    expect(sha256(file)).toBe(before)
  })
})

describe.skipIf(unavailable.mount)(`disk full (a small tmpfs)${unavailable.mount ? ` — skipped: ${unavailable.mount}` : ''}`, () => {
  test('hits are answered 503 with a clear message, nothing acknowledged is lost, and ingest recovers when space frees', async () => {
    const mount = mountTmpfs('4m')
    const dataDir = join(mount, 'data')
    running = await start(dataDir)
    const server = running
    const token = await login(server.app)
    const websiteUuid = (await server.app.inject({ method: 'POST', url: '/api/website', headers: bearer(token), payload: { name: 'Full', domain: 'kept.example' } })).json()
      .website_uuid as string
    const acknowledged: string[] = []
    const statuses: Record<number, number> = {}
    const rejections: { dialect: string; type: string; body: string }[] = []
    let n = 0
    /** Sends `count` hits at once, alternating dialects, and records what came back. */
    async function burst(count: number) {
      const replies = await Promise.all(
        Array.from({ length: count }, () => {
          const id = `h${n++}`
          const dialect = n % 2 ? 'v1' : 'current'
          return (dialect === 'v1' ? collect(server, websiteUuid, id) : send(server, websiteUuid, id)).then((res) => ({ id, dialect, res }))
        })
      )
      for (const { id, dialect, res } of replies) {
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
        if (res.statusCode === 200) acknowledged.push(id)
        else rejections.push({ dialect, type: String(res.headers['content-type']), body: res.body })
      }
    }

    await burst(50)
    expect(statuses).toEqual({ 200: 50 })

    // Fill the file system to the last byte.
    const filler = join(mount, 'filler')
    const fd = openSync(filler, 'w')
    const chunk = Buffer.alloc(64 * 1024, 1)
    try {
      for (let size = chunk.length; size >= 1; ) {
        try {
          writeSync(fd, chunk, 0, size)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
          size >>= 1
        }
      }
    } finally {
      closeSync(fd)
    }

    // The WAL reuses its own space for a while; keep sending until the disk refuses (bounded).
    for (let round = 0; round < 40 && rejections.length === 0; round++) await burst(100)
    expect(rejections.length).toBeGreaterThan(0)
    expect(statuses[500]).toBeUndefined()
    // Each dialect says it in its own envelope: v1 plain text, the current API its JSON error.
    const v1 = rejections.find((r) => r.dialect === 'v1')!
    const current = rejections.find((r) => r.dialect === 'current')!
    expect(v1.type).toMatch(/^text\/plain/)
    expect(v1.body).toBe('The hit was not stored: the disk that holds the database is full (database or disk is full). Send it again later.')
    expect(JSON.parse(current.body).error).toEqual({ status: 503, code: 'service-unavailable', message: v1.body })
    for (const r of rejections) expect(r.body).toMatch(/disk that holds the database is full/)
    expect(Object.keys(statuses).sort()).toEqual(['200', '503'])

    // The server keeps running: reads still work.
    expect((await server.app.inject({ method: 'GET', url: '/api/heartbeat' })).statusCode).toBe(200)
    const websites = await server.app.inject({ method: 'GET', url: '/api/websites', headers: bearer(token) })
    expect(websites.statusCode).toBe(200)

    // Space frees: hits are stored again, on the same server.
    unlinkSync(filler)
    const failedBefore = rejections.length
    const ackedBefore = acknowledged.length
    await burst(100)
    expect(rejections.length).toBe(failedBefore)
    expect(acknowledged.length).toBe(ackedBefore + 100)

    await server.close()
    running = undefined
    const file = join(dataDir, DATABASE_FILE)
    const ids = storedIds(file)
    expect(acknowledged.filter((id) => ids.get(id) !== 1)).toEqual([])
    expect(integrity(file)).toBe('ok')
  })
})

describe('a damaged database file: start-up refuses, names the file, and leaves it exactly as it was', () => {
  /** Starts on `dataDir` expecting a refusal; the directory's files must be the same, byte for byte, afterwards. */
  async function expectRefusal(dataDir: string) {
    const file = join(dataDir, DATABASE_FILE)
    const listing = () => readdirSync(dataDir).sort()
    const namesBefore = listing()
    const before = sha256(file)
    const failure = start(dataDir)
    await expect(failure).rejects.toThrow(`The database file ${file} is damaged`)
    await expect(failure).rejects.toThrow(/did not change, move or replace it/)
    expect(sha256(file)).toBe(before)
    expect(listing()).toEqual(namesBefore)
    // Not "fixed" by an empty database on a second try either.
    await expect(start(dataDir)).rejects.toThrow(/is damaged/)
    expect(sha256(file)).toBe(before)
  }

  test('garbage bytes', async () => {
    const dataDir = tempDir()
    writeFileSync(join(dataDir, DATABASE_FILE), Buffer.alloc(200_000, 'not a database; '))
    await expectRefusal(dataDir)
  })

  test('`npm run serve` prints the reason with the file and exits 1', () => {
    ensureBuilt()
    const dataDir = tempDir()
    const file = join(dataDir, DATABASE_FILE)
    writeFileSync(file, Buffer.alloc(50_000, 'garbage '))
    const result = spawnSync(process.execPath, [SERVER_ENTRY, '--port', '0', '--data', dataDir], { encoding: 'utf8', timeout: 20_000 })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(`Dashi could not start: The database file ${file} is damaged (file is not a database).`)
    expect(readdirSync(dataDir)).toEqual([DATABASE_FILE])
  }, 120_000)

  test('a real database truncated to half its size', async () => {
    const { dataDir, file } = await populatedDataDir(undefined, 300)
    truncateSync(file, Math.floor(statSync(file).size / 2))
    await expectRefusal(dataDir)
  })

  test('a real database whose header was overwritten', async () => {
    const { dataDir, file } = await populatedDataDir()
    const bytes = readFileSync(file)
    bytes.fill(0xff, 0, 100)
    writeFileSync(file, bytes)
    await expectRefusal(dataDir)
  })
})

describe('schema versions', () => {
  test('a database from an older schema (only migration 001 applied) is migrated forward and keeps its rows', async () => {
    const dataDir = tempDir()
    const file = join(dataDir, DATABASE_FILE)
    const [first, ...later] = bundledMigrations()
    expect(first!.version).toBe(1)
    expect(later.length).toBeGreaterThan(0)
    // An install that stopped at schema 001, with what it held: the admin (default password), a website,
    // a session and its pageviews, written in that schema's own terms.
    const old = new Database(file)
    old.pragma('journal_mode = WAL')
    migrate(old, [first!])
    const day = Date.UTC(2026, 0, 15, 12)
    old.exec(`
      INSERT INTO account (user_id, user_uuid, username, password, role, created_at, updated_at)
        VALUES (1, '00000000-0000-4000-8000-000000000001', 'admin', '$2b$10$BUli0c.muyCW1ErNJc3jL.vFRFtFJWrT8/GcR4A.sUdCznaXiqFXa', 'admin', 0, 0);
      INSERT INTO website (website_id, website_uuid, user_id, name, domain, created_at, updated_at)
        VALUES (1, '00000000-0000-4000-8000-0000000000aa', 1, 'Old site', 'old.example', 0, 0);
      INSERT INTO session (session_id, session_uuid, website_id, created_at, browser, os, device)
        VALUES (1, '00000000-0000-4000-8000-0000000000bb', 1, ${day}, 'chrome', 'Windows 10', 'desktop');
    `)
    const event = old.prepare("INSERT INTO website_event (website_id, session_id, visit_id, created_at, event_type, url_path) VALUES (1, 1, 'v', ?, 1, ?)")
    for (let i = 0; i < 3; i++) event.run(day + i * 60_000, `/old-${i}`)
    old.close()

    running = await start(dataDir)
    const versions = running.db.prepare('SELECT version FROM schema_migration ORDER BY version').pluck().all()
    expect(versions).toEqual(bundledMigrations().map((m) => m.version))
    // The rows are there, through the API a user would look with.
    const token = await login(running.app)
    const stats = await running.app.inject({
      method: 'GET',
      url: `/api/website/1/stats?start_at=${day - 3_600_000}&end_at=${day + 3_600_000}`,
      headers: bearer(token)
    })
    expect(stats.statusCode, stats.body).toBe(200)
    expect(stats.json()).toMatchObject({ pageviews: 3, uniques: 1 })
    // And what the later migrations added works (002: saved reports).
    const report = await running.app.inject({
      method: 'POST',
      url: '/api/reports',
      headers: bearer(token),
      payload: { websiteId: '00000000-0000-4000-8000-0000000000aa', type: 'funnel', name: 'Kept', description: '', parameters: {} }
    })
    expect(report.statusCode, report.body).toBe(200)
  })

  test('a database written by a newer Dashi is refused with a clear message and left unchanged', async () => {
    const { dataDir, file } = await populatedDataDir()
    const db = new Database(file)
    db.prepare("INSERT INTO schema_migration (version, name, checksum, applied_at) VALUES (999, '999-future.sql', 'x', 0)").run()
    db.close()
    const before = sha256(file)
    const failure = start(dataDir)
    await expect(failure).rejects.toThrow(file)
    await expect(failure).rejects.toThrow(/written by a newer Dashi .*Update Dashi/)
    expect(sha256(file)).toBe(before)
    const after = new Database(file, { readonly: true })
    expect(after.prepare('SELECT count(*) FROM website_event').pluck().get()).toBe(20)
    after.close()
  })
})
