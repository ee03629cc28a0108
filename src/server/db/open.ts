import { accessSync, constants } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { migrate } from './migrate'
import { registerFunctions } from './functions'

export type Db = Database.Database

export interface OpenOptions {
  /** Path to the database file, or ':memory:' in tests. */
  file: string
  /** better-sqlite3 native binding path (the desktop build ships one compiled for Electron). */
  nativeBinding?: string
}

/**
 * The database file cannot be used: damaged, read-only, locked, on a full disk, or from a newer Dashi. The
 * message names the file and what to do; start-up stops with it. The file is left exactly as it was: Dashi
 * never moves a damaged database aside or starts over with an empty one, which would hide the data loss.
 */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError'
}

/** SQLite's result code of an error or of its cause (a failed migration wraps SQLite's error). */
function sqliteCode(error: unknown): string {
  let e = error as { code?: unknown; cause?: unknown } | undefined
  for (let depth = 0; e && depth < 4; depth++, e = e.cause as typeof e) {
    if (typeof e.code === 'string') return e.code
  }
  return ''
}

/**
 * Why `path` cannot be written, from the kernel (it applies read-only mounts and the immutable flag even to
 * root), or null. SQLite only says "unable to open database file" when a WAL database's directory is read-only.
 */
function notWritable(path: string): string | null {
  try {
    accessSync(path, constants.W_OK)
    return null
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    return code === 'EROFS' ? `${path} is on a read-only file system` : `${path} is not writable: ${code}`
  }
}

/** Turns an error met while opening `file` into one that names the file and says what the user can do. */
function openError(given: string, error: unknown): DatabaseOpenError {
  // The full path, so the message is clear whatever directory the user started Dashi in.
  const file = given === ':memory:' ? given : resolve(given)
  let reason = (error as Error)?.message ?? String(error)
  let code = sqliteCode(error)
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) {
    const why = notWritable(file) ?? notWritable(dirname(file))
    if (why) {
      reason = why
      code = 'SQLITE_READONLY'
    }
  }
  let message: string
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    message =
      `The database file ${file} is damaged (${reason}). Dashi did not change, move or replace it. ` +
      'Restore it from a backup; or, to start over with an empty database, move it (and any -wal/-shm file next to it) away yourself.'
  } else if (code.startsWith('SQLITE_READONLY')) {
    message =
      `The database file ${file} cannot be written (${reason}). Dashi stores every hit in it, so it does not start read-only: ` +
      "check the file's and the directory's permissions, the file's immutable flag (lsattr) and that its file system is mounted read-write."
  } else if (code === 'SQLITE_FULL') {
    message = `The disk that holds the database file ${file} is full (${reason}). Free some space and start Dashi again.`
  } else if (code.startsWith('SQLITE_BUSY')) {
    message = `The database file ${file} is locked by another program (${reason}); is another Dashi running on the same data directory?`
  } else if (code.startsWith('SQLITE_CANTOPEN')) {
    message = `Cannot open the database file ${file} (${reason}): check that its directory exists and can be written.`
  } else {
    message = `Cannot use the database file ${file}: ${reason}`
  }
  return new DatabaseOpenError(message, { cause: error })
}

/**
 * SQLite quietly opens a file it may not write (read-only mount, immutable flag, permissions) read-only, and
 * reads still work: without this, the server would start and every hit would fail. A write that is rolled
 * back asks SQLite for the write lock and a page to change, so it fails here on such a file (SQLITE_READONLY)
 * and changes nothing on any other.
 */
function assertWritable(db: Db): void {
  db.exec('BEGIN IMMEDIATE')
  try {
    db.exec('CREATE TABLE dashi_write_probe (x INTEGER)')
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK')
  }
}

/**
 * Opens (creating if needed) the one database file and brings its schema up to date.
 * WAL lets dashboard reads run while hits are written; synchronous=FULL makes every commit durable,
 * which group commit keeps cheap (one fsync per batch of hits, not per hit).
 * Throws DatabaseOpenError (naming the file) when the file is damaged, read-only, locked or too new.
 */
export function openDatabase({ file, nativeBinding }: OpenOptions): Db {
  let db: Db
  try {
    db = new Database(file, nativeBinding ? { nativeBinding } : {})
  } catch (error) {
    throw openError(file, error)
  }
  try {
    // The first statement reads the header: a file that is not a database, or is shorter than its header
    // says (truncated), fails here, before anything is written to it.
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    db.pragma('cache_size = -32000')
    db.pragma('temp_store = MEMORY')
    assertWritable(db)
    migrate(db)
    // Every query may run on this connection.
    registerFunctions(db)
  } catch (error) {
    db.close()
    throw openError(file, error)
  }
  return db
}
