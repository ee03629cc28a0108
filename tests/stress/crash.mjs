// Crash durability (issue 7, item 1): hits at full speed, the server killed with SIGKILL mid-load, again and
// again on the same data directory. Every hit the server acknowledged (2xx) must be in the database exactly
// once afterwards, and the file must pass PRAGMA integrity_check.
//
//   node tests/stress/crash.mjs           (or `npm run stress`, which runs every script in tests/stress/)
//
// Env: CRASH_CYCLES (5), CRASH_CONNECTIONS (50), CRASH_MIN_MS / CRASH_MAX_MS (1000 / 4000: the kill comes at a
// random time in between, after the load started), CRASH_SEED (random: printed, so a run can be repeated).
//
// The built web-mode server (out/main/server.js) runs as a child process, as `npm run serve` runs it. The load
// is the benchmark's (bench/hits.mjs): realistic hits from many visitors, half the connections on the v1
// /api/collect and half on the current /api/send, each hit with a unique `_bid=<id>` in its URL query, which
// both endpoints store in website_event.url_query. A hit counts as acknowledged when its 2xx reply reached the
// client; the server answers only after the hit's transaction committed, so no acknowledged hit may be missing.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { collectBody, collectToken, createHitSource, hitRequest, rng, sendBody, sendToken } from '../../bench/hits.mjs'
import { benchWebsite, installCleanup, makeTempDir, removeTempDir, startNode } from '../../bench/proc.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')
export const SERVER_ENTRY = join(root, 'out/main/server.js')

/** Both ingest dialects; the letter goes into the hit ids (`<cycle letter><dialect letter><n>`). */
const DIALECTS = [
  { letter: 'c', path: '/api/collect', body: collectBody, token: collectToken },
  { letter: 's', path: '/api/send', body: sendBody, token: sendToken }
]
const CYCLE_LETTERS = 'abcdefghijklmnopqrstuvwxyz'
/** A hit id as hits.mjs writes it after `_bid=`: the phase (letters) and a counter. */
const BID = /(?:^|&)_bid=([a-z]+\d+)/

/** Builds out/ when the server entry is missing (as the benchmark does); `npm test` builds before vitest anyway. */
export function ensureBuilt() {
  if (existsSync(SERVER_ENTRY)) return
  const result = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit']
  })
  if (result.status !== 0 || !existsSync(SERVER_ENTRY)) throw new Error('electron-vite build failed (see above)')
}

function startDashi(dataDir) {
  return startNode([SERVER_ENTRY, '--port', '0', '--data', dataDir], {
    cwd: root,
    env: { ...process.env, DASHI_CLIENT_IP_HEADER: 'x-forwarded-for', DASHI_LOG_LEVEL: 'warn' },
    // Dashi's own ready line: printed once the server listens and its signal handlers are in place.
    readyPattern: /Dashi is ready at http:\/\/127\.0\.0\.1:(\d+)/,
    name: 'Dashi server'
  })
}

/** Kills the server with SIGKILL at `killAfterMs` into a full-speed load; every 2xx seen is recorded as acknowledged. */
function loadUntilKilled(url, sources, phasePrefix, connections, killAfterMs, server, acked) {
  let sent = 0
  // After the kill, autocannon reconnects in a loop and builds a request for each attempt that never reaches
  // a server: those are not counted as sent.
  let killed = false
  const statusCounts = {}
  const requests = DIALECTS.map((dialect, i) =>
    hitRequest({
      path: dialect.path,
      source: sources[i],
      phase: phasePrefix + dialect.letter,
      acked,
      onSend: () => {
        if (!killed) sent++
      },
      onStatus: (status) => (statusCounts[status] = (statusCounts[status] ?? 0) + 1)
    })
  )
  return new Promise((resolve, reject) => {
    let killedAtMs = 0
    // Each connection alternates between the two endpoints (autocannon cycles through `requests`).
    const instance = autocannon({ url, connections, duration: 3600, timeout: 10, requests }, (error, result) => {
      if (error) reject(error)
      else resolve({ sent, statusCounts, errors: result.errors, killedAtMs })
    })
    const started = performance.now()
    setTimeout(async () => {
      killedAtMs = Math.round(performance.now() - started)
      killed = true
      server.child.kill('SIGKILL')
      await server.exited
      instance.stop()
    }, killAfterMs)
  })
}

/** Every hit id in website_event with how often it is stored, plus the integrity checks; read-only. */
export function inspectDatabase(file) {
  const db = new Database(file, { readonly: true })
  try {
    const ids = new Map()
    for (const query of db.prepare("SELECT url_query FROM website_event WHERE url_query LIKE '%_bid=%'").pluck().iterate()) {
      const match = BID.exec(query)
      if (match) ids.set(match[1], (ids.get(match[1]) ?? 0) + 1)
    }
    return {
      ids,
      rows: db.prepare('SELECT count(*) FROM website_event').pluck().get(),
      integrity: db.pragma('integrity_check').map((row) => row.integrity_check).join('; '),
      foreignKeyViolations: db.pragma('foreign_key_check').length
    }
  } finally {
    db.close()
  }
}

/**
 * Runs `cycles` crash cycles on one data directory and returns the figures. After the last SIGKILL the
 * database is checked as the crash left it (read-only), then the server must start on it once more.
 * @param {{ cycles?: number, connections?: number, minMs?: number, maxMs?: number, seed?: number, log?: (line: string) => void }} options
 */
