import { type AuthState, type Call, type CallParams, type CallResults, createAdapter, type Credentials, type Dialect } from '../../shared/api/adapters'
import { ApiError } from '../../shared/api/client'
import { callRemote, type FetchLike, signIn } from '../../shared/api/remote'
import type { Db } from '../db/open'
import { SealError, type Sealer } from '../lib/seal'
import { getProfileByUuid, type ProfileRow, storeAuthState } from '../queries/profiles'
import { dialectOf, nodeFetch, readDetection, REMOTE_TIMEOUT_MS } from '../routes/profiles'

/**
 * A remote profile as the replay uses it: where its collection endpoint is, and its dashboard calls (the
 * website check before a job, the count check after) with the sealed login, renewed once on a 401 as the
 * forwarding route does.
 */

/** What a profile can be: refused before a job starts, in words the settings page shows. */
export function replayRefusal(row: ProfileRow): string | null {
  const stored = readDetection(row)
  const name = `${stored.label} (${row.name})`
  if (row.family === 'v1') {
    return `${name} cannot take hits with their original times: Umami v1 has no timestamp in its collection API. Move history to Umami v2.17 or later, or v3.`
  }
  if (row.family === 'cloud') {
    return 'Moving history to Umami Cloud is not supported: its collection endpoint is not reached through the API address of the profile. Use a self-hosted Umami v2.17+ or v3 server.'
  }
  if (row.family === 'v2') {
    // The newest version the detection allows ("2.6–2.15", "2.12.1"); "2.x" says nothing, so /api/batch will tell.
    const top = /(\d+)\.(\d+)(?:\.\d+)?$/.exec(stored.versionRange)
    if (top && Number(top[1]) === 2 && Number(top[2]) < 17) {
      return `${name} is Umami v${stored.versionRange}: hits with their original times need /api/batch and the timestamp field, which came in Umami v2.17. Update that server, then move history to it.`
    }
  }
  return null
}

export class ProfileRemote {
  readonly dialect: Dialect
  readonly baseUrl: string
  private auth: AuthState

  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
    private readonly row: ProfileRow,
    private readonly fetchLike: FetchLike = nodeFetch
  ) {
    this.dialect = dialectOf(row)
    this.baseUrl = row.base_url.replace(/\/+$/, '')
    this.auth = row.auth_state ? this.open<AuthState>(row.auth_state) : { kind: 'none' }
  }

  /** The profile as stored now (a job outlives the row it began with: its login may have been renewed). */
  static load(db: Db, sealer: Sealer, profileUuid: string, fetchLike?: FetchLike): ProfileRemote | null {
    const row = getProfileByUuid(db, profileUuid)
    return row ? new ProfileRemote(db, sealer, row, fetchLike) : null
  }

  get label(): string {
    return this.dialect.label
  }

  get host(): string {
    return new URL(this.baseUrl).host
  }

  /** `/api/batch` of a self-hosted server (the dialect's API prefix is `/api`). */
  get batchUrl(): string {
    return `${this.baseUrl}${this.dialect.apiPrefix}/batch`
  }

  /** The login's headers: collection needs none, but a server behind an authenticating proxy may. */
  authHeaders(): Record<string, string> {
    return this.dialect.authHeaders(this.auth)
  }

  private open<T>(blob: Buffer): T {
    try {
      return JSON.parse(this.sealer.open(blob)) as T
    } catch (error) {
      if (error instanceof SealError) {
        throw new ApiError(409, 'credentials-unreadable', `The saved credentials of profile “${this.row.name}” cannot be opened here (${error.message}). Enter them again in Profiles.`)
      }
      throw error
    }
  }

  /** One dashboard call; a refused login is renewed once from the sealed credentials and the call repeated. */
  async call<C extends Call>(call: C, params: CallParams[C]): Promise<CallResults[C]> {
    const send = () => callRemote(this.fetchLike, createAdapter(this.dialect, { baseUrl: this.baseUrl, auth: this.auth }), call, params, { timeoutMs: REMOTE_TIMEOUT_MS })
    try {
      return await send()
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || readDetection(this.row).login.kind !== 'password') throw error
    }
    this.auth = await signIn(this.fetchLike, this.dialect, this.baseUrl, this.open<Credentials>(this.row.credentials), { timeoutMs: REMOTE_TIMEOUT_MS })
    storeAuthState(this.db, this.row.profile_id, this.sealer.seal(JSON.stringify(this.auth)))
    try {
      return await send()
    } catch (error) {
      // A fresh login refused again: Umami answers 401 for a website the account may not see (or that does not exist).
      if (error instanceof ApiError && error.status === 401) {
        throw new ApiError(403, 'no-access', `${this.label} at ${this.host} accepted the profile's login but refused this request: the account cannot see that website, or it does not exist.`)
      }
      throw error
    }
  }
}
