/**
 * Storage faults, in words a site owner can act on. Whichever connection meets one (the hit writer's or
 * the main one), its transaction rolled back, so nothing of the request is stored; the answer is 503 (try
 * again later), and the server keeps running and writes again once the cause is gone (space freed, file
 * writable again), without a restart.
 */
const STORAGE_FAULTS: [codePrefix: string, what: string][] = [
  ['SQLITE_FULL', 'the disk that holds the database is full'],
  ['SQLITE_READONLY', 'the database file cannot be written (read-only)'],
  ['SQLITE_IOERR', 'the database file could not be read or written (I/O error: is its disk read-only or failing?)'],
  ['SQLITE_CANTOPEN', 'the database file could not be opened'],
  ['SQLITE_CORRUPT', 'the database file is damaged'],
  ['SQLITE_NOTADB', 'the database file is damaged']
]

/** What a SQLite error code means for the user, when it is a storage fault. */
export function storageFault(code: unknown): string | undefined {
  if (typeof code !== 'string') return undefined
  return STORAGE_FAULTS.find(([prefix]) => code.startsWith(prefix))?.[1]
}
