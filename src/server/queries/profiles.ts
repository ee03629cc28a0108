import { randomUUID } from 'node:crypto'
import type { Db } from '../db/open'
import { prepared } from '../db/sql'

/**
 * Remote profiles and their offline cache (migration 003). Secrets arrive here already sealed
 * (lib/seal.ts): this module stores blobs and never sees a password.
 */

export interface ProfileRow {
  profile_id: number
  profile_uuid: string
  name: string
  base_url: string
  family: 'v1' | 'v2' | 'v3' | 'cloud'
  version: string | null
  /** JSON of `StoredDetection` (remote/profile-remote.ts). */
  detection: string
  credentials: Buffer
  auth_state: Buffer | null
  created_at: number
  updated_at: number
  last_ok_at: number | null
}

export interface ProfileInput {
  name: string
  baseUrl: string
  family: ProfileRow['family']
  version: string | null
  detection: string
  credentials: Buffer
  authState: Buffer | null
  now: number
}

export function createProfile(db: Db, input: ProfileInput): ProfileRow {
  const row = prepared(
    db,
    `INSERT INTO profile (profile_uuid, name, base_url, family, version, detection, credentials, auth_state, created_at, updated_at, last_ok_at)
     VALUES (@uuid, @name, @baseUrl, @family, @version, @detection, @credentials, @authState, @now, @now, @now) RETURNING *`
  ).get({ ...input, uuid: randomUUID() }) as ProfileRow
  return row
}

export function getProfileByUuid(db: Db, uuid: string): ProfileRow | undefined {
  return prepared(db, 'SELECT * FROM profile WHERE profile_uuid = ?').get(uuid) as ProfileRow | undefined
}

export function listProfiles(db: Db): ProfileRow[] {
  return prepared(db, 'SELECT * FROM profile ORDER BY name COLLATE NOCASE ASC, profile_id ASC').all() as ProfileRow[]
}

/** A rename only. */
export function renameProfile(db: Db, profileId: number, name: string, now: number): ProfileRow {
  return prepared(db, 'UPDATE profile SET name = ?, updated_at = ? WHERE profile_id = ? RETURNING *').get(name, now, profileId) as ProfileRow
}

/**
 * A re-tested profile: new address, detection, credentials and login together. Its cached answers came
 * from what may be another server, so they go.
 */
export function replaceProfileServer(db: Db, profileId: number, input: ProfileInput): ProfileRow {
  return db.transaction(() => {
    prepared(db, 'DELETE FROM profile_cache WHERE profile_id = ?').run(profileId)
    return prepared(
      db,
      `UPDATE profile SET name = @name, base_url = @baseUrl, family = @family, version = @version, detection = @detection,
         credentials = @credentials, auth_state = @authState, updated_at = @now, last_ok_at = @now
       WHERE profile_id = @profileId RETURNING *`
    ).get({ ...input, profileId }) as ProfileRow
  })()
}

/** A fresh remote login (after the old one was refused), sealed. */
export function storeAuthState(db: Db, profileId: number, authState: Buffer): void {
  prepared(db, 'UPDATE profile SET auth_state = ? WHERE profile_id = ?').run(authState, profileId)
}

/** Deletes a profile and (ON DELETE CASCADE) its cache; false when it did not exist. */
export function deleteProfile(db: Db, profileId: number): boolean {
  return prepared(db, 'DELETE FROM profile WHERE profile_id = ?').run(profileId).changes > 0
}

// --- the offline cache ---

/** Answers kept per profile: a dashboard's worth of queries for many websites and ranges, bounded. */
export const PROFILE_CACHE_ROWS = 2000

export interface CachedAnswer {
  body: string
  fetched_at: number
  /** True when the exact query was cached; false when it is the same query over an earlier range. */
  exact: boolean
}

/**
 * Keeps a successful answer, drops the oldest beyond the bound and notes when the remote server last
 * answered: one transaction (one fsync) per forwarded call.
 */
export function putCachedAnswer(db: Db, profileId: number, entry: { key: string; queryKey: string; body: string; now: number }, limit = PROFILE_CACHE_ROWS): void {
  db.transaction(() => {
    prepared(db, 'UPDATE profile SET last_ok_at = ? WHERE profile_id = ?').run(entry.now, profileId)
    prepared(
      db,
      `INSERT INTO profile_cache (profile_id, key, query_key, body, fetched_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (profile_id, key) DO UPDATE SET query_key = excluded.query_key, body = excluded.body, fetched_at = excluded.fetched_at`
    ).run(profileId, entry.key, entry.queryKey, entry.body, entry.now)
    // Rows past the bound, newest first: ties on fetched_at are broken by key so exactly `limit` stay.
    prepared(
      db,
      `DELETE FROM profile_cache WHERE profile_id = @profileId AND key IN (
         SELECT key FROM profile_cache WHERE profile_id = @profileId ORDER BY fetched_at DESC, key DESC LIMIT -1 OFFSET @limit)`
    ).run({ profileId, limit })
  })()
}

/** The answer to exactly this query, else the newest answer to the same query over another range of the same length. */
export function getCachedAnswer(db: Db, profileId: number, key: string, queryKey: string): CachedAnswer | undefined {
  const exact = prepared(db, 'SELECT body, fetched_at FROM profile_cache WHERE profile_id = ? AND key = ?').get(profileId, key) as
    | Omit<CachedAnswer, 'exact'>
    | undefined
  if (exact) return { ...exact, exact: true }
  const nearest = prepared(
    db,
    'SELECT body, fetched_at FROM profile_cache WHERE profile_id = ? AND query_key = ? ORDER BY fetched_at DESC LIMIT 1'
  ).get(profileId, queryKey) as Omit<CachedAnswer, 'exact'> | undefined
  return nearest ? { ...nearest, exact: false } : undefined
}

export function countCachedAnswers(db: Db, profileId: number): number {
  return prepared(db, 'SELECT count(*) FROM profile_cache WHERE profile_id = ?').pluck().get(profileId) as number
}
