import type { FastifyInstance } from 'fastify'

export async function currentSessionRoutes(_app: FastifyInstance) {}
