import { ApiError } from '../../../shared/api/client'
import { apiBaseUrl, apiFetch } from '../composables/useApi'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

/**
 * A small JSON client for Dashi's own admin routes under `base` (profiles, replays), which are no part of
 * the analytics API client: the login's Bearer token, the v3 error envelope turned into an ApiError with
 * the server's words, and a 401 handed to the auth store.
 */
export function adminRequest(base: string, auth: { token: string | null; onUnauthorized: (error: ApiError) => unknown }) {
  return async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (auth.token) headers.authorization = `Bearer ${auth.token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await apiFetch()(`${apiBaseUrl()}${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    } catch (e) {
      throw new ApiError(0, 'network-error', `Could not reach the Dashi server. Is it running? (${(e as Error)?.message ?? e})`)
    }
    const text = await response.text()
    let json: unknown
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new ApiError(response.status, 'bad-response', `The server sent something that is not JSON for ${method} ${base}${path}.`)
    }
    if (!response.ok) {
      const envelope = (json as { error?: { message?: string; code?: string; status?: number } } | undefined)?.error
      const failure = new ApiError(envelope?.status ?? response.status, envelope?.code ?? 'error', envelope?.message ?? `The server answered ${response.status}`)
      if (failure.status === 401) void auth.onUnauthorized(failure)
      throw failure
    }
    return json as T
  }
}
