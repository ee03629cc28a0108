import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError, badRequest, forbidden, unauthorized } from '../../shared/errors'
import { currentUser, shareTokenOf } from '../auth'
import { MAX_RETENTION_MONTHS } from '../housekeeping'

/**
 * Dashi's own routes (no Umami equivalent) for data retention and database upkeep; admin only, as they
 * delete every website's old data.
 *   GET  /api/dashi/housekeeping          → status (retention, running, last run, database size)
 *   PUT  /api/dashi/housekeeping          { retentionMonths: 1–120 | null } → status; a purge starts
 *   POST /api/dashi/housekeeping/purge    → 202 status; deletes what retention no longer keeps, in the background
 *   POST /api/dashi/housekeeping/compact  → 202 status; VACUUM in the background (409 while another run goes on)
 */
function requireAdmin(request: FastifyRequest): void {
  const user = currentUser(request)
  if (!user) throw shareTokenOf(request) ? forbidden('A share link cannot change data retention.') : unauthorized()
  if (!user.isAdmin) throw forbidden('Only admins can change data retention and database upkeep.')
}

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

  app.get(path, async (request) => {
    requireAdmin(request)
    return ctx.housekeeping.status()
  })

  app.put(path, async (request) => {
    requireAdmin(request)
    if (typeof request.body !== 'object' || request.body === null || !('retentionMonths' in request.body)) {
      throw badRequest('The body must be {"retentionMonths": <months> | null}')
    }
    ctx.housekeeping.setRetention(retentionOf(request.body))
    if (ctx.housekeeping.retentionMonths !== null) void ctx.housekeeping.purge()
    return ctx.housekeeping.status()
  })

  app.post(`${path}/purge`, async (request, reply) => {
    requireAdmin(request)
    void ctx.housekeeping.purge()
    return reply.code(202).send(ctx.housekeeping.status())
  })

  app.post(`${path}/compact`, async (request, reply) => {
    requireAdmin(request)
    if (!ctx.housekeeping.compact()) throw new AppError(409, 'Housekeeping is already running; compact the database once it is done.')
    return reply.code(202).send(ctx.housekeeping.status())
  })
}
