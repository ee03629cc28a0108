// Summarises a .cpuprofile of the Dashi server (from `BENCH_CPU_PROF=<dir> npm run bench`) by what the
// time was spent on. Usage: node bench/profile-summary.mjs <file.cpuprofile> [hits]
// With `hits` (the number of hits the server handled while profiled), also prints µs per hit.
//
// Each sample is charged to the first category found walking from the leaf frame towards the root,
// so nested work (e.g. sha512 inside sessionUuid) lands in the most specific category.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Lines (0-based, as in profiles) of the anonymous functions worth naming in the built server bundle. */
function bundleLandmarks() {
  const marks = new Map()
  for (const dir of ['out/main', 'out/main/chunks']) {
    const abs = join(root, dir)
    if (!existsSync(abs)) continue
    for (const name of readdirSync(abs).filter((n) => n.endsWith('.js'))) {
      const lines = readFileSync(join(abs, name), 'utf8').split('\n')
      lines.forEach((line, i) => {
        if (/\.post\(\s*["']\/api\/collect["']/.test(line)) marks.set(`${name}:${i}`, 'collect')
        if (/\.post\(\s*["']\/api\/send["']/.test(line)) marks.set(`${name}:${i}`, 'collect')
        if (/addHook\(\s*["']onSend["']/.test(line)) marks.set(`${name}:${i}`, 'onSend')
      })
    }
  }
  return marks
}

/** [category, test(functionName, url)] — first match from the leaf wins. */
/** A frame of Dashi's own build (out/main/*.js and its chunks), whatever the chunk is named. */
const ours = (url) => url.includes('/out/main/')

const RULES = (landmark) => [
  ['one-time: start-up, login (bcrypt), tracker minify', (f, u) => /bcryptjs|terser|esm\/(loader|module_job|utils)|cjs\/loader|startServer|compileSourceTextModule/.test(u + ' ' + f)],
  ['writer: COMMIT / transaction (SQLite)', (f) => f === 'sqliteTransaction'],
  ['writer: encode + post to the worker thread', (f, u) => (f === 'encodeHit' || f === 'flush' || f === 'postMessage') && (ours(u) || u.includes('worker'))],
  ['website lookup per hit (SQLite)', (f) => f === 'getWebsiteByUuid'],
  ['session/visit ids (sha512 + uuid v5)', (f) => /^(hashUuid|sessionUuid|visitUuid|monthSalt|hourSalt)$/.test(f)],
  ['signed tokens: sign / verify (HMAC)', (f, u) => /^(sign|verify|check)$/.test(f) && ours(u)],
  ['geo: countryOf (maxmind + ipaddr)', (f) => f === 'countryOf'],
  ['user agent: parse (cached)', (f) => f === 'parseUserAgent'],
  ['user agent: isbot regex', (f) => f === 'isBotAgent'],
  ['client IP: header + normalize (ipaddr)', (f) => f === 'clientIp' || f === 'normalizeIp'],
  ['url split, campaign params, event data', (f) => /^(splitUrl|campaignParams|referrerDomain|flattenData|clip)$/.test(f)],
  ['body JSON parse', (f, u) => u.includes('secure-json-parse') || (f === 'parse' && u === '')],
  ['uuid validate', (f) => f === 'isUuid' || f === 'validate'],
  ['cors + security-header hooks', (f, u, line) => u.includes('@fastify/cors') || landmark(u, line) === 'onSend'],
  ['collect handler (rest of it)', (f, u, line) => landmark(u, line) === 'collect'],
  ['garbage collector', (f) => f === '(garbage collector)'],
  ['idle', (f) => f === '(idle)'],
  ['HTTP parse/write + Fastify routing/reply (rest)', () => true]
]

/** Prints the summary; `hits` (optional) is how many hits the profiled server handled. */
export function summarize(file, hits = null, print = console.log) {
const profile = JSON.parse(readFileSync(file, 'utf8'))
const marks = bundleLandmarks()
const landmark = (url, line) => marks.get(`${url.split('/').at(-1)}:${line}`)
const rules = RULES(landmark)

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const categoryOf = new Map()
function categorise(id) {
  if (categoryOf.has(id)) return categoryOf.get(id)
  let found = null
  for (let cur = id; cur !== undefined && !found; cur = parent.get(cur)) {
    const { functionName, url, lineNumber } = byId.get(cur).callFrame
    if (functionName === '(root)') break
    for (const [name, test] of rules.slice(0, -1)) {
      if (test(functionName, url, lineNumber)) {
        found = name
        break
      }
    }
  }
  found ??= rules.at(-1)[0]
  categoryOf.set(id, found)
  return found
}

const totals = new Map()
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const t = profile.timeDeltas[i] ?? 0
  total += t
  const c = categorise(profile.samples[i])
  totals.set(c, (totals.get(c) ?? 0) + t)
}
const busy = total - (totals.get('idle') ?? 0) - (totals.get(rules[0][0]) ?? 0)
print(`profile: ${(total / 1e6).toFixed(2)} s; per-hit work (excluding idle and one-time) ${(busy / 1e6).toFixed(2)} s`)
for (const [name, t] of [...totals].sort((a, b) => b[1] - a[1])) {
  const perHit = hits && name !== 'idle' && name !== rules[0][0] ? `${(t / hits).toFixed(1).padStart(7)} µs/hit` : ''.padStart(14)
  print(`${(t / 1000).toFixed(0).padStart(7)} ms ${((100 * t) / total).toFixed(1).padStart(5)} %  ${perHit}  ${name}`)
}
if (hits) print(`total per-hit work: ${(busy / hits).toFixed(1)} µs/hit over ${hits} hits`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, hitsArg] = process.argv.slice(2)
  if (!file) {
    console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [hits]')
    process.exit(2)
  }
  summarize(file, hitsArg ? Number(hitsArg) : null)
}
