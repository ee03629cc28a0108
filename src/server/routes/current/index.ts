import type { FastifyInstance } from 'fastify'
import { currentAnalyticsRoutes } from './analytics'
import { currentInspectorRoutes } from './inspector'
import { currentReportRoutes } from './reports'
import { currentSessionRoutes } from './sessions'
import { currentUserRoutes } from './users'
import { currentWebsiteRoutes } from './websites'

/**
 * The current Umami API (v2/v3 shapes, v3 error envelope) over the same store as the classic routes.
 * Its collect routes (./send) are registered apart, in app.ts.
 */
export async function currentRoutes(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), dialect: 'current' }
  })
  await app.register(currentUserRoutes)
  await app.register(currentWebsiteRoutes)
  await app.register(currentAnalyticsRoutes)
  await app.register(currentSessionRoutes)
  await app.register(currentReportRoutes)
  await app.register(currentInspectorRoutes)
}
