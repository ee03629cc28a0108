import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, test } from 'vitest'
import { bundledMigrations, migrate, MigrationError } from '../../src/server/db/migrate'
import { openDatabase } from '../../src/server/db/open'

let dir: string
const fresh = () => {
  dir = mkdtempSync(join(tmpdir(), 'dashi-migrate-'))
  return join(dir, 'dashi.db')
}
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('migrations', () => {
  test('a new database gets every migration, recorded with its checksum, in WAL mode', () => {
    const db = openDatabase({ file: fresh() })
    const rows = db.prepare('SELECT version, checksum FROM schema_migration ORDER BY version').all() as { version: number; checksum: string }[]
    expect(rows.map((r) => r.version)).toEqual(bundledMigrations().map((m) => m.version))
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    db.close()
  })

  test('opening an up-to-date database applies nothing again and keeps its data', () => {
    const file = fresh()
    const first = openDatabase({ file })
    first.prepare("INSERT INTO account (user_uuid, username, password, role, created_at, updated_at) VALUES ('u', 'kept', 'x', 'user', 0, 0)").run()
    first.close()
    const second = new Database(file)
    expect(migrate(second)).toEqual([])
    expect(second.prepare("SELECT username FROM account WHERE username = 'kept'").pluck().get()).toBe('kept')
    second.close()
  })

  test('refuses to start when an applied migration was edited', () => {
    const file = fresh()
    openDatabase({ file }).close()
    const db = new Database(file)
    const edited = bundledMigrations().map((m, i) => (i === 0 ? { ...m, sql: m.sql + '\n-- edited' } : m))
    expect(() => migrate(db, edited)).toThrow(/changed after it was applied/)
    db.close()
  })

  test('refuses a database written by a newer version instead of opening it half-understood', () => {
    const file = fresh()
    openDatabase({ file }).close()
    const db = new Database(file)
    db.prepare("INSERT INTO schema_migration (version, name, checksum, applied_at) VALUES (999, '999-future.sql', 'x', 0)").run()
    expect(() => migrate(db)).toThrow(MigrationError)
    db.close()
  })

  test('a failing migration rolls back entirely and stops with its name', () => {
    const db = new Database(fresh())
    const broken = [
      ...bundledMigrations(),
      { version: 900, name: '900-broken.sql', sql: 'CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);' }
    ]
    expect(() => migrate(db, broken)).toThrow(/900-broken\.sql failed/)
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").pluck().get()).toBe(0)
    expect(db.prepare('SELECT max(version) FROM schema_migration').pluck().get()).toBe(bundledMigrations().at(-1)!.version)
    db.close()
  })
})
