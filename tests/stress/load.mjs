// Sustained mixed load (issue 7, item 6): ingest at a steady rate over both tracker endpoints AND the
// dashboard's overview reads from a few concurrent users, for minutes, on a data set big enough that reads
// do real work. No request may fail, every acknowledged hit must be stored, and the server's memory must
// not keep growing.
//
//   npm run stress -- load                 (10 minutes; `npm run stress` runs it with the others)
//   LOAD_MINUTES=1 npm run stress -- load  (a quick run)
//
// Env (defaults in brackets):
//   LOAD_MINUTES [10]        length of the run (warm-up included)
//   LOAD_RATE [3000]         hits per second, half to /api/collect (v1), half to /api/send (current); about half
//                            of what `npm run bench` reaches on this 2-core machine
//   LOAD_CONNECTIONS [50]    ingest connections (autocannon, paced to LOAD_RATE over all of them)
//   LOAD_USERS [3]           dashboard users on the overview at once, each over up to 6 connections as a browser:
//                            each loads it as OverviewView.vue does (stats and series with the previous period, the
//                            14 tables) for the 24h, 7d and 30d presets in turn, ranges as the presets give them
//                            (whole hours and days, src/renderer/src/lib/range.ts)
//   LOAD_READ_PAUSE_MS [2000] a user's pause between two overview loads (reading the page)
//   LOAD_WATCHERS [1]        users on the realtime page, which asks for active visitors and the last 30 minutes
//                            every 5 s after the last answer (RealtimeView.vue)
//   LOAD_EVENTS [200000]     events in the generated data set (bench/data.mjs), over LOAD_DAYS [30] days
//   LOAD_WARMUP_S [min(60, a quarter of the run)]  RSS growth is measured from the end of the warm-up
//   LOAD_RSS_BOUND_MB [64]   allowed RSS growth after the warm-up (floor to floor, see memoryVerdict and below)
//   LOAD_WAL_BOUND_MB [1024] the largest the WAL file (dashi.db-wal) may get during the run
//   LOAD_SEED [42]
//
// Memory. What still grows after the warm-up, and by how much (measured with a probe of process.memoryUsage,
// v8.getHeapStatistics of each thread, /proc/<pid>/smaps and the database files every 5 s, 10-minute runs):
//   - the main thread's V8 heap breathes between major GCs: heapTotal 80↔165 MB while heapUsed after a GC stays
//     ~50 MB; the worker threads' heaps stay at 10–22 MB. Not growth, but it moves RSS by up to ~120 MB within a
//     minute, so growth is measured between floors (the lowest RSS of a minute), not between two points;
//   - glibc's malloc arenas (one per thread that allocates: SQLite's page caches and sorts) reach ~93 MB by
//     ~90 s and stay there: a few MB of that still come after a 60 s warm-up;
//   - SQLite's page caches, each up to its cache_size: the writer's 32 MB and the read workers' 8 MB each fill
//     within the warm-up; the main connection's 32 MB (src/server/db/open.ts) only holds what the few lookups
//     on it touch and may still fill;
//   - the WAL index (dashi.db-shm, mapped into the process, 32 KB per 4,096 WAL frames). Before the read pool
//     checkpointed, the WAL never restarted while dashboard reads overlapped: 5 GB of WAL and 10 MB of index
//     after 10 minutes, growing without bound. Now the pool empties the WAL at 128 MB (src/server/reads/pool.ts),
//     and LOAD_WAL_BOUND_MB fails the run if the WAL grows without bound again: ingest goes on while the pool
//     waits for running reads to finish, so the WAL peaked at 213–498 MB in 10-minute runs (0.4–1 MB of index).
// So 64 MB = the main connection's page cache (32 MB) + the arenas' last few MB + a floor's noise (~20 MB);
// a leak of a few hundred bytes per hit (3,000 hits/s) would exceed it within the 9 minutes after the warm-up.
//
// The built server (out/main/server.js) runs as a child process, as `npm run serve` runs it, started like the
// benchmark starts it (bench/proc.mjs). Ingest bodies come from bench/hits.mjs (realistic visitors, cache
// tokens sent back, a unique `_bid=<id>` in each URL's query); acknowledged hits are checked against the
// database afterwards as the crash test checks them (tests/stress/crash.mjs inspectDatabase).
//
// Exit code 1 on any error (non-2xx, timeout, connection error) on either side, on any acknowledged hit
// missing from the database, when RSS grew past its bound or when the WAL file outgrew its own.
import { statSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import { generate, READY_LINE, ROOT } from '../../bench/data.mjs'
import { collectBody, collectToken, createHitSource, hitRequest, sendBody, sendToken } from '../../bench/hits.mjs'
import { installCleanup, makeTempDir, procStatusKb, removeTempDir, startNode } from '../../bench/proc.mjs'
import { OVERVIEW_TABLES } from '../../bench/reads.mjs'
import { ensureBuilt, inspectDatabase, SERVER_ENTRY } from './crash.mjs'

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Chromium (and so the Electron dashboard) opens at most 6 connections per host over HTTP/1.1. */
const BROWSER_CONNECTIONS = 6
/** Hit ids: `l` (load) and the dialect's letter, then a counter; crash.mjs's BID pattern reads them. */
const DIALECTS = [
  { name: '/api/collect', phase: 'lc', body: collectBody, token: collectToken },
  { name: '/api/send', phase: 'ls', body: sendBody, token: sendToken }
]
/**
 * The presets a user looks at, in turn, as the dashboard's range picker gives them in UTC (presetRange in
 * src/renderer/src/lib/range.ts): the 24 hours up to the end of the current one, whole days up to the end of today.
 */
const RANGES = [
  { name: '24h', unit: 'hour', at: (now) => ({ startAt: Math.floor(now / HOUR) * HOUR + HOUR - DAY, endAt: Math.floor(now / HOUR) * HOUR + HOUR - 1 }) },
  { name: '7d', unit: 'day', at: (now) => ({ startAt: Math.floor(now / DAY) * DAY - 6 * DAY, endAt: Math.floor(now / DAY) * DAY + DAY - 1 }) },
  { name: '30d', unit: 'day', at: (now) => ({ startAt: Math.floor(now / DAY) * DAY - 29 * DAY, endAt: Math.floor(now / DAY) * DAY + DAY - 1 }) }
]
/** RealtimeView.vue's REFRESH_MS: the next poll starts this long after the last answer. */
const REALTIME_REFRESH_MS = 5000

function envNumber(name, fallback, min = 0) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got "${raw}"`)
  return value
}

function settingsFromEnv() {
  const minutes = envNumber('LOAD_MINUTES', 10, 0.1)
  return {
    minutes,
    rate: Math.round(envNumber('LOAD_RATE', 3000, 1)),
    connections: Math.round(envNumber('LOAD_CONNECTIONS', 50, 1)),
    users: Math.round(envNumber('LOAD_USERS', 3, 0)),
    watchers: Math.round(envNumber('LOAD_WATCHERS', 1, 0)),
    readPauseMs: envNumber('LOAD_READ_PAUSE_MS', 2000),
    events: Math.round(envNumber('LOAD_EVENTS', 200_000, 1)),
    days: Math.round(envNumber('LOAD_DAYS', 30, 1)),
    warmupSeconds: envNumber('LOAD_WARMUP_S', Math.min(60, (minutes * 60) / 4)),
    rssBoundMb: envNumber('LOAD_RSS_BOUND_MB', 64),
    walBoundMb: envNumber('LOAD_WAL_BOUND_MB', 1024),
    seed: Math.round(envNumber('LOAD_SEED', 42, 1))
  }
}

// ---------------------------------------------------------------------------------------------------
// Figures

/** A growable list of latencies (ms). */
function samples() {
  let data = new Float64Array(4096)
  let n = 0
  return {
    add(ms) {
      if (n === data.length) {
        const bigger = new Float64Array(data.length * 2)
        bigger.set(data)
        data = bigger
      }
      data[n++] = ms
    },
    get count() {
      return n
    },
    summary() {
      if (n === 0) return null
      const sorted = data.slice(0, n).sort()
      const at = (q) => sorted[Math.max(0, Math.ceil(q * n) - 1)]
      return { n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[n - 1] }
    }
  }
}

function count(map, key) {
  map[key] = (map[key] ?? 0) + 1
}

/** The server's resident memory (kB): all of it, anonymous (heaps, malloc), file-backed (code, mapped -shm). */
function procMemoryKb(pid) {
  const kb = procStatusKb(pid, 'VmRSS')
  return kb === null ? null : { kb, anonKb: procStatusKb(pid, 'RssAnon'), fileKb: procStatusKb(pid, 'RssFile') }
}

/** A file's size in kB, 0 when it does not exist (the WAL after a TRUNCATE checkpoint is empty, not gone). */
function fileKb(path) {
  try {
    return statSync(path).size / 1024
  } catch {
    return 0
  }
}

// ---------------------------------------------------------------------------------------------------
// The dashboard's reads

function httpClient(baseUrl, token) {
  const url = new URL(baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: BROWSER_CONNECTIONS })
  function get(path, query) {
    const fullPath = `${path}?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`
    return new Promise((resolve) => {
      const started = performance.now()
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: fullPath, method: 'GET', agent, timeout: 30_000, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
        (res) => {
          const chunks = []
          res.on('data', (c) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started, path: fullPath, body: Buffer.concat(chunks).toString('utf8') }))
          res.on('error', (error) => resolve({ status: `error ${error.code ?? error.message}`, ms: performance.now() - started, path: fullPath, body: '' }))
        }
      )
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', (error) => resolve({ status: `error ${error.code ?? error.message}`, ms: performance.now() - started, path: fullPath, body: '' }))
      req.end()
    })
  }
  return { get, close: () => agent.destroy() }
}

/** One overview load as OverviewView.vue makes it: everything at once, over the user's 6 connections. */
function overviewRequests(websiteUuid, range, now) {
  const site = `/api/websites/${websiteUuid}`
  const q = { ...range.at(now), timezone: 'UTC' }
  return [
    ['stats', `${site}/stats`, { ...q, compare: 'prev' }],
    ['pageviews', `${site}/pageviews`, { ...q, unit: range.unit, compare: 'prev' }],
    ...OVERVIEW_TABLES.map((type) => ['metrics', `${site}/metrics`, { ...q, type }])
  ]
}

/** One poll of the realtime page (RealtimeView.vue): active visitors and the last 30 minutes, at once. */
function realtimeRequests(websiteUuid) {
  return [
    ['active', `/api/websites/${websiteUuid}/active`, {}],
    ['realtime', `/api/realtime/${websiteUuid}`, { timezone: 'UTC' }]
  ]
}

/**
 * Users on the overview loading it again and again, and watchers polling the realtime page, until `deadline`;
 * latencies per endpoint group (a whole overview load and a whole realtime poll too), errors by status.
 */
async function readLoop({ baseUrl, token, websiteUuid, users, watchers, pauseMs, deadline, reads, readErrors, errorSamples }) {
  const session = async (whole, requests, pause) => {
    const http = httpClient(baseUrl, token)
    try {
      for (let turn = 0; performance.now() < deadline; turn++) {
        const started = performance.now()
        const answers = await Promise.all(requests(turn).map(([group, path, query]) => http.get(path, query).then((res) => ({ group, res }))))
        reads[whole].add(performance.now() - started)
        for (const { group, res } of answers) {
          reads[group].add(res.ms)
          if (res.status !== 200) {
            count(readErrors, `${group} ${res.status}`)
            if (errorSamples.length < 5) errorSamples.push(`GET ${res.path} → ${res.status}: ${res.body.slice(0, 200)}`)
          }
        }
        const left = deadline - performance.now()
        if (left > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)))
      }
    } finally {
      http.close()
    }
  }
  await Promise.all([
    ...Array.from({ length: users }, (_, i) => session('overview', (turn) => overviewRequests(websiteUuid, RANGES[(i + turn) % RANGES.length], Date.now()), pauseMs)),
    ...Array.from({ length: watchers }, () => session('poll', () => realtimeRequests(websiteUuid), REALTIME_REFRESH_MS))
  ])
}

// ---------------------------------------------------------------------------------------------------
// Ingest

/** Paced ingest over both endpoints for `seconds`; every 2xx is recorded as acknowledged. */
function ingest({ url, sources, rate, connections, seconds, acked, latency, statusCounts, perSecond }) {
  let sent = 0
  const started = performance.now()
  const requests = DIALECTS.map((dialect, i) =>
    hitRequest({
      path: dialect.name,
      source: sources[i],
      phase: dialect.phase,
      acked,
      onSend: () => sent++,
      onStatus: (status) => count(statusCounts, `${dialect.name} ${status}`),
      onAck: () => {
        const second = Math.floor((performance.now() - started) / 1000)
        perSecond[second] = (perSecond[second] ?? 0) + 1
      }
    })
  )
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections, overallRate: rate, duration: seconds, timeout: 10, requests }, (error, result) => {
      if (error) reject(error)
      else resolve({ sent, result })
    })
    instance.on('response', (_client, _status, _bytes, responseTime) => latency.add(responseTime))
  })
}

// ---------------------------------------------------------------------------------------------------
// The run

async function api(base, method, path, body) {
  const response = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 300)}`)
  return JSON.parse(text)
}

