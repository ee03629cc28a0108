// `npm run serve`: web mode. Builds when the build is missing or older than the sources, then runs
// the standalone server entry in this process (so SIGINT/SIGTERM reach it directly).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const entry = join(root, 'out/main/server.js')

function newestMtime(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)))
  return newest
}

const inputs = ['src', 'package.json', 'electron.vite.config.ts'].map((p) => join(root, p))
const stale = !existsSync(entry) || Math.max(...inputs.map(newestMtime)) > statSync(entry).mtimeMs
if (stale) {
  console.error('Building Dashi (electron-vite build)…')
  const result = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit']
  })
  if (result.status !== 0) {
    console.error('The build failed; see the errors above.')
    process.exit(result.status ?? 1)
  }
}
await import(pathToFileURL(entry).href)
