// `npm run bench`: Dashi's ingest endpoints (v1 /api/collect, current /api/send) against the ceiling (bare
// Fastify POST JSON), in one run on this machine. See bench/README.md for how to read the output.
//
// Env: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 50),
//      BENCH_VISITORS (default 20000), BENCH_BUILD=1 (rebuild out/ first even if it exists),
//      BENCH_TARGETS (Dashi targets to run, comma-separated: collect, send; default both),
//      BENCH_CPU_PROF=<dir> (run the Dashi server with --cpu-prof, profiles written to <dir>),
//      BENCH_CEILING=plugins (experiment: the ceiling route inside Dashi's framework set-up),
//      BENCH_PROBE=1 (preload bench/probe.cjs into the Dashi server: group-commit batch sizes, statement
//      and commit times, event-loop delay, GC; printed after the table),
//      BENCH_ROUNDS (default 5; 0 skips) and BENCH_SLICE (s, default 3): the interleaved ratio measurement.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { collectBody, collectToken, createHitSource, hitRequest, sendBody, sendToken } from './hits.mjs'
import { build, isStale } from '../scripts/build.mjs'
import { summarize } from './profile-summary.mjs'
import { benchWebsite, installCleanup, machineCpuMs, makeTempDir, procCpuMs, procStatusKb, removeTempDir, sampleRss, startNode } from './proc.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const SERVER_ENTRY = join(root, 'out/main/server.js')

const num = (name, fallback, { zero = false } = {}) => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zero)) {
    throw new Error(`${name} must be a ${zero ? 'non-negative' : 'positive'} number, got "${raw}"`)
  }
  return value
}
const DURATION = num('BENCH_DURATION', 10)
const WARMUP = num('BENCH_WARMUP', 2)
const CONNECTIONS = Math.round(num('BENCH_CONNECTIONS', 50))
const VISITORS = Math.round(num('BENCH_VISITORS', 20_000))
const CPU_PROF = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null
const PROBE = process.env.BENCH_PROBE === '1'
const CEILING = process.env.BENCH_CEILING ?? 'bare'
const TARGET_RATIO = 0.5
const ROUNDS = Math.round(num('BENCH_ROUNDS', 5, { zero: true }))
const SLICE = num('BENCH_SLICE', 3)

/**
 * The Dashi ingest targets, run in this order: each gets its own fresh server and the same hits, written
 * in its tracker's dialect, with the cache token taken from its reply as that tracker does.
 */
const TARGETS = [
  { name: 'collect', path: '/api/collect', label: 'Dashi /api/collect', tracker: '/umami.js', body: collectBody, token: collectToken },
  { name: 'send', path: '/api/send', label: 'Dashi /api/send', tracker: '/script.js', body: sendBody, token: sendToken }
]
const TRACKERS = TARGETS.map((t) => t.tracker)

function selectedTargets() {
  const raw = process.env.BENCH_TARGETS
  if (raw === undefined || raw.trim() === '') return TARGETS
  const names = raw.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean)
  const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n))
  if (unknown.length || names.length === 0) {
    throw new Error(`BENCH_TARGETS: unknown target "${unknown.join(', ') || raw}"; use a comma-separated list of ${TARGETS.map((t) => t.name).join(', ')}`)
  }
  return TARGETS.filter((t) => names.includes(t.name))
}

let running = null
installCleanup(() => running?.stop())

const log = (...args) => console.error('bench:', ...args)

// ---------------------------------------------------------------------------------------------------
// Build

function ensureBuilt() {
  const notes = []
  const missing = !existsSync(SERVER_ENTRY)
  if (missing || process.env.BENCH_BUILD === '1') {
    log(missing ? 'out/main/server.js is missing: building (electron-vite build)…' : 'BENCH_BUILD=1: building (electron-vite build)…')
    if (!build() || !existsSync(SERVER_ENTRY)) throw new Error('electron-vite build failed (see above)')
    notes.push('built out/ before the run')
  } else {
    if (isStale(SERVER_ENTRY)) {
      notes.push('out/main/server.js is OLDER than src/: this run measures the previous build (BENCH_BUILD=1 rebuilds)')
      log(`warning: ${notes.at(-1)}`)
    }
  }
  return notes
}

