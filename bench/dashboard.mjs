// The dashboard's overview in real Chromium on generated data sets (bench/data.mjs).
//
//   npm run bench:dashboard -- [--events 200000,1000000] [--days 90] [--websites 3] [--seed 42]
//                              [--runs 5] [--warmup 1] [--timeout 120] [--force] [--analyze] [--json <file>]
//
// For each size: the data set comes from the cache (or is generated into it), the built server is started
// on it (web mode, serving out/renderer), Debian's Chromium logs in through the login page, then opens the
// overview of the largest website with a custom 90-day range ending at the data set's end
// (`/websites/<uuid>?range=custom&start=<ms>&end=<ms>`), `warmup` + `runs` times, each a fresh navigation
// in the same browser context (the warm-up is the first load: empty HTTP cache). Measured per load, from
// the page's navigation start: when every overview panel is out of its loading state (PANELS_RENDERED
// below), first contentful paint and the end of the last API answer; and from Playwright's network events:
// API calls, their body and on-the-wire bytes, and the same for every request of the load. The JS chunks
// of the first load are listed with their gzip size. A screenshot of the last load is saved as
// test-results/bench-dashboard-<size>.png. Exit code 1 when a load failed (a panel showed an error, a
// request answered ≥ 400, the page logged an error, or the panels did not render within --timeout).
// See bench/README.md ("npm run bench:dashboard").
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { build, isStale } from '../scripts/build.mjs'
import { ensureBuilt, ensureDataSet, formatSummary, parseCommonArgs, READY_LINE, ROOT, SERVER_ENTRY } from './data.mjs'
import { installCleanup, procStatusKb, startNode } from './proc.mjs'

const DAY = 86_400_000
/** The overview's range: the last 90 days of the data set (PRODUCT.md's dashboard target is stated for it). */
const RANGE_DAYS = 90
const DEFAULT_SIZES = [200_000, 1_000_000]
/** PRODUCT.md: "overview panels all rendered ≤ 1 s after navigation at 1 M events". */
const TARGET_MS = 1000
const TARGET_EVENTS = 1_000_000
const RENDERER_INDEX = join(ROOT, 'out/renderer/index.html')
const SHOTS = join(ROOT, 'test-results')
/** The e2e tests' desktop page (tests/e2e/dashboard-helpers.ts). */
const VIEWPORT = { width: 1280, height: 800 }
/** tests/e2e/browser.ts BROWSER_UA: Playwright's own "HeadlessChrome" agent is a bot to isbot. */
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

/** Debian's Chromium with the flags of tests/e2e/browser.ts (launchChromium); never a downloaded browser. */
function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
  })
}

/**
 * Injected into every document before its own scripts. It records `performance.now()` (ms since the
 * navigation started) at the first moment every panel of the overview is out of its loading state:
 *  - the summary (`section.metrics`) not aria-busy, with its numbers (or its error) shown;
 *  - the time chart (`section.time-chart`) not aria-busy, with its ECharts canvas (or its error);
 *  - every breakdown table (`section.metric-table`) not aria-busy (rows, "nothing recorded" or an error);
 *  - the world map (`.world-map`, an async component) not aria-busy — it is busy until ECharts has drawn
 *    it — with its canvas (or its error);
 *  - no loading skeleton left in the view.
 * Every one of these steps is a DOM change, so a MutationObserver sees each as it happens. A chart is drawn
 * when it is seen: ECharts' setOption paints the canvas synchronously, and useChart.ts calls it in the
 * same Vue flush that clears the panel's aria-busy (or, when ECharts arrives after the data, in the same
 * task that inserts the canvas). The first frame of the 300 ms entry animation is what is on screen then.
 */
