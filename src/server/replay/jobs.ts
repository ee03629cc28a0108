import { randomUUID } from 'node:crypto'
import type { Db } from '../db/open'
import { prepared } from '../db/sql'

/**
 * The `replay` table (migration 004): one row per "Move history to…" job. The runner (runner.ts) is the
 * only writer of progress; the routes create, pause, resume and delete.
 */

export type ReplayStatus = 'running' | 'paused' | 'done' | 'failed'

export interface ReplayRow {
  replay_id: number
  replay_uuid: string
  website_id: number
  profile_id: number
  remote_website_id: string
  remote_website_name: string | null
  status: ReplayStatus
  cursor: number
  until_event_id: number
  total: number
  sent: number
  accepted: number
  rejected: number
  last_rejection: string | null
  error: string | null
  local_count: number | null
  remote_count: number | null
  range_start: number | null
  range_end: number | null
  checked_at: number | null
  created_at: number
  updated_at: number
  finished_at: number | null
}

/** A job with the names people know its ends by. */
export interface ReplayListRow extends ReplayRow {
  website_uuid: string
  website_name: string
  profile_uuid: string
  profile_name: string
}

const LIST_SQL = `SELECT r.*, w.website_uuid, w.name AS website_name, p.profile_uuid, p.name AS profile_name
  FROM replay r JOIN website w ON w.website_id = r.website_id JOIN profile p ON p.profile_id = r.profile_id`

/** The website's events at this moment: how many, and the last one (the job ends there). */
export function snapshotWebsiteEvents(db: Db, websiteId: number): { total: number; untilEventId: number } {
  const row = prepared(db, 'SELECT count(*) AS total, coalesce(max(event_id), 0) AS until FROM website_event WHERE website_id = ?').get(websiteId) as {
    total: number
    until: number
  }
  return { total: row.total, untilEventId: row.until }
}

export function createReplay(
  db: Db,
  input: { websiteId: number; profileId: number; remoteWebsiteId: string; remoteWebsiteName: string | null; status?: ReplayStatus; now: number }
): ReplayRow {
  return db.transaction(() => {
    const { total, untilEventId } = snapshotWebsiteEvents(db, input.websiteId)
    return prepared(
      db,
      `INSERT INTO replay (replay_uuid, website_id, profile_id, remote_website_id, remote_website_name, status, until_event_id, total, created_at, updated_at)
       VALUES (@uuid, @websiteId, @profileId, @remoteWebsiteId, @remoteWebsiteName, @status, @untilEventId, @total, @now, @now) RETURNING *`
    ).get({ ...input, status: input.status ?? 'running', uuid: randomUUID(), untilEventId, total }) as ReplayRow
  })()
}

export function getReplay(db: Db, replayId: number): ReplayRow | undefined {
  return prepared(db, 'SELECT * FROM replay WHERE replay_id = ?').get(replayId) as ReplayRow | undefined
}

export function getReplayByUuid(db: Db, uuid: string): ReplayListRow | undefined {
  return prepared(db, `${LIST_SQL} WHERE r.replay_uuid = ?`).get(uuid) as ReplayListRow | undefined
}

/** Newest first; one website's jobs when `websiteId` is given. */
export function listReplays(db: Db, websiteId?: number): ReplayListRow[] {
  if (websiteId === undefined) return prepared(db, `${LIST_SQL} ORDER BY r.replay_id DESC`).all() as ReplayListRow[]
  return prepared(db, `${LIST_SQL} WHERE r.website_id = ? ORDER BY r.replay_id DESC`).all(websiteId) as ReplayListRow[]
}

/** Jobs that were running when the server stopped: they go on by themselves at start-up. */
export function listRunningReplayIds(db: Db): number[] {
  return prepared(db, "SELECT replay_id FROM replay WHERE status = 'running' ORDER BY replay_id").pluck().all() as number[]
}

/** A job already moving (or paused) the same website to the same remote website: a second would send every hit twice. */
export function findActiveReplay(db: Db, websiteId: number, profileId: number, remoteWebsiteId: string): ReplayRow | undefined {
  return prepared(
    db,
    "SELECT * FROM replay WHERE website_id = ? AND profile_id = ? AND remote_website_id = ? AND status IN ('running', 'paused') LIMIT 1"
  ).get(websiteId, profileId, remoteWebsiteId) as ReplayRow | undefined
}

/** Pause, resume or fail; resuming clears the last error (it is the question being tried again). */
export function setReplayStatus(db: Db, replayId: number, status: ReplayStatus, now: number, error: string | null = null): void {
  prepared(db, 'UPDATE replay SET status = ?, error = ?, updated_at = ? WHERE replay_id = ?').run(status, error, now, replayId)
}

/** A page the remote server took: the cursor moves past it and the counts grow, in one statement. */
export function advanceReplay(
  db: Db,
  replayId: number,
  page: { cursor: number; sent: number; accepted: number; rejected: number; lastRejection: string | null; now: number }
): void {
  prepared(
    db,
    `UPDATE replay SET cursor = @cursor, sent = sent + @sent, accepted = accepted + @accepted, rejected = rejected + @rejected,
       last_rejection = coalesce(@lastRejection, last_rejection), updated_at = @now
     WHERE replay_id = @replayId AND cursor < @cursor`
  ).run({ ...page, replayId })
}

/** The job's events as they are now (a reset may have removed some): the local side of the count check. */
export function countReplayedEvents(db: Db, websiteId: number, untilEventId: number): { count: number; first: number | null; last: number | null } {
  return prepared(
    db,
    'SELECT count(*) AS count, min(created_at) AS first, max(created_at) AS last FROM website_event WHERE website_id = ? AND event_id <= ?'
  ).get(websiteId, untilEventId) as { count: number; first: number | null; last: number | null }
}

/** The end of a job: done with the final count check (or why the remote count could not be read). */
export function finishReplay(
  db: Db,
  replayId: number,
  check: { localCount: number; remoteCount: number | null; rangeStart: number | null; rangeEnd: number | null; error: string | null; now: number }
): void {
  prepared(
    db,
    `UPDATE replay SET status = 'done', local_count = @localCount, remote_count = @remoteCount, range_start = @rangeStart, range_end = @rangeEnd,
       error = @error, checked_at = @now, finished_at = coalesce(finished_at, @now), updated_at = @now
     WHERE replay_id = @replayId AND status = 'running'`
  ).run({ ...check, replayId })
}

export function deleteReplay(db: Db, replayId: number): boolean {
  return prepared(db, 'DELETE FROM replay WHERE replay_id = ?').run(replayId).changes > 0
}
