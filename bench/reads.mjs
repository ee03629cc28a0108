// Read-endpoint latency of the current API on a generated data set (bench/data.mjs).
//
//   npm run bench:reads -- [--events 1000000] [--days 90] [--websites 3] [--seed 42]
//                          [--iterations 20] [--warmup 2] [--budget 6] [--ingest 10] [--only <text>] [--force] [--analyze] [--json <file>]
//
// Generates the data set (or reuses it from node_modules/.cache/dashi-bench/<key>/), starts the built server
// on it, logs in as admin, and measures each read endpoint of the largest website over the last 90 and
// 7 days of the data set: `iterations` sequential requests after `warmup` unmeasured ones (fewer when an
// endpoint has used up its `budget` seconds; the n column says how many), p50 and p95 in ms. Every response
// must be 200: failures are listed and the exit code is 1. --only keeps the endpoints whose name contains
// the text (e.g. --only metrics). See bench/README-data.md.
import { Agent, request as httpRequest } from 'node:http'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { DATABASE_FILE, ensureDataSet, ensureBuilt, formatSummary, parseCommonArgs, PROFILES_SAMPLE, READY_LINE, ROOT, SERVER_ENTRY } from './data.mjs'
import { createHitSource, hitRequest, sendBody, sendToken } from './hits.mjs'
import { installCleanup, procStatusKb, startNode } from './proc.mjs'

const DAY = 86_400_000
/** Chromium (and so the Electron dashboard) opens at most 6 connections per host over HTTP/1.1. */
const BROWSER_CONNECTIONS = 6

/** Every metric type the current API accepts (METRIC_TYPES in src/server/queries/current-analytics.ts). */
export const METRIC_TYPES = [
  'path', 'entry', 'exit', 'referrer', 'domain', 'title', 'query', 'event', 'tag', 'hostname', 'browser', 'os', 'device',
  'screen', 'language', 'country', 'region', 'city', 'distinctId', 'channel', 'utmSource', 'utmMedium', 'utmCampaign',
  'utmContent', 'utmTerm'
]

/** The overview's tables, in the order OverviewView.vue (TABLES) requests them. */
export const OVERVIEW_TABLES = ['path', 'entry', 'exit', 'referrer', 'channel', 'hostname', 'browser', 'os', 'device', 'screen', 'language', 'event', 'query', 'country']
/**
 * PRODUCT.md's target case, "stats + comparison + series + 10 tables": the dashboard's tables without the
 * visit-based entry / exit and the small hostname / query ones.
 */
export const SPEC_OVERVIEW_TABLES = ['path', 'referrer', 'channel', 'browser', 'os', 'device', 'screen', 'language', 'event', 'country']

// ---------------------------------------------------------------------------------------------------
// HTTP

function client(baseUrl, token) {
  const url = new URL(baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: BROWSER_CONNECTIONS })
  /** GET → { status, body (parsed JSON or text), ms }. */
  function get(path, query = {}) {
    const qs = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) qs.append(k, String(v))
    const fullPath = qs.size ? `${path}?${qs}` : path
    return new Promise((resolvePromise, reject) => {
      const started = performance.now()
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: fullPath, method: 'GET', agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
        (res) => {
          const chunks = []
          res.on('data', (c) => chunks.push(c))
          res.on('end', () => {
            const ms = performance.now() - started
            const text = Buffer.concat(chunks).toString('utf8')
            let body = text
            try {
              body = JSON.parse(text)
            } catch {}
            resolvePromise({ status: res.statusCode, body, ms, path: fullPath })
          })
          res.on('error', reject)
        }
      )
      req.on('error', reject)
      req.end()
    })
  }
  return { get, close: () => agent.destroy() }
}

async function login(baseUrl) {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'umami' })
  })
  const body = await res.json().catch(() => null)
  if (res.status !== 200 || typeof body?.token !== 'string') throw new Error(`login as admin/umami failed: HTTP ${res.status} ${JSON.stringify(body)?.slice(0, 200)}`)
  return body.token
}

/** How many rows a response holds: list length, a page's data, a series' points; 1 for a single object. */
function rowsOf(body) {
  if (Array.isArray(body)) return body.length
  if (body && typeof body === 'object') {
    if (Array.isArray(body.data)) return body.data.length
    if (Array.isArray(body.pageviews)) return body.pageviews.length
    if (Array.isArray(body.events)) return body.events.length
    return 1
  }
  return 0
}

const percentile = (sorted, q) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]

