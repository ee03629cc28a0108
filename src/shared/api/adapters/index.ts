/**
 * Dialect adapters: the dashboard's calls in the words of each Umami version, and the replies back in
 * the current API's types. `createAdapter` binds a dialect to a profile (base URL and authentication), so
 * a forwarding route does `adapter.request(call, params)`, sends it, and `adapter.normalise(call, reply, params)`.
 */
import { ApiError } from '../client'
import { isRecord, parseBody } from './common'
import { isUnsupported, type AuthState, type Call, type CallParams, type CallResults, type Dialect, type RemoteRequest, type RemoteResponse, type Unsupported } from './types'

export * from './types'
export { detect, probesFor, normaliseBaseUrl, isCloudUrl, CLOUD_BASE } from './detect'
export type { Detection, DetectionError, DetectionErrorKind, Probe, ProbeId, ProbeOutcome, ProbeResults } from './detect'
export { v1Dialect, v1EraOf, V1_ERAS, type V1Era } from './v1'
export { v2Dialect, v2Features } from './v2'
export { v3Dialect } from './v3'
export { parseVersion } from './common'

export interface Adapter {
  dialect: Dialect
  features: Dialect['features']
  /** The HTTP request of a call, or why this server cannot answer it (hide the view). */
  request<C extends Call>(call: C, params: CallParams[C]): RemoteRequest | Unsupported
  /** The reply in the current API's shape; an error reply or a malformed one throws an `ApiError`. */
  normalise<C extends Call>(call: C, response: RemoteResponse, params: CallParams[C]): CallResults[C]
}

export function createAdapter(dialect: Dialect, profile: { baseUrl: string; auth: AuthState }): Adapter {
  const base = profile.baseUrl.replace(/\/+$/, '')
  return {
    dialect,
    features: dialect.features,
    request(call, params) {
      const built = dialect.build(call, params, profile.auth)
      if (isUnsupported(built)) return built
      const headers: Record<string, string> = { accept: 'application/json', ...dialect.authHeaders(profile.auth) }
      if (built.body !== undefined) headers['content-type'] = 'application/json'
      return { ...built, url: `${base}${built.path}`, headers }
    },
    normalise(call, response, params) {
      if (response.status < 200 || response.status >= 300) throw remoteError(response, dialect)
      const body = parseBody(response.body)
      if (typeof body === 'string') throw new ApiError(502, 'bad-response', `The server sent something that is not JSON for ${call}.`)
      return dialect.read(call, body, params)
    }
  }
}

const CODES: Record<number, string> = { 400: 'bad-request', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 429: 'too-many-requests' }

/**
 * An error reply of any era as an `ApiError`: v1 and v2.0–2.15 answer plain text (`401 Unauthorized`),
 * v2.16–2.20 `{error: "..."}`, v3 `{error: {message, code, status}}`.
 */
export function remoteError(response: RemoteResponse, dialect: Dialect): ApiError {
  const body = parseBody(response.body)
  const code = CODES[response.status] ?? (response.status >= 500 ? 'internal-error' : 'bad-request')
  let message = ''
  if (isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string') {
    message = body.error.message
    if (typeof body.error.code === 'string') return new ApiError(response.status, body.error.code, withHint(response.status, message, dialect))
  } else if (isRecord(body) && typeof body.error === 'string') message = body.error
  else if (isRecord(body) && typeof body.message === 'string') message = body.message
  else if (typeof body === 'string' && body.length <= 300 && !body.trimStart().startsWith('<')) message = body.trim()
  return new ApiError(response.status, code, withHint(response.status, message || `The server answered ${response.status}.`, dialect))
}

/** A 401 from a remote server means the profile's login ended (or never allowed this website). */
const withHint = (status: number, message: string, dialect: Dialect) =>
  status === 401 ? `${message} (${dialect.label} refused the profile's login: sign in again, or check that this account may see the website.)` : message
