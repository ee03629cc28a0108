// `npm run stress`: the stress scripts that take too long for the test suite (issue 7), one after the other,
// each in its own process, printing its own figures. Exit code 1 when any of them fails.
//
//   npm run stress              every *.mjs in tests/stress/ except this file and helpers named _*.mjs
//   npm run stress -- crash     only the named ones (file names without .mjs)
//
// Each script is responsible for its own settings (env variables, see its header) and exit code.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const self = basename(fileURLToPath(import.meta.url))
const available = readdirSync(here)
  .filter((name) => name.endsWith('.mjs') && name !== self && !name.startsWith('_'))
  .map((name) => name.slice(0, -'.mjs'.length))
  .sort()

const wanted = process.argv.slice(2)
const unknown = wanted.filter((name) => !available.includes(name))
if (unknown.length) {
  console.error(`stress: unknown script ${unknown.join(', ')}; available: ${available.join(', ')}`)
  process.exit(2)
}

const results = []
for (const name of wanted.length ? wanted : available) {
  console.error(`\nstress: ${name}`)
  const started = performance.now()
  // The child inherits the terminal: its figures are printed as it goes; Ctrl-C reaches it too.
  const run = spawnSync(process.execPath, [join(here, `${name}.mjs`)], { stdio: 'inherit' })
  results.push({ name, ok: run.status === 0, status: run.status ?? run.signal, seconds: (performance.now() - started) / 1000 })
}

console.log('\nstress summary:')
for (const r of results) console.log(`  ${r.name.padEnd(20)} ${r.ok ? 'OK' : `FAILED (exit ${r.status})`}  ${r.seconds.toFixed(1)} s`)
process.exitCode = results.every((r) => r.ok) ? 0 : 1
