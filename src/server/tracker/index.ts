import { gzipSync } from 'node:zlib'
import { minify } from 'terser'
import umamiSource from './umami.js?raw'
import scriptSource from './script.js?raw'

export interface TrackerScript {
  code: string
  gzipBytes: number
}

/** umami.js: the classic tracker (POST /api/collect); script.js: the current one (POST /api/send). */
const sources = { 'umami.js': umamiSource, 'script.js': scriptSource } as const
export type TrackerName = keyof typeof sources

const built = new Map<TrackerName, Promise<TrackerScript>>()

/** The minified tracker, built once per process on first request (keeps start-up free of the work). */
export function trackerScript(name: TrackerName): Promise<TrackerScript> {
  let script = built.get(name)
  if (!script) {
    script = minify(sources[name], {
      ecma: 2020,
      compress: { passes: 2, unsafe_arrows: true },
      mangle: { toplevel: true },
      format: { comments: false }
    }).then((out) => {
      const code = out.code ?? ''
      return { code, gzipBytes: gzipSync(code, { level: 9 }).length }
    })
    built.set(name, script)
  }
  return script
}