export async function runLoad(settings, log = (line) => console.error(`load: ${line}`)) {
  const dataDir = makeTempDir('dashi-load-')
  try {
    log(`generating ${settings.events.toLocaleString('en-US')} events over ${settings.days} days (bench/data.mjs)…`)
    const dataSet = await generate({ events: settings.events, days: settings.days, websites: 1, seed: settings.seed, dataDir, log: (line) => log(`data: ${line}`) })
    const website = dataSet.websites[0]

    const server = startNode([SERVER_ENTRY, '--port', '0', '--data', dataDir], {
      cwd: ROOT,
      env: { ...process.env, DASHI_CLIENT_IP_HEADER: 'x-forwarded-for', DASHI_LOG_LEVEL: 'warn' },
      readyPattern: READY_LINE,
      readyTimeoutMs: 120_000,
      name: 'Dashi server'
    })
    const rss = []
    let sampler
    let stopped
    const figures = { acked: new Set(), statusCounts: {}, ingestLatency: samples(), perSecond: [], readErrors: {}, errorSamples: [] }
    const reads = Object.fromEntries(['overview', 'stats', 'pageviews', 'metrics', 'poll', 'active', 'realtime'].map((g) => [g, samples()]))
    let ingestRun
    const seconds = Math.round(settings.minutes * 60)
    try {
      const { url } = await server.ready
      const pid = server.child.pid
      const rssAtReadyKb = procStatusKb(pid, 'VmRSS')
      const started = performance.now()
      const dbFile = join(dataDir, 'dashi.db')
      sampler = setInterval(() => {
        const memory = procMemoryKb(pid)
        if (memory !== null) rss.push({ s: (performance.now() - started) / 1000, ...memory, walKb: fileKb(`${dbFile}-wal`), shmKb: fileKb(`${dbFile}-shm`) })
      }, 1000)
      const { token } = await api(url, 'POST', '/api/auth/login', { username: 'admin', password: 'umami' })
      const sources = DIALECTS.map((d) => createHitSource({ websiteUuid: website.uuid, body: d.body, token: d.token, visitors: 20_000, seed: settings.seed + 7 }))
      log(`server ready at ${url} (pid ${pid}); ${seconds} s of ${settings.rate} hits/s over ${settings.connections} connections + ${settings.users} users on the overview and ${settings.watchers} on the realtime page`)
      const deadline = performance.now() + seconds * 1000
      const progress = setInterval(() => {
        const last = rss.at(-1)
        log(`${Math.round((performance.now() - started) / 1000)} s: ${figures.acked.size.toLocaleString('en-US')} hits acknowledged, ${reads.overview.count} overview loads, RSS ${last ? Math.round(last.kb / 1024) : '?'} MB`)
      }, 30_000)
      try {
        const [run] = await Promise.all([
          ingest({ url, sources, rate: settings.rate, connections: settings.connections, seconds, acked: figures.acked, latency: figures.ingestLatency, statusCounts: figures.statusCounts, perSecond: figures.perSecond }),
          readLoop({ baseUrl: url, token, websiteUuid: website.uuid, users: settings.users, watchers: settings.watchers, pauseMs: settings.readPauseMs, deadline, reads, readErrors: figures.readErrors, errorSamples: figures.errorSamples })
        ])
        ingestRun = run
      } finally {
        clearInterval(progress)
      }
      clearInterval(sampler)
      sampler = undefined
      figures.elapsedSeconds = (performance.now() - started) / 1000
      figures.rssAtReadyKb = rssAtReadyKb
      figures.hwmKb = procStatusKb(pid, 'VmHWM')
    } finally {
      if (sampler) clearInterval(sampler)
      // SIGTERM: the server flushes what it holds and exits; then its file is read.
      stopped = await server.stop(30_000)
    }
    const stored = inspectDatabase(join(dataDir, 'dashi.db'))
    const lost = [...figures.acked].filter((id) => !stored.ids.has(id))
    const duplicates = [...stored.ids].filter(([, n]) => n > 1).map(([id]) => id)
    return { settings, dataSet, website, rss, reads, ingestRun, stopped, stored, lost, duplicates, ...figures }
  } finally {
    removeTempDir(dataDir)
  }
}

