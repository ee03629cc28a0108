import type { FastifyInstance } from 'fastify'
import type { InspectorResult } from '../../../shared/api/types'
import { badRequest } from '../../../shared/errors'
import { requireDashiAdmin } from '../../auth'
import { getWebsiteByUuid } from '../../queries/websites'

const DEFAULT_LIMIT = 100

/** A whole number of at least `min` from the query, or the default when absent; 400 naming the parameter otherwise. */
function wholeNumber(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n < min) throw badRequest(`${name} must be a whole number from ${min}`)
  return n
}

/** GET /api/dashi/inspector: Dashi's own (no Umami route): the last hits received, parsed, newest first; admin only (it shows every website's traffic). */
export async function currentInspectorRoutes(app: FastifyInstance) {
  const { ctx } = app

  app.get<{ Querystring: Record<string, unknown> }>('/api/dashi/inspector', async (request): Promise<InspectorResult> => {
    requireDashiAdmin(request, 'open the hit inspector')
    const since = wholeNumber(request.query.since, 'since', 0, 0)
    // More than the ring holds is simply all of it: a client need not know the ring's size to ask for everything.
    const limit = Math.min(wholeNumber(request.query.limit, 'limit', DEFAULT_LIMIT, 1), ctx.inspector.size)
    const { hits, last } = ctx.inspector.list(since, limit)
    // Names are looked up when read, not when recorded: the hot path keeps only the UUID, and a rename shows.
    const names = new Map<string, string | null>()
    const nameOf = (uuid: string | null): string | null => {
      if (uuid === null) return null
      let name = names.get(uuid)
      if (name === undefined) names.set(uuid, (name = getWebsiteByUuid(ctx.db, uuid.toLowerCase())?.name ?? null))
      return name
    }
    return { hits: hits.map((hit) => ({ ...hit, websiteName: nameOf(hit.websiteId) })), last, size: ctx.inspector.size }
  })
}
