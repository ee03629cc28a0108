/**
 * The I/O around the pure adapters: send probes and calls with any fetch-like function (the server's
 * global fetch, a test's), and read replies into `RemoteResponse`s. Nothing else here decides anything.
 */
import { ApiError } from './client'
import {
  type Adapter,
  type AuthState,
  type Call,
  type CallParams,
  type CallResults,
  type Credentials,
  detect,
  type Dialect,
  type Detection,
  type DetectionError,
  isUnsupported,
  normaliseBaseUrl,
  type ProbeResults,
  probesFor,
  type RemoteRequest,
  type RemoteResponse
} from './adapters'

export interface FetchLikeResponse {
  status: number
  headers: { get(name: string): string | null; forEach(callback: (value: string, key: string) => void): void; getSetCookie?(): string[] }
  text(): Promise<string>
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal; redirect?: 'follow' | 'manual' }
) => Promise<FetchLikeResponse>

export interface SendOptions {
  /** Per request; a remote server that does not answer in time counts as unreachable. Default 10 s. */
  timeoutMs?: number
}

/** Sends one request; rejects only when no reply came (network error, timeout). */
export async function send(fetchLike: FetchLike, request: Pick<RemoteRequest, 'method' | 'url' | 'headers' | 'body'>, options: SendOptions = {}): Promise<RemoteResponse> {
  const response = await fetchLike(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000)
  })
  const headers: Record<string, string> = {}
  response.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value
  })
  // Several Set-Cookie headers would be folded into one comma list; keep them apart.
  const cookies = response.headers.getSetCookie?.()
  if (cookies && cookies.length > 0) headers['set-cookie'] = cookies.join('\n')
  return { status: response.status, headers, body: await response.text() }
}

const failure = (error: unknown) => {
  const e = error as Error & { cause?: { code?: string; message?: string } }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time'
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error)
}

/**
 * Probes `baseUrl` (umami-v2.md §7) and says what it is: the unauthenticated probes together, then the
 * login, then the websites list with the login's token (sent both as Bearer and as v1's cookie, since the
 * era is not known yet) or the API key.
 */
export async function probe(
  fetchLike: FetchLike,
  baseUrl: string,
  credentials: Credentials,
  options: SendOptions = {}
): Promise<{ detection: Detection | DetectionError; results: ProbeResults }> {
  const base = normaliseBaseUrl(baseUrl)
  const results: ProbeResults = {}
  const run = async (p: ReturnType<typeof probesFor>[number], headers: Record<string, string> = {}) => {
    try {
      const body = p.body
      results[p.id] = await send(
        fetchLike,
        { method: p.method, url: `${base}${p.path}`, headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body },
        options
      )
    } catch (error) {
      results[p.id] = { error: failure(error) }
    }
  }
  const probes = probesFor(base, credentials)
  await Promise.all(probes.filter((p) => !p.authenticated && p.id !== 'login').map((p) => run(p)))
  const login = probes.find((p) => p.id === 'login')
  if (login) await run(login)
  const authed = probes.find((p) => p.authenticated)
  if (authed) {
    const headers = credentialHeaders(credentials, results.login)
    if (headers) await run(authed, headers)
  }
  return { detection: detect(results, base, credentials), results }
}

function credentialHeaders(credentials: Credentials, login: ProbeResults['login']): Record<string, string> | null {
  if (credentials.kind === 'api-key') return { 'x-umami-api-key': credentials.key, authorization: `Bearer ${credentials.key}` }
  if (!login || !('status' in login) || login.status !== 200) return null
  let token: string | undefined
  try {
    token = (JSON.parse(login.body) as { token?: string }).token
  } catch {
    token = undefined
  }
  const cookie = /(?:^|\n|,\s*)umami\.auth=([^;\s,]+)/.exec(login.headers['set-cookie'] ?? '')?.[1]
  token ??= cookie ? decodeURIComponent(cookie) : undefined
  return token ? { authorization: `Bearer ${token}`, cookie: `umami.auth=${token}` } : null
}

/**
 * One dashboard call through an adapter: the current API's result, or an `ApiError` (status 0
 * `network-error` when the server did not answer, 400 `unsupported` when its version lacks the call).
 */
export async function callRemote<C extends Call>(fetchLike: FetchLike, adapter: Adapter, call: C, params: CallParams[C], options: SendOptions = {}): Promise<CallResults[C]> {
  const request = adapter.request(call, params)
  if (isUnsupported(request)) throw new ApiError(400, 'unsupported', request.reason)
  let response: RemoteResponse
  try {
    response = await send(fetchLike, request, options)
  } catch (error) {
    throw new ApiError(0, 'network-error', `Could not reach ${new URL(request.url).host} (${failure(error)}).`)
  }
  return adapter.normalise(call, response, params)
}

/**
 * Logs in with a dialect (its login request, its way of reading the reply): the authentication to use,
 * an API key as is, or an `ApiError` (401 `bad-credentials` when the server refused the login).
 */
export async function signIn(fetchLike: FetchLike, dialect: Dialect, baseUrl: string, credentials: Credentials, options: SendOptions = {}): Promise<AuthState> {
  if (credentials.kind === 'api-key') return { kind: 'api-key', key: credentials.key }
  const login = dialect.login(credentials)
  if (!login) throw new ApiError(400, 'unsupported', `${dialect.label} is read with an API key, not a password.`)
  const url = `${baseUrl.replace(/\/+$/, '')}${login.path}`
  let response: RemoteResponse
  try {
    response = await send(fetchLike, { method: login.method, url, headers: { accept: 'application/json', 'content-type': 'application/json' }, body: login.body }, options)
  } catch (error) {
    throw new ApiError(0, 'network-error', `Could not reach ${new URL(url).host} (${failure(error)}).`)
  }
  const auth = dialect.readLogin(response)
  if (!auth) throw new ApiError(401, 'bad-credentials', 'Wrong username or password: the server refused them.')
  return auth
}
