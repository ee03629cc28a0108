import type { Db } from '../db/open'
import { prepared } from '../db/sql'

/** A server-wide setting (table `setting`, JSON values), or undefined when never set. */
export function getSetting<T>(db: Db, key: string): T | undefined {
  const raw = prepared(db, 'SELECT value FROM setting WHERE key = ?').pluck().get(key) as string | undefined
  return raw === undefined ? undefined : (JSON.parse(raw) as T)
}

export function putSetting(db: Db, key: string, value: unknown, now: number): void {
  prepared(db, 'INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(
    key,
    JSON.stringify(value),
    now
  )
}
