import type { FastifyInstance } from 'fastify'

function badJson(): Error {
  const error = new Error('Invalid request: the body is not valid JSON') as Error & { statusCode: number }
  error.statusCode = 400
  return error
}

/**
 * JSON bodies, with two allowances real clients need:
 * - an empty body with a JSON content type is no body: Umami's dashboard (next-basics `post(url)`) sends
 *   `Content-Type: application/json` on bodyless POSTs such as reset and logout;
 * - text/plain is parsed as JSON: sendBeacon cannot set a JSON content type.
 * Non-empty JSON keeps Fastify's parser with its prototype-poisoning checks.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString()
    if (text.trim() === '') return done(null, undefined)
    parseJson(request, text, done)
  })
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body.toString(), (error, value) => (error ? done(badJson(), undefined) : done(null, value)))
  })
}
