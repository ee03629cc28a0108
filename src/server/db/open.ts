import Database from 'better-sqlite3'
import { migrate } from './migrate'
import { registerRegexp } from './regexp'

export type Db = Database.Database

export interface OpenOptions {
  /** Path to the database file, or ':memory:' in tests. */
  file: string
  /** better-sqlite3 native binding path (the desktop build ships one compiled for Electron). */
  nativeBinding?: string
}

/**
 * Opens (creating if needed) the one database file and brings its schema up to date.
 * WAL lets dashboard reads run while hits are written; synchronous=FULL makes every commit durable,
 * which group commit keeps cheap (one fsync per batch of hits, not per hit).
 */
export function openDatabase({ file, nativeBinding }: OpenOptions): Db {
  const db = new Database(file, nativeBinding ? { nativeBinding } : {})
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    db.pragma('cache_size = -32000')
    db.pragma('temp_store = MEMORY')
    migrate(db)
    // Regex filters (re/nre) call this function; every query runs on this connection.
    registerRegexp(db)
  } catch (error) {
    db.close()
    throw error
  }
  return db
}
