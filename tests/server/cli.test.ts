import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { CHROME_UA } from '../helpers'

const root = join(__dirname, '../..')
const entry = join(root, 'out/main/server.js')
const dirs: string[] = []

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'dashi-cli-'))
  dirs.push(dir)
  return dir
}

interface Started {
  child: ChildProcess
  url: string
  output: () => string
}

/** Runs the built web-mode server as `npm run serve` does and waits for its ready line. */
function start(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, DASHI_LOG_LEVEL: 'warn', ...env } })
  let out = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = /Dashi is ready at (http:\/\/\S+)/.exec(out)
      if (match) resolve({ child, url: match[1]!, output: () => out })
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before it was ready:\n${out}`)))
  })
}

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [entry, ...args], { env: { ...process.env, DASHI_LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 20_000 })
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))

beforeAll(() => {
  if (!existsSync(entry)) {
    const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root })
    if (build.status !== 0) throw new Error('electron-vite build failed')
  }
}, 120_000)

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('web mode (npm run serve)', () => {
  test('prints its URL when ready, answers the API and creates the data directory with a private secret', async () => {
    const data = join(tempDir(), 'nested', 'data')
    const server = await start(['--port', '0', '--data', data])
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${server.url}/api/heartbeat`)
      expect(res.status).toBe(200)
      expect(existsSync(join(data, 'dashi.db'))).toBe(true)
      expect(statSync(join(data, 'secret')).mode & 0o777).toBe(0o600)
      expect(server.output()).toContain('default password')
    } finally {
      server.child.kill('SIGTERM')
      await exited(server.child)
    }
  })

  test('takes its settings from DASHI_* environment variables', async () => {
    const data = tempDir()
    const server = await start([], { DASHI_PORT: '0', DASHI_DATA: data, DASHI_HOST: '127.0.0.1' })
    try {
      expect(existsSync(join(data, 'secret'))).toBe(true)
    } finally {
      server.child.kill('SIGINT')
      expect(await exited(server.child)).toBe(0)
    }
  })

  test('stores every acknowledged hit and closes the database cleanly on SIGTERM', async () => {
    const data = tempDir()
    const server = await start(['--port', '0', '--data', data])
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'umami' })
    }).then((r) => r.json() as Promise<{ token: string }>)
    const website = await fetch(`${server.url}/api/website`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
      body: JSON.stringify({ name: 'CLI site', domain: 'cli.example' })
    }).then((r) => r.json() as Promise<{ website_uuid: string }>)
    const sends = Array.from({ length: 200 }, (_, i) =>
      fetch(`${server.url}/api/collect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
        body: JSON.stringify({ type: 'pageview', payload: { website: website.website_uuid, url: `/page-${i}`, hostname: 'cli.example' } })
      })
    )
    const acknowledged = (await Promise.all(sends)).filter((r) => r.status === 200).length
    server.child.kill('SIGTERM')
    expect(await exited(server.child)).toBe(0)
    const db = new Database(join(data, 'dashi.db'), { readonly: true })
    try {
      expect(acknowledged).toBe(200)
      expect(db.prepare('SELECT count(*) AS n FROM website_event').get()).toEqual({ n: 200 })
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    } finally {
      db.close()
    }
  })

  test('refuses to listen beyond loopback while the admin password is the default, saying how to fix it', () => {
    const result = run(['--port', '0', '--host', '0.0.0.0', '--data', tempDir()])
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0/)
    expect(result.stderr).toMatch(/change it/)
  })

  test('listens beyond loopback once the admin password was changed', async () => {
    const data = tempDir()
    const local = await start(['--port', '0', '--data', data])
    const { token } = await fetch(`${local.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'umami' })
    }).then((r) => r.json() as Promise<{ token: string }>)
    const changed = await fetch(`${local.url}/api/account/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ user_id: 1, current_password: 'umami', new_password: 'a much better secret' })
    })
    expect(changed.status).toBe(200)
    local.child.kill('SIGTERM')
    await exited(local.child)

    const open = await start(['--port', '0', '--host', '0.0.0.0', '--data', data])
    try {
      expect(open.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/)
      expect(open.output()).not.toContain('default password')
    } finally {
      open.child.kill('SIGTERM')
      await exited(open.child)
    }
  })

  test('rejects an invalid port with a usage message', () => {
    const result = run(['--port', 'eighty'])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('Invalid port "eighty"')
    expect(result.stderr).toContain('Usage:')
  })
})
