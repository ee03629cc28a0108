import { readFileSync } from 'node:fs'
import { dirname, posix, resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

/**
 * The HitWriter's worker thread is a plain .mjs file next to src/server/collect/writer.ts, found with
 * `new URL('./writer-worker.mjs', import.meta.url)`. That works as it is when the TypeScript sources run
 * (vitest); in this SSR build Vite leaves such URLs alone, so this plugin copies the file to
 * out/main/writer-worker.mjs and rewrites the URL relative to whichever chunk ends up holding writer.ts.
 */
function writerWorker(): Plugin {
  const source = resolve('src/server/collect/writer-worker.mjs')
  const pattern = /new URL\((['"`])\.\/writer-worker\.mjs\1,\s*import\.meta\.url\)/
  const placeholder = '__DASHI_WRITER_WORKER_URL__'
  let ref: string | undefined
  return {
    name: 'dashi:writer-worker',
    transform(code, id) {
      if (!id.endsWith('/src/server/collect/writer.ts')) return null
      if (!pattern.test(code)) this.error('writer.ts no longer contains new URL("./writer-worker.mjs", import.meta.url)')
      this.addWatchFile(source)
      ref = this.emitFile({ type: 'asset', fileName: 'writer-worker.mjs', source: readFileSync(source, 'utf8') })
      return { code: code.replace(pattern, `new URL(${JSON.stringify(placeholder)}, import.meta.url)`), map: null }
    },
    renderChunk(code, chunk) {
      if (!code.includes(placeholder)) return null
      if (!ref) this.error('writer-worker.mjs was not emitted')
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
    plugins: [writerWorker()],
    build: {
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
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } }
    },
    plugins: [vue()]
  }
})
