// A/B of two Dashi server builds on the ingest path, for deciding whether a change helps on this noisy VM:
// both servers run at once (fresh data dirs) and get short autocannon slices in turn, A → B → ceiling, for a
// number of rounds; each round compares neighbours in time and the medians are the figures.
//
//   cp -r out node_modules/.cache/out-a      # the build before the change (inside the repo, so that its
//                                            # imports resolve from node_modules)
//   npm run build                            # the build after it (out/)
//   node bench/ab.mjs node_modules/.cache/out-a out [--path /api/send] [--rounds 8] [--slice 3]
//
// Env per side: AB_ENV_A / AB_ENV_B as `KEY=value,KEY2=value` (e.g. to try a setting without a rebuild);
// AB_PROF_B=<dir> runs B with --cpu-prof (summarise with bench/profile-summary.mjs).
import { join, resolve } from 'node:path'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { collectBody, collectToken, createHitSource, hitRequest, sendBody, sendToken } from './hits.mjs'
import { benchWebsite, installCleanup, makeTempDir, procCpuMs, removeTempDir, startNode } from './proc.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    path: { type: 'string', default: '/api/collect' },
    rounds: { type: 'string', default: '8' },
    slice: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' }
  }
})
if (positionals.length !== 2) {
  console.error('usage: node bench/ab.mjs <out dir A> <out dir B> [--path /api/collect|/api/send] [--rounds n] [--slice s]')
  process.exit(2)
}
const [outA, outB] = positionals.map((p) => resolve(p))
const PATH = values.path
const ROUNDS = Number(values.rounds)
const SLICE = Number(values.slice)
const CONNECTIONS = Number(values.connections)
const send = PATH === '/api/send'

const envOf = (spec) => Object.fromEntries((spec ?? '').split(',').filter(Boolean).map((kv) => kv.split('=')))

function startDashi(out, dir, env, nodeArgs = []) {
  return startNode([...nodeArgs, join(out, 'main/server.js'), '--port', '0', '--data', dir], {
    cwd: root,
    env: { ...process.env, DASHI_CLIENT_IP_HEADER: 'x-forwarded-for', ...env },
    readyPattern: /Dashi is ready at http:\/\/127\.0\.0\.1:(\d+)/,
    name: `Dashi (${out})`
  })
}


function slice(url, source, seconds) {
  return new Promise((resolvePromise, reject) => {
    autocannon(
      { url, connections: CONNECTIONS, duration: seconds, timeout: 10, requests: [hitRequest({ path: PATH, source, phase: 'ab', acked: new Set() })] },
      (error, result) => (error ? reject(error) : resolvePromise(result))
    )
  })
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const dirs = [makeTempDir('dashi-ab-a-'), makeTempDir('dashi-ab-b-')]
const servers = [startDashi(outA, dirs[0], envOf(process.env.AB_ENV_A)), startDashi(outB, dirs[1], envOf(process.env.AB_ENV_B), process.env.AB_PROF_B ? ['--cpu-prof', '--cpu-prof-dir', process.env.AB_PROF_B] : [])]
const ceiling = startNode([join(here, 'ceiling-server.mjs')], { cwd: root, name: 'ceiling' })
installCleanup()
try {
  const lanes = []
  for (const [i, server] of servers.entries()) {
    const { url } = await server.ready
    const source = createHitSource({ websiteUuid: await benchWebsite(url, 'AB'), body: send ? sendBody : collectBody, token: send ? sendToken : collectToken })
    lanes.push({ name: "AB"[i], url, source, pid: server.child.pid })
  }
  lanes.push({ name: 'ceiling', url: (await ceiling.ready).url, source: createHitSource({ websiteUuid: '00000000-0000-4000-8000-000000000000' }), pid: ceiling.child.pid })
  for (const lane of lanes) await slice(lane.url, lane.source, 5)
  const rows = []
  for (let r = 0; r < ROUNDS; r++) {
    const row = {}
    for (const lane of r % 2 ? [lanes[1], lanes[0], lanes[2]] : lanes) {
      const cpu0 = lane.pid ? procCpuMs(lane.pid) : 0
      const result = await slice(lane.url, lane.source, SLICE)
      row[lane.name] = { rps: result.requests.average, cpuUs: lane.pid ? ((procCpuMs(lane.pid) - cpu0) * 1000) / result.requests.total : NaN, p99: result.latency.p99 }
    }
    rows.push(row)
    console.log(
      `round ${r + 1}: A ${row.A.rps.toFixed(0)} req/s (${row.A.cpuUs.toFixed(0)} µs CPU/req, p99 ${row.A.p99}) · B ${row.B.rps.toFixed(0)} (${row.B.cpuUs.toFixed(0)}, p99 ${row.B.p99}) · ceiling ${row.ceiling.rps.toFixed(0)} · B/A ${(row.B.rps / row.A.rps).toFixed(3)}`
    )
  }
  const m = (f) => median(rows.map(f))
  console.log(`\n${PATH}, ${ROUNDS} rounds × ${SLICE} s, ${CONNECTIONS} connections`)
  console.log(`median B/A throughput ${m((r) => r.B.rps / r.A.rps).toFixed(3)} · A/ceiling ${(100 * m((r) => r.A.rps / r.ceiling.rps)).toFixed(1)} % · B/ceiling ${(100 * m((r) => r.B.rps / r.ceiling.rps)).toFixed(1)} %`)
  console.log(`median server CPU per request: A ${m((r) => r.A.cpuUs).toFixed(0)} µs · B ${m((r) => r.B.cpuUs).toFixed(0)} µs · ceiling ${m((r) => r.ceiling.cpuUs).toFixed(0)} µs`)
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  for (const s of [...servers, ceiling]) s.ready.catch(() => {})
  await Promise.all([...servers, ceiling].map((s) => s.stop(2000)))
  dirs.forEach(removeTempDir)
}
