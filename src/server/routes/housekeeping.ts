import type { FastifyInstance } from 'fastify'
import { AppError, badRequest } from '../../shared/errors'
import { MAX_RETENTION_MONTHS } from '../../shared/retention'
import { requireDashiAdmin } from '../auth'

/**
 * Dashi's own routes (no Umami equivalent) for data retention and database upkeep; admin only, as they
 * delete every website's old data.
 *   GET  /api/dashi/housekeeping          → status (retention, running, last run, database size)
 *   PUT  /api/dashi/housekeeping          { retentionMonths: 1–120 | null } → status; a purge starts
 *   POST /api/dashi/housekeeping/purge    → 202 status; deletes what retention no longer keeps, in the background
 *   POST /api/dashi/housekeeping/compact  → 202 status; VACUUM in the background (409 while another run goes on)
 */

function retentionOf(body: unknown): number | null {
  const value = (body as { retentionMonths?: unknown } | null)?.retentionMonths
  if (value === null) return null
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_RETENTION_MONTHS) {
    throw badRequest(`retentionMonths must be a whole number of months from 1 to ${MAX_RETENTION_MONTHS}, or null to keep everything`)
  }
  return value
}

export async function housekeepingRoutes(app: FastifyInstance) {
  const { ctx } = app
  const path = '/api/dashi/housekeeping'
  app.addHook('onRequest', async (request) => {
    requireDashiAdmin(request, 'change data retention and database upkeep')
  })

  app.get(path, async () => ctx.housekeeping.status())

  app.put(path, async (request) => {
    if (typeof request.body !== 'object' || request.body === null || !('retentionMonths' in request.body)) {
      throw badRequest('The body must be {"retentionMonths": <months> | null}')
    }
    const months = retentionOf(request.body)
    ctx.housekeeping.setRetention(months)
    if (months !== null) void ctx.housekeeping.purge()
    return ctx.housekeeping.status()
  })

  app.post(`${path}/purge`, async (_request, reply) => {
    void ctx.housekeeping.purge()
    return reply.code(202).send(ctx.housekeeping.status())
  })

  app.post(`${path}/compact`, async (_request, reply) => {
    if (!ctx.housekeeping.compact()) throw new AppError(409, 'Housekeeping is already running; compact the database once it is done.')
    return reply.code(202).send(ctx.housekeeping.status())
  })
}
