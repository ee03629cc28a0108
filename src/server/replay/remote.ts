import { ApiError } from '../../shared/api/client'
import type { FetchLike } from '../../shared/api/remote'
import type { Db } from '../db/open'
import type { Sealer } from '../lib/seal'
import { getProfileByUuid, type ProfileRow } from '../queries/profiles'
import { type LoginWords, ProfileConnection, readDetection } from '../remote/profile-remote'

/**
 * A remote profile as the replay uses it: where its collection endpoint is, and its dashboard calls (the
 * website check before a job, the count check after) through remote/profile-remote.ts, with the sealed
 * login renewed once on a 401 as the forwarding route does.
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

/** Login trouble as ApiErrors, which routes/replay.ts and the runner turn into their answers and job messages. */
const REPLAY_WORDS: LoginWords = {
  unreadable: (row, reason) =>
    new ApiError(409, 'credentials-unreadable', `The saved credentials of profile “${row.name}” cannot be opened here (${reason}). Enter them again in Profiles.`),
  // A fresh login refused again: Umami answers 401 for a website the account may not see (or that does not exist).
  refusedAgain: (_error, remote) =>
    new ApiError(403, 'no-access', `${remote.label} at ${remote.host} accepted the profile's login but refused this request: the account cannot see that website, or it does not exist.`)
}

export class ProfileRemote extends ProfileConnection {
  constructor(db: Db, sealer: Sealer, row: ProfileRow, fetchLike?: FetchLike) {
    super(db, sealer, row, REPLAY_WORDS, fetchLike)
  }

  /** The profile as stored now (a job outlives the row it began with: its login may have been renewed). */
  static load(db: Db, sealer: Sealer, profileUuid: string, fetchLike?: FetchLike): ProfileRemote | null {
    const row = getProfileByUuid(db, profileUuid)
    return row ? new ProfileRemote(db, sealer, row, fetchLike) : null
  }

  /** `/api/batch` of a self-hosted server (the dialect's API prefix is `/api`). */
  get batchUrl(): string {
    return `${this.baseUrl}${this.dialect.apiPrefix}/batch`
  }
}
