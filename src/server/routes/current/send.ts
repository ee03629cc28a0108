import type { FastifyInstance } from 'fastify'

export async function currentSendRoutes(_app: FastifyInstance) {}