// ---------------------------------------------------------------------------------------------------
// Verdict and report

/** The sample of the lowest RSS among `samples`, or null. */
const floorOf = (samples) => samples.reduce((low, r) => (low === null || r.kb < low.kb ? r : low), null)

/**
 * RSS growth after the warm-up: the floor (lowest RSS) of the last `window` seconds of the run against the
 * floor of the first `window` seconds after the warm-up; `window` is 60 s, or a third of the time after the
 * warm-up in a short run. Floors, because the main thread's V8 heap breathes by tens of MB between major GCs
 * (see the header): two single points can differ by ~100 MB with nothing retained, while a leak or a cache
 * without bound raises the floor.
 */
function memoryVerdict(rss, settings, elapsedSeconds) {
  const warmEnd = Math.min(settings.warmupSeconds, elapsedSeconds / 2)
  const window = Math.min(60, (elapsedSeconds - warmEnd) / 3)
  const baseline = floorOf(rss.filter((r) => r.s > warmEnd && r.s <= warmEnd + window))
  const end = floorOf(rss.filter((r) => r.s > elapsedSeconds - window))
  const after = rss.filter((r) => r.s > warmEnd).map((r) => r.kb)
  const growthKb = baseline === null || end === null ? null : end.kb - baseline.kb
  const walMaxKb = Math.max(0, ...rss.map((r) => r.walKb))
  return {
    warmEnd,
    window,
    baseline,
    end,
    maxKb: Math.max(...rss.map((r) => r.kb)),
    maxAfterWarmupKb: after.length ? Math.max(...after) : null,
    walMaxKb,
    shmMaxKb: Math.max(0, ...rss.map((r) => r.shmKb)),
    growthKb,
    ok: growthKb !== null && growthKb <= settings.rssBoundMb * 1024,
    walOk: walMaxKb <= settings.walBoundMb * 1024
  }
}

