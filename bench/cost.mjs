// `node bench/cost.mjs`: where an ingested hit's CPU goes, per thread, at a fixed rate.
//
// The ratio of `npm run bench` is throughput against the bare-Fastify ceiling on this 2-core machine, where the
// load generator shares the cores and the VM's speed drifts by up to 2× within a minute. This measures what the
// ratio is made of instead: the built server gets hits at a fixed rate well below saturation (the same traffic
// as `npm run bench`, autocannon's overallRate over 50 connections), and after a warm-up the CPU time of each of its
// threads and of this process (the client) is read from /proc and divided by the hits answered. Also the server's
// main-thread context switches per hit (involuntary ones: it was runnable and another thread ran instead).
//
// Env: COST_RATE (hits/s, default 3000), COST_SECONDS (default 8), COST_WARMUP (s, default 3),
//      COST_TARGET (send | collect | ceiling, default send; ceiling: bench/ceiling-server.mjs, bare Fastify, the
//      same hits to its one route).
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { collectBody, collectToken, createHitSource, hitRequest, sendBody, sendToken } from './hits.mjs'
import { benchWebsite, installCleanup, makeTempDir, procCpuMs, removeTempDir, startNode } from './proc.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const number = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${process.env[name]}"`)
  return value
}
const RATE = number('COST_RATE', 3000)
const SECONDS = number('COST_SECONDS', 8)
const WARMUP = number('COST_WARMUP', 3)
const TARGETS = {
  send: { path: '/api/send', body: sendBody, token: sendToken },
  collect: { path: '/api/collect', body: collectBody, token: collectToken },
  ceiling: { path: '/api/collect', body: collectBody, token: collectToken, ceiling: true }
}
const target = TARGETS[process.env.COST_TARGET ?? 'send']
if (!target) throw new Error(`COST_TARGET must be one of ${Object.keys(TARGETS).join(', ')}`)

/** CPU time (ms) of each thread of `pid` so far, by thread id (procCpuMs reads /proc/<pid>/task/<tid>/stat too). */
const threadCpuMs = (pid) => new Map(readdirSync(`/proc/${pid}/task`).map((tid) => [Number(tid), procCpuMs(`${pid}/task/${tid}`) ?? 0]))
function switches(pid) {
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8')
  return { voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)[1]), involuntary: Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)[1]) }
}

const dataDir = makeTempDir('dashi-cost-')
const server = target.ceiling
  ? startNode([join(root, 'bench/ceiling-server.mjs')], { cwd: root, name: 'ceiling server' })
  : startNode([join(root, 'out/main/server.js'), '--port', '0', '--data', dataDir], {
      cwd: root,
      env: { ...process.env, DASHI_CLIENT_IP_HEADER: 'x-forwarded-for' },
      readyPattern: /Dashi is ready at http:\/\/127\.0\.0\.1:(\d+)/,
      name: 'Dashi server'
    })
installCleanup(() => server.stop())
try {
  const { url } = await server.ready
  const websiteUuid = target.ceiling ? '00000000-0000-4000-8000-000000000000' : await benchWebsite(url, 'Cost')
  const source = createHitSource({ websiteUuid, body: target.body, token: target.token })
  const run = (seconds) =>
    new Promise((resolve, reject) =>
      autocannon(
        { url, connections: 50, duration: seconds, overallRate: RATE, requests: [hitRequest({ path: target.path, source, phase: 'c', acked: new Set() })] },
        (error, result) => (error ? reject(error) : resolve(result))
      )
    )
  await run(WARMUP)
  const pid = server.child.pid
  const before = { threads: threadCpuMs(pid), client: procCpuMs('self'), switches: switches(pid) }
  const result = await run(SECONDS)
  const after = { threads: threadCpuMs(pid), client: procCpuMs('self'), switches: switches(pid) }
  const hits = result.requests.total
  const perHit = (ms) => (ms * 1000) / hits
  const used = [...after.threads].map(([tid, t]) => [tid, t - (before.threads.get(tid) ?? 0)]).sort((a, b) => b[1] - a[1])
  const main = used.find(([tid]) => tid === pid)?.[1] ?? 0
  const others = used.filter(([tid]) => tid !== pid)
  const writer = others[0]?.[1] ?? 0
  const rest = others.slice(1).reduce((sum, [, t]) => sum + t, 0)
  const client = after.client - before.client
  const row = (label, value) => console.log(`  ${label.padEnd(44)} ${value}`)
  console.log(`${target.ceiling ? 'Ceiling (bare Fastify)' : 'Dashi'} ${target.path} at ${RATE.toLocaleString('en-US')} hits/s for ${SECONDS} s (after ${WARMUP} s warm-up), 50 connections`)
  row('hits answered (2xx / other)', `${(hits - result.non2xx).toLocaleString('en-US')} / ${result.non2xx}`)
  row('latency p50 / p99 ms', `${result.latency.p50} / ${result.latency.p99}`)
  row('server main thread, CPU µs per hit', perHit(main).toFixed(1))
  row(`server busiest other thread${target.ceiling ? '' : ' (the writer)'}, µs`, perHit(writer).toFixed(1))
  row('server other threads together, µs', perHit(rest).toFixed(1))
  row('server total, µs per hit', perHit(main + writer + rest).toFixed(1))
  row('client (autocannon, this process), µs per hit', perHit(client).toFixed(1))
  row('main thread context switches per hit', `${((after.switches.voluntary - before.switches.voluntary) / hits).toFixed(3)} voluntary, ${((after.switches.involuntary - before.switches.involuntary) / hits).toFixed(3)} involuntary`)
  const total = perHit(main + writer + rest + client)
  row('what 2 cores allow at these costs (hits/s)', `${Math.round(2_000_000 / total).toLocaleString('en-US')} (main thread alone: ${Math.round(1_000_000 / perHit(main)).toLocaleString('en-US')})`)
} finally {
  await server.stop()
  removeTempDir(dataDir)
}