// ---------------------------------------------------------------------------------------------------
// The measured cases

/**
 * The endpoint list for one range. Each case is { name, run(get) → response | responses[] }; a case that
 * issues several requests (the overview) is timed as a whole.
 */
function casesFor(websiteUuid, range, sample) {
  const site = `/api/websites/${websiteUuid}`
  const r = { startAt: range.startAt, endAt: range.endAt }
  const one = (name, path, query = {}) => ({ name, run: (get) => get(path, { ...r, ...query }) })
  // As OverviewView.vue loads it: all requests at once (the agent keeps 6 in flight, as a browser does);
  // timed until the last answer.
  const overview = (name, tables) => ({
    name,
    run: (get) => {
      const q = { ...r, timezone: 'UTC' }
      return Promise.all([
        get(`${site}/stats`, { ...q, compare: 'prev' }),
        get(`${site}/pageviews`, { ...q, unit: 'day', compare: 'prev' }),
        ...tables.map((type) => get(`${site}/metrics`, { ...q, type }))
      ])
    }
  })
  const cases = [
    one('stats (compare=prev)', `${site}/stats`, { compare: 'prev' }),
    one('pageviews (day, UTC)', `${site}/pageviews`, { unit: 'day', timezone: 'UTC' }),
    one('pageviews (day, UTC, compare=prev)', `${site}/pageviews`, { unit: 'day', timezone: 'UTC', compare: 'prev' }),
    one('pageviews (day, America/New_York)', `${site}/pageviews`, { unit: 'day', timezone: 'America/New_York' })
  ]
  for (const type of METRIC_TYPES) cases.push(one(`metrics type=${type}`, `${site}/metrics`, { type }))
  cases.push(
    one('metrics/expanded type=path', `${site}/metrics/expanded`, { type: 'path' }),
    one('metrics/expanded type=referrer', `${site}/metrics/expanded`, { type: 'referrer' }),
    one('events (page 1)', `${site}/events`, { page: 1, pageSize: 20 }),
    one('events/series (day, UTC)', `${site}/events/series`, { unit: 'day', timezone: 'UTC' }),
    one('events/stats', `${site}/events/stats`, { compare: 'prev' }),
    one('event-data/events', `${site}/event-data/events`),
    one('event-data/fields', `${site}/event-data/fields`),
    one('event-data/properties', `${site}/event-data/properties`),
    one(`event-data/values (${sample.event}.${sample.property})`, `${site}/event-data/values`, { event: sample.event, propertyName: sample.property }),
    one('event-data/stats', `${site}/event-data/stats`),
    one('sessions (page 1)', `${site}/sessions`, { page: 1, pageSize: 20 }),
    one('sessions/stats', `${site}/sessions/stats`),
    one('sessions/weekly (UTC)', `${site}/sessions/weekly`, { timezone: 'UTC' }),
    one('sessions/{id}', `${site}/sessions/${sample.sessionId}`),
    one('sessions/{id}/activity', `${site}/sessions/${sample.sessionId}/activity`),
    one('session-data/properties', `${site}/session-data/properties`),
    one('session-data/values (plan)', `${site}/session-data/values`, { propertyName: 'plan' }),
    one('values type=path', `${site}/values`, { type: 'path' }),
    one('values type=referrer', `${site}/values`, { type: 'referrer' }),
    overview(`full overview, PRODUCT.md (stats, pageviews, ${SPEC_OVERVIEW_TABLES.length} tables)`, SPEC_OVERVIEW_TABLES),
    overview(`full overview, dashboard (stats, pageviews, ${OVERVIEW_TABLES.length} tables)`, OVERVIEW_TABLES)
  )
  return cases
}

/**
 * The overview's numbers against a plain scan of the raw events: every request of the dashboard overview
 * (stats and series with their comparison, every table) as measured, and again with a filter every view
 * matches (`path=c./`, paths start with "/"), which makes the server group the events themselves instead of
 * reading the visit table. Returns the requests whose answers differ.
 */
