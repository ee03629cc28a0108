import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import ipaddr from 'ipaddr.js'
import { buildApp } from './app'
import type { ServerConfig } from './config'
import { openDatabase, type Db } from './db/open'
import type { Sealer } from './lib/seal'
import { loadOrCreateSecret } from './secret'
import { DEFAULT_PASSWORD_HELP, defaultPasswordAtSight, hasDefaultPassword } from './setup'

export const DATABASE_FILE = 'dashi.db'

export interface RunningServer {
  app: FastifyInstance
  db: Db
  url: string
  port: number
  close: () => Promise<void>
}

export class StartupError extends Error {
  override name = 'StartupError'
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true
  const bare = host.replace(/^\[|\]$/g, '')
  return ipaddr.isValid(bare) && ipaddr.parse(bare).range() === 'loopback'
}

/** A dashboard page (/websites/…, /share/…): no file extension, outside the API, asked for by a browser. */
function isDashboardPage(url: string, accept: string | undefined): boolean {
  const path = url.split('?')[0]!
  return !path.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(path) && (accept === undefined || accept.includes('text/html') || accept.includes('*/*'))
}

/**
 * The dashboard routes in the browser (history mode), so a reload, a bookmark or a shared /share/… link
 * opens the app: such paths get index.html. Everything else that no route serves (API paths, missing
 * assets) keeps the dialect's 404.
 */
function registerDashboardFallback(app: FastifyInstance): void {
  app.get('/*', (request, reply) => {
    if (!isDashboardPage(request.url, request.headers.accept)) return reply.callNotFound()
    return reply.header('cache-control', 'no-cache').sendFile('index.html')
  })
}

/**
 * Opens the data directory and database, builds the app and listens: the one start-up path shared
 * by web mode (cli.ts) and the desktop shell.
 */
export async function startServer(
  config: ServerConfig,
  options: { logger?: FastifyServerOptions['logger']; staticDir?: string; now?: () => number; sealer?: Sealer } = {}
): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true })
  // The database first: when it cannot be used (damaged, read-only, too new) start-up stops before
  // anything is written to the data directory, the secret included.
  const db = openDatabase({ file: join(config.dataDir, DATABASE_FILE), nativeBinding: config.nativeBinding })
  let app: FastifyInstance | undefined
  try {
    const secret = loadOrCreateSecret(config.dataDir)
    app = await buildApp({ db, config, secret, logger: options.logger, now: options.now, sealer: options.sealer })
    const loopback = isLoopbackHost(config.host)
    // Beyond loopback the answer decides whether to listen (bcrypt when the hash alone cannot tell);
    // on loopback it only decides a warning, given after listening so start-up never waits for bcrypt.
    const atSight = loopback ? defaultPasswordAtSight(db) : await hasDefaultPassword(db)
    if (!loopback && atSight) throw new StartupError(`Refusing to listen on ${config.host}: ${DEFAULT_PASSWORD_HELP}`)
    if (options.staticDir && existsSync(join(options.staticDir, 'index.html'))) {
      await app.register(fastifyStatic, {
        root: options.staticDir,
        wildcard: false,
        index: 'index.html',
        // Vite names the files under assets/ by their content hash: a browser may keep them for good, and a
        // new build links new names. index.html (max-age=0) is asked again each time.
        setHeaders: (reply, path) => {
          if (/[\\/]assets[\\/][^\\/]+-[\w-]{8}\.\w+$/.test(path)) reply.header('cache-control', 'public, max-age=31536000, immutable')
        }
      })
      registerDashboardFallback(app)
    }
    await app.listen({ port: config.port, host: config.host })
    app.ctx.housekeeping.start()
    const listening = app
    if (atSight) listening.log.warn(DEFAULT_PASSWORD_HELP)
    else if (atSight === null) {
      void hasDefaultPassword(db).then(
        (isDefault) => isDefault && listening.log.warn(DEFAULT_PASSWORD_HELP),
        () => {}
      )
    }
  } catch (error) {
    await app?.close().catch(() => {})
    db.close()
    throw error
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  return {
    app,
    db,
    port,
    url: `http://${host}:${port}`,
    close: async () => {
      await app.close()
      db.close()
    }
  }
}