/** Per minute of the run: the RSS floor and peak (MB), to see a plateau or a climb at a glance. */
function rssByMinute(rss) {
  const minutes = []
  for (const r of rss) {
    const m = (minutes[Math.floor(r.s / 60)] ??= { low: Infinity, high: 0 })
    m.low = Math.min(m.low, r.kb)
    m.high = Math.max(m.high, r.kb)
  }
  return minutes.map((m, i) => (m ? `${i + 1}: ${Math.round(m.low / 1024)}–${Math.round(m.high / 1024)}` : `${i + 1}: —`)).join(', ')
}

export function verdict(result) {
  const memory = memoryVerdict(result.rss, result.settings, result.elapsedSeconds)
  const ingestErrors = Object.entries(result.statusCounts).filter(([key]) => !/ 2\d\d$/.test(key))
  // autocannon's `errors` counts every failed request, its `timeouts` (no answer within 10 s) included.
  const autocannonErrors = result.ingestRun?.result.errors ?? 0
  const readErrors = Object.values(result.readErrors).reduce((a, b) => a + b, 0)
  const failures = []
  if (result.acked.size === 0) failures.push('no hit was acknowledged')
  if (ingestErrors.length) failures.push(`ingest answered non-2xx: ${ingestErrors.map(([k, n]) => `${k} ×${n}`).join(', ')}`)
  if (autocannonErrors) failures.push(`ingest: ${autocannonErrors} requests failed (${result.ingestRun.result.timeouts} of them unanswered within 10 s)`)
  if (readErrors) failures.push(`reads failed: ${Object.entries(result.readErrors).map(([k, n]) => `${k} ×${n}`).join(', ')}`)
  if (result.reads.overview.count === 0 && result.settings.users > 0) failures.push('no overview load completed')
  if (result.lost.length) failures.push(`${result.lost.length} acknowledged hits missing from the database`)
  if (result.duplicates.length) failures.push(`${result.duplicates.length} hits stored twice`)
  if (result.stored.integrity !== 'ok') failures.push(`integrity_check: ${result.stored.integrity}`)
  if (!memory.ok) failures.push(`RSS grew by ${memory.growthKb === null ? '?' : (memory.growthKb / 1024).toFixed(1)} MB after the warm-up (bound ${result.settings.rssBoundMb} MB)`)
  if (!memory.walOk) failures.push(`the WAL file reached ${(memory.walMaxKb / 1024).toFixed(0)} MB (bound ${result.settings.walBoundMb} MB): it is not being emptied`)
  if (result.stopped.killed || result.stopped.code !== 0) failures.push(`the server did not stop cleanly on SIGTERM (${JSON.stringify(result.stopped)})`)
  return { memory, failures, ok: failures.length === 0 }
}