async function checkOverview(get, websiteUuid, range) {
  const site = `/api/websites/${websiteUuid}`
  const q = { startAt: range.startAt, endAt: range.endAt, timezone: 'UTC' }
  const requests = [
    [`${site}/stats`, { ...q, compare: 'prev' }],
    [`${site}/pageviews`, { ...q, unit: 'day', compare: 'prev' }],
    [`${site}/pageviews`, { ...q, unit: 'hour', timezone: 'America/New_York' }],
    ...OVERVIEW_TABLES.map((type) => [`${site}/metrics`, { ...q, type }])
  ]
  const differing = []
  for (const [path, query] of requests) {
    const [fast, scan] = [await get(path, query), await get(path, { ...query, path: 'c./' })]
    if (fast.status !== 200 || scan.status !== 200 || JSON.stringify(fast.body) !== JSON.stringify(scan.body)) differing.push(`${path} ${JSON.stringify(query)}`)
  }
  return { requests: requests.length, differing }
}

/** Endpoints that take no range. */
function rangelessCases(websiteUuid) {
  const site = `/api/websites/${websiteUuid}`
  return [
    { name: 'active', run: (get) => get(`${site}/active`) },
    { name: 'daterange', run: (get) => get(`${site}/daterange`) },
    { name: 'realtime', run: (get) => get(`/api/realtime/${websiteUuid}`) }
  ]
}

/** Runs a case warm-up + iterations times (fewer when over budget) and returns its row. */
async function measure(get, c, rangeName, { iterations, warmup, budgetMs }) {
  const row = { endpoint: c.name, range: rangeName, n: 0, p50: null, p95: null, min: null, max: null, rows: null, ok: true, error: null }
  const samples = []
  const started = performance.now()
  // Slow endpoints (a second or more a request on big data sets) get one warm-up and may stop at 3 samples,
  // so a 10 M-event run stays within minutes; the n column shows how many samples a row has.
  const slowMs = budgetMs / 6
  let minSamples = 5
  for (let i = 0; i < warmup + iterations; i++) {
    const t = performance.now()
    let result
    try {
      result = await c.run(get)
    } catch (error) {
      row.ok = false
      row.error = `request failed: ${error.message}`
      break
    }
    const ms = performance.now() - t
    const responses = Array.isArray(result) ? result : [result]
    const bad = responses.find((res) => res.status !== 200)
    if (bad) {
      row.ok = false
      const detail = typeof bad.body === 'string' ? bad.body : JSON.stringify(bad.body)
      row.error = `HTTP ${bad.status} for GET ${bad.path}: ${detail.slice(0, 300)}`
      break
    }
    row.rows = responses.reduce((sum, res) => sum + rowsOf(res.body), 0)
    if (i < warmup) {
      if (ms > slowMs) i = warmup - 1
      continue
    }
    samples.push(ms)
    if (ms > slowMs) minSamples = 3
    // An endpoint stops early once it has used its budget and has its minimum of samples.
    if (samples.length >= minSamples && performance.now() - started > budgetMs) break
  }
  if (samples.length > 0) {
    samples.sort((a, b) => a - b)
    row.n = samples.length
    row.p50 = percentile(samples, 0.5)
    row.p95 = percentile(samples, 0.95)
    row.min = samples[0]
    row.max = samples.at(-1)
  }
  return row
}

/** A session with several views in the 7-day range (for sessions/{id} and its activity). */
// ---------------------------------------------------------------------------------------------------
// Ingest beside reads (issue 6, target 4)

const INGEST_RATE = 1_000
const INGEST_CONNECTIONS = 50
const READ_USERS = 3

/** Paced /api/send hits for `seconds`; resolves with autocannon's latency percentiles and counts. */
function ingest(url, source, phase, seconds) {
  const acked = new Set()
  return new Promise((resolvePromise, reject) => {
    autocannon(
      {
        url,
        connections: INGEST_CONNECTIONS,
        overallRate: INGEST_RATE,
        duration: seconds,
        timeout: 10,
        requests: [hitRequest({ path: '/api/send', source, phase, acked })]
      },
      (error, result) => (error ? reject(error) : resolvePromise({ latency: result.latency, sent: result.requests.sent, acked: acked.size, errors: result.errors + result.timeouts + result.non2xx }))
    )
  })
}

/**
 * Hit latency at a steady 1,000 hits/s over 50 connections, first alone, then while three dashboard users
 * load the 90-day overview of the largest website over and over (each as a browser, 6 connections).
 */
