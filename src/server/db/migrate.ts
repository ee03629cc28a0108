import { createHash } from 'node:crypto'
import type { Database } from 'better-sqlite3'

export interface Migration {
  version: number
  name: string
  sql: string
}

/** The numbered migration files, bundled at build time (electron-vite output has no directories to read). */
const files = import.meta.glob<string>('./migrations/*.sql', { query: '?raw', import: 'default', eager: true })

export function bundledMigrations(): Migration[] {
  return Object.entries(files)
    .map(([path, sql]) => {
      const name = path.slice(path.lastIndexOf('/') + 1)
      const match = /^(\d+)-[\w-]+\.sql$/.exec(name)
      if (!match) throw new Error(`Migration file name must be NNN-name.sql: ${name}`)
      return { version: Number(match[1]), name, sql }
    })
    .sort((a, b) => a.version - b.version)
}

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex')

export class MigrationError extends Error {
  override name = 'MigrationError'
}

/**
 * Applies pending migrations, each in its own transaction, and records them with a checksum.
 * An applied migration whose file has changed stops start-up: the schema would otherwise drift silently.
 */
export function migrate(db: Database, migrations: Migration[] = bundledMigrations()): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    checksum   TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`)
  const applied = new Map(
    (db.prepare('SELECT version, name, checksum FROM schema_migration').all() as { version: number; name: string; checksum: string }[]).map(
      (row) => [row.version, row]
    )
  )
  const known = new Set(migrations.map((m) => m.version))
  for (const version of applied.keys()) {
    if (!known.has(version)) {
      throw new MigrationError(
        `The database was written by a newer Dashi (schema migration ${version} is unknown to this version). Update Dashi to open it.`
      )
    }
  }
  const record = db.prepare('INSERT INTO schema_migration (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)')
  const done: number[] = []
  for (const migration of migrations) {
    const sum = checksum(migration.sql)
    const previous = applied.get(migration.version)
    if (previous) {
      if (previous.checksum !== sum) {
        throw new MigrationError(`Migration ${migration.name} was changed after it was applied (checksum mismatch); refusing to start.`)
      }
      continue
    }
    try {
      db.transaction(() => {
        db.exec(migration.sql)
        record.run(migration.version, migration.name, sum, Date.now())
      })()
    } catch (error) {
      // The cause keeps SQLite's code (SQLITE_FULL…) for the caller's message (db/open.ts).
      throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error })
    }
    done.push(migration.version)
  }
  return done
}
