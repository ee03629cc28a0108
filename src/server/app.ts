import cookie from '@fastify/cookie'
import cors from '@fastify/cors'
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { Auth } from './auth'
import { HitInspector } from './collect/inspector'
import { HitWriter } from './collect/writer'
import { makeIpMatcher } from './collect/client-info'
import type { ServerConfig } from './config'
import type { AppContext } from './context'
import type { Db } from './db/open'
import { registerBodyParsers } from './plugins/body'
import { handleFrameworkError, registerErrorHandling } from './plugins/errors'
import { commonRoutes } from './routes/common'
import { currentRoutes } from './routes/current'
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
}

/** Builds the Fastify app: both API dialects over one database. Plugins are registered in this explicit order. */
export async function buildApp({ db, config, secret, logger = false, now = Date.now }: BuildOptions): Promise<FastifyInstance> {
  ensureDefaultAdmin(db, now())
  const app = Fastify({
    logger,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    frameworkErrors: handleFrameworkError,
    // One log line per hit would cost more than the hit; rejections and failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } }
  })
  const ctx: AppContext = {
    db,
    config,
    secret,
    auth: new Auth(db, secret, config.tokenTtlMs, now),
    writer: new HitWriter({
      file: db.name,
      onError: (error) => app.log.error({ err: error }, 'hit writer: worker thread failed; its pending hits were answered 503')
    }),
    inspector: new HitInspector(now),
    now,
    isIgnoredIp: makeIpMatcher(config.ignoreIps),
    version: VERSION
  }
  app.decorate('ctx', ctx)
  app.decorateRequest('authUser', undefined)

  registerErrorHandling(app)

  registerBodyParsers(app)

  await app.register(cookie)
  await app.register(cors, {
    origin: '*',
    methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
    maxAge: 86400,
    credentials: false
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('x-frame-options', 'SAMEORIGIN')
    reply.header('referrer-policy', 'strict-origin-when-cross-origin')
    done(null, payload)
  })

  await app.register(commonRoutes)
  await app.register(async (v1) => {
    v1.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), dialect: 'v1' }
    })
    await v1.register(v1AuthRoutes)
    await v1.register(v1AccountRoutes)
    await v1.register(v1WebsiteRoutes)
    await v1.register(v1RealtimeRoutes)
    await v1.register(v1ShareRoutes)
    await v1.register(v1CollectRoutes)
  })
  await app.register(currentRoutes)

  app.addHook('onClose', async () => {
    await ctx.writer.close()
  })
  return app
}