// ---------------------------------------------------------------------------------------------------
// Load

/**
 * Runs autocannon against `url` + `path` for `seconds` with hits from `source`. The ceiling and every Dashi
 * target get the same client work (same hits and headers, same bookkeeping), so the ratios reflect the servers.
 */
function load(url, path, source, phase, seconds) {
  const acked = new Set()
  const statusCounts = {}
  return new Promise((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        timeout: 10,
        requests: [hitRequest({ path, source, phase, acked, onStatus: (status) => (statusCounts[status] = (statusCounts[status] ?? 0) + 1) })]
      },
      (error, result) => {
        running = null
        if (error) reject(error)
        else resolvePromise({ result, acked, statusCounts })
      }
    )
    running = instance
  })
}

/** The measured run, with the server's RSS sampled and its CPU time and the client's CPU time taken around it. */
async function measured(url, path, source, pid) {
  const rss = sampleRss(pid)
  const serverCpu0 = procCpuMs(pid)
  const clientCpu0 = process.cpuUsage()
  const machine0 = machineCpuMs()
  const started = performance.now()
  const run = await load(url, path, source, 'm', DURATION)
  const wallMs = performance.now() - started
  const clientCpu = process.cpuUsage(clientCpu0)
  const machine1 = machineCpuMs()
  const serverCpuMs = procCpuMs(pid) - serverCpu0
  const memory = { ...rss.stop(), hwmKb: procStatusKb(pid, 'VmHWM') }
  const clientMs = (clientCpu.user + clientCpu.system) / 1000
  const othersMs = Math.max(0, machine1.busyMs - machine0.busyMs - serverCpuMs - clientMs)
  const cpu = { serverMs: serverCpuMs, clientMs, othersMs, wallMs }
  return { ...run, memory, cpu }
}

// ---------------------------------------------------------------------------------------------------
// Helpers


/** The synchronous mode the server sets: read from the built bundle, checked against the source. */
function synchronousMode(dbFile) {
  const find = (text) => /synchronous\s*=\s*(\w+)/i.exec(text)?.[1]?.toUpperCase()
  const srcFile = join(root, 'src/server/db/open.ts')
  const inSource = existsSync(srcFile) ? find(readFileSync(srcFile, 'utf8')) : undefined
  let inBuild
  for (const dir of [join(root, 'out/main'), join(root, 'out/main/chunks')]) {
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.js')) continue
      const found = find(readFileSync(join(dir, name), 'utf8'))
      if (found) inBuild = found
    }
  }
  // synchronous is per connection: a fresh connection shows SQLite's default, not the server's setting.
  const fresh = new Database(dbFile, { readonly: true })
  const names = ['OFF', 'NORMAL', 'FULL', 'EXTRA']
  const freshMode = names[fresh.pragma('synchronous', { simple: true })] ?? '?'
  const journal = fresh.pragma('journal_mode', { simple: true })
  fresh.close()
  return { inSource, inBuild, freshMode, journal }
}

function countStored(dbFile) {
  const db = new Database(dbFile, { readonly: true })
  try {
    const total = db.prepare('SELECT count(*) FROM website_event').pluck().get()
    const byType = Object.fromEntries(db.prepare('SELECT event_type, count(*) AS n FROM website_event GROUP BY event_type').raw().all())
    const eventData = db.prepare('SELECT count(*) FROM event_data').pluck().get()
    const sessions = db.prepare('SELECT count(*) FROM session').pluck().get()
    const countries = db.prepare('SELECT count(DISTINCT country) FROM session').pluck().get()
    const browsers = db.prepare('SELECT count(DISTINCT browser) FROM session').pluck().get()
    const paths = db.prepare('SELECT count(DISTINCT url_path) FROM website_event').pluck().get()
    const ids = new Map()
    for (const query of db.prepare('SELECT url_query FROM website_event').pluck().iterate()) {
      const match = /(?:^|&)_bid=([a-z]\d+)/.exec(query ?? '')
      if (match) ids.set(match[1], (ids.get(match[1]) ?? 0) + 1)
    }
    return { total, byType, eventData, sessions, countries, browsers, paths, ids }
  } finally {
    db.close()
  }
}

