import type { FastifyInstance } from 'fastify'
import { trackerScript, type TrackerName } from '../tracker'

/** Routes both dialects share: health, UI config, telemetry probe and the tracker scripts. */
export async function commonRoutes(app: FastifyInstance) {
  const { ctx } = app

  app.all('/api/heartbeat', async () => ({ ok: true }))

  app.get('/api/config', async () => ({
    basePath: '',
    updatesDisabled: true,
    telemetryDisabled: true
  }))

  // Umami serves a telemetry pixel here; Dashi sends nothing anywhere and only states its version,
  // which clients use to recognise the server.
  const telemetry = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.type('text/javascript; charset=utf-8').send(`/* telemetry disabled; dashi v=${ctx.version} */`)
  app.get('/api/scripts/telemetry', telemetry)
  app.get('/telemetry.js', telemetry)

  const serveTracker = (name: TrackerName) => async (_request: unknown, reply: import('fastify').FastifyReply) => {
    const script = await trackerScript(name)
    return reply
      .header('cache-control', 'public, max-age=86400, must-revalidate')
      .type('application/javascript; charset=utf-8')
      .send(script.code)
  }
  app.get('/umami.js', serveTracker('umami.js'))
}
