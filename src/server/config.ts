import { parseArgs } from 'node:util'
import envPaths from 'env-paths'
import { DEFAULT_HOST, DEFAULT_PORT } from '../shared/constants'

export interface ServerConfig {
  port: number
  host: string
  dataDir: string
  /** Client addresses (exact, or CIDR ranges) whose hits are refused with 403. */
  ignoreIps: string[]
  /**
   * Header that carries the client address when Dashi runs behind a proxy (e.g. `x-forwarded-for`).
   * Unset by default: forwarding headers are only trusted when the user says so.
   */
  clientIpHeader?: string
  disableBotCheck: boolean
  /** Strip one trailing slash from collected URL paths (a lone `/` is kept). */
  removeTrailingSlash: boolean
  /** Lifetime of a login token. */
  tokenTtlMs: number
  /** Failed logins allowed per client address and per username within `windowMs`; then 429 until it ends. */
  loginThrottle: { maxFailures: number; windowMs: number }
  logLevel: string
  /**
   * better-sqlite3's native addon to load instead of node_modules' (the desktop app passes one built for
   * Electron; web mode and tests use the Node build).
   */
  nativeBinding?: string
  /**
   * Worker threads for dashboard reads (src/server/reads/pool.ts); by default up to 2, fewer on fewer cores.
   * 0 runs reads on the main connection (the benchmark's comparison). DASHI_READERS.
   */
  readers?: number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function defaultDataDir(): string {
  return envPaths('dashi', { suffix: '' }).data
}

const truthy = (value: string | undefined) => value !== undefined && /^(1|true|yes|on)$/i.test(value.trim())
const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)

function parsePort(raw: string): number {
  const port = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || port > 65535) throw new ConfigError(`Invalid port "${raw}": use a number from 0 to 65535 (0 picks a free port).`)
  return port
}

/** Reads the web-mode flags (`--port`, `--host`, `--data`) and their DASHI_* environment equivalents; flags win. */
export function resolveConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      help: { type: 'boolean' }
    },
    strict: true,
    allowPositionals: false
  })
  const portRaw = values.port ?? env.DASHI_PORT
  return {
    port: portRaw === undefined || portRaw === '' ? DEFAULT_PORT : parsePort(portRaw),
    host: values.host ?? env.DASHI_HOST ?? DEFAULT_HOST,
    dataDir: values.data ?? env.DASHI_DATA ?? defaultDataDir(),
    ignoreIps: list(env.DASHI_IGNORE_IP),
    clientIpHeader: env.DASHI_CLIENT_IP_HEADER?.trim().toLowerCase() || undefined,
    disableBotCheck: truthy(env.DASHI_DISABLE_BOT_CHECK),
    removeTrailingSlash: truthy(env.DASHI_REMOVE_TRAILING_SLASH),
    tokenTtlMs: 30 * 24 * 3600_000,
    loginThrottle: { maxFailures: 10, windowMs: 15 * 60_000 },
    logLevel: env.DASHI_LOG_LEVEL ?? 'info',
    readers: parseReaders(env.DASHI_READERS)
  }
}

function parseReaders(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 16) throw new ConfigError(`Invalid DASHI_READERS "${raw}": use a number of read threads from 0 to 16.`)
  return Number(raw)
}

export const USAGE = `Usage: npm run serve -- [--port <n>] [--host <addr>] [--data <dir>]

  --port <n>     port to listen on (default ${DEFAULT_PORT}; 0 picks a free port)   env DASHI_PORT
  --host <addr>  address to bind (default ${DEFAULT_HOST}, loopback only)          env DASHI_HOST
  --data <dir>   data directory (default ${defaultDataDir()})                     env DASHI_DATA

Other settings: DASHI_IGNORE_IP (comma list, CIDR allowed), DASHI_CLIENT_IP_HEADER (trust a proxy header),
DASHI_DISABLE_BOT_CHECK, DASHI_REMOVE_TRAILING_SLASH, DASHI_LOG_LEVEL.`