const PANELS_RENDERED = `(() => {
  if (window.__dashiBench) return
  const state = (window.__dashiBench = { renderedAt: null, panels: null })
  const busy = (el) => !el || el.getAttribute('aria-busy') === 'true'
  const failed = (el) => el.querySelector('[role=alert]') !== null
  function check() {
    if (state.renderedAt !== null) return
    const view = document.querySelector('.page.overview')
    if (!view) return
    const summary = view.querySelector('section.metrics')
    if (busy(summary) || (!failed(summary) && (summary.querySelector('.metric-card .placeholder') || !summary.querySelector('.metric-card .value')))) return
    const chart = view.querySelector('section.time-chart')
    if (busy(chart) || (!failed(chart) && !chart.querySelector('.chart-canvas canvas'))) return
    const tables = view.querySelectorAll('section.metric-table')
    if (tables.length === 0 || Array.prototype.some.call(tables, busy)) return
    const map = view.querySelector('.world-map')
    if (busy(map) || (!failed(map) && !map.querySelector('.chart-canvas canvas'))) return
    if (view.querySelector('.skeleton')) return
    state.renderedAt = performance.now()
    state.panels = { cards: summary.querySelectorAll('.metric-card').length, tables: tables.length }
    observer.disconnect()
  }
  const observer = new MutationObserver(check)
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true })
})()`

/**
 * What the page knows about the load once the panels are rendered. Passed as a function: the dashboard's
 * CSP (script-src 'self') forbids evaluating strings in the page.
 */
function pageFigures() {
  const state = window.__dashiBench
  const paint = performance.getEntriesByName('first-contentful-paint')[0]
  const nav = performance.getEntriesByType('navigation')[0]
  const api = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.startsWith('/api/'))
  const view = document.querySelector('.page.overview')
  return {
    renderedMs: state.renderedAt,
    panels: state.panels,
    fcpMs: paint ? paint.startTime : null,
    domContentLoadedMs: nav ? nav.domContentLoadedEventEnd : null,
    apiDoneMs: api.length ? Math.max(...api.map((e) => e.responseEnd)) : null,
    // Each answer's start and end (ms since navigation start), to see which ones the load waited for.
    apiTimings: api.map((e) => {
      const url = new URL(e.name)
      return { path: url.pathname, type: url.searchParams.get('type'), startMs: e.startTime, endMs: e.responseEnd }
    }),
    alerts: view ? Array.from(view.querySelectorAll('[role=alert]'), (el) => el.textContent.trim().replace(/\s+/g, ' ').slice(0, 200)) : []
  }
}

const percentile = (sorted, q) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]
const median = (values) => {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b)
  return sorted.length ? percentile(sorted, 0.5) : null
}
const isApi = (url) => new URL(url).pathname.startsWith('/api/')
const isScript = (r) => r.type === 'script' || /javascript/.test(r.contentType ?? '') || /\.m?js$/.test(new URL(r.url).pathname)
const isStyle = (r) => r.type === 'stylesheet' || /text\/css/.test(r.contentType ?? '')
/** An API path with its ids as placeholders, for grouping calls (`/api/websites/{id}/metrics`). */
const apiShape = (url) =>
  new URL(url).pathname.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}').replace(/\/\d+(?=\/|$)/g, '/{n}')
const sizeLabel = (events) => (events % 1_000_000 === 0 ? `${events / 1_000_000}m` : events % 1000 === 0 ? `${events / 1000}k` : String(events))

// ---------------------------------------------------------------------------------------------------
// Network log

/**
 * Watches a page's requests: `begin()` starts a new log (one per load), `settle()` waits until nothing is
 * in flight and returns the log: one entry per finished or failed request with its status, body size
 * (decoded) and transfer size (encoded body + headers, as Chromium counts them), and the body itself for
 * scripts and stylesheets (to gzip them).
 */
