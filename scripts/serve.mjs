// `npm run serve`: web mode. Builds when the build is missing or older than the sources, then runs
// the standalone server entry in this process (so SIGINT/SIGTERM reach it directly).
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build, isStale, root } from './build.mjs'

const entry = join(root, 'out/main/server.js')

if (isStale(entry)) {
  console.error('Building Dashi (electron-vite build)…')
  if (!build()) {
    console.error('The build failed; see the errors above.')
    process.exit(1)
  }
}
await import(pathToFileURL(entry).href)
