import {
  type AuthState,
  type Call,
  type CallParams,
  type CallResults,
  createAdapter,
  type Credentials,
  type Detection,
  type Dialect,
  type Family,
  parseVersion,
  v1Dialect,
  v1EraOf,
  v2Dialect,
  v3Dialect,
  type V1Era,
  type Version
} from '../../shared/api/adapters'
import { ApiError } from '../../shared/api/client'
import { callRemote, type FetchLike, signIn } from '../../shared/api/remote'
import type { Db } from '../db/open'
import { SealError, type Sealer } from '../lib/seal'
import { type ProfileRow, storeAuthState } from '../queries/profiles'

/**
 * A stored remote profile as this server talks to it: its dialect rebuilt from the row, its sealed secrets
 * opened, and its dashboard calls sent with the stored login, renewed once from the sealed credentials
 * when the remote answers 401. The forwarding route (routes/profiles.ts) and "Move history to…"
 * (replay/) both call remote servers through this; each says login trouble in its own words (`LoginWords`).
 */

/** Per remote request: a server that does not answer in time counts as unreachable. */
export const REMOTE_TIMEOUT_MS = 10_000

/** Node's fetch; shared/api/remote.ts takes any fetch-like function (tests pass their own). */
export const nodeFetch: FetchLike = (url, init) => fetch(url, init)

// --- what is stored about the remote server ---

/** The `detection` column: what the probes found, enough to rebuild the dialect without probing again. */
export interface StoredDetection {
  server: Detection['server']
  versionRange: string
  summary: string
  dialectId: string
  label: string
  /** The version the dialect was built for (an exact one, or the oldest of the detected range). */
  dialectVersion: Version
  /** The login's kind and user name (not secret; the sealed credentials hold the same). */
  login: { kind: 'password'; username: string } | { kind: 'api-key' }
}

export function storedDetection(detection: Detection, credentials: Credentials): StoredDetection {
  const { dialect } = detection
  // v1 dialects know their era's range, not the exact version (which decides some features).
  const exact = detection.version !== null && detection.server === 'umami' ? parseVersion(detection.version) : null
  return {
    server: detection.server,
    versionRange: detection.versionRange,
    summary: detection.summary,
    dialectId: dialect.id,
    label: dialect.label,
    dialectVersion: dialect.family === 'v1' && exact ? exact : dialect.versions.min,
    login: credentials.kind === 'password' ? { kind: 'password', username: credentials.username } : { kind: 'api-key' }
  }
}

export const readDetection = (row: ProfileRow) => JSON.parse(row.detection) as StoredDetection

/** The dialect a profile was detected as, rebuilt from its stored family, id and version. */
export function dialectOf(row: ProfileRow): Dialect {
  const stored = readDetection(row)
  const version = stored.dialectVersion
  const family: Family = row.family
  if (family === 'cloud') return v3Dialect({ cloud: true })
  if (family === 'v3') return v3Dialect(stored.server === 'dashi' ? {} : { version })
  if (family === 'v2') return v2Dialect(version)
  const era = stored.dialectId.replace(/^v1-/, '') as V1Era
  return v1Dialect(['cookie', 'bearer', 'camel'].includes(era) ? era : v1EraOf(version), version)
}

// --- the sealed secrets and the login ---

/**
 * A sealed secret of a profile, opened; `unreadable` makes the caller's error when it was sealed by another
 * key (another install's secret, another OS user's keychain), so the user is asked to enter it again.
 */
export function openSealed<T>(sealer: Sealer, blob: Buffer, unreadable: (reason: string) => Error): T {
  try {
    return JSON.parse(sealer.open(blob)) as T
  } catch (error) {
    if (error instanceof SealError) throw unreadable(error.message)
    throw error
  }
}

/** How a caller words a profile's login trouble (the routes answer in the v3 envelope, replay/ in job messages). */
export interface LoginWords {
  /** The sealed credentials or login cannot be opened here. */
  unreadable(row: ProfileRow, reason: string): Error
  /** Signing in again failed; without it, the sign-in's own error is thrown. */
  signInFailed?(error: unknown, remote: ProfileConnection): unknown
  /** The fresh login was refused too (401 again); without it, that 401 is thrown. */
  refusedAgain?(error: ApiError, remote: ProfileConnection): unknown
}

/**
 * One fresh remote login per profile at a time: parallel calls (dashboard panels, a replay's check) that
 * all got 401 share it. Per database, since profile ids are only unique within one.
 */
const signingIn = new WeakMap<Db, Map<number, Promise<AuthState>>>()

function pendingLogins(db: Db): Map<number, Promise<AuthState>> {
  let pending = signingIn.get(db)
  if (!pending) {
    pending = new Map()
    signingIn.set(db, pending)
  }
  return pending
}

export class ProfileConnection {
  readonly dialect: Dialect
  readonly baseUrl: string
  protected auth: AuthState

  constructor(
    protected readonly db: Db,
    protected readonly sealer: Sealer,
    protected readonly row: ProfileRow,
    private readonly words: LoginWords,
    protected readonly fetchLike: FetchLike = nodeFetch
  ) {
    this.dialect = dialectOf(row)
    this.baseUrl = row.base_url.replace(/\/+$/, '')
    this.auth = row.auth_state ? this.open<AuthState>(row.auth_state) : { kind: 'none' }
  }

  get label(): string {
    return this.dialect.label
  }

  get host(): string {
    return new URL(this.baseUrl).host
  }

  /** The login's headers, for requests the adapters do not build: replay's `/api/batch` needs none, but a server behind an authenticating proxy may. */
  authHeaders(): Record<string, string> {
    return this.dialect.authHeaders(this.auth)
  }

  open<T>(blob: Buffer): T {
    return openSealed<T>(this.sealer, blob, (reason) => this.words.unreadable(this.row, reason))
  }

  /** Signs in again with the sealed credentials and stores the new login, sealed; joins a sign-in already under way. */
  private renewLogin(): Promise<AuthState> {
    const logins = pendingLogins(this.db)
    const { profile_id: profileId } = this.row
    let pending = logins.get(profileId)
    if (!pending) {
      // Opened before the sign-in is shared, so a caller that joins it never gets another caller's words.
      const credentials = this.open<Credentials>(this.row.credentials)
      pending = (async () => {
        const auth = await signIn(this.fetchLike, this.dialect, this.baseUrl, credentials, { timeoutMs: REMOTE_TIMEOUT_MS })
        storeAuthState(this.db, profileId, this.sealer.seal(JSON.stringify(auth)))
        return auth
      })().finally(() => logins.delete(profileId))
      logins.set(profileId, pending)
    }
    return pending
  }

  /** One dashboard call; a refused password login is renewed once and the call repeated (an API key is what it is). */
  async call<C extends Call>(call: C, params: CallParams[C]): Promise<CallResults[C]> {
    const send = () => callRemote(this.fetchLike, createAdapter(this.dialect, { baseUrl: this.baseUrl, auth: this.auth }), call, params, { timeoutMs: REMOTE_TIMEOUT_MS })
    try {
      return await send()
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || readDetection(this.row).login.kind !== 'password') throw error
    }
    try {
      this.auth = await this.renewLogin()
    } catch (error) {
      throw this.words.signInFailed ? this.words.signInFailed(error, this) : error
    }
    try {
      return await send()
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && this.words.refusedAgain) throw this.words.refusedAgain(error, this)
      throw error
    }
  }
}