function networkLog(page) {
  let current = null
  const inflight = new Set()
  page.on('request', (request) => {
    if (current) inflight.add(request)
  })
  const done = (request, failure) => {
    if (!inflight.delete(request)) return
    const log = current
    log.pending.push(
      (async () => {
        const entry = { url: request.url(), method: request.method(), type: request.resourceType(), status: null, failure, contentType: null, encoding: null }
        entry.bodyBytes = null
        entry.wireBytes = null
        if (!failure) {
          const response = await request.response()
          if (response) {
            entry.status = response.status()
            const headers = await response.allHeaders().catch(() => response.headers())
            entry.contentType = headers['content-type'] ?? null
            entry.encoding = headers['content-encoding'] ?? null
            try {
              const body = await response.body()
              entry.bodyBytes = body.length
              if (isScript(entry) || isStyle(entry)) entry.body = body
            } catch {}
          }
          const sizes = await request.sizes().catch(() => null)
          if (sizes) {
            entry.encodedBodyBytes = sizes.responseBodySize
            entry.wireBytes = sizes.responseBodySize + sizes.responseHeadersSize
          }
        }
        log.entries.push(entry)
      })()
    )
  }
  page.on('requestfinished', (request) => done(request, null))
  page.on('requestfailed', (request) => done(request, request.failure()?.errorText ?? 'failed'))
  return {
    begin() {
      inflight.clear()
      current = { entries: [], pending: [] }
    },
    /** Waits for the requests in flight (at most `timeoutMs`), then for their sizes and bodies. */
    async settle(timeoutMs) {
      const deadline = Date.now() + timeoutMs
      while (inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
      const log = current
      current = null
      const unfinished = [...inflight].map((request) => ({ url: request.url(), method: request.method(), type: request.resourceType(), status: null, failure: 'still in flight' }))
      inflight.clear()
      await Promise.all(log.pending)
      return [...log.entries, ...unfinished]
    }
  }
}

function sumOf(entries, key) {
  let known = false
  let total = 0
  for (const e of entries) {
    if (typeof e[key] === 'number' && e[key] >= 0) {
      known = true
      total += e[key]
    }
  }
  return known ? total : null
}

/** The JS (and CSS) a load fetched, with gzip -9 sizes (or the served size when the server compressed). */
async function chunksOf(entries, baseUrl) {
  const out = []
  for (const e of entries) {
    const kind = isScript(e) ? 'js' : isStyle(e) ? 'css' : null
    if (!kind || e.status === null || e.status >= 400) continue
    let body = e.body
    if (!body) {
      // A body Chromium no longer holds: ask the server again, as the page did (no compression asked).
      const res = await fetch(new URL(new URL(e.url).pathname, baseUrl), { headers: { 'accept-encoding': 'identity' } })
      body = Buffer.from(await res.arrayBuffer())
    }
    out.push({
      name: basename(new URL(e.url).pathname),
      kind,
      bytes: body.length,
      servedEncoding: e.encoding,
      servedBytes: e.encoding ? (e.encodedBodyBytes ?? null) : body.length,
      gzipBytes: gzipSync(body, { level: 9 }).length
    })
  }
  return out
}

// ---------------------------------------------------------------------------------------------------
// One size

/** Logs in through the login page, as a person does (tests/e2e/dashboard-helpers.ts logIn). */
async function logIn(page, baseUrl) {
  await page.goto(`${baseUrl}/login`)
  await page.getByLabel('Username').fill('admin')
  await page.getByLabel('Password').fill('umami')
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.waitForURL('**/websites')
}

/** One navigation to the overview, measured. */
async function loadOnce(page, net, overviewUrl, baseUrl, timeoutMs, withChunks) {
  await page.goto('about:blank')
  const consoleErrors = []
  const onConsole = (message) => message.type() === 'error' && consoleErrors.push(message.text().slice(0, 200))
  const onPageError = (error) => consoleErrors.push(`uncaught: ${error.message}`.slice(0, 200))
  page.on('console', onConsole)
  page.on('pageerror', onPageError)
  net.begin()
  let figures
  let timedOut = null
  try {
    await page.goto(overviewUrl, { waitUntil: 'commit', timeout: timeoutMs })
    await page.waitForFunction(() => window.__dashiBench?.renderedAt != null, null, { timeout: timeoutMs, polling: 100 })
    figures = await page.evaluate(pageFigures)
  } catch (error) {
    timedOut = error.message.split('\n')[0]
    figures = { renderedMs: null, panels: null, fcpMs: null, domContentLoadedMs: null, apiDoneMs: null, apiTimings: [], alerts: [] }
  }
  const entries = await net.settle(timeoutMs)
  page.off('console', onConsole)
  page.off('pageerror', onPageError)

  const api = entries.filter((e) => isApi(e.url))
  const problems = []
  if (timedOut) problems.push(`the panels did not all render: ${timedOut}`)
  for (const text of figures.alerts) problems.push(`a panel shows an error: ${text}`)
  for (const e of entries) if (e.failure || (e.status !== null && e.status >= 400)) problems.push(`${e.method} ${new URL(e.url).pathname}: ${e.failure ?? `HTTP ${e.status}`}`)
  for (const text of consoleErrors) problems.push(`console: ${text}`)
  const calls = {}
  for (const e of api) calls[apiShape(e.url)] = (calls[apiShape(e.url)] ?? 0) + 1
  return {
    ...figures,
    api: { calls: api.length, byPath: calls, bodyBytes: sumOf(api, 'bodyBytes'), wireBytes: sumOf(api, 'wireBytes') },
    all: { requests: entries.length, bodyBytes: sumOf(entries, 'bodyBytes'), wireBytes: sumOf(entries, 'wireBytes'), fromHttpCache: entries.filter((e) => e.status === 304).length },
    problems,
    entries: entries.map(({ body, ...rest }) => rest),
    chunks: withChunks ? await chunksOf(entries, baseUrl) : []
  }
}

async function benchSize(browser, { events, days, websites, seed, end, force, analyze, runs, warmup, timeoutMs, log }) {
  const { dataDir, summary, reused } = await ensureDataSet({ events, days, websites, seed, end, force, analyze, log: (line) => log(`data: ${line}`) })
  log(`${reused ? 'reusing' : 'generated'} data set ${dataDir} (${summary.events.toLocaleString('en-US')} events, ${summary.dbMb} MB)`)
  const started = performance.now()
  const server = startNode([SERVER_ENTRY, '--port', '0', '--data', dataDir], { cwd: ROOT, readyPattern: READY_LINE, name: 'Dashi server', readyTimeoutMs: 120_000 })
  let context
  try {
    const { url } = await server.ready
    const startupMs = performance.now() - started
    log(`server ready at ${url} in ${startupMs.toFixed(0)} ms (pid ${server.child.pid})`)
    const website = summary.websites[0]
    const endAt = summary.range.endAt
    const startAt = endAt - RANGE_DAYS * DAY
    const path = `/websites/${website.uuid}?range=custom&start=${startAt}&end=${endAt}`

    // A fresh context per size: an empty HTTP cache and storage for its first load. UTC, so the
    // dashboard asks for the same days as bench:reads.
    context = await browser.newContext({ userAgent: BROWSER_UA, viewport: VIEWPORT, colorScheme: 'light', timezoneId: 'UTC', locale: 'en-US' })
    await context.addInitScript(PANELS_RENDERED)
    const page = await context.newPage()
    // Login and the screenshot get a minute whatever --timeout is (it bounds the measured loads).
    page.setDefaultTimeout(Math.max(timeoutMs, 60_000))
    await logIn(page, url)
    // The login page fetched the app's entry chunks: emptied again, so the first overview load is a cold one.
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.clearBrowserCache')
    await cdp.detach()
    const net = networkLog(page)

    const loads = []
    for (let i = 0; i < warmup + runs; i++) {
      const load = await loadOnce(page, net, url + path, url, timeoutMs, i === 0)
      load.warmup = i < warmup
      loads.push(load)
      const tag = load.warmup ? 'warm-up' : `run ${i - warmup + 1}/${runs}`
      log(
        `${sizeLabel(events)} ${tag}: ` +
          (load.renderedMs === null ? 'NOT rendered' : `rendered at ${load.renderedMs.toFixed(0)} ms`) +
          `, ${load.api.calls} API calls` +
          (load.problems.length ? `; ${load.problems.length} problem(s): ${load.problems[0]}` : '')
      )
    }
    const shot = join(SHOTS, `bench-dashboard-${sizeLabel(events)}.png`)
    mkdirSync(SHOTS, { recursive: true })
    // The charts' entry animations (ECharts, up to 1 s) end before the picture is taken.
    await page.waitForTimeout(1200)
    await page.screenshot({ path: shot, fullPage: true })

    const rssKb = procStatusKb(server.child.pid, 'VmRSS')
    const hwmKb = procStatusKb(server.child.pid, 'VmHWM')
    await context.close()
    context = null
    const stop = await server.stop()
    return { events, dataDir, dataSet: summary, website, range: { startAt, endAt }, path, server: { startupMs, rssKb, hwmKb, stop }, loads, screenshot: shot }
  } finally {
    await context?.close().catch(() => {})
    await server.stop()
  }
}

/** The API calls that took longest, by median time from request start to answer end over `loads`. */
function slowestCalls(loads, count = 4) {
  const byCall = new Map()
  for (const load of loads) {
    for (const t of load.apiTimings ?? []) {
      const name = apiShape(`http://x${t.path}`) + (t.type ? `?type=${t.type}` : '')
      if (!byCall.has(name)) byCall.set(name, [])
      byCall.get(name).push(t.endMs - t.startMs)
    }
  }
  return [...byCall]
    .map(([call, durations]) => ({ call, ms: median(durations) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count)
}

/** Figures over the measured loads (the warm-up apart). */
function summarize(size) {
  const measured = size.loads.filter((l) => !l.warmup)
  const first = size.loads.find((l) => l.warmup) ?? null
  const rendered = measured.map((l) => l.renderedMs).filter((ms) => ms !== null).sort((a, b) => a - b)
  const range = (values) => {
    const known = values.filter((v) => v !== null)
    if (!known.length) return null
    const lo = Math.min(...known)
    const hi = Math.max(...known)
    return { min: lo, max: hi, median: median(known) }
  }
  const problems = size.loads.flatMap((l, i) => l.problems.map((p) => `${l.warmup ? 'warm-up' : `run ${i - size.loads.filter((x) => x.warmup).length + 1}`}: ${p}`))
  return {
    n: rendered.length,
    p50: rendered.length ? percentile(rendered, 0.5) : null,
    p95: rendered.length ? percentile(rendered, 0.95) : null,
    min: rendered[0] ?? null,
    max: rendered.at(-1) ?? null,
    firstLoadMs: first?.renderedMs ?? null,
    fcpP50: median(measured.map((l) => l.fcpMs)),
    apiDoneP50: median(measured.map((l) => l.apiDoneMs)),
    panels: measured.find((l) => l.panels)?.panels ?? null,
    apiCalls: range(measured.map((l) => l.api.calls)),
    apiBodyBytes: median(measured.map((l) => l.api.bodyBytes)),
    apiWireBytes: median(measured.map((l) => l.api.wireBytes)),
    requests: range(measured.map((l) => l.all.requests)),
    allBodyBytes: median(measured.map((l) => l.all.bodyBytes)),
    allWireBytes: median(measured.map((l) => l.all.wireBytes)),
    firstLoad: first ? { requests: first.all.requests, bodyBytes: first.all.bodyBytes, wireBytes: first.all.wireBytes } : null,
    apiByPath: measured.at(-1)?.api.byPath ?? first?.api.byPath ?? {},
    slowestApi: slowestCalls(measured),
    // The first load fetched every chunk; later loads may take them from the HTTP cache.
    chunks: size.loads[0]?.chunks ?? [],
    problems
  }
}

// ---------------------------------------------------------------------------------------------------
// Entry points

/**
 * Runs the dashboard benchmark for each size and returns { sizes, failures, options, notes }.
 * sizes[i]: { events, dataDir, dataSet, website, range, path, server: { startupMs, rssKb, hwmKb, stop },
 * loads (per navigation: renderedMs, fcpMs, apiDoneMs, api, all, problems, entries, chunks, warmup),
 * summary (summarize() above), screenshot }. formatDashboard() prints it as the CLI does.
 */
export async function benchDashboard({
  sizes = DEFAULT_SIZES,
  days = 90,
  websites = 3,
  seed = 42,
  end,
  runs = 5,
  warmup = 1,
  timeoutSeconds = 120,
  force = false,
  analyze = false,
  log = (line) => console.error(`bench:dashboard: ${line}`)
} = {}) {
  installCleanup()
  const notes = []
  if (process.env.BENCH_BUILD === '1') {
    log('BENCH_BUILD=1: building (electron-vite build)…')
    if (!build()) throw new Error('electron-vite build failed (see above)')
    notes.push('built out/ before the run')
  } else {
    ensureBuilt(log)
    if (isStale(RENDERER_INDEX)) {
      notes.push('out/ is OLDER than src/: this run measures the previous build (BENCH_BUILD=1 rebuilds)')
      log(`warning: ${notes.at(-1)}`)
    }
  }
  const browser = await launchChromium()
  try {
    const results = []
    for (const events of sizes) {
      const size = await benchSize(browser, { events, days, websites, seed, end, force, analyze, runs, warmup, timeoutMs: timeoutSeconds * 1000, log })
      size.summary = summarize(size)
      results.push(size)
    }
    const failures = results.flatMap((s) => s.summary.problems.map((p) => `${sizeLabel(s.events)} ${p}`))
    return { sizes: results, failures, notes, options: { runs, warmup, timeoutSeconds, rangeDays: RANGE_DAYS, viewport: VIEWPORT } }
  } finally {
    await browser.close()
  }
}

export function formatDashboard({ sizes, failures, notes, options }) {
  const ms = (x) => (x === null || x === undefined ? '—' : x.toFixed(0))
  const kb = (bytes) => (bytes === null || bytes === undefined ? '—' : bytes < 10_240 ? `${(bytes / 1024).toFixed(1)} KB` : `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`)
  const span = (r) => (r === null ? '—' : r.min === r.max ? String(r.min) : `${r.min}–${r.max}`)
  const events = (s) => s.events.toLocaleString('en-US')
  const w = Math.max(...sizes.map((s) => events(s).length), 'events'.length)
  const first = sizes[0]
  const lines = [
    '',
    `Dashboard overview in Chromium (${options.viewport.width}×${options.viewport.height}, UTC): the largest website, a custom ${options.rangeDays}-day range ending at the data set's end;`,
    `${options.runs} navigation(s) after ${options.warmup ? `${options.warmup} warm-up (the first is the "first load": empty HTTP cache)` : 'no warm-up'}, each timed from navigation start.`,
    `rendered = every panel out of its loading state (summary, chart drawn, ${first?.summary.panels?.tables ?? '?'} tables, map drawn); API done = end of the last API answer.`,
    '',
    `${'events'.padStart(w)}  rendered p50  p95    min    max   first load  FCP p50  API done p50  panels`,
    `${'-'.repeat(w)}  ------------  -----  -----  -----  ----------  -------  ------------  ------`
  ]
  for (const s of sizes) {
    const m = s.summary
    const target = s.events === TARGET_EVENTS && m.p50 !== null ? (m.p50 <= TARGET_MS ? '  (≤ 1 s target: met)' : '  (≤ 1 s target: MISSED)') : ''
    lines.push(
      `${events(s).padStart(w)}  ${`${ms(m.p50)} ms`.padStart(12)}  ${ms(m.p95).padStart(5)}  ${ms(m.min).padStart(5)}  ${ms(m.max).padStart(5)}  ${`${ms(m.firstLoadMs)} ms`.padStart(10)}  ${ms(m.fcpP50).padStart(7)}  ${`${ms(m.apiDoneP50)} ms`.padStart(12)}  ${m.n === options.runs ? 'ok' : `${m.n}/${options.runs}`}${target}`
    )
  }
  lines.push(
    '',
    `${'events'.padStart(w)}  API calls  API body    API on wire  requests  all body     all on wire  first load (all requests / body / wire)`,
    `${'-'.repeat(w)}  ---------  ----------  -----------  --------  -----------  -----------  ---------------------------------------`
  )
  for (const s of sizes) {
    const m = s.summary
    const fl = m.firstLoad
    lines.push(
      `${events(s).padStart(w)}  ${span(m.apiCalls).padStart(9)}  ${kb(m.apiBodyBytes).padStart(10)}  ${kb(m.apiWireBytes).padStart(11)}  ${span(m.requests).padStart(8)}  ${kb(m.allBodyBytes).padStart(11)}  ${kb(m.allWireBytes).padStart(11)}  ${fl ? `${fl.requests} / ${kb(fl.bodyBytes)} / ${kb(fl.wireBytes)}` : '—'}`
    )
  }
  if (first) {
    const calls = Object.entries(first.summary.apiByPath)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([path, n]) => (n > 1 ? `${path} ×${n}` : path))
    lines.push('', `API calls of one load (${sizeLabel(first.events)}): ${calls.join(', ')}`)
    for (const s of sizes) {
      const slow = s.summary.slowestApi.map((c) => `${c.call.replace(/^\/api\/websites\/\{id\}/, '…')} ${ms(c.ms)} ms`)
      if (slow.length) lines.push(`slowest API answers, ${sizeLabel(s.events)} (median, from fetch() to the last byte, waiting for one of Chromium's 6 connections included): ${slow.join(', ')}`)
    }
    const chunks = first.summary.chunks
    const js = chunks.filter((c) => c.kind === 'js')
    const css = chunks.filter((c) => c.kind === 'css')
    const total = (list, key) => list.reduce((sum, c) => sum + c[key], 0)
    const compressed = chunks.some((c) => c.servedEncoding)
    const nw = Math.max(...js.map((c) => c.name.length), 'JS chunk'.length)
    lines.push(
      '',
      `JS the overview route loads (first load, ${sizeLabel(first.events)}; served ${compressed ? 'compressed by the server' : 'uncompressed, gzip -9 computed here'}):`,
      `  ${'JS chunk'.padEnd(nw)}  ${'bytes'.padStart(10)}  ${'gzip'.padStart(9)}`,
      `  ${'-'.repeat(nw)}  ----------  ---------`
    )
    for (const c of js) lines.push(`  ${c.name.padEnd(nw)}  ${kb(c.bytes).padStart(10)}  ${kb(c.gzipBytes).padStart(9)}`)
    lines.push(
      `  ${`total (${js.length} chunks)`.padEnd(nw)}  ${kb(total(js, 'bytes')).padStart(10)}  ${kb(total(js, 'gzipBytes')).padStart(9)}`,
      `  CSS: ${css.length} files, ${kb(total(css, 'bytes'))} (gzip ${kb(total(css, 'gzipBytes'))})`
    )
  }
  lines.push('')
  for (const s of sizes) {
    const stop = s.server.stop
    const mb = (x) => (x === null ? '?' : `${(x / 1024).toFixed(0)} MB`)
    lines.push(
      `${sizeLabel(s.events)}: ${s.website.name} (${s.website.uuid}), ${s.website.events.toLocaleString('en-US')} of ${events(s)} events, ${s.dataSet.dbMb} MB database; ` +
        `server ready in ${ms(s.server.startupMs)} ms, RSS ${mb(s.server.rssKb)} (VmHWM ${mb(s.server.hwmKb)}); screenshot ${s.screenshot}`
    )
    if (stop && (stop.killed || stop.code !== 0)) lines.push(`  WARNING: the server did not stop cleanly on SIGTERM (${JSON.stringify(stop)})`)
  }
  for (const note of notes) lines.push(`note: ${note}`)
  if (failures.length) {
    lines.push('', `FAILED: ${failures.length} problem(s):`)
    for (const f of failures.slice(0, 30)) lines.push(`  ${f}`)
  } else lines.push('', 'every load rendered all panels without an error')
  return lines.join('\n')
}

const USAGE = `Usage: npm run bench:dashboard -- [--events 200000,1000000] [--days 90] [--websites 3] [--seed 42] [--end <ms|ISO>]
                              [--runs 5] [--warmup 1] [--timeout 120] [--force] [--analyze] [--json <file>]

--events takes a comma-separated list of sizes (200k, 1m, 10m work too); each is generated once into the cache
of bench:data. BENCH_BUILD=1 rebuilds out/ first.`

/** `--events a,b,c` → [a, b, c], each checked as bench:data checks one; the other options as parsed. */
function parseArgs(argv) {
  const lists = []
  const rest = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--events') lists.push(argv[++i] ?? '')
    else if (arg.startsWith('--events=')) lists.push(arg.slice('--events='.length))
    else rest.push(arg)
  }
  const args = parseCommonArgs(rest, {
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '120' },
    json: { type: 'string' }
  })
  const sizes = lists.length
    ? lists.flatMap((list) => list.split(',').map((part) => parseCommonArgs(['--events', part.trim()]).events))
    : DEFAULT_SIZES
  return { ...args, sizes: [...new Set(sizes)] }
}

async function main() {
  let args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (error) {
    console.error(`${error.message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (args.values.help) {
    console.log(USAGE)
    return
  }
  const count = (name, min) => {
    const n = Number(args.values[name])
    if (!Number.isInteger(n) || n < min) {
      console.error(`--${name} must be a whole number ≥ ${min}\n\n${USAGE}`)
      process.exit(2)
    }
    return n
  }
  const result = await benchDashboard({
    sizes: args.sizes,
    days: args.days,
    websites: args.websites,
    seed: args.seed,
    end: args.end,
    runs: count('runs', 1),
    warmup: count('warmup', 0),
    timeoutSeconds: count('timeout', 1),
    force: args.values.force,
    analyze: args.values.analyze
  })
  for (const s of result.sizes) console.log(formatSummary(s.dataSet, s.dataDir))
  console.log(formatDashboard(result))
  if (args.values.json) {
    // Bodies are left out; every load keeps its network log (url, status, sizes).
    writeFileSync(resolve(args.values.json), JSON.stringify(result, null, 2) + '\n')
  }
  process.exitCode = result.failures.length > 0 ? 1 : 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error('bench:dashboard failed:', error)
    process.exit(1)
  })
}
