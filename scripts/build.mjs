// The build check `npm run serve`, `npm start` and `npm run bench` share: whether out/ is older than the
// sources, and running `electron-vite build` (its errors on stderr).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function newestMtime(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)))
  return newest
}

/** True when `entry` (a file under out/) is missing or older than anything the build reads. */
export function isStale(entry) {
  if (!existsSync(entry)) return true
  const sources = Math.max(...['src', 'package.json', 'electron.vite.config.ts'].map((p) => newestMtime(join(root, p))))
  return sources > statSync(entry).mtimeMs
}

/** Runs `electron-vite build`; true when it succeeded. Its output is dropped unless `verbose`, its errors shown. */
export function build({ verbose = false } = {}) {
  const result = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', verbose ? 'inherit' : 'ignore', 'inherit']
  })
  return result.status === 0
}
