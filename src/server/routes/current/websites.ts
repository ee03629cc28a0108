import type { FastifyInstance } from 'fastify'

export async function currentWebsiteRoutes(_app: FastifyInstance) {}
