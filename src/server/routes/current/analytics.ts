import type { FastifyInstance } from 'fastify'

export async function currentAnalyticsRoutes(_app: FastifyInstance) {}
