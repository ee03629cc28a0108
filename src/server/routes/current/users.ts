import type { FastifyInstance } from 'fastify'

export async function currentUserRoutes(_app: FastifyInstance) {}