const fmt = (n) => Number(n).toLocaleString('en-US')
const ms = (x) => (x === null || x === undefined ? '—' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0))
const mb = (kb) => (kb === null || kb === undefined ? '?' : `${(kb / 1024).toFixed(0)} MB`)
const floorLine = (r) => (r ? `${mb(r.kb)} (anonymous ${mb(r.anonKb)}, file-backed ${mb(r.fileKb)}; WAL ${mb(r.walKb)}) at ${r.s.toFixed(0)} s` : '?')

/** Acknowledgements per second of the run: how steady ingest was, and its longest stall. */
function perSecondLine(perSecond, elapsedSeconds) {
  const whole = Math.max(1, Math.floor(elapsedSeconds) - 1)
  const counts = Array.from({ length: whole }, (_, i) => perSecond[i] ?? 0)
  let stall = 0
  let run = 0
  for (const n of counts) {
    run = n === 0 ? run + 1 : 0
    stall = Math.max(stall, run)
  }
  const sorted = [...counts].sort((a, b) => a - b)
  return `  acknowledged per second        median ${fmt(sorted[Math.floor(whole / 2)])}, min ${fmt(sorted[0])}, max ${fmt(sorted[whole - 1])}; longest run of seconds without one: ${stall} s`
}

function latencyRow(name, s) {
  const sum = s.summary()
  if (!sum) return `  ${name.padEnd(30)} —`
  return `  ${name.padEnd(30)} ${fmt(sum.n).padStart(9)}  ${ms(sum.p50).padStart(7)}  ${ms(sum.p95).padStart(7)}  ${ms(sum.p99).padStart(7)}  ${ms(sum.max).padStart(7)}`
}