async function ingestBesideReads(url, get, websiteUuid, range, seconds, log) {
  const source = createHitSource({ websiteUuid, body: sendBody, token: sendToken, visitors: 20_000, seed: 7 })
  await ingest(url, source, 'rw', 3) // warm-up: JIT, caches, the first visitors' sessions
  const alone = await ingest(url, source, 'ra', seconds)
  log(`ingest alone: p99 ${alone.latency.p99} ms`)
  const overview = casesFor(websiteUuid, range, PROFILES_SAMPLE).find((c) => c.name.startsWith('full overview, PRODUCT.md'))
  let reading = true
  const loads = []
  const users = Array.from({ length: READ_USERS }, async () => {
    while (reading) {
      const started = performance.now()
      await overview.run(get)
      if (reading) loads.push(performance.now() - started)
    }
  })
  // Let the reads fill the read threads' queue before measuring.
  await new Promise((r) => setTimeout(r, 1000))
  const withReads = await ingest(url, source, 'rb', seconds)
  reading = false
  await Promise.all(users)
  loads.sort((a, b) => a - b)
  log(`ingest beside reads: p99 ${withReads.latency.p99} ms, ${loads.length} overview loads`)
  return { seconds, rate: INGEST_RATE, connections: INGEST_CONNECTIONS, users: READ_USERS, alone, withReads, overviewLoads: loads.length, overviewP50: loads[Math.floor(loads.length / 2)] ?? null }
}

async function pickSession(get, websiteUuid, range) {
  const res = await get(`/api/websites/${websiteUuid}/sessions`, { startAt: range.startAt, endAt: range.endAt, page: 1, pageSize: 100 })
  if (res.status !== 200) throw new Error(`GET ${res.path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`)
  const list = res.body.data ?? []
  if (list.length === 0) throw new Error('no sessions in the last 7 days of the data set')
  return list.reduce((best, s) => (s.views > best.views ? s : best), list[0]).id
}

// ---------------------------------------------------------------------------------------------------
// Entry points

/**
 * Waits until the server has built the daily visitor sets (src/server/queries/day-sets.ts) of every closed UTC
 * day with events, as a server that has been running does: its housekeeping starts building them seconds
 * after start-up, on a database made by the generator or upgraded from before migration 008. Returns how
 * many days and how long the wait took.
 */
async function waitForDaySets(dataDir, log) {
  const db = new Database(`${dataDir}/${DATABASE_FILE}`, { readonly: true, fileMustExist: true })
  try {
    const today = Math.floor(Date.now() / DAY)
    const anyEvent = db.prepare('SELECT 1 FROM website_event WHERE website_id = ? AND created_at BETWEEN ? AND ? LIMIT 1').pluck()
    let days = 0
    for (const websiteId of db.prepare('SELECT website_id FROM website').pluck().all()) {
      const first = db.prepare('SELECT min(created_at) FROM website_event WHERE website_id = ?').pluck().get(websiteId)
      if (first === null) continue
      for (let day = Math.floor(first / DAY); day < today; day++) if (anyEvent.get(websiteId, day * DAY, day * DAY + DAY - 1) !== undefined) days++
    }
    const started = performance.now()
    const built = db.prepare('SELECT count(*) FROM day_set_built').pluck()
    while (built.get() < days) {
      if (performance.now() - started > 20 * 60_000) throw new Error(`daily visitor sets: ${built.get()} of ${days} days built after 20 minutes`)
      await new Promise((r) => setTimeout(r, 250))
    }
    const seconds = (performance.now() - started) / 1000
    log(`daily visitor sets of ${days} closed days built (waited ${seconds.toFixed(1)} s)`)
    return { days, seconds }
  } finally {
    db.close()
  }
}

/**
 * Runs the read benchmark and returns { rows, failures, server, dataSet, dataDir, website, options }.
 * rows: { endpoint, range ('90d' | '7d' | '-'), n, p50, p95, min, max (ms), rows, ok, error };
 * failures: the rows with ok false; server: { startupMs, rssAtReadyKb, rssKb, hwmKb, stop, … };
 * dataSet: the generator's summary (bench-data.json). formatReads() prints it as the CLI does.
 */
