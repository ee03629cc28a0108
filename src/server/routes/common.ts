import type { FastifyInstance } from 'fastify'
import { trackerScript, type TrackerName } from '../tracker'

/** Routes both dialects share: health, UI config, telemetry probe and the tracker scripts. */
export async function commonRoutes(app: FastifyInstance) {
  const { ctx } = app

  app.all('/api/heartbeat', async () => ({ ok: true }))

  // The keys of v1's config and of Umami v3.1's together. `currentVersion` is our version string (Umami
  // sends a boolean there by mistake), so dashboards can recognise the server.
  app.get('/api/config', async () => ({
    basePath: '',
    cloudMode: false,
    faviconUrl: null,
    linksUrl: null,
    pixelsUrl: null,
    privateMode: false,
    telemetryDisabled: true,
    trackerScriptName: null,
    updatesDisabled: true,
    currentVersion: ctx.version
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