export async function runCrashCycles({ cycles = 5, connections = 50, minMs = 1000, maxMs = 4000, seed = 1, log = () => {} } = {}) {
  if (cycles < 1 || cycles > CYCLE_LETTERS.length) throw new Error(`cycles must be 1–${CYCLE_LETTERS.length}, got ${cycles}`)
  const random = rng(seed)
  const dataDir = makeTempDir('dashi-crash-')
  const dbFile = join(dataDir, 'dashi.db')
  const acked = new Set()
  const perCycle = []
  try {
    let sources
    for (let cycle = 0; cycle < cycles; cycle++) {
      const server = startDashi(dataDir)
      try {
        const { url } = await server.ready
        if (!sources) {
          // The first start creates the database; the website and the visitors' cache tokens live on across crashes.
          const websiteUuid = await benchWebsite(url, 'Crash site')
          sources = DIALECTS.map((d) => createHitSource({ websiteUuid, body: d.body, token: d.token, visitors: 5000, seed: seed + 7 }))
        }
        const killAfterMs = Math.round(minMs + random() * (maxMs - minMs))
        const before = acked.size
        const run = await loadUntilKilled(url, sources, CYCLE_LETTERS[cycle], connections, killAfterMs, server, acked)
        const figures = { cycle: cycle + 1, killAfterMs: run.killedAtMs, sent: run.sent, acked: acked.size - before, statusCounts: run.statusCounts, errors: run.errors }
        perCycle.push(figures)
        log(`cycle ${figures.cycle}: SIGKILL after ${figures.killAfterMs} ms; sent ${figures.sent}, acknowledged ${figures.acked}, replies ${JSON.stringify(figures.statusCounts)}`)
      } finally {
        await server.stop(2000)
      }
    }

    const stored = inspectDatabase(dbFile)
    const lost = [...acked].filter((id) => !stored.ids.has(id))
    const duplicates = [...stored.ids].filter(([, n]) => n > 1).map(([id]) => id)
    const ackedStored = acked.size - lost.length
    // The server must come back on the crashed file and close it cleanly (checkpoint) once more.
    const last = startDashi(dataDir)
    await last.ready
    const restart = await last.stop(20_000)
    const afterRestart = inspectDatabase(dbFile)
    const restartLost = [...acked].filter((id) => !afterRestart.ids.has(id)).length
    return {
      cycles: perCycle,
      sent: perCycle.reduce((sum, c) => sum + c.sent, 0),
      acknowledged: acked.size,
      ackedStored,
      storedHits: stored.ids.size,
      storedNotAcknowledged: stored.ids.size - ackedStored,
      rows: stored.rows,
      lost,
      duplicates,
      integrity: stored.integrity,
      foreignKeyViolations: stored.foreignKeyViolations,
      restart: { code: restart.code, killed: restart.killed, integrity: afterRestart.integrity, lost: restartLost, rows: afterRestart.rows }
    }
  } finally {
    removeTempDir(dataDir)
  }
}

/** True when nothing acknowledged was lost, nothing was stored twice, and the file is sound before and after the restart. */
export function passed(result) {
  return (
    result.acknowledged > 0 &&
    result.lost.length === 0 &&
    result.duplicates.length === 0 &&
    result.integrity === 'ok' &&
    result.foreignKeyViolations === 0 &&
    result.restart.code === 0 &&
    result.restart.integrity === 'ok' &&
    result.restart.lost === 0
  )
}

const fmt = (n) => Number(n).toLocaleString('en-US')

function print(result, settings) {
  const lines = [
    `Crash durability: ${settings.cycles} × SIGKILL mid-load, ${settings.connections} connections (half /api/collect, half /api/send), ` +
      `kill after ${settings.minMs}–${settings.maxMs} ms, seed ${settings.seed}`,
    `  hits sent                           ${fmt(result.sent)}`,
    `  hits acknowledged (2xx)             ${fmt(result.acknowledged)}`,
    `  … stored (found in website_event)   ${fmt(result.ackedStored)}`,
    `  acknowledged but LOST               ${fmt(result.lost.length)}`,
    `  stored twice (duplicates)           ${fmt(result.duplicates.length)}`,
    `  stored, not acknowledged (in flight at the kill) ${fmt(result.storedNotAcknowledged)}`,
    `  website_event rows                  ${fmt(result.rows)}`,
    `  PRAGMA integrity_check              ${result.integrity}`,
    `  PRAGMA foreign_key_check violations ${fmt(result.foreignKeyViolations)}`,
    `  restart on the crashed file         ${result.restart.code === 0 ? 'started, SIGTERM exit 0' : `exit ${result.restart.code}${result.restart.killed ? ' (killed)' : ''}`}; ` +
      `integrity ${result.restart.integrity}, acknowledged missing after it ${fmt(result.restart.lost)}`
  ]
  if (result.lost.length) lines.push(`  lost ids (first 10): ${result.lost.slice(0, 10).join(', ')}`)
  if (result.duplicates.length) lines.push(`  duplicate ids (first 10): ${result.duplicates.slice(0, 10).join(', ')}`)
  lines.push(passed(result) ? 'crash: OK — 0 acknowledged hits lost' : 'crash: FAILED')
  console.log(lines.join('\n'))
}

function envNumber(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`)
  return value
}

async function main() {
  installCleanup()
  const settings = {
    cycles: Math.round(envNumber('CRASH_CYCLES', 5)),
    connections: Math.round(envNumber('CRASH_CONNECTIONS', 50)),
    minMs: envNumber('CRASH_MIN_MS', 1000),
    maxMs: envNumber('CRASH_MAX_MS', 4000),
    seed: Math.round(envNumber('CRASH_SEED', Math.floor(Math.random() * 1e6)))
  }
  if (settings.maxMs < settings.minMs) throw new Error('CRASH_MAX_MS must be ≥ CRASH_MIN_MS')
  ensureBuilt()
  const result = await runCrashCycles({ ...settings, log: (line) => console.error(`crash: ${line}`) })
  print(result, settings)
  process.exitCode = passed(result) ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error('crash: failed:', error)
    process.exitCode = 1
  })
}
