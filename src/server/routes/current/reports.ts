import type { FastifyInstance } from 'fastify'

export async function currentReportRoutes(_app: FastifyInstance) {}
