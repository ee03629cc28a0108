// Diagnostic probe, preloaded into the Dashi server by run.mjs when BENCH_PROBE=1
// (`node --require bench/probe.cjs out/main/server.js …`). It changes nothing in Dashi's behaviour; it
// only measures, and writes a JSON summary to $BENCH_PROBE_OUT when the process exits:
//   - group commit: number of write transactions, hits per transaction, time inside vs. total
//     (total − inside ≈ BEGIN + COMMIT, i.e. WAL write + fsync, and any auto-checkpoint);
//   - time per prepared statement (run/get/all), keyed by the start of its SQL;
//   - event-loop delay percentiles and GC pauses.
'use strict'
const { writeFileSync } = require('node:fs')
const { monitorEventLoopDelay, PerformanceObserver, performance } = require('node:perf_hooks')
const Database = require('better-sqlite3')

const out = process.env.BENCH_PROBE_OUT
const now = () => performance.now()

const tx = { count: 0, hits: 0, insideMs: 0, totalMs: 0, maxMs: 0, slow: 0, sizes: {} }
const stmts = {}
let recording = true

const bucket = (n) => (n <= 1 ? '1' : n <= 4 ? '2-4' : n <= 10 ? '5-10' : n <= 25 ? '11-25' : n <= 50 ? '26-50' : n <= 100 ? '51-100' : '>100')

// Statement timing: patch the shared Statement prototype once.
const scratch = new Database(':memory:')
const statementProto = Object.getPrototypeOf(scratch.prepare('SELECT 1'))
scratch.close()
for (const method of ['run', 'get', 'all']) {
  const original = statementProto[method]
  statementProto[method] = function (...args) {
    if (!recording) return original.apply(this, args)
    const started = now()
    try {
      return original.apply(this, args)
    } finally {
      const key = `${method} ${this.source.replace(/\s+/g, ' ').trim().slice(0, 60)}`
      const s = (stmts[key] ??= { calls: 0, ms: 0 })
      s.calls++
      s.ms += now() - started
    }
  }
}

// Experiment only (never a default): BENCH_PROBE_SYNC=NORMAL|OFF replaces the server's synchronous
// setting, to measure what the fsync on each commit costs. Durability is then NOT what Dashi promises.
const syncOverride = process.env.BENCH_PROBE_SYNC
if (syncOverride) {
  const originalPragma = Database.prototype.pragma
  Database.prototype.pragma = function (source, options) {
    if (/^\s*synchronous\s*=/i.test(source)) source = `synchronous = ${syncOverride}`
    return originalPragma.call(this, source, options)
  }
}

// Transaction timing: only transactions whose first argument is an array (the hit writer's batches).
const originalTransaction = Database.prototype.transaction
Database.prototype.transaction = function (fn) {
  let inside = 0
  const wrappedFn = function (...args) {
    const started = now()
    try {
      return fn.apply(this, args)
    } finally {
      inside = now() - started
    }
  }
  const txFn = originalTransaction.call(this, wrappedFn)
  const measured = function (...args) {
    const started = now()
    const result = txFn.apply(this, args)
    const total = now() - started
    if (recording && Array.isArray(args[0])) {
      tx.count++
      tx.hits += args[0].length
      tx.insideMs += inside
      tx.totalMs += total
      if (total > tx.maxMs) tx.maxMs = total
      if (total > 5) tx.slow++
      const b = bucket(args[0].length)
      tx.sizes[b] = (tx.sizes[b] ?? 0) + 1
    }
    return result
  }
  for (const variant of ['deferred', 'immediate', 'exclusive']) measured[variant] = txFn[variant]
  return measured
}

const loop = monitorEventLoopDelay({ resolution: 1 })
loop.enable()
const gc = { count: 0, ms: 0, maxMs: 0 }
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count++
    gc.ms += entry.duration
    if (entry.duration > gc.maxMs) gc.maxMs = entry.duration
  }
}).observe({ entryTypes: ['gc'] })

// run.mjs sends SIGUSR2 when the measured run starts: forget the warm-up.
process.on('SIGUSR2', () => {
  tx.count = tx.hits = tx.insideMs = tx.totalMs = tx.maxMs = tx.slow = 0
  tx.sizes = {}
  for (const key of Object.keys(stmts)) delete stmts[key]
  gc.count = gc.ms = gc.maxMs = 0
  loop.reset()
})
// …and SIGUSR1 is taken by the inspector, so the end of the run is marked by SIGTERM (shutdown) itself.
process.on('SIGTERM', () => {
  recording = false
})

process.on('exit', () => {
  if (!out) return
  const ms = (ns) => Math.round(ns / 1e4) / 100
  writeFileSync(
    out,
    JSON.stringify({
      transactions: tx,
      statements: stmts,
      eventLoopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), mean: ms(loop.mean) },
      gc
    })
  )
})
