import Database from 'better-sqlite3'
import type { Db, OpenOptions } from './open'
import { registerChannel } from '../queries/channel'
import { registerRegexp } from './regexp'

/**
 * A read-only connection to a database file that openDatabase has opened and migrated (the read pool's
 * worker threads each hold one). WAL lets it read while the writer commits; it never writes, so it sets no
 * journal mode or synchronous level of its own.
 */
export function openReadConnection({ file, nativeBinding }: OpenOptions): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) })
  try {
    db.pragma('busy_timeout = 5000')
    // Reads scan far more pages than fit in any cache: a small cache per thread (the OS caches the file),
    // and sorts and DISTINCTs spill to a temporary file beyond SQLite's default in-memory share, so a read
    // over a million rows does not leave the thread's heap hundreds of MB larger.
    db.pragma('cache_size = -8000')
    db.pragma('temp_store = DEFAULT')
    registerRegexp(db)
    registerChannel(db)
  } catch (error) {
    db.close()
    throw error
  }
  return db
}
