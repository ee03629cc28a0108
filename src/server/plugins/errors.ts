import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { AppError, codeForStatus, type ErrorCode } from '../../shared/errors'
import type { Dialect } from '../context'
import { storageFault } from '../db/faults'

const V1_PREFIXES = ['/api/website/', '/api/website?', '/api/account', '/api/collect', '/api/realtime/init', '/api/realtime/update']

/** Which envelope an error is written in: the route's own dialect, or for unknown routes, its URL family. */
export function dialectOf(request: FastifyRequest): Dialect {
  const configured = request.routeOptions?.config?.dialect
  if (configured) return configured
  const url = request.url
  return url === '/api/website' || V1_PREFIXES.some((p) => url.startsWith(p)) ? 'v1' : 'current'
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string,
  code: ErrorCode = codeForStatus(status)
): FastifyReply {
  reply.code(status)
  if (dialectOf(request) === 'v1') {
    // v1 answers errors in plain text; the bare status line when there is nothing more specific to say.
    const text = message === STATUS_CODES[status] ? `${status} ${message}` : message
    return reply.type('text/plain; charset=utf-8').send(text)
  }
  return reply.send({ error: { message, code, status } })
}

/**
 * For Fastify's `frameworkErrors` option. The router rejects a badly encoded URL (400) or an over-long
 * path parameter (414) before any route or error handler runs, and by default answers in Fastify's own
 * JSON shape; this answers in the dialect's envelope instead (v1: plain text).
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400
  request.log.info({ status, reason: error.code }, 'request rejected')
  return sendError(request, reply, status, STATUS_CODES[status] ?? STATUS_CODES[400]!)
}

/** One place turns every error into the dialect's envelope; internals of 5xx errors are logged, never sent. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    let status: number
    let message: string
    if (error instanceof AppError) {
      status = error.status
      message = error.message
    } else if ('validation' in error && error.validation) {
      status = 400
      message = `Invalid request: ${error.message}`
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode
      message = error.message
    } else if (storageFault((error as { code?: unknown }).code)) {
      // A write of the main connection met a full disk or an unwritable file: nothing was changed.
      status = 503
      message = `Nothing was changed: ${storageFault((error as { code?: unknown }).code)}. Try again later.`
      request.log.warn({ err: error }, 'storage fault')
    } else {
      status = error instanceof AppError ? error.status : 500
      message = status === 503 ? error.message : STATUS_CODES[500]!
    }
    if (status >= 500 && status !== 503) request.log.error({ err: error }, 'request failed')
    else request.log.info({ status, reason: message }, 'request rejected')
    return sendError(request, reply, status, message, error instanceof AppError && error.status === status ? error.code : undefined)
  })

  app.setNotFoundHandler((request, reply) => sendError(request, reply, 404, STATUS_CODES[404]!))

  // The CORS plugin refuses an OPTIONS request that is no preflight in its own words and plain text, whatever
  // the path's dialect. A root hook runs before the plugin's, so the refusal is answered here, in the envelope.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'OPTIONS' && (!request.headers.origin || !request.headers['access-control-request-method'])) {
      sendError(request, reply, 400, 'Invalid CORS preflight: an OPTIONS request needs the Origin and Access-Control-Request-Method headers')
      return
    }
    done()
  })
}
