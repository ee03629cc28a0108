import cookie from '@fastify/cookie'
import cors from '@fastify/cors'
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { Auth } from './auth'
import { HitInspector } from './collect/inspector'
import { HitWriter } from './collect/writer'
import { ReadPool, readCaller } from './reads/pool'
import { Housekeeping } from './housekeeping'
import { housekeepingRoutes } from './routes/housekeeping'
import { makeIpMatcher } from './collect/client-info'
import type { ServerConfig } from './config'
import type { AppContext, Dialect } from './context'
import type { Db } from './db/open'
import { keySealer, type Sealer } from './lib/seal'
import { registerBodyParsers } from './plugins/body'
import { handleFrameworkError, registerErrorHandling } from './plugins/errors'
import { commonRoutes } from './routes/common'
import { currentRoutes } from './routes/current'
import { currentSendRoutes } from './routes/current/send'
import { profileRoutes } from './routes/profiles'
import { replayRoutes } from './routes/replay'
import { v1AccountRoutes } from './routes/v1/accounts'
import { v1AuthRoutes } from './routes/v1/auth'
import { v1CollectRoutes } from './routes/v1/collect'
import { v1RealtimeRoutes, v1ShareRoutes } from './routes/v1/realtime'
import { v1WebsiteRoutes } from './routes/v1/websites'
import { ensureDefaultAdmin } from './setup'
import { VERSION } from './version'

export interface BuildOptions {
  db: Db
  config: ServerConfig
  secret: string
  logger?: FastifyServerOptions['logger']
  /** Injected clock for tests; defaults to Date.now. */
  now?: () => number
  /** Seals remote profiles' secrets; the desktop passes Electron's safeStorage (lib/seal.ts). Default: a key from `secret`. */
  sealer?: Sealer
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'strict-origin-when-cross-origin'
} as const

/** What the CORS plugin and the security hook give every other route, for any origin, credentials never. */
const COLLECT_HEADERS = { 'access-control-allow-origin': '*', ...SECURITY_HEADERS } as const

/** Marks the routes of a plugin with the dialect their errors are written in (see plugins/errors.ts). */
function withDialect(dialect: Dialect, plugin: (app: FastifyInstance) => Promise<void>) {
  return async (scope: FastifyInstance) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), dialect }
    })
    await scope.register(plugin)
  }
}

/** Builds the Fastify app: both API dialects over one database. Plugins are registered in this explicit order. */
export async function buildApp({ db, config, secret, logger = false, now = Date.now, sealer }: BuildOptions): Promise<FastifyInstance> {
  ensureDefaultAdmin(db, now())
  const app = Fastify({
    logger,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    frameworkErrors: handleFrameworkError,
    // One log line per hit would cost more than the hit; rejections and failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // validateSchema: our route schemas are fixed and tested; checking them against the JSON Schema meta-schema
    // at each start cost ~60 ms of start-up.
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false, validateSchema: false } }
  })
  const writer = new HitWriter({
    file: db.name,
    nativeBinding: config.nativeBinding,
    onError: (error) => app.log.error({ err: error }, 'hit writer: worker thread failed; its pending hits were answered 503')
  })
  const ctx: AppContext = {
    db,
    config,
    secret,
    auth: new Auth(db, secret, config.tokenTtlMs, now),
    writer,
    housekeeping: new Housekeeping({ db, writer, now, log: app.log }),
    reads: new ReadPool({
      file: db.name,
      db,
      size: config.readers,
      nativeBinding: config.nativeBinding,
      onError: (error) => app.log.error({ err: error }, 'read pool: worker thread failed; its read was answered 503')
    }),
    inspector: new HitInspector(now),
    now,
    isIgnoredIp: makeIpMatcher(config.ignoreIps),
    version: VERSION,
    sealer: sealer ?? keySealer(secret)
  }
  app.decorate('ctx', ctx)
  app.decorateRequest('authUser', undefined)

  registerErrorHandling(app)

  registerBodyParsers(app)

  // The collect endpoints answer every tracked page view, so they stay out of the dashboard's plugins
  // (cookie parsing, CORS negotiation, the reply hook) and get their few fixed headers in one synchronous
  // hook. CORS preflights for them are still answered by the CORS plugin's OPTIONS route below.
  await app.register(async (collect) => {
    collect.addHook('onRequest', (_request, reply, done) => {
      reply.headers(COLLECT_HEADERS)
      done()
    })
    await collect.register(withDialect('v1', v1CollectRoutes))
    await collect.register(withDialect('current', currentSendRoutes))
  })

  await app.register(async (api) => {
    // The rest of the request runs in this context: a read it queues knows when its client has gone.
    api.addHook('onRequest', (request, _reply, done) => readCaller.run({ gone: () => request.raw.socket?.destroyed === true }, done))
    await api.register(cookie)
    await api.register(cors, {
      origin: '*',
      methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
      maxAge: 86400,
      credentials: false
    })
    api.addHook('onSend', (_request, reply, payload, done) => {
      reply.headers(SECURITY_HEADERS)
      done(null, payload)
    })

    await api.register(commonRoutes)
    await api.register(async (v1) => {
      await v1.register(withDialect('v1', v1AuthRoutes))
      await v1.register(withDialect('v1', v1AccountRoutes))
      await v1.register(withDialect('v1', v1WebsiteRoutes))
      await v1.register(withDialect('v1', v1RealtimeRoutes))
      await v1.register(withDialect('v1', v1ShareRoutes))
    })
    await api.register(currentRoutes)
    await api.register(withDialect('current', profileRoutes))
    await api.register(withDialect('current', replayRoutes))
    await api.register(withDialect('current', housekeepingRoutes))
  })

  app.addHook('onClose', async () => {
    await ctx.housekeeping.stop()
    await Promise.all([ctx.writer.close(), ctx.reads.close()])
  })
  return app
}