const fmt = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? '—' : Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }))
const mb = (kb) => (kb ? `${fmt(kb / 1024, 1)} MB` : '—')

function table(rows) {
  const widths = []
  for (const row of rows) if (Array.isArray(row)) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, String(cell).length)))
  const line = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+'
  const out = [line]
  for (const row of rows) {
    if (row === '-') out.push(line)
    else out.push('| ' + row.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ') + ' |')
  }
  out.push(line)
  return out.join('\n')
}

// ---------------------------------------------------------------------------------------------------
// Phases

async function runCeiling() {
  log(`ceiling: ${CEILING === 'bare' ? 'bare Fastify' : `Fastify with Dashi's plugins (BENCH_CEILING=${CEILING})`}, ${CONNECTIONS} connections, ${WARMUP}s warm-up + ${DURATION}s`)
  const profileName = `ceiling-${Date.now()}.cpuprofile`
  const nodeArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${profileName}`] : []
  const server = startNode([...nodeArgs, join(here, 'ceiling-server.mjs')], { cwd: root, name: 'ceiling server' })
  try {
    const { url } = await server.ready
    // The ceiling's one route is /api/collect; its JSON reply holds no token, so no visitor sends one back.
    const source = createHitSource({ websiteUuid: '00000000-0000-4000-8000-000000000000', visitors: VISITORS })
    const warm = await load(url, '/api/collect', source, 'w', WARMUP)
    const run = await measured(url, '/api/collect', source, server.child.pid)
    await server.stop()
    const profile = CPU_PROF ? join(CPU_PROF, profileName) : null
    return { ...run, profile, handled: warm.result.requests.total + run.result.requests.total }
  } finally {
    await server.stop(2000)
  }
}

/** Every tracker script as served by a Dashi server: bytes, and bytes after gzip -9. */
async function fetchTrackers(url) {
  const sizes = {}
  for (const path of TRACKERS) {
    const response = await fetch(url + path)
    if (!response.ok) throw new Error(`GET ${path} → ${response.status}`)
    const bytes = Buffer.from(await response.arrayBuffer())
    sizes[path] = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
  }
  return sizes
}

/** A Dashi server (the built web-mode entry) on a fresh data dir, trusting x-forwarded-for as the hits' address. */
function startDashi(target, dataDir, nodeArgs = [], env = {}) {
  return startNode([...nodeArgs, SERVER_ENTRY, '--port', '0', '--data', dataDir], {
    cwd: root,
    env: { ...process.env, DASHI_CLIENT_IP_HEADER: 'x-forwarded-for', ...env },
    // Dashi's own ready line, printed once its SIGTERM handler (flush, close) is in place; Fastify's
    // earlier "Server listening at http://…" log line would match a bare URL pattern too soon.
    readyPattern: /Dashi is ready at http:\/\/127\.0\.0\.1:(\d+)/,
    name: `Dashi server (${target.path})`
  })
}

/** Once the server is ready: a website to send to, and the hit source in the target's dialect. */
async function benchSite(server, target) {
  const { url } = await server.ready
  const websiteUuid = await benchWebsite(url, 'Bench site')
  const source = createHitSource({ websiteUuid, visitors: VISITORS, body: target.body, token: target.token })
  return { url, source }
}

/**
 * The ratio, measured so that the machine's drift cannot decide it: this shared VM's speed changes by up
 * to 2× over a minute (the same ceiling code measured 14–27 k req/s), and the main runs measure the ceiling
 * and each target one after another. Here all servers run at once (an idle one costs nothing) and get
 * short slices in turn, ceiling → collect → send, ROUNDS times; each round's ratio compares neighbours in
 * time, and the median over rounds is the figure.
 */
async function interleavedRounds(targets) {
  const ceilingTarget = { name: 'ceiling', path: '/api/collect' }
  const ceiling = startNode([join(here, 'ceiling-server.mjs')], { cwd: root, name: 'ceiling server (rounds)' })
  const dirs = targets.map((t) => makeTempDir(`dashi-rounds-${t.name}-`))
  const servers = targets.map((t, i) => startDashi(t, dirs[i]))
  try {
    const { url } = await ceiling.ready
    const lanes = [{ target: ceilingTarget, url, source: createHitSource({ websiteUuid: '00000000-0000-4000-8000-000000000000', visitors: VISITORS }) }]
    for (const [i, target] of targets.entries()) lanes.push({ target, ...(await benchSite(servers[i], target)) })
    log(`interleaved rounds: ${ROUNDS} × (${lanes.map((l) => l.target.name).join(' → ')}), ${SLICE}s slices`)
    for (const lane of lanes) await load(lane.url, lane.target.path, lane.source, 'w', WARMUP)
    const rounds = []
    for (let r = 0; r < ROUNDS; r++) {
      const round = {}
      for (const lane of lanes) round[lane.target.name] = (await load(lane.url, lane.target.path, lane.source, 'i', SLICE)).result.requests.average
      rounds.push(round)
    }
    return rounds
  } finally {
    await Promise.all([ceiling.stop(2000), ...servers.map((s) => s.stop(2000))])
    dirs.forEach(removeTempDir)
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The rounds as a table; true when every target's median ratio reaches TARGET_RATIO. */
function reportRounds(rounds, targets) {
  const header = ['round', 'ceiling req/s', ...targets.map((t) => `${t.label} req/s (ratio)`)]
  const rows = rounds.map((round, i) => [String(i + 1), fmt(round.ceiling), ...targets.map((t) => `${fmt(round[t.name])} (${fmt((100 * round[t.name]) / round.ceiling, 1)} %)`)])
  const medians = targets.map((t) => median(rounds.map((round) => round[t.name] / round.ceiling)))
  rows.push(['median', '', ...medians.map((m) => `${fmt(100 * m, 1)} %  ${m >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'} (target ≥ ${TARGET_RATIO * 100} %)`)])
  console.log(`\nInterleaved ratio: all servers up at once, ${SLICE} s slices in turn, ${rounds.length} rounds (the headline ratio; see bench/README.md)`)
  console.log(table([header, ...rows]))
  return medians.every((m) => m >= TARGET_RATIO)
}

/**
 * One Dashi target (an entry of TARGETS: its path, body builder and token extractor) against its own fresh
 * server and data dir: warm-up, measured run, SIGTERM, then the stored hits counted in the database.
 */
async function runDashi(target) {
  const dataDir = makeTempDir(`dashi-bench-${target.name}-`)
  const dbFile = join(dataDir, 'dashi.db')
  const probeFile = join(dataDir, 'probe.json')
  const profileName = `dashi-${target.name}-${Date.now()}.cpuprofile`
  const nodeArgs = [...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${profileName}`] : []), ...(PROBE ? ['--require', join(here, 'probe.cjs')] : [])]
  log(`dashi: ${target.path}, ${CONNECTIONS} connections, ${WARMUP}s warm-up + ${DURATION}s, data in ${dataDir}`)
  const server = startDashi(target, dataDir, nodeArgs, PROBE ? { BENCH_PROBE_OUT: probeFile } : {})
  try {
    const { url, source } = await benchSite(server, target)
    const trackers = await fetchTrackers(url)

    await load(url, target.path, source, 'w', WARMUP)
    if (PROBE) process.kill(server.child.pid, 'SIGUSR2') // the probe forgets the warm-up
    const run = await measured(url, target.path, source, server.child.pid)

    const stopped = await server.stop()
    if (stopped.killed) log(`warning: the Dashi server (${target.path}) did not exit within 20 s of SIGTERM and was killed`)
    const stored = countStored(dbFile)
    const sync = synchronousMode(dbFile)
    const probe = PROBE && existsSync(probeFile) ? JSON.parse(readFileSync(probeFile, 'utf8')) : null
    const profile = CPU_PROF ? join(CPU_PROF, profileName) : null
    return { ...run, target, profile, trackers, stored, stopped, sync, probe, source: source.stats, logLevels: server.logLevels, warnings: server.warnings, tail: server.tail }
  } finally {
    await server.stop(2000)
    removeTempDir(dataDir)
  }
}

// ---------------------------------------------------------------------------------------------------
// Report

/** Durability accounting of one Dashi run: each measured hit has a unique id (see hits.mjs). */
function accounting(run) {
  const measuredStored = [...run.stored.ids.keys()].filter((id) => id.startsWith('m'))
  const duplicates = [...run.stored.ids.values()].filter((n) => n > 1).length
  let ackedStored = 0
  const lost = []
  for (const id of run.acked) {
    if (run.stored.ids.has(id)) ackedStored++
    else lost.push(id)
  }
  return { ackedStored, lost, duplicates, inFlight: measuredStored.length - ackedStored, ok: lost.length === 0 && duplicates === 0 }
}

function report(notes, ceiling, runs) {
  const c = ceiling.result
  const checks = runs.map(accounting)

  const lat = (r) => `${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p99, 1)} (max ${fmt(r.latency.max, 0)})`
  const problems = (r) => `errors ${r.errors}, timeouts ${r.timeouts}, resets ${r.resets}`
  const non2xx = (run) => {
    const other = Object.entries(run.statusCounts).filter(([s]) => s < 200 || s >= 300)
    return other.length ? `${run.result.non2xx} (${other.map(([s, n]) => `${s}×${n}`).join(', ')})` : '0'
  }
  const cpuPct = (run) => `${fmt((100 * run.cpu.serverMs) / run.cpu.wallMs)} %`
  const clientPct = (run) => `${fmt((100 * run.cpu.clientMs) / run.cpu.wallMs)} %`
  const othersPct = (run) => `${fmt((100 * run.cpu.othersMs) / run.cpu.wallMs)} %`
  const cpuPer1k = (run) => fmt((1000 * run.cpu.serverMs) / run.result.requests.total, 1)
  const cpuRatio = (run) => fmt((100 * (ceiling.cpu.serverMs / c.requests.total)) / (run.cpu.serverMs / run.result.requests.total), 1)
  const syncText = (run) =>
    process.env.BENCH_PROBE_SYNC
      ? `${process.env.BENCH_PROBE_SYNC.toUpperCase()} — EXPERIMENT override by bench/probe.cjs (Dashi sets ${run.sync.inBuild ?? run.sync.inSource})`
      : run.sync.inBuild
      ? `${run.sync.inBuild} (set in src/server/db/open.ts; found in the build)`
      : `${run.sync.inSource ?? '?'} (per src/server/db/open.ts; not found in the build)`
  const warnLines = (run) => {
    const n = Object.entries(run.logLevels).filter(([l]) => Number(l) >= 40).reduce((s, [, k]) => s + k, 0)
    return `${fmt(n)}${run.warnings.length ? ` (first: "${run.warnings[0].slice(0, 40)}…")` : ''}`
  }
  // Trackers are served by every Dashi server: each size is shown under the target its tracker sends to.
  const trackerCell = (path, run) => {
    const home = runs.find((r) => r.target.tracker === path) ?? runs[0]
    if (run !== home) return ''
    const t = run.trackers[path]
    return `${fmt(t.bytes)} B / ${fmt(t.gzip)} B  ${t.gzip <= 2048 ? 'OK' : 'OVER'}`
  }

  /** A row: label, the ceiling's cell ('' where it has none), then one cell per Dashi run. */
  const row = (label, ceilingCell, cell) => [label, ceilingCell, ...runs.map((run, i) => cell(run, i))]
  const rows = [
    ['', CEILING === 'bare' ? 'ceiling: bare Fastify' : `ceiling: ${CEILING} (EXPERIMENT)`, ...runs.map((r) => r.target.label)],
    '-',
    row('req/s (mean of 1 s samples)', fmt(c.requests.average), (r) => fmt(r.result.requests.average)),
    row('responses in the run', fmt(c.requests.total), (r) => fmt(r.result.requests.total)),
    row('latency p50 / p99 ms', lat(c), (r) => lat(r.result)),
    row('2xx', fmt(c['2xx']), (r) => fmt(r.result['2xx'])),
    row('non-2xx', non2xx(ceiling), non2xx),
    row('errors / timeouts', problems(c), (r) => problems(r.result)),
    row('server CPU, % of one core', cpuPct(ceiling), cpuPct),
    row('server CPU ms per 1,000 responses', cpuPer1k(ceiling), cpuPer1k),
    row('CPU-cost ratio: ceiling / Dashi µs per request', '', (r) => `${cpuRatio(r)} %`),
    row('load generator CPU, % of one core', clientPct(ceiling), clientPct),
    row('other processes on the machine, % of one core', othersPct(ceiling), othersPct),
    row('peak RSS (500 ms samples)', mb(ceiling.memory.peakKb), (r) => mb(r.memory.peakKb)),
    row('VmHWM (lifetime peak)', mb(ceiling.memory.hwmKb), (r) => mb(r.memory.hwmKb)),
    '-',
    row(`ratio target / ceiling req/s (target ≥ ${TARGET_RATIO * 100} %; PRODUCT.md 60 %)`, '', (r) => {
      const ratio = r.result.requests.average / c.requests.average
      return `${fmt(ratio * 100, 1)} %  ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`
    }),
    row('p99 ≤ 50 ms (PRODUCT.md)', '', (r) => (r.result.latency.p99 <= 50 ? 'OK' : `NO (${fmt(r.result.latency.p99, 1)} ms)`)),
    row('hits acknowledged (2xx, measured run)', '', (r) => fmt(r.acked.size)),
    row('… of them stored in website_event', '', (r, i) => `${fmt(checks[i].ackedStored)}  ${checks[i].ok ? 'EQUAL' : 'MISMATCH'}`),
    row('acknowledged but NOT stored (lost)', '', (r, i) => fmt(checks[i].lost.length)),
    row('stored, never acknowledged (in flight at client stop)', '', (r, i) => `${fmt(checks[i].inFlight)} (≤ ${CONNECTIONS} expected)`),
    row('duplicate rows (same hit id twice)', '', (r, i) => fmt(checks[i].duplicates)),
    row('website_event rows (warm-up + run)', '', (r) => `${fmt(r.stored.total)} (pageviews ${fmt(r.stored.byType[1] ?? 0)}, events ${fmt(r.stored.byType[2] ?? 0)})`),
    row('event_data rows / sessions', '', (r) => `${fmt(r.stored.eventData)} / ${fmt(r.stored.sessions)}`),
    row('distinct paths / browsers / countries', '', (r) => `${fmt(r.stored.paths)} / ${fmt(r.stored.browsers)} / ${fmt(r.stored.countries)}`),
    row('server exit after SIGTERM', '', (r) => `${r.stopped.killed ? 'KILLED' : `code ${r.stopped.code}`} in ${fmt(r.stopped.ms)} ms`),
    row('server log lines ≥ warn', '', warnLines),
    row('synchronous', '', syncText),
    row('journal_mode (fresh connection)', '', (r) => r.sync.journal),
    '-',
    ...TRACKERS.map((path) => row(`${path} as served / gzip -9 (target ≤ 2 KB)`, '', (r) => trackerCell(path, r)))
  ]

  const s = runs[0].source
  console.log('')
  console.log(`Dashi ingest benchmark — node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model?.trim() ?? '?'}), autocannon in this process`)
  console.log(
    `${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s measured per server, loopback, same client work for all; ` +
      `order: ceiling → ${runs.map((r) => r.target.path).join(' → ')}, each Dashi target on its own fresh server and data dir.`
  )
  console.log(
    `traffic: ${fmt(s.visitors)} visitors (public IPs via x-forwarded-for), ${s.distinctUserAgents} real user agents, ${s.distinctPages} paths, ` +
      `${s.distinctReferrers} referrers, ${fmt(s.eventShare * 100, 1)} % events, cache tokens sent back like the tracker`
  )
  for (const note of notes) console.log(`note: ${note}`)
  console.log(table(rows))
  for (const run of runs) if (run.probe) printProbe(run.target.path, run.probe)
  if (CPU_PROF) {
    const profiled = [['ceiling', ceiling, ceiling.handled], ...runs.map((r) => [`Dashi ${r.target.path}`, r, r.stored.total])]
    for (const [name, run, hits] of profiled) {
      if (!run.profile || !existsSync(run.profile)) continue
      console.log(`\nCPU profile of the ${name} server (warm-up + run, ${fmt(hits)} requests): ${run.profile}`)
      summarize(run.profile, hits, (line) => console.log(`  ${line}`))
    }
  }
  const busiest = Math.max(...[ceiling, ...runs].map((run) => run.cpu.othersMs / run.cpu.wallMs))
  if (busiest > 0.5) {
    console.log(
      `warning: other processes used up to ${fmt(busiest * 100)} % of a core during the runs (${cpus().length} CPUs): req/s and the ratio ` +
        'are distorted; the CPU-cost ratio (CPU per response) is the steadier figure.'
    )
  }
  runs.forEach((run, i) => {
    const { lost } = checks[i]
    if (lost.length) console.log(`${run.target.path}: lost hit ids (first 10): ${lost.slice(0, 10).join(', ')}`)
    if (run.result.non2xx || run.result.errors) console.log(`${run.target.path}: server output (last lines):\n${run.tail.slice(-10).join('\n')}`)
  })
  return checks.every((check) => check.ok)
}

function printProbe(path, probe) {
  const t = probe.transactions
  console.log('')
  console.log(`probe of the ${path} server (bench/probe.cjs, measured run only):`)
  if (t.count) {
    console.log(
      `  group commit: ${fmt(t.count)} transactions, ${fmt(t.hits / t.count, 1)} hits each on average; ` +
        `per transaction ${fmt(t.totalMs / t.count, 3)} ms total, ${fmt(t.insideMs / t.count, 3)} ms inserting, ` +
        `${fmt((t.totalMs - t.insideMs) / t.count, 3)} ms BEGIN+COMMIT; max ${fmt(t.maxMs, 1)} ms, ${fmt(t.slow)} over 5 ms`
    )
    console.log(`  hits per transaction: ${Object.entries(t.sizes).map(([b, n]) => `${b}: ${fmt(n)}`).join(', ')}`)
    console.log(`  writer time per hit: ${fmt((1000 * t.totalMs) / t.hits, 1)} µs (${fmt((1000 * (t.totalMs - t.insideMs)) / t.hits, 1)} µs of it BEGIN+COMMIT)`)
  }
  const statements = Object.entries(probe.statements).sort((a, b) => b[1].ms - a[1].ms).slice(0, 8)
  for (const [sql, s] of statements) console.log(`  ${fmt(s.ms).padStart(6)} ms ${fmt(s.calls).padStart(8)} calls ${fmt((1000 * s.ms) / s.calls, 1).padStart(6)} µs/call  ${sql}`)
  const l = probe.eventLoopDelayMs
  console.log(`  event-loop delay ms: p50 ${l.p50}, p99 ${l.p99}, max ${l.max}; GC: ${fmt(probe.gc.count)} pauses, ${fmt(probe.gc.ms)} ms total, max ${fmt(probe.gc.maxMs, 1)} ms`)
}

async function main() {
  selectedTargets() // a typo in BENCH_TARGETS fails before the build and the ceiling run
  const notes = ensureBuilt()
  if (CEILING !== 'bare') notes.push(`EXPERIMENT: the ceiling is Fastify with Dashi's plugins and hooks (BENCH_CEILING=${CEILING}), not bare Fastify`)
  if (PROBE) notes.push('Dashi ran with bench/probe.cjs preloaded (timing wrappers cost a little throughput)')
  if (process.env.BENCH_PROBE_SYNC) notes.push(`EXPERIMENT: synchronous forced to ${process.env.BENCH_PROBE_SYNC} by the probe (not Dashi's setting)`)
  if (CPU_PROF) notes.push(`the servers ran with --cpu-prof (profiles in ${CPU_PROF}); throughput is lower than without it`)
  const targets = selectedTargets()
  const ceiling = await runCeiling()
  const runs = []
  for (const target of targets) runs.push(await runDashi(target))
  const ok = report(notes, ceiling, runs)
  if (ROUNDS > 0) reportRounds(await interleavedRounds(targets), targets)
  process.exitCode = ok ? 0 : 1
}

main().catch((error) => {
  console.error('bench failed:', error)
  process.exitCode = 1
})