export async function benchReads({
  events = 1_000_000,
  days = 90,
  websites = 3,
  seed = 42,
  end,
  iterations = 20,
  warmup = 2,
  budgetSeconds = 6,
  ingestSeconds = 10,
  only,
  force = false,
  analyze = false,
  log = (line) => console.error(`bench:reads: ${line}`)
} = {}) {
  installCleanup()
  ensureBuilt(log)
  const { dataDir, summary, reused } = await ensureDataSet({ events, days, websites, seed, end, force, analyze, log: (line) => log(`data: ${line}`) })
  log(`${reused ? 'reusing' : 'generated'} data set ${dataDir} (${summary.events.toLocaleString('en-US')} events, ${summary.dbMb} MB)`)

  const started = performance.now()
  const server = startNode([SERVER_ENTRY, '--port', '0', '--data', dataDir], { cwd: ROOT, readyPattern: READY_LINE, name: 'Dashi server', readyTimeoutMs: 120_000 })
  let http
  try {
    const { url } = await server.ready
    const startupMs = performance.now() - started
    const pid = server.child.pid
    const rssAtReadyKb = procStatusKb(pid, 'VmRSS')
    log(`server ready at ${url} in ${startupMs.toFixed(0)} ms (pid ${pid})`)
    http = client(url, await login(url))
    const daySets = await waitForDaySets(dataDir, log)

    const website = summary.websites[0]
    const endAt = summary.range.endAt
    const ranges = [
      ['90d', { startAt: endAt - 90 * DAY, endAt }],
      ['7d', { startAt: endAt - 7 * DAY, endAt }]
    ]
    const sample = { ...PROFILES_SAMPLE, sessionId: await pickSession(http.get, website.uuid, ranges[1][1]) }
    const options = { iterations, warmup, budgetMs: budgetSeconds * 1000 }
    const rows = []
    const wanted = (c) => !only || c.name.includes(only)
    for (const [name, range] of ranges) {
      for (const c of casesFor(website.uuid, range, sample).filter(wanted)) {
        const row = await measure(http.get, c, name, options)
        rows.push(row)
        log(`${name.padEnd(3)} ${c.name}: ${row.ok ? `p50 ${row.p50.toFixed(1)} ms (n=${row.n})` : `FAILED: ${row.error}`}`)
      }
    }
    for (const c of rangelessCases(website.uuid).filter(wanted)) rows.push(await measure(http.get, c, '-', options))
    const exactness = []
    for (const [name, range] of ranges) exactness.push({ range: name, ...(await checkOverview(http.get, website.uuid, range)) })
    const beside = ingestSeconds > 0 ? await ingestBesideReads(url, http.get, website.uuid, ranges[0][1], ingestSeconds, log) : null

    const serverInfo = {
      startupMs,
      daySets,
      rssAtReadyKb,
      rssKb: procStatusKb(pid, 'VmRSS'),
      hwmKb: procStatusKb(pid, 'VmHWM'),
      logLevels: server.logLevels,
      warnings: server.warnings
    }
    http.close()
    http = null
    const stopped = await server.stop()
    serverInfo.stop = stopped
    const failures = rows.filter((r) => !r.ok)
    for (const e of exactness) for (const d of e.differing) failures.push({ range: e.range, endpoint: `exactness: ${d}`, error: 'differs from the event scan' })
    return { rows, failures, exactness, beside, server: serverInfo, dataSet: summary, dataDir, website, options: { iterations, warmup, budgetSeconds } }
  } finally {
    http?.close()
    await server.stop()
  }
}

