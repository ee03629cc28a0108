import Database from 'better-sqlite3'
import type { Db, OpenOptions } from './open'
import { registerFunctions } from './functions'

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
    registerFunctions(db)
  } catch (error) {
    db.close()
    throw error
  }
  return db
}

/** What PRAGMA wal_checkpoint answers: `busy` 1 when it could not finish; WAL frames, and how many were copied. */
export interface CheckpointResult {
  busy: number
  log: number
  checkpointed: number
}

/**
 * A read-write connection that only checkpoints (a read-only one cannot): the read pool opens one in a worker
 * thread and uses it while no long read is running (see ReadPool in src/server/reads/pool.ts).
 * synchronous=FULL as on the writing connections: the database file is synced before the WAL is emptied.
 * busy_timeout: how long a checkpoint waits for the hit writer's current transaction before giving up.
 */
export function openCheckpointConnection({ file, nativeBinding }: OpenOptions): Db {
  const db = new Database(file, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) })
  try {
    db.pragma('busy_timeout = 1000')
    db.pragma('synchronous = FULL')
  } catch (error) {
    db.close()
    throw error
  }
  return db
}

/**
 * Copies the WAL into the database file and empties it, so the hit writer's next transaction starts the WAL
 * from its beginning. The writer's own checkpoints (PASSIVE, after its commits) never get that far while
 * dashboard reads overlap without a gap: a read holds the WAL frames of its snapshot, and the WAL file then
 * grows by every page ever written (gigabytes within minutes of sustained ingest), its index (the -shm file,
 * mapped into the process) with it. Call it when no read of the pool is running.
 */
export function checkpointWal(db: Db): CheckpointResult {
  for (let attempt = 1; ; attempt++) {
    // PASSIVE first: copies what the writer's checkpoints could not while reads held old snapshots, without
    // taking the write lock, so hits are not held up meanwhile.
    db.pragma('wal_checkpoint(PASSIVE)')
    // TRUNCATE then takes the write lock (waiting up to busy_timeout for the writer's transaction), copies the
    // few frames committed since and truncates the file; without the lock it only copies (busy 1).
    const result = (db.pragma('wal_checkpoint(TRUNCATE)') as CheckpointResult[])[0]!
    // log -1: the writer's own checkpoint after a commit held the checkpoint lock, which SQLite does not wait
    // for (busy_timeout does not apply); it is over within milliseconds, and the pool's reads are held anyway.
    if (result.busy === 0 || result.log !== -1 || attempt === CHECKPOINT_ATTEMPTS) return result
    Atomics.wait(pause, 0, 0, 10)
  }
}

const CHECKPOINT_ATTEMPTS = 20
/** For Atomics.wait: a thread's synchronous sleep (the checkpoint runs on a read pool worker thread). */
const pause = new Int32Array(new SharedArrayBuffer(4))
