// The ceiling: a bare Fastify app (the project's own fastify version) with one POST JSON route that
// replies 200 with a small body. No database, no plugins, no logging. Run as a child process by run.mjs;
// prints one ready line with its URL and closes on SIGTERM.
//
// Experiment (BENCH_CEILING=plugins): the same route inside Dashi's framework set-up, still without any
// collect work: pino logger at info (request logging off), @fastify/cookie, @fastify/cors, the async
// onSend hook adding three security headers, and a ~300-byte text/plain reply like the cache token. The
// difference to the bare ceiling is what the framework configuration costs per request.
import Fastify, { LogController } from 'fastify'

const variant = process.env.BENCH_CEILING ?? 'bare'
let app
if (variant === 'plugins') {
  app = Fastify({
    logger: { level: 'info' },
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    logController: new LogController({ disableRequestLogging: true })
  })
  const { default: cookie } = await import('@fastify/cookie')
  const { default: cors } = await import('@fastify/cors')
  await app.register(cookie)
  await app.register(cors, { origin: '*', methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'], maxAge: 86400, credentials: false })
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('x-frame-options', 'SAMEORIGIN')
    reply.header('referrer-policy', 'strict-origin-when-cross-origin')
  })
  const token = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' + 'x'.repeat(230) + '.' + 'y'.repeat(43)
  app.post('/api/collect', { bodyLimit: 64 * 1024 }, async (_request, reply) => reply.type('text/plain; charset=utf-8').send(token))
} else {
  app = Fastify({ logger: false })
  app.post('/api/collect', async () => ({ ok: true }))
}

await app.listen({ port: 0, host: '127.0.0.1' })
console.log(`ceiling (${variant}) ready at http://127.0.0.1:${app.server.address().port}`)

const shutdown = () => app.close().then(() => process.exit(0), () => process.exit(1))
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