export function formatReads({ rows, failures, exactness, beside, server, dataSet, website, options }) {
  const ms = (x) => (x === null ? '—' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0))
  const width = Math.max(...rows.map((r) => r.endpoint.length), 8)
  const ageH = (Date.now() - dataSet.range.endAt) / 3_600_000
  const lines = [
    '',
    `Read latency: ${website.name} (${website.uuid}), ${website.events.toLocaleString('en-US')} of ${dataSet.events.toLocaleString('en-US')} events, ` +
      `${dataSet.sessions.toLocaleString('en-US')} sessions, ${dataSet.dbMb} MB database`,
    `ranges end at the data set's end (${dataSet.range.endDate}, ${ageH < 1 ? 'less than an hour' : `${ageH.toFixed(1)} h`} ago); ` +
      `${options.iterations} sequential requests after ${options.warmup} warm-up (fewer past ${options.budgetSeconds} s per endpoint)`,
    '',
    `${'endpoint'.padEnd(width)}  range   p50 ms   p95 ms    n     rows`,
    `${'-'.repeat(width)}  -----  -------  -------  ---  -------`
  ]
  for (const r of rows) {
    const status = r.ok ? '' : '  FAILED'
    lines.push(`${r.endpoint.padEnd(width)}  ${r.range.padEnd(5)}  ${ms(r.p50).padStart(7)}  ${ms(r.p95).padStart(7)}  ${String(r.n).padStart(3)}  ${String(r.rows ?? '—').padStart(7)}${status}`)
  }
  const mb = (kb) => (kb === null ? '?' : `${(kb / 1024).toFixed(0)} MB`)
  lines.push(
    '',
    `server start-up to ready: ${server.startupMs.toFixed(0)} ms on this database`,
    ...(server.daySets ? [`daily visitor sets: ${server.daySets.days} closed days, built in the background within ${server.daySets.seconds.toFixed(1)} s of ready (measured after)`] : []),
    `server RSS: ${mb(server.rssAtReadyKb)} at ready, ${mb(server.rssKb)} after the run (VmHWM ${mb(server.hwmKb)})`
  )
  for (const e of exactness ?? []) {
    lines.push(
      `overview numbers vs a plain scan of the events (${e.range}, ${e.requests} requests): ` +
        (e.differing.length ? `${e.differing.length} DIFFER` : 'identical')
    )
  }
  if (beside) {
    const row = (name, r) =>
      `  ${name.padEnd(34)} ${String(r.latency.p50).padStart(6)} ${String(r.latency.p97_5 ?? '—').padStart(8)} ${String(r.latency.p99).padStart(6)} ${String(r.latency.max).padStart(6)}   ${r.acked.toLocaleString('en-US')}${r.errors ? `, ${r.errors} errors` : ''}`
    lines.push(
      '',
      `ingest beside reads: /api/send paced at ${beside.rate.toLocaleString('en-US')} hits/s over ${beside.connections} connections, ${beside.seconds} s each`,
      `  ${''.padEnd(34)} ${'p50'.padStart(6)} ${'p97.5'.padStart(8)} ${'p99'.padStart(6)} ${'max'.padStart(6)}   acknowledged`,
      row('alone', beside.alone),
      row(`while ${beside.users} users load the 90d overview`, beside.withReads),
      `  overview loads meanwhile: ${beside.overviewLoads}${beside.overviewP50 === null ? '' : `, p50 ${ms(beside.overviewP50)} ms`}`
    )
  }
  const { stop } = server
  if (stop && (stop.killed || stop.code !== 0)) lines.push(`WARNING: the server did not stop cleanly on SIGTERM (${JSON.stringify(stop)})`)
  // The default-password warning is expected here (the bench logs in as admin/umami).
  const warnings = [...new Set(server.warnings)].filter((w) => !w.includes('default password'))
  if (warnings.length) lines.push(`server warnings: ${warnings.join(' | ')}`)
  if (failures.length) {
    lines.push('', `FAILED: ${failures.length} case(s) (not answered 200, or numbers that differ from the event scan):`)
    for (const f of failures) lines.push(`  ${f.range} ${f.endpoint}: ${f.error}`)
  } else lines.push('', `all ${rows.length} cases answered 200${exactness?.length ? ', overview numbers identical to the event scan' : ''}`)
  return lines.join('\n')
}

async function main() {
  let args
  const usage = `Usage: npm run bench:reads -- [--events 1000000] [--days 90] [--websites 3] [--seed 42] [--end <ms|ISO>] [--iterations 20] [--warmup 2] [--budget 6] [--ingest 10] [--only <text>] [--force] [--analyze] [--json <file>]`
  try {
    args = parseCommonArgs(process.argv.slice(2), {
      iterations: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
      budget: { type: 'string', default: '6' },
      ingest: { type: 'string', default: '10' },
      only: { type: 'string' },
      json: { type: 'string' }
    })
  } catch (error) {
    console.error(`${error.message}\n\n${usage}`)
    process.exit(2)
  }
  if (args.values.help) {
    console.log(usage)
    return
  }
  const count = (name, min) => {
    const n = Number(args.values[name])
    if (!Number.isFinite(n) || n < min) {
      console.error(`--${name} must be a number ≥ ${min}\n\n${usage}`)
      process.exit(2)
    }
    return n
  }
  const result = await benchReads({
    events: args.events,
    days: args.days,
    websites: args.websites,
    seed: args.seed,
    end: args.end,
    iterations: Math.round(count('iterations', 1)),
    warmup: Math.round(count('warmup', 0)),
    budgetSeconds: count('budget', 0),
    ingestSeconds: count('ingest', 0),
    only: args.values.only,
    force: args.values.force,
    analyze: args.values.analyze
  })
  console.log(formatSummary(result.dataSet, result.dataDir))
  console.log(formatReads(result))
  if (args.values.json) writeFileSync(resolve(args.values.json), JSON.stringify(result, null, 2) + '\n')
  process.exitCode = result.failures.length > 0 ? 1 : 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error('bench:reads failed:', error)
    process.exit(1)
  })
}
