import { existsSync } from 'node:fs'
import { isAbsolute } from 'node:path'

/**
 * better-sqlite3 is a native module: the copy in node_modules is built for Node (tests, web mode) and
 * cannot load in Electron (another ABI). `npm start` (scripts/desktop.mjs) builds a second copy for
 * Electron outside node_modules and names it in DASHI_SQLITE_BINDING; a packaged app has node_modules
 * rebuilt for Electron by electron-builder and needs no override.
 */
export const NATIVE_BINDING_ENV = 'DASHI_SQLITE_BINDING'

export function nativeBindingFrom(env: NodeJS.ProcessEnv, exists: (path: string) => boolean = existsSync): { path?: string; warning?: string } {
  const path = env[NATIVE_BINDING_ENV]?.trim()
  if (!path) return {}
  if (!isAbsolute(path) || !exists(path)) return { warning: `${NATIVE_BINDING_ENV}=${path} is not an existing absolute path; using the default better-sqlite3 build.` }
  return { path }
}
