import { readFileSync } from 'node:fs'
import { dirname, posix, resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

/**
 * Worker threads load a module by URL: `new URL('./x', import.meta.url)` next to the code that starts them.
 * That works as it is when the sources run (vitest); in this SSR build Vite leaves such URLs alone, so this
 * plugin emits the worker's module into out/main/ and rewrites the URL relative to whichever chunk ends up
 * holding the code that starts it.
 * - The HitWriter's worker is plain JavaScript (src/server/collect/writer-worker.mjs), copied as it is.
 * - The read pool's worker (src/server/reads/worker.ts) is TypeScript, built as a chunk of its own.
 */
function workerModule(options: { owner: string; literal: string; source: string; fileName: string; kind: 'asset' | 'chunk' }): Plugin {
  const source = resolve(options.source)
  const pattern = new RegExp(`new URL\\((['"\`])${options.literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\1,\\s*import\\.meta\\.url\\)`)
  const placeholder = `__DASHI_WORKER_URL_${options.fileName.replace(/\W/g, '_')}__`
  let ref: string | undefined
  return {
    name: `dashi:worker:${options.fileName}`,
    transform(code, id) {
      if (!id.endsWith(options.owner)) return null
      if (!pattern.test(code)) this.error(`${options.owner} no longer contains new URL("${options.literal}", import.meta.url)`)
      if (options.kind === 'asset') {
        this.addWatchFile(source)
        ref = this.emitFile({ type: 'asset', fileName: options.fileName, source: readFileSync(source, 'utf8') })
      } else {
        ref = this.emitFile({ type: 'chunk', id: source, fileName: options.fileName })
      }
      return { code: code.replace(pattern, `new URL(${JSON.stringify(placeholder)}, import.meta.url)`), map: null }
    },
    renderChunk(code, chunk) {
      if (!code.includes(placeholder)) return null
      if (!ref) this.error(`${options.fileName} was not emitted`)
      let path = posix.relative(dirname(chunk.fileName), this.getFileName(ref))
      if (!path.startsWith('.')) path = `./${path}`
      return { code: code.replaceAll(JSON.stringify(placeholder), JSON.stringify(path)), map: null }
    }
  }
}

// One build produces the Electron main process, the preload, the renderer and a standalone
// server entry (out/main/server.js) that `npm run serve` runs under plain Node (web mode).
export default defineConfig({
  main: {
    plugins: [
      workerModule({
        owner: '/src/server/collect/writer.ts',
        literal: './writer-worker.mjs',
        source: 'src/server/collect/writer-worker.mjs',
        fileName: 'writer-worker.mjs',
        kind: 'asset'
      }),
      workerModule({ owner: '/src/server/reads/pool.ts', literal: './worker.ts', source: 'src/server/reads/worker.ts', fileName: 'read-worker.js', kind: 'chunk' })
    ],
    build: {
      // Pure-JavaScript dependencies go into the bundle: resolving and loading hundreds of package files
      // at each start took most of the server's start-up. Native (better-sqlite3), data (the geo database,
      // found by path) and build-time-sized (terser) packages stay in node_modules.
      externalizeDeps: {
        exclude: ['fastify', '@fastify/cookie', '@fastify/cors', '@fastify/static', 'bcryptjs', 'env-paths', 'ipaddr.js', 'isbot', 'maxmind', 're2js', 'ua-parser-js', 'uuid']
      },
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          server: resolve('src/server/cli.ts')
        }
      }
    }
  },
  preload: {
    build: {
      // A sandboxed preload cannot be an ES module: one CommonJS file that require()s electron.
      rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } }
    }
  },
  renderer: {
    root: 'src/renderer',
    base: '/',
    build: {
      // electron-vite leaves the renderer unminified; the same bundle is served over the network in web mode.
      minify: true,
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } }
    },
    plugins: [vue()]
  }
})