export function report(result, { memory, failures, ok }) {
  const { settings, ingestRun } = result
  const sent = ingestRun?.sent ?? 0
  const achieved = result.acked.size / result.elapsedSeconds
  const ackedStored = result.acked.size - result.lost.length
  const lines = [
    '',
    `Mixed load: ${(result.elapsedSeconds / 60).toFixed(1)} min; ingest paced at ${fmt(settings.rate)} hits/s over ${settings.connections} connections ` +
      `(half /api/collect, half /api/send); ${settings.users} users loading the overview (stats, pageviews, ${OVERVIEW_TABLES.length} tables; ` +
      `24h / 7d / 30d presets in turn, ${settings.readPauseMs} ms pause); ${settings.watchers} on the realtime page (active + realtime every ${REALTIME_REFRESH_MS / 1000} s)`,
    `data set: ${fmt(result.dataSet.events)} events, ${fmt(result.dataSet.sessions)} sessions over ${settings.days} days (${result.dataSet.dbMb} MB), seed ${settings.seed}`,
    '',
    'ingest',
    `  hits sent                      ${fmt(sent)}`,
    `  hits acknowledged (2xx)        ${fmt(result.acked.size)}  = ${fmt(Math.round(achieved))} hits/s achieved (target ${fmt(settings.rate)})`,
    `  … stored (in website_event)    ${fmt(ackedStored)}`,
    `  acknowledged but LOST          ${fmt(result.lost.length)}`,
    `  stored twice                   ${fmt(result.duplicates.length)}`,
    `  replies                        ${Object.entries(result.statusCounts).map(([k, n]) => `${k}: ${fmt(n)}`).join(', ')}`,
    `  stored, not acknowledged       ${fmt(result.stored.ids.size - ackedStored)} (in flight when the load stopped, or answered too late)`,
    `  failed requests                ${fmt(ingestRun?.result.errors ?? 0)} (of them unanswered within 10 s: ${fmt(ingestRun?.result.timeouts ?? 0)})`,
    perSecondLine(result.perSecond, result.elapsedSeconds),
    '',
    `latency (ms)                     ${'n'.padStart(9)}  ${'p50'.padStart(7)}  ${'p95'.padStart(7)}  ${'p99'.padStart(7)}  ${'max'.padStart(7)}`,
    latencyRow('ingest (both endpoints)', result.ingestLatency),
    latencyRow('read: whole overview load', result.reads.overview),
    latencyRow('read: stats', result.reads.stats),
    latencyRow('read: pageviews', result.reads.pageviews),
    latencyRow('read: metrics (each table)', result.reads.metrics),
    latencyRow('read: whole realtime poll', result.reads.poll),
    latencyRow('read: active', result.reads.active),
    latencyRow('read: realtime', result.reads.realtime),
    `  read errors                    ${Object.keys(result.readErrors).length ? Object.entries(result.readErrors).map(([k, n]) => `${k}: ${n}`).join(', ') : 'none'}`,
    '',
    'server memory (RSS, sampled every second)',
    `  at ready ${mb(result.rssAtReadyKb)}; max ${mb(memory.maxKb)}; VmHWM ${mb(result.hwmKb)}`,
    `  by minute (floor–peak, MB)     ${rssByMinute(result.rss)}`,
    `  floor after the warm-up        ${floorLine(memory.baseline)} (${memory.warmEnd.toFixed(0)}–${(memory.warmEnd + memory.window).toFixed(0)} s)`,
    `  floor at the end               ${floorLine(memory.end)} (last ${memory.window.toFixed(0)} s)`,
    `  growth after the warm-up       ${memory.growthKb === null ? '?' : `${(memory.growthKb / 1024).toFixed(1)} MB`} ` +
      `(bound: the end's floor may exceed the floor after the warm-up by at most ${settings.rssBoundMb} MB) → ${memory.ok ? 'OK' : 'EXCEEDED'}`,
    `  WAL file                       max ${mb(memory.walMaxKb)}, its index (-shm) max ${(memory.shmMaxKb / 1024).toFixed(1)} MB ` +
      `(bound ${settings.walBoundMb} MB) → ${memory.walOk ? 'OK' : 'EXCEEDED'}`,
    `  database after the run         integrity ${result.stored.integrity}, ${fmt(result.stored.rows)} events; server stop: ${result.stopped.code === 0 && !result.stopped.killed ? 'SIGTERM, exit 0' : JSON.stringify(result.stopped)}`
  ]
  if (achieved < settings.rate * 0.9) lines.push(`  NOTE: the achieved rate is below 90 % of the target: the server (or this machine) did not keep up`)
  if (result.errorSamples.length) lines.push('', 'first read errors:', ...result.errorSamples.map((e) => `  ${e}`))
  if (result.lost.length) lines.push(`  lost ids (first 10): ${result.lost.slice(0, 10).join(', ')}`)
  lines.push('', ok ? 'load: OK — no errors, 0 acknowledged hits lost, memory within bound' : `load: FAILED\n${failures.map((f) => `  - ${f}`).join('\n')}`)
  return lines.join('\n')
}

async function main() {
  installCleanup()
  const settings = settingsFromEnv()
  ensureBuilt()
  const result = await runLoad(settings)
  const judged = verdict(result)
  console.log(report(result, judged))
  process.exitCode = judged.ok ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error('load: failed:', error)
    process.exitCode = 1
  })
}
